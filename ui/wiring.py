"""Build the real components from settings once, at the entry point, and share them."""

from functools import cached_property

from ingest import ArticleStore, Chunker, Ingestor, Settings, connect
from ingest.lock import StoreLock
from ingest.maintenance import check
from rag import QA, build_llm

from .probe import Prober

__all__ = ["Services"]


class Services:
    """Lazily built store, embedder, ingestor and QA for one process; tests pass fakes in.

    >>> Services(Settings(), embeddings="fake").embeddings
    'fake'
    """

    def __init__(self, settings: Settings, *, exclusive: bool = True, **overrides):
        self.settings = settings
        self.exclusive = exclusive  # writers hold a local store alone; readers share it
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
        if not self.settings.chroma_url:
            self.__dict__["lock"] = StoreLock(self.settings.home / "store.lock").acquire(self.exclusive)
        return connect(self.settings)

    @cached_property
    def store(self) -> ArticleStore:
        return ArticleStore(self.client, self.settings.collection)

    def probe_models(self, fresh: bool = False) -> dict[str, dict]:
        """Run each native model this process builds once in a child process (see ui.probe); what each ran on.
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
        from ingest.embed import build_embeddings

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
        from ingest.feeds import FeedReader

        return FeedReader(self.store.client, self.store.name, self.fetcher, self.ingestor)

    @cached_property
    def llm(self):
        if self.settings.llm == "embedded":
            self.prober.ensure(self.settings, "llm")
        return build_llm(self.settings)

    @cached_property
    def qa(self) -> QA:
        return QA.from_settings(self.settings, store=self.store, embeddings=self.embeddings, llm=self.llm)
