"""The service under restarts and load: real `newsqa serve` and `chroma run` processes on loopback."""

import json
import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ui.client import NewsQAClient

from .conftest import ROOT
from .servers import chroma_server, free_port, newsqa_server

pytestmark = [pytest.mark.e2e, pytest.mark.server, pytest.mark.robust]
ARTIFACTS = os.path.join(ROOT, "test-artifacts")
RESTARTS = 5


PLACES = ["Riverton", "Lakeside", "Hillcrest", "Brookfield", "Fairhaven", "Oakridge", "Pinecrest", "Stonebridge",
          "Maplewood", "Clearwater", "Westport", "Eastwick", "Northgate", "Southend", "Redcliff", "Bluewater",
          "Greenfield", "Silverton", "Goldcoast", "Ironwood", "Ashford", "Briarwood", "Cedarville", "Dunmore",
          "Elmhurst", "Foxborough", "Glenwood", "Hawthorne", "Ivydale", "Juniper"]
FESTIVALS = ["jazz", "kite", "cheese", "lantern", "film", "chili", "book", "garlic", "balloon", "pumpkin"]


def records(n: int, offset: int = 0) -> list[dict]:
    """Articles that differ in words, not only in numbers: each place has its own festival."""
    return [{"id": f"town-{i}", "title": f"{PLACES[i]} {FESTIVALS[i % 10]} festival", "published": "2026-04-01",
             "text": f"The {FESTIVALS[i % 10]} festival in {PLACES[i]} drew {1000 + i} visitors on Saturday, "
                     f"organisers said. {PLACES[i]} plans a second festival next year."}
            for i in range(offset, offset + n)]


def report(name: str, data: dict) -> None:
    os.makedirs(ARTIFACTS, exist_ok=True)
    with open(os.path.join(ARTIFACTS, f"{name}.json"), "w") as file:
        json.dump(data, file, indent=1)
    print(f"\n{name}: {json.dumps(data)}")


def ask_ok(client: NewsQAClient, i: int) -> bool:
    """Ask about article i: the answer must be a cited visitor count; True when it is article i's own.

    (Thirty articles written from one template differ only in place and number, which the 270M
    model sometimes mixes up; what is asserted here is that the service answers, grounded.)
    """
    answer = client.ask(f"How many visitors did the {FESTIVALS[i % 10]} festival in {PLACES[i]} draw?")
    assert not answer.abstained and answer.citations, answer
    number = answer.text.split()[0]
    assert number.isdigit() and 1000 <= int(number) < 1100 and number in answer.citations[0].quote
    return number == str(1000 + i)


def test_servers_survive_restarts(tmp_path):
    """Kill and restart the Chroma server and the newsqa server 5 times; every query still answers."""
    chroma_port, data = free_port(), tmp_path / "chroma-data"
    env = {"NEWSQA_CHROMA_URL": f"http://127.0.0.1:{chroma_port}", "NEWSQA_API_TOKEN": "t"}
    with chroma_server(data, port=chroma_port), newsqa_server(tmp_path / "n0" / "home", env) as url:
        assert NewsQAClient(url, token="t").add_articles(records(30))["added"] == 30
    answered, right = 0, 0
    for restart in range(1, RESTARTS + 1):
        with chroma_server(data, port=chroma_port), newsqa_server(tmp_path / f"n{restart}" / "home", env) as url:
            client = NewsQAClient(url)
            assert client.health()["store"]["articles"] == 30
            for i in (restart, 10 + restart):
                right += ask_ok(client, i)
                answered += 1
    local = tmp_path / "local" / "home"
    for restart in range(RESTARTS + 1):
        with newsqa_server(local, {"NEWSQA_API_TOKEN": "t"}) as url:
            client = NewsQAClient(url, token="t")
            if restart == 0:
                client.add_articles(records(30))
            assert client.health()["store"]["articles"] == 30
            right += ask_ok(client, restart)
            answered += 1
    report("restarts", {"chroma_and_newsqa_restarts": RESTARTS, "local_store_restarts": RESTARTS,
                        "questions_answered": answered, "failed": 0, "own_article_number": right})


def test_load_while_ingesting(tmp_path):
    """8 clients ask while another client ingests: no 5xx, no article lost, latency reported."""
    clients, per_client, new_articles = 8, 10, 20  # bench/load.py runs 8 x 50
    with newsqa_server(tmp_path / "home", {"NEWSQA_API_TOKEN": "t"}) as url:
        NewsQAClient(url, token="t").add_articles(records(10))
        latencies, failures, right, lock = [], [], [], threading.Lock()

        def worker(c: int) -> None:
            client = NewsQAClient(url)
            for r in range(per_client):
                started = time.perf_counter()
                try:
                    own = ask_ok(client, (c + r) % 10)
                    with lock:
                        right.append(own)
                except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
                    with lock:
                        failures.append(repr(exc))
                with lock:
                    latencies.append(time.perf_counter() - started)

        def ingest() -> None:
            writer = NewsQAClient(url, token="t")
            for i in range(10, 10 + new_articles):
                writer.add_articles(records(1, offset=i % len(PLACES)) if i < len(PLACES) else
                                    [{**records(1, offset=i % len(PLACES))[0], "id": f"extra-{i}"}])

        started = time.perf_counter()
        with ThreadPoolExecutor(clients + 1) as pool:
            futures = [pool.submit(worker, c) for c in range(clients)] + [pool.submit(ingest)]
            for future in futures:
                future.result()
        wall = time.perf_counter() - started
        total = NewsQAClient(url).articles(limit=500)["total"]
    ordered = sorted(latencies)
    report("load", {"clients": clients, "requests": len(latencies), "failed": len(failures),
                    "articles_expected": 10 + new_articles, "articles_found": total, "wall_s": round(wall, 1),
                    "p50_s": round(statistics.median(ordered), 3), "p95_s": round(ordered[int(0.95 * len(ordered)) - 1], 3),
                    "own_article_number": sum(right)})
    assert failures == []
    assert total == 10 + new_articles
