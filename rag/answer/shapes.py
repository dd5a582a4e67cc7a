"""The shape of an answer follows the kind of question: a fact (a short span and the sentence that
holds it), an explanation (the few sentences of the articles that bear on it, each cited), or the
latest news on a topic (the newest articles, headline and first sentence)."""

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from datetime import date

from ingest.chunk import text_sentences
from ingest.store import Hit
from ingest.text import content_words
from rag.answer.evidence import Evidence
from rag.answer.terms import KeyTerms, addresses, done_fits, says_done, says_when, speaks_to

__all__ = ["DANGLING", "EXPLAIN_SENTENCES", "REASON", "KINDS", "explanation", "explanation_shape", "first_sentence", "lead_sentences", "newest",
           "question_kind", "still_to_come", "story_lead", "topic"]

KINDS = ("factoid", "explanatory", "latest")
EXPLAIN_SENTENCES = 3
# The sentences a learned sentence model scores: the question's best-scored evidence (rag/training/fit.py fits on these).
SENTENCE_POOL = 40
# An explanation stops adding sentences once it says this many words: a reader wants the answer, not the article.
EXPLAIN_WORDS = 40
# A sentence that opens pointing back to the one before it ("He warned that ...", "It was the third ...").
DANGLING = re.compile(r"^[\"“‘']?(?:He|She|It|They|This|That|These|Those|His|Her|Its|Their|Them|We|Our|I)\b(?![-'’.])")
# An explanation needs a sentence at least this close to the question: its share of the topic's words
# plus its embedding similarity (a sentence that shares no word and is not similar explains nothing).
MIN_EXPLAIN_SCORE = 0.5
# A sentence that shares no word with what is asked explains it only when its embedding is this close to the
# question's ("a chance for the economy" for "how is it hoping to profit").
SAYS_IT_OTHERWISE = 0.5
# A yes-or-no question is answered from the newest story among those its best few sentences tell.
WHETHER_SENTENCES = 5
# What giving a reason ("because", "in an attempt to") adds to a sentence's rank for a "why" question.
REASON_BONUS = 1.0
# A sentence whose words another chosen sentence already has (this share of them) adds nothing.
REDUNDANT = 0.6
# For a "why" or "how", the LLM reads this many sentences about the subject and drafts an answer; the sentence that
# shares the most of the draft's words (at least POINTED_WORDS of those the question does not have) is always said.
# (Reader sets, embedded 270M model: 4 sentences point worse than 6, 8 as well as 6.)
POINTED_SENTENCES = 6
POINTED_WORDS = 2
# "Latest" and explanations tell the stories whose best passage the learned ranker finds at least this share as likely
# as the best story's: the reader sets' stories of one topic score 0.3-0.6 of the best, stories that share a word with
# it ("a bird flu outbreak in Texas" for "the measles outbreak in Texas") 0.07-0.21.
ABOUT_SHARE = 0.25
# The latest story is told in at least this many words of its lead (about what a news lede says in one sentence).
LEDE_WORDS = 25

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
# A question answered yes or no: it opens with an auxiliary verb ("Did ...", "Is ...", "Has ...", "Will ...").
_YES_OR_NO = re.compile(r"^\W*(?:(?:and|but|so)\s+)?(?:did|does|do|is|are|was|were|has|have|had|can|could|will|would|"
                        r"should|shall|may|might|must)(?:n[’']t)?\b", re.I)
# A "how" that asks how something was done (not "describe", "explain" or a yes-or-no question, also shaped "how").
_HOW = re.compile(_REQUEST + r"how\b", re.I)
_WHY = re.compile(_REQUEST + r"(?:why|how come|what (?:caused|led to|(?:was|is) behind)|(?:what is )?the (?:reason|cause))\b",
                  re.I)
# Words that give a reason (not "since" or "after": they mostly give a time).
REASON = re.compile(r"\b(because|due to|in an attempt|in order to|so that|as a result|aimed|in protest|to protest|"
                     r"in response|citing|blamed|the reason|caused by|seeking to|trying to|in a bid)\b", re.I)
