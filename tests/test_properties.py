"""Property-based tests: no input crashes the loaders, the chunker or question checking."""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import Article, Chunker, Skipped
from ingest.clean import clean_text, html_to_parts
from ingest.loaders import SUPPORTED_SUFFIXES, iter_articles
from ingest.news import news_text
from newsqa import QuestionError
from rag import check_question
from rag.answer.candidates import extract_candidates
from rag.answer.evidence import select_evidence
from rag.answer.scoring import CANDIDATE_FEATURES, candidate_pool, candidate_rows

from .conftest import FakeEmbeddings

count = FakeEmbeddings().count_tokens
texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=3000)
wordy = st.lists(st.sampled_from(list(string.ascii_letters) + [" ", ".", "!", "?", "\n", "Mr.", "U.S.", "3.5", "“", "”"]),
                 max_size=2000).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4000), suffix=st.sampled_from(SUPPORTED_SUFFIXES))
def test_any_file_is_an_article_or_a_reasoned_skip(tmp_path, data, suffix):
    path = tmp_path / f"f{suffix}"
    path.write_bytes(data)
    for item in iter_articles([path]):
        assert isinstance(item, (Article, Skipped))
        if isinstance(item, Skipped):
            assert item.reason
        else:
            assert item.text.strip() and "\x00" not in item.text


@settings(max_examples=150, deadline=None)
@given(texts)
def test_html_and_cleaning_never_crash(text):
    parts = html_to_parts(text)
    assert "<script" not in parts.text.lower() or "<script" in text.lower()
    assert clean_text(clean_text(text)) == clean_text(text)


@settings(max_examples=150, deadline=None)
@given(text=st.one_of(texts, wordy), max_tokens=st.integers(20, 254), title=st.text(max_size=300))
def test_chunks_fit_the_window_and_keep_every_word_of_the_story(text, max_tokens, title):
    if not text.strip():
        return
    article = Article(id="x", title=title, text=clean_text(text) or "x")
    chunker = Chunker(count, max_tokens=max_tokens, overlap=max_tokens // 4)
    chunks = chunker.chunk(article)
    assert chunks
    assert all(count([c.embed_text])[0] <= max_tokens for c in chunks)
    kept = {w for c in chunks for w in c.text.split()}
    for word in news_text(article.text).split():
        assert word in kept or any(piece in kept for piece in [word[i:i + 100] for i in range(0, len(word), 100)])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(texts, wordy), min_size=1, max_size=8))
def test_news_cleaning_only_drops_words_and_never_everything(paragraphs):
    text = "\n".join(clean_text(p) for p in paragraphs)
    if not text.strip():
        return
    story = news_text(text)
    assert story.strip()
    left = iter(text.split())
    assert all(word in left for word in story.split())  # the story's words, in their order, and nothing new


@settings(max_examples=300, deadline=None)
@given(st.one_of(texts, st.binary().map(lambda b: b.decode("latin-1")), st.integers(), st.none()))
def test_question_checking_cleans_or_refuses(question):
    try:
        cleaned = check_question(question)
    except QuestionError as exc:
        assert str(exc)
    else:
        assert cleaned == cleaned.strip() and cleaned and len(cleaned) <= 2000


@settings(max_examples=100, deadline=None)
@given(question=texts, sentence=st.one_of(texts, wordy))
def test_candidate_extraction_never_crashes(question, sentence):
    from ingest.store import Hit

    hit = Hit("a:1", "a", sentence, 0.5, 0, "t", None, None, None)
    for candidate in extract_candidates(select_evidence("q", [hit])[0]) if sentence.strip() and select_evidence("q", [hit]) else []:
        assert candidate.text
    evidence = select_evidence(question or "?", [hit])
    pool = candidate_pool(question or "?", evidence)
    assert all(len(row) == len(CANDIDATE_FEATURES) for row in candidate_rows(question or "?", evidence, pool))
