"""Held-out rtqa-train questions: the periods (4 weeks each) that the README's training command never
trains or validates on, to compare two model directories on more than rtqa-val's 66 in-corpus questions.

`python -m bench.heldout [DIR]` writes DIR/questions.jsonl and DIR/corpus.jsonl (default
reports/rtqa-heldout/data); `python -m bench.rtqa heldout` builds them and runs `newsqa eval` on them.
The slice (8 periods, 640 questions, 4,143 articles with today's shared/ data) is "H", the validation
periods of an 8,000-article run that no training run uses, plus "B", 5 more unused periods drawn with
seed 1. Deterministic: the same shared/ data gives the same files.

`python -m bench.heldout --calibration [DIR]` slices another set the same way (default
reports/rtqa-calibration/data): CALIBRATION_PERIODS periods that no tree run and no held-out slice uses, drawn with
CALIBRATION_SEED, for setting what a model decides (the abstention threshold) on questions it never learned from.
"""

import gzip
import json
import sys
from pathlib import Path

# The slices are the library's to define; the counts are named here for the tests.
from rag.training.periods import CALIBRATION_PERIODS, EXTRA_PERIODS, calibration_periods, held_out_periods  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
TRAIN = ROOT.parent / "shared" / "bench" / "rtqa-train"
OUT = ROOT / "reports" / "rtqa-heldout" / "data"
CALIBRATION_OUT = ROOT / "reports" / "rtqa-calibration" / "data"


def build(out: Path = OUT, train: Path = TRAIN, calibration: bool = False) -> tuple[int, int]:
    """Write the held-out questions (or the calibration slice's) and their articles into `out`; (questions,
    articles)."""
    from rag.evaluate import read_questions
    from rag.training.periods import TrainConfig, assign_articles, split_periods

    questions, _ = read_questions(train / "questions.jsonl")
    periods = split_periods(questions, TrainConfig.weeks)
    assign_articles(periods, (), TrainConfig.weeks)  # each question lists its articles (`results`)
    if calibration:
        names = set(calibration_periods(periods))
    else:
        h, b = held_out_periods(periods)
        names = set(h + b)
    chosen = [p for p in periods if p.name in names]
    ids = {q.id for p in chosen for q in p.questions}
    wanted = set().union(*(p.article_ids for p in chosen))
    out.mkdir(parents=True, exist_ok=True)
    seen, articles = set(), 0
    with open(train / "questions.jsonl", encoding="utf-8") as source, open(out / "questions.jsonl", "w", encoding="utf-8") as sink:
        for line in source:
            row = json.loads(line)
            if row["id"] in ids and row["id"] not in seen:  # the set repeats some ids: the first one counts
                seen.add(row["id"])
                sink.write(line)
    with gzip.open(train / "corpus.jsonl.gz", "rt", encoding="utf-8") as source, \
            open(out / "corpus.jsonl", "w", encoding="utf-8") as sink:
        for line in source:
            if json.loads(line)["id"] in wanted:
                sink.write(line)
                articles += 1
    return len(seen), articles


if __name__ == "__main__":
    arguments = sys.argv[1:]
    calibrating = "--calibration" in arguments
    arguments = [a for a in arguments if a != "--calibration"]
    target = Path(arguments[0]) if arguments else CALIBRATION_OUT if calibrating else OUT
    count, articles = build(target, calibration=calibrating)
    print(f"{count} questions, {articles} articles in {target}")
