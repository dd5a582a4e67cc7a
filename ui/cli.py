"""The `newsqa` command: parse, call the library, format. Errors become one readable line."""

import hashlib
import json
import re
import sys
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
from rag.client import NewsQAClient
from rag.evaluate import METRICS, evaluate, read_questions

from .format import answer_text
from .report import metrics_table, render_report
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
    report = _ingest_with_progress(services, items)
    articles, stored_chunks = services.store.counts()
    if as_json:
        click.echo(json.dumps({**report.as_dict(), "store": {"articles": articles, "chunks": stored_chunks}}))
    else:
        click.echo(_ingest_summary(report, articles, stored_chunks))
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


def _ingest_with_progress(services: Services, items: list, prune: bool = False):
    """Ingest with a progress bar on stderr counting articles and chunks."""
    n_articles = sum(1 for item in items if not isinstance(item, Skipped))
    if n_articles:
        _load_embedder(services)
    return _with_progress(n_articles, lambda progress: services.ingestor.ingest(items, progress, prune=prune))


def _load_embedder(services: Services) -> None:
    """Load (and on first use export) the embedder before the progress bar starts, so that its ETA measures
    the embedding of articles, not the loading of a model."""
    services.embeddings.embed_documents(["warm up"])


def _with_progress(n_articles: int, work, label: str = "ingesting"):
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


def _rebuild(services: Services, paths, as_json: bool) -> None:
    backup = services.settings.home / f"rebuild-{services.store.name}.jsonl"
    expected = 0 if paths else services.store.article_count()
    _load_embedder(services)
    report = _with_progress(expected, lambda progress: rebuild_store(services.ingestor, backup, paths, progress),
                            label="rebuilding")
    articles, chunks = services.store.counts()
    payload = {**report.as_dict(), "store": {"articles": articles, "chunks": chunks}}
    click.echo(json.dumps(payload) if as_json else "rebuilt: " + _ingest_summary(report, articles, chunks))


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


def _ingest_summary(report, articles: int, chunks: int) -> str:
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


@cli.command("eval")
@click.argument("questions_file", metavar="QUESTIONS.jsonl", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--corpus", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Ingest these articles into a store of their own for the run (reused while unchanged).")
@click.option("-k", "--k", type=click.IntRange(1, 50), help="Chunks to retrieve per question.")
@click.option("--limit", type=click.IntRange(1), help="Only the first N questions.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write report.json and report.html into this directory.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
@click.option("--by", multiple=True, metavar="FIELD", help="Also report metrics on each value of a field (true/false or a label).")
@click.option("--min", "minimums", multiple=True, metavar="METRIC=VALUE", help="Exit 1 when METRIC is below VALUE.")
@click.option("--max", "maximums", multiple=True, metavar="METRIC=VALUE", help="Exit 1 when METRIC is above VALUE.")
@click.pass_obj
def evaluate_command(services: Services, questions_file, corpus, k, limit, report_dir, as_json, by, minimums, maximums):
    """Score answers against a question set (JSONL) and report the metrics."""
    gates = _parse_gates(minimums, ">=") + _parse_gates(maximums, "<=")
    questions, errors = read_questions(questions_file)
    for error in errors:
        click.echo(f"{questions_file}: {error} (skipped)", err=True)
    if not questions:
        raise click.ClickException(f"no valid question in {questions_file}")
    questions = questions[:limit] if limit else questions
    if corpus:
        services = services.for_collection(_corpus_collection(corpus))
        report = _ingest_with_progress(services, list(iter_articles(corpus)), prune=True)
        click.echo(_ingest_summary(report, *services.store.counts()), err=True)
    if services.store.counts()[0] == 0:
        raise click.ClickException("the store is empty: ingest articles first, or pass --corpus PATH")
    services.warm_up()
    with click.progressbar(length=len(questions), label="evaluating", file=sys.stderr, show_pos=True) as bar:
        run = evaluate(services.qa, questions, services.store.chunk_texts, k=k, progress=lambda _: bar.update(1))
    summary = run.summary(by)
    settings = {"questions": str(questions_file), "corpus": ", ".join(map(str, corpus)) or services.settings.collection,
                "k": k or services.settings.top_k, "llm": services.llm.name}
    if report_dir:
        _write_report(report_dir, summary, questions_file, settings)
    click.echo(json.dumps(summary, ensure_ascii=False) if as_json else metrics_table(summary))
    failed = [f"{m} = {summary['metrics'].get(m)} (wanted {op} {v})" for m, op, v in gates
              if not _passes(summary["metrics"].get(m), op, v)]
    for failure in failed:
        click.echo(f"gate failed: {failure}", err=True)
    if failed:
        raise click.exceptions.Exit(1)


def _parse_gates(options, op: str) -> list[tuple[str, str, float]]:
    gates = []
    for option in options:
        metric, sep, value = option.partition("=")
        if not sep or metric not in METRICS:
            raise click.UsageError(f"expected METRIC=VALUE with METRIC one of {', '.join(METRICS)}, got {option!r}")
        try:
            gates.append((metric, op, float(value)))
        except ValueError:
            raise click.UsageError(f"{option!r}: {value!r} is not a number") from None
    return gates


def _passes(value, op: str, wanted: float) -> bool:
    if value is None:
        return False
    return value >= wanted if op == ">=" else value <= wanted


def _corpus_collection(corpus) -> str:
    """One store per corpus (by its paths), so that re-running a benchmark reuses its ingest."""
    key = json.dumps(sorted(str(p.resolve()) for p in corpus))
    return f"eval-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def _write_report(directory: Path, summary: dict, questions_file: Path, settings: dict) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    anchors_file = questions_file.parent / "anchors.json"
    anchors = None
    if anchors_file.exists():
        try:
            anchors = json.loads(anchors_file.read_text()).get("frontier_gcs_gen")
        except (ValueError, AttributeError):
            click.echo(f"warning: {anchors_file} is not readable JSON; the report has no anchors", err=True)
    (directory / "report.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    page = render_report(summary, title=f"newsqa eval · {questions_file.name}", anchors=anchors, settings=settings)
    (directory / "report.html").write_text(page, encoding="utf-8")
    click.echo(f"report: {directory / 'report.html'}", err=True)


cli.add_command(train_command)


def main() -> None:
    """Entry point of the `newsqa` script."""
    cli(prog_name="newsqa")
