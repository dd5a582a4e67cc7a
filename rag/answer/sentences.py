"""Which sentences of the retrieved passages answer a question: the features a learned sentence model reads.

`newsqa train` fits it on past news questions, where the sentence that holds the gold answer is a free label for
"the sentence that answers"; explanations ("why", "what happened", "summarize") then put first the sentences it
finds likeliest, instead of a hand-weighted mix of word overlap and embedding similarity.
"""

import re
from collections.abc import Sequence

from ingest.text import content_words
from rag.answer.candidates import answer_type
from rag.answer.evidence import Evidence
from rag.answer.shapes import DANGLING, REASON, SENTENCE_POOL, explanation_shape, question_kind
from rag.text import numbers_in

__all__ = ["SENTENCE_FEATURES", "SENTENCE_POOL", "sentence_rows"]

SENTENCE_FEATURES = (
    "overlap", "similarity", "score", "told", "relevance", "passage_rank", "chunk_ord", "position", "lead",
    "words", "numbers", "quoted", "dangling", "reason", "newest", "asks_number", "asks_date", "asks_person",
    "asks_place", "asks_name", "asks_why", "asks_how", "rank",
)
_TYPES = ("number", "date", "person", "place", "name")
_QUESTION_WORDS = {"why", "how", "what", "happen", "caus", "reason", "led", "explain", "describ", "summariz", "tell",
                   "who", "which", "when", "where", "mani", "much"}

def sentence_rows(question: str, evidence: Sequence[Evidence], names: frozenset[str] = frozenset()) -> list[list[float]]:
    """One row of SENTENCE_FEATURES per evidence sentence, given best first (`names`: the stems of the question's
    names, left out of the words it asks about).

    >>> from ingest.store import Hit
    >>> hit = Hit("a:0", "a", "The bridge closed because of cracks. It reopens in May.", 0.8, 0, "Bridge", None, None,
    ...           "2026-03-01", relevance=0.7)
    >>> rows = sentence_rows("Why did the bridge close?", [Evidence("The bridge closed because of cracks.", hit, 0.5, 1.0)])
    >>> dict(zip(SENTENCE_FEATURES, rows[0]))["reason"], dict(zip(SENTENCE_FEATURES, rows[0]))["lead"]
    (1.0, 1.0)
    """
    asked = content_words(question) - set(names) - _QUESTION_WORDS
    kind = answer_type(question)
    shape = explanation_shape(question) if question_kind(question) == "explanatory" else None
    why, how = shape == "why", shape == "how"
    ranks = {hit: rank for rank, hit in enumerate(dict.fromkeys(e.hit.chunk_id for e in evidence))}
    dates = sorted({e.hit.published or "" for e in evidence}, reverse=True)
    rows = []
    for rank, item in enumerate(evidence):
        said = content_words(item.text)
        position = max(0, item.hit.text.find(item.text))
        rows.append([
            item.overlap, item.similarity, item.score, len(asked & said) / len(asked) if asked else 0.0,
            item.hit.relevance if item.hit.relevance is not None else item.hit.score, float(ranks[item.hit.chunk_id]),
            float(item.hit.ord), position / max(1, len(item.hit.text)), float(item.hit.ord == 0 and position < 5),
            float(len(item.text.split())), float(len(numbers_in(item.text))), float(bool(re.search(r"[\"“”]", item.text))),
            float(bool(DANGLING.match(item.text))), float(bool(REASON.search(item.text))),
            float(dates.index(item.hit.published or "")) if item.hit.published else float(len(dates)),
            *(float(kind == t) for t in _TYPES), float(why), float(how), float(rank),
        ])
    return rows
