"""Answer candidates: typed spans of the evidence sentences (numbers, dates, names, quoted titles,
noun phrases), scored by how well their sentence and position answer the question."""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .evidence import Evidence
from .places import asked_place_kind, place_kind_fit
from .text import STOPWORDS, content_words, normalise_answer, stem, words

__all__ = ["Candidate", "answer_type", "display_text", "extract_candidates", "question_focus", "rank_candidates"]

_NUMBER_Q = re.compile(
    r"\bhow (many|much|long|old|far|large|big|tall|high|often|fast)\b|\bwhat (percentage|percent|share|number|"
    r"amount|price|age|fraction|proportion|rate)\b|\bwhat'?s the (average|total|number|price|amount|cost)\b|"
    r"\bwhich milestone\b",
    re.I,
)
_MONEY_Q = re.compile(
    r"\bhow much\b.*\b(pay|paid|cost|costs|spend|spent|charge|charged|price|worth|earn|fine|fined|raise|owe)\b"
    r"|\b(price|cost|fee|fare|salary|refund|budget|revenue)\b", re.I,
)
_MONEY = re.compile(r"[$€£¥]|\b(dollars?|euros?|pounds?|yen|yuan)\b", re.I)
_DATE_Q = re.compile(r"\bwhen\b|\bwhat (day|date|year|month|time)\b|\bwhich (day|date|year|month)\b|\bat what time\b", re.I)
_PERSON_NOUNS = (
    "person|singer|author|host|golfer|star|actor|actress|player|leader|president|ceo|official|politician|artist|"
    "rapper|musician|director|coach|senator|governor|candidate|driver|celebrity|playwright|comedian|spokesperson|"
    "spokesman|minister|judge|athlete|writer|journalist|founder|owner|pope|king|queen|man|woman"
)
_PERSON_Q = re.compile(
    rf"^\s*(and\s+)?who\b|\bwho (is|was|were|are|did|has|had|will|won|became|said)\b|\bwhose\b"
    rf"|\b(?:which|what)\s+(?:[\w'’-]+\s+){{0,2}}(?:{_PERSON_NOUNS})s?\b",
    re.I,
)
_PLACE_NOUNS = (
    "city|state|country|nation|region|location|town|province|island|continent|county|capital|district|place|"
    "waterway|area|neighborhood|village|port|airport|prison|stadium|strait|sea|ocean|river|lake|mountain"
)
_PLACE_Q = re.compile(rf"\bwhere\b|\b(?:which|what)\s+(?:[\w'’-]+\s+){{0,2}}(?:{_PLACE_NOUNS})s?\b", re.I)
_NAME_Q = re.compile(r"\b(name of|named|called|what is (?:the|its|their|his|her) name)\b", re.I)
_FOCUS = re.compile(
    r"\b(?:which|what)\s+((?:[\w'’-]+\s+){0,3}?[\w'’-]+)\s+(?:was|were|is|are|did|does|do|has|have|had|will|"
    r"would|can|could|says|said|began|announced|experienced|recorded|claimed|embarked|revealed|declared|of|in|to)\b",
    re.I,
)


_DEFINING = re.compile(r"\s*(who|what)('s|’s|\s+is|\s+was|\s+are|\s+were)\b", re.I)
_ROLE = re.compile(r"\b(?:the|its|their|his|her)\s+([a-z]+)\s+of\b")
_COUNTED = re.compile(r"\bhow many\s+([\w'’-]+)", re.I)


def question_focus(question: str) -> set[str]:
    """The stemmed words of what a which/what question asks for.

    >>> sorted(question_focus("Which New York-area airport was shut down this week?"))
    ['airport', 'new', 'york-area']
    """
    match = _FOCUS.search(question) or _COUNTED.search(question)
    return {stem(w) for w in words(match.group(1))} if match else set()


def answer_type(question: str) -> str:
    """What kind of answer the question wants: number, date, person, place, name or thing.

    >>> [answer_type(q) for q in ["How many prisoners were recaptured?", "Who is the spokesperson?",
    ...  "In which city is the prison?", "At what time did they arrive?", "Which issue was at the center?"]]
    ['number', 'person', 'place', 'date', 'thing']
    """
    if _NUMBER_Q.search(question):
        return "number"
    if _DATE_Q.search(question):
        return "date"
    if _PERSON_Q.search(question):
        return "person"
    if _PLACE_Q.search(question):
        return "place"
    if _NAME_Q.search(question):
        return "name"
    return "thing"


