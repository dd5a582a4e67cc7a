"""Feeds and URLs against sites served on loopback: new, updated, removed and malformed items,
errors, slow and huge responses, re-published copies, SSRF protection."""

import json
import os
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from ingest.feeds import article_from_url
from ingest.web import Fetcher, FetchError, canonical_url
from rag import QA
from ui.cli import cli

from .conftest import ROOT, fake_llm


class Site:
    """A tiny web site whose pages and feed the test changes between refreshes."""

    def __init__(self):
        self.pages: dict[str, tuple[int, dict, bytes | object]] = {}
        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.handle_error = lambda request, address: None  # clients that hang up early are expected
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def page(self, path: str, body, status: int = 200, content_type: str = "text/html; charset=utf-8", **headers):
        self.pages[path] = (status, {"Content-Type": content_type, **headers}, body)

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.requests.append(self.path)
                status, headers, body = site.pages.get(self.path, (404, {}, b"not found"))
                if callable(body):
                    body = body(self)
                    if body is None:
                        return
                if headers.get("ETag") and self.headers.get("If-None-Match") == headers["ETag"]:
                    self.send_response(304)
                    self.end_headers()
                    return
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler

    def close(self):
        self.server.shutdown()


def story(title: str, text: str, published: str = "2026-04-01", author: str = "Ana Ruiz") -> str:
    return f"""<html><head><title>{title} | Daily</title><meta property="og:title" content="{title}">
    <meta property="article:published_time" content="{published}T09:00:00Z"><meta name="author" content="{author}">
    </head><body><nav>Home · World</nav><article><h1>{title}</h1><p>{text}</p></article>
    <script>track()</script></body></html>"""


def rss(site: Site, items: list[tuple[str, str, str]]) -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>{site.url}{path}?utm_source=rss</link><pubDate>{date}</pubDate>"
        f"<description>{title}</description></item>" for path, title, date in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Daily news</title>{entries}</channel></rss>'


DAY1 = formatdate(1775030400, usegmt=True)  # 2026-04-01
DAY2 = formatdate(1775116800, usegmt=True)  # 2026-04-02


@pytest.fixture
def site():
    site = Site()
    yield site
    site.close()


@pytest.fixture
def services(make_services):
    services = make_services(" unknown")
    services.__dict__["fetcher"] = Fetcher(allow_private=True, timeout=1.0, per_host_interval=0.0)
    return services


def refresh(services, url=None):
    [state] = services.feeds.refresh(url)
    return state


def test_a_feed_that_changes_between_refreshes(site, services):
    site.page("/zebra", story("Zoo welcomes zebra", "The Riverton zoo welcomed a baby zebra named Stripe on Monday."))
    site.page("/budget", story("Council passes budget", "The council passed a budget of $4.2 million on Tuesday."))
    site.page("/feed.xml", rss(site, [("/zebra", "Zoo welcomes zebra", DAY1), ("/budget", "Council passes budget", DAY1)]),
              content_type="application/rss+xml", ETag='"v1"')
    services.feeds.add(site.url + "/feed.xml")

    first = refresh(services)
    assert (first.status, first.added, first.updated, first.errors) == ("ok", 2, 0, [])
    assert first.title == "Daily news"
    zebra = services.store.get(article_from_url(services.fetcher, site.url + "/zebra").id)
    assert zebra.url == site.url + "/zebra" and zebra.published == "2026-04-01" and zebra.title == "Zoo welcomes zebra"

    assert refresh(services).status == "not modified"  # conditional GET: 304

    site.page("/budget", story("Council passes budget", "The council passed a budget of $5.1 million on Wednesday "
                                                        "after a late amendment."))
    site.page("/lantern", story("Lantern festival", "The lantern festival drew 3,400 visitors to the harbor."))
    site.page("/feed.xml", rss(site, [("/budget", "Council passes budget (updated)", DAY2),
                                      ("/lantern", "Lantern festival", DAY2)]),
              content_type="application/rss+xml", ETag='"v2"')
    second = refresh(services)
    assert (second.added, second.updated, second.unchanged) == (1, 1, 0)
    assert services.store.counts()[0] == 3  # the item that left the feed stays in the store
    budget = services.store.get(article_from_url(services.fetcher, site.url + "/budget").id)
    assert budget.updated is not None and budget.first_seen < budget.updated_at

    answer = services.qa.ask("How much was the budget the council passed?")
    assert answer.text.startswith("$5.1 million") and answer.updated == budget.updated

    site.page("/feed.xml", rss(site, [("/budget", "Council passes budget (updated)", DAY2),
                                      ("/lantern", "Lantern festival", DAY2)]) + " ",
              content_type="application/rss+xml", ETag='"v3"')
    fetched = len(site.requests)
    third = refresh(services)
    assert (third.added, third.updated, third.unchanged) == (0, 0, 2)
    assert len(site.requests) == fetched + 1  # only the feed: unchanged items are not fetched again


