"""Follow-up questions made to stand alone: "And when did that happen?" after "Who attacked the prison?" (answered
"Islamic State") is asked as "When did Islamic State attack the prison?", so retrieval, the checks on what a
passage is about and the answer all see what the reader means. A question that does not lean on the
conversation is asked as it is.

The rewrite is built from the previous turn's words only (its question, and the answer newsqa gave when that was a
short fact). Rules write it: the embedded 270M model, asked few-shot to rewrite, copied the follow-up unchanged 5
times of 7 and garbled a sixth (2026-12-06), so it is not asked.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ingest.text import STOPWORDS
from rag.answer.citations import MARKER
from rag.answer.shapes import topic
from rag.answer.terms import key_terms
from rag.text import MONTHS, WEEKDAYS
from rag.types import NOT_FOUND

__all__ = ["MAX_ANSWER_WORDS", "Turn", "as_turns", "conversation", "is_follow_up", "only_pronouns", "points_back",
           "reply_answer", "rewrite", "standalone"]

# An earlier answer a follow-up may lean on is a short fact; sentences of an explanation or a list of stories are not.
MAX_ANSWER_WORDS = 12


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation: the question, and the answer newsqa gave (None: none, or it abstained)."""

    question: str
    answer: str | None = None

    @classmethod
    def of(cls, answer) -> "Turn":
        """The turn an `Answer` makes: the question as it was meant (a follow-up's standalone form), and the answer
        when it is a fact newsqa gave."""
        short = answer.text if answer.kind == "factoid" and not answer.abstained else None
        return cls(answer.query or answer.question, short)


def reply_answer(reply: str) -> str | None:
    """The short answer in a reply as a chat client keeps it (newsqa's text, then its sources and qualifier): the
    first line, without " (as of ...)", when it is a short fact; None for an abstention, an explanation or a list.

    >>> reply_answer("Farhad Shami\\n\\nSources:\\n[1] ...")
    'Farhad Shami'
    >>> reply_answer("19 (as of 2026-03-04, late.example)"), reply_answer("The articles do not say.")
    ('19', None)
    >>> reply_answer("The bridge closed because of cracks [1]. It reopens in May [1].")
    """
    first = (reply or "").strip().split("\n")[0].strip()
    first = re.sub(r"\s*\((?:as of|according to) [^)]*\)$", "", first)
    if not first or first == NOT_FOUND or MARKER.search(first) \
            or len(first.split()) > MAX_ANSWER_WORDS:
        return None
    return first


def as_turns(history: Iterable) -> list[Turn]:
    """Earlier turns from what callers have: questions (str), (question, answer) pairs, {"question", "answer"}
    objects or `Turn`s.

    >>> as_turns(["Who attacked the prison?", ("And when?", "on Thursday"), {"question": "Why?"}])
    [Turn(question='Who attacked the prison?', answer=None), Turn(question='And when?', answer='on Thursday'), Turn(question='Why?', answer=None)]
    """
    turns = []
    for item in history or ():
        if isinstance(item, Turn):
            turns.append(item)
        elif isinstance(item, str):
            turns.append(Turn(item))
        elif isinstance(item, dict) and isinstance(item.get("question"), str):
            turns.append(Turn(item["question"], item.get("answer") if isinstance(item.get("answer"), str) else None))
        elif isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str):
            turns.append(Turn(item[0], item[1] if isinstance(item[1], str) else None))
        else:
            raise ValueError(f"a history turn must be a question, a (question, answer) pair or a Turn, got {item!r}")
    return turns


def conversation(messages: Iterable[tuple[str, str]]) -> list[Turn]:
    """The turns of a chat's messages as (role, text): each "user" message with text a question, the first
    "assistant" message with text after it its answer (other roles, and later replies, left out).

    >>> conversation([("system", "Be brief."), ("user", "Who attacked?"), ("assistant", "IS"), ("assistant", "..."),
    ...               ("user", " "), ("user", "And when?")])
    [Turn(question='Who attacked?', answer='IS'), Turn(question='And when?', answer=None)]
    """
    turns: list[Turn] = []
    for role, text in messages:
        if role == "user" and text.strip():
            turns.append(Turn(text))
        elif role == "assistant" and turns and turns[-1].answer is None and text.strip():
            turns[-1] = Turn(turns[-1].question, text)  # QA keeps the short fact it opens with, if any
    return turns


