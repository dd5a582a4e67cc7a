"""Retrieval, answers with citations, and the Python QA API: `QA.from_settings().ask("...")`."""

from newsqa.errors import (
    ConfigError,
    ModelError,
    NewsQAError,
    QuestionError,
    StoreError,
)

from .llm import GenerationLLM
from .qa import QA, check_question
from .retrieve import Retriever
from .types import NOT_FOUND, Answer, Citation, Progress

__all__ = [
    "Answer",
    "Citation",
    "ConfigError",
    "GenerationLLM",
    "ModelError",
    "NOT_FOUND",
    "NewsQAError",
    "Progress",
    "QA",
    "QuestionError",
    "Retriever",
    "StoreError",
    "check_question",
]
