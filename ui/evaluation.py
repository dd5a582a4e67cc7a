"""`newsqa eval QUESTIONS.jsonl [--corpus PATH...]`: score answers against a question set, gate on metrics,
write the report."""

import hashlib
import json
import sys
from pathlib import Path

import click

from ingest import iter_articles
from newsqa.app import Services
from rag.evaluate import METRICS, evaluate, read_questions

from .ingesting import ingest_summary, ingest_with_progress
from .report import metrics_table, render_report

__all__ = ["evaluate_command"]


@click.command("eval")
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
        report = ingest_with_progress(services, list(iter_articles(corpus)), prune=True)
        click.echo(ingest_summary(report, *services.store.counts()), err=True)
    if services.store.counts()[0] == 0:
        raise click.ClickException("the store is empty: ingest articles first, or pass --corpus PATH")
    services.warm_up()
    with click.progressbar(length=len(questions), label="evaluating", file=sys.stderr, show_pos=True) as bar:
        run = evaluate(services.qa, questions, services.store.chunk_texts, k=k, progress=lambda _: bar.update(1))
    summary = run.summary(by)
    settings = {"questions": str(questions_file), "corpus": ", ".join(map(str, corpus)) or services.settings.collection,
                "k": k or services.settings.top_k, "llm": services.llm.name,
                "threshold": services.models.threshold, "strict": services.settings.strict}
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
