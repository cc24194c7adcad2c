"""Fetch stage (web ingest): bounded HTTP(S) GETs, charset decoding, a cache of ingested pages."""

from __future__ import annotations

import codecs
import datetime as dt
import http.client
import ipaddress
import json
import os
import re
import socket
import sqlite3
import ssl
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal, TypeVar
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from briefgen import __version__
from briefgen.errors import IngestError
from briefgen.ingest import decode

Accept = Literal["html", "feed", "any"]
"""What a request may return: an HTML page, an RSS/Atom/RDF feed, or either."""
Progress = Callable[[int, int, str], None]
"""Called as `progress(done, total, label)` after each item of a concurrent run."""

T = TypeVar("T")
R = TypeVar("R")

TIMEOUT = 10.0
"""Seconds a connect or a single read may block."""
DEADLINE = 30.0
"""Seconds a whole request (all redirects and the body) may take: a slow drip is cut here."""
MAX_BYTES = 5_000_000
MAX_REDIRECTS = 5
WORKERS = 4
CACHE_FILE = "web-pages.sqlite"
ALLOW_PRIVATE_ENV = "BRIEFGEN_ALLOW_PRIVATE_URLS"
"""Set to 1 to fetch from private, loopback and link-local addresses (your own network)."""

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml"}
    | {"application/xml", "text/xml"}
)
# Served by some sites for anything; the body decides what it is.
_VAGUE_TYPES = frozenset({"", "application/octet-stream", "text/plain", "binary/octet-stream"})
_SCHEMES = ("http", "https")
_CHUNK = 64 * 1024
_SNIFF_BYTES = 4096
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([\w:.-]+)""", re.IGNORECASE)
_HTML_START = re.compile(
    rb"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
_FEED_START = re.compile(rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)\b", re.S)
# Labels browsers treat as wider codecs (WHATWG Encoding): decode with the superset.
_CODEC_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "big5": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
}
# Query parameters that only track the click: dropped so the same page has one cache key.
_TRACKING = re.compile(r"utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref_src|spm|from", re.IGNORECASE)


class FetchError(IngestError):
    """A URL could not be fetched. `kind` names the failure for callers and tests:
    scheme, dns, connect, timeout, tls, http, redirect, type, too-large, empty, broken."""

    def __init__(self, url: str, reason: str, kind: str):
        super().__init__(url, reason)
        self.url = url
        self.reason = reason
        self.kind = kind


@dataclass(frozen=True)
class FetchSettings:
    """Limits of one request. `user_agent` names briefgen and where to reach its operator."""

    timeout: float = TIMEOUT
    deadline: float = DEADLINE
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS
    workers: int = WORKERS
    user_agent: str = f"briefgen/{__version__}"
    allowed_networks: tuple[str, ...] = field(default_factory=lambda: _allowed_from_env())
    """Non-public networks that may be fetched from anyway (CIDR). By default none: a URL, or
    a redirect, to a private, loopback, link-local or reserved address is refused, so a page
    or feed cannot make briefgen request the machines around it. `BRIEFGEN_ALLOW_PRIVATE_URLS=1`
    allows them all."""


def _allowed_from_env() -> tuple[str, ...]:
    if os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in ("1", "true", "yes"):
        return ("0.0.0.0/0", "::/0")
    return ()


def user_agent(site_url: str = "") -> str:
    """`briefgen/<version> (+<site_url>)`: the site tells a webmaster who is fetching."""
    return f"briefgen/{__version__} (+{site_url})" if site_url else f"briefgen/{__version__}"


@dataclass(frozen=True)
class Page:
    """A fetched document, decoded to text."""

    url: str
    """The URL as asked for."""
    final_url: str
    """Where the redirects ended."""
    content_type: str
    """Media type only (no parameters), lower case."""
    text: str
    from_cache: bool = False

    @property
    def is_feed(self) -> bool:
        return bool(_FEED_START.match(self.text[:_SNIFF_BYTES].lstrip("\ufeff").encode()))


# --- URLs --------------------------------------------------------------------------------------


def is_web_url(text: str) -> bool:
    """Whether `text` is an absolute http(s) URL with a host."""
    parts = urlsplit(text.strip())
    return parts.scheme.lower() in _SCHEMES and bool(parts.hostname)


def normalise_url(url: str) -> str:
    """The cache key of a URL: lower-case scheme and host, no default port, no fragment,
    no tracking parameters, remaining query sorted."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(scheme)
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, default) else f"{host}:{port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, True) if not _TRACKING.fullmatch(k))
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))


