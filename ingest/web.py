"""Fetching pages and feeds politely and safely: http(s) only, no private addresses (SSRF) and the
connection made to the address that was checked (no DNS rebinding), size caps, timeouts, a per-host
pace that never holds up other hosts, redirects re-checked at every hop, conditional GET."""

import hashlib
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from newsqa.errors import NewsQAError

__all__ = ["FetchError", "Fetcher", "Response", "canonical_url", "url_id"]

MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
_TRACKING = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid")


class FetchError(NewsQAError):
    """A URL could not be fetched (or may not be)."""


@dataclass(frozen=True)
class Response:
    """What a fetch returned (status 304 has no body)."""

    url: str
    status: int
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None


def canonical_url(url: str) -> str:
    """The URL that identifies an article: lower-case host, no fragment, no tracking parameters.

    >>> canonical_url("HTTPS://News.Example.com/a/b/?utm_source=x&id=3#top")
    'https://news.example.com/a/b?id=3'
    """
    parts = urlsplit(url.strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not k.lower().startswith(_TRACKING)])
    path = parts.path.rstrip("/") or "/"
    netloc = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme.lower(), netloc.lower(), path, query, ""))


def url_id(url: str) -> str:
    """The id of an article known by its URL: a hash of the canonical URL, so a feed item, a fetched page
    and a JSONL record with only a `url` get the same id for the same story.

    >>> url_id("https://News.example.com/a/?utm_source=x") == url_id("https://news.example.com/a")
    True
    """
    return hashlib.sha256(canonical_url(url).encode()).hexdigest()[:16]


class Fetcher:
    """GET with the safety rules; `allow_private` is for tests and intranets (NEWSQA_ALLOW_PRIVATE_URLS)."""

    def __init__(self, *, allow_private: bool = False, timeout: float = 10.0, max_bytes: int = MAX_BYTES,
                 per_host_interval: float = 1.0, user_agent: str = "newsqa/0.1 (+https://github.com/newsqa)"):
        self.allow_private = allow_private
        self.max_bytes = max_bytes
        self.per_host_interval = per_host_interval
        self._http = httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False,
                                  headers={"User-Agent": user_agent})
        self._last: dict[str, float] = {}
        self._pace = threading.Lock()

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Response:
        """Fetch a URL (following safe redirects); FetchError with the reason on any failure."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for _ in range(MAX_REDIRECTS + 1):
            address = self._check(url)
            self._wait_turn(urlsplit(url).hostname or "")
            target, pinned, extensions = _pinned(url, address)
            try:
                with self._http.stream("GET", target, headers={**headers, **pinned}, extensions=extensions) as response:
                    if response.status_code in (301, 302, 303, 307, 308) and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    body = b"" if response.status_code == 304 else self._read(response)
            except httpx.TimeoutException as exc:
                raise FetchError(f"{url}: timed out") from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
            if response.status_code >= 400:
                raise FetchError(f"{url}: HTTP {response.status_code}")
            return Response(url, response.status_code, body, response.headers.get("content-type", ""),
                            response.headers.get("etag"), response.headers.get("last-modified"))
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _read(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(f"{response.url}: {int(declared) // 2**20} MB is over the {self.max_bytes // 2**20} MB cap")
        body = bytearray()
        for piece in response.iter_bytes():
            body += piece
            if len(body) > self.max_bytes:
                raise FetchError(f"{response.url}: body over the {self.max_bytes // 2**20} MB cap")
        return bytes(body)

    def _check(self, url: str) -> str | None:
        """The address to connect to, once every address the host resolves to is public (None when
        private addresses are allowed: then the HTTP client resolves by itself)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"{url}: only http(s) URLs can be fetched")
        if self.allow_private:
            return None
        try:
            addresses = [info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 80)]
        except socket.gaierror as exc:
            raise FetchError(f"{url}: cannot resolve {parts.hostname} ({exc})") from exc
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not ip.is_global or ip.is_multicast:
                raise FetchError(f"{url}: {parts.hostname} is a private or local address ({ip}); "
                                 "set NEWSQA_ALLOW_PRIVATE_URLS=1 to allow it")
        return addresses[0].split("%")[0]

    def _wait_turn(self, host: str) -> None:
        """Wait for this host's next slot; the lock only books the slot, so other hosts never wait."""
        with self._pace:
            now = time.monotonic()
            slot = max(now, self._last.get(host, float("-inf")) + self.per_host_interval)
            self._last[host] = slot
        if slot > now:
            time.sleep(slot - now)

    def close(self) -> None:
        self._http.close()


def _pinned(url: str, address: str | None) -> tuple[str, dict, dict]:
    """The request for `url` sent to the `address` that was checked, not to whatever a second DNS lookup
    returns (DNS rebinding): the URL names the address, the Host header and TLS (SNI and certificate
    check) keep the host name.

    >>> _pinned("https://news.example:8443/a?b=1", "93.184.216.34")
    ('https://93.184.216.34:8443/a?b=1', {'Host': 'news.example:8443'}, {'sni_hostname': 'news.example'})
    """
    if address is None:
        return url, {}, {}
    parts = urlsplit(url)
    host = f"[{address}]" if ":" in address else address
    netloc = f"{host}:{parts.port}" if parts.port else host
    target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    name = parts.hostname or ""
    bracketed = f"[{name}]" if ":" in name else name  # an IPv6 literal host
    shown = f"{bracketed}:{parts.port}" if parts.port else bracketed
    return target, {"Host": shown}, ({"sni_hostname": name} if parts.scheme == "https" else {})
