"""Native models run first in a short-lived subprocess, so a CPU they cannot run on gives a message, not a dead server.

A crash inside llama.cpp or OpenVINO (an illegal instruction, a segfault) kills the process that
loaded the library; nothing in-process can catch it. So before a process loads a native model it has
a child process load it and run it once. When the child dies on a signal, the parent raises
`NativeCrash`: one paragraph saying what happened and the one command that fixes it. A passing probe
is remembered in the state directory for this CPU, these libraries and these settings, so a
machine pays for it once (`newsqa check` always probes afresh).

The child: `python -m newsqa.probe llm|embedder SETTINGS_JSON` prints one JSON line about what it ran.
"""

import hashlib
import json
import platform
import signal
import subprocess
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from .errors import ConfigError, ModelError
from .files import write_atomically
from .settings import Settings

__all__ = ["COMPONENTS", "NativeCrash", "Prober", "crash_message"]

COMPONENTS = ("llm", "embedder")
# What the child gets of the settings: what decides which native code runs (no secrets).
_PASSED = ("home", "embedder", "llama_cpu", "llm_threads", "llm_ctx", "learned_models", "reader")
_PROMPT = ("Question: In which city did the annual spring festival open on Saturday, and how many visitors "
           "did the organisers expect over the three days of music, food and fireworks?\nAnswer:")


class NativeCrash(ModelError):
    """A model's native library killed the process that ran it."""


Launcher = Callable[[Settings, str], list[str]]


def child_command(settings: Settings, component: str) -> list[str]:
    """The command that loads and runs one component in a fresh Python."""
    passed = {name: getattr(settings, name) for name in _PASSED}
    passed["home"] = str(settings.home)
    passed["learned_models"] = str(settings.learned_models) if settings.learned_models else None
    return [sys.executable, "-m", "newsqa.probe", component, json.dumps(passed)]


