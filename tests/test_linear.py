"""The JSON logistic regression: scored as scikit-learn scores it, kept and loaded beside the trees."""

import json
from dataclasses import replace

import numpy as np
import pytest

from rag.learned.linear import Linear
from rag.learned.models import Models
from rag.training.estimators import fit_linear
from rag.training.fit import fit_choices

FEATURES = ("a", "b", "c")


def data(n: int = 400, seed: int = 3):
    rng = np.random.default_rng(seed)
    x = rng.normal(loc=[0.0, 5.0, -2.0], scale=[1.0, 3.0, 0.5], size=(n, 3))
    y = (x[:, 0] - 0.3 * x[:, 1] + rng.normal(scale=0.5, size=n) > -1.5).astype(int)
    return x, y


def test_linear_scores_like_scikit_learn_on_standardized_rows():
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x, y = data()
    model = fit_linear(x, y, FEATURES, strength=0.5)
    scaler = StandardScaler().fit(x)
    reference = LogisticRegression(C=0.5, max_iter=5000).fit(scaler.transform(x), y)
    probe = data(n=50, seed=9)[0]
    assert np.allclose(model.raw(probe), reference.decision_function(scaler.transform(probe)), atol=1e-5)
    assert np.allclose(model.probability(probe), reference.predict_proba(scaler.transform(probe))[:, 1], atol=1e-5)
    assert next(iter(model.importance())) == "a"  # the feature the labels follow most


def test_a_constant_feature_keeps_no_weight_and_bad_input_is_a_clear_error():
    x, y = data()
    x[:, 2] = 7.0
    model = fit_linear(x, y, FEATURES)
    assert model.scale[2] == 1.0 and model.weights[2] == 0.0 and np.isfinite(model.raw(x)).all()
    with pytest.raises(ValueError, match="3 columns"):
        fit_linear(x[:, :2], y, FEATURES)
    with pytest.raises(ValueError, match="both classes"):
        fit_linear(x, np.ones(len(x)), FEATURES)
    with pytest.raises(ValueError, match="differ in length"):
        Linear.from_dict({**model.to_dict(), "weights": [1.0]})


def test_a_linear_choice_model_is_saved_and_loaded_as_one(tmp_path):
    shipped = Models.load()
    rows = np.random.default_rng(0).normal(size=(40, len(shipped.choices.features)))
    linear = fit_linear(rows, [0, 1] * 20, shipped.choices.features)
    replace(shipped, choices=linear).save(tmp_path)
    loaded = Models.load(tmp_path)
    assert loaded.choices == linear and loaded.ranker.trees == shipped.ranker.trees
    assert np.allclose(loaded.choices.raw(rows), linear.raw(rows))


def test_multiple_choice_keeps_the_model_most_often_right_out_of_fold():
    # The right choice stands out on the first feature; the others are noise. The report says how
    # each model did out of fold and which was kept.
    rng = np.random.default_rng(1)
    def question():
        rows = rng.normal(size=(4, 20))
        right = int(rng.integers(4))
        rows[right, 0] += 3.0
        return rows.tolist(), [int(i == right) for i in range(4)]
    quizzes = [[question() for _ in range(40)] for _ in range(3)]
    _, report = fit_choices(quizzes)
    assert report["questions"] == 120 and set(report["accuracy_by_model"]) >= {"logistic regression", "trees 100 depth 1"}
    assert report["accuracy_by_model"][report["kept"]] == max(report["accuracy_by_model"].values()) >= 90
    assert next(iter(report["accuracy_of_single_features"])) == "top_relevance"  # the first column, as a rule


def test_a_feature_constant_at_an_inexact_value_scores_finite():
    x, y = data()
    x[:, 2] = 0.3  # its spread is ~1e-17, not 0
    model = fit_linear(x, y, FEATURES)
    assert model.scale[2] == 1.0 and abs(model.weights[2]) < 1e-6 and np.isfinite(model.raw(x)).all()
    with pytest.raises(ValueError, match="not positive"):
        Linear.from_dict({**model.to_dict(), "scale": [1.0, 0.0, 1.0]})


def test_an_unreadable_choice_model_is_a_clear_error_and_only_choices_may_be_linear(tmp_path):
    from newsqa.errors import ConfigError

    shipped = Models.load()
    shipped.save(tmp_path)
    (tmp_path / "choices.json").write_text('{"features": ["a"], "mean": [0], "scale": [1], "weights": ["x"], "bias": 0}')
    with pytest.raises(ConfigError, match="not a linear model"):
        Models.load(tmp_path)
    shipped.save(tmp_path)
    linear = fit_linear(*data(), FEATURES)
    linear.save(tmp_path / "ranker.json")
    with pytest.raises(ConfigError, match="not a tree model"):
        Models.load(tmp_path)


def test_the_support_check_goes_and_comes_with_its_answer_scorer_only(tmp_path):
    from newsqa.errors import ConfigError

    shipped = Models.load()
    assert shipped.support is not None  # rag/learned/support.json (bench/calibrate.py --support)
    shipped.save(tmp_path)
    assert Models.load(tmp_path).support == shipped.support
    replace(shipped, support=None).save(tmp_path)  # e.g. newsqa train --out into the same directory
    assert not (tmp_path / "support.json").exists() and Models.load(tmp_path).support is None
    retrained = replace(shipped.answers, base=shipped.answers.base + 0.1)  # another answer scorer
    replace(shipped, answers=retrained).save(tmp_path / "retrained")
    assert Models.load(tmp_path / "retrained").support is None  # a check fitted on the old one's confidences: not kept
    shipped.save(tmp_path)
    retrained.save(tmp_path / "answers.json")  # the scorer replaced by hand, the check left behind
    with pytest.raises(ConfigError, match="another answer scorer"):
        Models.load(tmp_path)
    foreign = {**shipped.support.to_dict(), "model": {**shipped.support.model.to_dict(), "features": ["a", "b"]}}
    shipped.save(tmp_path)
    (tmp_path / "support.json").write_text(json.dumps(foreign))
    with pytest.raises(ConfigError, match="support model"):
        Models.load(tmp_path)
