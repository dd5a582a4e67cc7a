"""Fitting the learned models with scikit-learn: the one place that imports it. The fitted models are the JSON data
of rag.learned (Trees, Linear), which answering evaluates with NumPy alone."""

import math
from collections.abc import Sequence

import numpy as np

from rag.learned.linear import Linear, rounded
from rag.learned.trees import Trees

__all__ = ["fit_linear", "fit_trees", "trees_of"]

_TINY = 1e-9


def fit_trees(rows: Sequence[Sequence[float]], labels: Sequence[int], features: Sequence[str], *,
              trees: int = 300, depth: int = 3, rate: float = 0.05, seed: int = 0, weights=None) -> Trees:
    """Train on feature rows and 0/1 labels (scikit-learn's GradientBoostingClassifier)."""
    from sklearn.ensemble import GradientBoostingClassifier

    x, y = _checked(rows, labels, features)
    model = GradientBoostingClassifier(n_estimators=trees, max_depth=depth, learning_rate=rate,
                                       subsample=0.8, random_state=seed)
    model.fit(x, y, sample_weight=weights)
    return trees_of(model, features)


def trees_of(model, features: Sequence[str]) -> Trees:
    """The trees of a fitted binary GradientBoostingClassifier."""
    prior = float(model.init_.class_prior_[1])
    exported = []
    for estimator in model.estimators_[:, 0]:
        tree = estimator.tree_
        exported.append({
            "left": tree.children_left.tolist(), "right": tree.children_right.tolist(),
            "feature": tree.feature.tolist(), "threshold": [round(float(t), 6) for t in tree.threshold],
            "value": [round(float(v), 6) for v in tree.value[:, 0, 0]],
        })
    return Trees(tuple(features), math.log(prior / (1 - prior)), float(model.learning_rate), tuple(exported))


def fit_linear(rows: Sequence[Sequence[float]], labels: Sequence[int], features: Sequence[str], *,
               strength: float = 0.1) -> Linear:
    """Train a logistic regression on feature rows and 0/1 labels, each feature standardized; `strength` is the
    inverse of the L2 penalty (scikit-learn's C): smaller keeps the weights closer to zero."""
    from sklearn.linear_model import LogisticRegression

    x, y = _checked(rows, labels, features)
    mean, scale = np.asarray(rounded(x.mean(axis=0))), np.asarray(rounded(x.std(axis=0)))
    # A constant feature (its spread 0, or 1e-17 from rounding) is scaled by 1, not divided by ~0: weight ~0.
    scale = np.where(scale > _TINY, scale, 1.0)
    model = LogisticRegression(C=strength, max_iter=5000).fit((x - mean) / scale, y)
    return Linear(tuple(features), tuple(mean.tolist()), tuple(scale.tolist()), rounded(model.coef_[0]),
                  round(float(model.intercept_[0]), 8))


def _checked(rows, labels, features: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(rows, dtype=np.float64), np.asarray(labels, dtype=np.int64)
    if x.ndim != 2 or x.shape[1] != len(features):
        raise ValueError(f"rows must have {len(features)} columns, got shape {x.shape}")
    if len(set(y.tolist())) != 2:
        raise ValueError("labels must contain both classes")
    return x, y
