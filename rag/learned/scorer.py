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

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), separators=(",", ":")))

    @classmethod
    def load(cls, path: Path):
        return cls.from_dict(json.loads(Path(path).read_text()))
