"""Check: validate every brief file (schema, source, links, grounding) for `briefgen check`."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from briefgen import brief_files, ingest
from briefgen.config import Project
from briefgen.errors import BriefFileError, IngestError
from briefgen.models import Brief

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def run(project: Project) -> list[str]:
    """One line per problem, each naming the brief file."""
    problems: list[str] = []
    for path, relative in brief_files.iter_paths(project.docs_dir):
        try:
            brief = brief_files.load(path, relative)
        except BriefFileError as error:
            problems.append(error.message)
            continue
        problems += [f"{relative}: {problem}" for problem in check_brief(project, brief)]
    return problems


def check_brief(project: Project, brief: Brief) -> list[str]:
    """Problems with one brief. Grounding is checked only for unedited briefs."""
    problems = []
    if not brief.summary:
        problems.append("the summary is empty")
    if not 1 <= len(brief.takeaways) <= 5:
        problems.append(f"has {len(brief.takeaways)} key takeaways; a brief needs 1 to 5")
    if brief.source.url and not is_web_url(brief.source.url):
        problems.append(f"source url {brief.source.url!r} is not an http(s) URL")
    if brief.edited or not brief.source.file:
        return problems
    source = project.root / brief.source.file
    if not source.is_file():
        return [*problems, f"source file {brief.source.file} is missing"]
    try:
        article = ingest.read_article(source, brief.source.file)
    except IngestError as error:
        return [*problems, f"source cannot be read: {error.message}"]
    parts = [article.title, article.text, article.publisher_why or "", *article.publisher_takeaways]
    return problems + ungrounded(brief, _normalise(" ".join(parts)))


def ungrounded(brief: Brief, article_text: str) -> list[str]:
    """Sentences, numbers and names of a generated brief that do not occur in its article."""
    problems = []
    fields = [("summary", brief.summary), ("why it matters", brief.why_it_matters)]
    fields += [(f"takeaway {i}", item) for i, item in enumerate(brief.takeaways, 1)]
    for name, text in fields:
        for number in _NUMBER.findall(text):
            if number not in article_text:
                problems.append(f"{name}: the number {number} is not in the article")
        # A reporting clause may have been trimmed and the rest capitalised: compare the tail.
        probe = _normalise(text)[1:]
        if probe and probe not in article_text:
            problems.append(f"{name} is not a sentence of the article: {text[:60]!r}")
    return problems


def _normalise(text: str) -> str:
    return " ".join(text.split())


def is_web_url(url: str) -> bool:
    """http(s) with a host and no whitespace or control characters (EMAIL.md X5)."""
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