def _check_scheme(url: str, shown: str, *, hop: bool) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme in _SCHEMES and urlsplit(url).hostname:
        return
    what = f"a redirect to a {scheme or 'relative'}: URL" if hop else f"a {scheme or 'bare'} URL"
    raise FetchError(shown, f"{what} is refused: only http and https are fetched", "scheme")


def _check_address(url: str, shown: str, allowed: Sequence[str]) -> None:
    """Refuse a URL whose host is, or resolves to, a non-public address outside `allowed`."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        addresses = _resolve(host, port)
    except OSError:
        raise FetchError(shown, f"DNS lookup failed for {host}", "dns") from None
    for address in addresses:
        _refuse_private(address, host, shown, allowed)


def _resolve(host: str, port: int) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]  # a literal address: nothing to look up
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _refuse_private(address: str, host: str, shown: str, allowed: Sequence[str]) -> None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.is_global and not ip.is_multicast:
        return
    if any(ip in ipaddress.ip_network(network) for network in allowed):
        return
    where = host if host == address else f"{host} ({address})"
    raise FetchError(
        shown,
        f"refused: {where} is not a public address; set {ALLOW_PRIVATE_ENV}=1 to fetch from "
        "your own network",
        "private",
    )


class _GuardedConnection(http.client.HTTPConnection):
    """Connects only to the addresses the host resolves to now, each checked again: a name
    that resolved to a public address for `_check_address` cannot switch to a private one
    for the connection (DNS rebinding). A configured proxy is connected to as it is."""

    allowed: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = self._connect_checked

    def _connect_checked(
        self,
        address: tuple[str, int],
        timeout: float | None = None,
        source_address: tuple[str, int] | None = None,
    ) -> socket.socket:
        host, port = address
        if host in _proxy_hosts():
            return socket.create_connection(address, timeout, source_address)
        last: OSError | None = None
        for resolved in _resolve(host, port):
            _refuse_private(resolved, host, host, self.allowed)
        for resolved in _resolve(host, port):
            try:
                return socket.create_connection((resolved, port), timeout, source_address)
            except OSError as error:
                last = error
        raise last or OSError(f"cannot connect to {host}")


class _GuardedHTTPSConnection(_GuardedConnection, http.client.HTTPSConnection):
    pass


def _proxy_hosts() -> set[str]:
    return {urlsplit(url).hostname or "" for url in urllib.request.getproxies().values()}


def _guarded_handlers(allowed: tuple[str, ...]) -> list[urllib.request.BaseHandler]:
    def plain(host: str, /, **kwargs: Any) -> http.client.HTTPConnection:
        connection = _GuardedConnection(host, **kwargs)
        connection.allowed = allowed
        return connection

    def secure(host: str, /, **kwargs: Any) -> http.client.HTTPConnection:
        connection = _GuardedHTTPSConnection(host, **kwargs)
        connection.allowed = allowed
        return connection

    class Plain(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(plain, req)

    class Secure(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(secure, req, context=ssl.create_default_context())

    return [Plain(), Secure()]


# --- decoding ----------------------------------------------------------------------------------


def decode_body(body: bytes, charset: str | None = None, *, where: str = "<page>") -> str:
    """Text of an HTML or XML document: the BOM, else the declared charset (HTTP header,
    then `<meta>` or the XML declaration), else UTF-8, GB18030 or Big5 as `ingest.decode` tells,
    else Windows-1252."""
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", "replace")
    for label in (charset, _declared_charset(body)):
        codec = _codec(label)
        if codec is None:
            continue
        try:
            return body.decode(codec)
        except UnicodeDecodeError:
            continue  # a wrong declaration is common: fall through to detection
    try:
        return decode(body, where)
    except IngestError:
        return body.decode("cp1252", "replace")


def _declared_charset(body: bytes) -> str | None:
    head = body[:_SNIFF_BYTES]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _CODEC_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


# --- fetching ----------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects are followed by hand, so every hop's scheme is checked and hops are counted."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> None:
        return None


class Fetcher:
    """Fetches pages and feeds under `settings`; HTML pages already in `cache` are not requested
    again unless `refresh` is true (feeds always are: they are where new items appear)."""

    def __init__(
        self,
        settings: FetchSettings | None = None,
        cache: PageCache | None = None,
        *,
        refresh: bool = False,
    ):
        self.settings = settings or FetchSettings()
        self.cache = cache
        self.refresh = refresh
        self._opener = urllib.request.build_opener(
            _NoRedirects(), *_guarded_handlers(self.settings.allowed_networks)
        )

    def get(self, url: str, accept: Accept = "html") -> Page:
        """The page at `url` (from the cache when allowed); raises FetchError with the reason."""
        if self.cache is not None and not self.refresh and accept != "feed":
            cached = self.cache.get(url)
            if cached is not None:
                return cached
        return self.download(url, accept)

    def remember(self, page: Page, canonical: str | None = None) -> None:
        """Record an ingested page under its requested, final and canonical URLs."""
        if self.cache is None:
            return
        if not page.from_cache:
            self.cache.put(page, canonical)
        elif canonical:
            self.cache.alias(page.final_url, canonical)

    def download(self, url: str, accept: Accept = "html") -> Page:
        """Request `url`, following at most `max_redirects` http(s) redirects. A feed fetched
        before is asked for only if changed (ETag, Last-Modified): on 304 Not Modified it is
        the stored copy, so its items are the ones already read and none is new."""
        _check_scheme(url, url, hop=False)
        deadline = time.monotonic() + self.settings.deadline
        stored = None
        if self.cache is not None and not self.refresh and accept != "html":
            stored = self.cache.feed(url)
        conditional = stored[1] if stored is not None else {}
        current, seen = url, {normalise_url(url)}
        for _ in range(self.settings.max_redirects + 1):
            _check_address(current, url, self.settings.allowed_networks)
            response, location = self._open(url, current, deadline, conditional)
            if response is None and location == "" and stored is not None:
                return stored[0]  # 304 Not Modified
            if response is not None:
                validators = _validators(response.headers)
                page = self._page(url, current, response, accept, deadline)
                if self.cache is not None and page.is_feed:
                    self.cache.put_feed(page, validators)
                return page
            _check_scheme(location, url, hop=True)
            if normalise_url(location) in seen:
                raise FetchError(url, f"redirect loop at {location}", "redirect")
            seen.add(normalise_url(location))
            current = location
        raise FetchError(url, f"more than {self.settings.max_redirects} redirects", "redirect")

    def _open(
        self, url: str, current: str, deadline: float, conditional: dict[str, str]
    ) -> tuple[http.client.HTTPResponse | None, str]:
        """The response to a GET of `current`, or None and where it redirects to ("" for
        304 Not Modified)."""
        # Only http(s) gets here: _check_scheme vets the first URL and every redirect target.
        headers = self._headers() | conditional
        request = urllib.request.Request(current, headers=headers)  # noqa: S310
        timeout = max(0.001, min(self.settings.timeout, deadline - time.monotonic()))
        try:
            response: http.client.HTTPResponse = self._opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            with error:
                if error.code == 304 and conditional:
                    return None, ""
                if 300 <= error.code < 400:
                    return None, _redirect_target(url, current, error.code, error.headers)
            raise FetchError(url, f"HTTP {error.code} {error.reason}".strip(), "http") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            raise _network_error(url, error, self.settings.timeout) from None
        return response, current

    def _headers(self) -> dict[str, str]:
        return {
            "User-Agent": self.settings.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/rss+xml,"
            "application/atom+xml,application/xml;q=0.9,*/*;q=0.5",
            "Accept-Encoding": "gzip",
        }

    def _page(
        self,
        url: str,
        final: str,
        response: http.client.HTTPResponse,
        accept: Accept,
        deadline: float,
    ) -> Page:
        with response:
            media = response.headers.get_content_type() if response.headers["Content-Type"] else ""
            if media not in HTML_TYPES | FEED_TYPES | _VAGUE_TYPES:
                raise _wrong_type(url, media, accept)  # refused before reading the body
            body = _read_body(url, response, self.settings, deadline)
            charset = response.headers.get_content_charset()
        if not body.strip():
            raise FetchError(url, "empty response", "empty")
        kind = _kind(media, body)
        if not (kind == accept or (accept == "any" and kind in ("html", "feed"))):
            raise _wrong_type(url, media, accept)
        return Page(url, final, media, decode_body(body, charset, where=url))


def _validators(headers: Message) -> dict[str, str]:
    """The request headers that ask for a document again only if it changed."""
    found = {
        "If-None-Match": headers.get("ETag"),
        "If-Modified-Since": headers.get("Last-Modified"),
    }
    return {name: value.strip() for name, value in found.items() if value and value.strip()}


def _redirect_target(url: str, current: str, code: int, headers: Message) -> str:
    location = headers.get("Location")
    if not location:
        raise FetchError(url, f"HTTP {code} redirect without a Location", "redirect")
    return urljoin(current, location.strip())


def _network_error(url: str, error: BaseException, timeout: float) -> FetchError:
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, socket.gaierror):
        host = urlsplit(url).hostname
        return FetchError(url, f"DNS lookup failed for {host}", "dns")
    if isinstance(reason, TimeoutError):
        return FetchError(url, f"timed out after {timeout:g} s", "timeout")
    if isinstance(reason, ssl.SSLError | ssl.CertificateError):
        return FetchError(url, f"TLS error: {_one_line(reason)}", "tls")
    if isinstance(reason, ConnectionRefusedError):
        return FetchError(url, "connection refused", "connect")
    if isinstance(reason, http.client.HTTPException | ConnectionError):
        return FetchError(url, f"connection broken: {_one_line(reason)}", "broken")
    return FetchError(url, f"cannot connect: {_one_line(reason)}", "connect")


def _one_line(error: object) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


def _kind(media: str, body: bytes) -> str:
    """ "html", "feed" or "other", from the media type and, when that is vague, the body."""
    head = body[:_SNIFF_BYTES].lstrip(codecs.BOM_UTF8)
    if _FEED_START.match(head):
        return "feed"  # feeds served as text/html or text/plain are common
    if media in HTML_TYPES or _HTML_START.match(head):
        return "html"
    if media in FEED_TYPES and re.search(rb"<html\b", head, re.IGNORECASE):
        return "html"  # XHTML served as XML
    return "other"


def _wrong_type(url: str, media: str, accept: Accept) -> FetchError:
    wanted = {"html": "an HTML page", "feed": "an RSS or Atom feed", "any": "an HTML page or feed"}
    return FetchError(url, f"not {wanted[accept]} ({media or 'no content type'})", "type")


def _read_body(
    url: str, response: http.client.HTTPResponse, settings: FetchSettings, deadline: float
) -> bytes:
    """The body, decompressed, cut off with an error past `max_bytes` or the deadline."""
    limit = settings.max_bytes
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > limit:
        raise _too_large(url, limit)
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding in ("gzip", "x-gzip") else None
    if inflater is None and encoding not in ("identity", ""):
        raise FetchError(url, f"unsupported content encoding {encoding}", "type")
    parts: list[bytes] = []
    size = 0
    while chunk := _read_chunk(url, response, settings, deadline):
        if inflater is not None:
            chunk = _inflate(url, inflater, chunk, limit - size + 1)
        size += len(chunk)
        if size > limit:
            raise _too_large(url, limit)
        parts.append(chunk)
    return b"".join(parts)


def _read_chunk(
    url: str, response: http.client.HTTPResponse, settings: FetchSettings, deadline: float
) -> bytes:
    # read1 returns after one socket read, so a server dripping bytes meets the deadline.
    if time.monotonic() > deadline:
        raise FetchError(url, f"timed out after {settings.deadline:g} s", "timeout")
    try:
        return response.read1(_CHUNK)
    except (OSError, http.client.HTTPException) as error:
        raise _network_error(url, error, settings.timeout) from None


def _inflate(url: str, inflater: zlib._Decompress, chunk: bytes, room: int) -> bytes:
    try:
        data = inflater.decompress(chunk, room)
    except zlib.error:
        raise FetchError(url, "corrupt gzip body", "broken") from None
    if inflater.unconsumed_tail:
        return data + b"\0"  # more output than the room left: over the limit
    return data


def _too_large(url: str, limit: int) -> FetchError:
    size = f"{limit / 1e6:g} MB" if limit >= 1_000_000 else f"{limit / 1e3:g} kB"
    return FetchError(url, f"larger than {size}", "too-large")


# --- concurrency -------------------------------------------------------------------------------


def run_bounded(
    func: Callable[[T], R],
    items: Sequence[T],
    *,
    workers: int = WORKERS,
    progress: Progress | None = None,
    label: Callable[[T], str] = str,
) -> list[R | IngestError]:
    """`func` over `items` on at most `workers` threads; results in input order. An IngestError
    (FetchError included) becomes that item's result, so one bad source never stops the rest."""
    results: list[R | IngestError | None] = [None] * len(items)
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(items)))) as pool:
        futures = {pool.submit(func, item): index for index, item in enumerate(items)}
        for done, future in enumerate(as_completed(futures), start=1):
            index = futures[future]
            try:
                results[index] = future.result()
            except IngestError as error:
                results[index] = error
            if progress is not None:
                progress(done, len(items), label(items[index]))
    return [result for result in results if result is not None]


