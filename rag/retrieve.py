"""Hybrid retrieval: dense (Chroma) and lexical (BM25) results fused, near-duplicates collapsed."""

import re
from collections.abc import Sequence

from langchain_core.embeddings import Embeddings

from ingest.lexical import LexicalIndex
from ingest.store import ArticleStore, Hit

__all__ = ["Retriever", "collapse", "reciprocal_rank_fusion"]

RRF_K = 60


def reciprocal_rank_fusion(*rankings: Sequence[str]) -> list[str]:
    """Ids ordered by the sum of 1/(60 + rank) over the rankings they appear in.

    >>> reciprocal_rank_fusion(["a", "b", "c"], ["c", "a"])
    ['a', 'c', 'b']
    """
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(scores, key=lambda item: -scores[item])


def _shingles(text: str) -> set[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text.lower())
    return {tuple(tokens[i:i + 3]) for i in range(max(1, len(tokens) - 2))}


def collapse(hits: Sequence[Hit], per_article: int, similar: float = 0.8) -> list[Hit]:
    """Drop near-duplicate chunks (syndicated copies of one story); an article's chunks beyond
    `per_article` move behind the other articles' chunks instead of crowding them out."""
    kept: list[tuple[Hit, set]] = []
    for hit in hits:
        shingles = _shingles(hit.text)
        if not any(len(shingles & other) / (len(shingles | other) or 1) >= similar for _, other in kept):
            kept.append((hit, shingles))
    first, overflow, per = [], [], {}
    for hit, _ in kept:
        per[hit.article_id] = per.get(hit.article_id, 0) + 1
        (first if per[hit.article_id] <= per_article else overflow).append(hit)
    return first + overflow


class Retriever:
    """Finds the chunks for a query: `Retriever(store, embeddings, k=5, lexical=index).retrieve(query)`."""

    def __init__(self, store: ArticleStore, embeddings: Embeddings, k: int = 5, *,
                 lexical: LexicalIndex | None = None, pool: int = 30, per_article: int = 2):
        if k < 1:
            raise ValueError(f"k must be positive, got {k}")
        self.store = store
        self.embeddings = embeddings
        self.k = k
        self.lexical = lexical
        self.pool = pool
        self.per_article = per_article

    def retrieve(self, query: str, k: int | None = None, *, vector: Sequence[float] | None = None) -> list[Hit]:
        """The top-k chunks for a query, best first (`vector`: the query's embedding, if already made)."""
        k = k or self.k
        vector = self.embeddings.embed_query(query) if vector is None else vector
        pool = max(self.pool, 4 * k)
        dense = self.store.search(vector, pool)
        if self.lexical is None:
            return collapse(dense, self.per_article)[:k]
        self.lexical.sync(self.store)
        lexical = [chunk_id for chunk_id, _ in self.lexical.search(query, pool)]
        order = reciprocal_rank_fusion([h.chunk_id for h in dense], lexical)
        by_id = {h.chunk_id: h for h in dense}
        by_id.update({h.chunk_id: h for h in self.store.hits([i for i in order if i not in by_id], vector)})
        fused = [by_id[i] for i in order if i in by_id]
        return collapse(fused, self.per_article)[:k]
