"""The abstention threshold set on the calibration slice: `python -m bench.calibrate [--models DIR] [--write]`.

Runs `newsqa eval` on the calibration slice (`python -m bench.rtqa calibration`: rtqa-train periods that no tree run
and no held-out slice uses) with the models of DIR (default: the shipped ones), takes the confidence of every right
answer to a question whose answer is in the articles, and prints the highest threshold that declines at most
MAX_LOST of them, never below the threshold the models came with (rag.training.fit.calibrated_threshold).
`--write` stores it in DIR/models.json with where it came from. Takes about 20 minutes the first time (ingest).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
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
    directory = Path(argv[argv.index("--models") + 1]) if "--models" in argv else ROOT / "rag" / "learned"
    info = json.loads((directory / "models.json").read_text())
    trained = info.get("calibration", {}).get("trained_threshold", info["threshold"])
    with tempfile.TemporaryDirectory() as scratch:  # answered at the threshold training set, however often it is run
        copy = Path(scratch) / "models"
        shutil.copytree(directory, copy)
        (copy / "models.json").write_text(json.dumps({**info, "threshold": trained}))
        Models.load(copy)  # refuses a damaged directory before a 20-minute run
        environment = {**os.environ, "NEWSQA_LEARNED_MODELS": str(copy)}
        run = subprocess.run([sys.executable, "-m", "bench.rtqa", "calibration"], cwd=ROOT, env=environment, check=False)
    if run.returncode not in (0, 1):
        return run.returncode
    report = json.loads(REPORT.read_text())
    right = right_confidences(report)
    threshold = calibrated_threshold(right, MAX_LOST, floor=trained)
    declined = sum(c < threshold for c in right)
    print(f"calibration slice: {report['n']} questions, {len(right)} right answers in corpus; threshold "
          f"{trained} -> {threshold:.4f} declines {declined} of them (at most {MAX_LOST:.0%})")
    if "--write" in argv:
        info["calibration"] = {"slice": "bench.rtqa calibration", "questions": report["n"], "right_answers": len(right),
                               "max_lost": MAX_LOST, "trained_threshold": trained}
        info["threshold"] = round(threshold, 4)
        (directory / "models.json").write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n")
        print(f"written to {directory / 'models.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
