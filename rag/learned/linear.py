"""Logistic regression (fitted by rag.training.estimators with scikit-learn), kept as JSON and evaluated with NumPy: the other
kind of learned model beside the trees of rag/learned/trees.py, with the same face (rag/learned/scorer.py).

Used where the data says a straight line does better than trees: multiple choice, whose ~500
training questions are few for trees and whose features are mostly each option against the best.
"""

from dataclasses import dataclass

import numpy as np

from rag.learned.scorer import Scorer

__all__ = ["Linear", "rounded"]


@dataclass(frozen=True)
class Linear(Scorer):
    """A binary classifier: raw score = bias + sum of weight * (feature - mean) / scale."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def raw(self, rows) -> np.ndarray:
        """Raw scores (log-odds) of feature rows."""
        x = np.asarray(rows, dtype=np.float64).reshape(-1, len(self.features))
        return self.bias + ((x - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.weights)

    def importance(self) -> dict[str, float]:
        """Each feature's share of the summed absolute (standardized) weights, largest first."""
        total = sum(abs(w) for w in self.weights) or 1.0
        shares = {name: round(100 * abs(w) / total, 1) for name, w in zip(self.features, self.weights)}
        return dict(sorted(shares.items(), key=lambda kv: -kv[1]))

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": list(self.mean), "scale": list(self.scale),
                "weights": list(self.weights), "bias": self.bias}

    @classmethod
    def from_dict(cls, data: dict) -> "Linear":
        try:
            model = cls(tuple(data["features"]), tuple(map(float, data["mean"])), tuple(map(float, data["scale"])),
                        tuple(map(float, data["weights"])), float(data["bias"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a linear model: {exc}") from exc
        if not len(model.features) == len(model.mean) == len(model.scale) == len(model.weights):
            raise ValueError("not a linear model: features, mean, scale and weights differ in length")
        numbers = (*model.mean, *model.scale, *model.weights, model.bias)
        if not all(np.isfinite(numbers)) or min(model.scale, default=1.0) <= 0:
            raise ValueError("not a linear model: a value is not finite or a scale is not positive")
        return model





def rounded(values) -> tuple[float, ...]:
    return tuple(round(float(v), 8) for v in values)
