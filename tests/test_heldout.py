"""The held-out slice of bench/heldout.py: periods that no training run of the README's command sees."""

import subprocess
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from bench.heldout import CALIBRATION_PERIODS, EXTRA_PERIODS, calibration_periods, held_out_periods
from rag.training.periods import TrainConfig, choose_periods, tree_periods


@dataclass
class Period:
    name: str
    start: date
    article_ids: set = field(default_factory=set)


def test_held_out_periods_are_in_no_training_run_and_the_same_every_time():
    periods = [Period(f"p{i:02d}", date(2022, 1, 6) + timedelta(weeks=4 * i), {f"a{i}-{j}" for j in range(500)})
               for i in range(40)]

    def config(budget: int) -> TrainConfig:
        return TrainConfig(max_articles=budget)
    h, b = held_out_periods(periods, config)
    sizes = {p.name: len(p.article_ids) for p in periods}
    runs = [choose_periods(periods, sizes, config(budget)) for budget in (4000, 8000)]
    trained = {p.name for training, _ in runs for p in training}
    validated = {p.name for _, validation in runs for p in validation}
    assert h and not set(h) & trained and set(h) <= validated  # the larger run's validation, never trained on
    assert len(b) == EXTRA_PERIODS and not set(b) & (trained | validated | set(h))
    assert held_out_periods(periods, config) == (h, b)


def test_the_calibration_slice_shares_no_period_with_a_tree_run_or_the_held_out_slice():
    periods = [Period(f"p{i:02d}", date(2022, 1, 6) + timedelta(weeks=4 * i), {f"a{i}-{j}" for j in range(500)})
               for i in range(40)]

    def config(budget: int) -> TrainConfig:
        return TrainConfig(max_articles=budget)
    chosen = calibration_periods(periods, config)
    h, b = held_out_periods(periods, config)
    assert len(chosen) == CALIBRATION_PERIODS and len(set(chosen)) == CALIBRATION_PERIODS
    assert not set(chosen) & (tree_periods(periods, config) | set(h) | set(b))
    assert calibration_periods(periods, config) == chosen


def test_calibration_counts_only_right_answers_to_questions_whose_answer_is_in_the_articles():
    from bench.calibrate import right_confidences
    from rag.training.fit import calibrated_threshold

    def row(inside, abstained, contains, confidence):
        return {"fields": {"answer_in_results": inside}, "abstained": abstained, "contains": contains,
                "confidence": confidence}
    report = {"per_question": [row(True, False, 1.0, 0.6), row(True, False, 1.0, 0.02), row(True, False, 0.0, 0.01),
                               row(False, False, 0.0, 0.5), row(True, True, 0.0, 0.003), row(True, False, 1.0, None)]}
    right = right_confidences(report)
    assert right == [0.6, 0.02]  # a wrong answer, one not in the articles, a declined one and an explanation: none
    assert calibrated_threshold(right, 0.05, floor=0.0043) == 0.02  # 5% of two loses none: the least sure one is the bar


def test_the_support_check_is_fitted_on_the_calibration_answers_the_llm_scored_and_keeps_the_right_share():
    from bench.calibrate import answered
    from rag.training.fit import fit_support

    def row(inside, abstained, contains, confidence, likelihood):
        return {"fields": {"answer_in_results": inside}, "abstained": abstained, "contains": contains,
                "confidence": confidence, "likelihood": likelihood}
    rows = [row(True, False, 1.0, 0.6, -0.4), row(True, False, 1.0, 0.03, -0.8), row(True, False, 0.0, 0.02, -3.0),
            row(False, False, 0.0, 0.04, -2.5), row(True, False, 0.0, 0.5, -2.0)] * 8
    report = {"per_question": rows + [row(True, True, 0.0, 0.003, None), row(True, False, 1.0, None, None),
                                      row(True, False, 1.0, 0.7, None)]}
    answers = answered(report)
    assert len(answers) == 40  # declined, explanations and answers the LLM did not score: none
    support = fit_support(answers, max_lost=0.0)
    assert support.backs(0.6, -0.4) and support.backs(0.03, -0.8)  # every right answer in corpus kept (max_lost 0)
    assert not support.backs(0.02, -3.0) and not support.backs(0.04, -2.5)  # as unsure, and the LLM doubts them
    assert support.info["right_in_corpus"] == 16 and support.info["answers"] == 40


def test_calibration_answers_without_the_support_check_so_it_sees_the_answers_the_check_would_decline(monkeypatch, tmp_path):
    from bench import calibrate
    from rag.learned.models import DEFAULT_DIR, SUPPORT_FILE

    seen = {}

    def run(command, cwd, env, check):
        models = Path(env["NEWSQA_LEARNED_MODELS"])
        seen.update(models=models, files={p.name for p in models.iterdir()}, env=env)
        return subprocess.CompletedProcess(command, 3)
    monkeypatch.setattr(calibrate.subprocess, "run", run)
    monkeypatch.setattr(calibrate, "REPORT", tmp_path / "report.json")  # the run's report is removed first
    monkeypatch.setenv("NEWSQA_STRICT", "1")
    assert (DEFAULT_DIR / SUPPORT_FILE).exists()  # the shipped models carry one
    assert calibrate.main(["--support"]) == 3  # the run failed: nothing fitted, its exit code
    assert SUPPORT_FILE not in seen["files"] and "models.json" in seen["files"] and seen["models"] != DEFAULT_DIR
    assert "NEWSQA_STRICT" not in seen["env"] and not seen["models"].exists()  # defaults only; the copy is gone
