"""What the learned models see: one row of numbers per (question, passage), (question, answer span)
and (question, choice). Training (rag/training/) and answering build the rows with these same
functions, so a model never meets a feature computed another way."""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ingest.store import Hit
from ingest.text import STOPWORDS, content_words, stem, words
from rag.text import numbers_in

__all__ = ["PASSAGE_FEATURES", "Asked", "PoolEntry", "age_days", "passage_rows"]

_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]+")


@dataclass(frozen=True)
class Asked:
    """What a question asks, computed once: its content words, names, numbers and date."""

    text: str
    stems: frozenset[str]
    names: frozenset[str]  # stems of capitalised words after the first
    numbers: frozenset[str]
    as_of: date | None

    @classmethod
    def of(cls, question: str, as_of: date | None = None) -> "Asked":
        """
        >>> asked = Asked.of("How many prisoners did the SDF recapture in Hassakeh in 2022?")
        >>> sorted(asked.stems), sorted(asked.names), sorted(asked.numbers)
        (['2022', 'hassakeh', 'prisoner', 'recaptur', 'sdf'], ['hassakeh', 'sdf'], ['2022'])
        """
        names = {stem(w.lower()) for w in _CAPITALISED.findall(question)} - STOPWORDS
        return cls(question, frozenset(content_words(question)), frozenset(names), frozenset(numbers_in(question)), as_of)


@dataclass(frozen=True)
class PoolEntry:
    """A passage in a question's candidate pool, with where each retriever placed it."""

    hit: Hit
    cosine: float
    dense_rank: int | None  # 1-based; None: not in the dense pool
    bm25: float
    bm25_rank: int | None


PASSAGE_FEATURES = (
    "cosine", "cosine_gap", "dense_rank", "bm25", "bm25_share", "bm25_rank", "both_pools",
    "coverage", "title_coverage", "sentence_coverage", "names_found", "numbers_found", "window",
    "position", "age_days", "after_as_of", "undated", "article_passages", "length",
)


def passage_rows(asked: Asked, pool: Sequence[PoolEntry], pool_size: int) -> list[list[float]]:
    """One row of PASSAGE_FEATURES per pool entry; ranks outside a pool count as pool_size + 1."""
    best_cosine = max((e.cosine for e in pool), default=0.0)
    best_bm25 = max((e.bm25 for e in pool), default=0.0) or 1.0
    per_article: dict[str, int] = {}
    for entry in pool:
        per_article[entry.hit.article_id] = per_article.get(entry.hit.article_id, 0) + 1
    rows = []
    ages = [age_days(e.hit.published, asked.as_of) for e in pool]
    # Age counts from the newest passage the pool has (not after the asking day): training questions were asked
    # within weeks of their articles, so an archive asked about years later would otherwise look stale throughout
    # (seed questions asked today: false abstention 12 -> 8).
    fresh = min((a for a in ages if a is not None and a >= 0), default=0)
    for entry, age in zip(pool, ages):
        hit = entry.hit
        body = words(hit.text)
        stems = {stem(w) for w in body}
        title = content_words(hit.title or "")
        after = age is not None and age < -1
        age = age - fresh if age is not None and age >= 0 else age
        rows.append([
            entry.cosine,
            best_cosine - entry.cosine,
            math.log1p(entry.dense_rank or pool_size + 1),
            entry.bm25,
            entry.bm25 / best_bm25,
            math.log1p(entry.bm25_rank or pool_size + 1),
            float(entry.dense_rank is not None and entry.bm25_rank is not None),
            _share(asked.stems, stems),
            _share(asked.stems, title),
            max((_share(asked.stems, content_words(s)) for s in _sentences(hit.text)), default=0.0),
            _share(asked.names, stems) if asked.names else -1.0,
            _share(asked.numbers, set(numbers_in(hit.text))) if asked.numbers else -1.0,
            _window(asked.stems, body),
            math.log1p(hit.ord),
            math.copysign(math.log1p(abs(age)), age) if age is not None else 0.0,
            float(after),
            float(age is None),
            float(per_article[hit.article_id]),
            math.log1p(len(body)),
        ])
    return rows


def age_days(published: str | None, as_of: date | None) -> int | None:
    """Days from publication to the asking date (negative: published after it); None when unknown.

    >>> age_days("2026-03-01", date(2026, 3, 8)), age_days("2026-03-10", date(2026, 3, 8)), age_days(None, date.today())
    (7, -2, None)
    """
    if not published or as_of is None:
        return None
    try:
        return (as_of - date.fromisoformat(published[:10])).days
    except ValueError:
        return None


def _share(wanted, present) -> float:
    return len(wanted & present) / len(wanted) if wanted else 0.0


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n", text) if s.strip()]


def _window(asked: frozenset[str], body: list[str]) -> float:
    """How tightly the question's words cluster: matched distinct words over the shortest span
    holding them (1: side by side, toward 0: scattered), 0 when fewer than two match."""
    positions = [(i, stem(w)) for i, w in enumerate(body) if stem(w) in asked]
    wanted = {s for _, s in positions}
    if len(wanted) < 2:
        return 0.0
    best, counts, left = len(body), {}, 0
    for right, (index, term) in enumerate(positions):
        counts[term] = counts.get(term, 0) + 1
        while len(counts) == len(wanted):
            best = min(best, index - positions[left][0] + 1)
            counts[positions[left][1]] -= 1
            if not counts[positions[left][1]]:
                del counts[positions[left][1]]
            left += 1
    return len(wanted) / best
