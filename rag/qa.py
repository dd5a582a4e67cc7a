"""The question-answering API: retrieve, draft with the LLM, verify against the passages, cite."""

import re
import time
from collections.abc import Iterator, Sequence

from ingest.clean import clean_text
from ingest.config import Settings
from ingest.errors import QuestionError

from .choices import score_choices
from .evidence import Evidence, select_evidence, supporting
from .llm import GenerationLLM, build_llm
from .prompt import UNKNOWN, answer_prompt
from .retrieve import Retriever
from .text import normalise_answer
from .types import NOT_FOUND, Answer, Citation

__all__ = ["QA", "check_question"]

MAX_CITATIONS = 3


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


class QA:
    """Answers questions from the articles: `QA(retriever, llm).ask("How many ...?") -> Answer`."""

    def __init__(self, retriever: Retriever, llm: GenerationLLM, *, max_question_chars: int = 2000):
        self.retriever = retriever
        self.llm = llm
        self.max_question_chars = max_question_chars

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, store=None, embeddings=None, llm=None) -> "QA":
        """A QA over the configured store with the configured embedder and LLM (or the ones passed in)."""
        from ingest.embed import MiniLMEmbeddings
        from ingest.store import ArticleStore, connect

        settings = settings or Settings.from_env()
        store = store or ArticleStore(connect(settings), settings.collection)
        retriever = Retriever(store, embeddings or MiniLMEmbeddings(), k=settings.top_k)
        return cls(retriever, llm or build_llm(settings), max_question_chars=settings.max_question_chars)

    def warm_up(self) -> None:
        """Load the models and let the LLM cache the fixed prompt prefix, so the first question is not slow."""
        self.retriever.embeddings.embed_query("warm up")
        self.llm.generate(answer_prompt("What is this?", []), stop=["\n"])

    def ask(self, question: str, *, history: Sequence[str] = (), choices: Sequence[str] | None = None,
            k: int | None = None) -> Answer:
        """The verified, cited answer to one question."""
        for event in self.stream(question, history=history, choices=choices, k=k):
            if isinstance(event, Answer):
                return event
        raise AssertionError("stream() always ends with an Answer")

    def stream(self, question: str, *, history: Sequence[str] = (), choices: Sequence[str] | None = None,
               k: int | None = None) -> Iterator[str | Answer]:
        """The model's draft piece by piece (strings), then the final verified `Answer`."""
        question = check_question(question, self.max_question_chars)
        if choices is not None and (len(choices) < 2 or not all(isinstance(c, str) and c.strip() for c in choices)):
            raise QuestionError("choices must be at least two non-empty strings")
        started = time.perf_counter()
        hits = self.retriever.retrieve(question, k)
        retrieved_at = time.perf_counter()
        evidence = select_evidence(question, hits)
        if choices:
            yield self._chosen(question, list(choices), evidence, hits, _timings(started, retrieved_at))
            return
        draft = ""
        if evidence:
            for piece in self.llm.stream(answer_prompt(question, evidence), stop=["\n"]):
                draft += piece
                yield piece
        yield self._verified(question, draft, evidence, hits, _timings(started, retrieved_at))

    def _chosen(self, question, choices, evidence, hits, timings) -> Answer:
        scores = score_choices(question, choices, evidence)
        best = max(range(len(choices)), key=lambda i: scores[i][0])
        item = scores[best][1]
        retrieved = tuple(h.chunk_id for h in hits)
        if item is None:  # no option has support: still the best guess, but said to be one
            return Answer(question, NOT_FOUND, True, (), timings, retrieved, choice=best)
        return Answer(question, choices[best], False, _citations([item]), timings, retrieved, choice=best)

    def _verified(self, question, draft, evidence, hits, timings) -> Answer:
        short = _short_answer(draft)
        support = [] if normalise_answer(short) in ("", UNKNOWN) else supporting(short, question, evidence)
        retrieved = tuple(h.chunk_id for h in hits)
        if not support:
            return Answer(question, NOT_FOUND, True, (), timings, retrieved, draft=draft)
        return Answer(question, short, False, _citations(support), timings, retrieved, draft=draft)


def _timings(started: float, retrieved_at: float) -> dict:
    done = time.perf_counter()
    return {
        "retrieve_s": round(retrieved_at - started, 3),
        "generate_s": round(done - retrieved_at, 3),
        "total_s": round(done - started, 3),
    }


def _short_answer(draft: str) -> str:
    """The model's answer line without quotes, a trailing full stop or a leading "Answer:".

    >>> _short_answer(' Answer: "104".'), _short_answer(" at 3 a.m.")
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


def _citations(support: list[Evidence]) -> tuple[Citation, ...]:
    citations, seen = [], set()
    for item in support:
        if item.hit.chunk_id in seen:
            continue
        seen.add(item.hit.chunk_id)
        hit = item.hit
        citations.append(Citation(hit.article_id, hit.title, hit.url, hit.published, hit.chunk_id, item.text, hit.score))
    return tuple(citations[:MAX_CITATIONS])
