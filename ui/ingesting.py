"""Ingesting from the command line: progress bars that count articles and chunks, and the summary after."""

import sys

import click

from ingest.types import Skipped
from newsqa.app import Services

__all__ = ["ingest_summary", "ingest_with_progress", "load_embedder", "with_progress"]


def ingest_with_progress(services: Services, items: list, prune: bool = False):
    """Ingest with a progress bar on stderr counting articles and chunks."""
    n_articles = sum(1 for item in items if not isinstance(item, Skipped))
    if n_articles:
        load_embedder(services)
    return with_progress(n_articles, lambda progress: services.ingestor.ingest(items, progress, prune=prune))


def load_embedder(services: Services) -> None:
    """Load (and on first use export) the embedder before the progress bar starts, so that its ETA measures
    the embedding of articles, not the loading of a model."""
    services.embeddings.embed_documents(["warm up"])


def with_progress(n_articles: int, work, label: str = "ingesting"):
    """Run `work(progress)` under a progress bar of articles, labelled with the chunks written so far."""
    with click.progressbar(length=n_articles, label=label, file=sys.stderr, show_pos=True) as bar:
        chunks = 0

        def progress(event: str, amount: int) -> None:
            nonlocal chunks
            if event == "article":
                bar.update(amount)
            else:
                chunks += amount
                bar.label = f"{label} ({chunks} chunks)"

        return work(progress)


def ingest_summary(report, articles: int, chunks: int) -> str:
    lines = []
    if not report.changed and report.unchanged:
        lines.append(f"Nothing to write: all {len(report.unchanged)} articles are unchanged.")
    lines.append(
        f"added {len(report.added)}, replaced {len(report.replaced)}, unchanged {len(report.unchanged)}, "
        f"skipped {len(report.skipped)} ({report.chunks_written} chunks embedded)"
    )
    if report.deleted:
        lines.append(f"deleted {len(report.deleted)} articles that are no longer in the corpus")
    lines += [f"  skipped {s.where}: {s.reason}" for s in report.skipped]
    lines.append(f"store: {articles} articles, {chunks} chunks")
    return "\n".join(lines)
