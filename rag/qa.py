"""The question-answering API: retrieve, draft with the LLM, score the spans of the passages, let the LLM judge
the best few, verify against the passages, cite.

`QA` is a LangChain Runnable: `invoke` / `batch` / `ainvoke` / `astream` take a question string or
`{"question", "history", "choices", "k", "as_of"}` and return an `Answer`; callbacks see the retrieval and
the LLM call as child runs, and the progress ("searching", "checking N passages") as custom events.
"""

import logging
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date

from langchain_core.callbacks.manager import dispatch_custom_event
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda

from ingest.clean import clean_text
from ingest.store import Hit
from newsqa.errors import ModelError, QuestionError
from newsqa.settings import Settings

from .answers import CANDIDATE_FEATURES, MIN_OVERLAP, SENTENCES, Scored, answerable_by, candidate_pool, candidate_rows
from .candidates import Candidate, agreement, candidate_key, counts_what_is_asked, display_text
from .choices import READER_FEATURES, choice_rows, holding_sentence, reader_scores
from .evidence import Evidence, select_evidence, supporting
from .followup import Turn, as_turns, only_pronouns, reply_answer, standalone
from .judge import continuation
from .llm import GenerationLLM, as_generation_llm
from .metrics import contains
from .models import Models
from .retrieve import Retriever
from .reader import choice_prompt, choice_text
from .sentences import sentence_rows
from .shapes import explanation, explanation_shape, first_sentence, lead_sentences, newest, question_kind, topic
from .terms import KeyTerms, addresses, key_terms, speaks_to, tense_fits
from .text import content_words, normalise_answer, numbers_in, trim_span
from .types import NOT_FOUND, Answer, Citation, Progress
from .writer import MAX_WRITTEN_TOKENS, check_reply, quote_for, writer_prompt

__all__ = ["QA", "check_question"]

log = logging.getLogger("newsqa.qa")

MAX_CITATIONS = 3
_DRAFT = CANDIDATE_FEATURES.index("draft")  # the column of a candidate's agreement with the LLM's draft


def check_question(question: object, max_chars: int = 2000) -> str:
    """The question, cleaned; `QuestionError` when it is not usable text.

    >>> check_question("  How many\\u200b prisoners? ")
    'How many prisoners?'
    """
    if not isinstance(question, str):
        raise QuestionError(f"a question must be text, got {type(question).__name__}")
    if "\ufffd" in question or "\x00" in question:
        raise QuestionError("the question contains binary data; send plain text")
    cleaned = " ".join(clean_text(question).split())
    if not cleaned:
        raise QuestionError("the question is empty")
    if len(cleaned) > max_chars:
        raise QuestionError(f"the question is {len(cleaned)} characters long; the limit is {max_chars}")
    return cleaned


QAInput = str | Mapping[str, object]
_INPUT_KEYS = ("question", "history", "choices", "k", "as_of")


