"""Link safety: the one gate for URLs taken from articles, shared by the site, feeds and email."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit


def safe_http_url(url: str | None) -> str | None:
    """The URL when it is http(s) with a host and no whitespace, control or format characters,
    else None (EMAIL.md X5). Autoescaping does not stop `javascript:` in an `href`, so every
    link taken from an article passes here."""
    if not url or any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
        host = parts.hostname
    except ValueError:  # e.g. a malformed IPv6 literal: not a link we can vouch for
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or not host:
        return None
    return url
