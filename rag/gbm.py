"""Gradient-boosted trees trained with scikit-learn, kept as JSON and evaluated with NumPy.

Shipped models are data, not code: a JSON file of trees loads without unpickling anything, and
answering a question needs no scikit-learn.
"""

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Trees"]


@dataclass(frozen=True)
class Trees:
    """A binary classifier: raw score = base + rate * sum of tree outputs; probability = sigmoid(raw)."""

    features: tuple[str, ...]
    base: float
    rate: float
    trees: tuple[dict, ...]  # each: left, right, feature, threshold, value (parallel lists; leaf: left == -1)

    @classmethod
    def fit(cls, rows: Sequence[Sequence[float]], labels: Sequence[int], features: Sequence[str], *,
            trees: int = 300, depth: int = 3, rate: float = 0.05, seed: int = 0, weights=None) -> "Trees":
        """Train on feature rows and 0/1 labels (scikit-learn's GradientBoostingClassifier)."""
        from sklearn.ensemble import GradientBoostingClassifier

        x, y = np.asarray(rows, dtype=np.float64), np.asarray(labels, dtype=np.int64)
        if x.ndim != 2 or x.shape[1] != len(features):
            raise ValueError(f"rows must have {len(features)} columns, got shape {x.shape}")
        if len(set(y.tolist())) != 2:
            raise ValueError("labels must contain both classes")
        model = GradientBoostingClassifier(n_estimators=trees, max_depth=depth, learning_rate=rate,
                                           subsample=0.8, random_state=seed)
        model.fit(x, y, sample_weight=weights)
        return cls.from_sklearn(model, features)

    @classmethod
    def from_sklearn(cls, model, features: Sequence[str]) -> "Trees":
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
        return cls(tuple(features), math.log(prior / (1 - prior)), float(model.learning_rate), tuple(exported))

    def raw(self, rows) -> np.ndarray:
        """Raw scores (log-odds) of feature rows."""
        x = np.asarray(rows, dtype=np.float64).reshape(-1, len(self.features))
        total = np.full(len(x), self.base)
        for tree in self._arrays:
            total += self.rate * _leaf_values(tree, x)
        return total

    def probability(self, rows) -> np.ndarray:
        """P(label 1) of feature rows."""
        return 1.0 / (1.0 + np.exp(-self.raw(rows)))

    @property
    def _arrays(self) -> list[tuple[np.ndarray, ...]]:
        cached = self.__dict__.get("_cached_arrays")
        if cached is None:
            cached = [(np.asarray(t["left"]), np.asarray(t["right"]), np.asarray(t["feature"]),
                       np.asarray(t["threshold"]), np.asarray(t["value"])) for t in self.trees]
            object.__setattr__(self, "_cached_arrays", cached)
        return cached

    def to_dict(self) -> dict:
        return {"features": list(self.features), "base": self.base, "rate": self.rate, "trees": list(self.trees)}

    @classmethod
    def from_dict(cls, data: dict) -> "Trees":
        try:
            return cls(tuple(data["features"]), float(data["base"]), float(data["rate"]), tuple(data["trees"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a tree model: {exc}") from exc

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), separators=(",", ":")))

    @classmethod
    def load(cls, path: Path) -> "Trees":
        return cls.from_dict(json.loads(Path(path).read_text()))


def _leaf_values(tree: tuple[np.ndarray, ...], x: np.ndarray) -> np.ndarray:
    """Each row's leaf value in one tree, all rows walked down together."""
    left, right, feature, threshold, value = tree
    node = np.zeros(len(x), dtype=np.int64)
    rows = np.arange(len(x))
    while True:
        inner = left[node] != -1
        if not inner.any():
            return value[node]
        at = node[inner]
        goes_left = x[rows[inner], feature[at]] <= threshold[at]
        node[inner] = np.where(goes_left, left[at], right[at])
