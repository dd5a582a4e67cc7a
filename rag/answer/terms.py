"""What a question is about, beyond the type of its answer: the years and names it states. An answer
whose passage mentions none of the names, or not the year asked about, answers some other question
("the Nobel Peace Prize in 2030" is not answered by a passage about the 2025 prize)."""

import re
from dataclasses import dataclass
from functools import lru_cache

from ingest.store import Hit
from ingest.text import STOPWORDS, content_words, stem
from rag.text import MONTHS, WEEKDAYS

__all__ = ["KeyTerms", "addresses", "done_fits", "key_terms", "says_done", "says_when", "speaks_to",
           "tense_fits"]

_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
# A one-word name that is a people's adjective ("European", "Syrian", "Chinese") describes, it does not name.
_DEMONYM_WORD = re.compile(r"(?:ean|ian|ican|ese|ish)$")
_WORD = re.compile(r"[\w'’.-]+")
_MONTH_ABBREVIATIONS = {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
# Capitalised words that say nothing about the subject: question words, pronouns, calendar words (a month is when,
# not what: "Italy's September 2022 election" names Italy, and a passage about it need not write "September").
_PLAIN = STOPWORDS | {
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "i", "mr", "mrs", "ms", "dr",
} | {day.lower() for day in (*WEEKDAYS, *MONTHS)} | _MONTH_ABBREVIATIONS

# ("march" and "may" are verbs too often to say when.)
_CALENDAR = frozenset({w for day in (*WEEKDAYS, *MONTHS) for w in (day.lower(), stem(day.lower()))} - {"march", "may"}
                      | _MONTH_ABBREVIATIONS)


def says_when(word: str) -> bool:
    """Whether a content word of a question only dates what is asked (a year, a month, a weekday): a sentence that
    explains need not repeat it.

    >>> [w for w in ("strik", "2023", "july", "september", "sept", "thursday", "march") if says_when(w)]
    ['2023', 'july', 'september', 'sept', 'thursday']
    """
    return word in _CALENDAR or bool(_YEAR.fullmatch(word))


@dataclass(frozen=True)
class KeyTerms:
    """The years a question names, and its names as groups of words ("Alex Honnold", "Netflix")."""

    years: tuple[str, ...]
    names: tuple[tuple[str, ...], ...]


def key_terms(question: str) -> KeyTerms:
    """The years and the capitalised names of a question (its first word is capitalised anyway).

    >>> key_terms("Who won the Nobel Peace Prize in 2030?")
    KeyTerms(years=('2030',), names=(('nobel', 'peac', 'priz'),))
    >>> key_terms("Which prison did the Islamic State gunmen attack in the US on Thursday?").names
    (('islamic', 'stat'),)
    >>> key_terms("Did Italian and Swiss officials open the Berlin-bound tunnel?").names
    (('swiss',), ('berlin',))
    >>> key_terms("Summarize the news about Italy's September 2022 general election.")
    KeyTerms(years=('2022',), names=(('italy',),))
    """
    names, run = [], []
    letters = [c for c in question if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.6 * len(letters):  # SHOUTED: capitals say nothing
        return KeyTerms(tuple(dict.fromkeys(_YEAR.findall(question))), ())
    for index, match in enumerate(_WORD.finditer(question)):
        word = re.sub(r"-[a-z].*$", "", match.group(0).strip(".'’-"))  # "Kurdish-led", "Berlin-bound": the name part
        if index > 0 and word[:1].isupper() and word.lower() not in _PLAIN:
            if len(_plain(word)) > 2:  # "US", "UK": too short and too variously written to require
                run.append(_plain(word))
            continue
        if run:
            names.append(tuple(run))
            run = []
    if run:
        names.append(tuple(run))
    names = [n for n in names if len(n) > 1 or not _DEMONYM_WORD.search(n[0])]  # "Italian officials": a description
    return KeyTerms(tuple(dict.fromkeys(_YEAR.findall(question))), tuple(dict.fromkeys(names)))


_DEMONYM = ("n", "an", "ian", "ean", "i", "ese", "ish", "ic", "s")


def _named(word: str, capitalised: set[str]) -> bool:
    """A name's word is in the passage, or its demonym or place ("Iraq" and "Iraqi", "Syria" and "Syrian";
    not "Niger" and "Nigeria").

    >>> _named("iraq", {"iraqi"}), _named("syrian", {"syria"}), _named("niger", {"nigeria"})
    (True, True, False)
    """
    def forms(short: str, long: str) -> bool:
        return len(short) >= 4 and long.startswith(short) and long[len(short):] in _DEMONYM
    return word in capitalised or any(forms(word, c) or forms(c, word) for c in capitalised)


def _plain(word: str) -> str:
    """A word as names are compared: lower case, stemmed, no possessive, no dots ("U.S." -> "us")."""
    return stem(word.lower().strip(".'’-").removesuffix("'s").removesuffix("’s").replace(".", ""))


def addresses(terms: KeyTerms, hit: Hit) -> bool:
    """Whether a passage (with its headline) can be about the question: it names every year asked about
    (or its article was published that year) and at least half of the question's names. A name counts
    when its last word is written capitalised in the passage ("McFadden" for "Freida McFadden", "Iraqi"
    for "Iraq"; not "prison" for "Gweiran Prison", nor "New" for "New Tarsival").

    >>> from ingest.store import Hit
    >>> hit = Hit("c", "a", "The 2025 Nobel Peace Prize went to a campaigner.", 0.5, 0, "", None, None, "2025-10-10")
    >>> addresses(key_terms("Who won the Nobel Peace Prize in 2030?"), hit)
    False
    >>> addresses(key_terms("Who won the Nobel Peace Prize in 2025?"), hit)
    True
    """
    written = _WORD.findall(f"{hit.title}\n{hit.text}")
    said = {_plain(w) for w in written} | set(_YEAR.findall(f"{hit.title}\n{hit.text}"))  # "mid-2024" has 2024
    year = (hit.published or "")[:4]
    if any(y not in said and y != year for y in terms.years):
        return False
    capitalised = {_plain(part) for w in written for part in {w, *w.split("-")} if part[:1].isupper()}
    named = sum(_named(name[-1], capitalised) for name in terms.names)
    return 2 * named >= len(terms.names)


def speaks_to(question: str, terms: KeyTerms, sentence: str) -> bool:
    """Whether a sentence says something about what the question asks, beyond its names: it shares at
    least one of the question's other content words ("mountain" or "tallest" for "What is the tallest
    mountain in Africa?"; a sentence that only mentions Africa does not).

    >>> terms = key_terms("What is the tallest mountain in Africa?")
    >>> speaks_to("What is the tallest mountain in Africa?", terms, "Kilimanjaro is the tallest peak in Africa.")
    True
    >>> speaks_to("What is the tallest mountain in Africa?", terms, "Pope Leo will visit Africa in May.")
    False
    >>> fired = "When did Kohl's fire its CEO?"
    >>> speaks_to(fired, key_terms(fired), "Kohl's fired its CEO on April 30.")
    True
    """
    named = {w for name in terms.names for w in name}
    asked = content_words(question) - named
    said = content_words(sentence) | content_words(sentence.replace("-", " "))
    return not asked or bool(_forms(asked) & said or asked & _forms(said))


def _forms(stems: set[str]) -> set[str]:
    """Stems with their past forms where the stemmer leaves a short word whole ("fire" and "fired", "die" and
    "died", "own" and "owned": it strips "-ed" and "-e" only from words that keep four letters).

    >>> sorted(_forms({"fire", "own"}))
    ['fire', 'fired', 'own', 'owned']
    """
    return stems | {w + ("d" if w.endswith("e") else "ed") for w in stems}


# A question about what is yet to come ("Who will win the final?", "When is the launch going to happen?").
_ASKS_FUTURE = re.compile(r"^\W*(?:(?:who|whom|what|which|when|where|why|how(?: many| much| long)?)(?:\s+[\w'’-]+){0,2}\s+)?"
                          r"(?:will|won't|shall|is going to|are going to)\b", re.I)
# A sentence that says what is to come, or expects it: only such a sentence answers a question about the future.
_STATES_FUTURE = re.compile(
    r"\b(?:will|won't|would|shall|is|are|was|were) (?:expected|set|scheduled|due|slated|poised|likely|projected|favou?red|"
    r"predicted|forecast|planning|going|about) to\b|\bwill\b|\bwon't\b|\bplans? to\b|\baims? to\b|\bintends? to\b|"
    r"\bfavou?rites?\b|\bodds\b|\bforecast|\bpredict|\bproject(?:s|ed|ion)\b|\bexpect|\bupcoming\b|\bnext\b", re.I)


# A question about what happened ("Whom did parliament elect?", "Did the union vote to strike?").
_ASKS_DONE = re.compile(r"\b(?:did|didn[’']t)\b", re.I)
# Where or when something happened is known before it does: "will take place in Davos" answers where it took place.
_ASKS_PLAN = re.compile(r"^\W*(?:(?:and|so|but)\s+)?(?:where|when|what time|(?:on )?what (?:date|day))\b", re.I)
# What says an event is yet to come (or only wanted) when its verb follows: a modal ("will elect", "would soon vote")
# or a plan, a hope or a request ("is expected to raise", "asked the court to dismiss").
_PENDING = re.compile(
    r"\b(?:will|would|shall|could|might|may|must|can|ll|"
    r"(?:plan|planned|plans|planning|expect|expected|set|scheduled|due|going|aim|aims|aimed|intend|intends|"
    r"intended|vow|vowed|threaten|threatened|promise|promised|poised|likely|hope|hopes|hoped|seek|seeks|sought|"
    r"propose|proposed|move|moved) to|"
    r"(?:ask|asked|asking|urge|urged|want|wants|wanted|call|called|calling|petition|petitioned)\b"
    r"(?:\s+[\w'’.,-]+){0,10}?\s+to)"
    r"(?:\s+\w+ly|\s+(?:also|not|then|now|soon|still|again|formally|officially))?\s+$", re.I)


def done_fits(question: str, sentence: str) -> bool:
    """Whether a sentence can say that what a question asks about happened: for a "did" question, the first of its
    verbs the sentence writes decides: as done ("elected", "voted") it can; only as what is yet to come or wanted
    ("will elect", "is expected to vote", "asked the court to dismiss") it cannot. A sentence that writes none of
    them in either way can (an irregular past outside `_IRREGULAR` is not ruled out). Where and when
    are known before it happens ("It will take place in Davos" says where it took place), so they are not asked.

    >>> asked = "Whom did parliament elect as president on July 20?"
    >>> done_fits(asked, "Parliament will elect a new president on July 20, the speaker said."), \\
    ...     done_fits(asked, "Parliament elected Ranil Wickremesinghe as president.")
    (False, True)
    >>> done_fits("Did Twitter agree to sell itself to Elon Musk?", "Twitter agreed to sell itself to Elon Musk.")
    True
    >>> done_fits("Did the Fed raise rates?", "The Fed is expected to raise rates."), \\
    ...     done_fits("Did the court dismiss the case?", "Prosecutors asked the appeals court to dismiss the case."), \\
    ...     done_fits("Did the judge send him to prison?", "The judge sent him to prison."), \\
    ...     done_fits("Where did the forum take place?", "The forum will take place in Davos.")
    (False, False, True, True)
    """
    return _done(question, sentence) is not False


def says_done(question: str, sentence: str) -> bool:
    """Whether a sentence writes one of a "did" question's verbs as done ("voted" for "Did the union vote to
    strike?"): what settles whether it happened.

    >>> says_done("Did the union vote to strike?", "The union voted to strike on Monday."), \\
    ...     says_done("Did the union vote to strike?", "The union will vote on Monday."), \\
    ...     says_done("Did the Otters win the final?", "The Otters won the final 2-1."), \\
    ...     says_done("Did the storm hit the coast?", "The storm will hit the coast tonight.")
    (True, False, True, False)
    """
    return _done(question, sentence) is True


_PARENTHESES = re.compile(r"\s*\([^()]*\)")


@lru_cache(maxsize=1024)
def _done(question: str, sentence: str) -> bool | None:
    """For a "did" question: True when the first of its verbs a sentence writes is written as done, False when only
    as to come, None when it writes none of them either way (or the question asks no "did"). Cached: every candidate
    span of a sentence asks it again (`tense_fits` in `rag.answer.factoid.eligible`). Only the question's own verbs
    count, not those of what it says in parentheses (a follow-up's earlier turn: "Did the pound recover? (about: What
    caused the pound to plunge?)" is settled by "recovered", never by "plunged").

    >>> _done("Did the pound recover? (about: What caused the pound to plunge?)", "The pound plunged 5%.") is None
    True
    >>> _done("Did it pass? (about: Did the Senate vote? (about: What is the bill?))", "The Senate voted on it.") is None
    True
    """
    while _PARENTHESES.search(question):  # innermost first: a follow-up of a follow-up nests its context
        question = _PARENTHESES.sub("", question)
    found = _ASKS_DONE.search(question)
    if not found or _ASKS_PLAN.match(question):
        return None
    said = [(m.group(0).lower(), m.start()) for m in re.finditer(r"[A-Za-z]+", sentence)]
    for word in (w.lower() for w in re.findall(r"[A-Za-z]+", question[found.end():])):
        if word in STOPWORDS or len(word) < 3:
            continue
        done = _done_forms(word)
        for form, at in said:
            if form == word and _PENDING.search(sentence[:at]):
                return False
            if form in done:
                return True
    return None


# The past forms of irregular verbs news often asks about ("Did the Eagles win?": "won").
_IRREGULAR = {
    "beat": "beat", "become": "became", "begin": "began begun", "break": "broke broken", "bring": "brought",
    "build": "built", "buy": "bought", "catch": "caught", "choose": "chose chosen", "come": "came", "cut": "cut",
    "drive": "drove driven", "fall": "fell fallen", "feel": "felt", "fight": "fought", "find": "found", "flee": "fled",
    "fly": "flew flown", "get": "got gotten", "give": "gave given", "go": "went gone", "grow": "grew grown",
    "hit": "hit", "hold": "held", "keep": "kept", "know": "knew known", "lead": "led", "leave": "left", "lose": "lost",
    "make": "made", "meet": "met", "pay": "paid", "put": "put", "quit": "quit", "rise": "rose risen", "run": "ran",
    "say": "said", "see": "saw seen", "sell": "sold", "send": "sent", "shoot": "shot", "sink": "sank sunk",
    "speak": "spoke spoken", "spend": "spent", "stand": "stood", "steal": "stole stolen", "strike": "struck",
    "take": "took taken", "tell": "told", "think": "thought", "throw": "threw thrown", "win": "won",
    "write": "wrote written",
}


def _done_forms(verb: str) -> set[str]:
    """A verb's past forms: regular ("vote": "voted"; "try": "tried"; "stop": "stopped") or, for the common irregular
    ones, its own ("win": "won"; "hit": "hit", which "will hit" still says is to come)."""
    forms = {verb + "d" if verb.endswith("e") else verb + "ed", *_IRREGULAR.get(verb, "").split()}
    if verb.endswith("y") and verb[-2:-1] not in ("a", "e", "o", "u"):
        forms.add(verb[:-1] + "ied")
    if len(verb) > 2 and verb[-1] not in "aeiouwxy" and verb[-2] in "aeiou" and verb[-3] not in "aeiou":
        forms.add(verb + verb[-1] + "ed")
    return forms


# A year an event is told in ("In October 2021, ..."), not an amount ("$2000", "£1999"), and, in a question, not a year
# something is due by ("pledged to withdraw by 2026").
_TOLD_YEAR = re.compile(r"(?<![\d,.$£€])\b(?:1[89]|20)\d\d\b(?!,\d)")
_DUE_YEAR = re.compile(r"\b(?:by|until|till|through|before|ahead of)\s+(?:the end of\s+)?(?:\w+\s+)?(?:1[89]|20)\d\d\b", re.I)


def tense_fits(question: str, sentence: str) -> bool:
    """Whether a sentence can answer the question in time: a question about the future ("Who will win the final?")
    is answered only by a sentence that says what is expected or planned, not by one that happens to name the
    teams ("Tickets for the final between Spain and Brazil cost $200."); one about what happened ("Whom did parliament
    elect?") not by a sentence that says it is yet to come (`done_fits`); one that names its years not by a sentence
    whose years all come before them (what was told of October 2021 is not what happened in December 2022).

    >>> tense_fits("How much did the December 2022 meltdown cost the airline?",
    ...            "In October 2021, the airline canceled 2,000 flights, costing it $75 million.")
    False
    >>> tense_fits("Who was elected in 2022?", "Lee, first elected in 2018, won again in 2022.")
    True
    >>> tense_fits("How many troops did Spain pledge to withdraw by 2026?", "In 2024, Spain pledged to withdraw 500 troops.")
    True
    >>> tense_fits("How much did the 2022 upgrade cost?", "The upgrade cost $2000, the council said.")
    True
    >>> tense_fits("Who will win the final?", "Tickets for the final between Spain and Brazil cost $200.")
    False
    >>> tense_fits("Who will win the final?", "Brazil is favored to win the final on Sunday.")
    True
    >>> tense_fits("Who won the final?", "Brazil won the final 2-1.")
    True
    >>> tense_fits("Which company announced it will cut 10,000 jobs?", "Microsoft is cutting 10,000 jobs.")  # asks the past
    True
    """
    future = not _ASKS_FUTURE.search(question) or bool(_STATES_FUTURE.search(sentence))
    asked, told = ({int(y) for y in _TOLD_YEAR.findall(text)} for text in (_DUE_YEAR.sub("", question), sentence))
    return future and done_fits(question, sentence) and not (asked and told and max(told) < min(asked))
