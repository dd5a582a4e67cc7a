"""The question-answering API: retrieve, draft with the LLM, score the spans of the passages, let the LLM judge
the best few, verify against the passages, cite.

`QA` is a LangChain Runnable: `invoke` / `batch` / `ainvoke` / `astream` take a question string or
`{"question", "history", "choices", "k", "as_of"}` and return an `Answer`; callbacks see the retrieval and
the LLM call as child runs, and the progress ("searching", "checking N passages") as custom events.
"""

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date

from langchain_core.callbacks.manager import dispatch_custom_event
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import Runnable, RunnableConfig

from ingest.clean import clean_text
from ingest.store import Hit
from ingest.vectors import cosines
from ingest.vectorstore import document_hit
from newsqa.errors import ConfigError, ModelError, QuestionError
from rag.answer.candidates import Candidate, agreement, candidate_key, display_text
from rag.answer.choices import READER_FEATURES, choice_rows, holding_sentence, reader_scores
from rag.answer.citations import citations, marked, numbered
from rag.answer.evidence import Evidence, select_evidence, supporting
from rag.answer.factoid import disputed, drafted_answer, eligible, judged, likelihood, short_answer, shown, unbacked
from rag.answer.followup import Turn, as_turns, conversation, only_pronouns, points_back, reply_answer, standalone
from rag.answer.scoring import (
    CANDIDATE_FEATURES,
    Scored,
    answerable_by,
    candidate_pool,
    candidate_rows,
)
from rag.answer.sentences import sentence_rows
from rag.answer.shapes import (
    explanation,
    explanation_shape,
    first_sentence,
    newest,
    question_kind,
    still_to_come,
    story_lead,
    topic,
)
from rag.answer.stories import first_passages, leads, newest_in_store
from rag.answer.terms import KeyTerms, addresses, key_terms
from rag.answer.written import MAX_WRITTEN_TOKENS, check_reply, quote_for
from rag.learned.models import Models
from rag.llm import GenerationLLM, as_generation_llm
from rag.llm.prompts import choice_prompt, choice_text, pointing_prompt, writer_prompt
from rag.retrieval.hybrid import Retriever
from rag.text import contains, normalise_answer
from rag.types import NOT_FOUND, Answer, Citation, Progress

__all__ = ["QA", "check_question"]

log = logging.getLogger("newsqa.qa")

