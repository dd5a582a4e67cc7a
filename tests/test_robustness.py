"""Nothing lost, nobody let in: killed ingests, a second writer, damaged indexes, hostile input."""

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from ingest import ArticleStore, Chunker
from ingest.lexical import LexicalIndex
from ingest.loaders import iter_articles
from ingest.lock import StoreLock
from ingest.maintenance import audit
from rag import QA, Retriever
from rag.learned import Models

from .conftest import ROOT, FakeEmbeddings, fake_llm

pytestmark = pytest.mark.robust
KILLS = 20
# Place names as news writes them (a word, not "Town7": a name with digits is no name to the question's key terms)
TOWNS = [head + tail for head in ("Ash", "Bram", "Cal", "Dun", "Elm", "Fern", "Glen", "Hart", "Ivy", "Kirk")
         for tail in ("ford", "wick", "mouth", "stead")]


def corpus(path, n=40, sentences=12, edition=0):
    """n synthetic articles, each naming its own unique place and number; each edition changes every article."""
    rng = random.Random(7 + edition)
    with open(path, "w", encoding="utf-8") as file:
        for i in range(n):
            town = TOWNS[i % len(TOWNS)]
            body = " ".join(f"Officials in {town} counted {rng.randint(10, 999)} visitors on day {d}."
                            for d in range(sentences))
            record = {"id": f"a{i:03}", "title": f"Visitors in {town} (edition {edition})", "published": "2026-04-01",
                      "url": f"https://news.example/{i}", "text": f"The festival in {town} drew {1000 + i} people. {body}"}
            file.write(json.dumps(record) + "\n")
    return path


