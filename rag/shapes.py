"""The shape of an answer follows the kind of question: a fact (a short span and the sentence that
holds it), an explanation (the few sentences of the articles that bear on it, each cited), or the
latest news on a topic (the newest articles, headline and first sentence)."""

import re
from collections.abc import Sequence

from ingest.chunk import split_sentences
from ingest.store import Hit

from .evidence import Evidence
from .terms import KeyTerms, addresses
from .text import content_words

__all__ = ["EXPLAIN_SENTENCES", "KINDS", "explanation", "first_sentence", "newest", "question_kind", "topic"]

KINDS = ("factoid", "explanatory", "latest")
EXPLAIN_SENTENCES = 3
# An explanation needs a sentence at least this close to the question: its share of the topic's words
# plus its embedding similarity (a sentence that shares no word and is not similar explains nothing).
MIN_EXPLAIN_SCORE = 0.5
# What giving a reason ("because", "in an attempt to") adds to a sentence's rank for a "why" question.
REASON_BONUS = 1.0
# A sentence whose words another chosen sentence already has (this share of them) adds nothing.
REDUNDANT = 0.6

# "Latest" as the thing asked for ("what's the latest on X", "latest news"), not as a word of the
# question ("the latest census", "according to recent reports, how many ...", "who broke the news about").
_REQUEST = r"^\s*(?:(?:please|so|and|ok(?:ay)?)[,\s]+)*(?:(?:can|could|would) you\s+)?(?:tell me\s+|give me\s+|show me\s+)?"
_LATEST = re.compile(
    _REQUEST + r"(?:(?:what(?:'s|’s| is| are)|is there|are there|any)\s+)?(?:the\s+|any\s+)?"
    r"(?:(?:latest|newest|most recent|recent)\s+(?:news|updates?|developments?|stories|headlines|reports)|news\s+(?:on|about))\b"
    r"|" + _REQUEST + r"what(?:'s|’s| is| are)\s+(?:the\s+)?(?:latest|newest)(?=\s*(?:[?.!]|$|(?:on|about|with|regarding)\b))"
    r"|" + _REQUEST + r"(?:what(?:'s|’s| is) new|(?:the\s+)?latest\s+on|any news)\b", re.I)
_EXPLAIN = re.compile(
    _REQUEST + r"(?:why|how come|how(?!\s+(?:many|much|long|old|far|large|big|tall|high|often|fast|close|soon|deep|late|"
    r"early|wide|heavy|hot|cold|fast|quickly|likely)\b)|"
    r"what (?:happened|is happening|went wrong|caused|led to|do we know|(?:was|is) behind)|describe|summari[sz]e|explain|"
    r"tell me (?:about|more)\b|give (?:me )?(?:an? )?(?:overview|summary|rundown))\b"
    r"|\bwhat (?:happened|is going on)\b|\b(?:the )?(?:reason|cause)s? (?:for|of|behind)\b",
    re.I,
)
# The words that say what kind of answer is wanted, not what it is about (lower case only: "New" in
# "New York" and "News" in "Sky News" are names).
_ASKING = re.compile(
    r"(?i:^\s*(?:what|is|are|please|so|and|can you|could you|tell me|give me|show me|any|latest|newest|the|summari[sz]e|describe|explain)\b)|"
    r"\b(?:what(?:'s|’s| is| are| was)?|is|are|the|latest|newest|most recent|recent|breaking|new|any|news|"
    r"updates?|stories|story|headlines?|developments?|on|about|regarding|with|summari[sz]e|describe|explain|"
    r"tell me|give me|an?|overview|summary|rundown|of|please|happened|happening|going on|there)\b|’s|'s|[?.!,]",
)
_WHY = re.compile(_REQUEST + r"(?:why|how come|what (?:caused|led to|(?:was|is) behind)|(?:what is )?the (?:reason|cause))\b",
                  re.I)
