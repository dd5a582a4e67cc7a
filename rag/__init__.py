"""Retrieval, answers with citations, and the Python QA API: `QA(retriever, llm, models).ask("...")` (a script
builds one from the settings with `newsqa.app.open_qa()`). Rooms, lowest first: `learned` (the models as data),
`retrieval` and `llm`, `answer`, then `qa`/`chains` (the API), `evaluate` and `training` on top; each room's
`__init__` says what it may import. rag may import `ingest` and the ground (`newsqa.settings`, `newsqa.errors`,
`newsqa.files`), never the composition root (`newsqa.app`, `newsqa.build`, `newsqa.probe`) or `ui`."""

from newsqa.errors import (
    ConfigError,
    ModelError,
    NewsQAError,
    QuestionError,
    StoreError,
)
from rag.llm import GenerationLLM
from rag.qa import QA, check_question
from rag.retrieval.hybrid import Retriever
from rag.types import NOT_FOUND, Answer, Citation, Progress

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
