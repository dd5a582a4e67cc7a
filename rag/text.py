"""Answer-level text helpers: numbers, SQuAD normalisation, whether a text holds an answer and how a sentence
writes it (the word helpers, stems and stopwords, live in ingest.text)."""

import re
import string
import unicodedata
from collections.abc import Sequence

__all__ = ["SCALES", "contains", "digits", "normalise_answer", "number_runs", "number_words_as_digits", "numbers_in",
           "trim_span", "written_as"]

_NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?(?![\w])")


def numbers_in(text: str) -> list[str]:
    """Numbers written with digits, without thousands separators.

    >>> numbers_in("about 5,000 inmates, 104 recaptured, 3.5% and 2022")
    ['5000', '104', '3.5', '2022']
    """
    return [m.group(0).replace(",", "") for m in _NUMBER.finditer(text)]


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation) | {"‘", "’", "“", "”", "–", "—", "…"}


def normalise_answer(text: str) -> str:
    """SQuAD's answer normalisation (lower case, no punctuation, no articles, single spaces), and no accents:
    the LLM and quiz answers often drop the ones an article writes.

    >>> normalise_answer("The  Associated Press!"), normalise_answer("Nestlé in São Paulo")
    ('associated press', 'nestle in sao paulo')
    """
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).lower())
    text = "".join(ch for ch in text if ch not in _PUNCTUATION and not unicodedata.combining(ch))
    return " ".join(_ARTICLES.sub(" ", text).split())


_EDGE = " ,.;:!?\"'“”‘’"
_BRACKETS = {"(": ")", "[": "]"}


def trim_span(text: str) -> str:
    """A span as an answer shows it: without the punctuation around it, and never with half a bracket
    (a closing one that ends it goes only when unmatched; an opening one never closed cuts it there).

    >>> trim_span("“Syrian Democratic Forces (SDF)”,"), trim_span("(SDF"), trim_span("Democratic Forces (SDF")
    ('Syrian Democratic Forces (SDF)', 'SDF', 'Democratic Forces')
    """
    while True:
        before = text
        text = text.strip(_EDGE)
        for opening, closing in _BRACKETS.items():
            if text.startswith(opening) and text.count(opening) > text.count(closing):
                text = text[1:]
            if text.endswith(closing) and text.count(closing) > text.count(opening):
                text = text[:-1]
            cut = text.rfind(opening)
            if cut >= 0 and closing not in text[cut:]:
                text = text[:cut]
        if text == before:
            return text


_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if i > 1}
SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 10**12}
# a number with digits, a word, a hyphen between words ("twenty-one", "three-year"), or other punctuation
_NUMBER_TOKEN = re.compile(r"\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[A-Za-z]+|(?<=[A-Za-z])-(?=[A-Za-z])|[^\w\s]")


def number_runs(text: str, scales: bool = True) -> list[tuple[int, int, float, bool]]:
    """Each number in the text, written in digits, words or both: (start, end, value, has words).
    The one reader of number words in newsqa (candidates, answer keys and the evaluation's numeric match use it);
    without `scales`, "thousand" and larger end a number instead of multiplying it.

    >>> text = "twenty-one of 104, five thousand, a three-year term and 1.5 million"
    >>> [(text[a:b], v) for a, b, v, _ in number_runs(text)]
    [('twenty-one', 21.0), ('104', 104.0), ('five thousand', 5000.0), ('three', 3.0), ('1.5 million', 1500000.0)]
    """
    runs: list[tuple[int, int, float, bool]] = []
    state = {"total": 0.0, "current": 0.0, "last": None, "start": 0, "end": 0, "words": False}
    known = {**_UNITS, **_TENS, **(SCALES if scales else {"hundred": 100})}

    def flush():
        if state["last"] is not None:
            runs.append((state["start"], state["end"], state["total"] + state["current"], state["words"]))
        state.update(total=0.0, current=0.0, last=None, words=False)

    for match in _NUMBER_TOKEN.finditer(text):
        token = match.group(0).lower()
        if token == "-" or (token == "and" and state["last"] in ("hundred", "scale")):  # "two hundred and five"
            continue
        if not token[0].isdigit() and token not in known:  # a word or punctuation that is not part of a number
            flush()
            continue
        if _read_number_part(token, state, flush, match.start()):
            state["end"] = match.end()
    flush()
    return runs