_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_MONTH_ABBR = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})|(?:{_MONTH_ABBR})\.?)\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"
    rf"|\b\d{{1,2}}\s+(?:{_MONTHS})(?:\s+\d{{4}})?\b|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
    r"|\b\d{1,2}(?::\d{2})?\s*(?:a\.m\.|p\.m\.|am|pm)(?!\w)|\b(?:19|20)\d{2}\b"
)
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|dozen"
)
_NUMBER = re.compile(
    r"(?:(?:more|less|fewer) than|at least|at most|about|around|nearly|almost|over|under|some|up to|roughly|"
    r"approximately|an estimated|just over|just under)?\s*"
    rf"(?:[$€£]\s?\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?|\b(?:{_NUMBER_WORDS})(?:[- ](?:{_NUMBER_WORDS}))?\b)"
    r"(?:\s*(?:%|percent\b|per cent\b))?(?:\s*(?:million|billion|trillion|thousand)\b)?",
    re.I,
)
_WORD_NUMBERS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_QUOTED = re.compile(r"[“\"]([^”\"]{2,80})[”\"]")
_CAPITAL = re.compile(r"[A-Z][\w'’.&-]*|\d+[A-Za-z]*")
_CONNECTORS = {"of", "the", "de", "du", "la", "le", "von", "van", "der", "al", "bin", "and", "for", "&", "y", "da"}
_WEAK_STARTS = {
    "the", "a", "an", "in", "on", "at", "but", "and", "he", "she", "it", "they", "this", "that", "these",
    "those", "his", "her", "their", "its", "our", "we", "i", "after", "before", "when", "while", "as", "if",
    "according", "meanwhile", "however", "also", "so", "by", "for", "with", "from", "to", "there", "here",
    "last", "next", "mr", "mrs", "ms", "dr",
}
_TOKEN = re.compile(r"[\w'’.&$%-]+|[^\w\s]")


@dataclass(frozen=True)
class Candidate:
    """A span of an evidence sentence that could answer the question."""

    text: str
    kind: str  # number, date, name, quote, phrase
    evidence: Evidence
    start: int  # character offset in the sentence


def extract_candidates(sentence: Evidence) -> list[Candidate]:
    """Every typed span of one evidence sentence."""
    text = sentence.text
    found: list[Candidate] = []
    for match in _DATE.finditer(text):
        found.append(Candidate(match.group(0).strip(), "date", sentence, match.start()))
    for match in _NUMBER.finditer(text):
        span = match.group(0).strip()
        start = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
        if span and not _inside(start, found, "date"):
            found.append(Candidate(span, "number", sentence, start))
    for match in _QUOTED.finditer(text):
        found.append(Candidate(match.group(1).strip(), "quote", sentence, match.start(1)))
    found += [c for c in _names(sentence) if not _inside(c.start, found, "date")]
    found += _phrases(sentence)
    return found


def _inside(position: int, found: list[Candidate], kind: str) -> bool:
    return any(c.kind == kind and c.start <= position < c.start + len(c.text) for c in found)


def _names(sentence: Evidence) -> list[Candidate]:
    """Runs of capitalised words, with connectors inside ("Strait of Hormuz"), minus a weak first word."""
    text, names = sentence.text, []
    tokens = [(m.group(0), m.start()) for m in re.finditer(r"\S+", text)]
    run: list[tuple[str, int]] = []
    for index, (token, start) in enumerate(tokens + [("", len(text))]):
        word = token.strip("“”\"‘’'(),;:!?")
        capital = bool(word) and (word[0].isupper() or (word[0].isdigit() and run))
        connector = word.lower() in _CONNECTORS and run and index + 1 < len(tokens)
        if capital or connector:
            run.append((word, start + token.find(word) if word else start))
            if token.rstrip("”\"’'").endswith((",", ";", ":", ".", "!", "?", ")")) and not re.fullmatch(r"(?:[A-Z]\.)+", word):
                names += _close_run(run, sentence)
                run = []
            continue
        names += _close_run(run, sentence)
        run = []
    return names


