"""The article registry (which chunks are each article's current ones, and its text) and small keyed tables.

Two homes, one interface: a SQLite file next to a local Chroma store, or, when the store is a `chroma run`
server that several newsqa processes share, a Chroma collection of articles whose vectors are real
article vectors (the mean of the article's chunk vectors), with the change token in that collection's metadata.
Feeds and other per-process lists live in a `Table` (SQLite) in the newsqa home.
"""

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from newsqa.errors import StoreError

__all__ = ["ChromaRegistry", "Record", "SqliteRegistry", "Table", "chroma_call", "open_client", "sqlite_path_for"]

Record = tuple[str, str, dict]  # (article id, article text, metadata)


def sqlite_path_for(client) -> Path | None:
    """The registry file of a persistent Chroma client, inside its directory: one per store directory
    (None for a server or in-memory client)."""
    settings = client.get_settings()
    if not getattr(settings, "is_persistent", False) or not settings.persist_directory:
        return None
    return Path(settings.persist_directory) / "newsqa-registry.sqlite3"


class _Database:
    """One SQLite connection shared by a process's threads (WAL: readers in other processes never block)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {path}: {exc}") from exc

    def run(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path.name} failed: {exc}") from exc

    def run_many(self, statements: Iterable[tuple[str, Sequence]]) -> None:
        """Several statements in one transaction: all of them happen, or none."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                for sql, params in statements:
                    self._db.execute(sql, params)
                self._db.execute("COMMIT")
            except BaseException as exc:
                if self._db.in_transaction:  # not when BEGIN itself failed (the database stayed locked)
                    self._db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(f"{self.path.name} failed: {exc}") from exc
                raise


_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (store TEXT, id TEXT, text TEXT, meta TEXT, content_hash TEXT,
                                     PRIMARY KEY (store, id));
CREATE INDEX IF NOT EXISTS articles_by_content ON articles (store, content_hash);
CREATE TABLE IF NOT EXISTS state (store TEXT, key TEXT, value TEXT, PRIMARY KEY (store, key));
CREATE TABLE IF NOT EXISTS rows (tab TEXT, id TEXT, data TEXT, PRIMARY KEY (tab, id));
"""
_DATABASES: dict[Path, _Database] = {}
_DATABASES_LOCK = threading.Lock()


def _database(path: Path) -> _Database:
    """One connection per file and process (a file deleted since, e.g. a removed home, is opened afresh)."""
    with _DATABASES_LOCK:
        key = path.resolve()
        if key not in _DATABASES or not key.exists():
            _DATABASES[key] = _Database(key)
        return _DATABASES[key]


class SqliteRegistry:
    """The registry of one store in a SQLite file (a local Chroma store)."""

    needs_vectors = False

    def __init__(self, path: Path, name: str):
        self.db, self.name = _database(Path(path)), name

    def get_many(self, ids: Sequence[str]) -> list[Record]:
        found = []
        for start in range(0, len(ids), 500):  # SQLite's limit on bound parameters
            part = ids[start:start + 500]
            found += self.db.run(f"SELECT id, text, meta FROM articles WHERE store = ? AND id IN "
                                 f"({','.join('?' * len(part))})", [self.name, *part])
        return [(i, text, json.loads(meta)) for i, text, meta in found]

    def all(self, with_text: bool = False, limit: int | None = None, offset: int = 0) -> list[Record]:
        rows = self.db.run(f"SELECT id, {'text' if with_text else 'NULL'}, meta FROM articles WHERE store = ? "
                           "ORDER BY id LIMIT ? OFFSET ?", (self.name, -1 if limit is None else limit, offset))
        return [(i, text or "", json.loads(meta)) for i, text, meta in rows]

    def put(self, records: Sequence[Record], vectors: Sequence[Sequence[float]] | None = None) -> None:
        self.db.run_many([("INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?)",
                           (self.name, i, text, json.dumps(meta), meta.get("content_hash", "")))
                          for i, text, meta in records] + [self._bump()])

    def delete(self, article_id: str) -> None:
        self.db.run_many([("DELETE FROM articles WHERE store = ? AND id = ?", (self.name, article_id)), self._bump()])

    def find_content(self, digest: str) -> str | None:
        found = self.db.run("SELECT id FROM articles WHERE store = ? AND content_hash = ? LIMIT 1", (self.name, digest))
        return found[0][0] if found else None

    def count(self) -> int:
        return self.db.run("SELECT COUNT(*) FROM articles WHERE store = ?", (self.name,))[0][0]

    def generation(self) -> str | None:
        found = self.db.run("SELECT value FROM state WHERE store = ? AND key = 'generation'", (self.name,))
        return found[0][0] if found else None

    def reset(self) -> None:
        self.db.run_many([("DELETE FROM articles WHERE store = ?", (self.name,)), self._bump()])

    def _bump(self) -> tuple[str, tuple]:
        """The statement that changes the store's change token (in the same transaction as the change)."""
        return "INSERT OR REPLACE INTO state VALUES (?, 'generation', ?)", (self.name, uuid.uuid4().hex)