def fake_newsqa(home, *args, **kwargs):
    env = {**os.environ, "NEWSQA_HOME": str(home)}
    return subprocess.Popen([sys.executable, "-m", "tests.fake_cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def open_store(home):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(home / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    return ArticleStore(client, "newsqa")


def expected_chunks(path):
    embeddings = FakeEmbeddings()
    chunker = Chunker(embeddings.count_tokens, 60, 12)
    return {c.id for a in iter_articles([path]) for c in chunker.chunk(a)}


def test_killed_ingests_leave_exactly_the_corpus_after_a_rerun(tmp_path):
    """SIGKILL at random points of ingests that add or replace every article, then one full run."""
    home = tmp_path / "home"
    assert fake_newsqa(home, "ingest", str(corpus(tmp_path / "c0.jsonl"))).wait(timeout=300) == 0
    started = time.monotonic()  # when to kill is timed on a run that replaces every article, as the killed ones do
    assert fake_newsqa(home, "ingest", str(corpus(tmp_path / "c0r.jsonl", edition=KILLS + 2))).wait(timeout=300) == 0
    full_run = time.monotonic() - started
    rng = random.Random(11)
    killed = 0
    for edition in range(1, KILLS + 1):
        process = fake_newsqa(home, "ingest", str(corpus(tmp_path / f"c{edition}.jsonl", edition=edition)))
        time.sleep(rng.uniform(0.35, 0.85) * full_run)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            killed += 1
        process.wait()
    path = corpus(tmp_path / "final.jsonl", edition=KILLS + 1)
    final = fake_newsqa(home, "ingest", str(path))
    out, err = final.communicate(timeout=300)
    assert final.returncode == 0, err
    assert killed >= KILLS * 3 // 4, f"only {killed} of {KILLS} runs were killed mid-ingest (a run: {full_run:.1f} s)"

    check = fake_newsqa(home, "check")
    out, err = check.communicate(timeout=120)
    assert check.returncode == 0, out + err
    assert "40 articles" in out and "0 orphan chunks, 0 missing chunks" in out

    store = open_store(home)
    found = audit(store)
    assert found.consistent and found.articles == 40
    assert set(store.chunks.get(include=[])["ids"]) == expected_chunks(path)

    stored = store.get("a007")  # the final edition, and the story is known to have changed since first seen
    texts = store.chunk_texts(stored.chunk_ids).values()
    assert stored.updated and stored.title.endswith(f"(edition {KILLS + 1})") and "drew 1007 people" in " ".join(texts)
    # The recovered store answers from the final edition, cited: its vectors and BM25 find the passage, and the
    # answer is checked against it. Retrieval here is plain fusion (BM25 + vectors), the step before the learned
    # ranker: over the fake embedder's cosines, far below real ones, that ranker (fitted on real news) puts this
    # passage, first on every other count, under others, which says nothing about the store.
    question = f"How many people did the festival in {TOWNS[7]} draw?"
    retriever = Retriever(store, FakeEmbeddings(), lexical=LexicalIndex())
    assert retriever.retrieve(question)[0].chunk_id in stored.chunk_ids
    answer = QA(retriever, fake_llm(" unknown"), Models.load()).ask(question)
    assert answer.text == "1007" and not answer.abstained
    [cited, *_] = answer.citations
    assert cited.article_id == "a007" and cited.chunk_id in stored.chunk_ids
    assert cited.title == f"Visitors in {TOWNS[7]} (edition {KILLS + 1})" and "drew 1007 people" in cited.quote


def test_a_second_writer_is_told_who_holds_the_store(tmp_path):
    home = tmp_path / "home"
    holder = StoreLock(home / "store.lock").acquire(exclusive=True)
    try:
        process = fake_newsqa(home, "ingest", "seeds")
        out, err = process.communicate(timeout=120)
        assert process.returncode == 1
        assert f"is in use by newsqa process {os.getpid()}" in err
        assert "POST /v1/articles" in err and "Traceback" not in err
        reader = fake_newsqa(home, "articles")
        out, err = reader.communicate(timeout=120)
        assert reader.returncode == 1 and "in use by" in err
    finally:
        holder.release()
    shared = StoreLock(home / "store.lock").acquire(exclusive=False)
    try:
        reader = fake_newsqa(home, "articles")
        assert reader.wait(timeout=120) == 0  # readers share
    finally:
        shared.release()


def test_a_damaged_index_is_detected_at_start_and_rebuilt(tmp_path):
    path = corpus(tmp_path / "corpus.jsonl", n=400)  # past Chroma's 1,000-vector sync threshold
    home = tmp_path / "home"
    first = fake_newsqa(home, "ingest", str(path))
    assert first.wait(timeout=600) == 0
    segments = [d for d in (home / "chroma").iterdir() if (d / "header.bin").exists()]
    biggest = max(segments, key=lambda d: (d / "data_level0.bin").stat().st_size)
    (biggest / "header.bin").write_bytes(os.urandom(100))

    damaged = fake_newsqa(home, "check")
    out, err = damaged.communicate(timeout=120)
    assert damaged.returncode == 1
    assert "the store looks damaged" in err and "newsqa ingest --rebuild" in err and "Traceback" not in err

    rebuilt = fake_newsqa(home, "ingest", "--rebuild")
    out, err = rebuilt.communicate(timeout=600)
    assert rebuilt.returncode == 0, err
    assert "rebuilt: added 400" in out
    healthy = fake_newsqa(home, "check")
    out, err = healthy.communicate(timeout=120)
    assert healthy.returncode == 0 and "400 articles" in out


def test_rebuild_survives_being_killed(tmp_path):
    path = corpus(tmp_path / "corpus.jsonl", n=30)
    home = tmp_path / "home"
    assert fake_newsqa(home, "ingest", str(path)).wait(timeout=300) == 0
    process = fake_newsqa(home, "ingest", "--rebuild")
    deadline = time.monotonic() + 60
    while not (home / "rebuild-newsqa.jsonl").exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    time.sleep(0.3)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
    again = fake_newsqa(home, "ingest", "--rebuild")
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert audit(open_store(home)).articles == 30
    assert not (home / "rebuild-newsqa.jsonl").exists()


def test_an_article_of_one_enormous_line_with_zero_width_characters(make_services):
    """A 1 MB line (no sentence end, zero-width characters everywhere) ingests into chunks that fit
    the embedder, with the fact planted in it kept, and questions still get a clean answer."""
    services = make_services(" 3,400")  # the fake model's draft
    filler = " ".join(f"item\u200b{i}\u200d" for i in range(120_000))
    text = filler[:500_000] + " The lantern festival drew 3,400 visitors to the harbor " + filler[:500_000]
    record = {"id": "huge-line", "title": "Harbor\u200b festival", "text": text}
    path = services.settings.home / "huge.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")

    report = services.ingestor.ingest_paths([path])
    assert report.added == ["huge-line"]
    chunks = services.store.chunks.get(where={"article_id": "huge-line"}, include=["documents"])["documents"]
    assert len(chunks) > 100 and not any("\u200b" in c or "\u200d" in c for c in chunks)
    budget = services.settings.chunk_tokens
    assert max(services.embeddings.count_tokens(chunks)) <= budget
    assert audit(services.store).consistent
    assert any("3,400" in c for c in chunks)
    # Plain fusion ranks here, as in the killed-ingest test: over fake cosines and 59 passages of one article in the
    # pool (far outside what it was fitted on), the learned ranker puts filler passages first.
    retriever = Retriever(services.store, services.embeddings, lexical=LexicalIndex())
    answer = QA(retriever, services.llm, Models.load()).ask("How many visitors did the lantern festival draw?")
    assert answer.text == "3,400" and not answer.abstained
    assert answer.citations[0].article_id == "huge-line" and "3,400" in answer.citations[0].quote
