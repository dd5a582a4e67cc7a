"""newsqa's store behind LangChain's `VectorStore` interface.

Each added Document is one article: newsqa cleans, chunks and embeds it through the same `Ingestor` as
`newsqa ingest` (idempotent, crash-safe write order, the store's single-writer lock), and a search returns
chunks as Documents whose metadata names their article.

    store = NewsVectorStore(services.ingestor)
    store.add_documents([Document("Riverton opened a bridge...", metadata={"id": "b1", "title": "Bridge opens"})])
    store.similarity_search_with_score("bridge", k=3)   # [(Document, cosine), ...]
    store.as_retriever().invoke("bridge")
"""

from collections.abc import Iterable, Sequence
from typing import Any

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from .chunk import Chunker
from .pipeline import Ingestor
from .store import ArticleStore, Hit, content_hash
from .types import Article

__all__ = ["NewsVectorStore", "document_hit", "hit_document"]

_ARTICLE_FIELDS = ("title", "url", "source", "published")


def hit_document(hit: Hit) -> Document:
    """A retrieved chunk as a LangChain Document: its text, and where it comes from in `metadata`."""
    return Document(
        id=hit.chunk_id, page_content=hit.text,
        metadata={"article_id": hit.article_id, "title": hit.title, "url": hit.url, "published": hit.published,
                  "source": hit.source, "chunk_id": hit.chunk_id, "score": hit.score, "relevance": hit.relevance,
                  "ord": hit.ord, "updated": hit.updated},
    )


def document_hit(document: Document) -> Hit:
    """The chunk a Document of `hit_document` stands for.

    >>> hit = Hit("a:1", "a", "The storm hit.", 0.5, 2, "Storm", None, "x.example", "2026-03-02", relevance=0.9)
    >>> document_hit(hit_document(hit)) == hit
    True
    """
    meta = document.metadata
    return Hit(meta["chunk_id"], meta["article_id"], document.page_content, meta["score"], meta.get("ord", 0),
               meta["title"], meta["url"], meta["source"], meta["published"], meta.get("updated"), meta.get("relevance"))


