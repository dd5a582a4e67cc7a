"""The `newsqa` command: parse, call the library, format. Errors become one readable line."""

import json
import re
from pathlib import Path

import click

from ingest import SUPPORTED_SUFFIXES, iter_articles
from ingest.feeds import article_from_url
from ingest.maintenance import audit
from ingest.maintenance import check as check_store
from ingest.maintenance import rebuild as rebuild_store
from ingest.types import Skipped
from ingest.web import canonical_url
from newsqa import NewsQAError, Settings
from newsqa.app import Services
from ui.client import NewsQAClient

from .evaluation import evaluate_command
from .format import answer_text
from .ingesting import ingest_summary, ingest_with_progress, load_embedder, with_progress
from .running import running_server
from .training import train_command

__all__ = ["cli", "main"]


READ_ONLY_COMMANDS = {"ask", "articles"}


class _Group(click.Group):
    """Turns newsqa's own errors into `error: ...` and exit status 1, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NewsQAError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=_Group)
@click.version_option(package_name="newsqa", prog_name="newsqa")
@click.option("--home", type=click.Path(path_type=Path), help="State directory [NEWSQA_HOME, default ./.newsqa].")
@click.option("--chroma-url", help="Use a `chroma run` server instead of the local store [NEWSQA_CHROMA_URL].")
@click.option("--chunk-tokens", type=int, help="Chunk size in word pieces [NEWSQA_CHUNK_TOKENS, default 200].")
@click.option("--chunk-overlap", type=int, help="Chunk overlap in word pieces [NEWSQA_CHUNK_OVERLAP, default 40].")
@click.option("--top-k", type=int, help="Chunks retrieved per question [NEWSQA_TOP_K, default 5].")
@click.option("--min-confidence", type=float, help="Decline an extracted factoid answer scored below this "
              "probability (a chat model's written answers are checked sentence by sentence instead) "
              "[NEWSQA_MIN_CONFIDENCE, default: the learned models' threshold].")
@click.option("--strict/--no-strict", default=None, help="Decline an extracted factoid answer the support check doubts "
              "(the LLM finds it unlikely, given how sure the scorer is) instead of answering it marked 'Low confidence': "
              "fewer wrong answers, a few right ones lost [NEWSQA_STRICT, default off].")
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
    ctx.obj = Services(settings, exclusive=ctx.invoked_subcommand not in READ_ONLY_COMMANDS)


@cli.command()
@click.argument("paths", nargs=-1, metavar="PATH_OR_URL...")
@click.option("--delete", "delete", is_flag=True, help="Remove the articles whose ids are given instead of paths: "
              "newsqa ingest --delete ID [ID...].")
@click.option("--rebuild", is_flag=True,
              help="Drop the store and rebuild it: from PATHS when given, else from the articles it keeps.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the counts.")
@click.pass_obj
def ingest(services: Services, paths, delete, rebuild, as_json):
    """Add .txt, .md, .html and .jsonl articles (files or directories); unchanged ones are skipped."""
    if rebuild and delete:
        raise click.UsageError("--rebuild and --delete do not go together: delete the articles first, then rebuild")
    if rebuild:
        for path in paths:
            if not Path(path).exists():
                raise click.BadParameter(f"{path} does not exist", param_hint="PATH")
        return _rebuild(services, [Path(p) for p in paths], as_json)
    if delete:
        if not paths:
            raise click.UsageError("give the ids of the articles to delete: newsqa ingest --delete ID [ID...]")
        return _delete(services, paths, as_json)
    if not paths:
        raise click.UsageError(f"give files or directories to ingest ({', '.join(SUPPORTED_SUFFIXES)}), or --delete ID")
    urls = [p for p in paths if p.startswith(("http://", "https://"))]
    paths = [Path(p) for p in paths if p not in urls]
    for path in paths:
        if not path.exists():
            raise click.BadParameter(f"{path} does not exist", param_hint="PATH_OR_URL")
    items = list(iter_articles(paths)) + [_fetch_article(services, url) for url in urls]
    report = ingest_with_progress(services, items)
    articles, stored_chunks = services.store.counts()
    if as_json:
        click.echo(json.dumps({**report.as_dict(), "store": {"articles": articles, "chunks": stored_chunks}}))
    else:
        click.echo(ingest_summary(report, articles, stored_chunks))
    if not any(not isinstance(item, Skipped) for item in items):
        raise click.exceptions.Exit(1)


def _delete(services: Services, article_ids, as_json: bool) -> None:
    """Remove each article; say which were not in the store (exit status 1 when none was)."""
    deleted = [a for a in dict.fromkeys(article_ids) if services.ingestor.delete(a)]
    missing = [a for a in dict.fromkeys(article_ids) if a not in deleted]
    if as_json:
        click.echo(json.dumps({"deleted": deleted, "not_in_store": missing}))
    else:
        for article_id in deleted:
            click.echo(f"deleted: {article_id}")
        for article_id in missing:
            click.echo(f"not in the store: {article_id}")
    if not deleted:
        raise click.exceptions.Exit(1)


def _fetch_article(services: Services, url: str):
    """The article at a URL, or a Skipped item saying why not."""
    try:
        return article_from_url(services.fetcher, canonical_url(url))
    except NewsQAError as exc:
        return Skipped(url, str(exc))


def _rebuild(services: Services, paths, as_json: bool) -> None:
    backup = services.settings.home / f"rebuild-{services.store.name}.jsonl"
    expected = 0 if paths else services.store.article_count()
    load_embedder(services)
    report = with_progress(expected, lambda progress: rebuild_store(services.ingestor, backup, paths, progress),
                            label="rebuilding")
    articles, chunks = services.store.counts()
    payload = {**report.as_dict(), "store": {"articles": articles, "chunks": chunks}}
    click.echo(json.dumps(payload) if as_json else "rebuilt: " + ingest_summary(report, articles, chunks))


@cli.command()
@click.option("--repair", is_flag=True, help="Delete chunks that no article lists (left by a killed ingest).")
@click.pass_obj
def check(services: Services, repair):
    """Check that both models run on this CPU (each tried in a separate process), then the store: the
    vector index finds its vectors, and chunks and registry agree."""
    for component, found in services.probe_models(fresh=True).items():
        click.echo(f"{component}: runs ({', '.join(f'{k} {v}' for k, v in found.items())})")
    check_store(services.store)
    found = audit(services.store, remove_orphans=repair)
    click.echo(f"{found.articles} articles, {found.chunks} chunks; {len(found.orphans)} orphan chunks"
               f"{' (deleted)' if repair and found.orphans else ''}, {len(found.missing)} missing chunks")
    if found.missing:
        raise click.ClickException("some articles lack chunks: run `newsqa ingest --rebuild`")
    if found.orphans and not repair:
        raise click.ClickException("orphan chunks (invisible to answers): run `newsqa check --repair`")


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (answer, citations, timings).")
@click.option("-k", "--k", type=click.IntRange(1, 50), help="Chunks to retrieve.")
@click.option("--local", is_flag=True, help="Load the models here even when a `newsqa serve` runs over this store.")
@click.pass_obj
def ask(services: Services, question, as_json, k, local):
    """Answer QUESTION from the ingested articles, with citations (asked of a running `newsqa serve` over the
    same store when there is one: its models are loaded already)."""
    server = None if local or "qa" in services.__dict__ else running_server(services.settings)
    if server is not None:
        with NewsQAClient(server) as client:
            answer = client.ask(question, k=k)
        click.echo(f"(answered by newsqa serve at {server})", err=True)
    else:
        articles, _ = services.store.counts()
        if articles == 0:
            raise click.ClickException("the store is empty: run `newsqa ingest PATH...` first")
        check_store(services.store)  # a damaged index says so, rather than answering from what it still finds
        answer = services.qa.ask(question, k=k)  # the models load on first use
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
@click.option("--refresh-every", metavar="DURATION", help="Refresh followed feeds in the background, e.g. 15m, 1h.")
@click.pass_obj
def serve(services: Services, host, port, refresh_every):
    """Serve the chat UI and the HTTP API on one port."""
    from .chat import serve as serve_chat

    serve_chat(services, host=host, port=port, refresh_every=_duration(refresh_every) if refresh_every else None)


def _duration(text: str) -> float:
    """Seconds in "90s", "15m", "1h" (or a bare number of seconds)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text)
    if not match or float(match.group(1)) <= 0:
        raise click.BadParameter(f"expected a duration such as 90s, 15m or 1h, got {text!r}", param_hint="--refresh-every")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


