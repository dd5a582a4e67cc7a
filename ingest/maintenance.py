"""Checking a store at start-up, finding orphans after crashes, and rebuilding from the registry."""

import json
import random
from dataclasses import dataclass
from pathlib import Path

from newsqa.errors import LoadError, StoreError
from newsqa.files import write_atomically

from .pipeline import Ingestor, IngestReport
from .store import ArticleStore
from .types import Article

__all__ = ["Audit", "audit", "check", "rebuild"]

REBUILD_HINT = "rebuild it with `newsqa ingest --rebuild` (or `newsqa ingest --rebuild PATH...` from your files)"


def check(store: ArticleStore, probes: int = 3) -> None:
    """Raise StoreError (saying how to rebuild) when the vector index cannot find its own vectors."""
    try:
        n = store.chunk_count()
        if n == 0:
            return
        for offset in random.Random(n).sample(range(n), min(probes, n)):
            chunk_id, vector = store.chunk_vector_at(offset)
            if chunk_id not in store.nearest_chunk_ids(vector, min(n, 5)):
                raise StoreError(f"the vector index of {store.name!r} does not find stored chunk {chunk_id!r}")
    except StoreError as exc:
        raise StoreError(f"the store looks damaged ({exc}); {REBUILD_HINT}") from exc
    except Exception as exc:
        raise StoreError(f"the store looks damaged ({exc}); {REBUILD_HINT}") from exc


@dataclass(frozen=True)
class Audit:
    """What an audit found: counts, chunks no article lists, and listed chunks that are missing."""

    articles: int
    chunks: int
    orphans: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def consistent(self) -> bool:
        return not self.orphans and not self.missing


def audit(store: ArticleStore, remove_orphans: bool = False) -> Audit:
    """Compare the chunks with the registry (optionally deleting chunks no article lists)."""
    listed = {c for _, chunk_ids in store.versions().values() for c in chunk_ids}
    stored = store.chunk_ids()
    orphans = sorted(stored - listed)
    if remove_orphans:
        store.delete_chunks(orphans)
    return Audit(store.counts()[0], len(stored), tuple(orphans), tuple(sorted(listed - stored)))


def rebuild(ingestor: Ingestor, backup: Path, paths=None, progress=None) -> IngestReport:
    """Re-create the store: from files when `paths` are given, else from the articles the registry keeps.

    The articles are written to `backup` before anything is dropped, so a crash mid-rebuild loses
    nothing: the next `rebuild` picks them up from there.
    """
    from .loaders import iter_articles

    store = ingestor.store
    if paths:
        items = list(iter_articles(paths))
        if not any(isinstance(item, Article) for item in items):  # nothing to rebuild from: keep what there is
            reasons = "; ".join(f"{s.where}: {s.reason}" for s in items[:3]) or "no article files"
            raise LoadError(f"nothing to rebuild the store from in {', '.join(map(str, paths))} ({reasons}); "
                            "the store is left as it was")
    else:
        # A backup left by an interrupted rebuild holds what the store held before it was dropped.
        articles = {a.id: a for a in (_read_backup(backup) if backup.exists() else [])}
        articles.update((a.id, a) for a in store.stored_articles())
        items = list(articles.values())
        _write_backup(backup, items)
    store.reset()
    report = ingestor.ingest(items, progress)
    backup.unlink(missing_ok=True)
    return report


def _write_backup(path: Path, articles: list[Article]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    records = [{"id": a.id, "title": a.title, "text": a.text, "url": a.url, "source": a.source,
                "published": a.published, "authors": list(a.authors)} for a in articles]
    write_atomically(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def _read_backup(path: Path) -> list[Article]:
    articles = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        record["authors"] = tuple(record.get("authors") or ())
        articles.append(Article(**record))
    return articles
