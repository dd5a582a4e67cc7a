"""Fixtures: every test gets its own state dir and a clean environment; fakes for the fast tier."""

import hashlib
import math
import os

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings
from langchain_core.embeddings import Embeddings
from langchain_core.language_models.fake import FakeListLLM

from ingest import ArticleStore
from ingest.text import content_words
from newsqa import Settings
from newsqa.app import Services
from rag import GenerationLLM

SEED_ARTICLE = "seeds/000_60b8ed085d617c0b.txt"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class FakeEmbeddings(Embeddings):
    """Deterministic bag-of-words vectors over stemmed content words: texts sharing words are close.
    Word count stands in for the tokenizer."""

    dimension = 64

    def embed_documents(self, texts):
        return [self._vector(t) for t in texts]

    def embed_query(self, text):
        return self._vector(text)

    def count_tokens(self, texts):
        return [len(t.split()) for t in texts]

    def _vector(self, text):
        vector = [0.0] * self.dimension
        for word in sorted(content_words(text)):
            vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]


def fake_llm(*responses: str) -> GenerationLLM:
    """An LLM that answers with the given responses in turn."""
    return GenerationLLM(FakeListLLM(responses=list(responses) or ["unknown"]), name="fake")


class JudgingLLM(FakeListLLM):
    """A fake completion LLM that also judges continuations: `liked` is likely, every other one is not."""

    liked: str = ""
    judged: int = 0  # continuations judged so far

    def logprobs(self, prompt: str, continuations: list[str]) -> list[list[float]]:
        self.judged += len(continuations)
        return [[-0.1] if c.strip() == self.liked else [-5.0, -5.0] for c in continuations]


def judging_llm(liked: str, *responses: str) -> GenerationLLM:
    """An LLM that answers with the given responses in turn and finds `liked` the likeliest answer."""
    return GenerationLLM(JudgingLLM(responses=list(responses) or ["unknown"], liked=liked), name="judging")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """No test sees the developer's NEWSQA_* settings or writes outside its tmp_path."""
    for name in list(os.environ):
        if name.startswith("NEWSQA_") or name == "OPENAI_API_KEY":
            monkeypatch.delenv(name)
    monkeypatch.setenv("NEWSQA_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(ROOT)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(home=tmp_path / "home", chunk_tokens=120, chunk_overlap=20)


@pytest.fixture
def chroma_client(tmp_path):
    return chromadb.PersistentClient(path=str(tmp_path / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))


@pytest.fixture
def store(chroma_client) -> ArticleStore:
    return ArticleStore(chroma_client, "test")


@pytest.fixture
def embeddings() -> FakeEmbeddings:
    return FakeEmbeddings()


@pytest.fixture
def make_services(settings, store, embeddings):
    """Services over the tmp store with fake embeddings and an LLM that gives the given answers."""

    def make(*responses: str) -> Services:
        return Services(settings, store=store, embeddings=embeddings, llm=fake_llm(*responses))

    return make


LIVE_TOKEN = "live-test-token"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """A real `newsqa serve` (embedded models, persistent Chroma) holding the seed article."""
    from .servers import newsqa_server, run_newsqa

    home = tmp_path_factory.mktemp("live") / "home"
    ingest = run_newsqa(home, "ingest", os.path.join(ROOT, "seeds"))
    assert ingest.returncode == 0, ingest.stderr
    with newsqa_server(home, env={"NEWSQA_API_TOKEN": LIVE_TOKEN}) as url:
        yield url
