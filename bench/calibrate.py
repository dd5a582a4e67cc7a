"""Abstention set on the calibration slice: `python -m bench.calibrate [--models DIR] [--support] [--write]`.

Runs `newsqa eval` on the calibration slice (`python -m bench.rtqa calibration`: rtqa-train periods that no tree run
and no held-out slice uses) with the models of DIR (default: the shipped ones), takes the confidence of every right
answer to a question whose answer is in the articles, and prints the highest threshold that declines at most
MAX_LOST of them, never below the threshold the models came with (rag.training.fit.calibrated_threshold).
`--write` stores it in DIR/models.json with where it came from. Takes about 20 minutes the first time (ingest).

`--support` fits the support check instead (rag/learned/support.py: whether the LLM backs the scorer's answer, from
the scorer's confidence and the LLM's likelihood of the span) from the same run, made without --strict; `--write`
stores it as DIR/support.json and leaves the threshold alone.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from rag.learned.models import SUPPORT_FILE, Models, scorer_digest
from rag.training.fit import calibrated_threshold, fit_support

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "reports" / "rtqa-calibration" / "report.json"
MAX_LOST = 0.05  # the share of right answers the threshold may decline (the rule of 881231b, on unseen questions)


def right_confidences(report: dict) -> list[float]:
    """The confidences of the report's right factoid answers to questions whose answer is in the articles."""
    return [row["confidence"] for row in report["per_question"]
            if _in_corpus(row) and not row["abstained"] and row["contains"] and row.get("confidence") is not None]


def answered(report: dict) -> list[tuple[float, float, bool, bool]]:
    """(confidence, likelihood, right, answer in the articles) of the report's factoid answers the LLM scored."""
    return [(row["confidence"], row["likelihood"], bool(row["contains"]), _in_corpus(row))
            for row in report["per_question"]
            if not row["abstained"] and row.get("confidence") is not None and row.get("likelihood") is not None]


def _in_corpus(row: dict) -> bool:
    return row.get("fields", {}).get("answer_in_results") in (True, "true")


def main(argv: list[str]) -> int:
    if "--models" in argv and argv.index("--models") + 1 == len(argv):
        print("usage: python -m bench.calibrate [--models DIR] [--support] [--write]", file=sys.stderr)
        return 2
    directory = Path(argv[argv.index("--models") + 1]) if "--models" in argv else ROOT / "rag" / "learned"
    info = Models.load(directory).info  # refuses a damaged directory before a 20-minute run
    trained = info.get("calibration", {}).get("trained_threshold", info["threshold"])
    # Answered by newsqa's defaults with DIR's models at the threshold training set and without their support check,
    # however often this runs and whatever the shell sets (the threshold and the support check learn from every
    # answer the scorer would give, the ones the check declines included, and from the embedded LLM's likelihoods):
    # only where the state lives is kept.
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("NEWSQA_") or name == "NEWSQA_HOME"}
    REPORT.unlink(missing_ok=True)  # a failed run must not leave an older report to be read
    with tempfile.TemporaryDirectory() as scratch:
        unchecked = Path(scratch) / "models"
        shutil.copytree(directory, unchecked, ignore=shutil.ignore_patterns(SUPPORT_FILE))
        environment.update(NEWSQA_LEARNED_MODELS=str(unchecked), NEWSQA_MIN_CONFIDENCE=str(trained))
        run = subprocess.run([sys.executable, "-m", "bench.rtqa", "calibration"], cwd=ROOT, env=environment, check=False)
    if run.returncode != 0 or not REPORT.exists():
        print(f"the calibration run failed (exit {run.returncode}); nothing was set", file=sys.stderr)
        return run.returncode or 1
    report = json.loads(REPORT.read_text())
    if "--support" in argv:
        return _support(report, directory, "--write" in argv)
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


def _support(report: dict, directory: Path, write: bool) -> int:
    """Fit the support check on the report's answers; with `write`, store it in `directory`."""
    answers = answered(report)
    if not any(right for _, _, right, found in answers if found):
        print("the calibration run has no right answer the LLM scored (a chat model?); nothing was fitted", file=sys.stderr)
        return 1
    support = fit_support(answers, MAX_LOST)
    support = replace(support, info={"slice": "bench.rtqa calibration", "questions": report["n"], **support.info,
                                     "scorer": scorer_digest(directory)})
    doubted = [(right, found) for confidence, likelihood, right, found in answers
               if not support.backs(confidence, likelihood)]
    print(f"calibration slice: {report['n']} questions, {len(answers)} answers scored by the LLM; the support check "
          f"(bar {support.bar:.4f}) doubts {sum(r and f for r, f in doubted)} of {support.info['right_in_corpus']} "
          f"right answers in corpus and {sum(not r for r, _ in doubted)} of {sum(not r for _, _, r, _ in answers)} "
          "wrong ones")
    if write:
        support.save(directory / SUPPORT_FILE)
        print(f"written to {directory / SUPPORT_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
