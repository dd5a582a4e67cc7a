"""Logistic regression trained with scikit-learn, kept as JSON and evaluated with NumPy: the other
kind of learned model beside the trees of rag/gbm.py, with the same `raw`/`probability`/`save` face.

Used where the data says a straight line does better than trees: multiple choice, whose ~500
training questions are few for trees and whose features are mostly each option against the best.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Linear"]


@dataclass(frozen=True)
class Linear:
    """A binary classifier: raw score = bias + sum of weight * (feature - mean) / scale."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    @classmethod
    def fit(cls, rows: Sequence[Sequence[float]], labels: Sequence[int], features: Sequence[str], *,
            strength: float = 0.1) -> "Linear":
        """Train on feature rows and 0/1 labels, each feature standardized; `strength` is the inverse
        of the L2 penalty (scikit-learn's C): smaller keeps the weights closer to zero."""
        from sklearn.linear_model import LogisticRegression

        x, y = np.asarray(rows, dtype=np.float64), np.asarray(labels, dtype=np.int64)
        if x.ndim != 2 or x.shape[1] != len(features):
            raise ValueError(f"rows must have {len(features)} columns, got shape {x.shape}")
        if len(set(y.tolist())) != 2:
            raise ValueError("labels must contain both classes")
        mean, scale = np.asarray(_rounded(x.mean(axis=0))), np.asarray(_rounded(x.std(axis=0)))
        # A constant feature (its spread 0, or 1e-17 from rounding) is scaled by 1, not divided by ~0: weight ~0.
        scale = np.where(scale > _TINY, scale, 1.0)
        model = LogisticRegression(C=strength, max_iter=5000).fit((x - mean) / scale, y)
        return cls(tuple(features), tuple(mean.tolist()), tuple(scale.tolist()), _rounded(model.coef_[0]),
                   round(float(model.intercept_[0]), 8))

    def raw(self, rows) -> np.ndarray:
        """Raw scores (log-odds) of feature rows."""
        x = np.asarray(rows, dtype=np.float64).reshape(-1, len(self.features))
        return self.bias + ((x - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.weights)

    def probability(self, rows) -> np.ndarray:
        """P(label 1) of feature rows."""
        return 1.0 / (1.0 + np.exp(-self.raw(rows)))

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

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), separators=(",", ":")))


_TINY = 1e-9


def _rounded(values) -> tuple[float, ...]:
    return tuple(round(float(v), 8) for v in values)
