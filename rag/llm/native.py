"""llama.cpp's CPU backend: load the variant that this CPU and its operating system can run.

newsqa's setup builds llama.cpp with its CPU code as separate libraries, one per instruction-set level
(tools/portable_llama.py). llama.cpp itself would pick one by the CPU's own feature bits; a virtual
machine can advertise features it does not let a program use, so newsqa picks by the flags the
Linux kernel reports (which only lists what the OS enabled), and llama.cpp's check still applies.
"""

import ctypes
import os
import platform
import threading
from pathlib import Path

from newsqa.errors import ConfigError, ModelError

__all__ = ["VARIANT_FLAGS", "cpu_flags", "library_dir", "load_cpu_backend", "pick_variant", "variants"]

# Best first; each needs all of its /proc/cpuinfo flags (the -m options its library was built with).
_V2 = {"sse4_2", "ssse3", "popcnt"}
_V3 = _V2 | {"avx", "avx2", "fma", "f16c", "bmi2"}
_AVX512 = _V3 | {"avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw"}
VARIANT_FLAGS = {
    "icelake": _AVX512 | {"avx512vbmi", "avx512_vnni"},
    "skylakex": _AVX512,
    "haswell": _V3,
    "sse42": _V2,
}

_lock = threading.Lock()
_loaded: str | None = None


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    """The instruction-set flags the kernel reports for the first CPU (empty where unknown).

    >>> sorted(cpu_flags("processor : 0\\nflags : fpu sse4_2 avx2\\n\\nprocessor : 1\\nflags : fpu\\n"))
    ['avx2', 'fpu', 'sse4_2']
    """
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return set()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return set(value.split())
    return set()


def pick_variant(flags: set[str], available) -> str | None:
    """The best available variant whose instructions the CPU has, or None.

    >>> pick_variant(_V3 | {"avx512f", "amx_tile"}, ["sse42", "haswell", "skylakex"])
    'haswell'
    >>> pick_variant({"sse2"}, ["sse42", "haswell"]) is None
    True
    """
    return next((name for name, needs in VARIANT_FLAGS.items() if name in available and needs <= flags), None)


def library_dir() -> Path:
    """Where llama-cpp-python keeps its shared libraries (found without loading them)."""
    import importlib.util

    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.origin:
        raise ModelError("llama-cpp-python is not installed: run `make setup` in the newsqa checkout")
    return Path(spec.origin).parent / "lib"


def variants(lib_dir: Path | None = None) -> list[str]:
    """The CPU variants this llama.cpp build ships, best first; empty for a build with one built-in CPU backend."""
    lib_dir = lib_dir or library_dir()
    present = {p.name[len("libggml-cpu-"):].split(".so")[0] for p in lib_dir.glob("libggml-cpu-*.so*")}
    return [name for name in VARIANT_FLAGS if name in present] + sorted(present - set(VARIANT_FLAGS))


def load_cpu_backend(variant: str | None = None) -> str:
    """Load llama.cpp's CPU backend once per process: the named variant, else the best one this CPU runs.

    Returns the variant's name, or "built-in" for a build without variants (whatever it was compiled
    for; newsqa's start-up probe finds out whether this CPU runs it).
    """
    global _loaded
    with _lock:
        if _loaded is not None:
            if variant and variant != _loaded:
                raise ConfigError(f"llama.cpp's {_loaded} CPU backend is already loaded in this process")
            return _loaded
        lib_dir = library_dir()
        shipped = variants(lib_dir)
        if not shipped:
            _loaded = "built-in"
            return _loaded
        ggml = _loaded_ggml(lib_dir)
        if variant is None and platform.machine() not in ("x86_64", "AMD64"):
            ggml.ggml_backend_load_all_from_path(str(lib_dir).encode())  # llama.cpp's own pick (untested here)
            _loaded = "llama.cpp's choice"
            return _loaded
        chosen = variant or pick_variant(cpu_flags(), shipped)
        if chosen is None:
            raise ModelError("this CPU lacks SSE4.2 (x86-64-v2), the oldest instruction set llama.cpp was built for; "
                             "use an OpenAI-compatible server instead: NEWSQA_LLM=openai")
        if chosen not in shipped:
            raise ConfigError(f"NEWSQA_LLAMA_CPU={chosen} is not one of this build's CPU variants: {', '.join(shipped)}")
        ggml.ggml_backend_load.restype = ctypes.c_void_p
        ggml.ggml_backend_load.argtypes = [ctypes.c_char_p]
        if not ggml.ggml_backend_load(str(lib_dir / f"libggml-cpu-{chosen}.so").encode()):
            raise ModelError(f"llama.cpp refused its {chosen} CPU backend: this CPU lacks some of its instructions "
                             f"(try NEWSQA_LLAMA_CPU={_next_lower(chosen, shipped) or 'sse42'})")
        _loaded = chosen
        return _loaded


def _loaded_ggml(lib_dir: Path) -> ctypes.CDLL:
    """The libggml that libllama itself loaded. The wheel holds copies (libggml.so, libggml.so.0, ...),
    not links, and a second copy would keep a backend registry of its own that llama.cpp never sees."""
    import llama_cpp  # noqa: F401  loads libllama.so and, by its soname, the libggml it uses

    for candidate in sorted(lib_dir.glob("libggml.so.*"), key=lambda p: len(p.name)):
        try:
            return ctypes.CDLL(candidate.name, mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
        except OSError:
            continue
    raise ModelError(f"llama.cpp's libggml is not loaded from {lib_dir}: reinstall with `make setup`")


def _next_lower(variant: str, shipped: list[str]) -> str | None:
    """The next variant below `variant` in this build, best first."""
    lower = shipped[shipped.index(variant) + 1:] if variant in shipped else []
    return lower[0] if lower else None
