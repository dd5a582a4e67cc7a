"""News-aware cleaning: the story's own text, without what a news page wraps around it.

Datelines ("WASHINGTON — ", "(CNN) "), bylines and author notes, desk, agency and photo credits, captions,
newsletter, puzzle and related-story promotions, editor's notes and subheadings are furniture: a reader skips
them, and an answer taken from them is wrong (a reporter's name is not the victim's, a heading that asks
"Where is X?" answers nothing). They are dropped from the text that is chunked; the article's authors and date
stay its metadata. Whole paragraphs go, or a dateline at a paragraph's start; a sentence of the story never does.
"""

import re
from collections.abc import Sequence

__all__ = ["BOILERPLATE_KINDS", "NEWS_RULES", "classify_paragraphs", "news_text", "strip_dateline", "unwrap"]

BOILERPLATE_KINDS = ("dateline", "byline", "credit", "promo", "subheading", "other")

_DASH = "[—–−―-]"
# "WASHINGTON — ", "CANNES, France — ", "KYIV, Ukraine (AP) — ", "NEW YORK, Jan. 5 (Reuters) - ", "(CNN) "
_DATELINE_PREFIX = re.compile(
    r"^(?:(?:[A-Z][\w.'’-]*(?:\s[A-Z][\w.'’-]*){0,3},?\s)?\((?:CNN(?: Business| Sport)?|AP|Reuters|AFP|UPI)\)\s*(?:"
    + _DASH + r"\s*)?"
    r"|(?:[A-Z][A-Z.'’-]+(?:\s[A-Z][A-Z.'’-]+){0,3})(?:,\s[A-Z][A-Za-z.'’ ]{1,30}?)?(?:,\s\w{3,5}\.?\s\d{1,2})?"
    r"(?:\s\((?:AP|Reuters|AFP|UPI|CNN)\))?\s" + _DASH + r"{1,2}\s)")
_AGENCIES = (r"(?:AP|AFP|Reuters|Getty Images|Shutterstock|Adobe Stock|EPA|Bloomberg|Sipa USA|Imagn|CNN|NurPhoto|Alamy|dpa|"
             r"Xinhua|(?i:USA TODAY)(?: (?i:Sports|Network))?)")
_DESK = re.compile(r"^(?:USA TODAY(?: Sports| NETWORK)?|The Associated Press|Associated Press|Reuters|AFP|CNN|"
                   r"CNN\s" + _DASH + r"|[\w ,.'’()-]{1,40}\sCNN\s" + _DASH + r"|[a-z0-9-]+(?:\.[a-z0-9-]+)+|"
                   r"(?:The\s)?\([\w ,.]+\)\s[\w ]+)$")
_CREDIT = re.compile(r"^(?:Contributing:|Contributors?:|Photo(?:s|graph)?(?: by|:)|Image(?: credit)?:|\(Image credit|"
                     r"\((?:Photo|Image|Video):|Video:|Source:|Credit:|Illustration by)", re.I)
# A caption that ends in whose picture it is: "... Allison Lee Isley/AP", "... via Getty Images", "... found. Adobe
# Stock", "... (Image credit: Jane Roe/Getty Images)"; never a sentence that ends "..., he told CNN."
_PHOTO_CREDIT = re.compile(r"(?:[\w.'’-]+\s){0,3}[\w.'’-]+/" + _AGENCIES + r"\s*$|\bvia\s" + _AGENCIES + r"\s*$"
                           r"|[.!?”\"]\s+" + _AGENCIES + r"\s*$|\((?:Image credit|Photo credit|Photo|Image|Credit):[^)]*\)\s*$")
# Promotions that announce themselves, at any length; and, in a short paragraph, calls to act ("Sign up", "Play the
# ... puzzle", "click here") or the words of an advertisement. A sentence that merely mentions a subscription or a
# puzzle game is news.
_PROMO_BLOCK = re.compile(r"^(?:Subscribe to\b|Sign up for\b|Get .{0,40} in your inbox|JUST WATCHED\b|Video Ad Feedback\b)")
_PROMO = re.compile(
    r"^(?:(?:Need a break|Looking for [^?]{1,40})\?\s)?(?:Sign up|Subscribe|Play|Download|Follow us|Click|Tap|Check (?:out|your)|"
    r"Get (?:our|the|your)|Join|Listen to|Watch:|Advertisement$|Sponsored$)"
    r"|\b(?:newsletters?\b|in your inbox|click here|tap here|earn (?:us )?a commission|purchases you make|all rights reserved|"
    r"©|Read more$|Read More$)"
    r"|^(?:Read more|More|Related|Also read|See also|Watch|Listen|Opinion|Explore)(?: [^:.]{0,30})?:"
    r"|^►|>>>", re.I)
