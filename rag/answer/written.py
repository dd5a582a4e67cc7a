"""A capable LLM writes the answer, and newsqa checks it: with an instruction-tuned model behind an
OpenAI-compatible server, the model answers in sentences that cite numbered passages ([1], [2]);
every sentence must cite a passage that holds its numbers, names and dates, or it is dropped. When no
sentence survives, the caller falls back to the extractive answer."""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.chunk import split_sentences, text_sentences
from ingest.store import Hit
from ingest.text import content_words
from rag.answer.citations import MARKER, unmarked
from rag.llm.prompts import NOT_IN_PASSAGES
from rag.text import MONTHS, numbers_in

__all__ = ["MAX_WRITTEN_TOKENS", "Written", "check_reply", "quote_for"]

MAX_WRITTEN_TOKENS = 300
_MONTHS = {m.lower() for m in MONTHS}
# Capitalised words that are not claims: sentence openers and function words a model capitalises.
_NOT_NAMES = {"the", "a", "an", "in", "on", "at", "according", "however", "but", "and", "it", "its", "they", "he", "she",
              "this", "that", "these", "those", "there", "as", "after", "before", "while", "when", "of", "for", "i"}


@dataclass(frozen=True)
class Written:
    """A checked sentence of the model's answer and the passages (0-based) it cites."""

    text: str
    passages: tuple[int, ...]


def check_reply(reply: str, passages: Sequence[Hit]) -> list[Written]:
    """The sentences of `reply` that cite a passage and whose every number, name and date occurs in the
    passages they cite; the others are dropped.

    >>> from ingest.store import Hit
    >>> p = [Hit("c1", "a1", "Rescuers pulled 12 survivors from the rubble in Izmir on Monday.", 0.5, 0, "Quake", None, None, None)]
    >>> [w.text for w in check_reply("Rescuers pulled 12 survivors out in Izmir [1]. Another 40 died in Ankara [1].", p)]
    ['Rescuers pulled 12 survivors out in Izmir']
    """
    if NOT_IN_PASSAGES.lower() in reply.lower()[:40]:
        return []
    # "A happened. [1] B happened. [2]": a citation after the full stop belongs to the sentence before it
    reply = re.sub(r"([.!?])\s*((?:\[[\d,\s]+\]\s*)+)", r" \2\1 ", " ".join(reply.split()))
    reply = re.sub(r"\[(\d{1,2}(?:\s*,\s*\d{1,2})+)\]", lambda m: "".join(f"[{n.strip()}]" for n in m.group(1).split(",")), reply)
    kept = []
    for sentence in split_sentences(reply):
        cited = tuple(dict.fromkeys(int(n) - 1 for n in MARKER.findall(sentence)))
        text = unmarked(sentence).strip().rstrip(".").strip()
        if not text or not cited or any(not 0 <= i < len(passages) for i in cited):
            continue
        source = " ".join(f"{passages[i].title} {passages[i].text}" for i in cited)
        if _claims_hold(text, source):
            kept.append(Written(text, cited))
    return kept


def quote_for(text: str, passage: Hit) -> str:
    """The sentence of the passage closest in words to a written sentence (what its citation quotes)."""
    said = content_words(text)
    sentences = text_sentences(passage.text) or [passage.text]
    return max(sentences, key=lambda s: len(said & content_words(s)))


def _claims_hold(text: str, source: str) -> bool:
    """Every number and every capitalised name or month of `text` occurs in `source` (the first word of
    the sentence is capitalised anyway: it is a claim only when the source writes it capitalised too, or
    it is a number word).

    >>> _claims_hold("Officials said 7 died in Hassakeh", "Authorities said 7 died in Hassakeh's prison.")
    True
    >>> _claims_hold("Seven died in May", "Seven died.")
    False
    """
    if not set(numbers_in(text)) <= set(numbers_in(source)):
        return False
    present = {_bare(w) for w in re.findall(r"[\w'’-]+", source)}
    for index, token in enumerate(re.findall(r"[\w'’-]+", text)):
        word = _bare(token)
        if not token[:1].isupper() or word in _NOT_NAMES or (index == 0 and word not in _MONTHS):
            continue
        if word not in present:
            return False
    return True


def _bare(word: str) -> str:
    return word.lower().removesuffix("'s").removesuffix("’s")

