"""Chunks and an article registry in Chroma (persistent on disk, or a `chroma run` server)."""

import contextlib
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from chromadb.errors import NotFoundError

from newsqa.errors import StoreError

from .registry import ChromaRegistry, Record, SqliteRegistry, chroma_call, sqlite_path_for
from .types import Article, Chunk
from .vectors import cosines, unit_mean

__all__ = ["ArticleStore", "Hit", "StoredArticle", "chroma_where", "chunk_hit", "content_hash"]

# How widely the HNSW index looks for a query's neighbours. Chroma's default (100) left 0.6 of the exact top 40
# passages out per query on training stores of ~8,000 chunks, and gave 4 of 120 queries another pool in another
# process over the same store; 400 leaves out 0.04 and gave every query the same pool in every process.
SEARCH_EF = 400


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


class ArticleStore:
    """Chunks with vectors in Chroma, plus one registry record per article naming its current chunks.

    The registry (`ingest.registry`: SQLite beside a local store, a Chroma collection of article vectors on a
    server) is the source of truth: a chunk counts only while its article's record lists it, so a reader
    never sees half of an article that is being written or replaced.
    """

    def __init__(self, client, name: str = "newsqa", registry=None):
        self.client = client
        self.name = name
        try:
            # embedding_function=None: Chroma's default would download a model; we always pass vectors.
            self.chunks = client.get_or_create_collection(
                f"{name}_chunks", embedding_function=None,
                configuration={"hnsw": {"space": "cosine", "ef_search": SEARCH_EF}},
            )
            if (self.index_settings().get("ef_search") or 0) < SEARCH_EF:  # a store made before: searched as wide
                self.chunks.modify(configuration={"hnsw": {"ef_search": SEARCH_EF}})
        except Exception as exc:
            raise StoreError(f"cannot open the collections of store {name!r}: {exc}") from exc
        path = sqlite_path_for(client)
        self.registry = registry or (SqliteRegistry(path, name) if path else ChromaRegistry(client, name))
        self._migrate_legacy()

    def get(self, article_id: str) -> StoredArticle | None:
        """The registry record of one article, if it is in the store."""
        found = self.get_many([article_id])
        return found.get(article_id)

    def get_many(self, article_ids: Iterable[str]) -> dict[str, StoredArticle]:
        """Registry records by article id (ids not in the store are left out)."""
        ids = list(dict.fromkeys(article_ids))
        return {i: _stored(i, m) for i, _, m in self.registry.get_many(ids)} if ids else {}

    def articles(self, limit: int | None = None, offset: int = 0, by: str = "ingested") -> list[StoredArticle]:
        """Registry records, newest first: by ingest time, or `by="published"` (the story's date; undated last)."""
        if by not in ("ingested", "published"):
            raise ValueError(f"articles are ordered by 'ingested' or 'published', not {by!r}")
        stored = [_stored(i, m) for i, _, m in self.registry.all()]
        if by == "published":
            stored.sort(key=lambda a: (bool(a.published), a.published or "", a.ingested_at, a.id), reverse=True)
        else:
            stored.sort(key=lambda a: (a.ingested_at, a.id), reverse=True)
        return stored[offset:offset + limit if limit is not None else None]

    def versions(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Every article's (version, chunk ids), straight from the registry."""
        return {i: (m.get("version", ""), tuple(json.loads(m.get("chunk_ids", "[]")))) for i, _, m in self.registry.all()}

    def generation(self) -> str | None:
        """A token that changes whenever any article is written or deleted (None before the first write)."""
        return self.registry.generation()

    def stored_articles(self, batch: int = 500) -> Iterator[Article]:
        """Every article as ingested (text and metadata from the registry), for rebuilding the chunks."""
        offset = 0
        while True:
            records = self.registry.all(with_text=True, limit=batch, offset=offset)
            yield from (_article(*record) for record in records)
            if len(records) < batch:
                return
            offset += batch

    def articles_by_id(self, article_ids: Sequence[str]) -> list[Article]:
        """The articles with these ids as ingested, in the given order (ids not in the store are left out)."""
        found = {record[0]: _article(*record) for record in self.registry.get_many(list(dict.fromkeys(article_ids)))}
        return [found[i] for i in dict.fromkeys(article_ids) if i in found]

    def reset(self) -> None:
        """Drop every chunk and registry record of this store and start empty."""
        chroma_call(self.client.delete_collection, self.chunks.name)
        self.registry.reset()
        self.__init__(self.client, self.name, self.registry)

    def counts(self) -> tuple[int, int]:
        """(articles, chunks) in the store."""
        return self.article_count(), self.chunk_count()

    def article_count(self) -> int:
        """Articles in the registry (readable even when the chunks' index is damaged)."""
        return self.registry.count()

    def chunk_count(self) -> int:
        """Chunks in the vector collection, current or not."""
        return chroma_call(self.chunks.count)

    def chunk_ids(self) -> set[str]:
        """The ids of every stored chunk, current or not (for audits)."""
        return set(chroma_call(self.chunks.get, include=[])["ids"])

    def delete_chunks(self, chunk_ids: Sequence[str]) -> None:
        """Delete chunks by id (orphans no article lists)."""
        if chunk_ids:
            chroma_call(self.chunks.delete, ids=list(chunk_ids))

    def chunk_vector_at(self, offset: int) -> tuple[str, list[float]]:
        """The id and vector of the stored chunk at `offset` (for index checks)."""
        sample = chroma_call(self.chunks.get, limit=1, offset=offset, include=["embeddings"])
        return sample["ids"][0], list(sample["embeddings"][0])

    def nearest_chunk_ids(self, vector: Sequence[float], n: int) -> list[str]:
        """The ids the vector index returns for `vector`, current or not (for index checks and benchmarks)."""
        found = chroma_call(self.chunks.query, query_embeddings=[list(vector)], n_results=n, include=[])
        return found["ids"][0]

    def chunk_vectors(self, chunk_ids: Sequence[str]) -> dict[str, list[float]]:
        """The stored vector of each chunk id that exists."""
        if not chunk_ids:
            return {}
        found = chroma_call(self.chunks.get, ids=list(chunk_ids), include=["embeddings"])
        return {i: list(v) for i, v in zip(found["ids"], found["embeddings"])}

    def index_settings(self) -> dict:
        """The vector index's configuration (HNSW space and parameters), as Chroma reports it."""
        config = self.chunks.configuration_json
        return config.get("hnsw") or config

    def existing_chunk_ids(self, chunk_ids: Sequence[str], embedder: str) -> set[str]:
        """Those of the given chunk ids that already have a vector from this embedder."""
        if not chunk_ids:
            return set()
        found = chroma_call(self.chunks.get, ids=list(chunk_ids), include=["metadatas"])
        return {i for i, m in zip(found["ids"], found["metadatas"]) if (m or {}).get("embedder") == embedder}

    def chunk_records(self, chunk_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """(text, article title) of each chunk id that exists."""
        if not chunk_ids:
            return {}
        result = chroma_call(self.chunks.get, ids=list(dict.fromkeys(chunk_ids)), include=["documents", "metadatas"])
        return {i: (d, (m or {}).get("title", "")) for i, d, m in zip(result["ids"], result["documents"], result["metadatas"])}

    def chunk_texts(self, chunk_ids: Sequence[str]) -> dict[str, str]:
        """The stored text of each chunk id that exists."""
        if not chunk_ids:
            return {}
        result = chroma_call(self.chunks.get, ids=list(dict.fromkeys(chunk_ids)), include=["documents"])
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
            chroma_call(
                self.chunks.upsert,
                ids=[c.id for _, c, _ in new],
                embeddings=[vector for _, _, vector in new],
                documents=[c.text for _, c, _ in new],
                metadatas=[{**_chunk_metadata(article, c), "embedder": embedder} for article, c, _ in new],
            )
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        # The registry keeps each article's text too: the chunks can always be rebuilt from it.
        records = [(article.id, article.text, _registry_record(article, version, chunks, previous.get(article.id), now))
                   for article, version, chunks, _ in items]
        self._register(records, {cid: v for *_, given in items for cid, v in given.items()})
        # Keep whatever the registry lists now: if another writer replaced an article meanwhile,
        # its chunks stay and ours go.
        current = self.get_many(article.id for article, *_ in items)
        keep = {article.id: set(current[article.id].chunk_ids) if article.id in current else {c.id for c in chunks}
                for article, _, chunks, _ in items}
        self._delete_stale(keep)

    def delete(self, article_id: str) -> bool:
        """Remove an article and its chunks; False if it was not in the store."""
        existed = self.get(article_id) is not None
        self.registry.delete(article_id)
        self._delete_stale({article_id: set()})
        return existed

    def search(self, vector: Sequence[float], k: int, where: dict | None = None) -> list[Hit]:
        """The k nearest current chunks to a query vector, best first; `where` (chunk metadata equal to its values,
        such as {"source": "apnews.com"}) keeps only those chunks, in the vector index's own search."""
        if k < 1:
            raise ValueError(f"k must be positive, got {k}")
        return self.current(self._nearest(vector, k + 10, where))[:k]  # 10 more: some may belong to old versions

    def _nearest(self, vector: Sequence[float], n: int, where: dict | None = None) -> list[Hit]:
        """The n nearest chunks to a query vector, current or not, by the vector index."""
        count = chroma_call(self.chunks.count)
        if count == 0:
            return []
        result = chroma_call(
            self.chunks.query, query_embeddings=[list(vector)], n_results=min(count, n),
            include=["documents", "metadatas", "distances"], **({"where": chroma_where(where)} if where else {}),
        )
        rows = zip(result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0])
        return [chunk_hit(i, d, m, dist) for i, d, m, dist in rows]

    def hits(self, chunk_ids: Sequence[str], vector: Sequence[float]) -> list[Hit]:
        """Hits for given chunk ids (current ones only, in the given order), scored against a query vector."""
        if not chunk_ids:
            return []
        result = chroma_call(self.chunks.get, ids=list(chunk_ids), include=["documents", "metadatas", "embeddings"])
        found = {}
        similar = cosines(vector, result["embeddings"])
        for i, d, m, cosine in zip(result["ids"], result["documents"], result["metadatas"], similar):
            found[i] = chunk_hit(i, d, m, 1.0 - cosine)
        return self.current([found[i] for i in chunk_ids if i in found])

    def current(self, hits: Sequence[Hit]) -> list[Hit]:
        """Only the hits that belong to their article's current version (with its update date)."""
        registry = self.get_many(h.article_id for h in hits)
        return [replace(h, updated=registry[h.article_id].updated) for h in hits
                if h.article_id in registry and h.chunk_id in registry[h.article_id].chunk_ids]

    def find_content(self, text: str) -> str | None:
        """The id of an article with the same text (a re-published copy), if there is one."""
        return self.registry.find_content(content_hash(text))

    def _delete_stale(self, keep: dict[str, set[str]]) -> None:
        """Delete the chunks of these articles that are not in their keep sets."""
        where = {"article_id": {"$in": list(keep)}} if len(keep) > 1 else {"article_id": next(iter(keep))}
        stored = chroma_call(self.chunks.get, where=where, include=["metadatas"])
        stale = [i for i, m in zip(stored["ids"], stored["metadatas"]) if i not in keep.get(m["article_id"], set())]
        if stale:
            chroma_call(self.chunks.delete, ids=stale)

    def _register(self, records: list[Record], known: dict[str, list[float]] | None = None) -> None:
        """Registry records, with article vectors when the registry keeps them: the normalised mean of each
        article's chunk vectors (those in `known`, the rest read from the store)."""
        if not self.registry.needs_vectors:
            self.registry.put(records)
            return
        chunk_ids = [json.loads(m.get("chunk_ids", "[]")) for _, _, m in records]
        vectors = dict(known or {})
        vectors.update(self.chunk_vectors([c for ids in chunk_ids for c in ids if c not in vectors]))
        size = len(next(iter(vectors.values()), [])) or (self.chunk_count() and len(self.chunk_vector_at(0)[1]))
        if not size:
            raise StoreError("the store has articles but no chunk vectors; rebuild it with `newsqa ingest --rebuild`")
        # an article whose chunks are gone (a damaged store) keeps its record and text, with a zero vector
        self.registry.put(records, [unit_mean([vectors[c] for c in ids if c in vectors], size) for ids in chunk_ids])

    def _migrate_legacy(self, batch: int = 200) -> None:
        """Stores written before the registry had its own table kept it in a `<name>_articles` collection with
        placeholder vectors (and a `<name>_state` one): move its records over once, then drop those collections.
        Another process may be doing the same: records are upserted, and a collection already gone is fine."""
        names = {c.name for c in chroma_call(self.client.list_collections)}
        legacy = f"{self.name}_articles"
        if legacy in names:
            try:
                old = self.client.get_collection(legacy, embedding_function=None)
                offset = 0
                while True:
                    found = old.get(include=["documents", "metadatas"], limit=batch, offset=offset)
                    records = list(zip(found["ids"], found["documents"], found["metadatas"]))
                    if records:
                        self._register(records)
                    if len(found["ids"]) < batch:
                        break
                    offset += batch
            except NotFoundError:
                return  # another process moved it first
            except Exception as exc:
                raise StoreError(f"cannot move the registry of store {self.name!r} out of {legacy!r}: {exc}") from exc
        for name in (legacy, f"{self.name}_state"):
            if name in names:
                with contextlib.suppress(NotFoundError, ValueError):
                    self.client.delete_collection(name)


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


def chroma_where(equal: dict) -> dict:
    """Chroma's `where` for chunk metadata equal to each of the values (Chroma takes one key per condition).

    >>> chroma_where({"source": "a.example"}), chroma_where({"source": "a.example", "title": "T"})
    ({'source': 'a.example'}, {'$and': [{'source': 'a.example'}, {'title': 'T'}]})
    """
    conditions = [{key: value} for key, value in equal.items()]
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}


def _chunk_metadata(article: Article, chunk: Chunk) -> dict:
    meta = {"article_id": article.id, "ord": chunk.ord, "title": article.title}
    for key in ("url", "source", "published"):
        if getattr(article, key):
            meta[key] = getattr(article, key)
    return meta


def chunk_hit(chunk_id: str, text: str, meta: dict, distance: float) -> Hit:
    return Hit(
        chunk_id=chunk_id, article_id=meta["article_id"], text=text, score=round(1.0 - float(distance), 4),
        ord=int(meta.get("ord", 0)), title=meta.get("title", ""), url=meta.get("url"),
        source=meta.get("source"), published=meta.get("published"),
    )


def _article(article_id: str, text: str, meta: dict) -> Article:
    return Article(id=article_id, title=meta.get("title", ""), text=text, url=meta.get("url") or None,
                   source=meta.get("source") or None, published=meta.get("published") or None,
                   authors=tuple(json.loads(meta.get("authors", "[]"))))


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
