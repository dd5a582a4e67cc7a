"""Answer candidates: typed spans of the evidence sentences (numbers, dates, names, quoted titles,
noun phrases), and what a question asks for. Which candidate answers is learned (rag/answer/scoring.py)."""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.text import STOPWORDS, stem, words
from rag.answer.evidence import Evidence
from rag.text import MONTHS, SCALES, WEEKDAYS, normalise_answer, number_words_as_digits, trim_span

__all__ = [
    "Candidate", "agreement", "answer_type", "asked_roles", "asks_count", "candidate_key", "continuation",
    "counts_what_is_asked", "display_text",
    "extract_candidates", "focused_variants", "is_money", "money_question", "proximity", "question_focus",
]

_NUMBER_Q = re.compile(
    r"\bhow (many|much|long|old|far|large|big|tall|high|often|fast)\b|\bwhat (percentage|percent|share|number|"
    r"amount|price|age|fraction|proportion|rate)\b|\bwhat'?s the (average|total|number|price|amount|cost)\b",
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
    "spokesman|minister|judge|athlete|writer|journalist|founder|owner|pope|king|queen|man|woman|chef|architect|"
    "scientist|lawyer|attorney|doctor|nurse|teacher|engineer|designer|producer|billionaire|entrepreneur|executive|"
    "activist|economist|prosecutor|mayor|chancellor|prince|princess|astronaut|soldier|officer|suspect|victim"
)
_PERSON_Q = re.compile(
    rf"^\s*(and\s+)?who\b|\bwho (is|was|were|are|did|has|had|will|won|became|said)\b|\bwhose\b"
    rf"|\b(?:which|what)\s+(?:[\w'’-]+\s+){{0,2}}(?:{_PERSON_NOUNS})s?\b",
    re.I,
)
_PLACE_NOUNS = (
    "city|state|country|nation|region|location|town|province|island|continent|county|capital|district|place|"
    "area|neighborhood|village|port|airport|prison|stadium|strait|sea|ocean|river|lake|mountain"
)
_PLACE_Q = re.compile(rf"\bwhere\b|\b(?:which|what)\s+(?:[\w'’-]+\s+){{0,2}}(?:{_PLACE_NOUNS})s?\b", re.I)
_NAME_Q = re.compile(r"\b(name of|named|called|what is (?:the|its|their|his|her) name)\b", re.I)
# The noun phrase after which/what, up to an auxiliary, a preposition or a past-tense verb.
_FOCUS = re.compile(
    r"\b(?:which|what)\s+((?:[\w'’-]+\s+){0,3}?[\w'’-]+)\s+(?:was|were|is|are|did|does|do|has|have|had|will|"
    r"would|can|could|should|may|might|of|in|to|for|on|at|by|from|that|\w+ed)\b",
    re.I,
)


_DEFINING = re.compile(r"\s*(who|what)('s|’s|\s+is|\s+was|\s+are|\s+were)\b", re.I)
_ROLE = re.compile(r"\b(?:the|its|their|his|her)\s+([a-z]+)\s+of\b")
_COUNTED = re.compile(r"\bhow many\s+([\w'’-]+)", re.I)
_COUNTED_WORDS = re.compile(r"\bhow many\s+(.*)", re.I)
# The words that scale a number written before them.
_SCALE_WORDS = {*SCALES, "percent"}
# A number that is a share of something, not a count of it.
_SHARE = re.compile(r"%|\bper ?cent\b", re.I)


def asked_roles(question: str) -> set[str]:
    """The role a defining question asks for: "who is the director of X" -> {"director"}.

    >>> asked_roles("Who is the mayor of Riverton?"), asked_roles("How many were hurt?")
    ({'mayor'}, set())
    """
    return {stem(w) for w in _ROLE.findall(question)} - {"name"} if _DEFINING.match(question) else set()


def asks_count(question: str) -> bool:
    """Whether the question asks how many of something there are.

    >>> asks_count("How many prisoners were recaptured?"), asks_count("How much did the families collect?")
    (True, False)
    """
    return bool(_COUNTED_WORDS.search(question))


def money_question(question: str) -> bool:
    """Whether a how-much question asks for an amount of money."""
    return answer_type(question) == "number" and bool(_MONEY_Q.search(question))


def is_money(candidate: "Candidate") -> bool:
    """Whether a number candidate is written as money ("$100", "5 million euros")."""
    written = candidate.evidence.text[candidate.start:candidate.start + len(candidate.text) + 9]
    return bool(_MONEY.search(written))