def _read_number_part(part: str, state: dict, flush, at: int) -> bool:
    """Fold one token into the number being read; False when it is not part of one."""
    last = state["last"]
    if part[0].isdigit():
        flush()
        state.update(current=float(part.replace(",", "")), last="digit", start=at)
        return True
    if part in _UNITS:
        if not (last in ("hundred", "scale") or (last == "tens" and _UNITS[part] < 10)):
            flush()
            state.update(start=at)
        state.update(current=state["current"] + _UNITS[part], last="unit", words=True)
    elif part in _TENS:
        if last not in ("hundred", "scale"):
            flush()
            state.update(start=at)
        state.update(current=state["current"] + _TENS[part], last="tens", words=True)
    elif last is None:  # a scale word alone ("hundreds of", "a million") is not a number here
        flush()
        return False
    elif part == "hundred":
        state.update(current=(state["current"] or 1) * 100, last="hundred", words=True)
    else:
        state.update(total=state["total"] + (state["current"] or 1) * SCALES[part], current=0.0, last="scale",
                     words=True)
    return True


_FRACTION = re.compile(r"-(?:halves|half|thirds?|quarters?|fifths?|tenths?)\b", re.I)


def number_words_as_digits(text: str) -> str:
    """The text with each number written in words given in digits; "thousand" and larger stay words.

    >>> number_words_as_digits("Four astronauts, twenty-one crew, a three-year term, two million people, one-third")
    '4 astronauts, 21 crew, a 3-year term, 2 million people, one-third'
    """
    pieces, at = [], 0
    for start, end, value, has_words in number_runs(text, scales=False):
        if has_words and not text[start].isdigit() and not _FRACTION.match(text, end):
            pieces += [text[at:start], digits(value)]
            at = end
    return "".join(pieces) + text[at:]


def digits(value: float) -> str:
    """A number as its shortest digits: 5000.0 -> "5000", 1.5 -> "1.5"."""
    return str(int(value)) if value == int(value) else f"{value:g}"


def contains(text: str, golds: Sequence[str]) -> float:
    """1.0 when a normalised gold answer occurs as whole words in the normalised text.

    >>> contains("They caught around 104 militants.", ["104"]), contains("1040 people", ["104"])
    (1.0, 0.0)
    """
    haystack = f" {normalise_answer(text)} "
    return float(any(normalise_answer(g) and f" {normalise_answer(g)} " in haystack for g in golds))


def written_as(sentence: str, said: str) -> str | None:
    """The words of `sentence` that normalise to `said`, as the sentence writes them.

    >>> written_as("Councillor Pat O’Neill chaired the vote.", normalise_answer("pat o'neill"))
    'Pat O’Neill'
    >>> written_as("The Islamic State group claimed it.", "islamic state group")
    'Islamic State group'
    >>> written_as("Ana Ruiz of the Harbour Workers Union (HWU) spoke.", "harbour workers union hwu")
    'Harbour Workers Union (HWU)'
    """
    tokens = list(re.finditer(r"\S+", sentence))
    size = len(said.split())
    for start in range(len(tokens)):
        if not normalise_answer(tokens[start].group()):  # "the", "a": the answer starts at its first word
            continue
        for end in range(start + 1, min(len(tokens), start + size + 2) + 1):
            if normalise_answer(" ".join(t.group() for t in tokens[start:end])) == said:
                return trim_span(sentence[tokens[start].start():tokens[end - 1].end()])
    return None
