"""Answer speed, memory and start-up: `python -m bench.answer`.

End-to-end latency and time until the search is done (the `checking` progress event) for the seed questions with the embedded
models (warm: models loaded, prompt prefix cached), RSS with both models loaded and the rtqa-dev
store open (if one was built by `python -m bench.rtqa`), and the start-up of `newsqa serve` until
`/healthz` answers.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from newsqa import Settings
from newsqa.app import Services
from rag import Progress

from .common import ROOT, RTQA, machine, median, p, rss_mb


def seed_questions() -> list[str]:
    return [json.loads(line)["question"] for line in open(ROOT / "seeds" / "questions.jsonl")]


def latency(services: Services, questions: list[str]) -> tuple[list[float], list[float]]:
    totals, searched = [], []
    for question in questions:
        started = time.perf_counter()
        for event in services.qa.steps(question):
            if isinstance(event, Progress) and event.stage == "checking":
                searched.append(time.perf_counter() - started)
        totals.append(time.perf_counter() - started)
    return totals, searched


def startup(home: Path) -> float:
    """Seconds from `newsqa serve` to a healthy /healthz, in a new home (the models, kept once per user, are
    already exported: this run has used them)."""
    env = {**os.environ, "NEWSQA_HOME": str(home)}
    subprocess.run([str(Path(sys.executable).parent / "newsqa"), "ingest", str(ROOT / "seeds")], env=env,
                   capture_output=True, check=False)
    port = 7900
    started = time.perf_counter()
    process = subprocess.Popen([str(Path(sys.executable).parent / "newsqa"), "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                return time.perf_counter() - started
            except OSError:
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    print(f"machine: {machine()}")
    home = ROOT / ".newsqa"  # where `python -m bench.rtqa` keeps the rtqa-dev store
    base = Services(Settings(home=home))
    seeds = base.for_collection("bench-seeds")
    seeds.ingestor.ingest_paths([ROOT / "seeds"])
    seeds.warm_up()
    questions = seed_questions()
    totals, searched = latency(seeds, questions)
    print(f"seed questions ({len(questions)}): end-to-end p50 {median(totals):.2f} s p95 {p(totals, 95):.2f} s; "
          f"search done (the 'checking' progress event) p50 {median(searched):.2f} s p95 {p(searched, 95):.2f} s")
    names = [c.name[: -len("_chunks")] for c in base.client.list_collections()
             if c.name.startswith("eval-") and c.name.endswith("_chunks")]
    stores = [base.for_collection(n) for n in names]
    rtqa = max(stores, key=lambda s: s.store.counts()[1], default=None)
    if rtqa is not None:
        for line in open(RTQA / "questions.jsonl"):
            rtqa.qa.ask(json.loads(line)["question"])
        print(f"RSS with both models loaded, the rtqa-dev store open ({rtqa.store.counts()[1]} chunks) and its "
              f"60 questions answered: {rss_mb():.0f} MB")
    else:
        print(f"RSS with both models loaded (no rtqa-dev store: run python -m bench.rtqa first): {rss_mb():.0f} MB")
    base.__dict__.pop("lock").release()
    seconds = startup(Path(tempfile.mkdtemp(prefix="newsqa-bench-startup-")))
    print(f"start-up of `newsqa serve` (models cached, seeds ingested) until /healthz answers: {seconds:.1f} s")


if __name__ == "__main__":
    main()
