"""Stories as whole articles: an article's first passage, its lead sentences (what a summary starts from) and the
newest articles of a store (what "what's new?" lists)."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from ingest.store import ArticleStore, Hit
from rag.answer.evidence import Evidence, select_evidence
from rag.answer.shapes import lead_sentences

__all__ = ["first_passages", "leads", "newest_in_store"]


def first_passages(store: ArticleStore, hits: Sequence[Hit]) -> list[Hit]:
    """Each hit's article's first passage (the hit itself when the store has no record of it), texts read at once."""
    firsts = store.get_many([h.article_id for h in hits])
    texts = store.chunk_texts([firsts[h.article_id].chunk_ids[0] for h in hits
                               if h.article_id in firsts and firsts[h.article_id].chunk_ids])
    found = []
    for hit in hits:
        record = firsts.get(hit.article_id)
        chunk_id = record.chunk_ids[0] if record and record.chunk_ids else hit.chunk_id
        found.append(replace(hit, chunk_id=chunk_id, ord=0, text=texts.get(chunk_id, hit.text)))
    return found


def leads(store: ArticleStore, query: str, hits: Sequence[Hit], count: int = 2) -> list[Evidence]:
    """The opening sentences of the articles of the best passages (the first `count` articles): what a summary of the
    story, or what happened in it, starts from (an explanation takes the lead of the story its best sentence tells)."""
    best: dict[str, Hit] = {}
    for hit in hits:
        best.setdefault(hit.article_id, hit)  # the best passage of each article, best article first
    found = []
    for first in first_passages(store, list(best.values())[:count]):
        opening = lead_sentences(first.text)
        sentences = {e.text: e for e in select_evidence(query, [first])}
        found += [sentences[t] for t in opening if t in sentences]
    return found


def newest_in_store(store: ArticleStore, as_of: date, count: int = 3) -> list[Hit]:
    """The first passage of each of the newest articles in the store (by published date, none after `as_of`), without
    its text (`first_passages` reads it)."""
    day = as_of.isoformat()
    stored = sorted((a for a in store.articles() if a.published and a.chunk_ids and a.published[:10] <= day),
                    key=lambda a: a.published, reverse=True)[:count]
    return [Hit(a.chunk_ids[0], a.id, "", 1.0, 0, a.title, a.url, a.source, a.published) for a in stored]
