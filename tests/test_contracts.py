"""One contract, every implementation: each embedder (fake, torch, OpenVINO, OpenVINO int8) and each store
(persistent Chroma with its SQLite registry, a `chroma run` server with its article-vector registry)."""

import math

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings
from langchain_core.documents import Document

from ingest import Article, ArticleStore, Chunker, Ingestor
from ingest.exact import ExactStore
from ingest.store import SEARCH_EF
from ingest.vectorstore import NewsVectorStore
from newsqa import Settings
from newsqa.build import build_embeddings
from newsqa.errors import StoreError

from .conftest import FakeEmbeddings
from .servers import chroma_server

STORM = "A storm cut power to 3,000 homes on the coast of Riverton on Monday."
STORM_AGAIN = "Riverton's coast lost power in a storm: 3,000 homes were dark on Monday."
ZOO = "The city zoo welcomed a baby zebra named Stripe."


# Embedders

@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("models")  # the OpenVINO exports are made once for the module


@pytest.fixture(params=["fake", "torch", "openvino", "openvino-int8"])
def embedder(request, models_dir):
    if request.param == "fake":
        return FakeEmbeddings()
    return build_embeddings(Settings(home=models_dir, embedder=request.param))


def test_embedder_vectors_are_unit_length_and_of_one_size(embedder):
    vectors = embedder.embed_documents([STORM, ZOO, "x"])
    assert len(vectors) == 3 and len({len(v) for v in vectors}) == 1
    assert all(math.isclose(math.sqrt(sum(x * x for x in v)), 1.0, abs_tol=1e-3) for v in vectors)


def test_embedder_query_is_the_document_vector(embedder):
    [document] = embedder.embed_documents([STORM])
    query = embedder.embed_query(STORM)
    assert sum(a * b for a, b in zip(document, query)) > 0.99


def test_embedder_puts_a_paraphrase_nearer_than_another_story(embedder):
    storm, again, zoo = embedder.embed_documents([STORM, STORM_AGAIN, ZOO])
    cosine = lambda a, b: sum(x * y for x, y in zip(a, b))  # noqa: E731
    assert cosine(storm, again) > cosine(storm, zoo) + 0.1


def test_the_packaged_embedder_loads_offline_without_touching_the_environment(monkeypatch):
    """Offline comes from the loading call itself: no HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE set for the whole
    process, and with the hub's address pointing nowhere the packaged model still loads."""
    import os

    from ingest.embed import MiniLMEmbeddings

    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # a hub lookup would fail here
    vector = MiniLMEmbeddings().embed_query(STORM)
    assert len(vector) == 384
    assert "HF_HUB_OFFLINE" not in os.environ and "TRANSFORMERS_OFFLINE" not in os.environ


def test_embedder_counts_word_pieces_per_text(embedder):
    counts = embedder.count_tokens([STORM, "", ZOO])
    assert [type(c) for c in counts] == [int, int, int]
    assert counts[0] > counts[2] > counts[1] >= 0


def test_embedder_embeds_an_empty_batch(embedder):
    assert embedder.embed_documents([]) == []


# Stores

@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    with chroma_server(tmp_path_factory.mktemp("contract-chroma") / "data") as url:
        yield url