def _close_run(run: list[tuple[str, int]], sentence: Evidence) -> list[Candidate]:
    while run and (run[-1][0].lower() in _CONNECTORS):
        run = run[:-1]
    while run and run[0][0].lower().rstrip(".") in _WEAK_STARTS:
        run = run[1:]
    if not run:
        return []
    start = run[0][1]
    end = run[-1][1] + len(run[-1][0])
    span = sentence.text[start:end].rstrip(".,;:")
    if not span or span.lower() in STOPWORDS:
        return []
    names = [Candidate(span, "name", sentence, start)]
    # "Governor Tony Evers of Wisconsin": each side of a connector is a name of its own too
    cuts = [i for i, (word, _) in enumerate(run) if word in ("of", "and", "for")]
    if cuts:
        for left, right in zip([-1] + cuts, cuts + [len(run)]):
            if right - left > 1:
                names += _close_run(run[left + 1:right], sentence)
    return names


def _phrases(sentence: Evidence) -> list[Candidate]:
    """Noun-phrase-like runs of 1-3 content words with no punctuation between them."""
    text, phrases = sentence.text, []
    tokens = [(m.group(0), m.start()) for m in re.finditer(r"[A-Za-z][\w'’-]*|\S", text)]
    for i in range(len(tokens)):
        for n in (1, 2, 3):
            window = tokens[i:i + n]
            if len(window) < n or not all(_contentful(t) for t, _ in window):
                continue
            start, end = window[0][1], window[-1][1] + len(window[-1][0])
            phrases.append(Candidate(text[start:end], "phrase", sentence, start))
    return phrases


def _contentful(token: str) -> bool:
    return token[0].isalpha() and token.lower() not in STOPWORDS and len(token) > 2


# The model's draft votes only for spans of sentences about as relevant as the best one: a 270M
# model often copies the number of a neighbouring sentence.
DRAFT_WEIGHT = 1.5
DRAFT_MARGIN = 0.3
MIN_OVERLAP = 0.1
# "Which state/country/region": a name that is one (from a small gazetteer) over one that is not.
PLACE_BONUS = 1.0

# How well each kind of span fits each kind of question (a negative fit all but rules a span out).
TYPE_FIT = {
    "number": {"number": 1.0, "date": -0.5, "name": -1.0, "quote": -1.0, "phrase": -1.0},
    "date": {"date": 1.0, "number": 0.2, "name": -1.0, "quote": -1.0, "phrase": -1.0},
    "person": {"name": 1.0, "quote": -0.3, "phrase": -0.6, "number": -1.0, "date": -1.0},
    "place": {"name": 1.0, "quote": -0.3, "phrase": -0.4, "number": -1.0, "date": -1.0},
    "thing": {"name": 0.6, "quote": 0.7, "phrase": 0.4, "number": -0.2, "date": -0.5},
    "name": {"name": 1.0, "quote": 0.8, "phrase": -0.5, "number": -1.0, "date": -1.0},
}


def rank_candidates(question: str, evidence: Sequence[Evidence], draft: str = "", limit: int = 12) -> list[tuple[float, Candidate]]:
    """Candidates from the best `limit` evidence sentences, best first, with their scores."""
    wanted = answer_type(question)
    focus = question_focus(question)
    places = asked_place_kind(question)
    money = wanted == "number" and bool(_MONEY_Q.search(question))
    asked = content_words(question) - focus
    # "Who is the director of X?" / "What is the capital of Y?": the sentence must name the role.
    roles = {stem(w) for w in _ROLE.findall(question)} - {"name"} if _DEFINING.match(question) else set()
    pool = [c for item in evidence[:limit] for c in extract_candidates(item)]
    pool += _focused_variants(pool, focus)
    support = _support_counts(pool)
    drafted = normalise_answer(draft)
    best_overlap = max((c.evidence.overlap for c in pool), default=0.0)
    # The draft helps pick among names and phrases, but for numbers and dates it only adds noise:
    # the 270M model copies whichever number stands nearest (measured on rtqa-dev and the seeds).
    draft_weight = 0.0 if wanted in ("number", "date") else DRAFT_WEIGHT
    scored = []
    for candidate in pool:
        if candidate.evidence.overlap < MIN_OVERLAP:
            continue  # a sentence that shares nothing with the question answers nothing
        own = content_words(candidate.text)
        repeated = len(own & asked) / len(own) if own else 0.0
        if (own and own <= asked | focus) or (not own and candidate.kind not in ("number", "date")):
            continue  # the question's own words are no answer
        fit = TYPE_FIT[wanted][candidate.kind]
        if wanted == "person" and candidate.kind == "name" and len(candidate.text.split()) > 1:
            fit += 0.2
        if focus and stem(words(candidate.text)[-1]) in focus:
            fit += 0.3  # "Gweiran Prison" for "which prison", "LaGuardia Airport" for "which airport"
        if money and candidate.kind == "number":
            # "how much did it cost": an amount of money ("$100", "5 million euros")
            written = candidate.evidence.text[candidate.start:candidate.start + len(candidate.text) + 9]
            fit += 0.5 if _MONEY.search(written) else -0.5
        if places is not None and candidate.kind == "name":
            fit += PLACE_BONUS if place_kind_fit(places, candidate.text) else -PLACE_BONUS / 2
        if roles and not roles <= {stem(w) for w in words(candidate.evidence.text)}:
            continue  # "the director of X": a sentence that never says "director" does not name one
        if candidate.kind == "phrase" and re.search(r"(ed|ing|ly)$", candidate.text):
            fit -= 0.3  # verbs and adverbs are rarely what a question asks for
        score = (
            2.0 * candidate.evidence.overlap
            + candidate.evidence.hit.score
            + fit
            + 0.5 * _proximity(candidate, asked)
            + 0.5 * _proximity(candidate, focus)
            + 0.3 * math.log(support[candidate_key(candidate.text)])
            + draft_weight * _agreement(drafted, candidate.text) * (candidate.evidence.overlap >= best_overlap - DRAFT_MARGIN)
            - 2.0 * repeated
        )
        scored.append((round(score, 4), candidate))
    scored.sort(key=lambda pair: pair[0], reverse=True)
    return _distinct(scored)


