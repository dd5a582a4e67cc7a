import pytest

from ingest import Article, Chunker, split_sentences
from ingest.chunk import pack_sentences

from .conftest import FakeEmbeddings

count_words = FakeEmbeddings().count_tokens


def article(text, title="Headline here", **meta):
    return Article(id="art-1", title=title, text=text, **meta)


def numbered_sentences(n, words=8):
    return " ".join(f"Sentence {i} " + " ".join(["word"] * (words - 3)) + "." for i in range(n))


def test_split_sentences_handles_abbreviations_initials_and_quotes():
    text = 'Dr. Ruiz met Gen. J. Smith at 3 p.m. on Jan. 5. "We agree," she said. Prices rose 3.5%. Next?'
    assert split_sentences(text) == [
        "Dr. Ruiz met Gen. J. Smith at 3 p.m. on Jan. 5.",
        '"We agree," she said.',
        "Prices rose 3.5%.",
        "Next?",
    ]


def test_pack_sentences_overlaps_whole_sentences_and_respects_the_limit():
    counts = [5, 5, 5, 5, 5]
    groups = pack_sentences(["s"] * 5, counts, max_tokens=12, overlap=5)
    assert groups == [[0, 1], [1, 2], [2, 3], [3, 4]]
    assert pack_sentences(["s"] * 3, [5, 5, 5], max_tokens=12, overlap=0) == [[0, 1], [2]]


def test_chunks_end_on_sentence_boundaries_and_stay_within_the_limit():
    chunker = Chunker(count_words, max_tokens=40, overlap=8)
    chunks = chunker.chunk(article(numbered_sentences(12)))
    assert len(chunks) > 2
    for chunk in chunks:
        assert chunk.text.endswith(".")
        assert count_words([chunk.embed_text])[0] <= 40
        assert chunk.embed_text == f"Headline here\n{chunk.text}"


def test_consecutive_chunks_share_an_overlapping_sentence():
    chunks = Chunker(count_words, max_tokens=40, overlap=8).chunk(article(numbered_sentences(12)))
    for previous, current in zip(chunks, chunks[1:]):
        last_sentence = split_sentences(previous.text)[-1]
        assert current.text.startswith(last_sentence)


def test_every_sentence_lands_in_some_chunk_in_order():
    text = numbered_sentences(20)
    chunks = Chunker(count_words, max_tokens=30, overlap=0).chunk(article(text))
    assert " ".join(c.text for c in chunks) == text
    assert [c.ord for c in chunks] == list(range(len(chunks)))


def test_a_sentence_longer_than_a_chunk_is_cut_into_word_windows():
    text = " ".join(f"w{i}" for i in range(100)) + "."
    chunks = Chunker(count_words, max_tokens=30, overlap=5).chunk(article(text, title=""))
    assert len(chunks) >= 4 and all(count_words([c.embed_text])[0] <= 30 for c in chunks)
    assert " ".join(c.text for c in chunks).split() == text.split()


def test_one_enormous_word_is_cut_too():
    import hashlib

    word = "".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(80))  # 5,120 characters
    count_chars = lambda texts: [len(t) // 10 + 1 for t in texts]  # noqa: E731
    chunks = Chunker(count_chars, max_tokens=40, overlap=5).chunk(article(word, title=""))
    assert len(chunks) >= 13 and all(n <= 40 for n in count_chars([c.embed_text for c in chunks]))
    assert "".join(c.text.replace(" ", "") for c in chunks) == word


def test_title_and_date_head_the_embedded_text_and_shrink_the_budget():
    chunker = Chunker(count_words, max_tokens=40, overlap=8)
    chunks = chunker.chunk(article(numbered_sentences(12), published="2026-04-01"))
    assert chunks[0].embed_text.startswith("Headline here (2026-04-01)\n")
    assert len(chunks) > 1 and all(count_words([c.embed_text])[0] <= 40 for c in chunks)


def test_paragraph_breaks_survive_inside_a_chunk():
    chunks = Chunker(count_words, max_tokens=60, overlap=0).chunk(article("First para here.\nSecond para here."))
    assert chunks[0].text == "First para here.\nSecond para here."


def test_ids_derive_from_article_id_and_content():
    chunker = Chunker(count_words, max_tokens=40, overlap=8)
    text = numbered_sentences(12)
    first = chunker.chunk(article(text))
    assert [c.id for c in first] == [c.id for c in chunker.chunk(article(text))]
    assert len(first) > 1 and all(c.id.startswith("art-1:") and c.article_id == "art-1" for c in first)
    edited = chunker.chunk(article(text.replace("Sentence 11", "Sentence eleven")))
    assert first[0].id == edited[0].id
    assert first[-1].id != edited[-1].id
    other = Chunker(count_words, max_tokens=40, overlap=8).chunk(Article(id="art-2", title="Headline here", text=text))
    assert not {c.id for c in first} & {c.id for c in other}


def test_overlap_must_be_under_half_the_chunk():
    with pytest.raises(ValueError, match="overlap"):
        Chunker(count_words, max_tokens=40, overlap=20)


def test_real_tokenizer_keeps_seed_chunks_inside_the_embedder_window():
    from pathlib import Path

    from ingest.embed import MiniLMEmbeddings
    from ingest.loaders import load_file

    embedder = MiniLMEmbeddings()
    [seed] = load_file(Path("seeds/000_60b8ed085d617c0b.txt"))
    chunks = Chunker(embedder.count_tokens, max_tokens=200, overlap=40).chunk(seed)
    assert len(chunks) >= 3
    assert max(embedder.count_tokens([c.embed_text for c in chunks])) <= 200
    assert any("104" in c.text for c in chunks)
