import json

import pytest
from click.testing import CliRunner

from ui.cli import cli

from .conftest import SEED_ARTICLE


@pytest.fixture
def run(make_services):
    """Runs `newsqa ARGS` in-process over fake services; stdout and stderr are kept apart."""

    def invoke(*args, answers=("104",), services=None):
        services = services or make_services(*answers)
        result = CliRunner().invoke(cli, list(args), obj=services, catch_exceptions=False)
        return result, services

    return invoke


def test_ingest_prints_counts_and_skips(run):
    result, _ = run("ingest", "seeds")
    assert result.exit_code == 0
    assert "added 1, replaced 0, unchanged 0, skipped 3" in result.stdout  # the three question sets
    for name in ("questions", "reader", "unanswerable"):
        assert f"skipped seeds/{name}.jsonl: a question set" in result.stdout
    assert "store: 1 articles" in result.stdout


def test_reingest_says_nothing_was_written(run):
    _, services = run("ingest", SEED_ARTICLE)
    result, _ = run("ingest", SEED_ARTICLE, services=services)
    assert "Nothing to write: all 1 articles are unchanged." in result.stdout
    assert "(0 chunks embedded)" in result.stdout


def test_ingest_json_is_one_object(run):
    result, _ = run("ingest", "--json", SEED_ARTICLE)
    data = json.loads(result.stdout)
    assert data["added"] == 1 and data["store"]["articles"] == 1 and data["chunks_written"] > 0


def test_ingest_of_nothing_usable_fails(run, tmp_path):
    binary = tmp_path / "x.txt"
    binary.write_bytes(b"\x00\x01\x02")
    result, _ = run("ingest", str(binary))
    assert result.exit_code == 1
    assert "binary file" in result.stdout


def test_ingest_missing_path_is_a_usage_error(run):
    result, _ = run("ingest", "no/such/file.txt")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_ingest_needs_paths_or_delete(run):
    result, _ = run("ingest")
    assert result.exit_code == 2 and "give files or directories" in result.stderr


def test_delete_removes_several_articles_given_after_it(run):
    from ingest import Article

    _, services = run("ingest", SEED_ARTICLE)
    services.ingestor.ingest([Article("zoo-1", "Zoo welcomes zebra", "The zoo welcomed a zebra named Stripe.")])
    result, _ = run("ingest", "--delete", "000_60b8ed085d617c0b", "zoo-1", "nope", services=services)
    assert result.exit_code == 0, result.output
    assert "deleted: 000_60b8ed085d617c0b" in result.stdout and "deleted: zoo-1" in result.stdout
    assert "not in the store: nope" in result.stdout
    assert services.store.counts() == (0, 0)
    again, _ = run("ingest", "--delete", "nope", "--json", services=services)
    assert again.exit_code == 1 and json.loads(again.stdout) == {"deleted": [], "not_in_store": ["nope"]}
    bare, _ = run("ingest", "--delete", services=services)
    assert bare.exit_code == 2 and "give the ids of the articles to delete" in bare.stderr


def test_ask_json_prints_exactly_one_json_object(run):
    _, services = run("ingest", SEED_ARTICLE)
    result, _ = run("ask", "--json", "How many prisoners were recaptured?", services=services)
    assert result.exit_code == 0
    data = json.loads(result.stdout)  # fails if anything else is on stdout
    assert data["answer"] in ("104", "around 104", "more than 100") and data["abstained"] is False
    assert data["citations"][0]["article_id"] == "000_60b8ed085d617c0b"


def test_ask_text_lists_numbered_sources(run):
    _, services = run("ingest", SEED_ARTICLE)
    result, _ = run("ask", "How many prisoners were recaptured?", services=services)
    lines = result.stdout.splitlines()
    assert lines[0] in ("104", "around 104", "more than 100")
    assert "Sources:" in lines and any(line.startswith("[1] Islamic State attacks Syrian prison") for line in lines)


def test_ask_on_an_empty_store_says_what_to_do(run):
    result, _ = run("ask", "Anything?")
    assert result.exit_code == 1
    assert "the store is empty: run `newsqa ingest PATH...` first" in result.stderr


def test_ask_with_an_empty_question_is_a_clear_error(run):
    _, services = run("ingest", SEED_ARTICLE)
    result, _ = run("ask", "   ", services=services)
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: the question is empty"


