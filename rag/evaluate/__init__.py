"""`newsqa eval`: question sets, answering them as a reader would (follow-ups through their conversation), and the
metrics. May import `rag.qa` and below."""

from rag.evaluate.run import (
    METRICS,
    EvalQuestion,
    EvalRun,
    QuestionResult,
    aggregate,
    evaluate,
    read_questions,
    score_question,
)

__all__ = ["EvalQuestion", "EvalRun", "METRICS", "QuestionResult", "aggregate", "evaluate", "read_questions",
           "score_question"]
