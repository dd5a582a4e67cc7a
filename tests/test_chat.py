import re

import pytest

from rag import Answer, Citation
from rag.answer.followup import Turn
from ui.chat import chat_replies, create_app
from ui.format import answer_markdown, answer_text, escape_markdown, store_markdown

from .conftest import SEED_ARTICLE

CITATION = Citation("a1", "Storm hits coast", "https://news.example.com/storm", "2026-03-02", "a1:abc",
                    "About 3,000 homes lost power.", 0.61)


@pytest.fixture
def seeded(make_services):
    services = make_services(" 104")
    services.ingestor.ingest_paths([SEED_ARTICLE])
    return services


def test_reply_streams_searching_checking_then_cited_answer(seeded):
    replies = list(chat_replies(seeded, "How many prisoners were recaptured?"))
    assert [r.markdown for r in replies[:2]] == ["_Searching the articles…_", "_Checking the answer against 5 passages…_"]
    assert len(replies) == 3 and [r.turn is None for r in replies] == [True, True, False]  # nothing unchecked between
    final = replies[-1].markdown
    answer, sources = final.split("**Sources**")
    number = re.search(r"\*\*(?:around |more than )?(104|100)\*\*", answer).group(1)  # in bold inside its sentence
    assert answer.strip().endswith("\\[1\\]") and "1. Islamic State attacks Syrian prison" in sources
    assert "21 Jan 2022" in sources and number not in sources  # the sentence shows once, above
    assert replies[-1].turn == Turn("How many prisoners were recaptured?", answer_of(final))


def answer_of(markdown: str) -> str:
    return re.search(r"\*\*(.+?)\*\*", markdown).group(1)


def test_errors_become_readable_messages_and_never_a_turn(seeded):
    [reply] = list(chat_replies(seeded, "   "))
    assert reply.markdown == "⚠️ the question is empty" and reply.turn is None
    long = list(chat_replies(seeded, "x" * 2500))
    assert long[-1].markdown.startswith("⚠️ the question is 2500 characters long") and long[-1].turn is None


def test_unexpected_failures_do_not_leak_a_traceback(seeded, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(seeded.qa, "steps", broken)
    final = list(chat_replies(seeded, "How many?"))[-1].markdown
    assert "secret" not in final and "Traceback" not in final
    assert final.startswith("⚠️ Something went wrong")


def test_a_follow_up_leans_on_the_answered_turns_and_shows_what_it_asked(seeded):
    first = list(chat_replies(seeded, "Who is the spokesperson for the SDF?"))[-1]
    assert first.turn and first.turn.answer
    follow = list(chat_replies(seeded, "What did he say about the escaped prisoners?", [first.turn]))[-1]
    assert follow.markdown.startswith(f"_Asked as: What did {escape_markdown(first.turn.answer)} say")


def test_answer_markdown_marks_the_answer_in_its_sentence_and_numbers_sources():
    md = answer_markdown(Answer("q", "3,000 homes", False, (CITATION,)))
    assert md.startswith("About **3,000 homes** lost power\\. \\[1\\]")
    assert "1. [Storm hits coast](https://news.example.com/storm) · 2 Mar 2026" in md
    assert md.count("lost power") == 1  # the quote is not repeated under its source


def test_abstention_is_shown_plainly():
    md = answer_markdown(Answer("q", "The articles do not say.", True))
    assert md == "_The articles do not say\\._"


def test_a_declined_answer_that_says_what_the_articles_say_instead_shows_its_source_once():
    said = "The articles do not say that it happened, only that it is to come: About 3,000 homes lost power. [1]"
    md = answer_markdown(Answer("q", said, True, (CITATION,)))
    assert md.startswith("_The articles do not say that it happened") and "1. [Storm hits coast]" in md
    assert md.count("lost power") == 1


def test_document_text_cannot_inject_markup_or_links():
    hostile = Citation("a2", "<img src=x onerror=alert(1)>", "javascript:alert(1)", None, "a2:x",
                       "[click me](http://evil.example) <script>alert(1)</script>", 0.5)
    md = answer_markdown(Answer("q", "x", False, (hostile,)))
    assert "<img" not in md and "<script" not in md
    assert "javascript" not in md  # an unsafe url is not linked at all
    assert "](http://evil" not in md
    assert escape_markdown("a*b_c") == "a\\*b\\_c"


def test_answer_text_for_the_terminal():
    text = answer_text(Answer("q", "3,000 homes", False, (CITATION,)))
    assert text.splitlines() == [
        "3,000 homes", "", "Sources:",
        "[1] Storm hits coast (2026-03-02 · https://news.example.com/storm)",
        '    "About 3,000 homes lost power."',
    ]


def test_an_answer_the_support_check_doubts_says_so_in_the_chat_and_the_terminal():
    doubted = Answer("q", "3,000 homes", False, (CITATION,), doubtful=True)
    md = answer_markdown(doubted)
    assert md.startswith("About **3,000 homes** lost power\\. \\[1\\]\n\n_Low confidence: the articles may not say this\\._")
    assert answer_text(doubted).splitlines()[:2] == ["3,000 homes", "(Low confidence: the articles may not say this.)"]
    assert "Low confidence" not in answer_markdown(Answer("q", "3,000 homes", False, (CITATION,)))


def test_store_panel_lists_the_newest_stories_by_their_date_with_human_dates(seeded):
    from ingest import Article

    seeded.ingestor.ingest([Article("old", "Older story", "Text of an older story.", published="2019-05-01"),
                            Article("new", "Newer story", "Text of a newer story.", published="2026-03-02")])
    md = store_markdown(*seeded.store.counts(), seeded.store.articles(limit=5, by="published"),
                        last_ingest="2026-12-06T19:21:02.469+00:00")
    assert md.startswith("**3** articles") and "Last ingest: 6 Dec 2026, 19:21 UTC" in md
    lines = [line for line in md.splitlines() if line.startswith("- ")]
    assert lines == ["- Newer story (2 Mar 2026)", "- Islamic State attacks Syrian prison holding suspected extremists in "
                     "Hassakeh (21 Jan 2022)", "- Older story (1 May 2019)"]


def test_create_app_builds_without_a_server(seeded):
    app = create_app(seeded)
    assert app.title == "newsqa"
