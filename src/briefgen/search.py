"""Render-site stage, search: a static, chunked Pagefind index of the brief pages.

Pagefind (https://pagefind.app, installed from PyPI with its binary) reads the built HTML and
writes `pagefind/` into the site: a small entry file, then index chunks, page fragments and a
WebAssembly search engine that the browser fetches on demand, so a search on a 10,000-brief
site loads a few small files instead of one large JSON index. Only the element marked
`data-pagefind-body` (the brief's article) is indexed; listing pages are not.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

BUNDLE = "pagefind"
"""The folder Pagefind writes into the site (`pagefind/pagefind.js` and its chunks)."""

BRIEF_PAGES = "[0-9][0-9][0-9][0-9]/[0-9][0-9]/**/*.html"
"""The brief pages of a built site, as a Pagefind glob: the pages the search indexes."""

# Pagefind's own UIs and highlighter: the site has its own search page, so these go.
_UNUSED = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-highlight.js",
)
# Languages Pagefind's extended build segments into words (they do not separate words with
# spaces); the browser segments queries the same way with Intl.Segmenter.
_SEGMENTED = ("zh", "ja")


class SearchIndexError(Exception):
    """The search index could not be built; the message is one line saying what to do."""


@dataclass(frozen=True)
class IndexStats:
    """What one indexing run produced."""

    language: str
    seconds: float
    files: int
    bytes: int


def index_language(languages: Iterable[str | None], site_language: str) -> str:
    """The one language the whole index is built in.

    One index serves every reader: Pagefind would otherwise split the site by page language and
    an English search page would never find a Chinese brief. When any brief is Chinese or
    Japanese the index is built in that language, so Pagefind segments CJK text into words
    (English words are still split at spaces, without stemming); otherwise in the site's own
    language, with its stemming.
    """
    primaries = {(lang or "").split("-")[0].lower() for lang in languages}
    for segmented in _SEGMENTED:
        if segmented in primaries:
            return segmented
    return (site_language or "en").split("-")[0].lower()


def pagefind_command() -> list[str]:
    """The Pagefind binary: the PyPI package's (extended build first), else one on PATH."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        executable = None
    else:
        executable = get_executable()
    if executable is not None:
        return [str(executable)]
    found = shutil.which("pagefind_extended") or shutil.which("pagefind")
    if found is None:
        raise SearchIndexError(
            "search: the Pagefind binary is not installed; reinstall briefgen "
            "(pip install -e .) or set 'search: false' under the briefgen plugin in mkdocs.yml"
        )
    return [found]


def build_index(site_dir: Path, language: str) -> IndexStats:
    """Index `site_dir` with Pagefind into `site_dir/pagefind/`, replacing an older index.

    Pagefind's output depends only on the HTML it reads (file names are content hashes), so
    two builds of the same site give the same bytes.
    """
    started = time.perf_counter()
    bundle = site_dir / BUNDLE
    shutil.rmtree(bundle, ignore_errors=True)
    command = [
        *pagefind_command(),
        "--site",
        str(site_dir.resolve()),
        # Only brief pages (`YYYY/MM/<slug>/`) carry `data-pagefind-body`: reading only them
        # gives the same index in half the time (Pagefind parses every page it is given).
        "--glob",
        BRIEF_PAGES,
        "--output-subdir",
        BUNDLE,
        "--force-language",
        language,
        "--quiet",
    ]
    # No pagefind.yml from the working folder and no PAGEFIND_* variables: same input, same index.
    environment = {k: v for k, v in os.environ.items() if not k.upper().startswith("PAGEFIND_")}
    with tempfile.TemporaryDirectory(prefix="briefgen-pagefind-") as scratch:
        result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            command,
            cwd=scratch,
            env=environment,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
    if result.returncode != 0 or not (bundle / "pagefind.js").is_file():
        output = (result.stderr or result.stdout).strip().splitlines()
        detail = output[-1].strip() if output else f"exit status {result.returncode}"
        raise SearchIndexError(f"search: Pagefind could not index {site_dir}: {detail}")
    for name in _UNUSED:
        (bundle / name).unlink(missing_ok=True)
    files = [path for path in bundle.rglob("*") if path.is_file()]
    return IndexStats(
        language=language,
        seconds=time.perf_counter() - started,
        files=len(files),
        bytes=sum(path.stat().st_size for path in files),
    )
