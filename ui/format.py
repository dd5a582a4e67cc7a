"""Answers and store listings as text for the terminal and Markdown for the chat; nothing else formats."""

import html
import re

from rag import Answer, Progress

__all__ = ["answer_markdown", "answer_text", "escape_markdown", "literal", "marked", "progress_text", "qualifier", "sources_text",
           "store_markdown"]

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


def answer_text(answer: Answer) -> str:
    """An answer and its numbered sources as plain text for the terminal."""
    sources = sources_text(answer)
    text = answer.text + qualifier(answer)
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
    """An answer for the chat: the answer in bold, then numbered, clickable sources with date and quote."""
    if answer.abstained:
        parts = [f"_{escape_markdown(answer.text)}_"]
    elif answer.kind == "latest":
        parts = ["\n".join(f"- {escape_markdown(line)}" for line in answer.text.split("\n"))]
    elif answer.kind == "explanatory":
        parts = [escape_markdown(answer.text)]
    else:
        parts = [f"**{escape_markdown(answer.text)}**{escape_markdown(qualifier(answer))}"]
        if answer.citations:
            parts.append(f"> {marked(answer.citations[0].quote, answer.text)} \\[1\\]")
    if answer.query:
        parts.append(f"<sub>searched for: {escape_markdown(answer.query)}</sub>")
    if answer.citations:
        parts.append("**Sources**")
        for number, c in enumerate(answer.citations, start=1):
            title = escape_markdown(c.title or c.article_id)
            link = f"[{title}]({_safe_url(c.url)})" if _safe_url(c.url) else title
            date = f" · {escape_markdown(c.published)}" if c.published else ""
            parts.append(f"{number}. {link}{date}\n   > {escape_markdown(c.quote)}")
    return "\n\n".join(parts)


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


def store_markdown(articles: int, chunks: int, recent: list, feeds: list = ()) -> str:
    """The side panel: what the store holds, the latest articles and the followed feeds."""
    lines = [f"**{articles}** articles · **{chunks}** chunks", ""]
    if recent:
        lines += [f"Last ingest: {escape_markdown(recent[0].ingested_at)}", ""]
        for article in recent:
            date = f" ({escape_markdown(article.published)})" if article.published else ""
            lines.append(f"- {escape_markdown(article.title or article.id)}{date}")
    if feeds:
        lines += ["", "**Feeds**", ""]
        for feed in feeds:
            errors = f", {len(feed.errors)} errors: {literal(feed.errors[0][:120])}" if feed.errors else ""
            lines.append(f"- {escape_markdown(feed.title) if feed.title else literal(feed.url)}: {feed.status}, "
                         f"last refresh {literal(feed.last_refresh or 'never')}, "
                         f"{feed.added} new, {feed.updated} updated{errors}")
    return "\n".join(lines)


def _safe_url(url: str | None) -> str | None:
    # Only plain web links become clickable; javascript: and friends stay text.
    if url and re.match(r"https?://[^\s()<>\"']+$", url):
        return url
    return None
