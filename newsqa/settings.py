"""All configuration in one frozen dataclass, read from `NEWSQA_*` variables at the entry point only."""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from newsqa.errors import ConfigError

__all__ = ["EMBEDDERS", "ENV_VARS", "LLM_BACKENDS", "Settings", "UI_AUTH"]

LLM_BACKENDS = ("embedded", "openai")
EMBEDDERS = ("openvino", "openvino-int8", "torch")
UI_AUTH = ("writes", "all")
# all-MiniLM-L6-v2 truncates at 256 word pieces, two of which are [CLS] and [SEP].
EMBEDDER_WINDOW = 254


@dataclass(frozen=True)
class Settings:
    """Everything a newsqa process can be told; build once with `Settings.from_env()`."""

    home: Path = Path(".newsqa")
    chroma_url: str | None = None
    collection: str = "newsqa"
    chunk_tokens: int = 200
    chunk_overlap: int = 40
    top_k: int = 5
    llm: str = "embedded"
    embedder: str = "openvino-int8"
    llm_threads: int = 0
    llama_cpu: str | None = None
    llm_ctx: int = 2048
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_api_key: str | None = field(default=None, repr=False)
    max_question_chars: int = 2000
    api_token: str | None = field(default=None, repr=False)
    ui_password: str | None = field(default=None, repr=False)  # the chat's login; None: the API token is
    ui_auth: str = "writes"  # what the chat's login guards beyond loopback: "writes" (panels that add) or "all"
    max_pending: int = 8
    learned_models: Path | None = None  # a `newsqa train` output directory; None: the shipped models
    min_confidence: float | None = None  # a factoid answer needs this confidence, else it declines; None: the models'
    strict: bool = False  # decline every factoid answer the support check doubts (else only the LLM's unbacked ones)
    reader: bool = True  # the embedded LLM reads with the fine-tuned adapter of the learned models, when they have one
    models_cache: Path | None = None  # the GGUF and the OpenVINO exports; None: ~/.cache/newsqa/models
    allow_private_urls: bool = False
    fetch_interval: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "home", Path(self.home))
        cache = self.models_cache or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsqa" / "models"
        object.__setattr__(self, "models_cache", Path(cache))
        if not 16 <= self.chunk_tokens <= EMBEDDER_WINDOW:
            raise ConfigError(f"chunk size must be 16..{EMBEDDER_WINDOW} word pieces, got {self.chunk_tokens}")
        if not 0 <= self.chunk_overlap < self.chunk_tokens // 2:
            raise ConfigError(
                f"chunk overlap must be 0..{self.chunk_tokens // 2 - 1} word pieces "
                f"(under half the chunk size), got {self.chunk_overlap}"
            )
        if not 1 <= self.top_k <= 50:
            raise ConfigError(f"top-k must be 1..50, got {self.top_k}")
        if self.llm not in LLM_BACKENDS:
            raise ConfigError(f"LLM backend must be one of {', '.join(LLM_BACKENDS)}, got {self.llm!r}")
        if self.ui_auth not in UI_AUTH:
            raise ConfigError(f"NEWSQA_UI_AUTH must be one of {', '.join(UI_AUTH)}, got {self.ui_auth!r}")
        if self.embedder not in EMBEDDERS:
            raise ConfigError(f"embedder must be one of {', '.join(EMBEDDERS)}, got {self.embedder!r}")
        if self.llama_cpu is not None and not self.llama_cpu.isidentifier():
            raise ConfigError(f"llama.cpp CPU variant must be a name such as haswell, got {self.llama_cpu!r}")
        if self.llm_threads < 0 or self.llm_ctx < 512:
            raise ConfigError("LLM threads must be >= 0 (0: all cores) and context >= 512 tokens")
        if self.max_pending < 1:
            raise ConfigError(f"max pending requests must be positive, got {self.max_pending}")
        if self.min_confidence is not None and not 0.0 <= self.min_confidence <= 1.0:
            raise ConfigError(f"NEWSQA_MIN_CONFIDENCE must be a probability (0..1), got {self.min_confidence}")
        if self.max_question_chars < 1:
            raise ConfigError(f"max question length must be positive, got {self.max_question_chars}")
        for name in ("chroma_url", "openai_base_url"):
            _check_url(name, getattr(self, name))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> "Settings":
        """Settings from `NEWSQA_*` variables (and `OPENAI_API_KEY`), then explicit overrides."""
        env = os.environ if env is None else env
        values = {}
        for f in fields(cls):
            raw = env.get(ENV_VARS[f.name])
            if raw is not None and raw.strip() != "":
                values[f.name] = _parse(f.name, raw.strip(), f.type)
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigError(f"unknown settings: {', '.join(sorted(unknown))}")
        return cls(**values)

    def with_(self, **changes) -> "Settings":
        """A copy with some fields changed (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def ui_secret(self) -> str | None:
        """The password of the chat's login: `ui_password`, else the API token; None: no login is possible."""
        return self.ui_password or self.api_token

    @property
    def threads(self) -> int:
        """Threads for the embedded LLM: the configured number, else every core."""
        return self.llm_threads or os.cpu_count() or 1

    @property
    def chroma_dir(self) -> Path:
        return self.home / "chroma"

    @property
    def models_dir(self) -> Path:
        """The model files derived from the packaged weights (the assembled GGUF, the OpenVINO exports): one copy
        per user, not per home, since they depend only on the installed packages."""
        return self.models_cache


ENV_VARS = {f.name: f"NEWSQA_{f.name.upper()}" for f in fields(Settings)}
ENV_VARS["openai_api_key"] = "OPENAI_API_KEY"


def _parse(name: str, raw: str, annotation) -> object:
    if "bool" in str(annotation):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{ENV_VARS[name]} must be 1/0 (true/false), got {raw!r}")
    if "float" in str(annotation):
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"{ENV_VARS[name]} must be a number, got {raw!r}") from None
    if "int" in str(annotation):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{ENV_VARS[name]} must be an integer, got {raw!r}") from None
    if "Path" in str(annotation):
        return Path(raw).expanduser()
    return raw


def _check_url(name: str, url: str | None) -> None:
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{ENV_VARS[name]} must be an http(s) URL such as http://127.0.0.1:8000, got {url!r}")
    try:
        _ = parts.port  # urlsplit checks the port only when it is read
    except ValueError:
        raise ConfigError(f"{ENV_VARS[name]} has an invalid port: {url!r}") from None
