"""Growing the ``make bench-scale`` index without embedding anything: every record copied with a new id,
a new article slug and a slightly perturbed vector, straight into a new Chroma version.

Embedding 100k passages again would take an hour on 2 cores; the query side is what this size is for.
"""

from __future__ import annotations

import time

import numpy as np

from chatbot.bench.synthetic import SEED
from chatbot.settings import Settings

REPLICA_NOISE = 0.01
"""Standard deviation of the noise added to each coordinate of a replicated passage vector."""


def replicate(settings: Settings, copies: int, *, seed: int = SEED) -> int:
    """Make the live version ``copies`` times larger without embedding anything; returns its size.

    Every record is copied with a new id, a new article slug (``<slug>-r<k>``) and its vector
    perturbed by ``REPLICA_NOISE`` and renormalised, into a new version that is then made live.
    """
    from chatbot.knowledge.chroma import STATE_SUFFIX, connect, index_state, open_collection

    client = connect(settings)
    state = index_state(client, settings)
    source = open_collection(client, state["active"])
    batch = settings.chroma_batch_size
    records = [source.get(include=["embeddings", "documents", "metadatas"], limit=batch, offset=o) for o in range(0, source.count(), batch)]
    version = f"{settings.collection}-v{time.strftime('%Y%m%d%H%M%S')}-x{copies}"
    target = client.create_collection(version, metadata={"hnsw:space": "cosine"}, embedding_function=None)
    rng = np.random.default_rng(seed)
    total = 0
    for k in range(copies):
        for page in records:
            vectors = np.asarray(page["embeddings"], dtype=np.float32)
            metadatas = [dict(m) for m in page["metadatas"]]
            if k:
                vectors = vectors + rng.normal(0.0, REPLICA_NOISE, vectors.shape).astype(np.float32)
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
                for m in metadatas:
                    m["article"] = f"{m['article']}-r{k}"
            ids = [i if not k else f"{i}-r{k}" for i in page["ids"]]
            target.add(ids=ids, embeddings=vectors, documents=page["documents"], metadatas=metadatas)
            total += len(ids)
    old = state["active"]
    client.get_collection(f"{settings.collection}{STATE_SUFFIX}").modify(
        metadata={**state, "active": version, "chunks": total, "fingerprint": f"replicated-x{copies}"}
    )
    for name in (old, f"{old}-dups"):
        client.delete_collection(name)
    return total
