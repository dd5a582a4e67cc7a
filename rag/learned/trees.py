"""Gradient-boosted trees (fitted by rag.training.estimators with scikit-learn), kept as JSON and evaluated with NumPy.

Shipped models are data, not code: a JSON file of trees loads without unpickling anything, and
answering a question needs no scikit-learn.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.learned.scorer import Scorer

__all__ = ["Trees"]


@dataclass(frozen=True)
class Trees(Scorer):
    """A binary classifier: raw score = base + rate * sum of tree outputs; probability = sigmoid(raw)."""

    features: tuple[str, ...]
    base: float
    rate: float
    trees: tuple[dict, ...]  # each: left, right, feature, threshold, value (parallel lists; leaf: left == -1)

    def raw(self, rows) -> np.ndarray:
        """Raw scores (log-odds) of feature rows."""
        x = np.asarray(rows, dtype=np.float64).reshape(-1, len(self.features))
        if not self.trees:
            return np.full(len(x), self.base)
        packed = self._packed
        return self.base + self.rate * np.concatenate(
            [_leaf_values(packed, x[i:i + _BLOCK]).sum(axis=1) for i in range(0, len(x), _BLOCK)] or [np.zeros(0)])

    @property
    def _packed(self) -> "_Packed":
        cached = self.__dict__.get("_cached_pack")
        if cached is None:
            cached = _Packed.of(self.trees)
            object.__setattr__(self, "_cached_pack", cached)
        return cached

    def to_dict(self) -> dict:
        return {"features": list(self.features), "base": self.base, "rate": self.rate, "trees": list(self.trees)}

    @classmethod
    def from_dict(cls, data: dict) -> "Trees":
        try:
            return cls(tuple(data["features"]), float(data["base"]), float(data["rate"]), tuple(data["trees"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a tree model: {exc}") from exc



_BLOCK = 2048  # rows walked at once: bounds the (rows x trees) work arrays


@dataclass(frozen=True)
class _Packed:
    """All trees as (trees x nodes) arrays, leaves pointing at themselves: every tree is walked at once,
    one step per level, instead of one tree at a time."""

    left: np.ndarray
    right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    value: np.ndarray
    depth: int

    @classmethod
    def of(cls, trees: Sequence[dict]) -> "_Packed":
        width = max(len(t["left"]) for t in trees)
        shape = (len(trees), width)
        own = np.broadcast_to(np.arange(width), shape)
        left, right = own.copy(), own.copy()
        feature, threshold, value = np.zeros(shape, np.int64), np.zeros(shape), np.zeros(shape)
        depth = 0
        for i, tree in enumerate(trees):
            n = len(tree["left"])
            inner = np.asarray(tree["left"]) != -1
            left[i, :n] = np.where(inner, tree["left"], np.arange(n))
            right[i, :n] = np.where(inner, tree["right"], np.arange(n))
            feature[i, :n] = np.where(inner, tree["feature"], 0)
            threshold[i, :n] = tree["threshold"]
            value[i, :n] = tree["value"]
            depth = max(depth, _depth(tree))
        return cls(left, right, feature, threshold, value, depth)


def _depth(tree: dict) -> int:
    """Levels of inner nodes on the longest path from the root."""
    levels, frontier = 0, [0]
    while True:
        frontier = [c for node in frontier if tree["left"][node] != -1 for c in (tree["left"][node], tree["right"][node])]
        if not frontier:
            return levels
        levels += 1


def _leaf_values(packed: _Packed, x: np.ndarray) -> np.ndarray:
    """(rows x trees): each row's leaf value in each tree."""
    tree = np.arange(packed.left.shape[0])[None, :]
    node = np.zeros((len(x), packed.left.shape[0]), dtype=np.int64)
    row = np.arange(len(x))[:, None]
    for _ in range(packed.depth):
        goes_left = x[row, packed.feature[tree, node]] <= packed.threshold[tree, node]
        node = np.where(goes_left, packed.left[tree, node], packed.right[tree, node])
    return packed.value[tree, node]
