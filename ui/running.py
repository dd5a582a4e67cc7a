"""Which `newsqa serve` runs over this home: `newsqa ask` asks it instead of loading both models again."""

import json
import os
from pathlib import Path

import httpx

from newsqa.files import write_atomically
from newsqa.settings import Settings

__all__ = ["announce", "running_server", "withdraw"]

FILE = "serve.json"


def announce(settings: Settings, host: str, port: int) -> Path:
    """Record that this process serves the settings' store at host:port (loopback for a wildcard address)."""
    reachable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://[{reachable}]:{port}" if ":" in reachable else f"http://{reachable}:{port}"
    path = settings.home / FILE
    write_atomically(path, json.dumps({"url": url, "pid": os.getpid(), "store": _store(settings)}))
    return path


def withdraw(path: Path) -> None:
    """Forget the record, if it is still this process's."""
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass


def running_server(settings: Settings, timeout: float = 1.0) -> str | None:
    """The URL of a live `newsqa serve` over the same store, with its models loaded; None when there is none."""
    try:
        record = json.loads((settings.home / FILE).read_text())
        url, pid = str(record["url"]), int(record["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if record.get("store") != _store(settings) or not _alive(pid):
        return None
    try:
        health = httpx.get(f"{url}/healthz", timeout=timeout).json()
    except (httpx.HTTPError, ValueError):
        return None
    return url if isinstance(health, dict) and health.get("status") == "ok" else None


def _store(settings: Settings) -> list:
    """Everything of the settings that changes an answer: a server that differs in any of it is not asked."""
    learned = str(settings.learned_models.resolve()) if settings.learned_models else None
    return [settings.chroma_url or str(settings.chroma_dir.resolve()), settings.collection, settings.top_k,
            settings.chunk_tokens, settings.chunk_overlap, settings.embedder, learned, settings.llm, settings.llm_ctx,
            settings.llama_cpu, settings.max_question_chars, settings.min_confidence, settings.strict,
            *((settings.openai_base_url, settings.openai_model) if settings.llm == "openai" else (None, None))]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
