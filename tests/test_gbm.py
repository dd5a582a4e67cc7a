"""The JSON tree models, all trees walked at once: scored exactly as scikit-learn scores them."""

import numpy as np

from rag.learned.trees import Trees
from rag.training.estimators import trees_of

FEATURES = ("a", "b", "c")


def data(n: int = 400, seed: int = 3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] ** 2 - x[:, 2] * x[:, 0] + rng.normal(scale=0.5, size=n) > 0.4).astype(int)
    return x, y


def test_packed_trees_score_like_scikit_learn():
    from sklearn.ensemble import GradientBoostingClassifier

    x, y = data()
    model = GradientBoostingClassifier(n_estimators=40, max_depth=3, learning_rate=0.1, random_state=0).fit(x, y)
    trees = trees_of(model, FEATURES)
    probe = data(n=300, seed=9)[0]
    # thresholds are kept to 6 decimals in JSON, so a row exactly on a split could differ: none is here
    assert np.allclose(trees.raw(probe), model.decision_function(probe), atol=1e-5)
    assert np.allclose(trees.probability(probe), model.predict_proba(probe)[:, 1], atol=1e-5)


def test_trees_of_uneven_depth_and_a_stump_only_model():
    stump = {"left": [1, -1, -1], "right": [2, -1, -1], "feature": [0, -2, -2], "threshold": [0.5, -2, -2],
             "value": [0.0, -1.0, 1.0]}
    deeper = {"left": [1, -1, 3, -1, -1], "right": [2, -1, 4, -1, -1], "feature": [1, -2, 2, -2, -2],
              "threshold": [0.0, -2, 1.0, -2, -2], "value": [0.0, 10.0, 0.0, 20.0, 30.0]}
    model = Trees(FEATURES, 0.0, 1.0, (stump, deeper))
    rows = [[0.0, -1.0, 0.0], [1.0, 1.0, 0.0], [1.0, 1.0, 2.0]]
    assert model.raw(rows).tolist() == [-1.0 + 10.0, 1.0 + 20.0, 1.0 + 30.0]
    assert Trees(FEATURES, 0.0, 1.0, (stump,)).raw(rows).tolist() == [-1.0, 1.0, 1.0]
    assert model.raw(np.zeros((0, 3))).tolist() == []