# A sentence that announces what follows ("Here's what we know about ...", a linked story's "UPS plane crash: Here's
# what we know ..."), unless it goes on to say it after a colon ("Here's the deal: ..."; not a time's "3:30").
_SIGNPOST = re.compile(
    r"(?:^|[:—–]\s+|\s-\s)[\"“‘']?(?:so,?\s+)?here(?:'s|’s|\s+is|\s+are)\s+(?:what|how|why|where|when|who|which|everything|"
    r"more|some|a\s+(?:look|list|timeline|breakdown|rundown|guide|recap)|the\s+(?:latest|list|timeline|details))\b"
    r"(?![^:]*:\s+\S)", re.I)
_QUESTION_WORDS = {"why", "how", "what", "happen", "caus", "reason", "led", "explain", "describ", "summariz", "tell"}


def question_kind(question: str) -> str:
    """factoid, explanatory or latest. A yes-or-no question ("Did the strike end?") is explanatory: no span of an
    article answers it, the sentences that speak to it do.

    >>> [question_kind(q) for q in ("How many prisoners were recaptured?", "Why did they attack the prison?",
    ...  "What happened at the prison?", "What is the latest news on the prison attack?", "How did it end?",
    ...  "Did the strike end?", "Is there any news on the strike?")]
    ['factoid', 'explanatory', 'explanatory', 'latest', 'explanatory', 'explanatory', 'latest']
    """
    if _EXPLAIN.search(question):  # "summarize the latest news" asks for a summary
        return "explanatory"
    if _LATEST.search(question):
        return "latest"
    if _YES_OR_NO.match(question):
        return "explanatory"
    return "factoid"


def topic(question: str) -> str:
    """What a summary or latest-news question is about, without the words that ask for the kind.

    >>> topic("What is the latest news on the prison attack?"), topic("What's new?")
    ('prison attack', '')
    """
    return " ".join(_ASKING.sub(" ", question).split())


def explanation_shape(question: str) -> str:
    """What an explanatory question wants: "why" (a reason), "happened" (the event and its latest development),
    "summary" (the story's lead facts) or "how" (anything else: the means, the details).

    >>> [explanation_shape(q) for q in ("Why did the bridge close?", "What caused the outage?", "What happened in Gaza?",
    ...  "Summarize the news about Boeing", "How did the rescue work?")]
    ['why', 'why', 'happened', 'summary', 'how']
    """
    if _WHY.match(question):
        return "why"
    if re.search(r"\bsummari[sz]e|\b(?:overview|summary|rundown)\b|\btell me about\b", question, re.I):
        return "summary"
    if re.search(r"\bwhat (?:happened|is happening|is going on|went wrong|do we know)\b", question, re.I):
        return "happened"
    return "how"


