"""Which span of the evidence answers the question: every typed candidate becomes a row of
CANDIDATE_FEATURES, and a model trained on past news questions (rag/training/) gives each the
probability that it is an accepted answer. The best one answers when that probability clears the
threshold fitted with the model; otherwise newsqa abstains."""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.text import content_words, stem, words
from rag.answer.candidates import (
    Candidate,
    agreement,
    answer_type,
    asked_roles,
    candidate_key,
    extract_candidates,
    focused_variants,
    is_money,
    money_question,
    proximity,
    question_focus,
)
from rag.answer.evidence import Evidence
from rag.answer.places import asked_place_kind, place_kind_fit
from rag.text import MONTHS, WEEKDAYS, normalise_answer

__all__ = ["CANDIDATE_FEATURES", "KINDS", "QUESTION_TYPES", "Scored", "answerable_by", "candidate_pool",
           "candidate_rows", "learn_kinds"]

QUESTION_TYPES = ("number", "date", "person", "place", "name", "thing")
KINDS = ("number", "date", "name", "quote", "phrase")
CANDIDATE_FEATURES = (
    *(f"asks_{t}" for t in QUESTION_TYPES), *(f"is_{k}" for k in KINDS),
    "overlap", "best_overlap_gap", "similarity", "sentence_rank", "relevance", "passage_rank", "cosine",
    "near_asked", "near_focus", "articles", "mentions", "repeated", "words", "ends_in_focus", "money",
    "place", "role_named", "verbish", "position", "draft",
)
# Sentences whose spans are considered, best first; a sentence sharing nothing with the question is never one.
SENTENCES = 12
MIN_OVERLAP = 0.1


@dataclass(frozen=True)
class Scored:
    """A candidate and the model's probability that it answers."""

    probability: float
    candidate: Candidate


def learn_kinds(examples: Sequence[tuple[str, str, bool]], share: float = 0.1) -> dict[str, list[str]]:
    """Which kinds of span answer each type of question: those that make at least `share` of the
    right answers to that type in `examples` of (question type, candidate kind, right).

    >>> learn_kinds([("number", "number", True)] * 19 + [("number", "name", True), ("date", "date", True)])
    {'number': ['number'], 'date': ['date']}
    """
    right: dict[str, dict[str, int]] = {}
    for wanted, kind, correct in examples:
        if correct:
            right.setdefault(wanted, {}).setdefault(kind, 0)
            right[wanted][kind] += 1
    return {wanted: [k for k in KINDS if counts.get(k, 0) >= share * sum(counts.values())]
            for wanted, counts in right.items()}


# Words that say when: a phrase answers "when" only with one of them ("early next year", "the Christmas weekend"; not
# "statement" or "justice system"). The learned kinds let any phrase answer a date question; in rtqa-train every such
# best span was wrong (the 528 training questions' cross-fitted decisions: 5 of 5; the calibration slice: 4 of 4).
_SAYS_WHEN = re.compile(r"\d|\b(?:" + "|".join(w.lower() for w in (*MONTHS, *WEEKDAYS)) + r"|day|days|week|weeks|month|months|"
                        r"year|years|decade|decades|century|season|spring|summer|fall|autumn|winter|morning|afternoon|"
                        r"evening|night|noon|midnight|dawn|ago|later|earlier|soon|anniversary|holiday|holidays|christmas|"
                        r"easter|thanksgiving|weekend|today|tomorrow|yesterday|now|then|time|era|quarter)\b", re.I)


