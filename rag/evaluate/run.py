"""Run a question set through the QA and score it: per-question values and aggregate metrics."""

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path

from newsqa.errors import LoadError
from rag.answer.citations import unmarked
from rag.answer.followup import Turn
from rag.evaluate.metrics import contains, exact_match, f1, first_rank, numeric_match, percentile
from rag.qa import QA

__all__ = ["EvalQuestion", "EvalRun", "METRICS", "QuestionResult", "aggregate", "evaluate", "read_questions",
           "score_question"]

METRICS = (
    "em", "f1", "contains", "numeric_match", "abstention_accuracy", "declined_or_doubted", "false_abstention_rate",
    "right_doubted", "citation_precision", "recall_at_k", "mrr", "mc_accuracy", "answer_words_p50", "latency_p50_s",
    "latency_p95_s",
)


@dataclass(frozen=True)
class EvalQuestion:
    """One line of a question set."""

    id: str
    question: str
    answers: tuple[str, ...]
    answerable: bool
    choices: tuple[str, ...] = ()
    answer_index: tuple[int, ...] = ()
    history: tuple[str, ...] = ()
    fields: dict = field(default_factory=dict)  # every other field, for `--by`

    @property
    def asked_on(self) -> date | None:
        """The day the question was asked (its `date` field), when it has a valid one."""
        value = self.fields.get("date")
        try:
            return date.fromisoformat(str(value)[:10]) if value else None
        except ValueError:
            return None


