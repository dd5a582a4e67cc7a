"""Answers and store listings as text for the terminal and Markdown for the chat; nothing else formats."""

import html
import re

from rag import Answer, Progress
from rag.text import MONTHS

__all__ = ["DOUBT", "answer_markdown", "answer_text", "escape_markdown", "human_date", "literal", "marked",
           "progress_text", "qualifier", "sources_text", "store_markdown"]

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def escape_markdown(text: str) -> str:
    """Document text made inert in Markdown and HTML: it is shown, never interpreted.

    >>> escape_markdown('<script>x</script> [click](http://evil)')
    '&lt;script&gt;x&lt;/script&gt; \\\\[click\\\\]\\\\(http://evil\\\\)'
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def literal(text: str) -> str:
    """Text shown verbatim in Markdown as inline code: addresses and error messages keep their dots and
    slashes (no escape backslashes on screen) and never become links.

    >>> literal("HTTP 500 from https://example.com/rss.xml")
    '`HTTP 500 from https://example.com/rss.xml`'
    """
    return "`" + text.replace("`", "'") + "`"  # a code span shows its text as is: entities are not decoded


def progress_text(progress: Progress) -> str:
    """What the QA is doing, for a person waiting on the answer.

    >>> progress_text(Progress("searching")), progress_text(Progress("checking", 1))
    ('Searching the articles…', 'Checking the answer against 1 passage…')
    """
    if progress.stage == "checking":
        count = progress.passages or 0
        return f"Checking the answer against {count} passage{'' if count == 1 else 's'}…"
    return "Searching the articles…"


def qualifier(answer: Answer) -> str:
    """What a reader must know about when the answer holds: whose number it is when articles disagree, or the
    day of the story's version when the story changed since it was first seen.

    >>> from rag import Citation
    >>> source = Citation("a", "Flood toll rises", None, "2026-03-04", "a:0", "19 died.", 0.9, "late.example")
    >>> qualifier(Answer("q", "19", False, (source,), disputed=True)), qualifier(Answer("q", "19", False, updated="2026-03-05"))
    (' (as of 2026-03-04, late.example)', ' (as of 2026-03-05)')
    """
    if answer.disputed and answer.citations:
        first = answer.citations[0]
        who = first.source or first.title or first.article_id
        return f" (as of {first.published}, {who})" if first.published else f" (according to {who})"
    return f" (as of {answer.updated})" if answer.updated else ""


# Said under an answer the support check doubts (answered because --strict is off; README "Abstention's limit").
DOUBT = "Low confidence: the articles may not say this."


def answer_text(answer: Answer) -> str:
    """An answer and its numbered sources as plain text for the terminal."""
    sources = sources_text(answer)
    text = answer.text + qualifier(answer) + (f"\n({DOUBT})" if answer.doubtful and not answer.abstained else "")
    return f"{text}\n\n{sources}" if sources else text


def sources_text(answer: Answer) -> str:
    """Numbered sources with date, link and quote, as plain text ("" without citations)."""
    if not answer.citations:
        return ""
    lines = ["Sources:"]
    for number, c in enumerate(answer.citations, start=1):
        meta = " · ".join(x for x in (c.published, c.url) if x)
        lines.append(f"[{number}] {c.title or c.article_id}" + (f" ({meta})" if meta else ""))
        lines.append(f'    "{c.quote}"')
    return "\n".join(lines)


def answer_markdown(answer: Answer) -> str:
    """An answer for the chat. A fact: its sentence with the answer in bold, once, and its source's number; an
    explanation: the cited sentences; the latest: one line per story (headline, date, first sentence). Then the
    numbered, clickable sources with their dates (a quote only where the answer above does not show it already),
    and, for a follow-up, the standalone question it was asked as."""
    parts = [f"_Asked as: {escape_markdown(answer.query)}_"] if answer.query else []
    shown_quotes = 0
    if answer.abstained:  # with a source only when it says what the articles say instead (quoted in the text)
        parts.append(f"_{escape_markdown(answer.text)}_")
        shown_quotes = len(answer.citations)
    elif answer.kind == "latest":
        parts.append("\n".join(f"- **{escape_markdown(c.title or c.article_id)}** · {escape_markdown(human_date(c.published))}"
                               f" — {escape_markdown(c.quote)} \\[{n}\\]" for n, c in enumerate(answer.citations, start=1)))
        shown_quotes = len(answer.citations)
    elif answer.kind == "explanatory":
        parts.append(escape_markdown(answer.text))
        shown_quotes = len(answer.citations)
    elif answer.citations and answer.text.lower() in answer.citations[0].quote.lower():
        parts.append(f"{marked(answer.citations[0].quote, answer.text)} \\[1\\]{escape_markdown(qualifier(answer))}")
        shown_quotes = 1
    else:
        parts.append(f"**{escape_markdown(answer.text)}**{escape_markdown(qualifier(answer))}")
    if answer.doubtful and not answer.abstained:
        parts.append(f"_{escape_markdown(DOUBT)}_")
    if answer.citations:
        parts.append("**Sources**")
        for number, c in enumerate(answer.citations, start=1):
            title = escape_markdown(c.title or c.article_id)
            link = f"[{title}]({_safe_url(c.url)})" if _safe_url(c.url) else title
            date = f" · {escape_markdown(human_date(c.published))}" if c.published else ""
            quote = f"\n   > {escape_markdown(c.quote)}" if number > shown_quotes else ""
            parts.append(f"{number}. {link}{date}{quote}")
    return "\n\n".join(parts)


_MONTH_NAMES = tuple(month[:3] for month in MONTHS)


def human_date(value: str | None) -> str:
    """An ISO date or timestamp as people write it ("" for none; anything else as it is).

    >>> human_date("2022-01-21"), human_date("2026-12-06T19:21:02.469+00:00"), human_date("soon")
    ('21 Jan 2022', '6 Dec 2026, 19:21 UTC', 'soon')
    """
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::[\d.]+)?(Z|[+-]00:?00)?)?", value or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        return value or ""
    year, month, day, hour, minute, utc = match.groups()
    text = f"{int(day)} {_MONTH_NAMES[int(month) - 1]} {year}"
    return f"{text}, {hour}:{minute}{' UTC' if utc else ''}" if hour else text


def marked(sentence: str, answer: str) -> str:
    """A sentence as Markdown with the answer in it in bold (its first occurrence; digits or words).

    >>> marked("SDF recaptured around 104 militants.", "around 104")
    'SDF recaptured **around 104** militants\\\\.'
    """
    at = sentence.lower().find(answer.lower()) if answer else -1
    if at < 0:
        return escape_markdown(sentence)
    end = at + len(answer)
    return f"{escape_markdown(sentence[:at])}**{escape_markdown(sentence[at:end])}**{escape_markdown(sentence[end:])}"


def store_markdown(articles: int, chunks: int, recent: list, feeds: list = (), last_ingest: str | None = None) -> str:
    """The side panel: what the store holds, the newest stories (by their date) and the followed feeds."""
    lines = [f"**{articles}** articles · **{chunks}** chunks", ""]
    if last_ingest:
        lines += [f"Last ingest: {escape_markdown(human_date(last_ingest))}", ""]
    for article in recent:
        date = f" ({escape_markdown(human_date(article.published))})" if article.published else ""
        lines.append(f"- {escape_markdown(article.title or article.id)}{date}")
    if feeds:
        lines += ["", "**Feeds**", ""]
        for feed in feeds:
            errors = f", {len(feed.errors)} errors: {literal(feed.errors[0][:120])}" if feed.errors else ""
            lines.append(f"- {escape_markdown(feed.title) if feed.title else literal(feed.url)}: {feed.status}, "
                         f"last refresh {escape_markdown(human_date(feed.last_refresh)) if feed.last_refresh else 'never'}, "
                         f"{feed.added} new, {feed.updated} updated{errors}")
    return "\n".join(lines)


def _safe_url(url: str | None) -> str | None:
    # Only plain web links become clickable; javascript: and friends stay text.
    if url and re.match(r"https?://[^\s()<>\"']+$", url):
        return url
    return None