def test_broken_feeds_and_items_are_reported_and_stop_nothing(site, services):
    site.page("/ok", story("Harbor opens", "The new harbor opened to ships on Friday."))
    site.page("/boom", "server error", status=500)
    site.page("/huge", b"x" * (50 * 1024 * 1024))

    def slow(handler):
        time.sleep(2.5)
        return story("Slow", "Too slow.")

    site.page("/slow", slow)
    site.page("/copy", story("Harbor opens", "The new harbor opened to ships on Friday."))  # re-published
    site.page("/feed.xml", rss(site, [("/boom", "Boom", DAY1), ("/huge", "Huge", DAY1), ("/slow", "Slow", DAY1),
                                      ("/ok", "Harbor opens", DAY1), ("/copy", "Copy", DAY1)]),
              content_type="application/rss+xml")
    site.page("/bad.xml", "<rss><channel><item><title>unclosed", content_type="application/rss+xml")
    site.page("/down.xml", "nope", status=500)
    for path in ("/feed.xml", "/bad.xml", "/down.xml"):
        services.feeds.add(site.url + path)

    states = {s.url.rsplit("/", 1)[1]: s for s in services.feeds.refresh()}
    feed = states["feed.xml"]
    assert feed.status == "ok with errors" and feed.added == 1 and feed.duplicates == 1
    joined = " | ".join(feed.errors)
    assert "HTTP 500" in joined and "over the 5 MB cap" in joined and "timed out" in joined
    assert states["bad.xml"].status == "error" and "malformed feed" in states["bad.xml"].errors[0]
    assert states["down.xml"].status == "error" and "HTTP 500" in states["down.xml"].errors[0]
    assert services.store.counts()[0] == 1


def test_private_addresses_are_refused_unless_allowed(site):
    site.page("/page", story("Hello", "Text."))
    strict = Fetcher(per_host_interval=0.0)
    with pytest.raises(FetchError, match="private or local address.*NEWSQA_ALLOW_PRIVATE_URLS"):
        strict.get(site.url + "/page")
    for url in ("file:///etc/passwd", "ftp://example.com/x", "gopher://x"):
        with pytest.raises(FetchError, match="only http"):
            strict.get(url)
    site.page("/redirect", "", status=302, Location="http://169.254.169.254/latest/meta-data")
    allowed_then_blocked = Fetcher(allow_private=False, per_host_interval=0.0)
    with pytest.raises(FetchError):
        allowed_then_blocked.get(site.url + "/redirect")


def test_redirects_are_checked_at_every_hop(site):
    fetcher = Fetcher(allow_private=True, per_host_interval=0.0)
    site.page("/a", "", status=301, Location="/b")
    site.page("/b", story("B", "Bee."))
    assert fetcher.get(site.url + "/a").url == site.url + "/b"
    site.page("/loop", "", status=302, Location="/loop")
    with pytest.raises(FetchError, match="redirects"):
        fetcher.get(site.url + "/loop")


def test_per_host_pace(site):
    site.page("/p", "ok")
    fetcher = Fetcher(allow_private=True, per_host_interval=0.3)
    started = time.monotonic()
    for _ in range(3):
        fetcher.get(site.url + "/p")
    assert time.monotonic() - started >= 0.6


def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch):
    """DNS rebinding: the host resolves to a public address when checked and to 127.0.0.1 a moment later;
    the request must go to the checked address, with the host name kept for HTTP and TLS."""
    import socket

    import httpx

    answers = iter(["93.184.216.34"] + ["127.0.0.1"] * 10)
    lookups = []

    def resolve(host, port, *args, **kwargs):
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    seen = []

    def handler(request):
        seen.append((request.url.host, request.headers["host"], request.extensions.get("sni_hostname")))
        return httpx.Response(200, text="ok")

    fetcher = Fetcher(per_host_interval=0.0)
    fetcher._http = httpx.Client(transport=httpx.MockTransport(handler))
    response = fetcher.get("https://news.example/story")
    assert seen == [("93.184.216.34", "news.example", "news.example")] and lookups == ["news.example"]
    assert response.url == "https://news.example/story" and response.body == b"ok"


def test_a_slow_host_does_not_hold_up_the_others():
    import threading

    import httpx

    fetcher = Fetcher(allow_private=True, per_host_interval=1.0)
    fetcher._http = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, text="ok")))
    fetcher.get("http://slow.example/1")
    waiting = threading.Thread(target=fetcher.get, args=("http://slow.example/2",))  # waits ~1 s for its turn
    waiting.start()
    time.sleep(0.1)
    started = time.monotonic()
    fetcher.get("http://other.example/1")
    assert time.monotonic() - started < 0.5 and waiting.is_alive()
    waiting.join()


def test_canonical_urls_identify_articles():
    assert canonical_url("https://x.com/a/?utm_medium=rss&b=1#c") == canonical_url("https://X.com/a?b=1")