class QA(Runnable[QAInput, Answer]):
    """Answers questions from the articles: `QA(retriever, llm, models).ask("How many ...?") -> Answer`,
    or as a Runnable, `qa.invoke("How many ...?")`."""

    name = "newsqa"

    def __init__(self, retriever: Retriever, llm, models: Models | None = None, *, max_question_chars: int = 2000):
        """`llm`: a `GenerationLLM`, or any LangChain LLM or chat model (a chat model writes the answers)."""
        self.retriever = retriever
        self.llm: GenerationLLM = as_generation_llm(llm)
        self.models = models or Models.load()
        self.max_question_chars = max_question_chars
        self._retrieve = RunnableLambda(self._ranked_hits, name="retrieve")  # a child run in traces

    def invoke(self, input: QAInput, config: RunnableConfig | None = None, **kwargs) -> Answer:
        """The verified, cited answer to a question string or `{"question", "history", "choices", ...}`."""
        return self._call_with_config(self._answer_request, input, config, run_type="chain", **kwargs)

    def _answer_request(self, input: QAInput, **kwargs) -> Answer:
        for event in self.steps(**_request(input, kwargs)):
            if isinstance(event, Answer):
                return event
            dispatch_custom_event("newsqa_progress", event.as_dict())
        raise AssertionError("steps() always ends with an Answer")

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **parts) -> "QA":
        """A QA over the configured store, embedder, LLM and learned models (built by `newsqa.app.Services`);
        `store=`, `embeddings=`, `llm=` (any LangChain LLM or chat model) replace the configured ones.
        It takes no store lock, as a script reading beside `newsqa serve` expects."""
        from newsqa.app import Services  # noqa: I001 -- the root imports rag, so it is imported here, when called

        return Services(settings or Settings.from_env(), exclusive=None, **parts).qa

    def warm_up(self) -> None:
        """Load the models and let the LLM cache the fixed prompt prefix, so the first question is not slow."""
        self.retriever.embeddings.embed_query("warm up")
        self.llm.generate(self.llm.prompt("What is this?", []), stop=["\n"])

    def ask(self, question: str, *, history: Sequence = (), choices: Sequence[str] | None = None,
            k: int | None = None, as_of: date | None = None) -> Answer:
        """The verified, cited answer to one question (`as_of`: the day it is asked, default today; `history`: the
        conversation's earlier turns, as questions or (question, answer) pairs)."""
        return self.invoke({"question": question, "history": history, "choices": choices, "k": k, "as_of": as_of})

    def steps(self, question: str, *, history: Sequence = (), choices: Sequence[str] | None = None,
              k: int | None = None, as_of: date | None = None) -> Iterator[Progress | Answer]:
        """What it is doing (`Progress`: searching, then checking N passages), then the verified `Answer`.
        The model's draft is never streamed: it is unchecked text, and often wrong. (The Runnable's
        `stream` yields the `Answer` alone, so that QA composes with whatever follows it in a chain.)
        A follow-up is answered as the standalone question it means (`Answer.query`)."""
        question = check_question(question, self.max_question_chars)
        if choices is not None and (len(choices) < 2 or not all(isinstance(c, str) and c.strip() for c in choices)):
            raise QuestionError("choices must be at least two non-empty strings")
        turns = self.usable_turns(history)
        as_of = as_of or date.today()
        kind = "factoid" if choices else question_kind(question)
        if kind != "latest" or only_pronouns(topic(question)):  # "what's new?" is the store's newest, not a follow-up
            query = standalone(question, turns)
            if len(query) > self.max_question_chars:  # the earlier turn's words must not make it too long
                query = question
            kind = "factoid" if choices else question_kind(query)
        else:
            query = question
        search = topic(query) or query if kind != "factoid" else query  # without "summarize", "latest news"
        yield Progress("searching")
        started = time.perf_counter()
        if kind == "latest" and not topic(query):
            yield self._newest(self._latest_hits(as_of), _timings(started, time.perf_counter()), question, query)
            return
        vector, ranked, hits = self._retrieve.invoke({"query": search, "as_of": as_of, "k": k})
        retrieved_at = time.perf_counter()
        context = {"question": question, "query": query if query != question else None,
                   "retrieved": tuple(h.chunk_id for h in hits), "kind": kind}
        yield Progress("checking", len(hits))
        if choices:
            yield self._chosen(query, list(choices), ranked, hits, vector, _timings(started, retrieved_at), context)
        elif kind == "latest":
            terms = key_terms(query)
            yield self._newest(newest(self.retriever.top(ranked, 10), terms), _timings(started, retrieved_at),
                               question, query, context["retrieved"])
        elif getattr(self.llm, "writes", False) and (written := self._written(query, hits, started, retrieved_at, context)):
            yield written
        elif kind == "explanatory":
            chosen = explanation(self.evidence(search, hits, vector), key_terms(query), query,
                                 leads=self._leads(search, hits) if explanation_shape(query) in ("happened", "summary") else (),
                                 likely=self._sentence_model(query))
            yield self._explained(chosen, _timings(started, retrieved_at), context)
        else:
            evidence = self.evidence(query, hits, vector)
            draft = self.llm.generate(self.llm.prompt(query, evidence), stop=["\n"]) if evidence else ""
            yield self._answer(query, draft, evidence, _timings(started, retrieved_at), context)

    def usable_turns(self, history: Sequence) -> list[Turn]:
        """The conversation's earlier turns that count: a question that was refused (empty, too long, not text)
        never became a turn, so it is left out rather than refusing every later question too."""
        turns = []
        for turn in as_turns(history):
            try:
                turns.append(Turn(check_question(turn.question, self.max_question_chars), reply_answer(turn.answer or "")))
            except QuestionError:
                continue
        return turns

    def _ranked_hits(self, request: dict) -> tuple[list[float], list[Hit], list[Hit]]:
        """The query's vector (once: for retrieval and for the evidence), the ranked pool and its top k."""
        vector = self.retriever.embeddings.embed_query(request["query"])
        ranked = self.retriever.ranked(request["query"], vector, request["as_of"])
        return vector, ranked, self.retriever.top(ranked, request["k"])

    def evidence(self, query: str, hits: Sequence[Hit], vector: Sequence[float]) -> list[Evidence]:
        """The sentences of the passages, best first."""
        return select_evidence(query, hits, similarity=self._similarity(vector))

    def candidates(self, query: str, evidence: Sequence[Evidence], draft: str = "") -> tuple[list[Candidate], list[list[float]]]:
        """The candidate spans of the evidence and their rows of CANDIDATE_FEATURES."""
        pool = candidate_pool(query, evidence)
        return pool, candidate_rows(query, evidence, pool, short_answer(draft))

    def score(self, query: str, evidence: Sequence[Evidence], draft: str = "") -> list[Scored]:
        """Every candidate span with the answer scorer's probability, best first, one per distinct text."""
        pool, rows = self.candidates(query, evidence, draft)
        kept = [i for i, c in enumerate(pool)  # a span the LLM answered (its row's agreement is 1) passes the kind gate
                if answerable_by(query, c, self.models.kinds, drafted=rows[i][_DRAFT] == 1.0)]
        pool, rows = [pool[i] for i in kept], [rows[i] for i in kept]
        if not pool:
            return []
        probabilities = self.models.answers.probability(rows)
        scored = sorted((Scored(float(p), c) for p, c in zip(probabilities, pool)), key=lambda s: -s.probability)
        seen, distinct = set(), []
        for item in scored:
            key = candidate_key(item.candidate.text)
            if key not in seen:
                seen.add(key)
                distinct.append(item)
        return distinct

    def choose(self, query: str, choices: Sequence[str], ranked: Sequence[Hit], hits: Sequence[Hit],
               vector: Sequence[float]) -> list[float]:
        """Each choice's probability from the multiple-choice model, judged on the ranked pool and its top hits."""
        evidence = self.evidence(query, hits, vector)
        scored = self.score(query, evidence)
        read = self.read_choices(query, evidence, choices) if READER_FEATURES[0] in self.models.choices.features else None
        rows = choice_rows(query, choices, ranked, scored, self.retriever, vector, read)
        return [float(p) for p in self.models.choices.probability(rows)]

    def read_choices(self, query: str, evidence: Sequence[Evidence], choices: Sequence[str]) -> list[float]:
        """How likely the LLM finds each option after the passage and the question (`reader_scores`); all equal when
        it cannot say (a server's chat model)."""
        if not self.llm.judges:
            return [0.0] * len(choices)
        try:
            return reader_scores(self.llm.logprobs(choice_prompt(query, evidence, choices), [choice_text(c) for c in choices]))
        except ModelError as exc:
            log.warning("the LLM could not read the options: %s", exc)
            return [0.0] * len(choices)

    def _similarity(self, wanted: Sequence[float]):
        """Cosines between a query's vector and sentences, with the retriever's embedder."""
        embeddings, size = self.retriever.embeddings, _norm(wanted)

        def similarity(sentences: list[str]) -> list[float]:
            return [sum(a * b for a, b in zip(wanted, vector)) / (size * _norm(vector) or 1.0)
                    for vector in embeddings.embed_documents(sentences)]
        return similarity

    def _chosen(self, query, choices, ranked, hits, vector, timings, context) -> Answer:
        probabilities = self.choose(query, choices, ranked, hits, vector)
        best = max(range(len(choices)), key=lambda i: probabilities[i])
        holding = next((h for h in ranked if contains(h.text, [choices[best]])), None)
        if holding is None:  # no passage names the option: still the best guess, but said to be one
            return Answer(text=NOT_FOUND, abstained=True, timings=timings, choice=best, **context)
        quote = holding_sentence(holding, query, choices[best])
        return Answer(text=choices[best], abstained=False, citations=_citations([quote]), timings=timings,
                      choice=best, **context)

    def _written(self, question: str, hits: Sequence[Hit], started: float, retrieved_at: float, context) -> Answer | None:
        """The capable model's answer, only its sentences whose claims their cited passage holds; None when
        none survive (the extractive answer is given instead)."""
        terms = key_terms(question)
        passages = [h for h in hits if addresses(terms, h)]
        if not passages:  # nothing about what was asked: the extractive path abstains, no LLM call
            return None
        reply = self.llm.generate(writer_prompt(question, passages), max_tokens=MAX_WRITTEN_TOKENS)
        kept = check_reply(reply, passages)
        if not kept:
            return None
        articles = list(dict.fromkeys(passages[i].article_id for w in kept for i in w.passages))
        quotes: dict[str, Citation] = {}
        for w in kept:
            for i in w.passages:
                hit = passages[i]
                quotes.setdefault(hit.article_id, Citation(hit.article_id, hit.title, hit.url, hit.published, hit.chunk_id,
                                                           quote_for(w.text, hit), hit.score, hit.source))
        text = " ".join(w.text + "." + "".join(f" [{n}]" for n in dict.fromkeys(
            articles.index(passages[i].article_id) + 1 for i in w.passages)) for w in kept)
        return Answer(text=text, abstained=False, citations=tuple(quotes[a] for a in articles),
                      timings=_timings(started, retrieved_at), draft=reply, **context)

    def _explained(self, chosen: Sequence[Evidence], timings, context) -> Answer:
        """The chosen sentences, each followed by the number of its article's citation."""
        if not chosen:
            return Answer(text=NOT_FOUND, abstained=True, timings=timings, **context)
        citations = _citations(list(chosen), limit=None)  # every sentence's article is a source
        number = {c.article_id: n for n, c in enumerate(citations, start=1)}
        text = " ".join(f"{item.text} [{number[item.hit.article_id]}]" for item in chosen)
        return Answer(text=text, abstained=False, citations=citations, timings=timings, **context)

    def _latest_hits(self, as_of: date) -> list[Hit]:
        """The first passage of each of the newest articles in the store (by published date, none after `as_of`);
        their text is read once, by `_newest`."""
        day = as_of.isoformat()
        articles = self.retriever.store.articles()
        stored = sorted((a for a in articles if a.published and a.chunk_ids and a.published[:10] <= day),
                        key=lambda a: a.published, reverse=True)[:3]
        return [Hit(a.chunk_ids[0], a.id, "", 1.0, 0, a.title, a.url, a.source, a.published) for a in stored]

    def _newest(self, hits: Sequence[Hit], timings, question: str, query: str, retrieved=()) -> Answer:
        """The newest articles: headline, date and first sentence, each cited."""
        context = {"question": question, "query": query if query != question else None, "kind": "latest",
                   "retrieved": tuple(retrieved)}
        if not hits:
            return Answer(text=NOT_FOUND, abstained=True, timings=timings, **context)
        lines, citations = [], []
        for number, (hit, first) in enumerate(zip(hits, self._first_passages(hits)), start=1):
            opening = first_sentence(first.text)
            lines.append(f"{hit.title or hit.article_id} ({hit.published or 'undated'}): {opening} [{number}]")
            citations.append(Citation(hit.article_id, hit.title, hit.url, hit.published, first.chunk_id, opening, hit.score,
                                      hit.source))
        return Answer(text="\n".join(lines), abstained=False, citations=tuple(citations), timings=timings, **context)

    def _sentence_model(self, question: str):
        """The learned sentence model as explanations call it (sentences -> probabilities), None without one."""
        model = self.models.sentences
        if model is None:
            return None
        names = frozenset(w for name in key_terms(question).names for w in name)
        return lambda items: model.probability(sentence_rows(question, items, names))

    def _first_passages(self, hits: Sequence[Hit]) -> list[Hit]:
        """Each hit's article's first passage (the hit itself when the store has no record of it), text read at once."""
        store = self.retriever.store
        firsts = store.get_many([h.article_id for h in hits])
        texts = store.chunk_texts([firsts[h.article_id].chunk_ids[0] for h in hits
                                   if h.article_id in firsts and firsts[h.article_id].chunk_ids])
        found = []
        for hit in hits:
            record = firsts.get(hit.article_id)
            chunk_id = record.chunk_ids[0] if record and record.chunk_ids else hit.chunk_id
            found.append(replace(hit, chunk_id=chunk_id, ord=0, text=texts.get(chunk_id, hit.text)))
        return found

    def _leads(self, query: str, hits: Sequence[Hit], count: int = 2) -> list[Evidence]:
        """The opening sentences of the articles of the best passages (`count` articles): what a summary of the
        story, or what happened in it, starts from."""
        firsts: dict[str, Hit] = {}
        for hit in hits:
            firsts.setdefault(hit.article_id, hit)  # the best passage of each article, best article first
        articles = list(firsts.values())[:count]
        leads = []
        for first in self._first_passages(articles):
            opening = lead_sentences(first.text)
            found = {e.text: e for e in select_evidence(query, [first])}
            leads += [found[t] for t in opening if t in found]
        return leads

    @staticmethod
    def eligible(question: str, scored: Sequence[Scored], terms: KeyTerms | None = None) -> Iterator[Scored]:
        """The candidates, best-scored first, from a passage about what was asked, that speak to it, count what it
        asks for and fit its tense (the future is answered only by what is expected): newsqa answers when the first
        one's probability clears the threshold."""
        terms = key_terms(question) if terms is None else terms
        return (s for s in scored if addresses(terms, s.candidate.evidence.hit)
                and speaks_to(question, terms, s.candidate.evidence.text) and counts_what_is_asked(question, s.candidate)
                and tense_fits(question, s.candidate.evidence.text))

    def judged(self, prompt: str, eligible: Sequence[Scored]) -> Scored:
        """Which of the eligible candidates (best-scored first) to answer with: the judge's choice among the best
        few when the models have a judge and the LLM can score continuations of `prompt` (rag/judge.py), else the
        best-scored one (also when the LLM fails to judge: the scorer's answer stands)."""
        judge = self.models.judge
        judged = list(eligible[:judge.candidates]) if judge is not None and self.llm.judges else []
        if len(judged) < 2:
            return eligible[0]
        try:
            logprobs = self.llm.logprobs(prompt, [continuation(s.candidate) for s in judged])
        except ModelError as exc:
            log.warning("the LLM could not judge the candidates, answering with the best-scored one: %s", exc)
            return eligible[0]
        return judged[judge.choose([s.probability for s in judged], logprobs)]

    def _answer(self, query, draft, evidence, timings, context) -> Answer:
        """The judged candidate span (or the draft's words for it), when the scorer is sure enough of its best
        eligible one; else an abstention."""
        terms = key_terms(query)
        scored = self.score(query, evidence, draft)
        eligible = list(self.eligible(query, scored, terms))
        if not eligible or eligible[0].probability < self.models.threshold:  # none about the question, or not sure
            return Answer(text=NOT_FOUND, abstained=True, timings=timings, draft=draft, **context)
        best = self.judged(self.llm.prompt(query, evidence), eligible).candidate
        text, cited = shown(best, drafted_answer(short_answer(draft), query, terms, evidence))
        chosen = best if text == display_text(best) else next(  # the LLM's own words: the span that says them, if any
            (s.candidate for s in scored if agreement(normalise_answer(text), s.candidate.text) == 1.0), None)
        support = [cited] + [e for e in supporting(text, query, evidence) if e.hit.article_id != cited.hit.article_id]
        return Answer(text=text, abstained=False, citations=_citations(support), timings=timings, draft=draft,
                      updated=cited.hit.updated, disputed=chosen is not None and _disputed(chosen, scored), **context)


