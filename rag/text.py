"""Answer-level text helpers: numbers and SQuAD normalisation (word helpers live in ingest.text)."""

import re
import string
import unicodedata

from ingest.text import STOPWORDS, content_words, stem, words

__all__ = ["STOPWORDS", "content_words", "normalise_answer", "numbers_in", "stem", "words"]

_NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?(?![\w])")


def numbers_in(text: str) -> list[str]:
    """Numbers written with digits, without thousands separators.

    >>> numbers_in("about 5,000 inmates, 104 recaptured, 3.5% and 2022")
    ['5000', '104', '3.5', '2022']
    """
    return [m.group(0).replace(",", "") for m in _NUMBER.finditer(text)]


_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation) | {"‘", "’", "“", "”", "–", "—", "…"}


def normalise_answer(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces.

    >>> normalise_answer("The  Associated Press!")
    'associated press'
    """
    text = "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())