def read_questions(path: Path) -> tuple[list[EvalQuestion], list[str]]:
    """The valid questions of a JSONL file, and one message per malformed line (with its number)."""
    questions, errors, seen = [], [], set()
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise LoadError(f"cannot read question set {path}: not UTF-8 text (bad byte at offset {exc.start}); "
                        "re-save it as UTF-8") from None
    except OSError as exc:
        raise LoadError(f"cannot read question set {path}: {exc.strerror or exc}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            question = _parse_question(json.loads(line), number)
        except json.JSONDecodeError as exc:
            errors.append(f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        except ValueError as exc:
            errors.append(f"line {number}: {exc}")
            continue
        if question.id in seen:
            errors.append(f"line {number}: duplicate id {question.id!r}")
            continue
        seen.add(question.id)
        questions.append(question)
    return questions, errors


def _parse_question(record: object, number: int) -> EvalQuestion:
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    question = record.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValueError("'question' must be a non-empty string")
    answers = _strings(record, "answers")
    choices = _strings(record, "choices")
    history = _strings(record, "history")
    index = record.get("answer_index", [])
    if isinstance(index, int):
        index = [index]
    if not isinstance(index, list) or not all(isinstance(i, int) and 0 <= i < len(choices) for i in index):
        raise ValueError("'answer_index' must be a list of indexes into 'choices'")
    answerable = record.get("answerable", bool(answers))
    if not isinstance(answerable, bool):
        raise ValueError("'answerable' must be true or false")
    if answerable and not answers:
        raise ValueError("an answerable question needs at least one accepted answer in 'answers'")
    known = {"id", "question", "answers", "answerable", "choices", "answer_index", "history"}
    return EvalQuestion(
        id=str(record.get("id", f"line-{number}")), question=question, answers=tuple(answers),
        answerable=answerable, choices=tuple(choices), answer_index=tuple(index), history=tuple(history),
        fields={k: v for k, v in record.items() if k not in known},
    )


def _strings(record: dict, key: str) -> list[str]:
    value = record.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key!r} must be a list of strings")
    return value


ChunkTexts = Callable[[Sequence[str]], dict[str, str]]


@dataclass(frozen=True)
class QuestionResult:
    """One question's answer and its value on each metric (None where the metric does not apply to it)."""

    id: str
    question: str
    answerable: bool
    answers: list[str]
    answer: str
    abstained: bool
    latency_s: float
    draft: str | None = None
    confidence: float | None = None  # the answer scorer's probability of its best span (factoid questions)
    likelihood: float | None = None  # the LLM's mean token log-probability of the span answered with
    doubtful: bool = False  # the support check doubts the answer (shown as unsure, or declined)
    citations: list[dict] = field(default_factory=list)
    em: float | None = None
    f1: float | None = None
    contains: float | None = None
    numeric_match: float | None = None
    citation_ok: float | None = None  # the first citation holds an accepted answer (right answers only)
    rank: int | None = None  # of the first retrieved passage holding an accepted answer
    recall: float | None = None
    rr: float | None = None
    mc_choice: int | None = None
    mc_correct: float | None = None
    fields: dict = field(default_factory=dict)  # the question's other fields, for `--by`
    query: str | None = None  # the standalone question a follow-up was asked as
    words: int | None = None  # the answer's length in words (without source markers), answerable questions answered

    def as_dict(self) -> dict:
        """The JSON object of one `per_question` entry of `newsqa eval --json`."""
        return asdict(self)


@dataclass
class EvalRun:
    """Per-question results and the metrics over them."""

    per_question: list[QuestionResult]
    wall_s: float = 0.0

    def summary(self, by: Sequence[str] = ()) -> dict:
        """The JSON object of `newsqa eval --json`."""
        answerable = sum(1 for r in self.per_question if r.answerable)
        result = {
            "n": len(self.per_question),
            "n_answerable": answerable,
            "n_unanswerable": len(self.per_question) - answerable,
            "metrics": aggregate(self.per_question),
            "per_question": [r.as_dict() for r in self.per_question],
            "wall_s": round(self.wall_s, 1),
        }
        if by:
            result["by"] = {name: _subsets(self.per_question, name) for name in by}
        return result


def evaluate(qa: QA, questions: Sequence[EvalQuestion], chunk_texts: ChunkTexts, *, k: int | None = None,
             progress: Callable[[QuestionResult], None] | None = None) -> EvalRun:
    """Ask every question (and pick among its choices, if any) and score the answers."""
    started, results = time.perf_counter(), []
    for question in questions:
        results.append(score_question(qa, question, chunk_texts, k=k))
        if progress:
            progress(results[-1])
    return EvalRun(results, time.perf_counter() - started)


def score_question(qa: QA, q: EvalQuestion, chunk_texts: ChunkTexts, *, k: int | None = None) -> QuestionResult:
    """One question's answer and the per-question value of every metric (None where it does not apply)."""
    history = conversation(qa, q, k)
    began = time.perf_counter()
    answer = qa.ask(q.question, history=history, k=k, as_of=q.asked_on)
    latency = time.perf_counter() - began
    texts = chunk_texts(list(answer.retrieved) + [c.chunk_id for c in answer.citations[:1]])
    retrieved = [texts.get(i, "") for i in answer.retrieved]
    golds = list(q.answers)
    row = QuestionResult(
        id=q.id, question=q.question, answerable=q.answerable, answers=golds, answer=answer.text,
        abstained=answer.abstained, draft=answer.draft, confidence=answer.confidence, likelihood=answer.likelihood,
        doubtful=answer.doubtful, citations=[asdict(c) for c in answer.citations], latency_s=round(latency, 3),
        fields=q.fields, query=answer.query,
        words=len(_WORD.findall(unmarked(answer.text))) if q.answerable and not answer.abstained else None,
    )
    if q.answerable:
        said = "" if answer.abstained else answer.text
        rank = first_rank(retrieved, golds)
        right = contains(said, golds)
        row = replace(
            row, em=exact_match(said, golds), f1=round(f1(said, golds), 4), contains=right,
            numeric_match=numeric_match(said, golds) if said or numeric_match("", golds) is not None else None,
            rank=rank, recall=float(rank is not None), rr=1.0 / rank if rank else 0.0,
            citation_ok=contains(texts.get(answer.citations[0].chunk_id, ""), golds) if right and answer.citations else None,
        )
    if q.choices:
        row = replace(row, **_multiple_choice(qa, q, k))
    return row


def conversation(qa: QA, q: EvalQuestion, k: int | None = None) -> list:
    """The turns before a question, as a reader would have had them: each earlier question of its `history` asked
    in turn, with newsqa's answer, so a follow-up leans on the answer it would really have seen."""
    turns: list = []
    for earlier in q.history:
        turns.append(Turn.of(qa.ask(earlier, history=turns, k=k, as_of=q.asked_on)))
    return turns


_WORD = re.compile(r"[\w'’.,$%-]*\w")


def _multiple_choice(qa: QA, q: EvalQuestion, k: int | None) -> dict:
    answer = qa.ask(q.question, history=conversation(qa, q, k), choices=q.choices, k=k, as_of=q.asked_on)
    if answer.choice is None:
        return {"mc_choice": None, "mc_correct": 0.0}
    correct = answer.choice in q.answer_index if q.answer_index else bool(exact_match(q.choices[answer.choice], q.answers))
    return {"mc_choice": answer.choice, "mc_correct": float(correct)}


def aggregate(rows: Sequence[QuestionResult]) -> dict:
    """Every metric over the rows, as a percentage with one decimal (latencies in seconds)."""
    answerable = [r for r in rows if r.answerable]
    unanswerable = [r for r in rows if not r.answerable]
    latencies = [r.latency_s for r in rows]
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    return {
        "em": _mean(r.em for r in answerable),
        "f1": _mean(r.f1 for r in answerable),
        "contains": _mean(r.contains for r in answerable),
        "numeric_match": _mean(r.numeric_match for r in answerable),
        "abstention_accuracy": _mean(float(r.abstained) for r in unanswerable),
        "declined_or_doubted": _mean(float(r.abstained or r.doubtful) for r in unanswerable),
        "false_abstention_rate": _mean(float(r.abstained) for r in answerable),
        "right_doubted": _mean(float(r.doubtful) for r in answerable if r.contains),
        "citation_precision": _mean(r.citation_ok for r in answerable),
        "recall_at_k": _mean(r.recall for r in answerable),
        "mrr": _mean(r.rr for r in answerable),
        "mc_accuracy": _mean(r.mc_correct for r in rows),
        "answer_words_p50": percentile([r.words for r in answerable if r.words is not None], 50),
        "latency_p50_s": round(p50, 3) if p50 is not None else None,
        "latency_p95_s": round(p95, 3) if p95 is not None else None,
    }


def _mean(values) -> float | None:
    present = [v for v in values if v is not None]
    return round(100 * sum(present) / len(present), 1) if present else None


def _subsets(rows: Sequence[QuestionResult], name: str) -> dict:
    groups: dict[str, list[QuestionResult]] = {}
    for row in rows:
        value = row.fields.get(name, getattr(row, name, None))
        if isinstance(value, (bool, str)):  # true/false, or a label such as a question's shape
            groups.setdefault(str(value).lower() if isinstance(value, bool) else value, []).append(row)
    return {value: {"n": len(group), "metrics": aggregate(group)} for value, group in sorted(groups.items())}
