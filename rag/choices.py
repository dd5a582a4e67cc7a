"""Multiple choice: score each option by how well the evidence sentences support it."""

from collections.abc import Sequence

from .evidence import Evidence
from .text import content_words, normalise_answer, numbers_in

__all__ = ["score_choices"]


def score_choices(question: str, choices: Sequence[str], evidence: Sequence[Evidence]) -> list[tuple[float, Evidence | None]]:
    """For each choice, its best score and the sentence that gives it.

    A sentence supports a choice by holding its words (all its numbers, and as many of its other
    content words as possible, more so as a whole phrase), weighted by how much the sentence is
    about the question. Words every choice shares carry no signal and are ignored.
    """
    asked = content_words(question)
    words = [content_words(c) - asked for c in choices]
    shared = set.intersection(*words) if words else set()
    scored = []
    for choice, own in zip(choices, words):
        own = own - shared or content_words(choice)
        best: tuple[float, Evidence | None] = (0.0, None)
        for item in evidence:
            score = _support(choice, own, item)
            if score > best[0]:
                best = (score, item)
        scored.append(best)
    return scored


def _support(choice: str, own: set[str], item: Evidence) -> float:
    numbers = set(numbers_in(choice))
    if numbers and not numbers <= set(numbers_in(item.text)):
        return 0.0
    if not own:
        return 0.0
    coverage = len(own & content_words(item.text)) / len(own)
    if coverage == 0:
        return 0.0
    phrase = normalise_answer(choice)
    whole = 0.5 if phrase and f" {phrase} " in f" {normalise_answer(item.text)} " else 0.0
    return (coverage + whole) * (0.5 + item.overlap + 0.5 * item.hit.score)