def explanation(evidence: Sequence[Evidence], terms: KeyTerms, question: str, limit: int = EXPLAIN_SENTENCES,
                leads: Sequence[Evidence] = (), words: int = EXPLAIN_WORDS,
                likely: Callable[[list[Evidence]], Sequence[float]] | None = None,
                pointed: Callable[[Sequence[Evidence]], str] | None = None) -> list[Evidence]:
    """The few sentences of the articles that answer the question, none repeating another, each a whole sentence
    that stands on its own (one that opens with "He" or "It" comes with the sentence before it, or not at all);
    [] when none is close enough to explain anything. They stop at `limit` sentences or once `words` are said.

    Sentences are ranked by `likely` (the learned sentence model's probability that a sentence answers), else by
    what the question asks about the named things (its other words: "closed" in "why was the Elm Street bridge
    closed"), since every sentence about the bridge names it; the names only decide which passages may speak
    (`addresses`). A "why" prefers a sentence that gives a reason for what is asked (one that shares a word of it);
    "what happened" and "summarize" start from the story's lead (`leads`: the first sentences of the best articles;
    only of the article that holds the best sentence, or of the two best articles for a summary), then the other
    stories newest first. A yes-or-no question ("Are the strikes over?") starts from the newest story its best sentences
    tell: that is where it is settled. Whether something was done ("Did the crews vote to accept it?") is never settled
    by a sentence that says it is to come ("will vote", `done_fits`): when the articles say so and no sentence says it
    was done ("voted"), [] (they do not say whether; `still_to_come` gives what they say instead).

    A "how ...?", or a "why" whose two best sentences give no reason in so many words ("because", "aimed to"), always
    says the sentence the LLM points at (`pointed`: its draft answer, given the first POINTED_SENTENCES sentences
    about the subject; chosen first, then at least the ranking's best): a reason or a means is often said in words
    the question does not use ("hurt itself with an aggressive schedule"), where word overlap and similarity rank a
    restatement of the event first. Only the articles' sentences are shown; the draft never is."""
    shape = explanation_shape(question)
    whether = bool(_YES_OR_NO.match(question))
    usable, told, pending = _usable(evidence, terms, question)
    if _only_to_come(question, usable, pending):
        return []  # the articles say it is to come, never that it was: they do not say whether it happened
    if likely and usable:  # scored over the whole evidence, as the model was fitted; the rest scores lowest
        probability = dict(zip((id(e) for e in evidence[:SENTENCE_POOL]), likely(list(evidence[:SENTENCE_POOL]))))
        base = [probability.get(id(item), -1.0) for item in usable]
    else:
        base = [t + item.similarity + 0.3 * item.overlap for t, item in zip(told, usable)]
    asked = _asked(question, terms)  # a reason counts when its sentence says what it is the reason for
    reasons = {id(item) for share, item in zip(told, usable) if (share or not asked) and REASON.search(item.text)}
    ranked = sorted(((b + (REASON_BONUS if shape == "why" and id(item) in reasons else 0.0), item)
                     for b, item in zip(base, usable)), key=lambda pair: -pair[0])
    stated = any(id(item) in reasons for _, item in ranked[:2])  # a reason in so many words
    if pointed and ranked and ((shape == "why" and not stated) or (shape == "how" and _HOW.match(question))):
        pick = _pointed_at(evidence, terms, question, pointed)
        if pick is not None:  # chosen first, and one more sentence (the ranking's best) however long the pick is
            ranked = [(0.0, pick)] + [pair for pair in ranked if pair[1].text != pick.text]
            words = max(words, sum(len(u.text.split()) for u in _standing_alone(pick)) + 1)
    if whether:  # whether something is so: the newest of the stories its best sentences tell settles it
        best = ranked[:WHETHER_SENTENCES]
        latest = max((item.hit for _, item in best), key=lambda hit: hit.published or "", default=None)
        settles = [pair for pair in best if latest and pair[1].hit.article_id == latest.article_id]
        ranked = settles + [pair for pair in ranked if pair not in settles]  # the rest in their own order
    opening: list[Evidence] = []
    if shape in ("happened", "summary"):  # the lead of a story the best sentences tell, not of another that names it
        told_by = 1 if shape == "happened" else 2  # stories: one for what happened, two for a summary
        stories = list(dict.fromkeys(item.hit.article_id for _, item in ranked))[:told_by]
        opening = [e for e in leads if e.hit.article_id in stories and addresses(terms, e.hit)
                   and _whole_sentence(e.text)][:told_by]
        ranked = [(0.0, e) for e in opening] + ranked
    chosen: list[Evidence] = []
    for _, item in ranked:
        if len(chosen) >= limit or sum(len(c.text.split()) for c in chosen) >= words:
            break
        unit = _standing_alone(item)
        if not unit or any(_repeats(u, chosen) for u in unit) or len(chosen) + len(unit) > limit:
            continue
        chosen += unit
    return _in_reading_order(chosen, newest_first=whether or shape in ("happened", "summary"),
                             first={e.hit.article_id for e in opening if e in chosen})


