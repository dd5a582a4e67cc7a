import pytest

from rag.evaluate.metrics import contains, exact_match, f1, first_rank, normalised_numbers, numeric_match, percentile
from rag.text import normalise_answer


@pytest.mark.parametrize(
    "raw, normalised",
    [
        # The cases of SQuAD's official evaluate-v1.1 normalize_answer.
        ("The Cat", "cat"),
        ("a cat, an owl and the dog!", "cat owl and dog"),
        ("  Denver   Broncos ", "denver broncos"),
        ("Broncos'", "broncos"),
        ("the theory", "theory"),  # articles only as whole words
        ("5,000", "5000"),
        ("“Curly” ‘quotes’ — and … dashes", "curly quotes and dashes"),
        ("", ""),
    ],
)
def test_squad_normalisation(raw, normalised):
    assert normalise_answer(raw) == normalised


def test_exact_match_takes_the_best_gold():
    assert exact_match("Denver Broncos", ["Broncos", "Denver Broncos"]) == 1.0
    assert exact_match("Denver", ["Denver Broncos"]) == 0.0
    assert exact_match("anything", []) == 0.0


def test_f1_by_hand():
    # prediction "denver broncos win", gold "denver broncos": precision 2/3, recall 1 -> 0.8
    assert f1("Denver Broncos win", ["the Denver Broncos"]) == pytest.approx(0.8)
    assert f1("Carolina", ["Denver Broncos"]) == 0.0
    assert f1("", ["Denver"]) == 0.0
    assert f1("", [""]) == 1.0
    assert f1("x", []) == 0.0


def test_contains_needs_whole_words():
    assert contains("They recaptured around 104 militants.", ["104"]) == 1.0
    assert contains("About 1040 people", ["104"]) == 0.0
    assert contains("Coast Guard crews were sent", ["Coast Guard crews"]) == 1.0
    assert contains("Police", ["Coast Guard crews"]) == 0.0
    assert contains("anything", [""]) == 0.0
    assert contains("The “Port Arthur” harbour", ["Port Arthur"]) == 1.0
    assert contains("Talks in Genève ended", ["Geneve"]) == contains("Talks in Geneve ended", ["Genève"]) == 1.0


@pytest.mark.parametrize(
    "text, numbers",
    [
        ("5,000", {"5000"}), ("5000", {"5000"}), ("five thousand", {"5000"}), ("5 thousand", {"5000"}),
        ("twenty-one", {"21"}), ("one hundred and four", {"104"}), ("$4.2 million", {"4200000"}),
        ("seven Kurdish fighters and 28 attackers", {"7", "28"}), ("no numbers here", set()),
        ("3.5%", {"3.5"}), ("a lieutenant and 10 soldiers", {"10"}), ("a three-year term", {"3"}),
        ("a twenty-five-year-old driver", {"25"}), ("thirty-two miles, then ninety", {"32", "90"}),
        ("hundreds of people", set()),
    ],
)
def test_numbers_are_normalised(text, numbers):
    assert normalised_numbers(text) == numbers


def test_numeric_match():
    assert numeric_match("around five thousand", ["5,000"]) == 1.0
    assert numeric_match("104", ["more than 100", "104"]) == 1.0
    assert numeric_match("100", ["104"]) == 0.0
    assert numeric_match("Paris", ["France"]) is None
    assert numeric_match("", ["104"]) == 0.0


def test_first_rank_and_percentile():
    assert first_rank(["a", "b 104 c", "104"], ["104"]) == 2
    assert first_rank(["a"], ["104"]) is None
    assert percentile([], 50) is None
    assert percentile([3.0], 95) == 3.0
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50) == 5.5
