"""Build llama-cpp-python once per recipe, portable across x86-64 CPUs, and install it into this Python.

Why not `pip install llama-cpp-python`: its build compiles llama.cpp with -march=native, and pip caches
the wheel by version alone, so a wheel built on one CPU is silently reused on another and dies there
with "Illegal instruction" (an AMX or AVX-512 kernel the other CPU cannot run). Here:

- llama.cpp's CPU backend is built as a few variants that newsqa picks from at run time
  (GGML_BACKEND_DL; see rag/llm/native.py): x86-64-v2 (SSE4.2), v3 (AVX2), AVX-512 and AVX-512 VNNI.
  None uses AMX or -march=native, so the same wheel runs on any x86-64-v2 CPU and uses AVX2 / AVX-512
  where the CPU and the OS allow them.
- The wheel goes into a directory named by the hash of the whole recipe (version, source hash, CMake
  flags, variants), built with pip's cache off, and is installed from there with --force-reinstall
  whenever the installed llama_cpp does not carry this recipe's hash. A cached native wheel is never
  looked at.

usage: python tools/portable_llama.py [--wheels DIR] [--print-id]
"""

import argparse
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

VERSION = "0.3.36"
SDIST_SHA256 = "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
# name -> ggml feature flags, as ggml's own GGML_CPU_ALL_VARIANTS list spells them (ggml/src/CMakeLists.txt).
# The full list has 14 x86 variants and an AMX one; these four cover x86-64-v2 to AVX-512 VNNI in a
# quarter of the build time.
VARIANTS = {
    "sse42": "SSE42",
    "haswell": "SSE42 AVX F16C FMA AVX2 BMI2",
    "skylakex": "SSE42 AVX F16C FMA AVX2 BMI2 AVX512",
    "icelake": "SSE42 AVX F16C FMA AVX2 BMI2 AVX512 AVX512_VBMI AVX512_VNNI",
}
CMAKE_ARGS = [
    "-DGGML_NATIVE=OFF",
    "-DGGML_BACKEND_DL=ON",
    "-DGGML_CPU_ALL_VARIANTS=ON",
    # installs the variants next to libllama.so in the wheel (STRING: CMake would make a PATH absolute)
    "-DGGML_BACKEND_DIR:STRING=llama_cpp/lib",
    "-DLLAVA_BUILD=OFF",  # newsqa uses no image model
]
MARKER = "newsqa_build.json"  # written into the llama_cpp package, so the installed files carry the recipe


def recipe() -> dict:
    """Everything that decides what the wheel contains."""
    return {"version": VERSION, "sdist_sha256": SDIST_SHA256, "cmake_args": CMAKE_ARGS, "variants": VARIANTS}


