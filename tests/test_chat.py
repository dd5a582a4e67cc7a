import re

import pytest

from rag import Answer, Citation
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
    replies = list(chat_replies(seeded, "How many prisoners were recaptured?", []))
    assert replies[:2] == ["_Searching the articles…_", "_Checking the answer against 5 passages…_"]
    assert len(replies) == 3  # nothing unchecked in between
    final = replies[-1]
    number = re.match(r"\*\*(?:around |more than )?(104|100)\*\*", final).group(1)
    assert "**Sources**" in final and "1. Islamic State attacks Syrian prison" in final
    assert number in final.split("**Sources**")[1]


def test_errors_become_readable_messages(seeded):
    replies = list(chat_replies(seeded, "   ", []))
    assert replies[-1] == "⚠️ the question is empty"


def test_unexpected_failures_do_not_leak_a_traceback(seeded, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(seeded.qa, "steps", broken)
    final = list(chat_replies(seeded, "How many?", []))[-1]
    assert "secret" not in final and "Traceback" not in final
    assert final.startswith("⚠️ Something went wrong")


def test_history_is_passed_as_earlier_user_turns(seeded, monkeypatch):
    seen = {}
    original = seeded.qa.steps

    def spy(question, **kwargs):
        seen.update(kwargs)
        return original(question, **kwargs)

    monkeypatch.setattr(seeded.qa, "steps", spy)
    history = [{"role": "user", "content": "Who attacked the prison?"}, {"role": "assistant", "content": "IS"},
               {"role": "user", "content": [{"type": "text", "text": "Where?"}]}]
    list(chat_replies(seeded, "How many were recaptured?", history))
    assert seen["history"] == ["Who attacked the prison?", "Where?"]


def test_answer_markdown_numbers_sources_with_link_date_and_quote():
    md = answer_markdown(Answer("q", "3,000 homes", False, (CITATION,)))
    assert md.startswith("**3,000 homes**")
    assert "1. [Storm hits coast](https://news.example.com/storm) · 2026\\-03\\-02" in md
    assert "> About 3,000 homes lost power\\." in md


def test_abstention_is_shown_plainly():
    md = answer_markdown(Answer("q", "The articles do not say.", True))
    assert md == "_The articles do not say\\._"


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


def test_store_panel_lists_counts_and_recent_articles(seeded):
    md = store_markdown(*seeded.store.counts(), seeded.store.articles(limit=5))
    assert md.startswith("**1** articles")
    assert "Last ingest:" in md and "- Islamic State attacks Syrian prison" in md


def test_create_app_builds_without_a_server(seeded):
    app = create_app(seeded)
    assert app.title == "newsqa"
