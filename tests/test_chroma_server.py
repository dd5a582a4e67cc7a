"""The store against a real `chroma run` server, as users who outgrow one machine run it."""

import pytest

from ingest import ArticleStore, Chunker, Ingestor
from newsqa import Settings, StoreError
from newsqa.app import connect

from .conftest import SEED_ARTICLE
from .servers import chroma_server, free_port

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    with chroma_server(tmp_path_factory.mktemp("chroma-server") / "data") as url:
        yield url


def test_ingest_search_and_delete_through_the_server(server_url, tmp_path, embeddings):
    settings = Settings(home=tmp_path / "home", chroma_url=server_url, collection="srv1")
    store = ArticleStore(connect(settings), settings.collection)
    ingestor = Ingestor(store, embeddings, Chunker(embeddings.count_tokens, 120, 20))
    report = ingestor.ingest_paths([SEED_ARTICLE])
    assert report.added == ["000_60b8ed085d617c0b"]
    assert not (tmp_path / "home" / "chroma").exists()  # nothing written locally

    again = ArticleStore(connect(settings), settings.collection)  # a second client sees the same store
    assert again.counts() == store.counts()
    assert ingestor.ingest_paths([SEED_ARTICLE]).unchanged == ["000_60b8ed085d617c0b"]
    [hit] = again.search(embeddings.embed_query("prisoners recaptured"), k=1)
    assert hit.article_id == "000_60b8ed085d617c0b"

    assert ingestor.delete("000_60b8ed085d617c0b")
    assert again.counts() == (0, 0)


def test_unreachable_server_is_a_clear_store_error(tmp_path):
    settings = Settings(home=tmp_path, chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StoreError, match="cannot reach the Chroma server at http://127.0.0.1:"):
        ArticleStore(connect(settings), settings.collection)
