"""The examples the models learn from: each question's ranked pool (`Asking`), its candidate spans and evidence
(`Answering`), the judge's and multiple choice's rows; kept as JSON records keyed by the code that makes them."""

import hashlib
import itertools
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.store import Hit
from ingest.text import words
from newsqa.files import write_atomically
from rag.answer.candidates import Candidate, continuation, display_text
from rag.answer.choices import choice_rows
from rag.answer.evidence import Evidence
from rag.answer.factoid import drafted_answer, short_answer, shown
from rag.answer.sentences import SENTENCE_POOL, sentence_rows
from rag.answer.terms import key_terms
from rag.evaluate import EvalQuestion
from rag.learned.judge import Judge
from rag.learned.trees import Trees
from rag.qa import QA
from rag.retrieval.features import Asked, PoolEntry, passage_rows
from rag.retrieval.hybrid import Retriever, collapse, reciprocal_rank_fusion
from rag.text import contains
from rag.training.judge import CANDIDATES as JUDGED
from rag.training.judge import Judging
from rag.training.periods import Period, Progress, TrainConfig
from rag.training.records import Records

__all__ = ["RECORDS", "Answering", "Asking", "Decision", "ExampleCache", "answer_examples", "by_bm25", "by_dense",
           "by_fusion", "by_ranker", "choice_examples", "decision", "is_answer", "judging", "passage_examples",
           "reads_choices", "recall_at", "sentence_examples"]


log = logging.getLogger("newsqa.train")


@dataclass
class Asking:
    """One training question answered against its period's store: its passage pool and labels."""

    question: EvalQuestion
    asked: Asked
    vector: list[float]
    pool: list[PoolEntry]
    rows: list[list[float]]
    labels: list[int]  # 1: the passage holds an accepted answer

    @property
    def in_corpus(self) -> bool:
        """Whether an accepted answer is in the articles (the set's own flag where it has one)."""
        flag = self.question.fields.get("answer_in_results", self.question.fields.get("answer_in_corpus"))
        return bool(flag) if flag is not None else any(self.labels)


def passage_examples(retriever: Retriever, questions: Sequence[EvalQuestion],
                     progress: Progress | None = None) -> list[Asking]:
    """Each question's passage pool from `retriever`, as of its date, with features and labels."""
    found = []
    for done, question in enumerate(questions, start=1):
        asked = Asked.of(question.question, question.asked_on)
        vector = retriever.embeddings.embed_query(question.question)
        pool = retriever.pool(question.question, vector)
        labels = [int(contains(e.hit.text, question.answers) > 0) for e in pool]
        found.append(Asking(question, asked, vector, pool, passage_rows(asked, pool, retriever.pool_size), labels))
        if progress:
            progress("retrieving", done, len(questions))
    return found


def recall_at(examples: Sequence[Asking], order: Callable[[Asking], list[Hit]], k: int = 5,
              per_article: int = 2) -> float:
    """Share of the in-corpus questions with an accepted answer in the top k (after `collapse`)."""
    wanted = [e for e in examples if e.in_corpus]
    found = 0
    for example in wanted:
        top = collapse(order(example), per_article)[:k]
        found += any(contains(h.text, example.question.answers) for h in top)
    return round(100 * found / len(wanted), 1) if wanted else 0.0


def by_dense(example: Asking) -> list[Hit]:
    return [e.hit for e in sorted(example.pool, key=lambda e: e.dense_rank or 10**9) if e.dense_rank]


def by_bm25(example: Asking) -> list[Hit]:
    return [e.hit for e in sorted(example.pool, key=lambda e: e.bm25_rank or 10**9) if e.bm25_rank]


def by_fusion(example: Asking) -> list[Hit]:
    by_id = {e.hit.chunk_id: e.hit for e in example.pool}
    order = reciprocal_rank_fusion([h.chunk_id for h in by_dense(example)], [h.chunk_id for h in by_bm25(example)])
    return [by_id[i] for i in order]


def by_ranker(ranker: Trees) -> Callable[[Asking], list[Hit]]:
    def order(example: Asking) -> list[Hit]:
        scores = ranker.probability(example.rows) if example.rows else []
        return [example.pool[i].hit for i in sorted(range(len(example.pool)), key=lambda i: -scores[i])]
    return order


@dataclass
class Answering:
    """One question taken through the answer step with a given ranker: its candidates' rows and labels."""

    asking: Asking
    ranked: list[Hit]
    hits: list[Hit]
    evidence: list
    draft: str
    pool: list
    rows: list[list[float]]
    labels: list[int]


def answer_examples(qa: QA, askings: Sequence[Asking], *, drafts: bool = True,
                    progress: Progress | None = None) -> list[Answering]:
    """Each question's candidates, from the top passages of `ranker`, with features and labels
    (1: the span is an accepted answer, no more than two words longer than it)."""
    found = []
    for done, asking in enumerate(askings, start=1):
        question = asking.question.question
        ranked = qa.retriever.rank(asking.asked, asking.pool) if asking.pool else []
        hits = qa.retriever.top(ranked)
        evidence = qa.evidence(question, hits, asking.vector)
        draft = ""
        if drafts and evidence:
            draft = qa.llm.invoke(qa.llm.prompt(question, evidence), stop=["\n"])
        pool, rows = qa.candidates(question, evidence, draft)
        labels = [int(is_answer(display_text(c), asking.question.answers)) for c in pool]
        found.append(Answering(asking, ranked, hits, evidence, draft, pool, rows, labels))
        if progress:
            progress("answering", done, len(askings))
    return found


