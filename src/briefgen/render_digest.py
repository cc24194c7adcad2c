"""Render digest stage: an issue becomes the email (HTML and plain text), web copy and preview."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import functools
import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from briefgen.atomic_files import atomic_write
from briefgen.config import Project
from briefgen.errors import ConfigError, EmptyIssueError
from briefgen.models import Brief, Issue
from briefgen.urls import safe_http_url

HTML_TEMPLATE = "digest.html.j2"
TEXT_TEMPLATE = "digest.txt.j2"
CSS_FILE = "digest.css"
"""Rules inlined into `style` attributes. @media rules live in the template's own `<style>`."""

MAX_HTML_BYTES = 90_000
"""Gmail clips the HTML part at about 102 KB; stay well under it (E6)."""

TOKEN_BYTES = 18
"""Unsubscribe tokens are 18 bytes of HMAC: 24 URL-safe base64 characters."""
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
TEXT_WIDTH = 78
SUBJECT_TITLE_CHARS = 90
PREHEADER_MIN, PREHEADER_MAX = 40, 130
MAX_TAKEAWAYS = 3
MAX_TOC = 8
""""In this issue" lists at most this many headlines; a longer list stops being a summary."""
TOC_MIN_STORIES = 4

# The one policy for digest mail: CRLF, 78-column folding, and 7-bit bodies so that any relay
# accepts it unchanged (M8).
MAIL_POLICY = policy.SMTP.clone(cte_type="7bit")

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_WS = re.compile(r"\s+")
# Characters that never belong in a rendered brief: controls (html5lib rejects most), lone
# surrogates, noncharacters, and bidi overrides that could disguise a link or a headline.
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LIST_ID = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


@dataclass(frozen=True)
class DigestSettings:
    """Everything the digest needs besides the issue: sender, links, footer and templates."""

    brand: str
    site_url: str
    """Absolute https URL of the site, ending in "/"."""
    from_address: str
    reply_to: str | None
    list_id: str
    """RFC 2919 list identifier such as `briefs.example.com`."""
    postal_address: str
    unsubscribe_url: str | None
    """HTTPS one-click endpoint; `{token}` is replaced by the subscriber's token."""
    unsubscribe_mailto: str
    max_full_briefs: int
    theme_titles: Mapping[str, str]
    templates_dir: Path
    secret: bytes
    language: str = "en"
    secret_is_default: bool = False
    """True when no secret was configured and `secret` is the public development fallback."""

    def __post_init__(self) -> None:
        if not _is_https(self.site_url) or not self.site_url.endswith("/"):
            raise ConfigError.invalid(
                "site_url", "an absolute https:// URL ending in '/'", self.site_url
            )
        if self.unsubscribe_url is not None and not _is_https(self.unsubscribe_url):
            raise ConfigError.invalid(
                "digest.unsubscribe_url",
                "an https:// URL (may contain {token})",
                self.unsubscribe_url,
            )
        if "@" not in parseaddr(self.from_address)[1]:
            raise ConfigError.invalid(
                "digest.from_address", "'Name <address@domain>'", self.from_address
            )
        if "@" not in self.unsubscribe_mailto or any(c in self.unsubscribe_mailto for c in "?<>"):
            raise ConfigError.invalid(
                "digest.unsubscribe_mailto",
                "an address such as unsubscribe@example.com",
                self.unsubscribe_mailto,
            )
        if not _LIST_ID.fullmatch(self.list_id):
            raise ConfigError.invalid(
                "digest.list_id", "a dotted identifier such as briefs.example.com", self.list_id
            )
        if self.max_full_briefs < 0:
            raise ConfigError.invalid(
                "digest.max_full_briefs", "zero or more", self.max_full_briefs
            )

    @property
    def sender(self) -> str:
        """The bare From address."""
        return parseaddr(self.from_address)[1]

    @property
    def domain(self) -> str:
        """The sending domain (DKIM `d=`), used for Message-IDs and default addresses."""
        return self.sender.rpartition("@")[2].lower()


