"""Completion-style prompts for a small base model: a fixed few-shot prefix, then the evidence."""

from collections.abc import Sequence

from .evidence import Evidence

__all__ = ["EVIDENCE_SENTENCES", "UNKNOWN", "answer_prompt", "one_line"]

UNKNOWN = "unknown"
EVIDENCE_SENTENCES = 3

# The prefix never changes, so llama.cpp keeps its state cached between questions. The examples
# teach the format: a short span copied from the passage. (An example answering "unknown" made
# the 270M model answer "unknown" to most questions; abstention is the verifier's job.)
PREFIX = """Answer each question with a short phrase copied from its passage.

Passage: The city council approved a budget of $4.2 million for road repairs on Tuesday, said Mayor Ellen Park.
Question: How much money was approved for road repairs?
Answer: $4.2 million

Passage: Ellen Park, the mayor of Riverton, said the vote was held on Tuesday in the town hall.
Question: Who is the mayor of Riverton?
Answer: Ellen Park

Passage: Rescue teams pulled 12 survivors from the rubble after the earthquake in Izmir, officials said.
Question: Where did the earthquake happen?
Answer: Izmir

"""


def answer_prompt(question: str, evidence: Sequence[Evidence]) -> str:
    """The prompt that asks for a short answer to `question` from the best evidence sentences.

    After the best sentence, only those that share a word with the question are shown: in a small
    store the next best can be about another story, and the 270M model copies a name from it.
    """
    shown = [e for i, e in enumerate(evidence) if i == 0 or e.overlap > 0][:EVIDENCE_SENTENCES]
    passage = " ".join(one_line(e.text) for e in shown)
    return f"{PREFIX}Passage: {passage}\nQuestion: {one_line(question)}\nAnswer:"


def one_line(text: str | None) -> str:
    """Text on one line: a newline inside a passage or question would let it forge the next "Question:" line."""
    return " ".join((text or "").split())
