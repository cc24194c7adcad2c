"""Test helpers for web ingest: a local HTTP server of saved pages and feeds; a network guard."""

from __future__ import annotations

import contextlib
import gzip
import ipaddress
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

WEB_DATA = Path(__file__).resolve().parent / "data" / "web"
PAGES = WEB_DATA / "pages"
FEEDS = WEB_DATA / "feeds"
SLOW_SECONDS = 2.0
BIG_BYTES = 300_000
"""Size of /huge and /huge-unsized: over the limit the tests set (100 kB)."""

_FEED_TYPES = {
    "rss.xml": "application/rss+xml",
    "atom.xml": "application/atom+xml",
    "rdf.xml": "application/rdf+xml",
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@dataclass
class LocalWeb:
    """The running server: `url(path)` builds its URLs; `hits` counts requests by path."""

    base: str
    hits: Counter[str] = field(default_factory=Counter)
    user_agents: list[str] = field(default_factory=list)
    not_modified: int = 0
    """Responses 304 Not Modified sent (conditional GETs of /etag/ feeds)."""

    def url(self, path: str) -> str:
        return self.base + path


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet tests
        pass

    def do_GET(self) -> None:  # the http.server API
        parts = urlsplit(self.path)
        web = self.server.web
        web.hits[parts.path] += 1
        web.user_agents.append(self.headers.get("User-Agent", ""))
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        route = parts.path.strip("/").split("/")
        handler = getattr(self, "_route_" + route[0].replace("-", "_").replace(".", "_"), None)
        if handler is None:
            self._send(404, b"<html><body>Not found</body></html>")
        else:
            handler(route[1:], query)

    # --- routes -------------------------------------------------------------------------------

    def _route_pages(self, rest: list[str], query: dict[str, str]) -> None:
        path = PAGES / "/".join(rest)
        if not path.is_file():
            self._send(404, b"<html><body>Not found</body></html>")
            return
        charset = query.get("charset")
        kind = "text/html" + (f"; charset={charset}" if charset else "")
        self._send(200, path.read_bytes(), kind)

    def _route_feeds(
        self, rest: list[str], query: dict[str, str], headers: dict[str, str] | None = None
    ) -> None:
        name = rest[0]
        body = (FEEDS / name).read_text(encoding="utf-8").replace("{BASE}", self.server.web.base)
        kind = query.get("type", _FEED_TYPES.get(name, "text/xml"))
        self._send(200, body.encode("utf-8"), kind, headers)

    def _route_etag(self, rest: list[str], query: dict[str, str]) -> None:
        """A feed with an ETag and a Last-Modified date: 304 when the request names either."""
        etag, modified = '"v1"', "Wed, 06 May 2026 08:00:00 GMT"
        if self.headers.get("If-None-Match") == etag or (
            self.headers.get("If-Modified-Since") == modified
            and "If-None-Match" not in self.headers
        ):
            self.server.web.not_modified += 1
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self._route_feeds(rest, {}, {"ETag": etag, "Last-Modified": modified})

    def _route_redirect(self, rest: list[str], query: dict[str, str]) -> None:
        hops = int(rest[0])
        target = query.get("to", "/pages/news_site.html")
        location = f"/redirect/{hops - 1}?to={target}" if hops > 1 else target
        self._redirect(location)

    def _route_loop(self, rest: list[str], query: dict[str, str]) -> None:
        self._redirect("/loop/b" if rest == ["a"] else "/loop/a")

    def _route_to(self, rest: list[str], query: dict[str, str]) -> None:
        targets = {
            "file": "file:///etc/passwd",
            "ftp": "ftp://127.0.0.1/pub/article.html",
            "javascript": "javascript:alert(1)",
        }
        self._redirect(targets[rest[0]])

    def _route_status(self, rest: list[str], query: dict[str, str]) -> None:
        self._send(int(rest[0]), b"<html><body><h1>Error</h1></body></html>")

    def _route_slow(self, rest: list[str], query: dict[str, str]) -> None:
        time.sleep(SLOW_SECONDS)
        self._send(200, (PAGES / "news_site.html").read_bytes())

    def _route_drip(self, rest: list[str], query: dict[str, str]) -> None:
        """Sends a byte at a time: every read is quick, the whole body never ends in time."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        for _ in range(40):
            try:
                self.wfile.write(b"<")
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.05)

    def _route_huge(self, rest: list[str], query: dict[str, str]) -> None:
        self._send(200, b"<html><body>" + b"x" * BIG_BYTES + b"</body></html>")

    def _route_huge_unsized(self, rest: list[str], query: dict[str, str]) -> None:
        """No Content-Length: only counting the bytes as they arrive finds it too large."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        try:
            self.wfile.write(b"<html><body>")
            for _ in range(BIG_BYTES // 1000):
                self.wfile.write(b"y" * 1000)
        except OSError:
            return

    def _route_gzip(self, rest: list[str], query: dict[str, str]) -> None:
        body = gzip.compress((PAGES / "/".join(rest)).read_bytes())
        self._send(200, body, "text/html; charset=utf-8", {"Content-Encoding": "gzip"})

    def _route_gzip_bomb(self, rest: list[str], query: dict[str, str]) -> None:
        body = gzip.compress(b"<html><body>" + b"0" * (20 * BIG_BYTES))
        self._send(200, body, "text/html", {"Content-Encoding": "gzip"})

    def _route_image_png(self, rest: list[str], query: dict[str, str]) -> None:
        self._send(200, PNG, "image/png")

    def _route_octet(self, rest: list[str], query: dict[str, str]) -> None:
        self._send(200, (PAGES / "blog.html").read_bytes(), "application/octet-stream")

    def _route_empty(self, rest: list[str], query: dict[str, str]) -> None:
        self._send(200, b"", "text/html")

    def _route_drop(self, rest: list[str], query: dict[str, str]) -> None:
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def _route_articles(self, rest: list[str], query: dict[str, str]) -> None:
        self._send(404, b"<html><body>Gone</body></html>")

    # --- helpers ------------------------------------------------------------------------------

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(
        self,
        status: int,
        body: bytes,
        kind: str = "text/html",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        # The client may give up (size limit, timeout): expected in these tests.
        with contextlib.suppress(OSError):
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    web: LocalWeb


@contextmanager
def serve() -> Iterator[LocalWeb]:
    """A server on 127.0.0.1 (a free port) in a background thread, for the block's duration."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.web = LocalWeb(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.web
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- the network guard -------------------------------------------------------------------------

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


class ExternalNetworkError(AssertionError):
    """A test tried to reach something other than this machine."""


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def guard_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Fail any connection to a non-loopback address; names other than localhost do not
    resolve (as if DNS failed), so no query leaves the machine either. Returns the list of
    addresses connected to, for assertions. briefgen is let fetch from loopback addresses
    (it refuses them by default), since the local server is all these tests reach."""
    connected: list[object] = []
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise ExternalNetworkError(f"test tried to connect to {address!r}")
        connected.append(address)
        real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and not _is_loopback(name):
            raise socket.gaierror(socket.EAI_NONAME, f"{name}: not resolved in tests")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setenv("BRIEFGEN_ALLOW_PRIVATE_URLS", "1")
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        # A proxy would take the requests elsewhere.
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return connected