def still_to_come(evidence: Sequence[Evidence], terms: KeyTerms, question: str) -> list[Evidence]:
    """What the articles say instead when a yes-or-no question of whether something was done is declined because they
    only say it is to come: the newest such sentence of a story about the question ("Members will vote on the offer
    Sunday."; with the sentence before it when it opens pointing back); [] when that is not why, or none stands alone.

    >>> from rag.answer.terms import key_terms
    >>> def said(text, day): return Evidence(text, Hit("c", day, text, 0.9, 0, "", None, None, day), 0.5, 0.5)
    >>> vote = "Did the union members vote on the offer?"
    >>> evidence = [said("The union members will vote on the offer on Sunday.", "2025-09-10"),
    ...             said("The union members are expected to vote on the offer soon.", "2025-09-01")]
    >>> [e.hit.published for e in still_to_come(evidence, key_terms(vote), vote)]
    ['2025-09-10']
    >>> still_to_come(evidence + [said("The union members voted on the offer.", "2025-09-15")], key_terms(vote), vote)
    []
    """
    if not _YES_OR_NO.match(question):
        return []
    usable, _, pending = _usable(evidence, terms, question)
    if not _only_to_come(question, usable, pending):
        return []
    about = _about_the_topic(item.hit for item in evidence)
    newest_first = sorted(pending, key=lambda item: item.hit.published or "", reverse=True)
    return next((unit for item in newest_first if item.hit.article_id in about and (unit := _standing_alone(item))), [])


def _only_to_come(question: str, usable: Sequence[Evidence], pending: Sequence[Evidence]) -> bool:
    """Whether the articles say what was asked is to come (`pending`) and no sentence says it was done."""
    return bool(pending) and not any(says_done(question, item.text) for item in usable)


def _usable(evidence: Sequence[Evidence], terms: KeyTerms, question: str) -> tuple[list[Evidence], list[float], list[Evidence]]:
    """The sentences that may explain (about the subject, whole, closer to the question than MIN_EXPLAIN_SCORE, of a
    story about it, saying something of what is asked), each one's share of the question's other words, and, for a
    yes-or-no question of whether something was done, the sentences that say it is still to come ("they will vote")."""
    asked = _asked(question, terms)
    whether = bool(_YES_OR_NO.match(question))
    about = _about_the_topic(item.hit for item in evidence)  # not a sentence of another story that shares words
    usable, told, pending = [], [], []
    for item in evidence:
        if not addresses(terms, item.hit) or not _whole_sentence(item.text) or _is_question(item.text, question) \
                or item.overlap + item.similarity < MIN_EXPLAIN_SCORE:
            continue
        if whether and not done_fits(question, item.text):
            pending.append(item)  # it says what was asked is still to come
            continue
        share = len(asked & content_words(item.text)) / len(asked) if asked else 0.0
        if item.hit.article_id not in about or asked and not share and item.similarity < SAYS_IT_OTHERWISE:
            continue  # another story, or it names the subject but says nothing of what is asked (in any words)
        usable.append(item)
        told.append(share)
    return usable, told, pending


def _asked(question: str, terms: KeyTerms) -> set[str]:
    """What the question asks about the things it names: its other words ("closed" in "why was the Elm Street bridge
    closed"), without those that ask for the kind of answer or a time."""
    named = {w for name in terms.names for w in name}
    return {w for w in content_words(_ASKING.sub(" ", question))
            if w not in named and w not in _QUESTION_WORDS and not says_when(w)}


def _about_the_topic(hits: Iterable[Hit]) -> set[str]:
    """The articles of these passages that the ranker finds at least ABOUT_SHARE as likely (their best passage) as the
    best article: the stories about what is asked, not the ones that share a word with it; all of them when the
    passages have no ranker's relevance."""
    hits = list(hits)
    if any(hit.relevance is None for hit in hits):
        return {hit.article_id for hit in hits}
    best: dict[str, float] = {}
    for hit in hits:
        best[hit.article_id] = max(best.get(hit.article_id, 0.0), hit.relevance)
    top = max(best.values(), default=0.0)
    return {article for article, relevance in best.items() if relevance >= ABOUT_SHARE * top}


def _pointed_at(evidence: Sequence[Evidence], terms: KeyTerms, question: str,
                pointed: Callable[[Sequence[Evidence]], str]) -> Evidence | None:
    """The sentence about the subject that shares the most of the LLM's draft (words the question does not have), if
    it shares at least POINTED_WORDS; the first such sentence on a tie."""
    shown = [e for e in evidence if addresses(terms, e.hit) and _whole_sentence(e.text)
             and not _is_question(e.text, question) and _standing_alone(e)][:POINTED_SENTENCES]
    if not shown:
        return None
    said = content_words(pointed(shown)) - content_words(question)
    shared = [len(said & content_words(e.text)) for e in shown]
    best = max(shared)
    return shown[shared.index(best)] if best >= POINTED_WORDS else None