def is_answer(text: str, golds: Sequence[str]) -> bool:
    """The span holds an accepted answer and is not much longer than it.

    >>> is_answer("more than 100", ["100"]), is_answer("the 100 prisoners held in the northern city", ["100"])
    (True, False)
    """
    size = len(words(text))
    return any(contains(text, [g]) and size <= len(words(g)) + 2 for g in golds)


# The code that makes the cached examples, from the package root: every module of rag/ (the draft prompt,
# the key terms and the text helpers as much as the features) and the store's search settings, BM25 and
# the sentence splitter, which make the pools and the evidence.
_EXAMPLE_CODE = ("rag/**/*.py", "ingest/store.py", "ingest/exact.py", "ingest/vectors.py", "ingest/lexical.py",
                 "ingest/chunk.py", "ingest/news.py")


class ExampleCache:
    """The training examples as JSON records (data, never code), keyed by what they depend on (periods,
    settings, the code). A damaged file is made again, with a warning."""

    def __init__(self, directory, periods: Sequence[Period], config: TrainConfig, drafts: bool | str):
        """`drafts`: which LLM drafts (its name: another one, such as a fine-tuned reader, makes other examples), or
        False for none."""
        root = Path(__file__).resolve().parents[2]  # the checkout: rag/ and ingest/
        files = sorted(f for pattern in _EXAMPLE_CODE for f in root.glob(pattern))
        code = "".join(f.read_text() for f in files)  # newer code: new examples
        drafted = True if drafts is True or drafts == "embedded" else drafts  # the base model keeps its old key
        key = json.dumps([[p.name for p in periods], drafted, config.folds, config.seed, code])
        self.directory = directory
        self.key = hashlib.sha256(key.encode()).hexdigest()[:12]

    def _path(self, name: str):
        return self.directory / f"{name}-{self.key}.json" if self.directory is not None else None

    def get(self, name: str):
        path = self._path(name)
        if path is None or not path.exists():
            return None
        try:
            return RECORDS.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            log.warning("training cache %s unreadable (%s); making it again", path, exc)
            return None

    def put(self, name: str, value) -> None:
        path = self._path(name)
        if path is not None:
            write_atomically(path, RECORDS.dumps(value))


RECORDS = Records([Asking, Answering, EvalQuestion, Asked, PoolEntry, Hit, Evidence, Candidate])


def sentence_examples(answering: Sequence[Answering]) -> tuple[list[list[float]], list[int], list[int]]:
    """Rows of SENTENCE_FEATURES, labels (1: the sentence holds an accepted answer) and each row's question number,
    from the questions whose answer is in some evidence sentence but not in all of them."""
    rows, labels, groups = [], [], []
    for number, item in enumerate(answering):
        evidence = item.evidence[:SENTENCE_POOL]
        found = [int(contains(e.text, item.asking.question.answers) > 0) for e in evidence]
        if not 0 < sum(found) < len(found):
            continue
        names = frozenset(w for name in key_terms(item.asking.question.question).names for w in name)
        rows += sentence_rows(item.asking.question.question, evidence, names)
        labels += found
        groups += [number] * len(found)
    return rows, labels, groups


@dataclass(frozen=True)
class Decision:
    """A question's best candidate: its probability, whether it is right, whether any answer was to be found."""

    probability: float
    correct: bool
    in_corpus: bool
    reachable: bool = False  # some candidate was right


def judging(qa: QA, item: Answering) -> Judging:
    """The eligible candidates newsqa would choose from (the best-scored first: whether to answer is its
    probability's call), whether the answer it shows for each would be right (the span, or the draft's own
    words: `shown`), and the LLM's log-probabilities of the spans when it can judge them."""
    question = item.asking.question
    terms = key_terms(question.question)
    eligible = list(itertools.islice(QA.eligible(question.question, qa.score(question.question, item.evidence, item.draft),
                                                 terms), max(JUDGED)))
    written = drafted_answer(short_answer(item.draft), question.question, terms, item.evidence)
    logprobs = [None] * len(eligible)
    if len(eligible) > 1 and qa.llm.judges:  # one candidate needs no judge (answering scores it for its likelihood)
        logprobs = qa.llm.logprobs(qa.llm.prompt(question.question, item.evidence),
                                   [continuation(s.candidate) for s in eligible])
    return Judging([s.probability for s in eligible], logprobs,
                   [is_answer(shown(s.candidate, written)[0], question.answers) for s in eligible],
                   item.asking.in_corpus, any(item.labels))


def decision(item: Judging, judge: Judge | None) -> Decision:
    """Whether newsqa would answer (the best-scored eligible span's probability) and be right (with what it
    shows for the span the judge chooses, or for the best-scored one)."""
    if not item.right:
        return Decision(0.0, False, item.in_corpus, item.reachable)
    return Decision(item.probabilities[0], item.answered_right(judge), item.in_corpus, item.reachable)


def choice_examples(qa: QA, item: Answering) -> tuple[list[list[float]], list[int]]:
    question = item.asking.question
    if len(question.choices) < 2 or not question.answer_index:
        return [], []
    scored = qa.score(question.question, item.evidence)
    read = qa.read_choices(question.question, item.evidence, question.choices) if reads_choices(qa.llm) else None
    rows = choice_rows(question.question, question.choices, item.ranked, scored, qa.retriever, item.asking.vector, read)
    return rows, [int(i in question.answer_index) for i in range(len(question.choices))]


def reads_choices(llm) -> bool:
    """Whether multiple choice learns from the LLM's reading of the options: the fine-tuned reader, which learned to
    pick them (the base model's scores of options it was never taught to choose among are not fitted on)."""
    return llm.judges and llm.reader is not None