# --- cache -------------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    key TEXT PRIMARY KEY, url TEXT NOT NULL, final_url TEXT NOT NULL,
    content_type TEXT NOT NULL, body BLOB NOT NULL, stored TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS urls (url TEXT PRIMARY KEY, key TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY, final_url TEXT NOT NULL, content_type TEXT NOT NULL,
    body BLOB NOT NULL, validators TEXT NOT NULL
);
"""


class PageCache:
    """Pages already ingested, keyed by canonical URL and by every URL that led to them, in one
    SQLite file (transactions make each write atomic; threads share it under a lock)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False)
        with self._lock, self._db:
            self._db.executescript(_SCHEMA)

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> PageCache:
        """The project's cache: `<state_dir>/web-pages.sqlite`."""
        return cls(state_dir / CACHE_FILE)

    def get(self, url: str) -> Page | None:
        """The page any of whose URLs normalises like `url`, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT p.url, p.final_url, p.content_type, p.body FROM urls u "
                "JOIN pages p ON p.key = u.key WHERE u.url = ?",
                (normalise_url(url),),
            ).fetchone()
        if row is None:
            return None
        return Page(row[0], row[1], row[2], zlib.decompress(row[3]).decode("utf-8"), True)

    def put(self, page: Page, canonical: str | None = None) -> None:
        """Store `page` under its canonical URL (else its final one) and every URL leading to it."""
        key = normalise_url(canonical or page.final_url)
        body = zlib.compress(page.text.encode("utf-8"))
        stored = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?)",
                (key, page.url, page.final_url, page.content_type, body, stored),
            )
            self._link(key, page.url, page.final_url, key)

    def feed(self, url: str) -> tuple[Page, dict[str, str]] | None:
        """The feed last fetched from `url` and the headers that ask whether it changed."""
        with self._lock:
            row = self._db.execute(
                "SELECT final_url, content_type, body, validators FROM feeds WHERE url = ?",
                (normalise_url(url),),
            ).fetchone()
        if row is None:
            return None
        text = zlib.decompress(row[2]).decode("utf-8")
        return Page(url, row[0], row[1], text, True), json.loads(row[3])

    def put_feed(self, page: Page, validators: dict[str, str]) -> None:
        """Keep a feed with its ETag / Last-Modified; one without them is not kept."""
        with self._lock, self._db:
            if not validators:
                self._db.execute("DELETE FROM feeds WHERE url = ?", (normalise_url(page.url),))
                return
            self._db.execute(
                "INSERT OR REPLACE INTO feeds VALUES (?, ?, ?, ?, ?)",
                (
                    normalise_url(page.url),
                    page.final_url,
                    page.content_type,
                    zlib.compress(page.text.encode("utf-8")),
                    json.dumps(validators, sort_keys=True),
                ),
            )

    def alias(self, known_url: str, other_url: str) -> None:
        """Make `other_url` find the page that `known_url` finds (no-op when none does)."""
        with self._lock, self._db:
            row = self._db.execute(
                "SELECT key FROM urls WHERE url = ?", (normalise_url(known_url),)
            ).fetchone()
            if row is not None:
                self._link(row[0], other_url)

    def __contains__(self, url: object) -> bool:
        if not isinstance(url, str):
            return False
        with self._lock:
            found = self._db.execute(
                "SELECT 1 FROM urls WHERE url = ?", (normalise_url(url),)
            ).fetchone()
        return found is not None

    def pages(self) -> Iterator[Page]:
        """Every cached page, by canonical URL: a build re-extracts them without any request."""
        with self._lock:
            keys = [row[0] for row in self._db.execute("SELECT key FROM pages ORDER BY key")]
        for key in keys:
            page = self.get(key)
            if page is not None:
                yield page

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> PageCache:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _link(self, key: str, *urls: str) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO urls VALUES (?, ?)", [(normalise_url(u), key) for u in urls]
        )