_DRAFT = CANDIDATE_FEATURES.index("draft")  # the column of a candidate's agreement with the LLM's draft
# Declining whether something was done when the articles only say it is to come; the sentence that says so follows.
STILL_TO_COME = "The articles do not say that it happened, only that it is to come:"


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

    def __init__(self, retriever: Retriever, llm, models: Models, *, max_question_chars: int = 2000, strict: bool = False):
        """`llm`: a `GenerationLLM`, or any LangChain LLM or chat model (a chat model writes the answers); `models`:
        the learned models (the shipped ones: `Models.load()`); `strict`: decline every factoid answer the models'
        support check doubts (by default only those the LLM backs in no way, `unbacked`; the others are answered
        marked `doubtful`)."""
        missing = models.answers.missing(CANDIDATE_FEATURES) if models.answers is not None else []
        if missing:  # models trained by a newer newsqa: said now, not at every question
            raise ConfigError(f"the answer scorer reads features this newsqa does not make ({missing}); "
                              "use the models of this version or retrain them with `newsqa train`")
        self.retriever = retriever
        self.llm: GenerationLLM = as_generation_llm(llm)
        self.models = models
        self.max_question_chars = max_question_chars
        self.strict = strict

    def invoke(self, input: QAInput, config: RunnableConfig | None = None, **kwargs) -> Answer:
        """The verified, cited answer to a question string or `{"question", "history", "choices", ...}`."""
        return self._call_with_config(self._answer_request, input, config, run_type="chain", **kwargs)

    def _answer_request(self, input: QAInput, **kwargs) -> Answer:
        for event in self.steps(**_request(input, kwargs)):
            if isinstance(event, Answer):
                return event
            dispatch_custom_event("newsqa_progress", event.as_dict())
        raise AssertionError("steps() always ends with an Answer")

    def warm_up(self) -> None:
        """Load the models and let the LLM cache the fixed prompt prefix, so the first question is not slow."""
        self.retriever.embeddings.embed_query("warm up")
        self.llm.invoke(self.llm.prompt("What is this?", []), stop=["\n"])

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
        as_of = as_of or date.today()
        kind, query, search = self._reading(question, self.usable_turns(history), bool(choices))
        yield Progress("searching")
        started = time.perf_counter()
        if kind == "latest" and not topic(query):
            yield self._newest(newest_in_store(self.retriever.store, as_of), _timings(started, time.perf_counter()), question,
                               query)
            return
        vector, ranked, hits = self._ranked_hits(search, as_of, k)
        if query != question and not points_back(question):  # it names nothing, and says nothing of leaning back
            alone = self._reading(question, (), bool(choices))
            found = self._ranked_hits(alone[2], as_of, k)
            if _closest(found[2]) >= _closest(hits):  # the articles know it without the conversation: a new question
                (kind, query, search), (vector, ranked, hits) = alone, found
        retrieved_at = time.perf_counter()
        context = {"question": question, "query": query if query != question else None,
                   "retrieved": tuple(h.chunk_id for h in hits), "kind": kind}
        yield Progress("checking", len(hits))
        if choices:
            yield self._chosen(query, list(choices), ranked, hits, vector, _timings(started, retrieved_at), context)
        elif kind == "latest":
            terms = key_terms(query)
            yield self._newest(newest(self.retriever.top(ranked, 10), topic(query), terms, as_of),
                               _timings(started, retrieved_at), question, query, context["retrieved"])
        elif getattr(self.llm, "writes", False) and (written := self._written(query, hits, started, retrieved_at, context)):
            yield written
        elif kind == "explanatory":
            evidence, terms = self.evidence(search, hits, vector), key_terms(query)
            chosen = explanation(evidence, terms, query,
                                 leads=leads(self.retriever.store, search, hits, count=len(hits))
                                 if explanation_shape(query) in ("happened", "summary") else (),
                                 likely=self._sentence_model(query), pointed=self._pointer(query))
            yield self._explained(chosen, _timings(started, retrieved_at), context,
                                  pending=() if chosen else still_to_come(evidence, terms, query))
        else:
            evidence = self.evidence(query, hits, vector)
            draft = self.llm.invoke(self.llm.prompt(query, evidence), stop=["\n"]) if evidence else ""
            yield self._answer(query, draft, evidence, _timings(started, retrieved_at), context)

    def _reading(self, question: str, turns: Sequence[Turn], choices: bool) -> tuple[str, str, str]:
        """What is asked: its kind (factoid, explanatory, latest), the standalone question a follow-up means, and what
        to search for (the topic, without "summarize" or "latest news")."""
        kind = "factoid" if choices else question_kind(question)
        if kind != "latest" or only_pronouns(topic(question)):  # "what's new?" is the store's newest, not a follow-up
            query = standalone(question, turns)
            if len(query) > self.max_question_chars:  # the earlier turn's words must not make it too long
                query = question
            kind = "factoid" if choices else question_kind(query)
        else:
            query = question
        return kind, query, topic(query) or query if kind != "factoid" else query

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

    def _ranked_hits(self, query: str, as_of: date, k: int | None) -> tuple[list[float], list[Hit], list[Hit]]:
        """The query's vector (once: for retrieval and for the evidence), the ranked pool and its top k. The pool comes
        through the retriever's LangChain interface, so callbacks and traces see a retriever run and its Documents."""
        vector = self.retriever.embeddings.embed_query(query)
        ranked = [document_hit(d) for d in self.retriever.invoke(query, vector=vector, as_of=as_of, pool=True)]
        return vector, ranked, self.retriever.top(ranked, k)

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
        probabilities = self.models.answers.probability(self.models.answers.own_columns(rows, CANDIDATE_FEATURES))
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
        embeddings = self.retriever.embeddings

        def similarity(sentences: list[str]) -> list[float]:
            return cosines(wanted, embeddings.embed_documents(sentences))
        return similarity

    def _chosen(self, query, choices, ranked, hits, vector, timings, context) -> Answer:
        probabilities = self.choose(query, choices, ranked, hits, vector)
        best = max(range(len(choices)), key=lambda i: probabilities[i])
        holding = next((h for h in ranked if contains(h.text, [choices[best]])), None)
        if holding is None:  # no passage names the option: still the best guess, but said to be one
            return Answer(text=NOT_FOUND, abstained=True, timings=timings, choice=best, **context)
        quote = holding_sentence(holding, query, choices[best])
        return Answer(text=choices[best], abstained=False, citations=citations([quote]), timings=timings,
                      choice=best, **context)

    def _written(self, question: str, hits: Sequence[Hit], started: float, retrieved_at: float, context) -> Answer | None:
        """The capable model's answer, only its sentences whose claims their cited passage holds; None when
        none survive (the extractive answer is given instead)."""
        terms = key_terms(question)
        passages = [h for h in hits if addresses(terms, h)]
        if not passages:  # nothing about what was asked: the extractive path abstains, no LLM call
            return None
        reply = self.llm.invoke(writer_prompt(question, passages), max_tokens=MAX_WRITTEN_TOKENS)
        kept = check_reply(reply, passages)
        if not kept:
            return None
        articles = list(dict.fromkeys(passages[i].article_id for w in kept for i in w.passages))
        quotes: dict[str, Citation] = {}
        for w in kept:
            for i in w.passages:
                hit = passages[i]
                quotes.setdefault(hit.article_id, Citation.of(hit, quote_for(w.text, hit)))
        text = " ".join(marked(w.text + ".", [articles.index(passages[i].article_id) + 1 for i in w.passages])
                        for w in kept)
        return Answer(text=text, abstained=False, citations=tuple(quotes[a] for a in articles),
                      timings=_timings(started, retrieved_at), draft=reply, **context)

    def _explained(self, chosen: Sequence[Evidence], timings, context, pending: Sequence[Evidence] = ()) -> Answer:
        """The chosen sentences, each followed by the number of its article's citation. None chosen: the articles do
        not say; when they only say that what was asked is still to come (`pending`: `still_to_come`), that is said,
        and where."""
        if not chosen and pending:
            text, cited = numbered(pending)
            return Answer(text=f"{STILL_TO_COME} {text}",
                          abstained=True, citations=cited, timings=timings, **context)
        if not chosen:
            return Answer(text=NOT_FOUND, abstained=True, timings=timings, **context)
        text, cited = numbered(chosen)
        return Answer(text=text, abstained=False, citations=cited, timings=timings, **context)

    def _newest(self, hits: Sequence[Hit], timings, question: str, query: str, retrieved=()) -> Answer:
        """The newest articles: headline, date and first sentence, each cited (the newest, its lead: `story_lead`)."""
        context = {"question": question, "query": query if query != question else None, "kind": "latest",
                   "retrieved": tuple(retrieved)}
        if not hits:
            return Answer(text=NOT_FOUND, abstained=True, timings=timings, **context)
        lines, cited = [], []
        for number, (hit, first) in enumerate(zip(hits, first_passages(self.retriever.store, hits)), start=1):
            opening = story_lead(first.text) if number == 1 else first_sentence(first.text)  # the newest: its lead
            lines.append(marked(f"{hit.title or hit.article_id} ({hit.published or 'undated'}): {opening}", [number]))
            cited.append(Citation.of(hit, opening, chunk_id=first.chunk_id))
        return Answer(text="\n".join(lines), abstained=False, citations=tuple(cited), timings=timings, **context)

    def _pointer(self, question: str) -> Callable[[Sequence[Evidence]], str] | None:
        """What explanations ask the LLM: its draft answer from the given sentences ("" when it fails: the ranking then
        decides alone). Only a few-shot base model's draft was measured to point well; no other model is asked."""
        def draft(sentences: Sequence[Evidence]) -> str:
            try:
                return self.llm.invoke(pointing_prompt(question, sentences), stop=["\n"])
            except ModelError as exc:
                log.warning("explaining without the LLM's pointer: %s", exc)
                return ""
        return None if self.llm.writes or self.llm.reader else draft

    def _sentence_model(self, question: str):
        """The learned sentence model as explanations call it (sentences -> probabilities), None without one."""
        model = self.models.sentences
        if model is None:
            return None
        names = frozenset(w for name in key_terms(question).names for w in name)
        return lambda items: model.probability(sentence_rows(question, items, names))

    @staticmethod
    def eligible(question: str, scored: Sequence[Scored], terms: KeyTerms | None = None) -> Iterator[Scored]:
        """The candidates that pass the checks on what was asked, best-scored first (rag.answer.factoid.eligible)."""
        return eligible(question, scored, terms)

    def judged(self, prompt: str, candidates: Sequence[Scored]) -> tuple[Scored, list[float] | None]:
        """Which eligible candidate to answer with, the judge's choice or the best-scored, and the LLM's token
        log-probabilities of it (rag.answer.factoid.judged)."""
        return judged(self.llm, self.models.judge, prompt, candidates)

    def _answer(self, query, draft, evidence, timings, context) -> Answer:
        """The judged candidate span (or the draft's words for it), when the scorer is sure enough of its best
        eligible one, marked doubtful when the models' support check doubts it; declined instead when the LLM's
        draft does not give it either (`unbacked`), or when strict; else an abstention."""
        terms = key_terms(query)
        scored = self.score(query, evidence, draft)
        eligible = list(self.eligible(query, scored, terms))
        confidence = eligible[0].probability if eligible else None
        if confidence is None or confidence < self.models.threshold:  # none about the question, or not sure
            return Answer(text=NOT_FOUND, abstained=True, timings=timings, draft=draft, confidence=confidence, **context)
        pick, logprobs = self.judged(self.llm.prompt(query, evidence), eligible)
        best, likely = pick.candidate, likelihood(logprobs)
        support = self.models.support
        doubtful = likely is not None and support is not None and not support.backs(confidence, likely)
        text, cited = shown(best, drafted_answer(short_answer(draft), query, terms, evidence))
        if doubtful and (self.strict or unbacked(query, draft, text)):  # the LLM backs it neither way
            return Answer(text=NOT_FOUND, abstained=True, timings=timings, draft=draft, confidence=confidence,
                          likelihood=likely, doubtful=True, **context)
        chosen = best if text == display_text(best) else next(  # the LLM's own words: the span that says them, if any
            (s.candidate for s in scored if agreement(normalise_answer(text), s.candidate.text) == 1.0), None)
        sources = [cited] + [e for e in supporting(text, query, evidence) if e.hit.article_id != cited.hit.article_id]
        return Answer(text=text, abstained=False, citations=citations(sources), timings=timings, draft=draft,
                      updated=cited.hit.updated, disputed=chosen is not None and disputed(chosen, scored),
                      confidence=confidence, likelihood=likely, doubtful=doubtful, **context)


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
    """History as QA takes it, from LangChain messages too (`conversation`: each human message a question, the AI
    message after it its reply, of which `QA.usable_turns` keeps a short answer only)."""
    turns: list = []
    messages: list[tuple[str, str]] = []
    for item in history:
        if isinstance(item, BaseMessage):
            human, ai = isinstance(item, HumanMessage), isinstance(item, AIMessage)  # chunks too (type not "ai")
            messages.append(("user" if human else "assistant" if ai else item.type, item.text))
        else:
            turns += conversation(messages) + [item]
            messages = []
    return turns + conversation(messages)


def _closest(hits: Sequence[Hit]) -> float:
    """How close the best passage found is to what was searched (its cosine)."""
    return max((h.score for h in hits), default=0.0)


def _timings(started: float, retrieved_at: float) -> dict:
    done = time.perf_counter()
    return {
        "retrieve_s": round(retrieved_at - started, 3),
        "generate_s": round(done - retrieved_at, 3),
        "total_s": round(done - started, 3),
    }