class NewsVectorStore(VectorStore):
    """Articles in, chunks out: a LangChain vector store over an `Ingestor` (its store, embedder and chunker)."""

    def __init__(self, ingestor: Ingestor):
        self.ingestor = ingestor

    @property
    def store(self) -> ArticleStore:
        return self.ingestor.store

    @property
    def embeddings(self) -> Embeddings:
        return self.ingestor.embeddings

    def add_texts(self, texts: Iterable[str], metadatas: list[dict] | None = None, *, ids: list[str] | None = None,
                  **kwargs: Any) -> list[str]:
        """Ingest each text as one article; its id is `ids[i]`, else metadata "id" / "article_id", else a hash of
        the text. Metadata "title", "url", "source", "published" and "authors" become the article's."""
        texts = list(texts)
        metadatas = metadatas or [{} for _ in texts]
        if len(metadatas) != len(texts) or (ids is not None and len(ids) != len(texts)):
            raise ValueError(f"got {len(texts)} texts, {len(metadatas)} metadatas and "
                             f"{'no' if ids is None else len(ids)} ids; give one of each per text")
        articles = [_article(text, meta, ids[i] if ids else None) for i, (text, meta) in enumerate(zip(texts, metadatas))]
        report = self.ingestor.ingest(articles)
        if report.skipped:
            raise ValueError("; ".join(f"{s.where}: {s.reason}" for s in report.skipped))
        return [a.id for a in articles]

    def similarity_search_with_score(self, query: str, k: int = 4, filter: dict | None = None,
                                     **kwargs: Any) -> list[tuple[Document, float]]:
        """The k chunks nearest to `query` (current versions only), with their cosine similarity; `filter` keeps those
        whose metadata equals its values (article_id, source, title, url, published) and, with "published_after" /
        "published_before" (ISO dates, inclusive), those published in that range."""
        return self._nearest(self.embeddings.embed_query(query), k, filter)

    def similarity_search(self, query: str, k: int = 4, filter: dict | None = None, **kwargs: Any) -> list[Document]:
        return [doc for doc, _ in self.similarity_search_with_score(query, k, filter)]

    def similarity_search_by_vector(self, embedding: list[float], k: int = 4, filter: dict | None = None,
                                    **kwargs: Any) -> list[Document]:
        return [doc for doc, _ in self._nearest(embedding, k, filter)]

    def _nearest(self, vector: list[float], k: int, filter: dict | None) -> list[tuple[Document, float]]:
        keep = _metadata_filter(filter)  # checks the keys; equal values are the index's to find, dates are kept here
        equal = {key: value for key, value in (filter or {}).items() if key in _EQUAL_KEYS}
        dated = any(key in _RANGE_KEYS for key in filter or {})
        window = max(10 * k, 50) if dated else k  # Chroma compares numbers only: a date range thins the nearest
        found = [(hit_document(h), h.score) for h in self.store.search(vector, window, where=equal or None)]
        return [(doc, score) for doc, score in found if keep(doc.metadata)][:k]

    def _select_relevance_score_fn(self):
        return lambda score: score  # already a cosine similarity, higher is closer

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool:
        """Delete articles (and their chunks) by article id, or by the id of a Document a search returned (a
        chunk: its whole article goes); True when every one was in the store."""
        if not ids:
            raise ValueError("name the article ids to delete")
        return all([self.store.delete(self._article_id(i)) for i in ids])  # noqa: C419 -- every one, not to the first miss

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        """The articles with these ids, whole, as Documents (ids not in the store are left out)."""
        return [Document(id=a.id, page_content=a.text,
                         metadata={"article_id": a.id, **{f: getattr(a, f) for f in _ARTICLE_FIELDS}})
                for a in self.store.articles_by_id(ids)]

    def _article_id(self, given: str) -> str:
        if self.store.get(given) is None and ":" in given:  # a chunk id is "<article id>:<hash>"
            return given.rsplit(":", 1)[0]
        return given

    @classmethod
    def from_texts(cls, texts: list[str], embedding: Embeddings, metadatas: list[dict] | None = None, *,
                   ids: list[str] | None = None, client=None, collection_name: str = "newsqa",
                   chunk_tokens: int = 200, chunk_overlap: int = 40, **kwargs: Any) -> "NewsVectorStore":
        """A store over `client` (a Chroma client; in memory when None) holding `texts` as articles."""
        if client is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        count = getattr(embedding, "count_tokens", None) or (lambda batch: [len(t.split()) for t in batch])
        store = cls(Ingestor(ArticleStore(client, collection_name), embedding, Chunker(count, chunk_tokens, chunk_overlap)))
        store.add_texts(texts, metadatas, ids=ids)
        return store


_EQUAL_KEYS = ("article_id", "source", "title", "url", "published")
_RANGE_KEYS = ("published_after", "published_before")


def _metadata_filter(conditions: dict | None):
    """A test of a Document's metadata for a search's `filter` (None: everything passes).

    >>> keep = _metadata_filter({"source": "x.example", "published_after": "2026-03-01"})
    >>> keep({"source": "x.example", "published": "2026-03-02"}), keep({"source": "x.example", "published": "2026-02-28"})
    (True, False)
    >>> _metadata_filter({"author": "A"})
    Traceback (most recent call last):
    ...
    ValueError: a NewsVectorStore filter takes article_id, source, title, url, published, published_after, published_before; got author
    """
    if not conditions:
        return lambda meta: True
    unknown = sorted(set(conditions) - set(_EQUAL_KEYS) - set(_RANGE_KEYS))
    if unknown:
        raise ValueError(f"a NewsVectorStore filter takes {', '.join(_EQUAL_KEYS + _RANGE_KEYS)}; got {', '.join(unknown)}")
    after, before = conditions.get("published_after"), conditions.get("published_before")

    def keep(meta: dict) -> bool:
        if any(meta.get(key) != conditions[key] for key in _EQUAL_KEYS if key in conditions):
            return False
        day = (meta.get("published") or "")[:10]
        return (not after or day >= str(after)[:10]) and (not before or bool(day) and day <= str(before)[:10])

    return keep


def _article(text: str, meta: dict, given_id: str | None) -> Article:
    article_id = given_id or meta.get("id") or meta.get("article_id") or "doc-" + content_hash(text)[:16]
    authors = meta.get("authors") or ()
    return Article(id=str(article_id), text=text, authors=tuple([authors] if isinstance(authors, str) else authors),
                   **{f: (str(meta[f]) if meta.get(f) is not None else ("" if f == "title" else None))
                      for f in _ARTICLE_FIELDS})