PROMO_WORDS = 25
# A label glued to a headline, USA TODAY's link style: "More:Fans banned ...", "Harry's memoir:Physical attacks ..."
_LINKED_HEADLINE = re.compile(r"^[^.!?:]{1,60}[^\W\d]:(?=[A-Z‘'\"“$\d])\S")  # not a time ("at 8:57 a.m.")
_NAME = r"[A-Z][\w'’.-]+(?:\s[A-Z][\w'’.-]+){1,3}"
# About the reporter: "By Jane Roe", "Jane Roe is a reporter ...", "Jane Roe covers ... for the ...", "Contact Jane Roe
# at ...", "Follow her on Twitter ..." (a paragraph that opens so; the story's own sentences about a journalist do not).
_ABOUT_THE_AUTHOR = re.compile(
    r"^(?:By\s[A-Z]|(?:Follow|Reach|Contact|Email|Call)\s.{0,80}(?:\bon\s(?:Twitter|X|Instagram|Facebook|Threads|Bluesky)\b|@|"
    r"\bat\s\S+@|\bat\s\d|\breporter\b))"
    rf"|^{_NAME}(?:,\s[^,]{{1,40}},)?\s(?:is|was)\s(?:an?|the)\s.{{0,100}}?\b(?i:reporter|correspondent|writer|editor|"
    r"columnist|journalist|contributor|producer|intern)\b"
    rf"|^{_NAME}\s(?:covers|writes about|reports on)\s")
_REACH_THE_AUTHOR = re.compile(r"\b(?:can be reached at|reach (?:him|her|them) at|contact (?:him|her|them) at)\b")
_EDITORIAL = re.compile(
    r"^(?:\(?This (?:story|article|report) (?:has been|was|originally|first|is)\b|\(?Editor[’']?s note\b|CORRECTION\b|"
    r"A version of this (?:story|article|report)\b|"
    r"Correction:|Clarification:|AI-assisted summary\b|\(?Updated\b|\(?Update:|Originally published\b|First published\b|"
    r"Published\s|Last updated\b)", re.I)
_DATE_ONLY = re.compile(
    r"^(?:(?:Updated|Published|Posted)\s)?(?:[A-Z][a-z]{2,8}\.?\s\d{1,2},?\s\d{4}|\d{1,2}\s[A-Z][a-z]{2,8}\s\d{4}|\d{4}-\d{2}-\d{2})"
    r"(?:,?\s(?:at\s)?\d{1,2}:\d{2}\s?(?:a\.m\.|p\.m\.|am|pm|AM|PM)?(?:\s[A-Z]{2,4})?)?\.?$"
    r"|^\d{1,2}:\d{2}\s?(?:a\.m\.|p\.m\.|am|pm|AM|PM)(?:\s[A-Z]{2,4})?(?:,?\s.{0,30}\d{4})?$"
    r"|^\d{1,3}\s(?:min|minute)s?\s(?:read|listen)$"
    r"|^[A-Z][a-z]{2,8}\.?\s\d{1,2},?\s\d{4},?\s(?:Updated|Published)\b.{0,40}$", re.I)
_NAME_WORD = r"[A-Z][a-z'’-]+|[A-Z]\.|Mc[A-Z][a-z]+|de|van|von|da|del|la"
_JUST_A_NAME = re.compile(rf"^(?:{_NAME_WORD})(?:\s(?:{_NAME_WORD})){{1,3}}(?:\s(?:and|&)\s(?:{_NAME_WORD})(?:\s(?:{_NAME_WORD})){{1,3}})?$")
# A heading: a short line that does not end like a sentence (or a one-sentence question standing alone, or a few
# words in single quotes). A short "Label: value" line is a fact ("Where: Ahmad Bin Ali Stadium"), not a heading.
_SENTENCE_END = re.compile(r"[.!…\"”’)\]]$")
_FACT_LINE = re.compile(r"^[^:]{1,40}:\s\S")
_QUOTED_HEADING = re.compile(r"^‘[^‘’]+’$")
# A heading that states a count or an amount states a fact of the story ("SDF has recaptured more than 100
# prisoners"): it stays, as a "Label: value" line does. A date or a year alone is no such fact.
_STATED_NUMBER = re.compile(r"(?<![\d,.:/-])(?:\$|£|€)?\d[\d,.]*(?!\d)(?!\s*(?:a\.m\.|p\.m\.|am|pm))(?![:/-]\d)(?<!\b(?:19|20)\d\d)")
HEADING_WORDS = 14
WRAP_WIDTH = 40  # characters: the lines of hard-wrapped text are at least this long
QUESTION_HEADING_WORDS = 20


def classify_paragraphs(paragraphs: Sequence[str], authors: Sequence[str] = ()) -> list[str | None]:
    """Each paragraph's kind of boilerplate (one of BOILERPLATE_KINDS), or None for the story's own text.

    >>> classify_paragraphs(["Jane Roe", "USA TODAY", "WASHINGTON — The Senate passed the bill on Friday.",
    ...                      "What happens next?", "The House votes at 9:30 a.m. ET on Monday.", "More:Senate passes bill",
    ...                      "Contact Jane Roe at jroe@usatoday.com."])
    ['byline', 'credit', None, 'subheading', None, 'promo', 'byline']
    """
    names = {_fold(a) for a in authors if a and a.strip()}
    kinds = []
    for index, paragraph in enumerate(paragraphs):
        kinds.append(_kind(paragraph.strip(), index, names))
    return kinds


