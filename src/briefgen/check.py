"""Check: validate every brief file (schema, source, links, grounding) for `briefgen check`."""

from __future__ import annotations

import logging
import re
from collections import defaultdict

from briefgen import brief_files, ingest, tagging
from briefgen.config import Project
from briefgen.errors import BriefFileError, IngestError
from briefgen.models import Article, Brief
from briefgen.urls import safe_http_url

log = logging.getLogger("briefgen")

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def run(project: Project) -> list[str]:
    """One line per problem, each naming the brief file. Organisations the company registry
    does not know are listed as notes (not problems) so the editor can add them."""
    from briefgen.pipeline import Analysis

    analysis = Analysis.for_project(project)
    problems: list[str] = []
    unknown: dict[str, list[str]] = defaultdict(list)
    for path, relative in brief_files.iter_paths(project.docs_dir):
        try:
            brief = brief_files.load(path, relative)
        except BriefFileError as error:
            problems.append(error.message)
            continue
        article, found = check_brief(project, brief)
        problems += [f"{relative}: {problem}" for problem in found]
        if article is not None:
            tags = tagging.tag(article, analysis.registry, analysis.themes)
            for name in tags.unknown_companies:
                unknown[name].append(relative)
    for name in sorted(unknown, key=str.casefold):
        places = ", ".join(unknown[name][:3]) + (" ..." if len(unknown[name]) > 3 else "")
        log.info("Not in the company registry: %s (in %s)", name, places)
    if unknown:
        log.info("Add them under 'companies:' in mkdocs.yml to tag briefs with them (README.md)")
    return problems


def check_brief(project: Project, brief: Brief) -> tuple[Article | None, list[str]]:
    """The brief's article (when its source can be read) and the problems with the brief.
    Grounding is checked only for unedited briefs."""
    problems = []
    if not brief.summary:
        problems.append("the summary is empty")
    if not 1 <= len(brief.takeaways) <= 5:
        problems.append(f"has {len(brief.takeaways)} key takeaways; a brief needs 1 to 5")
    if brief.source.url and not safe_http_url(brief.source.url):
        problems.append(f"source url {brief.source.url!r} is not an http(s) URL")
    if not brief.source.file:
        return None, problems
    source = project.root / brief.source.file
    if not source.is_file():
        return None, [*problems, f"source file {brief.source.file} is missing"]
    try:
        article = ingest.read_article(source, brief.source.file)
    except IngestError as error:
        return None, [*problems, f"source cannot be read: {error.message}"]
    if brief.edited:
        return article, problems  # the editor's words are theirs: no grounding check
    parts = [article.title, article.text, article.publisher_why or "", *article.publisher_takeaways]
    return article, problems + ungrounded(brief, _normalise(" ".join(parts)))


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
