"""The LLM as judge of what to answer: the answer scorer's best few candidates that pass the checks on what was
asked, re-ordered by how likely the LLM finds each as the completion of its answer prompt, plus a learned weight
times the scorer's log-odds. Whether to answer stays the scorer's call (its threshold); which of its best spans
to answer with becomes the judge's (the draft's own words still replace a span that is not a number when a
sentence about the question holds them: `rag.qa.shown`).

The 270M model's greedy draft is one guess; scoring each candidate is a choice among spans that are all in the
articles. On 251 cross-fitted rtqa-train questions whose answer is in the articles, the scorer's best span was
right for 93 and the LLM's likeliest of the top 8 for 103 (20 questions only it got right, 9 only the scorer).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .candidates import Candidate, display_text

__all__ = ["CANDIDATES", "WEIGHTS", "Judge", "Judging", "continuation", "fit_judge"]

# What `fit_judge` tries: how many of the scorer's best candidates the LLM sees, and the weight of the
# scorer's log-odds beside the LLM's log-likelihood (0: the LLM alone).
CANDIDATES = (2, 4, 6, 8)
WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0)


def continuation(candidate: Candidate) -> str:
    """What the LLM is asked to find likely after the answer prompt: the span as it would write it, one line."""
    return " " + " ".join(display_text(candidate).split()) + "\n"


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
            judged = -math.inf if tokens is None else sum(tokens) + self.weight * _log_odds(probabilities[index])
            return judged, -index

        return max(range(min(len(probabilities), len(logprobs))), key=value)

    def as_dict(self) -> dict:
        return {"candidates": self.candidates, "weight": self.weight}


@dataclass(frozen=True)
class Judging:
    """One training question's judged candidates: the scorer's probabilities (cross-fitted), the LLM's
    log-probabilities, and whether the answer newsqa would show for each is an accepted answer."""

    probabilities: list[float]
    logprobs: list[list[float] | None]
    right: list[bool]
    in_corpus: bool
    reachable: bool = False  # some candidate of the question, judged or not, is right

    def answered_right(self, judge: "Judge | None") -> bool:
        """Whether the answer shown for the candidate `judge` chooses (None: the best-scored one) is right."""
        if not self.right:
            return False
        if judge is None:
            return self.right[0]
        return self.right[judge.choose(self.probabilities[:judge.candidates], self.logprobs[:judge.candidates])]


def fit_judge(questions: Sequence[Judging]) -> tuple[Judge | None, dict]:
    """The judge whose setting, averaged with its neighbours on the grid of CANDIDATES by WEIGHTS, answers the
    most in-corpus questions right (ties: fewer candidates, then more weight on the scorer), and what each tried
    judge scored; None when that judge does not beat the scorer's own best span. Three retrains picked weights
    0.0, 0.5 and 2.0 by the best single cell, each a question or two above its neighbours; the neighbourhood
    prefers the middle of a flat top to its noisiest corner.

    >>> likes_second = Judging([0.6, 0.3], [[-5.0], [-0.1]], [False, True], True)
    >>> fit_judge([likes_second] * 3)[0]
    Judge(candidates=2, weight=2.0)
    >>> fit_judge([Judging([0.6, 0.3], [[-5.0], [-0.1]], [True, False], True)])[0] is None
    True
    """
    asked = [q for q in questions if q.in_corpus and q.right]  # with the answer in the articles and a candidate
    scorer = sum(q.answered_right(None) for q in asked)
    counts, weights = list(CANDIDATES), sorted(WEIGHTS)
    right = {(c, w): sum(q.answered_right(Judge(c, w)) for q in asked) for c in counts for w in weights}

    def neighbourhood(i: int, j: int) -> float:  # grid positions: i in counts, j in weights
        cells = [(i, j), (i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)]
        inside = [right[counts[a], weights[b]] for a, b in cells if 0 <= a < len(counts) and 0 <= b < len(weights)]
        return sum(inside) / len(inside)

    i, j = max(((i, j) for i in range(len(counts)) for j in range(len(weights))),
               key=lambda cell: (neighbourhood(*cell), -cell[0], cell[1]))
    chosen = right[counts[i], weights[j]]
    best = Judge(counts[i], weights[j]) if chosen > scorer else None
    tried = {f"top {c}, weight {w}": right[c, w] for c in counts for w in reversed(weights)}
    return best, {"questions": len(asked), "scorer_right": scorer, "judge_right": max(chosen, scorer),
                  "chosen_by": "mean of the setting and its grid neighbours", "tried": tried}


def _log_odds(probability: float) -> float:
    p = min(max(probability, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))