def shown(span: Candidate, written: tuple[str, Evidence] | None) -> tuple[str, Evidence]:
    """The answer newsqa gives for the span it chose, and the sentence it cites: the draft's own words when a
    sentence about the question holds them (`written`, from `drafted_answer`) and the span is not a number, else
    the span."""
    text = display_text(span)
    if written is not None and not numbers_in(text):
        return written
    return text, span.evidence


def drafted_answer(draft: str, question: str, terms: KeyTerms, evidence: Sequence[Evidence]) -> tuple[str, Evidence] | None:
    """The LLM's short answer as an evidence sentence writes it, and that sentence, when the sentence holds it
    word for word (up to case, punctuation and articles), is about what was asked, and the answer says more than
    the question; None otherwise.

    Whether to answer is the scorer's call; what to answer, the draft's when it is grounded like this and
    neither it nor the best span is a number (the scorer checks what a number counts; the 270M model picks
    the wrong one of several): on cross-fitted rtqa-train questions whose answer is in the articles that is
    right more often than the best span alone (contains 40.2 against 37.5; with numbers too, 40.6, but the
    seed questions' numbers go wrong), the model copying a whole name where spans cut one short.
    """
    said = normalise_answer(draft)
    if not said or numbers_in(draft) or not content_words(said) - content_words(normalise_answer(question)):
        return None  # compared as normalised, accents too: "Nestle" says nothing new after "What did Nestlé do?"
    for item in evidence[:SENTENCES]:
        if (item.overlap >= MIN_OVERLAP and f" {said} " in f" {normalise_answer(item.text)} "
                and addresses(terms, item.hit) and speaks_to(question, terms, item.text)):
            return _written_as(item.text, said) or draft, item
    return None