def test_cli_ingest_url_and_feed_commands(site, services, monkeypatch):
    site.page("/zebra", story("Zoo welcomes zebra", "The Riverton zoo welcomed a baby zebra named Stripe on Monday."))
    site.page("/feed.xml", rss(site, [("/zebra", "Zoo welcomes zebra", DAY1)]), content_type="application/rss+xml")
    runner = CliRunner()

    def run(*args):
        return runner.invoke(cli, list(args), obj=services, catch_exceptions=False)

    page = run("ingest", site.url + "/zebra?utm_source=x")
    assert "added 1" in page.stdout
    missing = run("ingest", site.url + "/nope")
    assert missing.exit_code == 1 and "HTTP 404" in missing.stdout
    added = run("feeds", "add", site.url + "/feed.xml")
    assert "following" in added.stdout and "unchanged 1" in added.stdout  # same article as the page
    listed = run("feeds", "list", "--json")
    assert json.loads(listed.stdout)["status"] == "ok"
    assert run("feeds", "refresh").exit_code == 0
    assert "no longer following" in run("feeds", "remove", site.url + "/feed.xml").stdout
    assert run("feeds", "remove", site.url + "/feed.xml").exit_code == 1


def test_refresh_of_a_100_item_feed(site, services):
    items = []
    for i in range(100):
        site.page(f"/s{i}", story(f"Story {i}", f"Story number {i} reports that {100 + i} people attended event {i}."))
        items.append((f"/s{i}", f"Story {i}", DAY1))
    site.page("/big.xml", rss(site, items), content_type="application/rss+xml")
    services.feeds.add(site.url + "/big.xml")
    started = time.perf_counter()
    state = refresh(services)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = refresh(services)
    second = time.perf_counter() - started
    assert state.added == 100 and again.unchanged == 100
    os.makedirs(os.path.join(ROOT, "test-artifacts"), exist_ok=True)
    with open(os.path.join(ROOT, "test-artifacts", "feed-100.json"), "w") as file:
        json.dump({"items": 100, "first_refresh_s": round(first, 2), "unchanged_refresh_s": round(second, 2),
                   "embedder": "fake"}, file)


def test_follow_a_feed_over_the_api_and_in_the_chat_panel(site, services, settings):
    from fastapi.testclient import TestClient

    from ui.api import create_api
    from ui.chat import _store_panel, follow_feed

    site.page("/zebra", story("Zoo welcomes zebra", "The Riverton zoo welcomed a baby zebra named Stripe on Monday."))
    site.page("/feed.xml", rss(site, [("/zebra", "Zoo welcomes zebra", DAY1)]), content_type="application/rss+xml")
    services.settings = settings.with_(api_token="t")
    http = TestClient(create_api(services))
    assert http.post("/v1/feeds", json={"url": site.url + "/feed.xml"}).status_code == 401
    followed = http.post("/v1/feeds", json={"url": site.url + "/feed.xml"}, headers={"Authorization": "Bearer t"})
    assert followed.json()["added"] == 1
    assert http.get("/v1/feeds").json()["feeds"][0]["title"] == "Daily news"
    assert "Daily news: 0 new" in follow_feed(services, site.url + "/feed.xml")
    panel = _store_panel(services)
    assert "**Feeds**" in panel and "Daily news: ok" in panel and "Zoo welcomes zebra" in panel
    drafting = QA(services.qa.retriever, fake_llm(" Stripe"), services.qa.models)  # as a real LLM would draft
    assert "Stripe" in drafting.ask("What is the name of the baby zebra at the Riverton zoo?").text


def test_a_feed_that_fails_its_first_fetch_is_not_kept_and_the_chat_can_unfollow(site, services):
    from ui.chat import follow_feed, unfollow_feed

    site.page("/down.xml", "nope", status=500)
    message = follow_feed(services, site.url + "/down.xml")
    assert message == f"⚠️ `not following {site.url}/down.xml: HTTP 500`"
    assert services.feeds.all() == []
    site.page("/feed.xml", rss(site, []), content_type="application/rss+xml")
    site.page("/zebra", story("Zoo welcomes zebra", "The Riverton zoo welcomed a baby zebra named Stripe on Monday."))
    site.page("/feed.xml", rss(site, [("/zebra", "Zoo welcomes zebra", DAY1)]), content_type="application/rss+xml")
    assert "1 new" in follow_feed(services, site.url + "/feed.xml")
    site.page("/feed.xml", "gone", status=500)  # a feed already followed stays through a failed refresh
    assert services.feeds.follow(site.url + "/feed.xml").status == "error" and len(services.feeds.all()) == 1
    assert unfollow_feed(services, site.url + "/feed.xml").startswith("No longer following")
    assert services.feeds.all() == [] and services.store.counts()[0] == 1  # its articles stay
    assert unfollow_feed(services, site.url + "/feed.xml").startswith("Not following")
    assert unfollow_feed(services, "http://[::1").startswith("⚠️")  # a malformed address is a message, not a crash