# Opening words that continue the conversation; pronouns that point back to it.
_CONTINUES = re.compile(r"^\s*(?:and|but|so|also|then|ok(?:ay)?|what about|how about)\b[,\s]*", re.I)
_WHAT_ABOUT = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(.+?)\s*\??\s*$", re.I)
_PERSON = r"he|she|him|her|his|hers"
_THING = r"it|its|they|them|their|theirs"  # not "that" or "this": "the crash this morning" points nowhere back
_POINTING = re.compile(rf"\b({_PERSON}|{_THING}|there)\b", re.I)
_PRONOUN_ONLY = re.compile(rf"^\s*(?:(?:{_PERSON}|{_THING}|that|this|those|these|there)\b\W*)+$", re.I)
_WHO = re.compile(r"^\s*who\b", re.I)
# "Who did Kohl's name as interim CEO?" asks for the object: its answer does not go where "who" stood.
_WHO_OBJECT = re.compile(r"^\s*who\s+(?:did|does|do)\b", re.I)
# A request for a story rather than a question about it ("Summarize ...", "What happened with ...", "Latest on ...").
_TELLS_A_STORY = re.compile(r"\bsummari[sz]e\b|\b(?:overview|summary|rundown)\b|\bwhat happened\b|\b(?:latest|news)\s+(?:on|about)\b|"
                            r"\btell me about\b", re.I)


def is_follow_up(question: str) -> bool:
    """Whether a question leans on the conversation: it continues it ("And ...", "What about ..."), or names nothing
    of its own, neither a name nor a year ("When did he resign?", "Where was the plane headed?", "Why?").

    >>> [is_follow_up(q) for q in ("And when did that happen?", "Why?", "What about Argentina?",
    ...  "When did he resign?", "Why is it snowing in Texas?", "Who won the 2022 World Cup?", "Who is Zelensky?",
    ...  "Who is running the company in the meantime?")]
    [True, True, True, True, False, False, False, True]
    """
    if _CONTINUES.match(question):
        return True
    terms = key_terms(question)
    return not terms.names and not terms.years  # "the company", "the plane": a question that names nothing leans back


def points_back(question: str) -> bool:
    """Whether a follow-up says so itself: it continues the conversation ("And ...", "What about ...") or has a
    pronoun ("When did he resign?"). "Why?" and "Where was the plane headed?" do neither: whether they lean on the
    conversation is for the articles to say (`QA` searches both readings).

    >>> [points_back(q) for q in ("And when?", "When did he resign?", "Where was the plane headed?", "Why?")]
    [True, True, False, False]
    """
    return bool(_CONTINUES.match(question) or _POINTING.search(question))


def rewrite(question: str, previous: Turn) -> str:
    """The follow-up as a question that stands alone, written from the previous turn's question and answer.

    >>> rewrite("And when did that happen?", Turn("Who attacked Gweiran Prison?", "Islamic State"))
    'When did that happen (Islamic State attacked Gweiran Prison)?'
    >>> rewrite("When did he take office?", Turn("Who won Brazil's presidential election?", "Lula"))
    'When did Lula take office?'
    >>> rewrite("And what had he been convicted of?", Turn("How long a sentence did R. Kelly get in New York?", "30 years"))
    'What had R. Kelly been convicted of?'
    >>> rewrite("What about Argentina?", Turn("How many people died in the Chile fires?", "131"))
    'How many people died in the Argentina fires?'
    >>> rewrite("Why?", Turn("What did the Fed do on Wednesday?", None))
    'Why? (about: What did the Fed do on Wednesday?)'
    >>> rewrite("And which highway is that?", Turn("How far was the lava from the highway?", "2.5 miles"))
    'Which highway is that? (about: How far was the lava from the highway? 2.5 miles)'
    >>> rewrite("And when did the old CEO leave?", Turn("Who did Kohl's name as interim CEO?", "Michael Bender"))
    "When did the old CEO leave? (about: Who did Kohl's name as interim CEO? Michael Bender)"
    """
    body = _CONTINUES.sub("", question).strip()
    body = body[:1].upper() + body[1:] if body else question
    about = _WHAT_ABOUT.match(question)
    if about:
        return _substituted(previous.question, about.group(1).strip())
    pointing = _POINTING.search(body)
    word = pointing.group(1).lower() if pointing else ""
    # "he" or "she" is the person the previous turn named; "it" or "they" is too often its topic rather than its
    # answer ("Who runs the prisons?" "The SDF." "How many inmates do they house?"): those get the statement.
    referent = _referent(previous) if word in ("he", "she", "him", "her", "his", "hers") else None
    if referent:
        possessive = word in ("his", "hers")
        return body[:pointing.start()] + referent + ("'s" if possessive else "") + body[pointing.end():]
    if previous.answer and _WHO.match(previous.question) and not _WHO_OBJECT.match(previous.question):
        return f"{body.rstrip('?. ')} ({_statement(previous)})?"
    return f"{body.rstrip('?. ')}? (about: {_subject(previous)})"