@pytest.fixture(params=["persistent", pytest.param("server", marks=pytest.mark.server)])
def client(request, tmp_path):
    if request.param == "persistent":
        return chromadb.PersistentClient(path=str(tmp_path / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    from urllib.parse import urlsplit

    url = urlsplit(request.getfixturevalue("server_url"))
    return chromadb.HttpClient(host=url.hostname, port=url.port, settings=ChromaSettings(anonymized_telemetry=False))


@pytest.fixture(params=[ArticleStore, ExactStore], ids=["index", "exact"])
def ingestor(client, request, embeddings):
    name = "c" + str(abs(hash(request.node.name)) % 10**8)  # each test its own store on a shared server
    return Ingestor(request.param(client, name), embeddings, Chunker(embeddings.count_tokens, 40, 8))


def articles():
    return [Article("storm", "Storm hits coast", STORM + " Crews worked all night.", url="https://a.example/storm",
                    source="a.example", published="2026-03-02"),
            Article("zoo", "Zoo welcomes zebra", ZOO, published="2026-04-01")]


def test_store_writes_finds_and_deletes(ingestor, embeddings):
    store = ingestor.store
    before = store.generation()
    ingestor.ingest(articles())
    assert store.counts()[0] == 2 and store.generation() != before
    [hit] = store.search(embeddings.embed_query("storm power homes coast"), k=1)
    assert (hit.article_id, hit.title, hit.published, hit.source) == ("storm", "Storm hits coast", "2026-03-02", "a.example")
    assert set(store.versions()) == {"storm", "zoo"} and store.get("zoo").chunk_ids
    assert store.find_content("the city zoo welcomed a baby  zebra named Stripe.") == "zoo"
    assert {a.id: a.text for a in store.stored_articles(batch=1)}["zoo"] == ZOO
    generation = store.generation()
    assert store.delete("zoo") and not store.delete("zoo")
    assert store.generation() != generation and store.counts() == (1, store.chunk_count())
    assert store.search(embeddings.embed_query("zebra zoo"), k=5)[0].article_id == "storm"


def test_an_exact_store_finds_what_the_index_finds_nearest_first_and_ties_by_id(client, embeddings):
    index, exact = ArticleStore(client, "exact_cmp"), ExactStore(client, "exact_cmp")
    Ingestor(index, embeddings, Chunker(embeddings.count_tokens, 40, 8)).ingest(articles())
    query = embeddings.embed_query("storm power homes coast zebra")
    assert [h.chunk_id for h in exact.search(query, 10)] == [h.chunk_id for h in index.search(query, 10)]
    twin = Article("twin", "Storm hits coast", STORM + " Crews worked all night.", published="2026-03-02")
    Ingestor(index, embeddings, Chunker(embeddings.count_tokens, 40, 8)).ingest([twin])  # written after a search
    first, second = exact.search(embeddings.embed_query(STORM), 2)
    assert first.score == second.score and first.chunk_id < second.chunk_id  # seen, and the tie goes by id
    assert {first.article_id, second.article_id} == {"storm", "twin"}
    assert ExactStore(client, "exact_empty").search(query, 5) == []
    with pytest.raises(StoreError, match="numbers"):
        exact.search(query[:3], 5)


def test_store_replaces_an_article_without_leaving_its_old_chunks(ingestor):
    store = ingestor.store
    ingestor.ingest(articles())
    changed = Article("zoo", "Zoo welcomes zebra", "The zoo's zebra Stripe is now a year old.")
    ingestor.ingest([changed])
    listed = {c for _, chunks in store.versions().values() for c in chunks}
    assert store.chunk_ids() == listed and store.get("zoo").updated is not None


def test_store_reset_empties_it(ingestor):
    ingestor.ingest(articles())
    ingestor.store.reset()
    assert ingestor.store.counts() == (0, 0) and ingestor.store.articles() == []


def test_store_keeps_no_placeholder_vectors(ingestor, client):
    ingestor.ingest(articles())
    names = {c.name for c in client.list_collections()}
    store = ingestor.store
    assert f"{store.name}_articles" not in names and f"{store.name}_state" not in names
    if store.registry.needs_vectors:  # server: the registry is an index of article vectors of the chunks' size
        registry = client.get_collection(f"{store.name}_registry", embedding_function=None)
        vectors = registry.get(include=["embeddings"])["embeddings"]
        assert len(vectors) == 2 and all(len(v) == FakeEmbeddings.dimension for v in vectors)


def test_store_as_a_langchain_vector_store(ingestor):
    vectors = NewsVectorStore(ingestor)
    ids = vectors.add_documents([Document(STORM, metadata={"id": "storm", "title": "Storm hits coast"}),
                                 Document(ZOO, metadata={"title": "Zoo welcomes zebra", "published": "2026-04-01"})])
    assert ids[0] == "storm" and ids[1].startswith("doc-")
    assert vectors.add_documents([Document(STORM, metadata={"id": "storm", "title": "Storm hits coast"})]) == ["storm"]
    (doc, score), *_ = vectors.similarity_search_with_score("zebra at the zoo", k=2)
    assert doc.metadata["article_id"] == ids[1] and doc.metadata["title"] == "Zoo welcomes zebra" and 0 < score <= 1
    assert vectors.as_retriever(search_kwargs={"k": 1}).invoke("storm power")[0].metadata["article_id"] == "storm"
    assert [d.id for d in vectors.get_by_ids(["storm", "nope"])] == ["storm"]
    assert vectors.similarity_search("zebra at the zoo", k=2, filter={"article_id": "storm"})[0].metadata["article_id"] == "storm"
    assert vectors.similarity_search("storm", filter={"source": "nowhere.example"}) == []
    dated = vectors.similarity_search("storm power", k=2, filter={"published_after": "2026-03-15"})
    assert [d.metadata["article_id"] for d in dated] == [ids[1]]  # the storm carries no date: outside any range
    assert vectors.similarity_search("zoo", filter={"published_before": "2026-03-31"}) == []
    with pytest.raises(ValueError, match="got author"):
        vectors.similarity_search("storm", filter={"author": "x"})
    found = vectors.similarity_search("storm power", k=1)
    assert vectors.delete([d.id for d in found]) and ingestor.store.counts()[0] == 1  # a chunk's id deletes its article
    assert vectors.delete([ids[1]]) and ingestor.store.counts()[0] == 0


def test_vector_store_from_texts_in_memory(embeddings):
    vectors = NewsVectorStore.from_texts([STORM, ZOO], embeddings, [{"id": "storm"}, {"id": "zoo"}])
    assert vectors.similarity_search("zebra", k=1)[0].metadata["article_id"] == "zoo"
    with pytest.raises(ValueError, match="one of each per text"):
        vectors.add_texts([STORM], [{}, {}])


def test_a_store_from_before_the_registry_table_moves_over(client, request, embeddings):
    name = "legacy" + str(abs(hash(request.node.name)) % 10**6)
    chunks = client.get_or_create_collection(f"{name}_chunks", embedding_function=None,
                                             configuration={"hnsw": {"space": "cosine"}})
    chunks.add(ids=["zoo:1"], embeddings=[embeddings.embed_query(ZOO)], documents=[ZOO],
               metadatas=[{"article_id": "zoo", "ord": 0, "title": "Zoo welcomes zebra", "embedder": "fake"}])
    old = client.get_or_create_collection(f"{name}_articles", embedding_function=None)
    old.add(ids=["zoo"], embeddings=[[1.0]], documents=[ZOO], metadatas=[{
        "title": "Zoo welcomes zebra", "url": "", "source": "", "published": "2026-04-01", "version": "v1",
        "chunk_ids": '["zoo:1"]', "authors": "[]", "first_seen": "2026-04-01T00:00:00.000+00:00",
        "ingested_at": "2026-04-01T00:00:00.000+00:00", "content_hash": "h", "updated_at": ""}])
    client.get_or_create_collection(f"{name}_state", embedding_function=None).add(
        ids=["generation"], embeddings=[[1.0]], metadatas=[{"token": "t"}])

    store = ArticleStore(client, name)
    assert store.index_settings()["ef_search"] == SEARCH_EF  # made with Chroma's default: now searched as wide
    assert store.get("zoo").chunk_ids == ("zoo:1",) and [a.text for a in store.stored_articles()] == [ZOO]
    assert store.search(embeddings.embed_query("zebra"), k=1)[0].article_id == "zoo"
    names = {c.name for c in client.list_collections()}
    assert f"{name}_articles" not in names and f"{name}_state" not in names
    assert ArticleStore(client, name).counts() == (1, 1)  # opening again finds nothing left to move


def test_two_local_stores_keep_their_own_registries(tmp_path, embeddings):
    def open_store(directory):
        client = chromadb.PersistentClient(path=str(tmp_path / directory), settings=ChromaSettings(anonymized_telemetry=False))
        return Ingestor(ArticleStore(client, "newsqa"), embeddings, Chunker(embeddings.count_tokens, 40, 8))

    first, second = open_store("a"), open_store("b")
    first.ingest(articles())
    assert first.store.counts()[0] == 2 and second.store.counts() == (0, 0)
