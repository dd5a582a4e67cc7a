"""HTTP latency under concurrent clients: `python -m bench.load [--clients 1 4 8] [--requests 20]`.

Starts `newsqa serve` on the seed article (embedded models, loopback), then for each client count
sends a bounded number of `POST /v1/ask` requests per client with the seed questions, and reports
p50/p95 latency, failures, and the time to the first server-sent event (`progress`) of `"stream": true`.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .common import ROOT, machine, median, p

QUESTION = "How many prisoners were recaptured?"


def post(url: str, body: dict) -> tuple[int, bytes]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def first_token(base: str) -> float:
    request = urllib.request.Request(f"{base}/v1/ask", json.dumps({"question": QUESTION, "stream": True}).encode(),
                                     {"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        for line in response:
            if line.startswith(b"data:"):
                seconds = time.perf_counter() - started
                response.read()
                return seconds
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--requests", type=int, default=20, help="requests per client")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="newsqa-bench-load-"))
    env = {**os.environ, "NEWSQA_HOME": str(home)}
    newsqa = str(Path(sys.executable).parent / "newsqa")
    subprocess.run([newsqa, "ingest", str(ROOT / "seeds")], env=env, capture_output=True, check=True)
    server = subprocess.Popen([newsqa, "serve", "--port", "7901"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = "http://127.0.0.1:7901"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        print(f"machine: {machine()}")
        tokens = [first_token(base) for _ in range(10)]
        print(f"time to the first streamed event: p50 {median(tokens):.2f} s p95 {p(tokens, 95):.2f} s")
        for clients in args.clients:
            latencies, statuses, lock = [], [], threading.Lock()

            def client(_):
                for _ in range(args.requests):
                    started = time.perf_counter()
                    status, _body = post(f"{base}/v1/ask", {"question": QUESTION})
                    with lock:
                        latencies.append(time.perf_counter() - started)
                        statuses.append(status)

            started = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(client, range(clients)))
            wall = time.perf_counter() - started
            failed = sum(1 for s in statuses if s >= 500)
            print(f"{clients} clients x {args.requests} requests: p50 {median(latencies):.2f} s, "
                  f"p95 {p(latencies, 95):.2f} s, {len(statuses) / wall:.1f} requests/s, "
                  f"5xx {failed}, 503 {statuses.count(503)}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
