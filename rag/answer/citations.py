"""The sources of an answer: one citation per article, quoting the sentence that supports it, and the numbers
[n] an explanation's sentences carry to them."""

import re
from collections.abc import Iterable, Sequence

from rag.answer.evidence import Evidence
from rag.types import Citation

__all__ = ["MARKER", "MAX_CITATIONS", "citations", "marked", "numbered", "unmarked"]

MAX_CITATIONS = 3
MARKER = re.compile(r"\s*\[(\d{1,2})\]")  # " [n]" as `marked` writes it; the group is n


def citations(support: list[Evidence], limit: int | None = MAX_CITATIONS) -> tuple[Citation, ...]:
    """One citation per article (its best supporting sentence), in the order of `support`."""
    found, seen = [], set()
    for item in support:
        if item.hit.article_id in seen:
            continue
        seen.add(item.hit.article_id)
        found.append(Citation.of(item.hit, item.text))
    return tuple(found[:limit])


def marked(text: str, numbers: Iterable[int]) -> str:
    """A sentence of an answer followed by the numbers of the citations that hold it (each once, as given): the one
    way an answer's text points at its `citations` (API callers read the numbers as indexes into them, from 1).

    >>> marked("The bridge reopened.", [2, 1, 2])
    'The bridge reopened. [2] [1]'
    """
    return text + "".join(f" [{n}]" for n in dict.fromkeys(numbers))


def unmarked(text: str) -> str:
    """The text without its citation markers.

    >>> unmarked("The bridge reopened. [2] [1] It was shut in May. [1]")
    'The bridge reopened. It was shut in May.'
    """
    return MARKER.sub("", text)


def numbered(chosen: Sequence[Evidence]) -> tuple[str, tuple[Citation, ...]]:
    """Sentences as one text, each followed by the number of its article's citation, and those citations (every
    sentence's article is a source)."""
    cited = citations(list(chosen), limit=None)
    number = {c.article_id: n for n, c in enumerate(cited, start=1)}
    return " ".join(marked(item.text, [number[item.hit.article_id]]) for item in chosen), cited
