"""`newsqa train QUESTIONS.jsonl --corpus PATH... [--out DIR]`: learn newsqa's models from a question set."""

import importlib.util
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import click

from newsqa.app import Services, connect
from rag.evaluate import read_questions
from rag.train import TrainConfig, train

__all__ = ["train_command"]


class StageBars:
    """One progress bar per training stage, on stderr."""

    def __init__(self):
        self.stage, self.bar = None, None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = click.progressbar(length=total, label=stage, file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("train")
@click.argument("questions_file", metavar="QUESTIONS.jsonl", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--corpus", multiple=True, required=True, type=click.Path(exists=True, path_type=Path),
              help="The articles the questions are answered from (.jsonl, .jsonl.gz, directories).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("newsqa-models"), show_default=True,
              help="Where to write the models; use them with NEWSQA_LEARNED_MODELS=DIR.")
@click.option("--max-articles", type=click.IntRange(50), default=TrainConfig.max_articles, show_default=True,
              help="Articles to embed at most (the slow part: ~1 article/s on 2 cores).")
@click.option("--weeks", type=click.IntRange(1, 52), default=TrainConfig.weeks, show_default=True,
              help="Weeks of questions answered from one store.")
@click.option("--seed", type=int, default=TrainConfig.seed, show_default=True)
@click.option("--no-drafts", is_flag=True, help="Train without the embedded LLM's drafts (faster; no draft feature).")
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path),
              help="Where the training stores are kept between runs [NEWSQA_HOME/train-cache].")
@click.pass_obj
def train_command(services: Services, questions_file, corpus, out, max_articles, weeks, seed, no_drafts, cache):
    """Learn the passage ranker, the answer scorer, abstention and multiple choice from a question set."""
    require_training_packages()
    questions, errors = read_questions(questions_file)
    for error in errors:
        click.echo(f"{questions_file}: {error} (skipped)", err=True)
    if not questions:
        raise click.ClickException(f"no valid question in {questions_file}")
    cache = cache or services.settings.home / "train-cache"
    client = connect(replace(services.settings, home=cache, chroma_url=None))
    config = TrainConfig(weeks=weeks, max_articles=max_articles, seed=seed)
    bars = StageBars()
    started = time.perf_counter()
    try:
        trained = train(questions, list(corpus), client=client, embeddings=services.embeddings, chunker=services.chunker,
                        llm=None if no_drafts else services.llm, config=config, progress=bars, drafts_path=cache / "drafts.json",
                        examples_dir=cache)
    finally:
        bars.close()
    trained.models.save(out)
    (out / "report.json").write_text(json.dumps(trained.report, ensure_ascii=False, indent=1) + "\n")
    click.echo(summary(trained.report, out, time.perf_counter() - started))


TRAINING_PACKAGES = {"sklearn": "scikit-learn"}  # import name: distribution, the `train` extra of pyproject.toml


def require_training_packages(find=importlib.util.find_spec) -> None:
    """Say which packages `newsqa train` needs and how to install them, before any work is done."""
    missing = [package for module, package in TRAINING_PACKAGES.items() if find(module) is None]
    if missing:
        raise click.ClickException(f"newsqa train needs {', '.join(missing)}, which answering does not: "
                                   f"pip install 'newsqa[train]' (from the project: pip install -e '.[train]')")


def summary(report: dict, out: Path, seconds: float) -> str:
    """What was learned and how it validated, for people."""
    data = report["training"]
    lines = [f"trained on {data['questions']} questions ({len(data['periods'])} periods, {data['articles']} articles) "
             f"in {seconds / 60:.1f} min; models in {out}",
             f"abstention threshold {report['threshold']} (cross-fitted: {report['cross_fitted']})"]
    choice = report["multiple_choice_cross_fitted"]
    lines.append(f"multiple choice, out of fold: {choice['accuracy_by_model'][choice['kept']]} "
                 f"({choice['kept']}, {choice['questions']} questions)")
    for name, features in report["features"].items():
        lines.append(f"{name} relies most on: " + ", ".join(f"{f} {share}%" for f, share in list(features.items())[:5]))
    validation = report.get("validation")
    if validation:
        inside, everything = validation["answer_in_corpus"], validation["all"]
        lines.append(f"validation ({validation['questions']} questions, {validation['in_corpus']} with the answer in the "
                     f"articles): recall@5 {inside['recall_at_k']}, contains {inside['contains']}, false abstention "
                     f"{inside['false_abstention_rate']}, citation precision {inside['citation_precision']}, "
                     f"multiple choice {everything['mc_accuracy']} (all)")
        lines.append("recall@5 by ranking: " + ", ".join(f"{k} {v}" for k, v in validation["recall_at_5_in_corpus"].items()))
    return "\n".join(lines)
