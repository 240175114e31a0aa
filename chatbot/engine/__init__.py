"""The pipeline that turns a question into an answer, the optional LLM generator, ingest and warm-up."""
