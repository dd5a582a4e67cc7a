"""Chunks and an article registry in Chroma (persistent on disk, or a `chroma run` server)."""

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from newsqa.errors import StoreError

from .types import Article, Chunk

__all__ = ["ArticleStore", "Hit", "StoredArticle", "content_hash", "open_client"]


@dataclass(frozen=True)
class StoredArticle:
    """What the registry knows of one ingested article."""

    id: str
    title: str
    url: str | None
    source: str | None
    published: str | None
    version: str
    chunk_ids: tuple[str, ...]
    first_seen: str
    ingested_at: str
    content_hash: str = ""
    updated_at: str = ""

    @property
    def updated(self) -> str | None:
        """The date the story last changed after it was first seen, if it did."""
        if self.updated_at and self.updated_at != self.first_seen:
            return self.updated_at[:10]
        return None


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk with its article's metadata and cosine similarity."""

    chunk_id: str
    article_id: str
    text: str
    score: float
    ord: int
    title: str
    url: str | None
    source: str | None
    published: str | None
    updated: str | None = None  # when the story changed after it was first seen
    relevance: float | None = None  # the learned ranker's probability that it answers the question


def open_client(url: str | None = None, path: Path | None = None):
    """A Chroma client: the `chroma run` server at `url`, else the on-disk store at `path`."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if url:
        parts = urlsplit(url)
        try:
            return chromadb.HttpClient(
                host=parts.hostname, port=parts.port or (443 if parts.scheme == "https" else 8000),
                ssl=parts.scheme == "https", settings=chroma_settings,
            )
        except Exception as exc:
            raise StoreError(f"cannot reach the Chroma server at {url}: {exc}") from exc
    if path is None:
        raise ValueError("open_client needs a server url or a path")
    Path(path).mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        raise StoreError(f"cannot open the store at {path}: {exc}") from exc


class ArticleStore:
    """Chunks with vectors, plus one registry record per article naming its current chunks.

    The registry is the source of truth: a chunk counts only while its article's registry record
    lists it, so a reader never sees half of an article that is being written or replaced.
    """

    def __init__(self, client, name: str = "newsqa"):
        self.client = client
        self.name = name
        try:
            # embedding_function=None: Chroma's default would download a model; we always pass vectors.
            self.chunks = client.get_or_create_collection(
                f"{name}_chunks", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
            )
            self.registry = client.get_or_create_collection(f"{name}_articles", embedding_function=None)
            self.state = client.get_or_create_collection(f"{name}_state", embedding_function=None)
        except Exception as exc:
            raise StoreError(f"cannot open the collections of store {name!r}: {exc}") from exc

    def get(self, article_id: str) -> StoredArticle | None:
        """The registry record of one article, if it is in the store."""
        found = self.get_many([article_id])
        return found.get(article_id)

    def get_many(self, article_ids: Iterable[str]) -> dict[str, StoredArticle]:
        """Registry records by article id (ids not in the store are left out)."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return {}
        result = self._call(self.registry.get, ids=ids, include=["metadatas"])
        return {i: _stored(i, m) for i, m in zip(result["ids"], result["metadatas"])}

    def articles(self, limit: int | None = None, offset: int = 0) -> list[StoredArticle]:
        """Registry records, newest ingest first."""
        result = self._call(self.registry.get, include=["metadatas"])
        stored = [_stored(i, m) for i, m in zip(result["ids"], result["metadatas"])]
        stored.sort(key=lambda a: (a.ingested_at, a.id), reverse=True)
        return stored[offset:offset + limit if limit is not None else None]

    def versions(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Every article's (version, chunk ids), straight from the registry."""
        result = self._call(self.registry.get, include=["metadatas"])
        return {i: (m.get("version", ""), tuple(json.loads(m.get("chunk_ids", "[]"))))
                for i, m in zip(result["ids"], result["metadatas"])}

    def generation(self) -> str | None:
        """A token that changes whenever any article is written or deleted (None before the first write)."""
        result = self._call(self.state.get, ids=["generation"], include=["metadatas"])
        return result["metadatas"][0].get("token") if result["ids"] else None

    def _bump_generation(self) -> None:
        token = uuid.uuid4().hex
        self._call(self.state.upsert, ids=["generation"], embeddings=[[1.0]], metadatas=[{"token": token}])

    def stored_articles(self, batch: int = 500) -> Iterator[Article]:
        """Every article as ingested (text and metadata from the registry), for rebuilding the chunks."""
        offset = 0
        while True:
            result = self._call(self.registry.get, include=["documents", "metadatas"], limit=batch, offset=offset)
            for article_id, text, meta in zip(result["ids"], result["documents"], result["metadatas"]):
                yield Article(
                    id=article_id, title=meta.get("title", ""), text=text, url=meta.get("url") or None,
                    source=meta.get("source") or None, published=meta.get("published") or None,
                    authors=tuple(json.loads(meta.get("authors", "[]"))),
                )
            if len(result["ids"]) < batch:
                return
            offset += batch

    def reset(self) -> None:
        """Drop every collection of this store and start empty."""
        for collection in (self.chunks, self.registry, self.state):
            self._call(self.client.delete_collection, collection.name)
        self.__init__(self.client, self.name)

    def counts(self) -> tuple[int, int]:
        """(articles, chunks) in the store."""
        return self.article_count(), self._call(self.chunks.count)

    def article_count(self) -> int:
        """Articles in the registry (readable even when the chunks' index is damaged)."""
        return self._call(self.registry.count)

    def existing_chunk_ids(self, chunk_ids: Sequence[str], embedder: str) -> set[str]:
        """Those of the given chunk ids that already have a vector from this embedder."""
        if not chunk_ids:
            return set()
        found = self._call(self.chunks.get, ids=list(chunk_ids), include=["metadatas"])
        return {i for i, m in zip(found["ids"], found["metadatas"]) if (m or {}).get("embedder") == embedder}

    def chunk_records(self, chunk_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """(text, article title) of each chunk id that exists."""
        if not chunk_ids:
            return {}
        result = self._call(self.chunks.get, ids=list(dict.fromkeys(chunk_ids)), include=["documents", "metadatas"])
        return {i: (d, (m or {}).get("title", "")) for i, d, m in zip(result["ids"], result["documents"], result["metadatas"])}

    def chunk_texts(self, chunk_ids: Sequence[str]) -> dict[str, str]:
        """The stored text of each chunk id that exists."""
        if not chunk_ids:
            return {}
        result = self._call(self.chunks.get, ids=list(dict.fromkeys(chunk_ids)), include=["documents"])
        return dict(zip(result["ids"], result["documents"]))

    def put(self, article: Article, version: str, chunks: Sequence[Chunk], vectors: dict[str, list[float]],
            embedder: str = "") -> None:
        """Make `chunks` the article's current chunks; `vectors` holds those not stored yet."""
        self.put_many([(article, version, chunks, vectors)], embedder)

    def put_many(self, items: Sequence[tuple[Article, str, Sequence[Chunk], dict[str, list[float]]]],
                 embedder: str = "") -> None:
        """Write several articles with one call per step.

        Order matters for readers and crashes: new chunks first, then the registry switch,
        then the old chunks go.
        """
        if not items:
            return
        previous = self.get_many(article.id for article, *_ in items)
        new = [(article, c, vectors[c.id]) for article, _, chunks, vectors in items for c in chunks if c.id in vectors]
        if new:
            self._call(
                self.chunks.upsert,
                ids=[c.id for _, c, _ in new],
                embeddings=[vector for _, _, vector in new],
                documents=[c.text for _, c, _ in new],
                metadatas=[{**_chunk_metadata(article, c), "embedder": embedder} for article, c, _ in new],
            )
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        records = [_registry_record(article, version, chunks, previous.get(article.id), now)
                   for article, version, chunks, _ in items]
        # The registry keeps each article's text too: the chunks can always be rebuilt from it.
        self._call(self.registry.upsert, ids=[article.id for article, *_ in items], embeddings=[[1.0]] * len(items),
                   metadatas=records, documents=[article.text for article, *_ in items])
        self._bump_generation()
        # Keep whatever the registry lists now: if another writer replaced an article meanwhile,
        # its chunks stay and ours go.
        current = self.get_many(article.id for article, *_ in items)
        keep = {article.id: set(current[article.id].chunk_ids) if article.id in current else {c.id for c in chunks}
                for article, _, chunks, _ in items}
        self._delete_stale(keep)

    def delete(self, article_id: str) -> bool:
        """Remove an article and its chunks; False if it was not in the store."""
        existed = self.get(article_id) is not None
        self._call(self.registry.delete, ids=[article_id])
        self._bump_generation()
        self._delete_stale({article_id: set()})
        return existed

    def search(self, vector: Sequence[float], k: int) -> list[Hit]:
        """The k nearest current chunks to a query vector, best first."""
        if k < 1:
            raise ValueError(f"k must be positive, got {k}")
        n = self._call(self.chunks.count)
        if n == 0:
            return []
        result = self._call(
            self.chunks.query, query_embeddings=[list(vector)], n_results=min(n, k + 10),
            include=["documents", "metadatas", "distances"],
        )
        rows = zip(result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0])
        hits = [_hit(i, d, m, dist) for i, d, m, dist in rows]
        return self.current(hits)[:k]

    def hits(self, chunk_ids: Sequence[str], vector: Sequence[float]) -> list[Hit]:
        """Hits for given chunk ids (current ones only, in the given order), scored against a query vector."""
        if not chunk_ids:
            return []
        result = self._call(self.chunks.get, ids=list(chunk_ids), include=["documents", "metadatas", "embeddings"])
        found = {}
        for i, d, m, e in zip(result["ids"], result["documents"], result["metadatas"], result["embeddings"]):
            found[i] = _hit(i, d, m, 1.0 - sum(a * b for a, b in zip(vector, e)))
        return self.current([found[i] for i in chunk_ids if i in found])

    def current(self, hits: Sequence[Hit]) -> list[Hit]:
        """Only the hits that belong to their article's current version (with its update date)."""
        registry = self.get_many(h.article_id for h in hits)
        return [replace(h, updated=registry[h.article_id].updated) for h in hits
                if h.article_id in registry and h.chunk_id in registry[h.article_id].chunk_ids]

    def find_content(self, text: str) -> str | None:
        """The id of an article with the same text (a re-published copy), if there is one."""
        found = self._call(self.registry.get, where={"content_hash": content_hash(text)}, include=[], limit=1)
        return found["ids"][0] if found["ids"] else None

    def _delete_stale(self, keep: dict[str, set[str]]) -> None:
        """Delete the chunks of these articles that are not in their keep sets."""
        where = {"article_id": {"$in": list(keep)}} if len(keep) > 1 else {"article_id": next(iter(keep))}
        stored = self._call(self.chunks.get, where=where, include=["metadatas"])
        stale = [i for i, m in zip(stored["ids"], stored["metadatas"]) if i not in keep.get(m["article_id"], set())]
        if stale:
            self._call(self.chunks.delete, ids=stale)

    def _call(self, method, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            raise StoreError(f"the vector store failed: {exc}") from exc


def _registry_record(article: Article, version: str, chunks: Sequence[Chunk], previous: StoredArticle | None,
                     now: str) -> dict:
    content = content_hash(article.text)
    changed = previous is not None and previous.content_hash not in ("", content)
    return {
        "title": article.title,
        "url": article.url or "",
        "source": article.source or "",
        "published": article.published or "",
        "version": version,
        "chunk_ids": json.dumps([c.id for c in chunks]),
        "authors": json.dumps(list(article.authors)),
        "first_seen": previous.first_seen if previous else now,
        "ingested_at": now,
        "content_hash": content,
        # When the story itself last changed (not when it was last re-chunked).
        "updated_at": now if changed else (previous.updated_at if previous else now),
    }


def _chunk_metadata(article: Article, chunk: Chunk) -> dict:
    meta = {"article_id": article.id, "ord": chunk.ord, "title": article.title}
    for key in ("url", "source", "published"):
        if getattr(article, key):
            meta[key] = getattr(article, key)
    return meta


def _hit(chunk_id: str, text: str, meta: dict, distance: float) -> Hit:
    return Hit(
        chunk_id=chunk_id, article_id=meta["article_id"], text=text, score=round(1.0 - float(distance), 4),
        ord=int(meta.get("ord", 0)), title=meta.get("title", ""), url=meta.get("url"),
        source=meta.get("source"), published=meta.get("published"),
    )


def _stored(article_id: str, meta: dict) -> StoredArticle:
    return StoredArticle(
        id=article_id, title=meta.get("title", ""), url=meta.get("url") or None,
        source=meta.get("source") or None, published=meta.get("published") or None,
        version=meta.get("version", ""), chunk_ids=tuple(json.loads(meta.get("chunk_ids", "[]"))),
        first_seen=meta.get("first_seen", ""), ingested_at=meta.get("ingested_at", ""),
        content_hash=meta.get("content_hash", ""), updated_at=meta.get("updated_at", ""),
    )


def content_hash(text: str) -> str:
    """A hash of an article's words, blind to spacing and case: re-published copies share it."""
    return hashlib.sha256(" ".join(text.lower().split()).encode()).hexdigest()[:24]
