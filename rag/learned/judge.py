"""The LLM as judge of what to answer: the answer scorer's best few candidates that pass the checks on what was
asked, re-ordered by how likely the LLM finds each as the completion of its answer prompt, plus a learned weight
times the scorer's log-odds. Whether to answer stays the scorer's call (its threshold, then the support check of
rag/learned/support.py); which of its best spans to answer with becomes the judge's (the draft's own words still
replace a span that is not a number when a sentence about the question holds them: `rag.qa.shown`).

The 270M model's greedy draft is one guess; scoring each candidate is a choice among spans that are all in the
articles. On 251 cross-fitted rtqa-train questions whose answer is in the articles, the scorer's best span was
right for 93 and the LLM's likeliest of the top 8 for 103 (20 questions only it got right, 9 only the scorer).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Judge", "log_odds"]


@dataclass(frozen=True)
class Judge:
    """How many of the scorer's best candidates the LLM judges, and how much the scorer's own odds count."""

    candidates: int
    weight: float

    def choose(self, probabilities: Sequence[float], logprobs: Sequence[Sequence[float] | None]) -> int:
        """The index of the judged candidate to answer with, given the scorer's probabilities and the LLM's token
        log-probabilities of each: the highest log-likelihood plus `weight` times the scorer's log-odds (one the
        LLM could not score comes after the others, in the scorer's order).

        >>> Judge(2, 0.5).choose([0.4, 0.3], [[-6.0, -2.0], [-0.5, -0.4]]), Judge(2, 100.0).choose([0.4, 0.3], [[-6.0], [-0.5]])
        (1, 0)
        >>> Judge(2, 0.5).choose([0.4, 0.3], [None, None])
        0
        """
        def value(index: int) -> tuple[float, int]:
            tokens = logprobs[index]
            judged = -math.inf if tokens is None else sum(tokens) + self.weight * log_odds(probabilities[index])
            return judged, -index

        return max(range(min(len(probabilities), len(logprobs))), key=value)

    def as_dict(self) -> dict:
        return {"candidates": self.candidates, "weight": self.weight}


def log_odds(probability: float) -> float:
    """A probability as log-odds, kept finite at 0 and 1.

    >>> log_odds(0.5), round(log_odds(0.9), 3), round(log_odds(1.0), 1)
    (0.0, 2.197, 13.8)
    """
    p = min(max(probability, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))
