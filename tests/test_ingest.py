import pytest

from ingest import Article, Chunker, Ingestor, Skipped, article_version

from .conftest import SEED_ARTICLE


class CountingEmbeddings:
    """Wraps the fake embedder and counts the texts it is asked to embed."""

    def __init__(self, inner):
        self.inner = inner
        self.embedded = 0

    def embed_documents(self, texts):
        self.embedded += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


@pytest.fixture
def counting(embeddings):
    return CountingEmbeddings(embeddings)


@pytest.fixture
def ingestor(store, counting, embeddings):
    return Ingestor(store, counting, Chunker(embeddings.count_tokens, max_tokens=60, overlap=12))


def make_article(article_id="a1", text="The storm hit Riverton on Monday. About 3,000 homes lost power.", **meta):
    return Article(id=article_id, title=meta.pop("title", "Storm"), text=text, **meta)


def test_first_ingest_adds_articles_and_chunks(ingestor, store):
    report = ingestor.ingest_paths([SEED_ARTICLE])
    assert report.added == ["000_60b8ed085d617c0b"]
    stored = store.get("000_60b8ed085d617c0b")
    articles, chunks = store.counts()
    assert (articles, chunks) == (1, len(stored.chunk_ids))
    assert report.chunks_written == chunks > 3


def test_reingesting_unchanged_articles_writes_nothing(ingestor, store, counting):
    ingestor.ingest_paths([SEED_ARTICLE])
    before = store.get("000_60b8ed085d617c0b")
    embedded = counting.embedded
    report = ingestor.ingest_paths([SEED_ARTICLE])
    assert report.unchanged == ["000_60b8ed085d617c0b"]
    assert not report.changed and report.chunks_written == 0
    assert counting.embedded == embedded
    assert store.get("000_60b8ed085d617c0b").ingested_at == before.ingested_at


def test_a_changed_article_replaces_its_chunks(ingestor, store, counting):
    ingestor.ingest([make_article(text="First sentence stays. Second sentence is old.")])
    old = store.get("a1")
    report = ingestor.ingest([make_article(text="First sentence stays. Second sentence is new and longer.")])
    new = store.get("a1")
    assert report.replaced == ["a1"]
    assert new.version != old.version and new.first_seen == old.first_seen
    stored_ids = set(store.chunks.get(where={"article_id": "a1"}, include=[])["ids"])
    assert stored_ids == set(new.chunk_ids)
    assert not stored_ids & (set(old.chunk_ids) - set(new.chunk_ids))


def test_only_chunks_the_store_lacks_are_embedded(ingestor, store, counting):
    sentences = [f"Sentence number {i} has a few words in it." for i in range(30)]
    ingestor.ingest([make_article(text=" ".join(sentences))])
    first = counting.embedded
    ingestor.ingest([make_article(text=" ".join(sentences[:-1] + ["The last sentence changed."]))])
    assert 0 < counting.embedded - first < first


def test_delete_removes_the_article_and_its_chunks(ingestor, store):
    ingestor.ingest([make_article("a1"), make_article("a2", text="Another story about a flood in Dover.")])
    assert ingestor.delete("a1") is True
    assert store.get("a1") is None
    assert store.chunks.get(where={"article_id": "a1"}, include=[])["ids"] == []
    assert store.counts()[0] == 1
    assert ingestor.delete("a1") is False


def test_duplicate_ids_in_one_run_are_skipped_with_a_reason(ingestor):
    report = ingestor.ingest([make_article("a1"), make_article("a1", text="Different text.")])
    assert report.added == ["a1"]
    assert report.skipped[0].where == "a1" and "duplicate article id" in report.skipped[0].reason


def test_skipped_items_are_reported(ingestor):
    report = ingestor.ingest([Skipped("x.bin", "binary file, not text"), make_article()])
    assert report.skipped == [Skipped("x.bin", "binary file, not text")]
    assert report.as_dict()["skipped"] == [{"where": "x.bin", "reason": "binary file, not text"}]