def _subject(previous: Turn) -> str:
    """What the previous turn was about, for a follow-up to carry: its question and short answer; for a request for a
    summary, what happened or the latest news, only what it was about ("Summarize the news about" would be searched
    and checked as if it were asked).

    >>> _subject(Turn("Summarize the news about the Jets' coaching search")), _subject(Turn("Who won?", "Spain"))
    ("Jets' coaching search", 'Who won? Spain')
    >>> _subject(Turn("What happened to Kohl's CEO?")), _subject(Turn("Give me a summary of Walgreens' store closings."))
    ('Kohl CEO', "Walgreens' store closings")
    """
    about = topic(previous.question) if _TELLS_A_STORY.search(previous.question) else ""
    about = re.sub(r"^(?:to|at|in|with|for|on|about)\s+", "", about)  # "What happened to X?" is about X
    if about and not only_pronouns(about):
        return about
    return f"{previous.question.rstrip('?. ')}?{f' {previous.answer}' if previous.answer else ''}"


def standalone(question: str, history: Sequence[Turn]) -> str:
    """The question as it is, or, when it is a follow-up of the last turn, rewritten to stand alone."""
    if not history or not is_follow_up(question):
        return question
    return rewrite(question, history[-1])


def only_pronouns(text: str) -> bool:
    """Whether a text is nothing but pronouns ("it", "them"): a topic that points back, not one of its own.

    >>> only_pronouns("it"), only_pronouns("the prison attack")
    (True, False)
    """
    return bool(_PRONOUN_ONLY.match(text))


def _referent(previous: Turn) -> str | None:
    """Who "he" or "she" is: the previous answer when it is a name, else the first name of the previous question
    that could be a person's (not its first word, nor an abbreviation such as "UK")."""
    if previous.answer and _is_name(previous.answer) and not previous.answer.isupper():
        return previous.answer
    names = re.findall(r"(?<!^)\b((?:[A-Z]\.\s?)*[A-Z][a-z][\w'’-]*(?:\s+[A-Z][a-z][\w'’-]*)*)", previous.question)
    names = [n for n in names if n.lower() not in STOPWORDS and n.lower() not in _CALENDAR]
    return names[0] if names else None


_CALENDAR = {w.lower() for w in MONTHS + WEEKDAYS}


def _is_name(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= 5 and words[0][:1].isupper() and not re.search(r"\d", text)


def _substituted(question: str, other: str) -> str:
    """The previous question about `other` instead of its (last) name, or with `other` added when it has none."""
    names = list(re.finditer(r"(?<!^)\b[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*", question))
    names = [m for m in names if m.group().lower() not in STOPWORDS]
    if names:
        last = names[-1]
        return question[:last.start()] + other + question[last.end():]
    return f"{question.rstrip('?. ')} ({other})?"


def _statement(previous: Turn) -> str:
    """A "who" turn as a statement: "Islamic State attacked Gweiran Prison" from "Who attacked Gweiran Prison?"
    answered "Islamic State"."""
    rest = _WHO.sub("", previous.question).strip().rstrip("?. ")
    return f"{previous.answer} {rest}"
