"""Multiple choice: each option becomes a row of CHOICE_FEATURES (where the ranked passages mention
it, how close a passage holding it is to the question, how likely the answer scorer finds it),
each also relative to the best option; a model trained on past quiz questions scores the rows."""

import math
from collections.abc import Sequence

from ingest.chunk import split_sentences, text_sentences
from ingest.store import Hit
from ingest.text import content_words
from rag.answer.candidates import candidate_key
from rag.answer.evidence import Evidence
from rag.answer.scoring import Scored
from rag.retrieval.hybrid import Retriever
from rag.text import contains

__all__ = ["CHOICE_FEATURES", "READER_FEATURES", "choice_rows", "holding_sentence", "reader_scores"]

_OWN = ("top_relevance", "first_rank", "passages", "articles", "search_cosine", "question_cosine", "search_bm25",
        "answer_probability", "sentence_overlap")
CHOICE_FEATURES = (*_OWN, *(f"{name}_vs_best" for name in _OWN), "words", "is_number")
# With the fine-tuned reader, how likely it finds each option (mean log-probability of its tokens after the passage
# and the question): features of models trained with it only.
READER_FEATURES = ("reader_logprob", "reader_logprob_vs_best")
TOP = 10


def choice_rows(question: str, choices: Sequence[str], ranked: Sequence[Hit], scored: Sequence[Scored],
                retriever: Retriever, vector: Sequence[float], read: Sequence[float] | None = None) -> list[list[float]]:
    """One row of CHOICE_FEATURES per choice (and of READER_FEATURES with `read`, each option's reader score).
    `ranked`: the question's pool, best first; `scored`: the answer scorer's candidates from its top passages;
    `vector`: the question's embedding."""
    asked = content_words(question)
    own = [_own(question, choice, ranked, scored, retriever, asked, vector) for choice in choices]
    best = [max(column) for column in zip(*own)]
    rows = []
    for index, (choice, values) in enumerate(zip(choices, own)):
        relative = [v - b for v, b in zip(values, best)]
        rows.append([*values, *relative, float(len(choice.split())), float(any(ch.isdigit() for ch in choice))])
        if read is not None:
            rows[-1] += [read[index], read[index] - max(read)]
    return rows


def reader_scores(logprobs: Sequence[Sequence[float] | None]) -> list[float]:
    """Each option's mean token log-probability under the reader (an option that did not fit: very unlikely).

    >>> reader_scores([[-0.5, -1.5], None, [-3.0]])
    [-1.0, -20.0, -3.0]
    """
    return [sum(lp) / len(lp) if lp else UNLIKELY for lp in logprobs]


UNLIKELY = -20.0


def _own(question: str, choice: str, ranked: Sequence[Hit], scored: Sequence[Scored], retriever: Retriever,
         asked: set[str], wanted: Sequence[float]) -> list[float]:
    holding = [(rank, hit) for rank, hit in enumerate(ranked, start=1) if contains(hit.text, [choice])]
    top = [hit for rank, hit in holding if rank <= TOP]
    key = candidate_key(choice)
    probability = max((s.probability for s in scored if _same(candidate_key(s.candidate.text), key)), default=0.0)
    vector = retriever.embeddings.embed_query(f"{question} {choice}")
    searched = [h for h in retriever.store.search(vector, TOP) if contains(h.text, [choice])]
    near_question = retriever.store.hits([h.chunk_id for h in searched], wanted)  # how close to the question alone
    bm25 = retriever.lexical.scores(f"{question} {choice}") if retriever.lexical else {}
    overlap = max((len(asked & content_words(s)) / len(asked) for _, hit in holding[:TOP]
                   for s in split_sentences(hit.text) if contains(s, [choice])), default=0.0) if asked else 0.0
    return [
        max((h.relevance or 0.0 for h in top), default=0.0),
        -math.log1p(holding[0][0]) if holding else -math.log1p(len(ranked) + 1),
        math.log1p(len(holding)),
        math.log1p(len({hit.article_id for _, hit in holding})),
        max((h.score for h in searched), default=0.0),
        max((h.score for h in near_question), default=0.0),
        max((bm25.get(h.chunk_id, 0.0) for _, h in holding), default=0.0),
        probability,
        overlap,
    ]


def _same(candidate: str, choice: str) -> bool:
    """A candidate names the choice: equal, or one holds the other as whole words."""
    return bool(candidate and choice) and (candidate == choice or f" {choice} " in f" {candidate} "
                                           or f" {candidate} " in f" {choice} ")


def holding_sentence(hit: Hit, question: str, choice: str) -> Evidence:
    """The sentence of a passage that holds the choice (the one most about the question), to cite."""
    asked = content_words(question)
    sentences = [s for s in text_sentences(hit.text) if contains(s, [choice])] or [hit.text]
    best = max(sentences, key=lambda s: len(asked & content_words(s)))
    overlap = len(asked & content_words(best)) / len(asked) if asked else 0.0
    return Evidence(best, hit, overlap, overlap + (hit.relevance or hit.score))
