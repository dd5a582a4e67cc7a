"""What the reader (Gemma 3 270M fine-tuned with a LoRA adapter) learns from. The base model needs a few-shot prefix
to know the task; the reader has learned it, so its prompt (rag.llm.prompts.reader_prompt) is only the passage and
the question: shorter, so every draft and every judgement is cheaper. Its examples come from past news questions (rtqa-train): the evidence newsqa would show for each question (the
best sentences of the BM25-best passages of the articles the question was asked about) and, as the target, an
accepted answer as the passage writes it, or "unknown" when the shown sentences do not hold one.
"""

import json
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace

from ingest.lexical import LexicalIndex
from ingest.store import Hit
from ingest.types import Article, Chunk
from rag.answer.evidence import Evidence, select_evidence
from rag.llm.prompts import EVIDENCE_SENTENCES, UNKNOWN, choice_prompt, choice_text, reader_prompt, shown_evidence
from rag.text import contains, normalise_answer, written_as

__all__ = ["ReaderExample", "reader_examples"]

PASSAGES = 5  # the BM25-best passages whose sentences make a question's evidence


@dataclass(frozen=True)
class ReaderExample:
    """One thing the reader learns: after `prompt`, write `target` (a leading space, no newline)."""

    question_id: str
    kind: str  # "answer", "unknown" or "choice"
    prompt: str
    target: str

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def reader_examples(question, articles: Sequence[tuple[Article, Sequence[Chunk]]], rng: random.Random,
                    ) -> Iterator[ReaderExample]:
    """The reader's examples for one question (an EvalQuestion with `answers`, maybe `choices`) over the articles it
    was asked about (each with its chunks): its answer (or "unknown") from the evidence of the BM25-best passages;
    the same from fewer or shuffled passages (so the answer is not always first); and, with choices, the right
    option."""
    hits = _passages(question.question, articles)
    if not hits:
        return
    evidence = select_evidence(question.question, hits)
    variants = [evidence]
    if len(hits) > 1:
        alternative = hits[1:] if rng.random() < 0.5 else rng.sample(hits, len(hits))
        variants.append(select_evidence(question.question, alternative))
    holding = next((e for e in evidence if contains(e.text, question.answers)), None)
    if holding is not None and holding not in shown_evidence(evidence):
        # The answer is in the passages but not among the sentences shown: the same question with the sentence that
        # holds it shown among them, at a random place (reading is learned from answers, not only from "unknown")
        others = [e for e in shown_evidence(evidence) if e is not holding][:EVIDENCE_SENTENCES - 1]
        others.insert(rng.randrange(len(others) + 1), replace(holding, overlap=max(holding.overlap, 0.01)))
        variants.append(others)
    for shown in variants:
        target = _target(shown_evidence(shown), question.answers)
        kind = "unknown" if target == UNKNOWN else "answer"
        yield ReaderExample(question.id, kind, reader_prompt(question.question, shown), f" {target}")
    if question.choices and question.answer_index:
        right = question.choices[question.answer_index[0]]
        yield ReaderExample(question.id, "choice", choice_prompt(question.question, evidence, question.choices),
                            choice_text(right))


def _passages(question: str, articles: Iterable[tuple[Article, Sequence[Chunk]]]) -> list[Hit]:
    """The BM25-best passages of the articles for the question."""
    index, chunks = LexicalIndex(), {}
    for article, pieces in articles:
        for chunk in pieces:
            chunks[chunk.id] = (chunk, article)
            index.add(chunk.id, chunk.text, article.title)
    best = sorted(index.scores(question).items(), key=lambda kv: (-kv[1], kv[0]))[:PASSAGES]
    return [Hit(i, chunks[i][1].id, chunks[i][0].text, score, chunks[i][0].ord, chunks[i][1].title, chunks[i][1].url,
                chunks[i][1].source, chunks[i][1].published) for i, score in best]


def _target(shown: Sequence[Evidence], answers: Sequence[str]) -> str:
    """An accepted answer as the shown sentences write it (the shortest such span), else "unknown"."""
    for item in shown:
        if not contains(item.text, answers):
            continue
        written = [written_as(item.text, normalise_answer(a)) for a in answers]
        written = [w for w in written if w]
        if written:
            return min(written, key=len)
    return UNKNOWN