def settings_for(project: Project, theme_titles: Mapping[str, str]) -> DigestSettings:
    """Digest settings from the `digest:` options of `mkdocs.yml`."""
    digest = project.options.digest
    from_address = _one_line(digest.from_address)
    domain = parseaddr(from_address)[1].rpartition("@")[2].lower()
    secret = digest.secret or os.environ.get("BRIEFGEN_SECRET")
    if secret:
        key = secret.encode("utf-8")
    else:
        # Development fallback only: derived from the public site URL, so anyone can compute
        # tokens with it. Set BRIEFGEN_SECRET (or digest.secret) before sending real mail.
        key = hashlib.sha256(b"briefgen-dev-secret\0" + project.site_url.encode()).digest()
    theme = project.mkdocs.theme
    locale = str(theme["locale"] or "en") if theme and "locale" in theme else "en"
    return DigestSettings(
        brand=_one_line(project.brand),
        site_url=project.site_url,
        from_address=from_address,
        reply_to=digest.reply_to,
        list_id=digest.list_id or domain,
        postal_address=_one_line(digest.postal_address),
        unsubscribe_url=digest.unsubscribe_url,
        unsubscribe_mailto=digest.unsubscribe_mailto or f"unsubscribe@{domain}",
        max_full_briefs=digest.max_full_briefs,
        theme_titles=dict(theme_titles),
        templates_dir=project.email_templates,
        secret=key,
        language=locale.replace("_", "-"),  # BCP 47 for <html lang>: zh_CN -> zh-CN
        secret_is_default=not secret,
    )


@dataclass(frozen=True)
class RenderedIssue:
    """One issue rendered for one reader (or for the web when no token was given)."""

    subject: str
    preheader: str
    html: str
    text: str


@dataclass(frozen=True)
class _Story:
    """A brief as the templates see it: cleaned plain text and ready-made absolute URLs."""

    number: int
    title: str
    url: str
    summary: str
    why_it_matters: str
    takeaways: tuple[str, ...]
    meta: str
    outlet: str
    date: str
    source_url: str | None
    """Publisher link for the HTML: https only (E10), never with UTM parameters (E15)."""
    source_text_url: str | None
    """Publisher URL for the plain text: any URL that passes X5."""
    source_domain: str | None
    language: str
    also: tuple[_OtherReport, ...] = ()
    """"Also reported by": the other outlets that carried the story."""


@dataclass(frozen=True)
class _OtherReport:
    label: str
    url: str | None
    """https only, for the HTML part (E10)."""
    text_url: str | None
    """Any URL that passes X5, for the plain-text part."""


def _other_reports(brief: Brief) -> tuple[_OtherReport, ...]:
    reports = []
    for source in brief.also:
        safe = safe_http_url(source.url)
        label = _clean(source.name or "") or (_display_domain(safe) if safe else "")
        if label:
            https = safe if safe and safe.lower().startswith("https:") else None
            reports.append(_OtherReport(label, https, safe))
    return tuple(reports)


