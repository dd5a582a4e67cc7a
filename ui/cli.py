"""The `newsqa` command: parse, call the library, format. Errors become one readable line."""

import json
import sys
from pathlib import Path

import click

from ingest import NewsQAError, Settings, SUPPORTED_SUFFIXES, iter_articles
from ingest.types import Skipped

from .format import answer_text
from .wiring import Services

__all__ = ["cli", "main"]


class _Group(click.Group):
    """Turns newsqa's own errors into `error: ...` and exit status 1, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NewsQAError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=_Group)
@click.option("--home", type=click.Path(path_type=Path), help="State directory [NEWSQA_HOME, default ./.newsqa].")
@click.option("--chroma-url", help="Use a `chroma run` server instead of the local store [NEWSQA_CHROMA_URL].")
@click.option("--chunk-tokens", type=int, help="Chunk size in word pieces [NEWSQA_CHUNK_TOKENS, default 200].")
@click.option("--chunk-overlap", type=int, help="Chunk overlap in word pieces [NEWSQA_CHUNK_OVERLAP, default 40].")
@click.option("--top-k", type=int, help="Chunks retrieved per question [NEWSQA_TOP_K, default 5].")
@click.option("--llm", type=click.Choice(["embedded", "openai"]), help="LLM backend [NEWSQA_LLM, default embedded].")
@click.option("--openai-base-url", help="OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1 [NEWSQA_OPENAI_BASE_URL].")
@click.option("--openai-model", help="Model name on that server [NEWSQA_OPENAI_MODEL].")
@click.pass_context
def cli(ctx, **options):
    """Question answering over news articles, with citations."""
    if isinstance(ctx.obj, Services):
        return  # tests pass ready-made services
    try:
        settings = Settings.from_env(**options)
    except NewsQAError as exc:
        raise click.UsageError(str(exc)) from None
    ctx.obj = Services(settings)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--delete", "delete_ids", multiple=True, metavar="ARTICLE_ID", help="Remove an article (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the counts.")
@click.pass_obj
def ingest(services: Services, paths, delete_ids, as_json):
    """Add .txt, .md, .html and .jsonl articles (files or directories); unchanged ones are skipped."""
    if not paths and not delete_ids:
        raise click.UsageError(f"give files or directories to ingest ({', '.join(SUPPORTED_SUFFIXES)}), or --delete ID")
    for article_id in delete_ids:
        found = services.ingestor.delete(article_id)
        click.echo(f"{'deleted' if found else 'not in the store'}: {article_id}", err=as_json)
    if not paths:
        return
    items = list(iter_articles(paths))
    n_articles = sum(1 for item in items if not isinstance(item, Skipped))
    with click.progressbar(length=n_articles, label="ingesting", file=sys.stderr, show_pos=True) as bar:
        chunks = 0

        def progress(event: str, amount: int) -> None:
            nonlocal chunks
            if event == "article":
                bar.update(amount)
            else:
                chunks += amount
                bar.label = f"ingesting ({chunks} chunks)"

        report = services.ingestor.ingest(items, progress)
    articles, stored_chunks = services.store.counts()
    if as_json:
        click.echo(json.dumps({**report.as_dict(), "store": {"articles": articles, "chunks": stored_chunks}}))
    else:
        click.echo(_ingest_summary(report, articles, stored_chunks))
    if n_articles == 0:
        raise click.exceptions.Exit(1)


def _ingest_summary(report, articles: int, chunks: int) -> str:
    lines = []
    if not report.changed and report.unchanged:
        lines.append(f"Nothing to write: all {len(report.unchanged)} articles are unchanged.")
    lines.append(
        f"added {len(report.added)}, replaced {len(report.replaced)}, unchanged {len(report.unchanged)}, "
        f"skipped {len(report.skipped)} ({report.chunks_written} chunks embedded)"
    )
    lines += [f"  skipped {s.where}: {s.reason}" for s in report.skipped]
    lines.append(f"store: {articles} articles, {chunks} chunks")
    return "\n".join(lines)


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (answer, citations, timings).")
@click.option("-k", "--k", type=click.IntRange(1, 50), help="Chunks to retrieve.")
@click.pass_obj
def ask(services: Services, question, as_json, k):
    """Answer QUESTION from the ingested articles, with citations."""
    articles, _ = services.store.counts()
    if articles == 0:
        raise click.ClickException("the store is empty: run `newsqa ingest PATH...` first")
    services.warm_up()
    answer = services.qa.ask(question, k=k)
    click.echo(json.dumps(answer.as_dict(), ensure_ascii=False) if as_json else answer_text(answer))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@click.pass_obj
def articles(services: Services, as_json, limit):
    """List the articles in the store, newest ingest first."""
    n_articles, n_chunks = services.store.counts()
    for article in services.store.articles(limit=limit):
        if as_json:
            click.echo(json.dumps({
                "id": article.id, "title": article.title, "url": article.url, "published": article.published,
                "chunks": len(article.chunk_ids), "ingested_at": article.ingested_at,
            }, ensure_ascii=False))
        else:
            click.echo(f"{article.id}\t{article.published or '-'}\t{len(article.chunk_ids)} chunks\t{article.title}")
    if not as_json:
        click.echo(f"{n_articles} articles, {n_chunks} chunks", err=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind; 0.0.0.0 exposes it.")
@click.option("--port", type=click.IntRange(1, 65535), default=7860, show_default=True)
@click.pass_obj
def serve(services: Services, host, port):
    """Serve the chat UI."""
    from .chat import serve as serve_chat

    serve_chat(services, host=host, port=port)


def main() -> None:
    """Entry point of the `newsqa` script."""
    cli(prog_name="newsqa")
