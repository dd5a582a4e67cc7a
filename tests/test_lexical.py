import pytest

from ingest import Article, Chunker, Ingestor
from ingest.lexical import LexicalIndex


@pytest.fixture
def ingestor(store, embeddings):
    return Ingestor(store, embeddings, Chunker(embeddings.count_tokens, max_tokens=60, overlap=12))


def article(article_id, text, title="News"):
    return Article(id=article_id, title=title, text=text)


def top_article(index, store, query):
    [(chunk_id, score)] = index.search(query, 1)
    assert score > 0
    return chunk_id.split(":")[0]


def test_index_follows_adds_replacements_and_deletes(ingestor, store, tmp_path):
    index = LexicalIndex(tmp_path / "lex.pickle")
    ingestor.ingest([article("a1", "The storm hit Riverton. Homes lost power."),
                     article("a2", "A flood closed schools in Dover.", title="Dover flood")])
    assert index.sync(store) is True
    assert top_article(index, store, "Riverton storm") == "a1"
    assert top_article(index, store, "Dover") == "a2"  # found through its title too

    ingestor.ingest([article("a1", "The blizzard hit Riverton. Roads closed.")])
    assert index.sync(store) is True
    assert index.search("storm", 5) == []
    assert top_article(index, store, "blizzard") == "a1"

    ingestor.delete("a2")
    index.sync(store)
    assert index.search("flood", 5) == []
    assert index.size == len(store.get("a1").chunk_ids)


def test_sync_is_free_when_nothing_changed(ingestor, store, tmp_path):
    index = LexicalIndex(tmp_path / "lex.pickle")
    ingestor.ingest([article("a1", "The storm hit Riverton.")])
    assert index.sync(store) is True
    calls = []
    original = store.versions
    store.versions = lambda: calls.append(1) or original()
    assert index.sync(store) is False
    assert calls == []


def test_cache_survives_a_restart_and_a_damaged_cache_is_rebuilt(ingestor, store, tmp_path):
    cache = tmp_path / "lex.pickle"
    ingestor.ingest([article("a1", "The storm hit Riverton.")])
    first = LexicalIndex.load(cache)
    first.sync(store)
    again = LexicalIndex.load(cache)
    assert again.sync(store) is False
    assert again.search("Riverton", 1) == first.search("Riverton", 1)

    cache.write_bytes(b"not a pickle")
    rebuilt = LexicalIndex.load(cache)
    assert rebuilt.size == 0
    assert rebuilt.sync(store) is True
    assert rebuilt.search("Riverton", 1) == first.search("Riverton", 1)


def test_bm25_prefers_rare_terms_and_shorter_documents(ingestor, store):
    ingestor.ingest([
        article("a1", "Officials said the council met. Officials said the vote passed."),
        article("a2", "Officials said the zeppelin landed."),
    ])
    index = LexicalIndex()
    index.sync(store)
    results = index.search("officials zeppelin", 2)
    assert results[0][0].startswith("a2:")
    assert results[0][1] > results[1][1]


def test_qa_ranks_the_dense_and_lexical_pools_together(settings, store, embeddings, ingestor):
    from rag import QA

    from .conftest import fake_llm

    ingestor.ingest([article("a1", "The zeppelin landed in Riverton."), article("a2", "A flood closed schools.")])
    qa = QA.from_settings(settings, store=store, embeddings=embeddings, llm=fake_llm())
    assert qa.retriever.lexical is not None and qa.retriever.ranker is qa.models.ranker
    [first, *_] = qa.retriever.retrieve("zeppelin")
    assert first.article_id == "a1" and 0 < first.relevance <= 1
    assert (settings.home / "lexical" / "test.pickle").exists()
