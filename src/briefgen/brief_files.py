"""Brief files: the only code that knows the on-disk brief format (front matter + Markdown body)."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from briefgen.atomic_files import atomic_write
from briefgen.errors import BriefFileError
from briefgen.models import Brief, Generated, Source
from briefgen.slugs import slugify

WHY_HEADING = "Why it matters"
TAKEAWAYS_HEADING = "Key takeaways"
_HASH_PLACEHOLDER = "0" * 64
_HASH_LINE = re.compile(r"^(generated:.*\bhash: *'?)([0-9a-f]{64})", re.MULTILINE)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^##[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_BULLET = re.compile(r"^[-*+][ \t]+")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}])")
_ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
_LINE_START_SPECIAL = re.compile(r"^([#>+\-]|\d+(?=[.)]))")
# Characters Markdown (or its extensions) act on at the start of a line but that cannot be
# backslash-escaped: write them as numeric character references.
_LINE_START_ENTITY = {"=": "&#61;", "|": "&#124;", "~": "&#126;", ":": "&#58;", "!": "&#33;"}
# "Update: ..." on the first line of a page is MultiMarkdown meta-data to MkDocs, which drops
# the line from the page (mkdocs.utils.meta.META_RE): its colon becomes a reference too.
_META_KEY = re.compile(r"^([A-Za-z0-9_-]+):")
# libyaml's safe loader and dumper are several times faster than the pure-Python ones, which
# dominated builds of thousands of briefs; both produce the same documents.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def escape_markdown(text: str) -> str:
    """Escape plain text so Markdown renders it as the same text: no markup can come from it.

    Newlines become spaces (a field is one paragraph), `<` and `&` become character
    references (no raw HTML, autolinks or `--8<--` includes), and the characters that make
    emphasis, code, links, attribute lists and line-start blocks are backslash-escaped (or
    written as references, like the colon of a leading "Key:" that MkDocs takes for meta-data).
    """
    text = " ".join(text.split())
    text = _ENTITY_LIKE.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _META_KEY.sub(r"\1&#58;", text, count=1)
    if text[:1] in _LINE_START_ENTITY:
        return _LINE_START_ENTITY[text[0]] + text[1:]
    return _LINE_START_SPECIAL.sub(lambda m: _escape_line_start(m.group(1)), text, count=1)


def _escape_line_start(token: str) -> str:
    if token.isdigit():
        return token + "\\"  # "1." → "1\." : the backslash lands before the dot
    return "\\" + token


def unescape_markdown(text: str) -> str:
    """Invert `escape_markdown` (and read hand-written text as near plain text)."""
    text = re.sub(r"(\d)\\([.)])", r"\1\2", text)
    return html.unescape(_UNESCAPE.sub(r"\1", " ".join(text.split())))


def relative_path(brief: Brief, taken: Mapping[str, str] | None = None) -> str:
    """`YYYY/MM/<slug>.md` for a brief; when another brief holds that path, add the id."""
    date = brief.date
    path = f"{date:%Y}/{date:%m}/{slugify(brief.title)}.md"
    if taken is not None and taken.get(path, brief.id) != brief.id:
        path = f"{date:%Y}/{date:%m}/{slugify(brief.title)}-{brief.id}.md"
    return path


def render(brief: Brief) -> str:
    """The full text of a brief file, its `generated.hash` covering everything else in it."""
    by = brief.generated.by if brief.generated else "briefgen"
    meta: dict[str, Any] = {
        "id": brief.id,
        "title": brief.title,
        "published": brief.published,
        "added": brief.added,
        "source": {"name": brief.source.name, "url": brief.source.url, "file": brief.source.file},
        "byline": brief.byline,
        "language": brief.language,
        "companies": list(brief.companies),
        "themes": list(brief.themes),
    }
    if brief.also:  # only when there is one, so earlier briefs keep their bytes
        meta["also"] = [{"name": source.name, "url": source.url} for source in brief.also]
    meta["generated"] = {"by": by, "hash": _HASH_PLACEHOLDER}
    front = yaml.dump(
        meta,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=4096,
    )
    lines = [f"---\n{front}---", escape_markdown(brief.summary), ""]
    why = escape_markdown(brief.why_it_matters)
    if why:
        lines += [f"## {WHY_HEADING}", "", why, ""]
    takeaways = [item for item in map(escape_markdown, brief.takeaways) if item]
    if takeaways:  # blank ones would be empty bullets, and read back as none
        lines += [f"## {TAKEAWAYS_HEADING}", ""]
        lines += [f"- {item}" for item in takeaways]
        lines.append("")
    text = "\n".join(lines)
    digest = _content_hash(text)
    # In the `generated:` line only: a title or URL may hold 64 zeros too.
    return _HASH_LINE.sub(lambda m: m.group(1) + digest, text, count=1)


def _content_hash(text: str) -> str:
    blanked = _HASH_LINE.sub(lambda m: m.group(1) + _HASH_PLACEHOLDER, text, count=1)
    return hashlib.sha256(blanked.encode("utf-8")).hexdigest()


def parse(text: str, path: str) -> Brief:
    """Read a brief file's text; `edited` is set when it no longer matches its hash."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise BriefFileError(path, "no front matter (the file must start with a '---' block)")
    try:
        meta = yaml.load(match.group(1), Loader=_Loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" at line {where.line + 2}" if where is not None else ""
        raise BriefFileError(path, f"front matter is not valid YAML{line}") from None
    if not isinstance(meta, dict):
        raise BriefFileError(path, "front matter must be a mapping of keys to values")
    summary, why, takeaways = _parse_body(text[match.end() :])
    generated = _generated(meta.get("generated"), path)
    source = meta.get("source") or {}
    if not isinstance(source, dict):
        raise BriefFileError(path, "'source' must be a mapping with name, url and file")
    return Brief(
        id=_required_text(meta, "id", path),
        title=_required_text(meta, "title", path),
        summary=summary,
        why_it_matters=why,
        takeaways=takeaways,
        added=_date(meta, "added", path) or dt.date(1970, 1, 1),
        published=_date(meta, "published", path),
        source=Source(
            name=_text(source, "name", path),
            url=_text(source, "url", path),
            file=_text(source, "file", path),
        ),
        byline=_text(meta, "byline", path),
        language=_text(meta, "language", path) or "en",
        companies=_names(meta, "companies", path),
        themes=_names(meta, "themes", path),
        also=_also(meta.get("also"), path),
        generated=generated,
        path=path,
        edited=generated is None or generated.hash != _content_hash(text),
    )


def _parse_body(body: str) -> tuple[str, str, tuple[str, ...]]:
    sections: dict[str, str] = {}
    headings = list(_HEADING.finditer(body))
    summary = body[: headings[0].start()] if headings else body
    for i, heading in enumerate(headings):
        end = headings[i + 1].start() if i + 1 < len(headings) else len(body)
        sections[heading.group(1).strip().lower()] = body[heading.end() : end]
    why = unescape_markdown(sections.get(WHY_HEADING.lower(), ""))
    items: list[str] = []
    for line in sections.get(TAKEAWAYS_HEADING.lower(), "").splitlines():
        if _BULLET.match(line):
            items.append(_BULLET.sub("", line))
        elif line.strip() and items:
            items[-1] += " " + line.strip()  # a hand-wrapped bullet continues
    takeaways = tuple(unescape_markdown(item) for item in items)
    return unescape_markdown(summary), why, tuple(t for t in takeaways if t)


def _required_text(meta: Mapping[str, Any], key: str, path: str) -> str:
    value = _text(meta, key, path)
    if not value:
        raise BriefFileError(path, f"'{key}' is missing from the front matter")
    return value


def _text(meta: Mapping[str, Any], key: str, path: str) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, (dt.date, int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise BriefFileError(path, f"'{key}' must be text, got {type(value).__name__}")
    return value


def _date(meta: Mapping[str, Any], key: str, path: str) -> dt.date | None:
    value = meta.get(key)
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise BriefFileError(path, f"'{key}' must be a date as YYYY-MM-DD, got {value!r}") from None


def _names(meta: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    value = meta.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BriefFileError(path, f"'{key}' must be a list of names, got {value!r}")
    return tuple(value)


def _also(value: object, path: str) -> tuple[Source, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise BriefFileError(path, "'also' must be a list of {name, url} mappings")
    return tuple(Source(name=_text(i, "name", path), url=_text(i, "url", path)) for i in value)


def _generated(value: object, path: str) -> Generated | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("hash"), str):
        raise BriefFileError(path, "'generated' must be a mapping with 'by' and 'hash'")
    return Generated(by=str(value.get("by", "")), hash=value["hash"])


def is_brief_path(relative: str) -> bool:
    """Brief files live in `YYYY/MM/` folders; other Markdown in the docs folder is not a brief."""
    return re.fullmatch(r"\d{4}/\d{2}/[^/]+\.md", relative) is not None


def iter_paths(docs_dir: Path) -> Iterator[tuple[Path, str]]:
    """Every brief file under `docs_dir` with its relative path, in a stable order."""
    if not docs_dir.is_dir():
        return
    for path in sorted(docs_dir.glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]/*.md")):
        yield path, path.relative_to(docs_dir).as_posix()


def load(path: Path, relative: str) -> Brief:
    """Read one brief file. Parsed briefs are cached by (path, mtime, size), because a build
    reads every brief in several stages of one process."""
    stat = path.stat()
    key = (str(path), relative, stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise BriefFileError(relative, "is not UTF-8 text") from None
    brief = parse(text, relative)
    if len(_cache) > 100_000:
        _cache.clear()
    _cache[key] = brief
    return brief


_cache: dict[tuple[str, str, int, int], Brief] = {}


def load_all(docs_dir: Path) -> list[Brief]:
    """Every brief in the docs folder (raises on the first broken file)."""
    return [load(path, relative) for path, relative in iter_paths(docs_dir)]


def write(brief: Brief, docs_dir: Path) -> Brief:
    """Write a brief atomically (temporary file, then rename); returns it with its hash."""
    if brief.path is None:
        raise ValueError("brief.path must be set before writing")
    text = render(brief)
    atomic_write(docs_dir / brief.path, text)
    return replace(brief, generated=_generated_of(text, brief), edited=False)


def _generated_of(text: str, brief: Brief) -> Generated:
    match = _HASH_LINE.search(text)
    assert match is not None, "render() always writes a hash"
    return Generated(by=brief.generated.by if brief.generated else "briefgen", hash=match.group(2))