class Prober:
    """Runs the probes; `launcher` makes the child's command (tests pass one that crashes)."""

    def __init__(self, launcher: Launcher = child_command, timeout: float = 900):
        self.launcher = launcher
        self.timeout = timeout

    def ensure(self, settings: Settings, component: str) -> dict:
        """Probe `component` unless a probe passed before on this machine; raises NativeCrash or ModelError."""
        cache = settings.home / "probes.json"
        key = fingerprint(settings, component)
        remembered = _read_json(cache)
        if key in remembered:
            return remembered[key]
        found = self.run(settings, component)
        remembered = _read_json(cache)  # another process may have written meanwhile
        remembered[key] = found
        write_atomically(cache, json.dumps(remembered, indent=1))
        return found

    def run(self, settings: Settings, component: str) -> dict:
        """Probe now: what the child reports, or NativeCrash / ModelError."""
        if component not in COMPONENTS:
            raise ValueError(f"component must be one of {COMPONENTS}, got {component!r}")
        status, output = self._launch(settings, component)
        if status < 0:
            raise NativeCrash(crash_message(component, -status, self.fix(settings, component)))
        if status > 0:
            lines = [line for line in output.strip().splitlines() if line.strip()]
            raise ModelError(f"the {_NAMES[component]} failed to load: {lines[-1] if lines else f'exit status {status}'}")
        try:
            return json.loads(output.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise ModelError(f"the {_NAMES[component]} probe printed no result: {output[-300:]!r}") from None

    def fix(self, settings: Settings, component: str) -> str:
        """The one command that gets past the crash on this machine."""
        if component == "embedder":
            other = "openvino" if settings.embedder == "torch" else "torch"
            return f"export NEWSQA_EMBEDDER={other}"
        from rag.llm.native import VARIANT_FLAGS, cpu_flags, pick_variant, variants

        shipped = variants()
        if not shipped:  # a llama.cpp built for one CPU, such as pip's -march=native build
            return "make setup   # in the newsqa checkout: reinstalls llama-cpp-python's portable build"
        flags = cpu_flags()
        crashed = settings.llama_cpu or pick_variant(flags, shipped)
        lower = shipped[shipped.index(crashed) + 1:] if crashed in shipped else shipped
        for variant in (v for v in lower if VARIANT_FLAGS.get(v, set()) <= flags):
            if self._launch(settings.with_(llama_cpu=variant), "llm")[0] == 0:
                return f"export NEWSQA_LLAMA_CPU={variant}"
        return "export NEWSQA_LLM=openai NEWSQA_OPENAI_BASE_URL=http://HOST:PORT/v1   # an OpenAI-compatible server"

    def _launch(self, settings: Settings, component: str) -> tuple[int, str]:
        try:
            done = subprocess.run(self.launcher(settings, component), capture_output=True, text=True,
                                  timeout=self.timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise ModelError(f"the {_NAMES[component]} did not load within {self.timeout:.0f} s") from None
        return done.returncode, (done.stdout if done.returncode == 0 else done.stderr or done.stdout)


_NAMES = {"llm": "embedded LLM (llama.cpp)", "embedder": "embedder"}


def crash_message(component: str, signum: int, fix: str) -> str:
    """One paragraph: what died, why it most likely did, and the command that fixes it.

    >>> print(crash_message("embedder", signal.SIGSEGV, "export NEWSQA_EMBEDDER=torch"))
    The embedder crashed with SIGSEGV (segmentation fault) when newsqa tried it in a separate process, so newsqa stopped before loading it. Nothing was changed. Fix: export NEWSQA_EMBEDDER=torch
    """
    name = signal.Signals(signum).name if signum in signal.valid_signals() else f"signal {signum}"
    what = {signal.SIGILL: "illegal instruction", signal.SIGSEGV: "segmentation fault", signal.SIGBUS: "bus error",
            signal.SIGABRT: "abort", signal.SIGFPE: "arithmetic fault"}.get(signum, "killed")
    why = ""
    if signum == signal.SIGILL:
        why = (" This CPU cannot run an instruction the library uses: it was compiled for another CPU (pip's"
               " default llama.cpp build uses -march=native and pip reuses that wheel elsewhere), or the CPU"
               " advertises features such as AVX-512 or AMX that this machine or VM does not let programs use.")
    return (f"The {_NAMES[component]} crashed with {name} ({what}) when newsqa tried it in a separate process, so "
            f"newsqa stopped before loading it.{why} Nothing was changed. Fix: {fix}")


def fingerprint(settings: Settings, component: str) -> str:
    """What a passing probe vouches for: this CPU and kernel, these libraries, these settings."""
    parts = {"component": component, "cpu": _cpu_identity(), "kernel": platform.release(), "python": sys.executable,
             "settings": {name: str(getattr(settings, name)) for name in _PASSED if name != "home"}}
    if component == "llm":
        parts["libraries"] = _llama_libraries()
        parts["reader"] = _reader_digest(settings)
    else:
        parts["libraries"] = {name: _version(name) for name in ("openvino", "torch", "nncf")}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:24]


def _reader_digest(settings: Settings) -> str | None:
    """The adapter the embedded LLM would load (a new one is probed again), None without one."""
    if not settings.reader:
        return None
    from rag.learned.models import Models

    try:
        reader = Models.load(settings.learned_models).reader
    except (ConfigError, OSError, ValueError):  # unusable models: loading them says so, not the probe
        return None
    return reader.digest if reader else None


def _cpu_identity() -> dict:
    identity = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "flags") and key.strip() not in identity:
                identity[key.strip()] = value.strip()
    except OSError:
        identity["machine"] = platform.machine()
    return identity


def _llama_libraries() -> list:
    from rag.llm.native import library_dir

    try:
        return sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in library_dir().glob("*.so*"))
    except ModelError:
        return []


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _child(component: str, passed: dict) -> dict:
    """Load and run one component the way newsqa does; what it ran on."""
    settings = Settings(**{k: v for k, v in passed.items() if v is not None})
    if component == "llm":
        # llama.cpp directly, not through LangChain: the same native code, a second less to start.
        import llama_cpp

        from rag.learned.models import Models
        from rag.llm import embedded_model_path, silence_llama_cpp
        from rag.llm.native import load_cpu_backend

        silence_llama_cpp()
        variant = load_cpu_backend(settings.llama_cpu)
        reader = Models.load(settings.learned_models).reader if settings.reader else None  # its adapter loads too
        model = llama_cpp.Llama(model_path=str(embedded_model_path(settings.models_dir)), n_ctx=512,
                                n_threads=settings.threads, n_batch=512, verbose=False,
                                lora_path=str(reader.adapter) if reader else None)
        text = model.create_completion(_PROMPT, max_tokens=8, temperature=0.0)["choices"][0]["text"]
        return {"llama_cpu": variant, "generated": len(text), **({"reader": reader.digest} if reader else {})}
    from .build import build_embeddings

    embedder = build_embeddings(settings)
    vectors = embedder.embed_documents(["A short sentence.", _PROMPT * 4])
    found = {"embedder": settings.embedder, "dimension": len(vectors[0])}
    if hasattr(embedder, "inference_precision"):
        found["precision"] = embedder.inference_precision
    return found


def main(argv: list[str]) -> int:
    component, passed = argv[0], json.loads(argv[1])
    try:
        print(json.dumps(_child(component, passed)))
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
