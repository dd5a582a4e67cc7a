"""The RealTime QA benchmarks: `python -m bench.rtqa [dev|val|heldout|calibration] [extra newsqa eval options]`.

Ingests ../shared/bench/rtqa-<set>/corpus.jsonl(.gz) into a store of its own (reused while unchanged),
answers the questions (rtqa-dev: 60, rtqa-val: 115; heldout: 640 rtqa-train questions of periods no training
run uses, sliced by bench/heldout.py; calibration: another such slice, for setting thresholds), prints the metrics (all, and on the
answer-in-corpus subset) beside the frontier anchors where the set has them, and writes
reports/rtqa-<set>/report.html. Not run in CI: it takes minutes.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT.parent / "shared" / "bench"
# The field that says whether an accepted answer occurs in the set's articles.
IN_CORPUS = {"dev": "answer_in_corpus", "val": "answer_in_results", "heldout": "answer_in_results",
             "calibration": "answer_in_results"}


def main(argv: list[str]) -> int:
    name = argv.pop(0) if argv and argv[0] in IN_CORPUS else "dev"
    data = SETS / f"rtqa-{name}"
    if name in ("heldout", "calibration"):
        from .heldout import CALIBRATION_OUT, OUT, build

        data = OUT if name == "heldout" else CALIBRATION_OUT
        if not (data / "questions.jsonl").exists():
            questions, articles = build(data, calibration=name == "calibration")
            print(f"sliced the {name} rtqa-train periods: {questions} questions, {articles} articles", file=sys.stderr)
    corpus = next((p for p in (data / "corpus.jsonl", data / "corpus.jsonl.gz") if p.exists()), None)
    if corpus is None or not (data / "questions.jsonl").exists():
        print(f"rtqa-{name} not found at {data}", file=sys.stderr)
        return 2
    report = ROOT / "reports" / f"rtqa-{name}"
    command = [
        str(Path(sys.executable).parent / "newsqa"), "eval", str(data / "questions.jsonl"),
        "--corpus", str(corpus), "--by", IN_CORPUS[name], "--report", str(report), "--json", *argv,
    ]
    started = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    if result.returncode not in (0, 1):
        return result.returncode
    summary = json.loads(result.stdout)
    anchors_file = data / "anchors.json"
    anchors = json.loads(anchors_file.read_text())["frontier_gcs_gen"] if anchors_file.exists() else {}
    print_table(summary, anchors, IN_CORPUS[name])
    print(f"\nwall time {wall:.0f} s (ingest included); report: {report / 'report.html'}")
    return result.returncode


def print_table(summary: dict, anchors: dict, in_corpus: str) -> None:
    """Our metrics, then ours beside each anchor on the anchors' own columns."""
    metrics = summary["metrics"]
    subset = summary["by"][in_corpus].get("true", {"metrics": {}, "n": 0})
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
