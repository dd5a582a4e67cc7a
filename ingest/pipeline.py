"""Ingest: load, clean, chunk, embed and store articles, idempotently."""

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.embeddings import Embeddings

from .chunk import Chunker
from .loaders import iter_articles
from .store import ArticleStore
from .types import Article, Chunk, Skipped

__all__ = ["IngestReport", "Ingestor", "article_version"]

# Embedding is the slow step and likes full batches, so the chunks of several articles are embedded together,
# EMBED_CHUNKS at a time: each article counts as done when its chunks are embedded, so progress (and its ETA)
# moves steadily rather than in jumps of a whole batch.
BATCH_ARTICLES = 16
EMBED_CHUNKS = 32


@dataclass
class IngestReport:
    """What one ingest did."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    chunks_written: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.deleted)

    def as_dict(self) -> dict:
        return {
            "added": len(self.added), "replaced": len(self.replaced), "unchanged": len(self.unchanged),
            "deleted": len(self.deleted),
            "skipped": [{"where": s.where, "reason": s.reason} for s in self.skipped],
            "chunks_written": self.chunks_written,
        }


def article_version(article: Article, pipeline: str = "") -> str:
    """A hash of everything stored for an article and of how it was chunked and embedded:
    the same article through the same pipeline gives the same version."""
    payload = json.dumps(
        [article.title, article.text, article.url, article.source, article.published, list(article.authors), pipeline]
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


Progress = Callable[[str, int], None]  # (event, amount): "article" or "chunks"


class Ingestor:
    """Writes articles into an `ArticleStore`, embedding only chunks the store does not have yet."""

    def __init__(self, store: ArticleStore, embeddings: Embeddings, chunker: Chunker):
        self.store = store
        self.embeddings = embeddings
        self.chunker = chunker
        self.embedder = getattr(embeddings, "name", type(embeddings).__name__)
        self.pipeline = f"{chunker.signature}/{self.embedder}"

    def ingest_paths(self, paths: Iterable[str | Path], progress: Progress | None = None) -> IngestReport:
        """Ingest every article under the paths."""
        return self.ingest(iter_articles(paths), progress)

    def ingest(self, items: Iterable[Article | Skipped], progress: Progress | None = None, *,
               prune: bool = False) -> IngestReport:
        """Ingest articles (and record `Skipped` items) in batches; safe to repeat.

        With `prune`, articles in the store that are not among the items are deleted, so that the
        store holds exactly this corpus.
        """
        report, pending, seen = IngestReport(), [], {}
        for item in items:
            if isinstance(item, Skipped):
                report.skipped.append(item)
                continue
            if item.id in seen:
                report.skipped.append(Skipped(item.id, f"duplicate article id (first seen in this run as {seen[item.id]!r})"))
                continue
            seen[item.id] = item.title
            pending.append(item)
            if len(pending) >= BATCH_ARTICLES:
                self._flush(pending, report, progress)
                pending = []
        self._flush(pending, report, progress)
        if prune:
            report.deleted = [a.id for a in self.store.articles() if a.id not in seen]
            for article_id in report.deleted:
                self.store.delete(article_id)
        return report

    def _flush(self, articles: list[Article], report: IngestReport, progress: Progress | None) -> None:
        if not articles:
            return
        stored = self.store.get_many(a.id for a in articles)
        todo: list[tuple[Article, str, list[Chunk]]] = []
        for article in articles:
            version = article_version(article, self.pipeline)
            previous = stored.get(article.id)
            if previous is not None and previous.version == version:
                report.unchanged.append(article.id)
                _tick(progress, "article", 1)
                continue
            todo.append((article, version, self.chunker.chunk(article)))
        all_chunks = [c for _, _, chunks in todo for c in chunks]
        # Vectors are reused only from the same embedder: switching embedders re-embeds everything.
        have = self.store.existing_chunk_ids([c.id for c in all_chunks], self.embedder)
        missing = [c for c in all_chunks if c.id not in have]
        vectors: dict[str, list[float]] = {}
        waiting = list(todo)
        for start in range(0, len(missing) or 1, EMBED_CHUNKS):
            part = missing[start:start + EMBED_CHUNKS]
            vectors.update(zip((c.id for c in part), self.embeddings.embed_documents([c.embed_text for c in part])))
            while waiting and all(c.id in have or c.id in vectors for c in waiting[0][2]):
                _tick(progress, "chunks", len(waiting[0][2]))
                _tick(progress, "article", 1)
                waiting.pop(0)
        self.store.put_many([(article, version, chunks, {c.id: vectors[c.id] for c in chunks if c.id in vectors})
                             for article, version, chunks in todo], self.embedder)
        for article, _, chunks in todo:
            (report.replaced if article.id in stored else report.added).append(article.id)
            report.chunks_written += sum(1 for c in chunks if c.id in vectors)

    def delete(self, article_id: str) -> bool:
        """Remove one article; False if it was not there."""
        return self.store.delete(article_id)


def _tick(progress: Progress | None, event: str, amount: int) -> None:
    if progress is not None:
        progress(event, amount)
