"""Word-level text helpers shared by the lexical index, retrieval, verification and evaluation."""

import re
import unicodedata

__all__ = ["STOPWORDS", "content_words", "stem", "words"]

STOPWORDS = frozenset(
    """a an the and or but if of at by for with about against between into through during before after
    above below to from up down in out on off over under again further then once here there when where
    why how all any both each few more most other some such no nor not only own same so than too very
    can will just should now is are was were be been being have has had having do does did doing would
    could might must shall may i me my we our you your he him his she her it its they them their what
    which who whom whose this that these those am as until while also says said say according many much
    tell me please week year day news article articles report reported""".split()
)
_WORD = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased word and number tokens.

    >>> words("Farhad Shami's SDF recaptured 5,000 (or 104) in al-Azim.")
    ['farhad', "shami's", 'sdf', 'recaptured', '5,000', 'or', '104', 'in', 'al-azim']
    """
    return [w.replace("’", "'") for w in _WORD.findall(unicodedata.normalize("NFKC", text).lower())]


def stem(word: str) -> str:
    """A light suffix stripper, enough to match "recaptured" with "recapture" and "prisoners" with "prisoner".

    >>> [stem(w) for w in ["recaptured", "recapture", "prisoners", "houses", "killing", "shami's", "runs"]]
    ['recaptur', 'recaptur', 'prisoner', 'hous', 'kill', 'shami', 'run']
    """
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in ("ing", "ies", "ed", "es", "s", "e"):
        shortest = 3 if suffix == "s" else 4
        if word.endswith(suffix) and len(word) - len(suffix) >= shortest and not word.endswith("ss"):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def content_words(text: str) -> set[str]:
    """Stemmed words that carry meaning (no stop words).

    >>> sorted(content_words("How many prisoners were recaptured this week?"))
    ['prisoner', 'recaptur']
    """
    return {stem(w) for w in words(text) if w not in STOPWORDS}
