"""The abstention threshold set on the calibration slice: `python -m bench.calibrate [--models DIR] [--write]`.

Runs `newsqa eval` on the calibration slice (`python -m bench.rtqa calibration`: rtqa-train periods that no tree run
and no held-out slice uses) with the models of DIR (default: the shipped ones), takes the confidence of every right
answer to a question whose answer is in the articles, and prints the highest threshold that declines at most
MAX_LOST of them, never below the threshold the models came with (rag.training.fit.calibrated_threshold).
`--write` stores it in DIR/models.json with where it came from. Takes about 20 minutes the first time (ingest).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from rag.learned.models import Models
from rag.training.fit import calibrated_threshold

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "reports" / "rtqa-calibration" / "report.json"
MAX_LOST = 0.05  # the share of right answers the threshold may decline (the rule of 881231b, on unseen questions)


def right_confidences(report: dict) -> list[float]:
    """The confidences of the report's right factoid answers to questions whose answer is in the articles."""
    return [row["confidence"] for row in report["per_question"]
            if row.get("fields", {}).get("answer_in_results") in (True, "true") and not row["abstained"]
            and row["contains"] and row.get("confidence") is not None]


def main(argv: list[str]) -> int:
    if "--models" in argv and argv.index("--models") + 1 == len(argv):
        print("usage: python -m bench.calibrate [--models DIR] [--write]", file=sys.stderr)
        return 2
    directory = Path(argv[argv.index("--models") + 1]) if "--models" in argv else ROOT / "rag" / "learned"
    Models.load(directory)  # refuses a damaged directory before a 20-minute run
    info = json.loads((directory / "models.json").read_text())
    trained = info.get("calibration", {}).get("trained_threshold", info["threshold"])
    # Answered at the threshold training set, however often this runs and whatever the shell sets.
    environment = {**os.environ, "NEWSQA_LEARNED_MODELS": str(directory), "NEWSQA_MIN_CONFIDENCE": str(trained)}
    REPORT.unlink(missing_ok=True)  # a failed run must not leave an older report to be read
    run = subprocess.run([sys.executable, "-m", "bench.rtqa", "calibration"], cwd=ROOT, env=environment, check=False)
    if run.returncode != 0 or not REPORT.exists():
        print(f"the calibration run failed (exit {run.returncode}); nothing was set", file=sys.stderr)
        return run.returncode or 1
    report = json.loads(REPORT.read_text())
    right = right_confidences(report)
    threshold = calibrated_threshold(right, MAX_LOST, floor=trained)
    declined = sum(c < threshold for c in right)
    print(f"calibration slice: {report['n']} questions, {len(right)} right answers in corpus; threshold "
          f"{trained} -> {threshold:.6f} declines {declined} of them (at most {MAX_LOST:.0%})")
    if "--write" in argv:
        info["calibration"] = {"slice": "bench.rtqa calibration", "questions": report["n"], "right_answers": len(right),
                               "max_lost": MAX_LOST, "trained_threshold": trained}
        info["threshold"] = threshold  # unrounded: rounding up could decline one right answer more
        (directory / "models.json").write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n")
        print(f"written to {directory / 'models.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
