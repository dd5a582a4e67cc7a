"""A BM25 index over chunk texts, kept in step with the store's registry and cached on local disk.

The store (Chroma, possibly a server shared by several processes) is the source of truth; each
process keeps its own index and brings it up to date when the store's generation token changes,
re-reading only the articles whose version changed. Nothing is rebuilt per query. The cache is JSON:
data that is read, never code that is run.
"""

import json
import logging
import math
import threading
from collections import Counter
from pathlib import Path

from newsqa.files import write_atomically

from .text import STOPWORDS, stem, words

__all__ = ["LexicalIndex", "lexical_terms"]

log = logging.getLogger("newsqa.lexical")
CACHE_FORMAT = "newsqa-bm25-2"
FETCH_BATCH = 500


def lexical_terms(text: str) -> list[str]:
    """The stemmed content words BM25 counts.

    >>> lexical_terms("The prisoners were recaptured in Hassakeh")
    ['prisoner', 'recaptur', 'hassakeh']
    """
    return [stem(w) for w in words(text) if w not in STOPWORDS]


class LexicalIndex:
    """BM25 (k1=1.2, b=0.75) over the current chunks of a store."""

    k1 = 1.2
    b = 0.75

    def __init__(self, cache: Path | None = None):
        self.cache = Path(cache) if cache else None
        self.generation: str | None = None
        self.articles: dict[str, tuple[str, list[int]]] = {}  # article id -> (version, slots)
        self.ids: list[str | None] = []  # slot -> chunk id (None: free)
        self.lengths: list[int] = []
        self.terms: list[tuple[str, ...]] = []  # slot -> its distinct terms, to remove it again
        self.postings: dict[str, dict[int, int]] = {}
        self.free: list[int] = []
        self.total_length = 0
        self._lock = threading.RLock()

    @classmethod
    def load(cls, cache: Path) -> "LexicalIndex":
        """The cached index, or an empty one (filled from the store at the first sync) when there is no usable cache."""
        index = cls(cache)
        try:
            index._restore(json.loads(Path(cache).read_bytes()))
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:  # only a cache: rebuild it
            log.warning("lexical index cache %s unreadable (%s); rebuilding it from the store", cache, exc)
            index = cls(cache)
        return index

    def _state(self) -> dict:
        """The index as JSON-ready data; each slot's terms are those of its postings, so they are not kept twice."""
        return {"format": CACHE_FORMAT, "generation": self.generation, "articles": self.articles, "ids": self.ids,
                "lengths": self.lengths, "free": self.free, "total_length": self.total_length,
                "postings": {term: [list(posting), list(posting.values())] for term, posting in self.postings.items()}}

    def _restore(self, state: dict) -> None:
        if not isinstance(state, dict) or state.get("format") != CACHE_FORMAT:
            raise ValueError(f"not a {CACHE_FORMAT} file")
        ids, lengths = list(state["ids"]), [int(n) for n in state["lengths"]]
        if len(ids) != len(lengths) or not all(i is None or isinstance(i, str) for i in ids):
            raise ValueError("chunk ids and lengths do not match")
        terms: list[list[str]] = [[] for _ in ids]
        postings = {}
        for term, (slots, counts) in state["postings"].items():
            postings[str(term)] = posting = dict(zip(map(int, slots), map(int, counts)))
            for slot in posting:
                terms[slot].append(term)  # an IndexError for a slot that does not exist
        articles = {str(a): (str(version), [int(s) for s in slots]) for a, (version, slots) in state["articles"].items()}
        self.generation = state["generation"] if isinstance(state["generation"], str) else None
        self.articles, self.ids, self.lengths, self.postings = articles, ids, lengths, postings
        self.terms = [tuple(t) for t in terms]
        self.free, self.total_length = [int(s) for s in state["free"]], int(state["total_length"])

    @property
    def size(self) -> int:
        return len(self.ids) - len(self.free)

    def sync(self, store) -> bool:
        """Bring the index up to date with the store; True if anything changed."""
        with self._lock:
            generation = store.generation()
            if generation is not None and generation == self.generation:
                return False
            registry = store.versions()
            stale = [a for a, (v, _) in self.articles.items() if registry.get(a, (None,))[0] != v]
            for article_id in stale:
                self._remove(article_id)
            missing = [a for a in registry if a not in self.articles]
            complete = self._add_articles(store, {a: registry[a] for a in missing})
            self.generation = generation if complete else None
            self._save()
            return bool(stale or missing)

    def _add_articles(self, store, wanted: dict[str, tuple[str, tuple[str, ...]]]) -> bool:
        complete = True
        batch: list[str] = []
        for article_id in list(wanted) + [None]:
            if article_id is not None:
                batch.append(article_id)
                if sum(len(wanted[a][1]) for a in batch) < FETCH_BATCH:
                    continue
            if not batch:
                break
            records = store.chunk_records([c for a in batch for c in wanted[a][1]])
            for a in batch:
                version, chunk_ids = wanted[a]
                if all(c in records for c in chunk_ids):
                    self.articles[a] = (version, [self._add(c, *records[c]) for c in chunk_ids])
                else:
                    complete = False  # written while we read: picked up at the next sync
            batch = []
        return complete

    def add(self, chunk_id: str, text: str, title: str = "") -> None:
        """Index one passage by hand (an index kept in step with a store is filled by `sync` instead).

        >>> index = LexicalIndex()
        >>> index.add("a:0", "The storm hit Riverton.", "Storm"); index.add("b:0", "Prices rose in May.")
        >>> index.search("Riverton storm", 1)[0][0]
        'a:0'
        """
        with self._lock:
            self._add(chunk_id, text, title)

    def _add(self, chunk_id: str, text: str, title: str) -> int:
        counts = Counter(lexical_terms(f"{title}\n{text}"))
        slot = self.free.pop() if self.free else len(self.ids)
        if slot == len(self.ids):
            self.ids.append(None)
            self.lengths.append(0)
            self.terms.append(())
        self.ids[slot], self.lengths[slot], self.terms[slot] = chunk_id, sum(counts.values()), tuple(counts)
        self.total_length += self.lengths[slot]
        for term, count in counts.items():
            self.postings.setdefault(term, {})[slot] = count
        return slot

    def _remove(self, article_id: str) -> None:
        _, slots = self.articles.pop(article_id)
        for slot in slots:
            for term in self.terms[slot]:
                posting = self.postings.get(term)
                if posting is not None:
                    posting.pop(slot, None)
                    if not posting:
                        del self.postings[term]
            self.total_length -= self.lengths[slot]
            self.ids[slot], self.lengths[slot], self.terms[slot] = None, 0, ()
            self.free.append(slot)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The k best (chunk id, BM25 score) pairs for the query."""
        return sorted(self.scores(query).items(), key=lambda item: (-item[1], item[0]))[:k]

    def scores(self, query: str) -> dict[str, float]:
        """The BM25 score of every chunk that shares a term with the query."""
        with self._lock:
            n = self.size
            if n == 0:
                return {}
            average = self.total_length / n
            scores: dict[int, float] = {}
            for term in dict.fromkeys(lexical_terms(query)):  # a fixed order: the same sums in every process
                posting = self.postings.get(term)
                if not posting:
                    continue
                idf = math.log(1 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
                for slot, tf in posting.items():
                    norm = tf + self.k1 * (1 - self.b + self.b * self.lengths[slot] / average)
                    scores[slot] = scores.get(slot, 0.0) + idf * tf * (self.k1 + 1) / norm
            return {self.ids[slot]: round(score, 4) for slot, score in scores.items()}

    def _save(self) -> None:
        if self.cache is not None:
            write_atomically(self.cache, json.dumps(self._state(), separators=(",", ":")))
