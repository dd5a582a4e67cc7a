"""Multiple choice: each option is looked up with the question, and the option found in the
passage closest to the question wins."""

from collections.abc import Sequence

from ingest.chunk import split_sentences
from ingest.store import Hit

from .evidence import Evidence
from .metrics import contains
from .retrieve import Retriever
from .text import content_words

__all__ = ["score_choices"]

POOL = 10


def score_choices(question: str, choices: Sequence[str], retriever: Retriever) -> list[tuple[float, Evidence | None]]:
    """For each choice: the cosine between the question and the closest passage that holds the
    choice (found by searching for question and choice together), and that passage's sentence."""
    vector = retriever.embeddings.embed_query(question)
    scored = []
    for choice in choices:
        found = retriever.store.search(retriever.embeddings.embed_query(f"{question} {choice}"), POOL)
        holding = [h.chunk_id for h in found if contains(h.text, [choice])]
        best = max(retriever.store.hits(holding, vector), key=lambda h: h.score, default=None)
        scored.append((best.score, _sentence(best, question, choice)) if best else (0.0, None))
    return scored


def _sentence(hit: Hit, question: str, choice: str) -> Evidence:
    """The sentence of the passage that holds the choice (the one most about the question)."""
    asked = content_words(question)
    sentences = [s for p in hit.text.split("\n") for s in split_sentences(p) if contains(s, [choice])] or [hit.text]
    best = max(sentences, key=lambda s: len(asked & content_words(s)))
    overlap = len(asked & content_words(best)) / len(asked) if asked else 0.0
    return Evidence(best, hit, overlap, overlap + hit.score)