def answerable_by(question: str, candidate: Candidate, kinds: dict[str, list[str]] | None, *, drafted: bool = False) -> bool:
    """Whether a candidate may answer at all: its kind answers this type of question (`kinds`, learned
    by `learn_kinds`; a type it never saw takes any kind), and when the question asks for a role ("who
    is the director of X") its sentence names that role. A span the LLM itself answered (`drafted`) skips
    the kind test: question types are read by rule, and "What was the magnitude?" reads as a thing.

    >>> from rag.answer.evidence import Evidence
    >>> from ingest.store import Hit
    >>> hit = Hit("c", "a", "", 0.9, 0, "", None, None, None)
    >>> said = Evidence("Spokesman Farhad Shami said 100 were caught.", hit, 0.5, 0.5)
    >>> number = Candidate("100", "number", said, 28)
    >>> answerable_by("How many were caught?", number, {"number": ["number"]})
    True
    >>> answerable_by("Who is the director of the prison?", Candidate("Farhad Shami", "name", said, 10), None)
    False
    >>> answerable_by("When was it?", Candidate("Farhad Shami", "phrase", said, 10), {"date": ["date", "phrase"]})
    False
    >>> [answerable_by("When did it return?", Candidate(text, "phrase", said, 0), {"date": ["date", "phrase"]})
    ...  for text in ("statement", "early next year")]
    [False, True]
    >>> answerable_by("What was the count?", number, {"thing": ["name"]}), answerable_by("What was the count?", number, {"thing": ["name"]}, drafted=True)
    (False, True)
    """
    wanted = answer_type(question)
    allowed = (kinds or {}).get(wanted)
    if allowed is not None and not drafted and _gated_kind(candidate) not in allowed:
        return False
    if wanted == "date" and candidate.kind == "phrase" and not drafted and not _SAYS_WHEN.search(candidate.text):
        return False
    roles = asked_roles(question)
    return not roles or roles <= {stem(w) for w in words(candidate.evidence.text)}


def _gated_kind(candidate: Candidate) -> str:
    """The kind a candidate is gated as: a phrase of capitalised words is a name ("Farhad Shami" does not
    answer "when" because a phrase may)."""
    if candidate.kind == "phrase" and all(w[:1].isupper() for w in candidate.text.split()):
        return "name"
    return candidate.kind


def candidate_pool(question: str, evidence: Sequence[Evidence], limit: int = SENTENCES) -> list[Candidate]:
    """The candidates of the best `limit` sentences that are not the question's own words."""
    focus = question_focus(question)
    asked = content_words(question) - focus
    pool = [c for item in evidence[:limit] if item.overlap >= MIN_OVERLAP for c in extract_candidates(item)]
    pool += focused_variants(pool, focus)
    kept = []
    for candidate in pool:
        own = content_words(candidate.text)
        if (own and own <= asked | focus) or (not own and candidate.kind not in ("number", "date")):
            continue
        kept.append(candidate)
    return kept


def candidate_rows(question: str, evidence: Sequence[Evidence], pool: Sequence[Candidate],
                   draft: str = "") -> list[list[float]]:
    """One row of CANDIDATE_FEATURES per candidate."""
    wanted, focus = answer_type(question), question_focus(question)
    asked = content_words(question) - focus
    places, money, roles = asked_place_kind(question), money_question(question), asked_roles(question)
    drafted = normalise_answer(draft)
    sentence_rank = {id(item): rank for rank, item in enumerate(evidence)}
    passages = list(dict.fromkeys(item.hit.chunk_id for item in evidence))
    best_overlap = max((c.evidence.overlap for c in pool), default=0.0)
    articles: dict[str, set[str]] = {}
    mentions: dict[str, int] = {}
    for candidate in pool:
        key = candidate_key(candidate.text)
        articles.setdefault(key, set()).add(candidate.evidence.hit.article_id)
        mentions[key] = mentions.get(key, 0) + 1
    rows = []
    for candidate in pool:
        item, hit, key = candidate.evidence, candidate.evidence.hit, candidate_key(candidate.text)
        own, tokens = content_words(candidate.text), words(candidate.text) or [""]
        rows.append([
            *(float(wanted == t) for t in QUESTION_TYPES), *(float(candidate.kind == k) for k in KINDS),
            item.overlap,
            best_overlap - item.overlap,
            item.similarity,
            math.log1p(sentence_rank.get(id(item), len(evidence))),
            hit.relevance if hit.relevance is not None else -1.0,
            math.log1p(passages.index(hit.chunk_id)) if hit.chunk_id in passages else -1.0,
            hit.score,
            proximity(candidate, asked),
            proximity(candidate, focus),
            math.log(len(articles[key])),
            math.log(mentions[key]),
            len(own & asked) / len(own) if own else 0.0,
            float(len(tokens)),
            float(bool(focus) and stem(tokens[-1]) in focus),
            (1.0 if is_money(candidate) else -1.0) if money and candidate.kind == "number" else 0.0,
            (1.0 if place_kind_fit(places, candidate.text) else -1.0) if places is not None and candidate.kind == "name" else 0.0,
            (1.0 if roles <= {stem(w) for w in words(item.text)} else -1.0) if roles else 0.0,
            float(candidate.kind == "phrase" and bool(re.search(r"(ed|ing|ly)$", candidate.text))),
            candidate.start / max(1, len(item.text)),
            agreement(drafted, candidate.text),
        ])
    return rows