# Words that give a reason (not "since" or "after": they mostly give a time).
_REASON = re.compile(r"\b(because|due to|in an attempt|in order to|so that|as a result|aimed|in protest|to protest|"
                     r"in response|citing|blamed|the reason|caused by|seeking to|trying to|in a bid)\b", re.I)
_QUESTION_WORDS = {"why", "how", "what", "happen", "caus", "reason", "led", "explain", "describ", "summariz", "tell"}


def question_kind(question: str) -> str:
    """factoid, explanatory or latest.

    >>> [question_kind(q) for q in ("How many prisoners were recaptured?", "Why did they attack the prison?",
    ...  "What happened at the prison?", "What is the latest news on the prison attack?", "How did it end?")]
    ['factoid', 'explanatory', 'explanatory', 'latest', 'explanatory']
    """
    if _EXPLAIN.search(question):  # "summarize the latest news" asks for a summary
        return "explanatory"
    if _LATEST.search(question):
        return "latest"
    return "factoid"


def topic(question: str) -> str:
    """What a summary or latest-news question is about, without the words that ask for the kind.

    >>> topic("What is the latest news on the prison attack?"), topic("What's new?")
    ('prison attack', '')
    """
    return " ".join(_ASKING.sub(" ", question).split())


def explanation(evidence: Sequence[Evidence], terms: KeyTerms, question: str,
                limit: int = EXPLAIN_SENTENCES) -> list[Evidence]:
    """The best few sentences that bear on the question, none repeating another, in reading order
    (article by article, each in its own order); [] when none is close enough to explain anything.

    Sentences are ranked by what the question asks about the named things (its other words: "closed"
    in "why was the Elm Street bridge closed"), since every sentence about the bridge names it; the
    names only decide which passages may speak (`addresses`). A "why" question prefers sentences that
    give a reason."""
    named = {w for name in terms.names for w in name}
    asked = {w for w in content_words(_ASKING.sub(" ", question)) if w not in named and w not in _QUESTION_WORDS}
    why = bool(_WHY.match(question))
    ranked = []
    for item in evidence:
        if not addresses(terms, item.hit) or _is_question(item.text, question) or item.overlap + item.similarity < MIN_EXPLAIN_SCORE:
            continue
        said = content_words(item.text)
        told = len(asked & said) / len(asked) if asked else 0.0
        if asked and not told:
            continue
        ranked.append((told + item.similarity + 0.3 * item.overlap + (REASON_BONUS if why and _REASON.search(item.text) else 0.0), item))
    chosen: list[Evidence] = []
    for _, item in sorted(ranked, key=lambda pair: -pair[0]):
        said = content_words(item.text)
        if len(chosen) == limit:
            break
        if any(len(said & content_words(c.text)) >= REDUNDANT * len(said) for c in chosen):
            continue
        chosen.append(item)
    articles = list(dict.fromkeys(c.hit.article_id for c in chosen))
    return sorted(chosen, key=lambda c: (articles.index(c.hit.article_id), c.hit.ord, c.hit.text.find(c.text)))


def newest(hits: Sequence[Hit], terms: KeyTerms, limit: int = 3) -> list[Hit]:
    """One passage per article about the topic, newest article first (undated ones last)."""
    seen, found = set(), []
    for hit in hits:
        if hit.article_id not in seen and addresses(terms, hit):
            seen.add(hit.article_id)
            found.append(hit)
    dated = sorted((h for h in found if h.published), key=lambda h: h.published, reverse=True)
    return (dated + [h for h in found if not h.published])[:limit]


def first_sentence(text: str) -> str:
    """The first sentence of an article's text.

    >>> first_sentence("The storm hit on Monday. It left on Tuesday.")
    'The storm hit on Monday.'
    """
    for paragraph in text.split("\n"):
        sentences = split_sentences(paragraph)
        if sentences:
            return sentences[0]
    return ""


def _closeness(item: Evidence) -> float:
    return item.overlap + item.similarity


def _is_question(sentence: str, question: str) -> bool:
    return content_words(sentence) <= content_words(question)
