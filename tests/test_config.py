from pathlib import Path

import pytest

from newsqa import ConfigError, Settings


def test_defaults_without_environment():
    settings = Settings.from_env({})
    assert settings.home == Path(".newsqa")
    assert settings.chroma_url is None
    assert (settings.chunk_tokens, settings.chunk_overlap, settings.top_k) == (200, 40, 5)
    assert settings.llm == "embedded"
    assert settings.chroma_dir == Path(".newsqa/chroma")


def test_environment_is_parsed():
    env = {
        "NEWSQA_HOME": "/data/nq", "NEWSQA_CHROMA_URL": "http://10.0.0.5:8000", "NEWSQA_TOP_K": "8",
        "NEWSQA_CHUNK_TOKENS": "120", "NEWSQA_CHUNK_OVERLAP": "20", "NEWSQA_LLM": "openai",
        "NEWSQA_OPENAI_BASE_URL": "http://127.0.0.1:11434/v1", "NEWSQA_OPENAI_MODEL": "llama3.2",
        "OPENAI_API_KEY": "sk-test",
    }
    settings = Settings.from_env(env)
    assert settings.home == Path("/data/nq")
    assert settings.chroma_url == "http://10.0.0.5:8000"
    assert (settings.top_k, settings.chunk_tokens, settings.chunk_overlap) == (8, 120, 20)
    assert (settings.llm, settings.openai_model, settings.openai_api_key) == ("openai", "llama3.2", "sk-test")
    assert "sk-test" not in repr(settings)


def test_overrides_beat_environment_and_none_is_ignored():
    settings = Settings.from_env({"NEWSQA_TOP_K": "8"}, top_k=3, llm=None)
    assert settings.top_k == 3
    assert settings.llm == "embedded"


def test_blank_variables_mean_default():
    assert Settings.from_env({"NEWSQA_TOP_K": "  "}).top_k == 5


@pytest.mark.parametrize(
    "env, message",
    [
        ({"NEWSQA_TOP_K": "five"}, "NEWSQA_TOP_K must be an integer"),
        ({"NEWSQA_TOP_K": "0"}, "top-k must be 1..50"),
        ({"NEWSQA_CHUNK_TOKENS": "300"}, "chunk size must be 16..254"),
        ({"NEWSQA_CHUNK_OVERLAP": "150"}, "chunk overlap must be"),
        ({"NEWSQA_LLM": "gpt"}, "LLM backend must be one of embedded, openai"),
        ({"NEWSQA_CHROMA_URL": "localhost:8000"}, "NEWSQA_CHROMA_URL must be an http(s) URL"),
        ({"NEWSQA_OPENAI_BASE_URL": "ftp://x"}, "NEWSQA_OPENAI_BASE_URL must be an http(s) URL"),
        ({"NEWSQA_CHROMA_URL": "http://host:99999"}, "invalid port"),
        ({"NEWSQA_MIN_CONFIDENCE": "high"}, "NEWSQA_MIN_CONFIDENCE must be a number"),
        ({"NEWSQA_MIN_CONFIDENCE": "5"}, "NEWSQA_MIN_CONFIDENCE must be a probability"),
    ],
)
def test_bad_values_say_what_was_expected(env, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env(env)


def test_unknown_override_is_refused():
    with pytest.raises(ConfigError, match="unknown settings: colour"):
        Settings.from_env({}, colour="blue")


def test_with_returns_a_changed_copy():
    settings = Settings()
    assert settings.with_(top_k=9, llm=None).top_k == 9
    assert settings.top_k == 5


def test_model_files_are_kept_once_per_user_not_per_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    first, second = Settings.from_env({"NEWSQA_HOME": "/data/a"}), Settings(home=Path("/data/b"))
    assert first.models_dir == second.models_dir == tmp_path / "xdg" / "newsqa" / "models"
    assert Settings.from_env({"NEWSQA_MODELS_CACHE": "/opt/models"}).models_dir == Path("/opt/models")
