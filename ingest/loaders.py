"""Read files and directories of .txt, .md, .html and .jsonl (or .jsonl.gz) into articles; report what is skipped."""

import gzip
import hashlib
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from newsqa.errors import LoadError

from .clean import clean_text, html_to_parts, normalise_date
from .types import Article, Skipped
from .web import url_id

__all__ = ["MAX_FILE_BYTES", "META_SUFFIX", "SUPPORTED_SUFFIXES", "iter_articles", "load_file", "parse_record"]

MAX_FILE_BYTES = 64 * 1024 * 1024
META_SUFFIX = ".meta.json"
MAX_ID_CHARS = 200


def iter_articles(paths: Iterable[str | Path]) -> Iterator[Article | Skipped]:
    """Articles from files and directories (recursively, in name order), with a `Skipped` per failure."""
    for path in map(Path, paths):
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p.relative_to(path))
                           and not p.name.endswith(META_SUFFIX))  # read with the article they describe
        else:
            files = [path]
        for file in files:
            try:
                yield from load_file(file)
            except LoadError as exc:
                yield Skipped(str(file), str(exc))


def load_file(path: Path) -> Iterator[Article | Skipped]:
    """The articles in one file; raises `LoadError` when the whole file is unusable."""
    kind = ".jsonl.gz" if path.name.lower().endswith(".jsonl.gz") else path.suffix.lower()
    loader = _LOADERS.get(kind)
    if loader is None:
        raise LoadError(f"unsupported file type {kind or '(none)'!r}; use {', '.join(SUPPORTED_SUFFIXES)}")
    if not path.exists():
        raise LoadError("no such file")
    if kind in (".jsonl", ".jsonl.gz"):  # read line by line: no size limit
        return _load_jsonl(path, _lines(path, compressed=kind == ".jsonl.gz"))
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise LoadError(f"file is {size / 2**20:.0f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB")
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise LoadError("binary file, not text")
    return loader(path, data)


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(f"not UTF-8 text (bad byte at offset {exc.start}); re-save it as UTF-8") from None


def _one(article: Article | None, path: Path) -> Iterator[Article]:
    if article is None:
        raise LoadError("no text in file")
    yield article


def _load_text(path: Path, data: bytes) -> Iterator[Article]:
    text = clean_text(_decode(data))
    meta = _sidecar(path)
    title, body = (meta["title"], text) if meta.get("title") else _split_title(text)
    article = _article(meta.get("id") or path.stem, title, body, url=meta.get("url"), source=meta.get("source") or path.name,
                       published=meta.get("published"), authors=meta.get("authors"))
    return _one(article, path)


def _sidecar(path: Path) -> dict:
    """The metadata kept beside a plain-text article (`X.txt` -> `X.meta.json`: title, published, url,
    source, authors, id), so the article's text stays as it was written. {} when there is none."""
    meta = path.with_name(path.stem + META_SUFFIX)
    if not meta.is_file():
        return {}
    try:
        fields = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise LoadError(f"{meta.name} is not readable JSON ({exc})") from None
    if not isinstance(fields, dict):
        raise LoadError(f"{meta.name} must hold a JSON object")
    for key in ("title", "id", "url", "source", "published"):
        if key in fields and not isinstance(fields[key], str):
            raise LoadError(f"{meta.name}: {key!r} must be a string")
    authors = fields.get("authors")
    if authors is not None and not (isinstance(authors, str) or isinstance(authors, list) and all(isinstance(a, str) for a in authors)):
        raise LoadError(f"{meta.name}: 'authors' must be a string or a list of strings")
    return fields


def _load_markdown(path: Path, data: bytes) -> Iterator[Article]:
    front, text = _front_matter(_decode(data))
    text = _strip_markdown(text)
    heading = re.match(r"\s*#\s+(.+)\n", text)
    if heading:
        text = text[heading.end():]
    text = clean_text(re.sub(r"(?m)^#{1,6}\s+", "", text))
    title = front.get("title") or (heading.group(1).strip() if heading else _split_title(text)[0])
    article = _article(
        front.get("id") or path.stem, title, text, url=front.get("url"), source=path.name,
        published=front.get("published") or front.get("date"), authors=front.get("author"),
    )
    return _one(article, path)


def _load_html(path: Path, data: bytes) -> Iterator[Article]:
    parts = html_to_parts(data)
    title = parts.title or _split_title(parts.text)[0]
    article = _article(
        path.stem, title, parts.text, url=parts.url, source=path.name,
        published=parts.published, authors=parts.authors,
    )
    return _one(article, path)


def _lines(path: Path, compressed: bool) -> Iterator[bytes]:
    """The lines of a (gzipped) file as bytes; `LoadError` for a binary or broken file."""
    try:
        with (gzip.open(path, "rb") if compressed else open(path, "rb")) as file:
            for number, line in enumerate(file, start=1):
                if number == 1 and b"\x00" in line[:8192]:
                    raise LoadError("binary file, not text")
                yield line
    except (OSError, EOFError, zlib.error) as exc:
        raise LoadError(f"cannot read {'gzip ' if compressed else ''}file: {exc}") from None


