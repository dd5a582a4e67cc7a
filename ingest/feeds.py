"""News as it arrives: single article URLs, and RSS/Atom feeds refreshed into the store.

Feeds are kept in the Chroma store beside the articles, so every newsqa process sharing a Chroma
server sees the same feeds. An article from the web is identified by its canonical URL; a
re-published copy (same text under another URL) is skipped; an updated story replaces its chunks.
"""

import calendar
import hashlib
import json
import logging
import threading
import warnings
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

import feedparser

from newsqa.errors import LoadError, NewsQAError, StoreError

from .clean import clean_text, html_to_parts
from .pipeline import Ingestor
from .registry import Table
from .types import Article
from .web import Fetcher, FetchError, canonical_url, url_id

__all__ = ["FeedReader", "FeedState", "article_from_url", "url_id"]

log = logging.getLogger("newsqa.feeds")
MAX_ERRORS_KEPT = 20


def article_from_url(fetcher: Fetcher, url: str, entry: dict | None = None) -> Article:
    """Fetch one page and make it an article (title, date and author from the page, else the feed entry)."""
    response = fetcher.get(url)
    if "html" not in response.content_type and "xml" not in response.content_type and response.content_type:
        raise LoadError(f"{url}: not an HTML page ({response.content_type})")
    parts = html_to_parts(response.body)
    entry = entry or {}
    text = parts.text or clean_text(entry.get("summary", ""))
    if not text.strip():
        raise LoadError(f"{url}: no article text on the page")
    canonical = canonical_url(parts.url or response.url)
    return Article(
        id=url_id(canonical),
        title=parts.title or clean_text(entry.get("title", "")) or canonical,
        text=text,
        url=canonical,
        source=canonical.split("/")[2],
        published=parts.published or _entry_date(entry),
        authors=parts.authors or ((entry["author"],) if entry.get("author") else ()),
    )


def _entry_date(entry: dict) -> str | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc).date().isoformat()


@dataclass
class FeedState:
    """A followed feed and what its last refresh did."""

    url: str
    title: str = ""
    etag: str | None = None
    last_modified: str | None = None
    last_refresh: str | None = None
    status: str = "never refreshed"
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)  # item link -> fingerprint of its feed entry

    @property
    def id(self) -> str:
        return url_id(canonical_url(self.url))


