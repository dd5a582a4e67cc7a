"""How well news cleaning finds boilerplate: `python -m bench.boilerplate [dev|test|all] [--show]`.

Gold labels: bench/data/boilerplate-labels.jsonl, 50 rtqa-train articles (1,313 paragraphs) labelled by reading
(content, dateline, byline, credit, promo, subheading, other; dateline prefixes), half "dev" (the rules were
written looking at these) and half "test" (measured once the rules were set). The article texts are read from
../shared; only ids, labels and a hash of each paragraph are kept here. Reports precision and recall of
"not the story" over paragraphs (ambiguous ones left out), per kind, and the dateline prefixes stripped exactly.
"""

import gzip
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "bench" / "data" / "boilerplate-labels.jsonl"
CORPUS = ROOT.parent / "shared" / "bench" / "rtqa-train" / "corpus.jsonl.gz"


def load(split: str):
    """(article, paragraphs, gold labels) for the split's articles."""
    from ingest.types import Article  # noqa: F401 -- the package must import cleanly before measuring

    labelled = [json.loads(line) for line in LABELS.read_text().splitlines()]
    labelled = [r for r in labelled if split == "all" or r["split"] == split]
    wanted = {r["id"] for r in labelled}
    articles = {}
    with gzip.open(CORPUS, "rt", encoding="utf-8") as source:
        for line in source:
            row = json.loads(line)
            if row["id"] in wanted:
                articles[row["id"]] = row
    for record in labelled:
        row = articles[record["id"]]
        paragraphs = [p.strip() for p in row["text"].split("\n") if p.strip()]
        for gold in record["labels"]:
            if hashlib.sha1(paragraphs[gold["i"]].encode()).hexdigest()[:10] != gold["sha"]:
                raise SystemExit(f"{record['id']} paragraph {gold['i']} does not match its label's hash")
        yield row, paragraphs, record["labels"]


def measure(split: str, show: bool = False) -> dict:
    from ingest.news import classify_paragraphs, strip_dateline

    counts, by_kind, prefixes = Counter(), Counter(), Counter()
    for row, paragraphs, labels in load(split):
        found = classify_paragraphs(paragraphs, row.get("authors") or ())
        for gold, kind in zip(labels, found):
            if gold.get("ambiguous"):
                continue
            truth = gold["label"] != "content"
            counts[(truth, kind is not None)] += 1
            if truth:
                by_kind[(gold["label"], kind is not None)] += 1
            if "prefix" in gold:
                prefixes[strip_dateline(paragraphs[gold["i"]]) == paragraphs[gold["i"]][len(gold["prefix"]):]] += 1
            if show and truth != (kind is not None):
                print(f"{'MISSED' if truth else 'WRONG '} {row['id']} {gold['i']:>2} {gold['label']:10} {kind or '-':10} "
                      f"{paragraphs[gold['i']][:100]!r}")
    tp, fp, fn = counts[(True, True)], counts[(False, True)], counts[(True, False)]
    return {
        "paragraphs": sum(counts.values()), "boilerplate": tp + fn,
        "precision": round(100 * tp / (tp + fp), 1) if tp + fp else None,
        "recall": round(100 * tp / (tp + fn), 1) if tp + fn else None,
        "story_paragraphs_dropped": fp,
        "recall_by_kind": {k: f"{by_kind[(k, True)]}/{by_kind[(k, True)] + by_kind[(k, False)]}"
                           for k in sorted({k for k, _ in by_kind})},
        "prefixes_stripped": f"{prefixes[True]}/{sum(prefixes.values())}",
    }


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    print(json.dumps(measure(args[0] if args else "dev", show="--show" in sys.argv), indent=1))