def test_version_changes_with_any_stored_field():
    base = make_article()
    assert article_version(base) == article_version(make_article())
    assert article_version(base) != article_version(make_article(url="https://e.com/a"))
    assert article_version(base) != article_version(make_article(title="Other"))


def test_search_finds_current_chunks_with_metadata(ingestor, store, embeddings):
    ingestor.ingest([make_article(url="https://e.com/storm", published="2026-03-02", source="e.com"),
                     make_article("a2", text="A flood closed schools in Dover.")])
    [hit] = store.search(embeddings.embed_query("storm Riverton homes power"), k=1)
    assert hit.article_id == "a1"
    assert (hit.url, hit.published, hit.source, hit.title) == ("https://e.com/storm", "2026-03-02", "e.com", "Storm")
    assert 0 < hit.score <= 1


def test_chunks_outside_the_registry_are_never_returned(ingestor, store, embeddings):
    """A half-written article (chunks written, registry not yet switched) stays invisible."""
    ingestor.ingest([make_article()])
    store.chunks.upsert(
        ids=["a1:orphan"], embeddings=[embeddings.embed_query("storm Riverton homes power orphan")],
        documents=["storm Riverton homes power orphan"], metadatas=[{"article_id": "a1", "ord": 9, "title": "x"}],
    )
    hits = store.search(embeddings.embed_query("storm Riverton homes power orphan"), k=5)
    assert "a1:orphan" not in [h.chunk_id for h in hits]
    assert hits


def test_the_store_never_embeds_by_itself(store):
    """Chroma's default embedding function would download a model; the collections have none."""
    with pytest.raises(ValueError, match="You must provide an embedding function"):
        store.chunks.add(ids=["x"], documents=["text without a vector"])
    assert store.chunks.count() == 0


def test_changing_the_chunk_size_rechunks_every_article(store, embeddings):
    article = make_article(text=" ".join(f"Sentence number {i} has words." for i in range(40)))
    Ingestor(store, embeddings, Chunker(embeddings.count_tokens, max_tokens=60, overlap=12)).ingest([article])
    before = store.get("a1")
    report = Ingestor(store, embeddings, Chunker(embeddings.count_tokens, max_tokens=30, overlap=6)).ingest([article])
    assert report.replaced == ["a1"]
    assert len(store.get("a1").chunk_ids) > len(before.chunk_ids)


def test_chunk_texts_by_id(ingestor, store):
    ingestor.ingest([make_article()])
    ids = list(store.get("a1").chunk_ids)
    texts = store.chunk_texts(ids + ["missing"])
    assert set(texts) == set(ids) and "3,000 homes" in "".join(texts.values())


def test_switching_embedders_re_embeds_every_chunk(store, embeddings):
    class Other(CountingEmbeddings):
        name = "another-embedder"

    first, second = CountingEmbeddings(embeddings), Other(embeddings)
    chunker = Chunker(embeddings.count_tokens, max_tokens=60, overlap=12)
    Ingestor(store, first, chunker).ingest([make_article()])
    report = Ingestor(store, second, chunker).ingest([make_article()])
    assert report.replaced == ["a1"]
    assert second.embedded == first.embedded == report.chunks_written


def test_progress_moves_with_the_embedding_not_in_jumps_of_a_batch(ingestor, counting):
    """Each article counts as done once its chunks are embedded, so a progress bar's ETA sees steady steps: every
    embedding call of a 16-article batch is followed by the articles it finished."""
    log = []
    embed = counting.embed_documents
    counting.embed_documents = lambda texts: log.append(("embed", len(texts))) or embed(texts)
    sentences = " ".join(f"Officials counted {n} boats in the harbor on day {n}." for n in range(40))
    articles = [make_article(f"a{i}", f"Story {i}. {sentences}") for i in range(16)]
    ingestor.ingest(articles, lambda event, amount: log.append((event, amount)) if event == "article" else None)
    calls = [i for i, (event, _) in enumerate(log) if event == "embed"]
    assert len(calls) >= 4 and sum(1 for event, _ in log if event == "article") == 16
    assert all(log[i + 1][0] == "article" for i in calls)  # each call finishes at least one article
    assert max(n for event, n in log if event == "embed") <= 32