def _written_as(sentence: str, said: str) -> str | None:
    """The words of `sentence` that normalise to `said`, as the sentence writes them.

    >>> _written_as("Councillor Pat O’Neill chaired the vote.", normalise_answer("pat o'neill"))
    'Pat O’Neill'
    >>> _written_as("The Islamic State group claimed it.", "islamic state group")
    'Islamic State group'
    >>> _written_as("Ana Ruiz of the Harbour Workers Union (HWU) spoke.", "harbour workers union hwu")
    'Harbour Workers Union (HWU)'
    """
    tokens = list(re.finditer(r"\S+", sentence))
    size = len(said.split())
    for start in range(len(tokens)):
        if not normalise_answer(tokens[start].group()):  # "the", "a": the answer starts at its first word
            continue
        for end in range(start + 1, min(len(tokens), start + size + 2) + 1):
            if normalise_answer(" ".join(t.group() for t in tokens[start:end])) == said:
                return trim_span(sentence[tokens[start].start():tokens[end - 1].end()])
    return None


def _request(input: QAInput, overrides: dict) -> dict:
    """`steps()`'s arguments from a Runnable input: a question string, or a dict with "question" and any of
    "history" (earlier questions, or LangChain messages whose human turns count), "choices", "k", "as_of"."""
    request = {"question": input} if isinstance(input, (str, BaseMessage)) else dict(input)
    request.update({key: value for key, value in overrides.items() if value is not None})
    unknown = set(request) - set(_INPUT_KEYS)
    if unknown:
        raise QuestionError(f"unknown QA input keys {sorted(unknown)}; expected some of {list(_INPUT_KEYS)}")
    if "question" not in request:
        raise QuestionError('the QA input has no "question"')
    if isinstance(request["question"], BaseMessage):
        request["question"] = request["question"].text
    request["history"] = _turns_of_messages(request.get("history") or ())
    return {key: value for key, value in request.items() if value is not None}


