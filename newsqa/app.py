"""The composition root: the only place that turns `Settings` into parts (store, embedder, LLM, QA, ingest).

The CLI, the HTTP API, the chat, `bench/` and scripts (`open_qa()`) all build through `Services`; deeper code
takes the parts it needs as arguments. The embedder and the LLM are made by `newsqa.build`, which the probes'
child processes use too.
"""

import logging
from dataclasses import replace
from functools import cached_property

from ingest import ArticleStore, Chunker, Ingestor
from ingest.lexical import LexicalIndex
from ingest.lock import StoreLock
from ingest.maintenance import check
from ingest.registry import Table, open_client
from rag import QA, Retriever
from rag.learned.models import Models

from .build import build_embeddings, build_llm
from .probe import Prober
from .settings import Settings

__all__ = ["Services", "connect", "open_qa"]

log = logging.getLogger("newsqa")


def connect(settings: Settings):
    """A Chroma client for the settings: the `chroma run` server at `chroma_url`, else on-disk under home."""
    return open_client(settings.chroma_url, settings.chroma_dir)


def open_qa(settings: Settings | None = None, **parts) -> QA:
    """A QA over the configured store, embedder, LLM and learned models (`Settings.from_env()` by default);
    `store=`, `embeddings=`, `llm=` (any LangChain LLM or chat model) replace the configured ones. It takes no store
    lock, as a script reading beside `newsqa serve` expects:

        from newsqa.app import open_qa
        answer = open_qa().ask("How many prisoners were recaptured?")
    """
    return Services(settings or Settings.from_env(), exclusive=None, **parts).qa


class Services:
    """Lazily built store, embedder, ingestor and QA for one process; tests pass fakes in.

    >>> Services(Settings(), embeddings="fake").embeddings
    'fake'
    """

    def __init__(self, settings: Settings, *, exclusive: bool | None = True, **overrides):
        self.settings = settings
        self.exclusive = exclusive  # writers hold a local store alone; readers share it; None: no lock taken
        for name, value in overrides.items():
            if name not in type(self).__dict__:
                raise TypeError(f"unknown service {name!r}")
            self.__dict__[name] = value  # pre-fills the cached_property

    def for_collection(self, name: str) -> "Services":
        """Services over another collection of the same Chroma, sharing the loaded models."""
        return Services(
            self.settings.with_(collection=name), exclusive=self.exclusive, client=self.store.client,
            store=ArticleStore(self.store.client, name), embeddings=self.embeddings, llm=self.llm,
        )

    def warm_up(self) -> None:
        """Check the store, then load both models, so that the first question is not the slow one."""
        check(self.store)
        self.qa.warm_up()

    @cached_property
    def client(self):
        if not self.settings.chroma_url and self.exclusive is not None:
            self.__dict__["lock"] = StoreLock(self.settings.home / "store.lock").acquire(self.exclusive)
        return connect(self.settings)

    @cached_property
    def store(self) -> ArticleStore:
        return ArticleStore(self.client, self.settings.collection)

    def probe_models(self, fresh: bool = False) -> dict[str, dict]:
        """Run each native model this process builds once in a child process (see newsqa.probe); what each ran on.
        Remembered probes count unless `fresh`; injected models are not probed."""
        native = [c for c, attr in (("embedder", "embeddings"), ("llm", "llm")) if attr not in self.__dict__]
        if self.settings.llm != "embedded" and "llm" in native:
            native.remove("llm")
        run = self.prober.run if fresh else self.prober.ensure
        return {component: run(self.settings, component) for component in native}

    @cached_property
    def prober(self) -> Prober:
        return Prober()

    @cached_property
    def embeddings(self):
        self.prober.ensure(self.settings, "embedder")
        return build_embeddings(self.settings)

    @cached_property
    def chunker(self) -> Chunker:
        return Chunker(self.embeddings.count_tokens, self.settings.chunk_tokens, self.settings.chunk_overlap)

    @cached_property
    def ingestor(self) -> Ingestor:
        return Ingestor(self.store, self.embeddings, self.chunker)

    @cached_property
    def fetcher(self):
        from ingest.web import Fetcher

        return Fetcher(allow_private=self.settings.allow_private_urls, per_host_interval=self.settings.fetch_interval)

    @cached_property
    def feeds(self):
        from ingest.feeds import FeedReader, migrate_feeds

        # The feed list is this newsqa home's (a `chroma run` server shared by several homes shares the articles)
        table = Table(self.settings.home / "newsqa.sqlite3", f"{self.store.name}_feeds")
        migrate_feeds(self.store.client, self.store.name, table)
        return FeedReader(table, self.fetcher, self.ingestor)

    @cached_property
    def llm(self):
        if self.settings.llm == "embedded":
            self.prober.ensure(self.settings, "llm")
        return build_llm(self.settings, self.models.reader)

    @cached_property
    def models(self) -> Models:
        models = Models.load(self.settings.learned_models)
        if self.settings.min_confidence is None:
            return models
        return replace(models, threshold=self.settings.min_confidence)  # the user's bar instead of the learned one

    @cached_property
    def retriever(self) -> Retriever:
        lexical = LexicalIndex.load(self.settings.home / "lexical" / f"{self.store.name}.json")
        return Retriever(self.store, self.embeddings, k=self.settings.top_k, lexical=lexical, ranker=self.models.ranker)

    @cached_property
    def qa(self) -> QA:
        if self.settings.strict and (self.models.support is None or not self.llm.judges):
            log.warning(
                "strict has no effect: %s", "the learned models carry no support check (bench.calibrate --support "
                "fits one)" if self.models.support is None else f"the {self.llm.name} LLM cannot score answers")
        return QA(self.retriever, self.llm, self.models, max_question_chars=self.settings.max_question_chars,
                  strict=self.settings.strict)
