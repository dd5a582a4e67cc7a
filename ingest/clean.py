"""Normalise raw text and pull an article's main text and metadata out of HTML."""

import json
import re
import unicodedata
from dataclasses import dataclass

from bs4 import BeautifulSoup, Comment

__all__ = ["HtmlParts", "clean_text", "html_to_parts", "normalise_date"]

# Zero-width characters and bidirectional overrides: invisible in a browser, so they can hide text
# from a reader while the model still sees it. Arabic right-to-left marks are dropped too; the
# visible text is unchanged.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")


def clean_text(text: str) -> str:
    """Normalise unicode and whitespace, drop invisible and control characters, keep paragraphs.

    >>> clean_text("  Hello\u200b  world \\r\\n\\n\\n\\nNext\\x07 para ")
    'Hello world\\n\\nNext para'
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", _INVISIBLE.sub("", text))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# Never text of the page: code, embedded objects and what a reader cannot see.
_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "head")
# Page furniture, dropped by the fallback extractor (trafilatura judges these itself).
_FURNITURE_TAGS = ("form", "button", "input", "select", "textarea", "nav", "header", "footer", "aside")
_BLOCK_TAGS = (
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
    "blockquote", "pre", "table", "tr", "td", "th", "figcaption", "dd", "dt", "address",
)
_BOILERPLATE = re.compile(
    r"(^|[-_ ])(nav|navbar|navigation|menu|footer|sidebar|cookies?|banner|advert|ads|share|social"
    r"|related|comments?|newsletter|subscribe|promo|breadcrumbs?|skip-link)([-_ ]|$)",
    re.I,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0", re.I)
_BOILERPLATE_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu"}


@dataclass(frozen=True)
class HtmlParts:
    """What an HTML page says about itself, and its main text."""

    title: str
    text: str
    url: str | None = None
    published: str | None = None
    authors: tuple[str, ...] = ()


def html_to_parts(html: str | bytes, extractor: str = "trafilatura") -> HtmlParts:
    """Main text (no scripts, styles, navigation or hidden text) and metadata of an HTML page.

    Hidden text goes first, whatever extracts the main text: text a reader cannot see (display:none,
    aria-hidden, comments, scripts) is how instructions get planted for a model. Then trafilatura finds
    the main text; when it finds none (or far less than the page's main element holds), the heuristic
    extractor below does (`extractor="heuristic"` uses it alone)."""
    soup = BeautifulSoup(html, "lxml")
    meta = _page_metadata(soup)
    for node in soup.find_all(string=lambda s: isinstance(s, Comment)):
        node.extract()
    for tag in soup.find_all(_INVISIBLE_TAGS):
        tag.decompose()
    for tag in soup.find_all(_is_hidden):
        tag.decompose()
    visible = str(soup) if extractor == "trafilatura" else ""
    fallback = _heuristic_text(soup)
    text = _trafilatura_text(visible) if visible else ""
    if len(text) < 0.2 * len(fallback):  # trafilatura found nothing, or only a fragment of the page
        text = fallback
    title = meta.pop("title") or _first_heading(soup) or ""
    return HtmlParts(title=clean_text(title), text=text, **meta)


def _trafilatura_text(html: str) -> str:
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=True, include_images=False,
                               include_links=False, deduplicate=False, favor_recall=False, favor_precision=True)
    return clean_text(text.replace("\n", "\n\n")) if text else ""


def _heuristic_text(soup) -> str:
    """The page's <article> (the longest), <main> or <body>, without navigation and other furniture."""
    for tag in soup.find_all(_FURNITURE_TAGS):
        tag.decompose()
    for tag in soup.find_all(_is_boilerplate):
        tag.decompose()
    root = _main_root(soup)
    for br in root.find_all("br"):
        br.replace_with("\n")
    for tag in root.find_all(_BLOCK_TAGS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    return clean_text(root.get_text())


def _is_hidden(tag) -> bool:
    if tag.attrs is None:
        return False
    return tag.has_attr("hidden") or tag.get("aria-hidden") == "true" or bool(_HIDDEN_STYLE.search(tag.get("style", "")))


def _is_boilerplate(tag) -> bool:
    if tag.name in ("html", "body", "article", "main") or tag.attrs is None:
        return False
    if tag.get("role") in _BOILERPLATE_ROLES:
        return True
    names = " ".join(tag.get("class", [])) + " " + tag.get("id", "")
    return bool(_BOILERPLATE.search(names))


def _main_root(soup):
    articles = soup.find_all("article")
    if articles:
        return max(articles, key=lambda a: len(a.get_text()))
    return soup.find("main") or soup.find(attrs={"role": "main"}) or soup.body or soup


def _first_heading(soup) -> str | None:
    h1 = soup.find("h1")
    return h1.get_text(" ", strip=True) if h1 else None


def _meta(soup, *keys: str) -> str | None:
    for key in keys:
        tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
        if tag and tag.get("content", "").strip():
            return tag["content"].strip()
    return None


def _page_metadata(soup) -> dict:
    title = _meta(soup, "og:title", "twitter:title")
    if not title and soup.title and soup.title.string:
        title = soup.title.string
    canonical = soup.find("link", rel="canonical")
    url = (canonical.get("href") if canonical else None) or _meta(soup, "og:url")
    published = _meta(soup, "article:published_time", "datePublished", "pubdate", "publish-date", "date", "dc.date")
    if not published:
        time_tag = soup.find("time", attrs={"datetime": True}) or soup.find(attrs={"itemprop": "datePublished"})
        if time_tag:
            published = time_tag.get("datetime") or time_tag.get("content")
    ld = _json_ld(soup)
    published = published or ld.get("datePublished")
    author = _meta(soup, "author", "article:author") or _ld_author(ld)
    return {
        "title": title,
        "url": url if url and url.startswith(("http://", "https://")) else None,
        "published": normalise_date(published),
        "authors": (author,) if author else (),
    }


def _json_ld(soup) -> dict:
    for tag in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(tag.string or "")
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and "datePublished" in item:
                return item
    return {}


def _ld_author(ld: dict) -> str | None:
    author = ld.get("author")
    if isinstance(author, list) and author:
        author = author[0]
    if isinstance(author, dict):
        author = author.get("name")
    return author if isinstance(author, str) and author.strip() else None


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def normalise_date(value) -> str | None:
    """An ISO date (YYYY-MM-DD) from the usual ways news pages write one, else None.

    >>> normalise_date("2022-01-21T09:30:00Z"), normalise_date("Jan 21, 2022"), normalise_date("soon")
    ('2022-01-21', '2022-01-21', None)
    """
    if not isinstance(value, str) or not value.strip():
        return None
    match = _ISO_DATE.match(value.strip())
    if match:
        return "-".join(match.groups())
    from dateutil import parser

    try:
        return parser.parse(value.strip(), fuzzy=False).date().isoformat()
    except (ValueError, OverflowError):
        return None
