"""Held-out rtqa-train questions: the periods (4 weeks each) that the README's training command never
trains or validates on, to compare two model directories on more than rtqa-val's 66 in-corpus questions.

`python -m bench.heldout [DIR]` writes DIR/questions.jsonl and DIR/corpus.jsonl (default
reports/rtqa-heldout/data); `python -m bench.rtqa heldout` builds them and runs `newsqa eval` on them.
The slice (8 periods, 640 questions, 4,143 articles with today's shared/ data) is "H", the validation
periods of an 8,000-article run that no training run uses, plus "B", 5 more unused periods drawn with
seed 1. Deterministic: the same shared/ data gives the same files.
"""

import gzip
import json
import sys
from pathlib import Path

from rag.training.periods import EXTRA_PERIODS, held_out_periods  # noqa: F401 -- the slice is the library's to define

ROOT = Path(__file__).resolve().parent.parent
TRAIN = ROOT.parent / "shared" / "bench" / "rtqa-train"
OUT = ROOT / "reports" / "rtqa-heldout" / "data"


def build(out: Path = OUT, train: Path = TRAIN) -> tuple[int, int]:
    """Write the held-out questions and their articles into `out`; (questions, articles)."""
    from rag.evaluate import read_questions
    from rag.training.periods import TrainConfig, assign_articles, split_periods

    questions, _ = read_questions(train / "questions.jsonl")
    periods = split_periods(questions, TrainConfig.weeks)
    assign_articles(periods, (), TrainConfig.weeks)  # each question lists its articles (`results`)
    h, b = held_out_periods(periods, lambda budget: TrainConfig(max_articles=budget))
    chosen = [p for p in periods if p.name in set(h + b)]
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
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    count, articles = build(target)
    print(f"{count} questions, {articles} articles in {target}")
