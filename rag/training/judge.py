"""Fitting the judge's setting (rag.learned.judge.Judge): how many of the scorer's best candidates the LLM judges,
and the weight of the scorer's log-odds, chosen on cross-fitted training questions."""

from collections.abc import Sequence
from dataclasses import dataclass

from rag.learned.judge import Judge

__all__ = ["CANDIDATES", "WEIGHTS", "Judging", "fit_judge"]

# What `fit_judge` tries: how many of the scorer's best candidates the LLM sees, and the weight of the
# scorer's log-odds beside the LLM's log-likelihood (0: the LLM alone).
CANDIDATES = (2, 4, 6, 8)
WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0)


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