def _standing_alone(item: Evidence) -> list[Evidence]:
    """The sentence, or with the sentence before it when it opens pointing back ("He said ...", "It was ..."); []
    when that sentence is not in its passage."""
    if not DANGLING.match(item.text):
        return [item]
    sentences = text_sentences(item.hit.text)
    at = sentences.index(item.text) if item.text in sentences else -1
    if at <= 0 or DANGLING.match(sentences[at - 1]) or not _whole_sentence(sentences[at - 1]):
        return []
    return [replace(item, text=sentences[at - 1]), item]


def _repeats(item: Evidence, chosen: Sequence[Evidence]) -> bool:
    said = content_words(item.text)
    return any(c.text == item.text or len(said & content_words(c.text)) >= REDUNDANT * len(said) for c in chosen)


def _in_reading_order(chosen: Sequence[Evidence], newest_first: bool = False,
                      first: Collection[str] = ()) -> list[Evidence]:
    """Article by article (in the order first chosen, or newest story first; the articles whose lead opens the
    answer, `first`, before the others), each in its own order."""
    articles = list(dict.fromkeys(c.hit.article_id for c in chosen))
    if newest_first:
        dated = {c.hit.article_id: c.hit.published or "" for c in chosen}
        articles.sort(key=lambda a: dated[a], reverse=True)
    articles.sort(key=lambda a: a not in first)  # stable: newest first within each group
    return sorted(chosen, key=lambda c: (articles.index(c.hit.article_id), c.hit.ord, c.hit.text.find(c.text)))


def _whole_sentence(text: str) -> bool:
    """A sentence of the story, not a heading, a question, a signpost or a fragment: it ends like a statement, says a
    few words and does not open with punctuation (a caption whose name the page left out: ", the pilot from Pomona, who
    flew ..."). A question is a subheading or a link to another story ("Which airlines had the most on-time
    arrivals?"); a signpost announces what follows and says none of it ("Here's what we know about the arrest.").

    >>> _whole_sentence("The pilot flew to space in 2020."), _whole_sentence(", the pilot from Pomona, who flew.")
    (True, False)
    >>> _whole_sentence("Which airlines had the most on-time arrivals in 2022?")
    False
    >>> [_whole_sentence(s) for s in ("Here's a timeline of the bankruptcy.", "Plane crash: here's what we know so far.",
    ...  "Here's what we know about the 3:30 p.m. crash.", "So here's what happened next.")]
    [False, False, False, False]
    >>> [_whole_sentence(s) for s in ("Here's the deal: fraud is rampant.", "Here is a man who served 30 years.")]
    [True, True]
    """
    text = text.strip()
    return len(text.split()) >= 5 and not re.match(r"[,;:.)\]}–—-]", text) and not _SIGNPOST.search(text) \
        and bool(re.search(r"[.!…][\"”’')\]]*$", text))


