"""The reader sets' articles: `python -m bench.readerset [DIR [SET ...]]` writes DIR/corpus.jsonl (default
reports/reader-news): every article that bench/sets/reader-news.jsonl and follow-ups.jsonl (or the SETs named) ask
about (rtqa-train articles of periods no training run uses, see bench/heldout.py) and, as distractors, DISTRACTORS
other rtqa-train articles published within a week of each, drawn with a fixed seed, so that each question must find
its story among a few hundred of the same weeks. Deterministic; the texts stay in ../shared, only ids are in the repo.

The sets were written from the articles by reading them (never from newsqa's answers): why / what caused / what
happened / how / summarize / latest questions whose accepted answers are key phrases of the article, questions the
articles do not answer (future outcomes, unnamed people, numbers they do not give), and follow-up conversations.

bench/sets/reader-holdout.jsonl is measured, never tuned on: 44 explanatory and 16 unanswerable questions on 60 other
articles of the held-out periods, written by someone who had not seen newsqa's code or answers (articles taken at
regular intervals of the slice in date order, skipping opinion, listicles and live blogs). Changes to how explanations
are made are kept only when they do not lose there what they gain on reader-news.jsonl:
`python -m bench.readerset reports/reader-holdout reader-holdout.jsonl`, then `newsqa eval` on it.
"""

import gzip
import json
import random
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT / "bench" / "sets"
TRAIN = ROOT.parent / "shared" / "bench" / "rtqa-train" / "corpus.jsonl.gz"
OUT = ROOT / "reports" / "reader-news"
DISTRACTORS, SEED, WINDOW = 5, 7, timedelta(days=7)
READER_SETS = ("reader-news.jsonl", "follow-ups.jsonl")  # the gated sets; reader-holdout.jsonl is built by name


def set_article_ids(sets: Sequence[str] = READER_SETS) -> list[str]:
    """The article ids the sets' questions are about, in order of first mention."""
    ids = []
    for name in sets:
        for line in (SETS / name).read_text(encoding="utf-8").splitlines():
            ids += json.loads(line).get("article_ids", [])
    return list(dict.fromkeys(ids))


def build(out: Path = OUT, corpus: Path = TRAIN, sets: Sequence[str] = READER_SETS) -> int:
    """Write out/corpus.jsonl for the questions of `sets` (file names in bench/sets); the number of articles."""
    wanted = set_article_ids(sets)
    rows = {}
    with gzip.open(corpus, "rt", encoding="utf-8") as source:
        for line in source:
            row = json.loads(line)
            rows[row["id"]] = row
    missing = [i for i in wanted if i not in rows]
    if missing:
        raise SystemExit(f"articles of the reader sets not in {corpus}: {missing[:5]}")
    by_day = sorted((_day(r["published"]), i) for i, r in rows.items() if _day(r["published"]) and i not in wanted)
    rng, chosen = random.Random(SEED), list(wanted)
    for article_id in wanted:
        day = _day(rows[article_id]["published"])
        near = sorted(i for d, i in by_day if day and abs(d - day) <= WINDOW and i not in chosen)
        chosen += rng.sample(near, min(DISTRACTORS, len(near)))
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "corpus.jsonl", "w", encoding="utf-8") as sink:
        for article_id in chosen:
            sink.write(json.dumps(rows[article_id], ensure_ascii=False) + "\n")
    return len(chosen)


def _day(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    count = build(target, sets=tuple(sys.argv[2:]) or READER_SETS)
    print(f"{count} articles in {target / 'corpus.jsonl'}", file=sys.stderr)
