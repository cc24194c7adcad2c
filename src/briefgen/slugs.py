"""Stable ASCII slugs for URLs and file names, whatever the script of the name."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_length: int = 60) -> str:
    """Lower-case ASCII words joined by hyphens; names with no Latin letters get a hash slug.

    `slugify("SAIC-BMW")` is `"saic-bmw"`; `slugify("比亚迪")` is `"x-"` plus 8 hex digits, so
    the URL is stable and ASCII even when the name has no Latin transcription.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NON_WORD.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    if not slug or not re.search(r"[a-z]", slug):
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
        slug = f"{slug}-{digest}" if slug else f"x-{digest}"
    return slug
