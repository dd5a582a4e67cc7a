"""What users move to: two newsqa servers sharing a `chroma run` server, and an OpenAI-compatible
LLM server (llama-cpp-python's own, serving the same Gemma GGUF) as the LLM backend."""

import re
import subprocess
import sys

import pytest

from newsqa import Settings
from newsqa.app import Services
from rag.llm import embedded_model_path
from rag.text import numbers_in
from ui.client import NewsQAClient

from .conftest import ROOT, SEED_ARTICLE
from .servers import chroma_server, free_port, newsqa_server, wait_for_http

pytestmark = [pytest.mark.e2e, pytest.mark.server]
ZEBRA = {"id": "zoo-1", "title": "Zoo welcomes zebra", "published": "2026-04-01", "url": "https://zoo.example/zebra",
         "text": "The Riverton city zoo welcomed a baby zebra named Stripe on Monday, zoo director Maria Lopez said."}


def test_two_servers_share_one_chroma_server(tmp_path):
    with chroma_server(tmp_path / "chroma-data") as chroma:
        env = {"NEWSQA_CHROMA_URL": chroma, "NEWSQA_API_TOKEN": "t"}
        with newsqa_server(tmp_path / "a" / "home", env) as first, newsqa_server(tmp_path / "b" / "home", env) as second:
            writer, reader = NewsQAClient(first, token="t"), NewsQAClient(second)
            assert writer.add_articles([ZEBRA])["added"] == 1
            answer = reader.ask("What is the name of the baby zebra at the Riverton zoo?")
            assert answer.text.endswith("Stripe")  # the span may keep a word of the question ("zebra named Stripe")
            assert answer.citations[0].article_id == "zoo-1" and answer.citations[0].published == "2026-04-01"
            assert reader.articles()["total"] == 1
            assert writer.delete_article("zoo-1") == {"deleted": "zoo-1"}
            assert reader.ask("What is the name of the baby zebra at the Riverton zoo?").abstained


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    """llama-cpp-python's OpenAI-compatible server with the embedded GGUF, on a loopback port."""
    model = embedded_model_path(tmp_path_factory.mktemp("models"))
    port = free_port()
    log = open(tmp_path_factory.mktemp("logs") / "llama-server.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "newsqa.llama_server", "--model", str(model), "--host", "127.0.0.1", "--port", str(port),
         "--n_ctx", "2048", "--model_alias", "gemma-3-270m"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/v1/models", timeout=120, process=process)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_openai_compatible_llm_backend(llama_server, tmp_path):
    settings = Settings(home=tmp_path / "home", llm="openai", openai_base_url=llama_server, openai_model="gemma-3-270m")
    services = Services(settings)
    assert services.llm.name == "OpenAI-compatible (gemma-3-270m)"
    services.ingestor.ingest_paths([f"{ROOT}/{SEED_ARTICLE}"])
    draft = services.llm.invoke("Question: What is 2 + 2?\nAnswer:", stop=["\n"])
    assert isinstance(draft, str)
    assert services.llm.writes  # an OpenAI-compatible model writes the answer, and newsqa checks it
    answer = services.qa.ask("How many prisoners were recaptured?")
    assert not answer.abstained and answer.citations[0].article_id == "000_60b8ed085d617c0b"
    assert isinstance(answer.draft, str)  # the model's reply, whatever the 270M wrote
    article = open(f"{ROOT}/{SEED_ARTICLE}").read()
    shown = re.sub(r"\[\d+\]", "", answer.text)
    assert set(numbers_in(shown)) <= set(numbers_in(article))  # nothing made up reaches the answer


def test_unreachable_llm_server_is_a_clear_error(tmp_path):
    from newsqa import ModelError

    settings = Settings(home=tmp_path / "home", llm="openai", openai_base_url=f"http://127.0.0.1:{free_port()}/v1")
    services = Services(settings)
    services.ingestor.ingest_paths([f"{ROOT}/{SEED_ARTICLE}"])
    with pytest.raises(ModelError, match="OpenAI-compatible"):
        services.qa.ask("How many prisoners were recaptured?")
