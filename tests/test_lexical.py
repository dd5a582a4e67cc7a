import pytest

from ingest import Article, Chunker, Ingestor
from ingest.lexical import LexicalIndex
from newsqa.app import open_qa


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
    index = LexicalIndex(tmp_path / "lex.json")
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
    index = LexicalIndex(tmp_path / "lex.json")
    ingestor.ingest([article("a1", "The storm hit Riverton.")])
    assert index.sync(store) is True
    calls = []
    original = store.versions
    store.versions = lambda: calls.append(1) or original()
    assert index.sync(store) is False
    assert calls == []


def test_cache_survives_a_restart_and_a_damaged_cache_is_rebuilt(ingestor, store, tmp_path):
    cache = tmp_path / "lex.json"
    ingestor.ingest([article("a1", "The storm hit Riverton.")])
    first = LexicalIndex.load(cache)
    first.sync(store)
    again = LexicalIndex.load(cache)
    assert again.sync(store) is False
    assert again.search("Riverton", 1) == first.search("Riverton", 1)

    cache.write_bytes(b"not JSON")
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

    from .conftest import fake_llm

    ingestor.ingest([article("a1", "The zeppelin landed in Riverton."), article("a2", "A flood closed schools.")])
    qa = open_qa(settings, store=store, embeddings=embeddings, llm=fake_llm())
    assert qa.retriever.lexical is not None and qa.retriever.ranker is qa.models.ranker
    [first, *_] = qa.retriever.retrieve("zeppelin")
    assert first.article_id == "a1" and 0 < first.relevance <= 1
    assert (settings.home / "lexical" / "test.json").exists()


def test_the_cache_is_data_and_a_planted_pickle_never_runs(settings, store, embeddings, ingestor, tmp_path, caplog):
    """Whoever can write to NEWSQA_HOME cannot run code in the server: a hostile pickle where the cache lived
    before (lexical/<collection>.pickle) is never read, and one put where the JSON cache lives is refused as
    damaged data, with a warning, and the index is rebuilt from the store."""
    import pickle

    from .conftest import fake_llm
    from .test_train import Exploit

    ingestor.ingest([article("a1", "The zeppelin landed in Riverton."), article("a2", "A flood closed schools.")])
    marker = tmp_path / "pwned"
    lexical = settings.home / "lexical"
    lexical.mkdir(parents=True)
    (lexical / "test.pickle").write_bytes(pickle.dumps(Exploit(str(marker))))
    (lexical / "test.json").write_bytes(pickle.dumps(Exploit(str(marker))))
    with caplog.at_level("WARNING", logger="newsqa.lexical"):
        qa = open_qa(settings, store=store, embeddings=embeddings, llm=fake_llm())
        [first, *_] = qa.retriever.retrieve("zeppelin")
    assert not marker.exists()
    assert first.article_id == "a1"
    assert any("test.json unreadable" in r.message and "rebuilding" in r.message for r in caplog.records)
    assert (lexical / "test.json").read_bytes().startswith(b'{"format":"newsqa-bm25-2"')


def test_a_restored_index_scores_exactly_as_the_one_it_saved(ingestor, store, tmp_path):
    ingestor.ingest([article(f"a{i}", f"Story {i}: the council voted {i} times on the harbor budget.") for i in range(30)])
    ingestor.delete("a3")  # a free slot
    saved = LexicalIndex(tmp_path / "lex.json")
    saved.sync(store)
    restored = LexicalIndex.load(tmp_path / "lex.json")
    assert restored.scores("council harbor budget 7") == saved.scores("council harbor budget 7")
    assert [set(t) for t in restored.terms] == [set(t) for t in saved.terms]
    assert (restored.free, restored.articles, restored.generation) == (saved.free, saved.articles, saved.generation)
