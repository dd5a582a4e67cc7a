"""Answer latency with two llama.cpp builds, alternated in one run: `python -m bench.llama_build DIR DIR`.

Each DIR holds a `llama_cpp` package (`pip install --no-deps --target DIR WHEEL`), for example pip's
default -march=native build and newsqa's portable one (tools/portable_llama.py). Each round starts one
process per build, which answers every seed question (warm: models loaded, one answer to warm up) and
reports the end-to-end seconds; builds alternate round by round, so drift hits both alike.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .common import ROOT, machine, median, p

ROUNDS = 4


def child(home: str) -> None:
    """In a build's process: the seed questions' latencies (and which CPU backend ran them) as JSON."""
    import time

    from newsqa import Settings
    from newsqa.app import Services
    from rag.llm.native import load_cpu_backend

    from .answer import seed_questions

    services = Services(Settings(home=Path(home)), exclusive=False)
    services.warm_up()
    questions = seed_questions()
    services.qa.ask(questions[0])
    seconds = []
    for question in questions:
        started = time.perf_counter()
        services.qa.ask(question)
        seconds.append(time.perf_counter() - started)
    print(json.dumps({"backend": load_cpu_backend(), "seconds": seconds}))


def run(build: Path, home: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(build), str(ROOT)])}
    done = subprocess.run([sys.executable, "-c", f"from bench.llama_build import child; child({str(home)!r})"],
                          env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(builds: list[str]) -> None:
    if len(builds) < 2:
        raise SystemExit(__doc__.splitlines()[0])
    print(f"machine: {machine()}")
    home = Path(tempfile.mkdtemp(prefix="newsqa-bench-llama-"))
    subprocess.run([str(Path(sys.executable).parent / "newsqa"), "--home", str(home), "ingest", str(ROOT / "seeds")],
                   check=True, capture_output=True)
    seconds = {build: [] for build in builds}
    backend = {}
    for _ in range(ROUNDS):
        for build in builds:
            found = run(Path(build), home)
            seconds[build] += found["seconds"]
            backend[build] = found["backend"]
    base = median(seconds[builds[0]])
    for build in builds:
        values = seconds[build]
        print(f"{build} (CPU backend {backend[build]}): {len(values)} answers, p50 {median(values):.3f} s, "
              f"p95 {p(values, 95):.3f} s, p50 {median(values) / base - 1:+.1%} vs the first")


if __name__ == "__main__":
    main(sys.argv[1:])