def _load_jsonl(path: Path, lines: Iterable[bytes]) -> Iterator[Article | Skipped]:
    skipped, loaded, questions = [], 0, 0
    for number, raw in enumerate(lines, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            skipped.append(Skipped(f"{path}:{number}", f"not UTF-8 text (bad byte at offset {exc.start})"))
            continue
        if not line.strip():
            continue
        questions += '"question"' in line and '"text"' not in line
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            skipped.append(Skipped(f"{path}:{number}", f"not valid JSON ({exc.msg} at column {exc.colno})"))
            continue
        try:
            article = parse_record(record)
        except (LoadError, ValueError) as exc:
            skipped.append(Skipped(f"{path}:{number}", str(exc)))
            continue
        loaded += 1
        yield article
    if not loaded:
        # A file with no article at all (a question set, say) is one skip, not one per line.
        if questions and questions == len(skipped):
            raise LoadError("a question set, not articles (use it with `newsqa eval`)")
        first = f"; first: line {skipped[0].where.rsplit(':', 1)[1]}: {skipped[0].reason}" if skipped else ""
        raise LoadError(f"no article records in {len(skipped)} lines{first}")
    yield from skipped


def parse_record(record: object) -> Article:
    """An article from a `{"id","url","title","published","authors","text"}` record (only text required)."""
    if not isinstance(record, dict):
        raise LoadError(f"expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise LoadError("'text' must be a non-empty string")
    for key in ("id", "url", "title", "published"):
        if record.get(key) is not None and not isinstance(record[key], (str, int)):
            raise LoadError(f"{key!r} must be a string, got {type(record[key]).__name__}")
    url = record.get("url") or None
    article_id = str(record.get("id") or "").strip() or (url_id(url) if isinstance(url, str) and url.strip() else _derived_id(text))
    text = clean_text(text)
    title = clean_text(str(record.get("title") or "")) or _split_title(text)[0]
    source = urlsplit(url).hostname if url else None
    article = _article(article_id, title, text, url=url, source=source,
                       published=record.get("published"), authors=record.get("authors"))
    if article is None:
        raise LoadError("no text left after cleaning")
    return article


def _article(article_id, title, text, *, url=None, source=None, published=None, authors=None) -> Article | None:
    text = clean_text(text)
    if not text:
        return None
    if isinstance(authors, str):
        authors = [authors]
    authors = tuple(clean_text(a) for a in authors or () if isinstance(a, str) and a.strip())
    url = url.strip() if isinstance(url, str) and url.strip().startswith(("http://", "https://")) else None
    return Article(
        id=clean_text(str(article_id))[:MAX_ID_CHARS],
        title=clean_text(title or ""),
        text=text,
        url=url,
        source=source,
        published=normalise_date(str(published)) if published else None,
        authors=authors,
    )


def _derived_id(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:16]


def _split_title(text: str) -> tuple[str, str]:
    """A (title, body) pair: a short first line is a headline, else the first sentence stands in.

    >>> _split_title("Storm hits coast\\n\\nThe storm arrived on Monday.")
    ('Storm hits coast', 'The storm arrived on Monday.')
    >>> _split_title("The storm arrived on Monday. It left.")
    ('The storm arrived on Monday.', 'The storm arrived on Monday. It left.')
    """
    first, _, rest = text.partition("\n")
    if rest.strip() and len(first) <= 150 and not first.rstrip().endswith((".", "!", "?", ":", ",")):
        return first.strip(), rest.strip()
    sentence = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]
    if len(sentence) > 100:
        sentence = sentence[:100].rsplit(" ", 1)[0] + "…"
    return sentence, text


_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT.match(text.replace("\r\n", "\n"))
    if not match:
        return {}, text
    fields = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return fields, text[match.end():]


def _strip_markdown(text: str) -> str:
    text = re.sub(r"<(script|style)\b.*?</\1\s*>", "", text, flags=re.S | re.I)
    text = re.sub(r"<[^>\n]+>", "", text)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(?m)^\s*\[[^\]]+\]:\s*\S+.*$", "", text)
    text = re.sub(r"(?m)^\s*(```|~~~).*$", "", text)
    text = re.sub(r"(?m)^\s*>\s?", "", text)
    text = re.sub(r"(?m)^\s*[-*+]\s+", "", text)
    text = re.sub(r"(\*\*|__|\*|`)(\S(?:.*?\S)?)\1", r"\2", text)
    return text


_LOADERS = {
    ".txt": _load_text,
    ".text": _load_text,
    ".md": _load_markdown,
    ".markdown": _load_markdown,
    ".html": _load_html,
    ".htm": _load_html,
    ".jsonl": _load_jsonl,
    ".jsonl.gz": _load_jsonl,
}
SUPPORTED_SUFFIXES = tuple(sorted(_LOADERS))
