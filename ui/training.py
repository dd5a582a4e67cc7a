"""`newsqa train QUESTIONS.jsonl --corpus PATH... [--out DIR]`: learn newsqa's models from a question set."""

import importlib.util
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import click

from newsqa.app import Services, connect
from newsqa.files import write_atomically
from rag.evaluate import read_questions
from rag.learned.models import READER_PROMPT
from rag.training.periods import TrainConfig
from rag.training.pipeline import train

__all__ = ["train_command"]

READER_STEPS, READER_ACCUMULATION = 300, 8  # --reader's defaults: 2,400 examples


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
@click.option("--reader", is_flag=True, help="Fine-tune the embedded LLM as a news reader (a LoRA adapter written to "
              "--out as reader.gguf) instead of the trees; resumes an interrupted run from --cache.")
@click.option("--steps", type=click.IntRange(1), default=READER_STEPS, show_default=True,
              help="With --reader: optimizer steps (each of --accumulation examples).")
@click.option("--accumulation", type=click.IntRange(1), default=READER_ACCUMULATION, show_default=True,
              help="With --reader: examples per optimizer step.")
@click.pass_obj
def train_command(services: Services, questions_file, corpus, out, max_articles, weeks, seed, no_drafts, cache, reader,
                  steps, accumulation):
    """Learn the passage ranker, the answer scorer, abstention and multiple choice from a question set (or, with
    --reader, fine-tune the embedded LLM to read news)."""
    require_training_packages(reader=reader)
    questions, errors = read_questions(questions_file)
    for error in errors:
        click.echo(f"{questions_file}: {error} (skipped)", err=True)
    if not questions:
        raise click.ClickException(f"no valid question in {questions_file}")
    cache = cache or services.settings.home / "train-cache"
    if reader:
        return _train_reader(services, questions, list(corpus), out, cache, seed, steps, accumulation)
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
    models = trained.models
    if not no_drafts and services.llm.reader is not None:
        models = replace(models, reader=services.models.reader)  # the trees learned from its drafts: it ships with them
    models.save(out)
    (out / "report.json").write_text(json.dumps(trained.report, ensure_ascii=False, indent=1) + "\n")
    click.echo(summary(trained.report, out, time.perf_counter() - started))


TRAINING_PACKAGES = {"sklearn": "scikit-learn"}  # import name: distribution, the `train` extra of pyproject.toml
READER_PACKAGES = {"peft": "peft", "gguf": "gguf"}  # and for --reader


def require_training_packages(find=importlib.util.find_spec, reader: bool = False) -> None:
    """Say which packages `newsqa train` needs and how to install them, before any work is done."""
    wanted = {**TRAINING_PACKAGES, **(READER_PACKAGES if reader else {})}
    missing = [package for module, package in wanted.items() if find(module) is None]
    if missing:
        raise click.ClickException(f"newsqa train needs {', '.join(missing)}, which answering does not: "
                                   f"pip install 'newsqa[train]' (from the project: pip install -e '.[train]')")


def _train_reader(services: Services, questions, corpus, out: Path, cache: Path, seed: int, steps: int,
                  accumulation: int) -> None:
    """Examples (made once into the cache), LoRA training (resumable), then the adapter into `out`."""
    from rag.llm import embedded_model_path
    from rag.training.reader import balanced, export_adapter, fit_reader, read_examples, reader_data

    work = cache / "reader"
    data, summary = work / f"examples-{seed}.jsonl", work / f"examples-{seed}.json"
    bars = StageBars()
    started = time.perf_counter()
    try:
        made = None
        if not (data.exists() and summary.exists()):
            made = reader_data(questions, corpus, services.chunker, data, seed=seed, progress=bars)
            write_atomically(summary, json.dumps(made, indent=1))
        examples = balanced(read_examples(data), seed)
        gguf = embedded_model_path(services.settings.models_dir)
        report = fit_reader(examples, gguf, work, steps=steps, accumulation=accumulation, seed=seed,
                            threads=services.settings.threads, progress=bars)
    finally:
        bars.close()
    adapter = export_adapter(work / "adapter", gguf, out / "reader.gguf", work)
    made = made or json.loads(summary.read_text())
    kinds = {kind: sum(1 for e in examples if e.kind == kind) for kind in ("answer", "unknown", "choice")}
    info = {"adapter": adapter.name, "prompt": READER_PROMPT, "seed": seed, "data": made, "balanced": kinds,
            "training": report, "minutes": round((time.perf_counter() - started) / 60, 1)}
    (out / "reader.json").write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n")
    click.echo(f"reader trained on {report['examples_seen']} examples ({kinds}) in {info['minutes']} min: loss "
               f"{report['loss_first_25']} -> {report['loss_last_25']}; adapter {adapter} "
               f"({adapter.stat().st_size / 1e6:.1f} MB)")


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