def _turns_of_messages(history: Sequence) -> list:
    """History as QA takes it, from LangChain messages too: each human message a question, the AI message after it
    its reply (of which `QA.usable_turns` keeps a short answer only)."""
    turns: list = []
    for item in history:
        if isinstance(item, HumanMessage):
            turns.append(Turn(item.text))
        elif isinstance(item, AIMessage):
            if turns and isinstance(turns[-1], Turn) and turns[-1].answer is None:
                turns[-1] = Turn(turns[-1].question, item.text)
        elif not isinstance(item, BaseMessage):
            turns.append(item)
    return turns


# A number another article gives is a rival when the scorer finds it at least this plausible, relative to ours.
RIVAL_SHARE = 0.5


def _disputed(best: Candidate, scored: Sequence[Scored]) -> bool:
    """Whether other articles, as much about the question, give a different number nearly as plausibly."""
    if best.kind != "number":
        return False
    top = next(s.probability for s in scored if s.candidate is best)
    rivals = [s.candidate for s in scored[:8] if s.candidate is not best and s.candidate.kind == "number"
              and s.probability >= RIVAL_SHARE * top
              and s.candidate.evidence.hit.article_id != best.evidence.hit.article_id
              and s.candidate.evidence.overlap >= best.evidence.overlap]  # as much about the question as ours
    return bool(rivals)