def render_issue(issue: Issue, settings: DigestSettings, token: str | None = None) -> RenderedIssue:
    """Render `issue` for the subscriber whose unsubscribe token is `token` (None: web copy)."""
    if not issue.briefs:
        raise EmptyIssueError(
            f"issue {issue.number} has no briefs; add articles to seeds/ and run briefgen build"
        )
    stories = [_story(brief, n, issue, settings) for n, brief in enumerate(issue.briefs, 1)]
    subject = make_subject(issue, settings)
    preheader = _preheader(stories, subject, issue, settings)
    html_env, text_env = _environments(settings.templates_dir)
    css = (settings.templates_dir / CSS_FILE).read_text(encoding="utf-8")
    inliner = css_inline.CSSInliner(
        inline_style_tags=False,  # the template's <style> holds only @media rules: keep it as is
        keep_style_tags=True,
        keep_link_tags=False,
        minify_css=True,  # "a:b" not "a: b" in every style attribute: bytes count (E6)
        load_remote_stylesheets=False,  # no network, ever (T6)
        extra_css=css,
    )
    context = _context(issue, settings, stories, subject, preheader, token)
    rendered: dict[int, str] = {}

    def html_with(shown: int) -> str:
        if shown not in rendered:
            page = html_env.get_template(HTML_TEMPLATE).render(_split(context, shown))
            rendered[shown] = _crlf(inliner.inline(page))
        return rendered[shown]

    def fits(shown: int) -> bool:
        return len(html_with(shown).encode("utf-8")) <= MAX_HTML_BYTES

    # The most stories in full (up to max_full_briefs) that keep the HTML under Gmail's
    # clipping budget, the rest as headlines; none in full when even that is over. The HTML
    # grows with each story shown in full, so a binary search finds it in a few renders.
    full = min(settings.max_full_briefs, len(stories))
    if not fits(full):
        low, high, full = 0, full - 1, 0
        while low <= high:
            middle = (low + high) // 2
            if fits(middle):
                full, low = middle, middle + 1
            else:
                high = middle - 1
    html = html_with(full)
    text = text_env.get_template(TEXT_TEMPLATE).render(_split(context, full))
    return RenderedIssue(subject=subject, preheader=preheader, html=html, text=_crlf(text))


def web_copy(issue: Issue, settings: DigestSettings) -> str:
    """The "View in browser" page served at `<site_url>issues/<id>/`: the token-free email."""
    return render_issue(issue, settings, token=None).html


def personaliser(issue: Issue, settings: DigestSettings) -> Callable[[str], RenderedIssue]:
    """A fast `render_issue` for many readers: render once, then put each reader's token in.

    The issue is rendered with a random placeholder as long as a real token, so the size budget
    and every line break come out exactly as `render_issue(issue, settings, token)` would make
    them (tested); a token of another length falls back to a full render.
    """
    placeholder = secrets.token_urlsafe(TOKEN_BYTES)
    base = render_issue(issue, settings, placeholder)

    def for_token(token: str) -> RenderedIssue:
        if len(token) != len(placeholder) or not _TOKEN.fullmatch(token):
            return render_issue(issue, settings, token)
        return dataclasses.replace(
            base,
            html=base.html.replace(placeholder, token),
            text=base.text.replace(placeholder, token),
        )

    return for_token