@cli.group()
def feeds():
    """Follow RSS and Atom feeds: add, list, remove, refresh."""


@feeds.command("add")
@click.argument("url")
@click.option("--refresh/--no-refresh", default=True, show_default=True, help="Refresh the feed right away.")
@click.pass_obj
def feeds_add(services: Services, url, refresh):
    """Follow the feed at URL."""
    if refresh:
        state = services.feeds.follow(url)
        click.echo(f"following {state.url}")
        _print_feed_states([state])
    else:
        click.echo(f"following {services.feeds.add(url).url}")


@feeds.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@click.pass_obj
def feeds_list(services: Services, as_json):
    """The followed feeds and what their last refresh did."""
    for state in services.feeds.all():
        click.echo(json.dumps({k: v for k, v in state.__dict__.items() if k != "seen"}) if as_json else _feed_line(state))


@feeds.command("remove")
@click.argument("url")
@click.pass_obj
def feeds_remove(services: Services, url):
    """Stop following a feed (its articles stay)."""
    if not services.feeds.remove(url):
        raise click.ClickException(f"not following {url}")
    click.echo(f"no longer following {url}")


@feeds.command("refresh")
@click.argument("url", required=False)
@click.pass_obj
def feeds_refresh(services: Services, url):
    """Fetch every followed feed (or one) and ingest new and updated stories."""
    states = services.feeds.refresh(url)
    _print_feed_states(states)
    if states and all(s.status == "error" for s in states):
        raise click.exceptions.Exit(1)


def _print_feed_states(states) -> None:
    for state in states:
        click.echo(_feed_line(state))
        for error in state.errors:
            click.echo(f"    error: {error}")


def _feed_line(state) -> str:
    return (f"{state.url}\t{state.status}\tlast refresh {state.last_refresh or 'never'}\t"
            f"new {state.added}, updated {state.updated}, unchanged {state.unchanged}, "
            f"duplicates {state.duplicates}, errors {len(state.errors)}")


cli.add_command(evaluate_command)
cli.add_command(train_command)


def main() -> None:
    """Entry point of the `newsqa` script."""
    cli(prog_name="newsqa")
