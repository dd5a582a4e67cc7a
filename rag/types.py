"""Typed results of the QA API; only `ui/` turns them into text for people."""

from dataclasses import asdict, dataclass, field

__all__ = ["Answer", "Citation", "NOT_FOUND", "Progress"]

NOT_FOUND = "The articles do not say."


@dataclass(frozen=True)
class Progress:
    """What `QA.steps` is doing before the answer is ready: "searching" the articles, then "checking"
    the answer against `passages` passages. Nothing the model writes is in it: only checked text leaves QA."""

    stage: str
    passages: int | None = None

    def as_dict(self) -> dict:
        """The JSON object of a `progress` event of `POST /v1/ask` with `stream`."""
        return {"stage": self.stage, "passages": self.passages}


@dataclass(frozen=True)
class Citation:
    """A source of an answer: the article, the chunk, and the sentence(s) that support the answer."""

    article_id: str
    title: str
    url: str | None
    published: str | None
    chunk_id: str
    quote: str
    score: float
    source: str | None = None  # the site or file the article came from

    @classmethod
    def of(cls, hit, quote: str, chunk_id: str | None = None) -> "Citation":
        """The citation of a passage (an ingest.store.Hit) quoting `quote` (from its chunk `chunk_id`, when another
        chunk of the article than the hit's holds it)."""
        return cls(hit.article_id, hit.title, hit.url, hit.published, chunk_id or hit.chunk_id, quote, hit.score,
                   hit.source)


@dataclass(frozen=True)
class Answer:
    """An answer to one question, with its citations; `abstained` when the articles lack the answer."""

    question: str
    text: str
    abstained: bool
    citations: tuple[Citation, ...] = ()
    timings: dict = field(default_factory=dict)
    retrieved: tuple[str, ...] = ()  # chunk ids in rank order, for evaluation
    query: str | None = None  # the standalone query used for retrieval, when it differs from the question
    choice: int | None = None  # index of the chosen option, for multiple-choice questions
    draft: str | None = None  # what the model wrote before verification
    kind: str = "factoid"  # factoid (a span), explanatory (cited sentences) or latest (newest articles)
    updated: str | None = None  # the story changed after it was first seen; the answer is from this day's version
    disputed: bool = False  # other articles give a different number: the answer is its first source's, as of its date
    confidence: float | None = None  # a factoid's: the answer scorer's probability that its best span is right
    likelihood: float | None = None  # a factoid's: the LLM's mean token log-probability of the span it answers with
    doubtful: bool = False  # a factoid the support check doubts: shown as unsure, or declined (unbacked, or strict)

    def as_dict(self) -> dict:
        """The JSON object of `newsqa ask --json` and `POST /v1/ask`."""
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "kind": self.kind,
            "citations": [asdict(c) for c in self.citations],
            "timings": dict(self.timings),
            "updated": self.updated,
            "disputed": self.disputed,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "likelihood": None if self.likelihood is None else round(self.likelihood, 4),
            "doubtful": self.doubtful,
        }
