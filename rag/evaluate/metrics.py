"""Answer metrics: SQuAD's exact match and F1, whole-word containment, numbers, retrieval ranks."""

from collections import Counter
from collections.abc import Sequence

from rag.text import contains, digits, normalise_answer, number_runs  # contains: re-exported for the metrics' users

__all__ = [
    "contains",
    "exact_match",
    "f1",
    "first_rank",
    "normalised_numbers",
    "numeric_match",
    "percentile",
]


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals a normalised gold answer.

    >>> exact_match("The Associated Press.", ["Associated Press", "AP"])
    1.0
    """
    return float(any(normalise_answer(prediction) == normalise_answer(g) for g in golds))


def f1(prediction: str, golds: Sequence[str]) -> float:
    """SQuAD's token F1, best over the gold answers.

    >>> round(f1("around 104 militants", ["104", "around 104"]), 3)
    0.8
    """
    return max((_f1(prediction, g) for g in golds), default=0.0)


def _f1(prediction: str, gold: str) -> float:
    predicted, wanted = normalise_answer(prediction).split(), normalise_answer(gold).split()
    if not predicted or not wanted:
        return float(predicted == wanted)
    common = sum((Counter(predicted) & Counter(wanted)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(wanted)
    return 2 * precision * recall / (precision + recall)


def normalised_numbers(text: str) -> set[str]:
    """Every number in the text, as digits: "5,000", "5000", "five thousand" and "5 thousand" agree.

    >>> sorted(normalised_numbers("five thousand, 5,000 and 1.5 million; twenty-one of 104"))
    ['104', '1500000', '21', '5000']
    """
    return {digits(value) for _, _, value, _ in number_runs(text)}


def numeric_match(prediction: str, golds: Sequence[str]) -> float | None:
    """Whether the prediction holds a number of the gold answers; None when the golds hold none.

    >>> numeric_match("about five thousand", ["5,000"]), numeric_match("Paris", ["France"])
    (1.0, None)
    """
    wanted = set().union(*(normalised_numbers(g) for g in golds)) if golds else set()
    if not wanted:
        return None
    return float(bool(wanted & normalised_numbers(prediction)))


def first_rank(texts: Sequence[str], golds: Sequence[str]) -> int | None:
    """1-based rank of the first text that contains a gold answer, or None.

    >>> first_rank(["no", "yes: 104 caught"], ["104"])
    2
    """
    for rank, text in enumerate(texts, start=1):
        if contains(text, golds):
            return rank
    return None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation, None for no values.

    >>> percentile([1, 2, 3, 4], 50), percentile([1, 2, 3, 4], 95)
    (2.5, 3.85)
    """
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 6)
