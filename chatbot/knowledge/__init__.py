"""What the articles say: the corpus, its chunks, their embeddings, the Chroma index, search and corpus health."""