def recipe_id(spec: dict | None = None) -> str:
    """A short hash of the recipe: the name of its wheel directory and the installed marker.

    >>> recipe_id({"version": "1"}) == recipe_id({"version": "1"}) != recipe_id({"version": "2"})
    True
    """
    blob = json.dumps(spec if spec is not None else recipe(), sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def installed_id() -> str | None:
    """The recipe id of the llama_cpp installed in this Python, or None (not installed, or not ours)."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.origin:
        return None
    try:
        return json.loads((Path(spec.origin).parent / MARKER).read_text())["id"]
    except (OSError, ValueError, KeyError):
        return None


def patch_variants(cmake_text: str, variants: dict[str, str]) -> str:
    """ggml's CMake list of x86 CPU variants replaced by `variants`.

    >>> text = 'if (GGML_CPU_ALL_VARIANTS)\\n    if (GGML_SYSTEM_ARCH STREQUAL "x86")\\n        ggml_add_cpu_backend_variant(x64)\\n    elseif(GGML_SYSTEM_ARCH STREQUAL "ARM")\\n'
    >>> print(patch_variants(text, {"haswell": "AVX2"}))
    if (GGML_CPU_ALL_VARIANTS)
        if (GGML_SYSTEM_ARCH STREQUAL "x86")
            ggml_add_cpu_backend_variant(haswell AVX2)
        elseif(GGML_SYSTEM_ARCH STREQUAL "ARM")
    <BLANKLINE>
    """
    pattern = re.compile(r'(if \(GGML_CPU_ALL_VARIANTS\).*?if \(GGML_SYSTEM_ARCH STREQUAL "x86"\)\n)(.*?)(\s*elseif\s*\(GGML_SYSTEM_ARCH STREQUAL "ARM"\))',
                         re.DOTALL)
    if len(pattern.findall(cmake_text)) != 1:
        raise SystemExit("ggml's CMakeLists.txt no longer has the x86 variant list this recipe replaces: update tools/portable_llama.py")
    lines = "\n".join(f"        ggml_add_cpu_backend_variant({name} {flags})" for name, flags in variants.items())
    return pattern.sub(lambda m: m.group(1) + lines + m.group(3), cmake_text)


def fetch_sdist(workdir: Path) -> Path:
    """The pinned source archive (pip's HTTP cache may serve it: source is the same on every CPU)."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                    f"llama-cpp-python=={VERSION}", "-d", str(workdir)], check=True)
    archive = next(workdir.glob("llama_cpp_python-*.tar.gz"))
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        raise SystemExit(f"{archive.name} has sha256 {digest}, expected {SDIST_SHA256}")
    return archive


def prepare_source(archive: Path, workdir: Path, rid: str) -> Path:
    """The unpacked source with the variant list patched and the recipe marker in the package."""
    with tarfile.open(archive) as tar:
        tar.extractall(workdir, filter="data")
    source = workdir / f"llama_cpp_python-{VERSION}"
    cmake = source / "vendor" / "llama.cpp" / "ggml" / "src" / "CMakeLists.txt"
    cmake.write_text(patch_variants(cmake.read_text(), VARIANTS))
    (source / "llama_cpp" / MARKER).write_text(json.dumps({"id": rid, **recipe()}, indent=1) + "\n")
    return source


def build_wheel(source: Path, out: Path, log: Path) -> Path:
    """`pip wheel` of the source with the recipe's CMake flags and pip's cache off; progress every 15 s."""
    env = {**os.environ, "CMAKE_ARGS": " ".join(CMAKE_ARGS), "PIP_NO_CACHE_DIR": "1"}
    env.pop("FORCE_CMAKE", None)
    with open(log, "w") as sink:
        process = subprocess.Popen([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-cache-dir",
                                    "-w", str(out), str(source)], stdout=sink, stderr=subprocess.STDOUT, env=env)
        last, shown = "", time.monotonic()
        while process.poll() is None:
            time.sleep(3)
            steps = re.findall(r"^\s*\[\s*(\d+/\d+)\]", log.read_text(errors="replace"), re.MULTILINE)
            if steps and steps[-1] != last and time.monotonic() - shown >= 15:
                print(f"    {time.strftime('%T')} compiling llama.cpp, step {steps[-1]}", flush=True)
                last, shown = steps[-1], time.monotonic()
    if process.returncode != 0:
        print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
        raise SystemExit(f"building llama-cpp-python failed; full log: {log}")
    return next(out.glob("llama_cpp_python-*.whl"))


def ensure_wheel(wheels: Path) -> Path:
    """This recipe's wheel, built first if its directory does not hold one."""
    rid = recipe_id()
    target = wheels / f"llama-cpp-python-{VERSION}-{rid}"
    found = sorted(target.glob("*.whl"))
    if found:
        return found[0]
    print(f"==> building llama-cpp-python {VERSION} (portable recipe {rid}): ~6-8 min on 2 cores, once", flush=True)
    wheels.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="newsqa-llama-") as tmp:
        tmp = Path(tmp)
        source = prepare_source(fetch_sdist(tmp), tmp, rid)
        wheel = build_wheel(source, tmp / "out", wheels / f"build-{rid}.log")
        staging = Path(tempfile.mkdtemp(dir=wheels, prefix=".staging-"))
        shutil.copy2(wheel, staging / wheel.name)
        (staging / "recipe.json").write_text(json.dumps({"id": rid, **recipe()}, indent=1) + "\n")
        try:
            staging.rename(target)  # atomic: a concurrent build that finished first wins
        except OSError:
            shutil.rmtree(staging)
    return next(target.glob("*.whl"))


def ensure_installed(wheels: Path) -> None:
    """Install this recipe's wheel unless the installed llama_cpp already carries its id."""
    rid = recipe_id()
    if installed_id() == rid:
        return
    wheel = ensure_wheel(wheels)
    print(f"==> installing {wheel.name} (recipe {rid})", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--force-reinstall",
                    str(wheel)], check=True)
    if installed_id() != rid:
        raise SystemExit(f"installed llama_cpp does not carry recipe {rid} after installing {wheel}")


def default_wheels_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(os.environ.get("NEWSQA_WHEELS") or Path(cache) / "newsqa" / "wheels")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", type=Path, default=default_wheels_dir(),
                        help="wheel directory [NEWSQA_WHEELS, default ~/.cache/newsqa/wheels]")
    parser.add_argument("--print-id", action="store_true", help="print the recipe id and exit")
    args = parser.parse_args()
    if args.print_id:
        print(recipe_id())
        return
    ensure_installed(args.wheels)


if __name__ == "__main__":
    main()
