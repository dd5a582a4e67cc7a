"""A store searched exactly, for training: the query against every chunk's vector in NumPy."""

from collections.abc import Sequence

import numpy as np

from newsqa.errors import StoreError

from .registry import chroma_call
from .store import ArticleStore, Hit, chroma_where, chunk_hit
from .vectors import cosines

__all__ = ["ExactStore"]


class ExactStore(ArticleStore):
    """An ArticleStore searched exactly: the query against every chunk's vector (NumPy), nearest first and ties
    by chunk id, instead of through the HNSW index, whose misses at the edge of a pool differ between processes
    over the same files (1 of 598 training pools even with ef_search 400). For stores that fit in memory:
    `newsqa train`'s periods (~8,000 chunks, 12 MB), so that it makes the same models from the same cache."""

    _vectors: tuple[str | None, list[str], np.ndarray] | None = None  # (generation, ids sorted, their vectors)

    def _nearest(self, vector: Sequence[float], n: int, where: dict | None = None) -> list[Hit]:
        """The n nearest chunks to a query vector, every stored vector compared."""
        ids, matrix = self._all_vectors()
        if not ids:
            return []
        if len(vector) != matrix.shape[1]:
            raise StoreError(f"the query vector has {len(vector)} numbers, the store's vectors {matrix.shape[1]}")
        cosine = np.asarray(cosines(vector, matrix))
        nearest = np.argsort(-cosine, kind="stable")  # ids are sorted: ties go by id
        if where:
            wanted = set(chroma_call(self.chunks.get, where=chroma_where(where), include=[])["ids"])
            nearest = [i for i in nearest if ids[i] in wanted]
        nearest = nearest[:n]
        if len(nearest) == 0:
            return []
        found = chroma_call(self.chunks.get, ids=[ids[i] for i in nearest], include=["documents", "metadatas"])
        records = {i: (d, m) for i, d, m in zip(found["ids"], found["documents"], found["metadatas"])}
        return [chunk_hit(ids[i], *records[ids[i]], 1.0 - cosine[i]) for i in nearest if ids[i] in records]

    def _all_vectors(self, batch: int = 2000) -> tuple[list[str], np.ndarray]:
        """The id (sorted) and vector of every chunk of an article's current version, read again only after a
        write (and not kept when a write came while they were read)."""
        generation = self.generation()
        if self._vectors is not None and self._vectors[0] == generation:
            return self._vectors[1], self._vectors[2]
        listed = {c for _, chunks in self.versions().values() for c in chunks}
        vectors = {}
        for offset in range(0, self.chunk_count(), batch):
            page = chroma_call(self.chunks.get, limit=batch, offset=offset, include=["embeddings"])
            vectors.update((i, v) for i, v in zip(page["ids"], page["embeddings"]) if i in listed)
        ids = sorted(vectors)
        matrix = np.asarray([vectors[i] for i in ids], dtype=np.float64) if ids else np.zeros((0, 0))
        if self.generation() == generation:
            self._vectors = (generation, ids, matrix)
        return ids, matrix