class FeedReader:
    """Follows feeds: `add`, `remove`, `list`, `refresh` (all feeds or one)."""

    def __init__(self, table: Table, fetcher: Fetcher, ingestor: Ingestor):
        self.table = table  # feed id -> FeedState fields
        self.fetcher = fetcher
        self.ingestor = ingestor
        self._lock = threading.Lock()

    def add(self, url: str) -> FeedState:
        """Follow a feed (its first refresh happens on `refresh`)."""
        if not url.startswith(("http://", "https://")):
            raise LoadError(f"a feed URL must start with http:// or https://, got {url!r}")
        state = self.get(url) or FeedState(url=canonical_url(url))
        self._save(state)
        return state

    def follow(self, url: str) -> FeedState:
        """Follow a feed and refresh it now. A feed that was not followed before and whose first refresh
        fails is not kept: `LoadError` says why, so a typo does not stay in the list failing forever."""
        with self._lock:  # one step: a background refresh cannot save the feed back between refresh and remove
            new = self.get(url) is None
            state = self._refresh(self.add(url))
            if new and state.status == "error":
                self.table.delete(state.id)
        if new and state.status == "error":
            problem = state.errors[0].removeprefix(f"{state.url}: ") if state.errors else "it could not be read"
            raise LoadError(f"not following {state.url}: {problem}")
        return state

    def remove(self, url: str) -> bool:
        """Stop following a feed (its articles stay)."""
        state = self.get(url)
        if state is None:
            return False
        self.table.delete(state.id)
        return True

    def get(self, url: str) -> FeedState | None:
        try:
            key = url_id(canonical_url(url))
        except ValueError as exc:  # "http://[::1" and friends
            raise LoadError(f"not a valid feed URL: {url!r} ({exc})") from None
        found = self.table.get(key)
        return _state(found) if found is not None else None

    def all(self) -> list[FeedState]:
        return sorted((_state(row) for row in self.table.all().values()), key=lambda s: s.url)

    def refresh(self, url: str | None = None) -> list[FeedState]:
        """Refresh every feed (or one); a failing feed or item never stops the others."""
        with self._lock:
            feeds = [self.get(url)] if url else self.all()
            if url and feeds[0] is None:
                raise LoadError(f"not following {url}; add it with `newsqa feeds add URL`")
            return [self._refresh(state) for state in feeds]

    def _refresh(self, state: FeedState) -> FeedState:
        state.added = state.updated = state.unchanged = state.duplicates = 0
        state.errors = []
        state.last_refresh = datetime.now(timezone.utc).isoformat(timespec="seconds")
        try:
            response = self.fetcher.get(state.url, etag=state.etag, last_modified=state.last_modified)
        except FetchError as exc:
            state.status, state.errors = "error", [str(exc)]
            self._save(state)
            return state
        if response.status == 304:
            state.status = "not modified"
            self._save(state)
            return state
        parsed = feedparser.parse(response.body)
        if not any(e.get("link") for e in parsed.entries):
            problem = getattr(parsed, "bozo_exception", None)
            state.status = "error"
            state.errors = [f"{state.url}: malformed feed ({problem})" if problem else f"{state.url}: no items with links"]
            self._save(state)
            return state
        state.title = clean_text(parsed.feed.get("title", "")) or state.title
        state.etag, state.last_modified = response.etag, response.last_modified
        for entry in parsed.entries:
            self._item(state, entry)
        state.status = "ok" if not state.errors else "ok with errors"
        self._save(state)
        return state

    def _item(self, state: FeedState, entry: dict) -> None:
        link = entry.get("link")
        if not link:
            state.errors.append(f"item {entry.get('title', '?')!r} has no link")
            return
        link = canonical_url(link)
        fingerprint = _fingerprint(entry)
        if state.seen.get(link) == fingerprint and self.ingestor.store.get(url_id(link)) is not None:
            state.unchanged += 1  # the feed says nothing changed: no need to fetch the page again
            return
        try:
            article = article_from_url(self.fetcher, link, entry)
            copy = self.ingestor.store.find_content(article.text)
            if copy is not None and copy != article.id:
                state.duplicates += 1
                return
            report = self.ingestor.ingest([article])
        except (NewsQAError, ValueError) as exc:
            if len(state.errors) < MAX_ERRORS_KEPT:
                state.errors.append(str(exc))
            return
        state.added += len(report.added)
        state.updated += len(report.replaced)
        state.unchanged += len(report.unchanged)
        state.seen[link] = fingerprint

    def _save(self, state: FeedState) -> None:
        self.table.put(state.id, asdict(state))


def _fingerprint(entry: dict) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # feedparser's note on updated/published
        parts = [entry.get(k, "") for k in ("title", "summary", "updated", "published")]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:16]


def _state(row: dict) -> FeedState:
    values = dict(row)
    for key in ("errors", "seen"):  # feed lists kept in Chroma before 2026-12 stored these as JSON text
        if isinstance(values.get(key), str):
            values[key] = json.loads(values[key])
    return FeedState(**{k: v for k, v in values.items() if k in FeedState.__dataclass_fields__})


def migrate_feeds(client, name: str, table: Table) -> None:
    """Move a feed list kept in a `<name>_feeds` Chroma collection (before 2026-12) into `table`, once."""
    try:
        if f"{name}_feeds" not in {c.name for c in client.list_collections()}:
            return
        legacy = client.get_collection(f"{name}_feeds", embedding_function=None)
        found = legacy.get(include=["metadatas"])
        for key, meta in zip(found["ids"], found["metadatas"]):
            if table.get(key) is None:
                table.put(key, asdict(_state(meta)))
        client.delete_collection(f"{name}_feeds")
    except Exception as exc:
        raise StoreError(f"cannot move the feed list of store {name!r}: {exc}") from exc