class ChromaRegistry:
    """The registry of one store in a Chroma collection (a `chroma run` server shared by several processes).

    Each article's vector is the mean of its chunks' vectors, so the collection is a real article index;
    the change token is the collection's metadata."""

    needs_vectors = True

    def __init__(self, client, name: str):
        self.client, self.name = client, name
        self.collection = chroma_call(client.get_or_create_collection, f"{name}_registry", embedding_function=None,
                                configuration={"hnsw": {"space": "cosine"}})

    def get_many(self, ids: Sequence[str]) -> list[Record]:
        found = chroma_call(self.collection.get, ids=list(ids), include=["documents", "metadatas"])
        return list(zip(found["ids"], found["documents"], found["metadatas"]))

    def all(self, with_text: bool = False, limit: int | None = None, offset: int = 0) -> list[Record]:
        include = ["documents", "metadatas"] if with_text else ["metadatas"]
        found = chroma_call(self.collection.get, include=include, limit=limit, offset=offset or None)
        texts = found["documents"] if with_text else [""] * len(found["ids"])
        return sorted(zip(found["ids"], texts, found["metadatas"]))

    def put(self, records: Sequence[Record], vectors: Sequence[Sequence[float]] | None = None) -> None:
        if vectors is None or len(vectors) != len(records):
            raise ValueError("a Chroma registry needs one article vector per record")
        chroma_call(self.collection.upsert, ids=[i for i, _, _ in records], documents=[t for _, t, _ in records],
              metadatas=[m for _, _, m in records], embeddings=[list(v) for v in vectors])
        self._bump()

    def delete(self, article_id: str) -> None:
        chroma_call(self.collection.delete, ids=[article_id])
        self._bump()

    def find_content(self, digest: str) -> str | None:
        found = chroma_call(self.collection.get, where={"content_hash": digest}, include=[], limit=1)
        return found["ids"][0] if found["ids"] else None

    def count(self) -> int:
        return chroma_call(self.collection.count)

    def generation(self) -> str | None:
        collection = chroma_call(self.client.get_collection, f"{self.name}_registry", embedding_function=None)
        return (collection.metadata or {}).get("generation")

    def reset(self) -> None:
        chroma_call(self.client.delete_collection, f"{self.name}_registry")
        self.__init__(self.client, self.name)
        self._bump()

    def _bump(self) -> None:
        chroma_call(self.collection.modify, metadata={"generation": uuid.uuid4().hex})


class Table:
    """A small keyed table of JSON rows in the newsqa home's SQLite file (e.g. the feeds a store follows)."""

    def __init__(self, path: Path, name: str):
        self.db, self.name = _database(Path(path)), name

    def get(self, key: str) -> dict | None:
        found = self.db.run("SELECT data FROM rows WHERE tab = ? AND id = ?", (self.name, key))
        return json.loads(found[0][0]) if found else None

    def all(self) -> dict[str, dict]:
        return {i: json.loads(d) for i, d in self.db.run("SELECT id, data FROM rows WHERE tab = ? ORDER BY id", (self.name,))}

    def put(self, key: str, data: dict) -> None:
        self.db.run("INSERT OR REPLACE INTO rows VALUES (?, ?, ?)", (self.name, key, json.dumps(data)))

    def delete(self, key: str) -> None:
        self.db.run("DELETE FROM rows WHERE tab = ? AND id = ?", (self.name, key))


def chroma_call(method, *args, **kwargs):
    """A Chroma call whose failure, whatever it is, becomes a `StoreError`."""
    try:
        return method(*args, **kwargs)
    except Exception as exc:
        raise StoreError(f"the vector store failed: {exc}") from exc


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