def newest(hits: Sequence[Hit], topic: str, terms: KeyTerms, as_of: date | None = None, limit: int = 3) -> list[Hit]:
    """One passage per article about the topic (it names the topic's names and says something of the rest of it, and
    the ranker finds it about as likely as the best story: ABOUT_SHARE), newest article first (undated ones last), none
    published after `as_of`: what was latest on the day asked.

    >>> from ingest.store import Hit
    >>> from rag.answer.terms import key_terms
    >>> def hit(article, text, day): return Hit(f"{article}:c", article, text, 0.5, 0, "", None, None, day)
    >>> found = [hit("a", "Oregon ferry crews went on strike.", "2025-02-14"),
    ...          hit("b", "Oregon voters went to the polls.", "2025-11-05"),
    ...          hit("c", "The Oregon ferry strike ended.", "2025-03-01")]
    >>> asked = "ferry strike in Oregon"
    >>> [h.article_id for h in newest(found, asked, key_terms(asked), date(2025, 2, 16))]
    ['a']

    When some story's headline is about the topic, the stories that only mention it are left out:
    >>> found = [Hit("a:c", "a", "Governor Kotek visited, days after the Oregon ferry strike.", 0.5, 0, "Kotek's tour",
    ...              None, None, "2025-03-05"),
    ...          Hit("c:c", "c", "Crews in Oregon ended their strike.", 0.5, 0, "Oregon ferry strike ends", None, None,
    ...              "2025-03-01")]
    >>> [h.article_id for h in newest(found, asked, key_terms(asked))]
    ['c']

    A newer story that shares a word with the topic, but that the ranker finds far less likely, is another story:
    >>> found = [Hit("m:c", "m", "Measles cases in Texas rose to 48.", 0.8, 0, "Measles outbreak grows in Texas", None,
    ...              None, "2025-02-15", relevance=0.66),
    ...          Hit("b:c", "b", "A Texas dairy worker caught bird flu in the outbreak.", 0.6, 0,
    ...              "Bird flu outbreak in Texas", None, None, "2025-04-01", relevance=0.05)]
    >>> asked = "measles outbreak in Texas"
    >>> [h.article_id for h in newest(found, asked, key_terms(asked))]
    ['m']
    """
    seen, found = set(), []
    day = as_of.isoformat() if as_of else None
    for hit in hits:
        if (hit.article_id not in seen and addresses(terms, hit) and speaks_to(topic, terms, f"{hit.title}\n{hit.text}")
                and not (day and hit.published and hit.published[:10] > day)):
            seen.add(hit.article_id)
            found.append(hit)
    about = _about_the_topic(found)  # a story the ranker finds far less likely than the best one is another story
    found = [h for h in found if h.article_id in about]
    headlined = [h for h in found if h.title and _headline_about(topic, terms, h)]
    found = headlined or found  # stories about the topic, when there are any, not stories that mention it
    dated = sorted((h for h in found if h.published), key=lambda h: h.published, reverse=True)
    return (dated + [h for h in found if not h.published])[:limit]


def _headline_about(topic: str, terms: KeyTerms, hit: Hit) -> bool:
    """Whether a passage's headline says its story is about the topic: the headline names the topic's names (a year
    asked about may be the story's date) and says something of the rest ("UAW strike: talks resume" for "the UAW
    strike"; not "Trump courts Michigan voters")."""
    return addresses(terms, replace(hit, text="")) and speaks_to(topic, terms, hit.title)


def first_sentence(text: str) -> str:
    """The first sentence of an article's text (its first whole one, when a heading or fragment comes first).

    >>> first_sentence("The storm hit on Monday. It left on Tuesday.")
    'The storm hit on Monday.'
    >>> first_sentence("Storm moves east\\nThe storm hit the coast on Monday. It left on Tuesday.")
    'The storm hit the coast on Monday.'
    """
    sentences = text_sentences(text)
    return next((s for s in sentences if _whole_sentence(s)), sentences[0] if sentences else "")


def story_lead(text: str, words: int = LEDE_WORDS, most: int = 2) -> str:
    """An article's first whole sentence, and the next while the lead says fewer than `words` words: a lede that opens
    with a hook ("Hollywood is getting back to work.") goes on to the sentence that says what happened.

    >>> story_lead("Pack an umbrella this week. The storm hit the coast on Monday. It left on Tuesday.")
    'Pack an umbrella this week. The storm hit the coast on Monday.'
    >>> story_lead("The storm that hit the coast on Monday left 3,000 homes dark. Crews are at work.", words=10)
    'The storm that hit the coast on Monday left 3,000 homes dark.'
    """
    lead = lead_sentences(text, most) or [first_sentence(text)]
    said = lead[:1]
    for sentence in lead[1:]:
        if sum(len(s.split()) for s in said) >= words:
            break
        said.append(sentence)
    return " ".join(said)


def lead_sentences(text: str, count: int = 2) -> list[str]:
    """The first `count` whole sentences of an article's text: its lead.

    >>> lead_sentences("Storm moves east\\nThe storm hit the coast on Monday. It left 3,000 homes dark. Crews work.")
    ['The storm hit the coast on Monday.', 'It left 3,000 homes dark.']
    """
    sentences = text_sentences(text)
    return [s for s in sentences if _whole_sentence(s)][:count]


def _is_question(sentence: str, question: str) -> bool:
    return content_words(sentence) <= content_words(question)