def question_focus(question: str) -> set[str]:
    """The stemmed words of what a which/what question asks for.

    >>> sorted(question_focus("Which Riverton bridge was closed after the storm?"))
    ['bridg', 'riverton']
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


_MONTHS = "|".join(MONTHS)
_MONTH_ABBR = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})|(?:{_MONTH_ABBR})\.?)\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"
    rf"|\b\d{{1,2}}\s+(?:{_MONTHS})(?:\s+\d{{4}})?\b|\b(?:{'|'.join(WEEKDAYS)})\b"
    r"|\b\d{1,2}(?::\d{2})?\s*(?:a\.m\.|p\.m\.|am|pm)(?!\w)|\b(?:19|20)\d{2}\b"
)
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|dozen"
)
_NUMBER = re.compile(
    r"(?:(?:more|less|fewer) than|at least|at most|about|around|nearly|almost|over|under|some|up to|roughly|"
    r"approximately|an estimated|just over|just under)?\s*"
    rf"(?:[$€£]\s?\d+(?:,\d{{3}})*(?:\.\d+)?|\d+(?:,\d{{3}})*(?:\.\d+)?|\b(?:{_NUMBER_WORDS})(?:[- ](?:{_NUMBER_WORDS}))?\b)"
    r"(?:\s*(?:%|percent\b|per cent\b))?(?:\s*(?:million|billion|trillion|thousand)\b)?",
    re.I,
)
_QUOTED = re.compile(r"[“\"]([^”\"]{2,80})[”\"]")
_CONNECTORS = {"of", "the", "de", "du", "la", "le", "von", "van", "der", "al", "bin", "and", "for", "&", "y", "da"}
_WEAK_STARTS = {
    "the", "a", "an", "in", "on", "at", "but", "and", "he", "she", "it", "they", "this", "that", "these",
    "those", "his", "her", "their", "its", "our", "we", "i", "after", "before", "when", "while", "as", "if",
    "according", "meanwhile", "however", "also", "so", "by", "for", "with", "from", "to", "there", "here",
    "last", "next", "mr", "mrs", "ms", "dr",
}


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
        if run and token[:1] in "([":  # "Democratic Forces (SDF)": the bracketed name is one of its own
            names += _close_run(run, sentence)
            run = []
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
    span = trim_span(sentence.text[start:end])
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
    """Noun-phrase-like runs of 1-3 content words with no punctuation between them; never the scale of a number
    ("billion" of "$78.7 billion": the number's candidate says it whole).

    >>> from rag.answer.evidence import Evidence
    >>> [c.text for c in _phrases(Evidence("Damage reached $78.7 billion across states.", None, 0.5, 0.5))]
    ['Damage', 'Damage reached', 'reached', 'across', 'across states', 'states']
    """
    text, phrases = sentence.text, []
    tokens = [(m.group(0), m.start()) for m in re.finditer(r"[A-Za-z][\w'’-]*|\S", text)]
    for i in range(len(tokens)):
        if i and tokens[i - 1][0][-1].isdigit() and tokens[i][0].lower() in _SCALE_WORDS:
            continue
        for n in (1, 2, 3):
            window = tokens[i:i + n]
            if len(window) < n or not all(_contentful(t) for t, _ in window):
                continue
            start, end = window[0][1], window[-1][1] + len(window[-1][0])
            phrases.append(Candidate(text[start:end], "phrase", sentence, start))
    return phrases


def _contentful(token: str) -> bool:
    return token[0].isalpha() and token.lower() not in STOPWORDS and len(token) > 2


def focused_variants(pool: Sequence[Candidate], focus: set[str]) -> list[Candidate]:
    """A name followed by the focus noun (or a plural noun) is one candidate too: "Riverton firefighters"
    for "which firefighters"."""
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
    return number_words_as_digits(candidate.text)


def candidate_key(text: str) -> str:
    """Normalised text with number words as digits, so "four" and "4" are one candidate.

    >>> candidate_key("Four astronauts"), candidate_key("the 4 astronauts")
    ('4 astronauts', '4 astronauts')
    """
    return normalise_answer(number_words_as_digits(text))


def proximity(candidate: Candidate, asked: set[str]) -> float:
    """1 when a question word stands right beside the candidate, falling with distance."""
    text = candidate.evidence.text
    before = words(text[:candidate.start])
    after = words(text[candidate.start + len(candidate.text):])
    distances = [len(before) - i for i, w in enumerate(before) if stem(w) in asked]
    distances += [i + 1 for i, w in enumerate(after) if stem(w) in asked]
    return 1.0 / (1.0 + (min(distances) - 1) / 4.0) if distances else 0.0


def counts_what_is_asked(question: str, candidate: Candidate) -> bool:
    """For "how many X" and a number, whether the number counts X: false only when the words right
    after it name something else ("28 attackers" does not answer "how many fighters"), or when it is a share
    ("13%" of the stores is not how many stores). Other questions and candidates, and numbers followed by no noun
    ("104 were caught"), pass.

    >>> from rag.answer.evidence import Evidence
    >>> said = Evidence("7 Kurdish fighters and 28 attackers were killed; 104 were caught.", None, 0.5, 0.5)
    >>> [counts_what_is_asked("How many fighters were killed?", Candidate(t, "number", said, said.text.index(t)))
    ...  for t in ("7", "28", "104")]
    [True, False, True]
    >>> share = Evidence("It will close 13% of its stores.", None, 0.5, 0.5)
    >>> [counts_what_is_asked(q, Candidate("13%", "number", share, 15))
    ...  for q in ("How many stores will close?", "How many percent of its stores will close?")]
    [False, True]
    """
    counted = _COUNTED_WORDS.search(question)
    if candidate.kind != "number" or not counted:
        return True
    if _SHARE.search(candidate.text) and not _SHARE.match(counted.group(1)):  # "how many percent" asks for one
        return False
    asked = {stem(w) for w in _leading_content(counted.group(1))}
    unit = {stem(w) for w in _leading_content(candidate.evidence.text[candidate.start + len(candidate.text):])}
    return not asked or not unit or bool(asked & unit)


def _leading_content(text: str) -> list[str]:
    """The words a text starts with, up to its first stopword or punctuation (at most three)."""
    run = []
    for match in re.finditer(r"[^\w\s'’-]|[\w'’-]+", text.lstrip(" -")):
        word = match.group(0).lower()
        if not word[0].isalnum() or word in STOPWORDS or len(run) == 3:
            break
        run.append(word)
    return run


def agreement(drafted: str, text: str) -> float:
    """Token overlap (F1) between the model's draft and a candidate."""
    said, span = drafted.split(), normalise_answer(text).split()
    common = len(set(said) & set(span))
    if not said or not span or not common:
        return 0.0
    precision, recall = common / len(said), common / len(span)
    return 2 * precision * recall / (precision + recall)


def continuation(candidate: Candidate) -> str:
    """What the LLM is asked to find likely after the answer prompt: the span as it would write it, one line."""
    return " " + " ".join(display_text(candidate).split()) + "\n"
