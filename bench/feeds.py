"""Feed refresh time: `python -m bench.feeds [--items 100]` with the embedded embedder.

Serves a feed of N story pages on loopback, then times the first refresh (fetch N pages, ingest)
and a second one with nothing changed (the feed is fetched again; its items are not).
"""

import argparse
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from newsqa import Settings
from newsqa.app import Services

from .common import machine


def serve(items: int) -> tuple[ThreadingHTTPServer, str]:
    pages = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path.split("?")[0])
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml" if self.path.endswith(".xml") else "text/html")
            self.end_headers()
            self.wfile.write((body or "not found").encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    entries = []
    for i in range(items):
        text = " ".join(f"Paragraph {j} of story {i}: the council of district {i} met on day {j} and voted {j + i} "
                        f"to {i} on the budget." for j in range(12))
        pages[f"/s{i}"] = (f"<html><head><title>Story {i}</title><meta property='article:published_time' "
                           f"content='2026-04-01'></head><body><article><h1>Story {i}</h1><p>{text}</p></article></body></html>")
        entries.append(f"<item><title>Story {i}</title><link>{base}/s{i}</link></item>")
    pages["/feed.xml"] = f"<?xml version='1.0'?><rss version='2.0'><channel><title>Bench</title>{''.join(entries)}</channel></rss>"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, base


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100)
    args = parser.parse_args()
    server, base = serve(args.items)
    services = Services(Settings(home=Path(tempfile.mkdtemp(prefix="newsqa-bench-feeds-")), allow_private_urls=True,
                                 fetch_interval=0.0))
    services.embeddings.embed_query("warm up")
    services.feeds.add(base + "/feed.xml")
    started = time.perf_counter()
    [first] = services.feeds.refresh()
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    [second] = services.feeds.refresh()
    second_s = time.perf_counter() - started
    print(f"machine: {machine()}")
    print(f"{args.items}-item feed, first refresh: {first_s:.1f} s ({first.added} new, "
          f"{services.store.counts()[1]} chunks, errors {len(first.errors)})")
    print(f"second refresh, nothing changed: {second_s:.2f} s ({second.unchanged} unchanged)")
    server.shutdown()


if __name__ == "__main__":
    main()