def _kind(paragraph: str, index: int, authors: set[str]) -> str | None:
    words = paragraph.split()
    if not words:
        return "other"
    if _DATE_ONLY.match(paragraph):
        return "dateline"
    if _EDITORIAL.match(paragraph):
        return "dateline" if re.match(r"\(?(?:Updated|Update:|Originally published|First published|Published|Last updated)",
                                      paragraph, re.I) or re.search(r"\bpublished\b.{0,20}\d{4}", paragraph) else "other"
    if _fold(paragraph) in authors or _fold(re.sub(r"^By\s", "", paragraph)) in authors:
        return "byline"
    if _DESK.match(paragraph) or _CREDIT.match(paragraph):
        return "credit"
    if _ABOUT_THE_AUTHOR.match(paragraph) and len(words) <= 60 or _REACH_THE_AUTHOR.search(paragraph) and len(words) <= 40:
        return "byline"
    if _PROMO_BLOCK.match(paragraph) and len(words) <= 120 or len(words) <= PROMO_WORDS and _PROMO.search(paragraph) \
            or len(words) <= 40 and _LINKED_HEADLINE.match(paragraph):
        return "promo"
    if len(words) <= 4 and index <= 2 and _JUST_A_NAME.match(paragraph):
        return "byline"  # a name alone on the article's first lines, before the story starts
    if _PHOTO_CREDIT.search(paragraph) and len(words) <= 60:
        return "credit"
    if len(words) <= HEADING_WORDS and not _FACT_LINE.match(paragraph) and not _STATED_NUMBER.search(paragraph) and (
            not _SENTENCE_END.search(paragraph) and not paragraph.endswith(("?", ":", ",")) or _QUOTED_HEADING.match(paragraph)):
        return "subheading"
    if paragraph.endswith("?") and len(words) <= QUESTION_HEADING_WORDS and not re.search(r"[.!]\s", paragraph) \
            and not paragraph.startswith(("“", '"', "‘", "'")):
        return "subheading"  # a question standing alone as a paragraph heads the answer that follows
    return None


def news_text(text: str, authors: Sequence[str] = ()) -> str:
    """The story's own paragraphs, without datelines, bylines, credits, promotions and subheadings; the text as it
    is when nothing of the story would be left. Hard-wrapped text is joined back into its paragraphs first.

    >>> news_text("By Jane Roe\\nUSA TODAY\\nLONDON (Reuters) - Prices rose 2% in May.\\nWhy it matters\\nRents led.")
    'Prices rose 2% in May.\\nRents led.'
    """
    paragraphs = [p.strip() for p in unwrap(text).split("\n") if p.strip()]
    kinds = classify_paragraphs(paragraphs, authors)
    kept = [strip_dateline(p) for p, kind in zip(paragraphs, kinds) if kind is None]
    kept = [p for p in kept if p]
    return "\n".join(kept) if kept else text


def unwrap(text: str) -> str:
    """Text hard-wrapped at a fixed width (most lines inside its blank-line-separated blocks end mid-sentence), with
    each block joined into one line; any other text as it is.

    >>> unwrap("The forces said they had surrounded the area and that\\nfighting continued.\\n\\nA second\\nparagraph.")
    'The forces said they had surrounded the area and that fighting continued.\\nA second paragraph.'
    >>> unwrap("One paragraph per line.\\nAnother one.")
    'One paragraph per line.\\nAnother one.'
    """
    blocks = [[line.strip() for line in block.split("\n") if line.strip()] for block in re.split(r"\n\s*\n", text)]
    inner = [line for block in blocks for line in block[:-1]]  # lines followed by another line of their block
    wide = [line for line in inner if len(line) >= WRAP_WIDTH]  # headings and bylines are short; wrapped lines are not
    cut = sum(1 for line in wide if not _SENTENCE_END.search(line) and not line.endswith(("?", ":")))
    if not wide or len(wide) < 0.5 * len(inner) or cut < 0.6 * len(wide):
        return text
    return "\n".join(" ".join(block) for block in blocks if block)


def strip_dateline(paragraph: str) -> str:
    """A paragraph without the dateline it starts with.

    >>> strip_dateline("KYIV, Ukraine (AP) — Russia fired 40 missiles."), strip_dateline("(CNN) Will Smith won.")
    ('Russia fired 40 missiles.', 'Will Smith won.')
    >>> strip_dateline("Hong Kong (CNN Business) Investors are leaving.")
    'Investors are leaving.'
    >>> strip_dateline("US — and Canadian — officials met.")  # a dash inside a sentence stays
    'US — and Canadian — officials met.'
    """
    match = _DATELINE_PREFIX.match(paragraph)
    if not match:
        return paragraph
    rest = paragraph[match.end():]
    return rest if rest[:1].isupper() or rest[:1] in "“\"‘'$" or rest[:1].isdigit() else paragraph


def _rules_digest() -> str:
    import hashlib
    from pathlib import Path

    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8]


# Which rules cleaned a stored article: part of its version, so that new rules re-chunk the stores they meet.
NEWS_RULES = f"news-{_rules_digest()}"


def _fold(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))
