"""What the learned scorers share: a probability from their raw log-odds, and their JSON file."""

import json
from pathlib import Path

import numpy as np

__all__ = ["Scorer"]


class Scorer:
    """A model that scores feature rows with log-odds (`raw`) and is written as a dict (`to_dict`/`from_dict`)."""

    def raw(self, rows) -> np.ndarray:
        raise NotImplementedError

    def to_dict(self) -> dict:
        raise NotImplementedError

    @classmethod
    def from_dict(cls, data: dict):
        raise NotImplementedError

    def probability(self, rows) -> np.ndarray:
        """P(label 1) of feature rows."""
        return 1.0 / (1.0 + np.exp(-self.raw(rows)))

    def own_columns(self, rows, names) -> list[list[float]]:
        """`rows` whose columns are `names`, cut to this model's features in its order: models trained before a
        feature was added keep scoring the rows of newer code. ValueError when a feature of the model is missing.

        >>> type("M", (Scorer,), {"features": ("b",)})().own_columns([[1.0, 2.0]], ("a", "b"))
        [[2.0]]
        """
        features = tuple(self.features)
        if features == tuple(names):
            return [list(row) for row in rows]
        missing = self.missing(names)
        if missing:
            raise ValueError(f"the model reads features this newsqa does not make: {missing}")
        at = [list(names).index(f) for f in features]
        return [[row[i] for i in at] for row in rows]

    def missing(self, names) -> list[str]:
        """The features this model reads that rows of `names` do not have (a model trained by a newer newsqa).

        >>> type("M", (Scorer,), {"features": ("a", "c")})().missing(("a", "b"))
        ['c']
        """
        return [f for f in self.features if f not in names]

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), separators=(",", ":")))

    @classmethod
    def load(cls, path: Path):
        return cls.from_dict(json.loads(Path(path).read_text()))