def _timings(started: float, retrieved_at: float) -> dict:
    done = time.perf_counter()
    return {
        "retrieve_s": round(retrieved_at - started, 3),
        "generate_s": round(done - retrieved_at, 3),
        "total_s": round(done - started, 3),
    }


def _norm(vector) -> float:
    return sum(x * x for x in vector) ** 0.5


def short_answer(draft: str) -> str:
    """The model's answer line without quotes, a trailing full stop or a leading "Answer:".

    >>> short_answer(' Answer: "104".'), short_answer(" at 3 a.m.")
    ('104', 'at 3 a.m.')
    """
    text = draft.strip().split("\n")[0].strip()
    if text.lower().startswith("answer:"):
        text = text[7:]
    previous = None
    while text != previous:
        previous = text
        text = text.strip(" \"'“”‘’")
        if text.endswith(".") and not re.search(r"\b\w\.\w\.$", text):
            text = text[:-1]
    return text


def _citations(support: list[Evidence], limit: int | None = MAX_CITATIONS) -> tuple[Citation, ...]:
    """One citation per article (its best supporting sentence), in the order of `support`."""
    citations, seen = [], set()
    for item in support:
        if item.hit.article_id in seen:
            continue
        seen.add(item.hit.article_id)
        hit = item.hit
        citations.append(Citation(hit.article_id, hit.title, hit.url, hit.published, hit.chunk_id, item.text, hit.score,
                                  hit.source))
    return tuple(citations[:limit])