def _focused_variants(pool: Sequence[Candidate], focus: set[str]) -> list[Candidate]:
    """A name followed by the focus noun is one candidate: "ICE agents" for "which personnel/agents"."""
    variants = []
    for candidate in pool:
        if candidate.kind != "name":
            continue
        rest = candidate.evidence.text[candidate.start + len(candidate.text):]
        following = re.match(r"\s+([a-z][\w'’-]*)", rest)
        noun = following.group(1).lower() if following else ""
        if noun and noun not in STOPWORDS and (stem(noun) in focus or (noun.endswith("s") and len(noun) > 3)):
            text = candidate.text + following.group(0)
            variants.append(Candidate(text.strip(), "name", candidate.evidence, candidate.start))
    return variants


def display_text(candidate: Candidate) -> str:
    """The answer as shown: numbers written in words become digits ("four" -> "4").

    >>> display_text(Candidate("around four", "number", None, 0)), display_text(Candidate("Hassakeh", "name", None, 0))
    ('around 4', 'Hassakeh')
    """
    if candidate.kind != "number":
        return candidate.text
    return re.sub(r"[A-Za-z]+", lambda m: _WORD_NUMBERS.get(m.group(0).lower(), m.group(0)), candidate.text)


def _support_counts(pool: Sequence[Candidate]) -> dict[str, int]:
    """In how many articles each candidate (normalised) occurs."""
    articles: dict[str, set[str]] = {}
    for candidate in pool:
        articles.setdefault(candidate_key(candidate.text), set()).add(candidate.evidence.hit.article_id)
    return {text: len(ids) for text, ids in articles.items()}


def candidate_key(text: str) -> str:
    """Normalised text with number words as digits, so "four" and "4" are one candidate.

    >>> candidate_key("Four astronauts"), candidate_key("the 4 astronauts")
    ('4 astronauts', '4 astronauts')
    """
    return " ".join(_WORD_NUMBERS.get(w, w) for w in normalise_answer(text).split())


def _proximity(candidate: Candidate, asked: set[str]) -> float:
    """1 when a question word stands right beside the candidate, falling with distance."""
    text = candidate.evidence.text
    before = words(text[:candidate.start])
    after = words(text[candidate.start + len(candidate.text):])
    distances = [len(before) - i for i, w in enumerate(before) if stem(w) in asked]
    distances += [i + 1 for i, w in enumerate(after) if stem(w) in asked]
    return 1.0 / (1.0 + (min(distances) - 1) / 4.0) if distances else 0.0


def _agreement(drafted: str, text: str) -> float:
    """Token overlap (F1) between the model's draft and a candidate."""
    said, span = drafted.split(), normalise_answer(text).split()
    common = len(set(said) & set(span))
    if not said or not span or not common:
        return 0.0
    precision, recall = common / len(said), common / len(span)
    return 2 * precision * recall / (precision + recall)


def _distinct(scored: list[tuple[float, Candidate]]) -> list[tuple[float, Candidate]]:
    seen, result = set(), []
    for score, candidate in scored:
        key = candidate_key(candidate.text)
        if key not in seen:
            seen.add(key)
            result.append((score, candidate))
    return result
