"""Vector arithmetic for embeddings, in NumPy: cosines against a query, and the mean direction of an article."""

from collections.abc import Sequence

import numpy as np

__all__ = ["cosines", "unit_mean"]


def cosines(query: Sequence[float], vectors: Sequence[Sequence[float]]) -> list[float]:
    """The cosine between `query` and each vector (0 for a zero vector).

    >>> cosines([1.0, 0.0], [[2.0, 0.0], [0.0, 3.0], [0.0, 0.0]])
    [1.0, 0.0, 0.0]
    """
    if len(vectors) == 0:
        return []
    matrix, wanted = np.asarray(vectors, dtype=np.float64), np.asarray(query, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1) * np.linalg.norm(wanted)
    return (matrix @ wanted / np.where(norms > 0, norms, 1.0)).tolist()


def unit_mean(rows: Sequence[Sequence[float]], size: int) -> list[float]:
    """The mean of the rows scaled to length 1 (zeros of `size` for no rows).

    >>> unit_mean([[1.0, 0.0], [0.0, 1.0]], 2), unit_mean([], 2)
    ([0.7071067811865475, 0.7071067811865475], [0.0, 0.0])
    """
    if len(rows) == 0:
        return [0.0] * size
    mean = np.asarray(rows, dtype=np.float64).mean(axis=0)
    return (mean / (np.linalg.norm(mean) or 1.0)).tolist()
