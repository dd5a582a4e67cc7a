"""Hybrid retrieval: dense (Chroma) and lexical (BM25) results fused, near-duplicates collapsed."""

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from ingest.lexical import LexicalIndex
from ingest.store import ArticleStore, Hit
from ingest.vectorstore import hit_document
from rag.learned.trees import Trees
from rag.retrieval.features import PASSAGE_FEATURES, Asked, PoolEntry, passage_rows

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


class Retriever(BaseRetriever):
    """Finds the chunks for a query: `Retriever(store, embeddings, k=5, lexical=index, ranker=trees).retrieve(query)`.
    A LangChain retriever too: `invoke(query)` gives the top k as Documents (with the article's metadata), and QA
    asks it so (`pool=True`: the whole ranked pool), so that traces show a retriever run with its Documents.

    With a lexical index and a ranker (the default models), the dense and the BM25 pools are merged
    and ordered by the learned ranker; without a ranker they are fused by reciprocal rank.

    `filtered(k=2, published_after=date(2026, 1, 1), source="apnews.com", as_of=...)` is a copy that keeps only
    articles published on or after a day, or from one source (a site's host name or a file name); `as_of` is the
    day the question is asked (the ranker's sense of recency).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: ArticleStore = Field(exclude=True)
    embeddings: Embeddings = Field(exclude=True)
    k: int = Field(default=5, ge=1)
    lexical: LexicalIndex | None = Field(default=None, exclude=True)
    ranker: Trees | None = Field(default=None, exclude=True)
    pool_size: int = 30
    per_article: int = 2
    published_after: date | None = None
    source: str | None = None
    as_of: date | None = None

    def __init__(self, store: ArticleStore, embeddings: Embeddings, k: int = 5, *,
                 lexical: LexicalIndex | None = None, ranker: Trees | None = None, pool: int = 30,
                 per_article: int = 2, **fields):
        if k < 1:
            raise ValueError(f"k must be positive, got {k}")
        if ranker is not None and lexical is None:
            raise ValueError("a ranker needs a lexical index: its features include BM25")
        if ranker is not None and tuple(ranker.features) != PASSAGE_FEATURES:
            raise ValueError("the ranker was trained on other passage features; retrain it with `newsqa train`")
        super().__init__(store=store, embeddings=embeddings, k=k, lexical=lexical, ranker=ranker, pool_size=pool,
                         per_article=per_article, **fields)

    def filtered(self, **fields) -> "Retriever":
        """This retriever with other `k`, `published_after`, `source` or `as_of` (the store and models shared)."""
        unknown = set(fields) - {"k", "published_after", "source", "as_of"}
        if unknown:
            raise TypeError(f"filtered() takes k, published_after, source and as_of; got {', '.join(sorted(unknown))}")
        if fields.get("k", 1) < 1:
            raise ValueError(f"k must be positive, got {fields['k']}")
        return self.model_copy(update=fields)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                vector: Sequence[float] | None = None, as_of: date | None = None, k: int | None = None,
                                pool: bool = False) -> list[Document]:
        """The top k chunks as Documents (or, with `pool`, the whole ranked pool: what QA reads)."""
        vector = self.embeddings.embed_query(query) if vector is None else vector
        if pool:
            return [hit_document(h) for h in self.ranked(query, vector, as_of) if self._keeps(h)]
        return [hit_document(h) for h in self.retrieve(query, k, vector=vector, as_of=as_of)]

    def retrieve(self, query: str, k: int | None = None, *, vector: Sequence[float] | None = None,
                 as_of: date | None = None) -> list[Hit]:
        """The top-k chunks for a query, best first (`vector`: the query's embedding, if already made;
        `as_of`: the day the question is asked, for the ranker's sense of recency)."""
        k = k or self.k
        vector = self.embeddings.embed_query(query) if vector is None else vector
        size = max(self.pool_size, 4 * k) * (4 if self.published_after or self.source else 1)  # filters thin it
        return self.top([h for h in self.ranked(query, vector, as_of, size) if self._keeps(h)], k)

    def _keeps(self, hit: Hit) -> bool:
        if self.published_after and not (hit.published and hit.published[:10] >= self.published_after.isoformat()):
            return False
        return not self.source or hit.source == self.source

    def ranked(self, query: str, vector: Sequence[float], as_of: date | None = None, size: int | None = None) -> list[Hit]:
        """Every passage of the pool, best first: by the ranker, else by reciprocal rank fusion (or
        by cosine alone without a lexical index)."""
        size, as_of = size or self.pool_size, as_of or self.as_of
        if self.lexical is None:
            return self.store.search(vector, size)
        entries = self.pool(query, vector, size)
        if self.ranker is not None:
            return self.rank(Asked.of(query, as_of), entries)
        order = reciprocal_rank_fusion([e.hit.chunk_id for e in entries if e.dense_rank],
                                       [e.hit.chunk_id for e in sorted(entries, key=_bm25_order) if e.bm25_rank])
        by_id = {e.hit.chunk_id: e.hit for e in entries}
        return [by_id[i] for i in order]

    def top(self, ranked: Sequence[Hit], k: int | None = None) -> list[Hit]:
        """The first k of a ranking once near-duplicates are dropped and no article crowds the others out."""
        return collapse(ranked, self.per_article)[:k or self.k]

    def pool(self, query: str, vector: Sequence[float], size: int | None = None) -> list[PoolEntry]:
        """The union of the dense and the BM25 top `size`, each passage with its cosine, BM25 score and ranks."""
        size = size or self.pool_size
        dense = self.store.search(vector, size)
        self.lexical.sync(self.store)
        bm25 = self.lexical.scores(query)
        lexical = sorted(bm25, key=lambda i: (-bm25[i], i))[:size]  # ties by id: the same pool in every process
        by_id = {h.chunk_id: h for h in dense}
        by_id.update({h.chunk_id: h for h in self.store.hits([i for i in lexical if i not in by_id], vector)})
        dense_rank = {h.chunk_id: rank for rank, h in enumerate(dense, start=1)}
        bm25_rank = {chunk_id: rank for rank, chunk_id in enumerate(lexical, start=1)}
        return [PoolEntry(hit, hit.score, dense_rank.get(i), bm25.get(i, 0.0), bm25_rank.get(i)) for i, hit in by_id.items()]

    def rank(self, asked: Asked, entries: Sequence[PoolEntry]) -> list[Hit]:
        """The pool's passages ordered by the ranker, each carrying its probability as `relevance`."""
        if not entries:
            return []
        scores = self.ranker.probability(passage_rows(asked, entries, self.pool_size))
        order = sorted(range(len(entries)), key=lambda i: -scores[i])
        return [replace(entries[i].hit, relevance=round(float(scores[i]), 4)) for i in order]


def _bm25_order(entry: PoolEntry) -> int:
    return entry.bm25_rank or 10**9
