"""The rtqa-dev benchmark: `python -m bench.rtqa [--limit N] [-- extra newsqa eval options]`.

Ingests ../shared/bench/rtqa-dev/corpus.jsonl into a store of its own (reused while unchanged),
answers the 60 questions, prints the metrics (all, and on the answer-in-corpus subset) beside the
frontier anchors, and writes reports/rtqa-dev/report.html. Not run in CI: it takes minutes.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "bench" / "rtqa-dev"


def main(argv: list[str]) -> int:
    if not (DATA / "questions.jsonl").exists():
        print(f"rtqa-dev not found at {DATA}", file=sys.stderr)
        return 2
    report = ROOT / "reports" / "rtqa-dev"
    command = [
        str(Path(sys.executable).parent / "newsqa"), "eval", str(DATA / "questions.jsonl"),
        "--corpus", str(DATA / "corpus.jsonl"), "--by", "answer_in_corpus", "--report", str(report), "--json", *argv,
    ]
    started = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    if result.returncode not in (0, 1):
        return result.returncode
    summary = json.loads(result.stdout)
    anchors = json.loads((DATA / "anchors.json").read_text())["frontier_gcs_gen"]
    print_table(summary, anchors)
    print(f"\nwall time {wall:.0f} s (ingest included); report: {report / 'report.html'}")
    return result.returncode


def print_table(summary: dict, anchors: dict) -> None:
    """Our metrics, then ours beside each anchor on the anchors' own columns."""
    metrics = summary["metrics"]
    subset = summary["by"]["answer_in_corpus"].get("true", {"metrics": {}, "n": 0})
    print(f"{'metric':24}{'all (n=' + str(summary['n']) + ')':>14}{'in corpus (n=' + str(subset['n']) + ')':>20}")
    for name, value in metrics.items():
        print(f"{name:24}{_cell(value):>14}{_cell(subset['metrics'].get(name)):>20}")
    columns = ["em", "f1", "contains", "contains_in", "mc"]
    ours = {"em": metrics["em"], "f1": metrics["f1"], "contains": metrics["contains"],
            "contains_in": subset["metrics"].get("contains"), "mc": metrics["mc_accuracy"]}
    print(f"\n{'system':36}" + "".join(f"{c:>12}" for c in columns))
    rows = [("newsqa (embedded, this run)", ours)] + sorted(anchors.items(), key=lambda kv: -kv[1]["contains_in"])
    for name, row in rows:
        print(f"{name:36}" + "".join(f"{_cell(row.get(c)):>12}" for c in columns))


def _cell(value) -> str:
    return "-" if value is None else str(value)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