def test_articles_lists_the_store(run):
    _, services = run("ingest", SEED_ARTICLE)
    result, _ = run("articles", "--json", services=services)
    [row] = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["id"] == "000_60b8ed085d617c0b" and row["chunks"] > 0


def test_bad_settings_are_usage_errors(monkeypatch):
    monkeypatch.setenv("NEWSQA_TOP_K", "lots")
    result = CliRunner().invoke(cli, ["articles"])
    assert result.exit_code == 2
    assert "NEWSQA_TOP_K must be an integer" in result.stderr


def test_flags_override_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSQA_TOP_K", "9")
    refused = CliRunner().invoke(cli, ["--top-k", "0", "articles"])
    assert refused.exit_code == 2 and "top-k must be 1..50, got 0" in refused.stderr
    result = CliRunner().invoke(cli, ["--home", str(tmp_path / "h"), "articles"])
    assert result.exit_code == 0, result.output
    assert "0 articles, 0 chunks" in result.stderr
    assert (tmp_path / "h" / "chroma").is_dir()


def test_import_rag_does_not_import_gradio():
    import subprocess
    import sys

    code = "import rag, ingest, sys; print(sorted(m for m in sys.modules if m.split('.')[0] in ('gradio', 'ui')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_version_is_printed():
    from click.testing import CliRunner

    from ui.cli import cli

    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("newsqa, version ")


def test_a_question_file_that_is_not_utf8_is_a_clear_error(run, tmp_path):
    path = tmp_path / "questions.jsonl"
    path.write_bytes(b'{"id": "q1", "question": "Caf\xe9?", "answers": ["x"]}\n')
    result, _ = run("eval", str(path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "not UTF-8 text (bad byte at offset 29); re-save it as UTF-8" in result.output


def test_rebuild_never_drops_the_store_for_nothing(run, tmp_path):
    _, services = run("ingest", SEED_ARTICLE)
    both, _ = run("ingest", "--rebuild", "--delete", "000_60b8ed085d617c0b", services=services)
    assert both.exit_code == 2 and "do not go together" in both.stderr
    missing, _ = run("ingest", "--rebuild", str(tmp_path / "typo"), services=services)
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    (tmp_path / "empty").mkdir()
    empty, _ = run("ingest", "--rebuild", str(tmp_path / "empty"), services=services)
    assert empty.exit_code == 1 and "nothing to rebuild the store from" in empty.stderr
    assert services.store.counts()[0] == 1  # the store is as it was


def test_ask_reuses_a_running_server_over_the_same_store(tmp_path):
    """`newsqa ask` beside a running `newsqa serve` asks the server (its models are loaded) instead of loading them,
    but only a server over the same store and settings; --local, or no server, answers here."""
    import os
    import subprocess

    from .conftest import ROOT
    from .servers import FAKE_NEWSQA, newsqa_server

    home = tmp_path / "home"
    env = {**os.environ, "NEWSQA_HOME": str(home)}

    def newsqa(*args, **extra):
        return subprocess.run([*FAKE_NEWSQA, *args], cwd=ROOT, env={**env, **extra}, capture_output=True, text=True,
                              timeout=120)

    assert newsqa("ingest", SEED_ARTICLE).returncode == 0
    with newsqa_server(home, command=FAKE_NEWSQA) as url:
        asked = newsqa("ask", "--json", "How many prisoners were recaptured?")
        assert asked.returncode == 0 and f"(answered by newsqa serve at {url})" in asked.stderr
        assert json.loads(asked.stdout)["question"] == "How many prisoners were recaptured?"
        # --local, or other settings, answer here: the server holds the local store, which says who has it
        for other in (newsqa("ask", "--local", "How many prisoners were recaptured?"),
                      newsqa("ask", "How many prisoners were recaptured?", NEWSQA_TOP_K="7"),
                      newsqa("ask", "How many prisoners were recaptured?", NEWSQA_MIN_CONFIDENCE="0.5"),
                      newsqa("ask", "How many prisoners were recaptured?", NEWSQA_STRICT="1")):
            assert other.returncode == 1 and "answered by" not in other.stderr and "in use by newsqa process" in other.stderr
    assert not (home / "serve.json").exists()  # the record goes with the server
    after = newsqa("ask", "--json", "How many prisoners were recaptured?")
    assert after.returncode == 0 and "answered by" not in after.stderr
    assert json.loads(after.stdout)["answer"] == json.loads(asked.stdout)["answer"]