def unsubscribe_token(subscriber: str, settings: DigestSettings) -> str:
    """Opaque per-list token: HMAC of (subscriber, list), so it never reveals the address (M5).

    The subscriber is trimmed and lower-cased first: `Reader@Example.org` is the same reader.
    """
    message = subscriber.strip().lower().encode("utf-8") + b"\0" + settings.list_id.encode()
    digest = hmac.new(settings.secret, message, hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.urlsafe_b64encode(digest).decode("ascii")


def message_id(issue_id: str, subscriber: str, settings: DigestSettings) -> str:
    """`<issue-<id>.s-<hmac>@<sending domain>>`: deterministic, so the ledger knows it before
    the message leaves and a dry run shows the same id (M4); opaque, like the token (M5)."""
    message = b"message-id\0" + issue_id.encode() + b"\0" + subscriber.strip().lower().encode()
    digest = hmac.new(settings.secret, message, hashlib.sha256).hexdigest()[:20]
    return f"<issue-{_atom(issue_id)}.s-{digest}@{settings.domain}>"


def unsubscribe_link(settings: DigestSettings, token: str | None) -> str:
    """The link a reader follows to unsubscribe: https when configured, else mailto.

    Without a token (web copy, preview) it is the endpoint's generic page, or a plain
    `mailto:` request, since a shared page must not unsubscribe anyone in particular.
    """
    if settings.unsubscribe_url:
        return _https_unsubscribe(settings.unsubscribe_url, token or "")
    return _mailto_unsubscribe(settings, token)


def make_subject(issue: Issue, settings: DigestSettings) -> str:
    """`<brand> #<number> — <top story>`: the number keeps Gmail from threading issues (M3)."""
    title = _truncate(_one_line(issue.top_story.title), SUBJECT_TITLE_CHARS)
    return f"{_one_line(settings.brand)} #{issue.number} — {title}"


def build_message(
    rendered: RenderedIssue,
    settings: DigestSettings,
    *,
    to: str,
    token: str | None,
    message_id: str,
    date: dt.datetime,
) -> EmailMessage:
    """The MIME message for one recipient (M1-M10). Header values with CR/LF raise ValueError."""
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("the Date of a message must be timezone-aware")
    recipients = getaddresses([to])
    if len(recipients) != 1 or "@" not in recipients[0][1]:
        raise ValueError(f"a digest message goes to exactly one address, got {to!r}")
    name, address = parseaddr(settings.from_address)
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["From"] = formataddr((name or settings.brand, address))
    msg["To"] = to
    if settings.reply_to:
        msg["Reply-To"] = settings.reply_to
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["List-Id"] = f"{_one_line(settings.brand)} <{settings.list_id}>"
    links = [f"<{_mailto_unsubscribe(settings, token)}>"]
    if settings.unsubscribe_url and token:
        links.insert(0, f"<{_https_unsubscribe(settings.unsubscribe_url, token)}>")
        # RFC 8058 one-click: only for a per-subscriber https endpoint (DKIM must sign it, M7)
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["List-Unsubscribe"] = ", ".join(links)
    msg.set_content(rendered.text, subtype="plain", charset="utf-8")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    # A content-derived boundary instead of a random one keeps the bytes reproducible.
    seed = hashlib.sha256((rendered.html + rendered.text + message_id).encode()).hexdigest()
    msg.set_boundary(f"=_briefgen_{seed[:32]}")
    return msg


def preview_message(issue: Issue, settings: DigestSettings) -> bytes:
    """Deterministic bytes of the issue's preview, addressed to the sender itself."""
    rendered = render_issue(issue, settings, token=None)
    sender = settings.sender or f"preview@{settings.domain}"
    message_id = f"<issue-{_atom(issue.id)}.preview@{settings.domain}>"
    date = dt.datetime.combine(issue.date, dt.time(8, 0), tzinfo=dt.UTC)
    msg = build_message(rendered, settings, to=sender, token=None, message_id=message_id, date=date)
    return msg.as_bytes()


def write_preview(issue: Issue, settings: DigestSettings, outbox_dir: Path) -> Path:
    """Write `outbox/<id>/preview.eml` atomically and return its path."""
    target = outbox_dir / _atom(issue.id) / "preview.eml"
    atomic_write(target, preview_message(issue, settings))
    return target


# --- view model -----------------------------------------------------------------------------


def _story(brief: Brief, number: int, issue: Issue, settings: DigestSettings) -> _Story:
    companies = ", ".join(_clean(c) for c in brief.companies if _clean(c))
    themes = ", ".join(_clean(settings.theme_titles.get(t, t)) for t in brief.themes if _clean(t))
    meta = "; ".join(
        part
        for part in (
            f"Companies: {companies}" if companies else "",
            f"Themes: {themes}" if themes else "",
        )
        if part
    )
    safe = safe_http_url(brief.source.url)
    domain = _display_domain(safe) if safe else None
    return _Story(
        number=number,
        title=_clean(brief.title),
        url=_site_link(settings, brief.url, issue),
        summary=_clean(brief.summary),
        why_it_matters=_clean(brief.why_it_matters),
        takeaways=tuple(t for t in map(_clean, brief.takeaways) if t)[:MAX_TAKEAWAYS],
        meta=meta,
        outlet=_clean(brief.source.name or ""),
        date=_format_date(brief.date, short=True),
        source_url=safe if safe and safe.lower().startswith("https:") else None,
        source_text_url=safe,
        source_domain=domain,
        language=_clean(brief.language) or settings.language,
        also=_other_reports(brief),
    )


def _context(
    issue: Issue,
    settings: DigestSettings,
    stories: Sequence[_Story],
    subject: str,
    preheader: str,
    token: str | None,
) -> dict[str, Any]:
    count = len(stories)
    return {
        "language": settings.language,
        "brand": _one_line(settings.brand),
        "subject": subject,
        "preheader": preheader,
        "issue_number": issue.number,
        "issue_date": _format_date(issue.date),
        "story_count": f"{count} {'story' if count == 1 else 'stories'}",
        "stories": list(stories),
        "home_url": _site_link(settings, "", issue),
        "web_url": _site_link(settings, issue.url, issue),
        "site_domain": _display_domain(settings.site_url),
        "unsubscribe_url": unsubscribe_link(settings, token),
        "postal_address": _one_line(settings.postal_address),
        "reply_to": bool(settings.reply_to),
        "toc_min": TOC_MIN_STORIES,
        "toc_max": MAX_TOC,
    }


def _split(context: dict[str, Any], full: int) -> dict[str, Any]:
    """The context with the first `full` stories shown in full and the rest as headlines."""
    stories: list[_Story] = context["stories"]
    return {**context, "full": stories[:full], "more": stories[full:]}


@functools.lru_cache(maxsize=8)
def _environments(templates_dir: Path) -> tuple[Environment, Environment]:
    """The HTML environment (autoescaped, X6) and a separate one for text/plain."""
    loader = FileSystemLoader(templates_dir)
    html = Environment(
        loader=loader,
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # text/plain is not markup: escaping would print "&amp;" to the reader. Never used for HTML.
    text = Environment(
        loader=loader,
        autoescape=False,  # noqa: S701
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    text.filters["wrap"] = wrap_text
    return html, text


# --- text helpers -----------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Plain text safe to render anywhere: no controls or bidi overrides, whitespace collapsed."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Co") or char in _BIDI or _is_noncharacter(char):
            kept.append(" ")
        else:
            kept.append(char)
    return _WS.sub(" ", "".join(kept)).strip()


def _one_line(text: str) -> str:
    """A value bound for a header: cleaned, so hostile CR/LF becomes a space (M10 still guards)."""
    return _clean(text)


def _is_noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def _truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a word boundary when there is one nearby."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 2 // 3:  # spaced scripts: end on a whole word; CJK: cut anywhere
        cut = cut[:space]
    return cut.rstrip(" ,;:—–-·") + "…"


def _preheader(
    stories: Sequence[_Story], subject: str, issue: Issue, settings: DigestSettings
) -> str:
    """40-130 characters from the top stories that add to the subject rather than repeat it."""
    top = stories[0]
    others = [s.title for s in stories[1:4]]
    text = f"Also: {'; '.join(others)}" if others else top.summary
    if len(text) < PREHEADER_MIN and others:
        text = f"{text}. {top.summary}"
    if len(text) < PREHEADER_MIN:
        count = len(stories)
        text = f"{text} {count} {'story' if count == 1 else 'stories'} in issue #{issue.number}."
    if len(text) < PREHEADER_MIN:
        text = f"{text} The briefs that matter, in one email from {settings.brand}."
    text = _truncate(_clean(text), PREHEADER_MAX)
    return text if text != subject else _truncate(f"In this issue: {text}", PREHEADER_MAX)


def char_width(char: str) -> int:
    """Columns a character takes in a monospaced mail client: 2 for wide (CJK) characters."""
    if unicodedata.combining(char) or char in "\u200b\u200c\u200d":
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def text_width(text: str) -> int:
    """Display width of `text` in columns."""
    return sum(char_width(c) for c in text)


_NO_LINE_START = set("，。、；：！？）》」』】〕〉”’·…,.;:!?)]}%")
_URL_TOKEN = re.compile(r"https?://\S+", re.IGNORECASE)


def wrap_text(
    text: str, initial: str = "", subsequent: str | None = None, width: int = TEXT_WIDTH
) -> str:
    """Wrap plain text by display width (CJK counts 2) without inserting spaces into CJK text.

    Lines never exceed `width` columns except a URL, which always gets a line of its own.
    """
    indent = initial if subsequent is None else subsequent
    lines: list[str] = []
    line, prefix = "", initial
    for word in _words(_clean(text)):
        if word == " ":
            if line:
                line += " "
            continue
        if _URL_TOKEN.search(word):
            if line.strip():
                lines.append(prefix + line.rstrip())
                prefix = indent
            lines.append(prefix + word)
            line, prefix = "", indent
            continue
        room = width - text_width(prefix)
        if text_width(line + word) <= room:
            line += word
            continue
        carry = ""
        if word[0] in _NO_LINE_START and line and char_width(line[-1]) == 2:
            line, carry = line[:-1], line[-1]  # keep CJK punctuation off the start of a line
        if line.strip():
            lines.append(prefix + line.rstrip())
            prefix = indent
        line = carry + word
        room = width - text_width(prefix)
        while text_width(line) > room:  # a single word longer than a line: hard break
            head = _fit(line, room)
            lines.append(prefix + head)
            prefix = indent
            line = line[len(head) :]
            room = width - text_width(prefix)
    if line.strip():
        lines.append(prefix + line.rstrip())
    return "\n".join(lines)


def _words(text: str) -> Iterator[str]:
    """Spaces as " ", wide characters one by one, and runs of other characters as words."""
    for chunk in re.split(r"(\s+)", text):
        if not chunk:
            continue
        if chunk.isspace():
            yield " "
            continue
        run = ""
        for char in chunk:
            if char_width(char) == 2:
                if run:
                    yield run
                    run = ""
                yield char
            else:
                run += char
        if run:
            yield run


def _fit(text: str, room: int) -> str:
    """The longest prefix of `text` at most `room` columns wide (at least one character)."""
    used = 0
    for i, char in enumerate(text):
        used += char_width(char)
        if used > room:
            return text[: max(i, 1)]
    return text


# --- URLs and dates ---------------------------------------------------------------------------


def _is_https(url: str) -> bool:
    return safe_http_url(url) is not None and url.lower().startswith("https://")


def _display_domain(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _site_link(settings: DigestSettings, path: str, issue: Issue) -> str:
    """An absolute link to our own site, tagged for analytics (UTM only on our links, E15)."""
    utm = f"utm_source=newsletter&utm_medium=email&utm_campaign=issue-{issue.number}"
    return f"{settings.site_url}{quote(path, safe='/')}?{utm}"


def _https_unsubscribe(template: str, token: str) -> str:
    if "{token}" in template:
        return template.replace("{token}", token)
    if not token:
        return template
    return f"{template}{'&' if '?' in template else '?'}token={token}"


def _mailto_unsubscribe(settings: DigestSettings, token: str | None) -> str:
    subject = f"unsub-{token}" if token else "unsubscribe"
    return f"mailto:{settings.unsubscribe_mailto}?subject={subject}"


def _format_date(day: dt.date, *, short: bool = False) -> str:
    """`21 November 2026` (or `21 Nov 2026`) without depending on the process locale."""
    month = _MONTHS[day.month - 1]
    return f"{day.day} {month[:3] if short else month} {day.year}"


def _atom(value: str) -> str:
    """`value` reduced to characters safe in a file name and a Message-ID."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", value) or "issue"


def _crlf(text: str) -> str:
    """`text` with CRLF line ends and one final line break: the canonical form of a MIME text
    body (RFC 2046), so parsing the sent message gives back exactly this string (M9)."""
    return "".join(line + "\r\n" for line in re.split(r"\r?\n", text.rstrip("\r\n")))


__all__ = [
    "DigestSettings",
    "RenderedIssue",
    "build_message",
    "make_subject",
    "message_id",
    "personaliser",
    "preview_message",
    "render_issue",
    "settings_for",
    "text_width",
    "unsubscribe_link",
    "unsubscribe_token",
    "web_copy",
    "wrap_text",
]
