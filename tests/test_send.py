"""Sending the digest: dry run, SMTP against a real aiosmtpd server, the ledger (S1-S10, T1-T3).

Every SMTP test talks to aiosmtpd on 127.0.0.1 (a free port picked by binding port 0 first,
T1). Handlers that misbehave on purpose stand in for real servers: one drops the connection
half way, one answers 451 before accepting, one refuses some recipients. Backoff waits go
through an injected `sleep`, so retries run at full speed with their real timing logic.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import os
import random
import re
import shutil
import signal
import smtplib
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any

import html5lib
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from bs4 import BeautifulSoup
from click.testing import CliRunner, Result

from briefgen import brief_files, pipeline, render_digest, send, subscribers
from briefgen.cli import cli
from briefgen.config import load_project
from briefgen.errors import ConfigError
from briefgen.models import Brief, Source

DATA = Path(__file__).parent / "data" / "digest"
SECRET = "test-secret-for-tokens"
BOUNCES = "bounces@example.com"
FONT_FAMILY = "font-family"


# --- T1: a real SMTP server -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    peer: Any


class Sink:
    """An aiosmtpd handler that keeps every message it accepts (T1)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.data_calls: Counter[str] = Counter()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_calls[envelope.rcpt_tos[0]] += 1
        return self.accept(session, envelope)

    def accept(self, session: Any, envelope: Any) -> str:
        self.received.append(
            Received(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.content, session.peer)
        )
        return "250 2.0.0 Ok: queued"

    def per_recipient(self) -> Counter[str]:
        return Counter(rcpt for message in self.received for rcpt in message.rcpt_tos)

    def connections(self) -> int:
        return len({message.peer for message in self.received})


class DropsConnection(Sink):
    """Closes the connection without a word when the MAIL command after the `after`-th accepted
    message arrives, `times` times (or while `down` is set: a server that went away)."""

    def __init__(self, after: int, times: int = 1) -> None:
        super().__init__()
        self.after, self.times, self.drops, self.down = after, times, 0, False

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.down or (len(self.received) >= self.after and self.drops < self.times):
            self.drops += 1
            server.transport.abort()
            return "421 4.4.2 gone"  # never reaches the client: the connection is gone
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 2.1.0 Ok"


class TryLater(Sink):
    """Answers `451 4.3.0 try later` to the first `failures` DATA of each recipient."""

    def __init__(self, failures: int = 1, only: str | None = None) -> None:
        super().__init__()
        self.failures, self.only = failures, only

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        rcpt = envelope.rcpt_tos[0]
        self.data_calls[rcpt] += 1
        if self.data_calls[rcpt] <= self.failures and self.only in (None, rcpt):
            return "451 4.3.0 try later"
        return self.accept(session, envelope)


class Refuses(Sink):
    """Refuses some recipients at RCPT with the given reply."""

    def __init__(self, replies: dict[str, str]) -> None:
        super().__init__()
        self.replies = replies

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        reply = self.replies.get(address) or self.replies.get("*")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"


class Blocks(Sink):
    """Accepts messages, but holds the DATA of message number `at` until released."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at, self.blocked, self.released = at, threading.Event(), False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if len(self.received) + 1 == self.at and not self.released:
            self.blocked.set()
            for _ in range(600):
                if self.released:
                    return "451 4.3.0 too late"  # the client is gone: nothing was accepted
                await asyncio.sleep(0.05)
        return self.accept(session, envelope)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., int]]:
    """Start aiosmtpd with a handler on a free port; SMTP_* point at it; stopped at teardown."""
    controllers: list[Controller] = []

    def start(handler: Sink, port: int | None = None, **options: Any) -> int:
        port = port or free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        monkeypatch.setenv("SMTP_PORT", str(port))
        return port

    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_SECURITY", "none")
    for name in ("SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_PORT", "SEND_DAILY_CAP"):
        monkeypatch.delenv(name, raising=False)
    yield start
    for controller in controllers:
        controller.stop()


# --- a project with briefs and readers --------------------------------------------------------


def english_briefs() -> list[Brief]:
    items = json.loads((DATA / "english_briefs.json").read_text(encoding="utf-8"))
    return [
        Brief(
            id=item["id"],
            title=item["title"],
            summary=item["summary"],
            why_it_matters=item["why_it_matters"],
            takeaways=tuple(item["takeaways"]),
            added=dt.date(2026, 11, 21),
            source=Source(**item["source"]),
            published=dt.date.fromisoformat(item["published"]),
            companies=tuple(item["companies"]),
            themes=tuple(item["themes"]),
            path=item["path"],
        )
        for item in items
    ]


def write_briefs(root: Path, briefs: list[Brief]) -> None:
    for brief in briefs:
        brief_files.write(brief, root / "briefings")


@pytest.fixture
def project(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample project with four briefs, one-click unsubscribe and a bounce address."""
    monkeypatch.setenv("BRIEFGEN_SECRET", SECRET)
    monkeypatch.setenv("SEND_RATE_PER_SEC", "1000")
    config = project_dir / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "      digest:\n",
            "      digest:\n"
            "        unsubscribe_url: https://briefs.example.com/u/{token}\n"
            f"        bounce_address: {BOUNCES}\n",
        ),
        encoding="utf-8",
    )
    write_briefs(project_dir, english_briefs())
    return project_dir


def readers(count: int) -> list[str]:
    return [f"reader{n:02d}@example.org" for n in range(1, count + 1)]


def add_readers(root: Path, addresses: list[str]) -> None:
    with subscribers.database(root / ".briefgen" / "subscribers.db") as conn:
        for address in addresses:
            subscribers.add(conn, address, f"Reader {address[6:8]}")


def ledger_rows(root: Path, issue_id: str = "1") -> dict[str, sqlite3.Row]:
    with subscribers.database(root / ".briefgen" / "subscribers.db") as conn:
        rows = conn.execute(
            "SELECT s.email, d.* FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id "
            "WHERE d.issue_id = ? ORDER BY s.id",
            (issue_id,),
        ).fetchall()
    return {row["email"]: row for row in rows}


def status_of(root: Path, address: str) -> str:
    with subscribers.database(root / ".briefgen" / "subscribers.db") as conn:
        found = subscribers.find(conn, address)
    assert found is not None
    return found.status


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def send_now(root: Path, **options: Any) -> send.SendReport:
    """A real send through the pipeline with an injected, recorded backoff sleep."""
    options.setdefault("sleep", lambda seconds: None)
    return pipeline.send_digest(load_project(root), for_real=True, **options)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


# --- S1: settings from the environment --------------------------------------------------------


def test_s1_defaults_are_starttls_on_587_and_ssl_on_465() -> None:
    settings = send.SmtpSettings.from_env({"SMTP_HOST": "smtp.example.com"})
    assert (settings.port, settings.security) == (587, "starttls")
    ssl_settings = send.SmtpSettings.from_env({"SMTP_HOST": "smtp.example.com", "SMTP_PORT": "465"})
    assert (ssl_settings.port, ssl_settings.security) == (465, "ssl")
    explicit = send.SmtpSettings.from_env(
        {"SMTP_HOST": "smtp.example.com", "SMTP_PORT": "2525", "SMTP_SECURITY": "SSL"}
    )
    assert (explicit.port, explicit.security) == (2525, "ssl")
    local = send.SmtpSettings.from_env({"SMTP_HOST": "::1", "SMTP_SECURITY": "none"})
    assert (local.port, local.security) == (25, "none")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "SMTP_HOST is not set"),
        ({"SMTP_HOST": "smtp.example.com", "SMTP_SECURITY": "none"}, "only for 127.0.0.1 or ::1"),
        ({"SMTP_HOST": "localhost", "SMTP_SECURITY": "none"}, "only for 127.0.0.1 or ::1"),
        ({"SMTP_HOST": "h.example", "SMTP_SECURITY": "tls13"}, "'SMTP_SECURITY' must be"),
        ({"SMTP_HOST": "h.example", "SMTP_PORT": "smtp"}, "'SMTP_PORT' must be a port"),
        ({"SMTP_HOST": "h.example", "SMTP_PORT": "70000"}, "'SMTP_PORT' must be a port"),
        ({"SMTP_HOST": "h.example", "SMTP_PASSWORD": "pw-only"}, "both SMTP_USERNAME and"),
        ({"SMTP_HOST": "h.example", "SMTP_USERNAME": "user"}, "both SMTP_USERNAME and"),
    ],
)
def test_s1_bad_settings_are_one_line_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)) as error:
        send.SmtpSettings.from_env(env)
    assert "\n" not in error.value.message and "pw-only" not in error.value.message


def test_s1_the_password_is_not_in_reprs() -> None:
    settings = send.SmtpSettings.from_env(
        {"SMTP_HOST": "h.example", "SMTP_USERNAME": "user", "SMTP_PASSWORD": "hunter2-pw"}
    )
    assert settings.password == "hunter2-pw"
    assert "hunter2" not in repr(settings) and "hunter2" not in repr(send.SmtpTransport(settings))


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_s1_login_works_and_the_password_never_reaches_the_output(
    project: Path, smtp_server: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"hunter2-pw", handled=False)

    sink = Sink()
    smtp_server(sink, authenticator=authenticator, auth_required=True, auth_require_tls=False)
    add_readers(project, readers(2))
    monkeypatch.setenv("SMTP_USERNAME", "briefs")
    monkeypatch.setenv("SMTP_PASSWORD", "wrong-pw")
    refused = run("send", "--for-real", "--verbose")
    assert refused.exit_code == 1
    assert "refused the login for SMTP_USERNAME (535)" in refused.output
    assert "wrong-pw" not in refused.output and not sink.received
    monkeypatch.setenv("SMTP_PASSWORD", "hunter2-pw")
    result = run("send", "--for-real", "--verbose")
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.output
    assert logins[-1] == (b"briefs", b"hunter2-pw") and len(sink.received) == 2


# --- S1 with TLS: STARTTLS and implicit TLS against a self-signed certificate -----------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_s1_tls_is_verified(
    security: str,
    project: Path,
    smtp_server: Callable[..., int],
    certificate: tuple[Path, Path],
) -> None:
    sink = Sink()
    if security == "starttls":
        port = smtp_server(sink, tls_context=server_context(certificate), require_starttls=True)
    else:
        port = smtp_server(sink, ssl_context=server_context(certificate))
    add_readers(project, readers(2))
    settings = send.SmtpSettings("127.0.0.1", port, security)  # type: ignore[arg-type]
    sleeps = Sleeps()
    untrusted = send_now(project, transport=send.SmtpTransport(settings), sleep=sleeps)
    assert untrusted.stopped and "TLS with 127.0.0.1" in untrusted.stopped
    assert not sink.received and not sleeps  # a certificate problem is not retried
    trusted = ssl.create_default_context(cafile=str(certificate[0]))
    report = send_now(project, transport=send.SmtpTransport(settings, context=trusted))
    assert report.sent == readers(2) and sink.per_recipient() == Counter(readers(2))


# --- S2: the dry run --------------------------------------------------------------------------


def test_s2_dry_run_writes_one_eml_per_reader_and_sends_nothing(
    project: Path, smtp_server: Callable[..., int]
) -> None:
    sink = Sink()
    smtp_server(sink)
    add_readers(project, readers(3))
    with subscribers.database(project / ".briefgen" / "subscribers.db") as conn:
        subscribers.add(conn, "gone@example.org")
        subscribers.remove(conn, "gone@example.org")
    (project / "outbox" / "1").mkdir(parents=True)
    (project / "outbox" / "1" / "000099-stale@example.org.eml").write_text("old")
    (project / "outbox" / "1" / "preview.eml").write_text("kept")
    result = run("send")
    assert result.exit_code == 0, result.output
    assert "Dry run: 3 messages written to outbox/1" in result.output
    assert (project / "outbox" / "1" / "preview.eml").read_text() == "kept"
    files = sorted((project / "outbox" / "1").glob("0*.eml"))
    assert [f.name for f in files] == [f"{n:06d}-{a}.eml" for n, a in enumerate(readers(3), 1)]
    assert not sink.received and ledger_rows(project) == {}
    assert not (project / "issues").exists()  # a dry run closes nothing
    settings = render_digest.settings_for(load_project(project), {})
    for path, address in zip(files, readers(3), strict=True):
        parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert parsed["To"].addresses[0].addr_spec == address
        assert parsed["Message-ID"] == render_digest.message_id("1", address, settings)
    assert (project / "site" / "issues" / "1" / "index.html").is_file()  # "View in browser"
    # the real send uses the Message-IDs the dry run showed (M4: stored in the ledger)
    assert run("send", "--for-real").exit_code == 0
    for path, (address, row) in zip(files, ledger_rows(project).items(), strict=True):
        parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert row["message_id"] == parsed["Message-ID"] and address in path.name


# --- S3, S9, S10, T2: one message per reader, never twice -------------------------------------


def test_s9_two_runs_send_exactly_once_and_every_message_is_well_formed(
    project: Path, smtp_server: Callable[..., int]
) -> None:
    sink = Sink()
    smtp_server(sink)
    add_readers(project, readers(4))
    with subscribers.database(project / ".briefgen" / "subscribers.db") as conn:
        subscribers.add(conn, "unsubscribed@example.org")
        subscribers.remove(conn, "unsubscribed@example.org")
        subscribers.add(conn, "bounced@example.org")
        subscribers.remove(conn, "bounced@example.org", status="bounced")
    first = run("send", "--for-real")
    assert first.exit_code == 0, first.output
    assert "Issue 1: 4 sent, 0 failed, 0 suppressed, 0 sent before" in first.output
    second = run("send", "--issue", "1", "--for-real")
    assert second.exit_code == 0, second.output
    assert "Issue 1: 0 sent, 0 failed, 0 suppressed, 4 sent before" in second.output
    assert sink.per_recipient() == Counter(readers(4))  # S9, S10
    assert sink.connections() == 1  # S3: one connection for the batch
    assert all(len(m.rcpt_tos) == 1 and m.mail_from == BOUNCES for m in sink.received)
    rows = ledger_rows(project)
    assert set(rows) == set(readers(4))  # S10: no rows for suppressed readers
    assert {(r["status"], r["attempts"], r["last_error"]) for r in rows.values()} == {
        ("sent", 1, None)
    }
    check_messages(project, sink, rows)


def check_messages(root: Path, sink: Sink, rows: dict[str, sqlite3.Row]) -> None:
    """T2: parse every captured message and check M1-M9 and E1-E11 on it."""
    project = load_project(root)
    titles = pipeline._theme_titles(project)
    settings = render_digest.settings_for(project, titles)
    issue = pipeline.issue_for(project, "1")
    for message in sink.received:
        raw = message.content
        address = message.rcpt_tos[0]
        assert max(raw) < 0x80 and b"\n" not in raw.replace(b"\r\n", b"")  # M8: 7-bit, CRLF
        assert max(len(line) for line in raw.split(b"\r\n")) <= 78  # M8: 998 allowed, 78 used
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        assert parsed.get_content_type() == "multipart/alternative"  # M1
        parts = list(parsed.iter_parts())
        assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
        token = render_digest.unsubscribe_token(address, settings)
        rendered = render_digest.render_issue(issue, settings, token)
        assert parsed["Subject"] == rendered.subject  # M9: the same Unicode subject
        assert rendered.subject == f"{settings.brand} #1 — {issue.briefs[0].title}"
        assert parts[0].get_content() == rendered.text and parts[1].get_content() == rendered.html
        assert parseaddr(str(parsed["From"])) == ("China Auto Briefing", "briefs@example.com")
        assert [a.addr_spec for a in parsed["To"].addresses] == [address]  # M3: exactly one
        assert parsedate_to_datetime(str(parsed["Date"])).tzinfo is not None
        assert parsed["Message-ID"] == rows[address]["message_id"]  # M4: stored in the ledger
        assert parsed["MIME-Version"] == "1.0"
        assert parsed["List-Id"] == f"{settings.brand} <example.com>"
        assert parsed["List-Unsubscribe"] == (
            f"<https://briefs.example.com/u/{token}>, "
            f"<mailto:unsubscribe@example.com?subject=unsub-{token}>"
        )  # M5
        assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        html = parts[1].get_content()
        html5lib.HTMLParser(strict=True).parse(html)  # T2
        soup = BeautifulSoup(html, "html5lib")
        assert soup.title is not None and soup.title.string == parsed["Subject"]  # E1
        assert all(t.get("role") == "presentation" for t in soup.find_all("table"))  # E2
        for tag in soup.find_all(["h1", "h2", "p", "li", "a", "td"]):  # E5, E11
            if tag.get_text(strip=True):
                assert FONT_FAMILY in str(tag.get("style", "")), tag.name
        unsubscribe = soup.find("a", string="Unsubscribe")
        assert unsubscribe is not None and unsubscribe["href"].endswith(token)  # E14
        assert [h.get_text() for h in soup.select("td.story h2")] == [b.title for b in issue.briefs]


def test_s3_a_new_connection_every_batch(project: Path, smtp_server: Callable[..., int]) -> None:
    sink = Sink()
    port = smtp_server(sink)
    add_readers(project, readers(5))
    settings = send.SmtpSettings("127.0.0.1", port, "none")
    report = send_now(project, transport=send.SmtpTransport(settings, batch_size=2))
    assert len(report.sent) == 5 and sink.connections() == 3


def test_s3_a_refused_dict_is_a_failure_for_that_row(
    project: Path, smtp_server: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_server(Sink())
    add_readers(project, readers(2))
    real = smtplib.SMTP.send_message

    def partly_refused(self: smtplib.SMTP, msg: Any, *args: Any, **kwargs: Any) -> Any:
        result = real(self, msg, *args, **kwargs)
        to = kwargs["to_addrs"][0]
        return {to: (550, b"5.1.1 refused after all")} if to.startswith("reader01") else result

    monkeypatch.setattr(smtplib.SMTP, "send_message", partly_refused)
    report = send_now(project)
    assert report.sent == ["reader02@example.org"]
    assert report.failed == [("reader01@example.org", "550 5.1.1 refused after all")]
    assert ledger_rows(project)["reader01@example.org"]["status"] == "failed"


def test_s10_suppression_is_applied_again_at_claim_time(
    project: Path, smtp_server: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = Sink()
    smtp_server(sink)
    add_readers(project, readers(3))
    project_ = load_project(project)
    original = send.prepare

    def prepare_then_unsubscribe(conn: sqlite3.Connection, outgoing: send.Outgoing) -> int:
        created = original(conn, outgoing)
        subscribers.remove(conn, "reader02@example.org")  # unsubscribes while the run starts
        return created

    monkeypatch.setattr(send, "prepare", prepare_then_unsubscribe)
    report = pipeline.send_digest(project_, for_real=True)
    assert report.suppressed == ["reader02@example.org"]
    assert set(sink.per_recipient()) == {"reader01@example.org", "reader03@example.org"}
    assert ledger_rows(project)["reader02@example.org"]["status"] == "suppressed"


def test_an_issue_goes_to_the_readers_of_its_first_run_only(
    project: Path, smtp_server: Callable[..., int]
) -> None:
    sink = Sink()
    smtp_server(sink)
    add_readers(project, readers(2))
    assert len(send_now(project).sent) == 2
    add_readers(project, ["late@example.org"])
    assert run("send").output.count("Dry run: 0 messages") == 1
    assert send_now(project).sent == []  # the issue's audience was fixed by its first run
    assert sink.per_recipient() == Counter(readers(2))
    assert "late@example.org" not in ledger_rows(project)


# --- S4: temporary and permanent errors, dropped connections ----------------------------------


def test_s4_451_then_accepted_is_retried_with_backoff(
    project: Path, smtp_server: Callable[..., int]
) -> None:
    sink = TryLater(failures=1)
    smtp_server(sink)
    add_readers(project, readers(3))
    sleeps = Sleeps()
    report = send_now(project, sleep=sleeps)
    assert report.sent == readers(3) and not report.failed
    assert sink.data_calls == Counter({address: 2 for address in readers(3)})
    assert sink.per_recipient() == Counter(readers(3))  # accepted exactly once each
    assert len(sleeps) == 3 and all(2.5 <= s <= 5.0 for s in sleeps)  # first backoff step
    rows = ledger_rows(project)
    assert {(r["status"], r["attempts"], r["last_error"]) for r in rows.values()} == {
        ("sent", 2, None)
    }


def test_s4_gives_up_after_five_tries_and_a_later_run_retries(
    project: Path, smtp_server: Callable[..., int]
) -> None:
    sink = TryLater(failures=5, only="reader02@example.org")
    smtp_server(sink)
    add_readers(project, readers(3))
    sleeps = Sleeps()
    report = send_now(project, sleep=sleeps)
    assert report.sent == ["reader01@example.org", "reader03@example.org"]
    assert report.failed == [("reader02@example.org", "451 4.3.0 try later")]
    assert sink.data_calls["reader02@example.org"] == 5
    assert len(sleeps) == 4 and all(
        step / 2 <= s <= step for s, step in zip(sleeps, [5, 10, 20, 40], strict=True)
    )
    row = ledger_rows(project)["reader02@example.org"]
    assert (row["status"], row["attempts"], row["last_error"]) == (
        "failed",
        5,
        "451 4.3.0 try later",
    )
    again = send_now(project)  # the server accepts now: the failed row is claimed again
    assert again.sent == ["reader02@example.org"] and again.already_sent == 2
    assert sink.per_recipient() == Counter(readers(3))


def test_s4_backoff_is_exponential_with_jitter_and_capped() -> None:
    policy_ = send.RetryPolicy(tries=5, base=5.0, cap=600.0)
    rng = random.Random(1)
    for failed in range(1, 12):
        step = min(600.0, 5.0 * 2 ** (failed - 1))
        delays = [policy_.delay(failed, rng) for _ in range(50)]
        assert all(step / 2 <= d <= step for d in delays)
        assert len(set(delays)) > 1  # jitter: retries from many senders do not line up
    assert max(policy_.delay(20, rng) for _ in range(50)) <= 600.0


def test_s4_permanent_errors_fail_the_row_and_5_1_x_suppresses(
    project: Path, smtp_server: Callable[..., int]
) -> None:
    sink = Refuses(
        {
            "reader01@example.org": "550 5.1.1 <reader01@example.org>: no such user",
            "reader02@example.org": "552 5.2.2 mailbox full",
        }
    )
    smtp_server(sink)
    add_readers(project, readers(3))
    sleeps = Sleeps()
    result = run("send", "--for-real")
    assert result.exit_code == 1
    assert "2 failed (listed above; the next run retries them)" in result.output
    assert "Failed: reader01@example.org: 550 5.1.1" in result.output
    assert not sleeps and set(sink.per_recipient()) == {"reader03@example.org"}
    rows = ledger_rows(project)
    assert rows["reader01@example.org"]["attempts"] == 1  # permanent: not retried
    assert status_of(project, "reader01@example.org") == "bounced"  # 5.1.x: suppressed
    assert status_of(project, "reader02@example.org") == "active"  # 5.2.2: not an address fault
    sink.replies.clear()
    again = send_now(project)
    assert again.sent == ["reader02@example.org"]
    assert again.suppressed == ["reader01@example.org"]
    assert ledger_rows(project)["reader01@example.org"]["status"] == "suppressed"


def test_s4_a_refused_sender_stops_the_run(project: Path, smtp_server: Callable[..., int]) -> None:
    class RefusesSender(Sink):
        async def handle_MAIL(self, *args: Any) -> str:
            return "553 5.7.1 sender not allowed"

    smtp_server(RefusesSender())
    add_readers(project, readers(3))
    report = send_now(project)
    assert report.stopped and "refused the envelope sender" in report.stopped
    assert len(report.failed) == 1 and report.remaining == 3


def test_s4_many_refusals_in_a_row_stop_the_run(
    project: Path, smtp_server: Callable[..., int]
) -> None:
    smtp_server(Refuses({"*": "554 5.7.1 account suspended"}))
    add_readers(project, readers(12))
    report = send_now(project)
    assert report.stopped and "10 messages in a row were refused" in report.stopped
    assert len(report.failed) == 10 and report.remaining == 12


def test_s4_a_dropped_connection_resumes_without_duplicates(
    project: Path, smtp_server: Callable[..., int]
) -> None:
    sink = DropsConnection(after=3, times=2)
    smtp_server(sink)
    add_readers(project, readers(8))
    sleeps = Sleeps()
    report = send_now(project, sleep=sleeps)
    assert report.sent == readers(8) and not report.failed
    assert sink.drops == 2 and len(sleeps) == 2
    assert sink.per_recipient() == Counter(readers(8))  # exactly once each
    assert sink.connections() == 2  # reconnected after the drops
    dropped = ledger_rows(project)["reader04@example.org"]
    assert dropped["attempts"] == 3 and dropped["status"] == "sent"


def test_s4_a_server_gone_for_good_stops_the_run_and_the_next_run_finishes(
    project: Path, smtp_server: Callable[..., int]
) -> None:
    sink = DropsConnection(after=3, times=10**6)  # after three messages the server is gone
    smtp_server(sink)
    add_readers(project, readers(6))
    sleeps = Sleeps()
    first = send_now(project, sleep=sleeps)
    assert first.sent == readers(3) and len(sleeps) == 4  # five tries, four waits
    assert first.stopped and "could not be reached" in first.stopped
    assert first.remaining == 3
    statuses = {a: r["status"] for a, r in ledger_rows(project).items()}
    assert statuses == {
        **dict.fromkeys(readers(3), "sent"),
        "reader04@example.org": "failed",
        "reader05@example.org": "pending",
        "reader06@example.org": "pending",
    }
    sink.times = 0  # the server is back
    second = send_now(project)
    assert second.sent == readers(6)[3:] and second.already_sent == 3
    assert sink.per_recipient() == Counter(readers(6))


def test_s4_no_server_at_all_is_reported_and_resumed_later(
    project: Path, smtp_server: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()  # nothing listens there yet
    monkeypatch.setenv("SMTP_PORT", str(port))
    add_readers(project, readers(2))
    sleeps = Sleeps()
    report = send_now(project, sleep=sleeps)
    assert report.stopped and "could not be reached (ConnectionRefusedError" in report.stopped
    assert not report.sent and len(sleeps) == 4 and report.remaining == 2
    sink = Sink()
    smtp_server(sink, port=port)  # the server comes up
    assert send_now(project).sent == readers(2)
    assert sink.per_recipient() == Counter(readers(2))


def test_s4_a_timeout_is_retried(project: Path, smtp_server: Callable[..., int]) -> None:
    sink = Blocks(at=2)  # holds message 2 past the client's timeout, once
    port = smtp_server(sink)
    add_readers(project, readers(3))
    settings = send.SmtpSettings("127.0.0.1", port, "none", timeout=0.5)
    sleeps = Sleeps()
    original = sink.handle_DATA

    async def hold_once(server: Any, session: Any, envelope: Any) -> str:
        if sink.blocked.is_set():  # the retry: the first attempt is still held, then dropped
            return sink.accept(session, envelope)
        return await original(server, session, envelope)

    sink.handle_DATA = hold_once  # type: ignore[method-assign]
    try:
        report = send_now(project, transport=send.SmtpTransport(settings), sleep=sleeps)
    finally:
        sink.released = True
    assert report.sent == readers(3) and len(sleeps) == 1
    assert ledger_rows(project)["reader02@example.org"]["attempts"] == 2
    assert sink.per_recipient() == Counter(readers(3))


def test_m10_a_bad_header_fails_before_the_row_is_claimed(tmp_path: Path) -> None:
    class Unused:
        def send(self, *args: Any) -> None:
            raise AssertionError("nothing may be sent")

        def reset(self) -> None:
            pass

        def close(self) -> None:
            pass

    def injected(reader: subscribers.Subscriber, message_id: str, date: dt.datetime) -> Any:
        message = EmailMessage()
        message["Subject"] = "Hi\r\nBcc: victim@example.com"
        return message

    with subscribers.database(tmp_path / "s.db") as conn:
        subscribers.add(conn, "reader@example.org")
        outgoing = dataclasses.replace(outgoing_for(), message_for=injected)
        send.prepare(conn, outgoing)
        with pytest.raises(ValueError):
            send.deliver(conn, outgoing, Unused())
        assert send.ledger(conn, "7")["pending"] == 1  # nothing claimed, nothing stuck


# --- S5: rate limit and daily cap -------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_s5_token_bucket_spaces_messages() -> None:
    clock = FakeClock()
    limiter = send.RateLimiter(2.0, clock=clock.monotonic, sleep=clock.sleep)
    times = []
    for _ in range(5):
        limiter.acquire()
        times.append(clock.now - 100.0)
    assert times == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0])
    clock.now += 10  # idle time does not pile up beyond the burst
    limiter.acquire()
    limiter.acquire()
    assert clock.now - 100.0 == pytest.approx(12.5)
    bursty = send.RateLimiter(10.0, burst=3, clock=clock.monotonic, sleep=clock.sleep)
    start = clock.now
    for _ in range(4):
        bursty.acquire()
    assert clock.now - start == pytest.approx(0.1)
    with pytest.raises(ValueError):
        send.RateLimiter(0)


def test_s5_rate_limit_holds_in_real_time(
    project: Path, smtp_server: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = Sink()
    smtp_server(sink)
    add_readers(project, readers(6))
    monkeypatch.setenv("SEND_RATE_PER_SEC", "20")
    started = time.monotonic()
    report = pipeline.send_digest(load_project(project), for_real=True)
    assert len(report.sent) == 6
    assert time.monotonic() - started >= 5 / 20 * 0.95


def test_s5_limits_come_from_the_config_and_the_environment() -> None:
    assert send.Limits.resolve(1, 2000, {}) == send.Limits(1.0, 2000)
    assert send.Limits.resolve(1, 2000, {"SEND_RATE_PER_SEC": "14", "SEND_DAILY_CAP": "50"}) == (
        send.Limits(14.0, 50)
    )
    for env in ({"SEND_RATE_PER_SEC": "0"}, {"SEND_RATE_PER_SEC": "fast"}, {"SEND_DAILY_CAP": "0"}):
        with pytest.raises(ConfigError, match="environment"):
            send.Limits.resolve(1, 2000, env)
    with pytest.raises(ConfigError, match=r"mkdocs\.yml"):
        send.Limits.resolve(-1, 2000, {})


def test_s5_daily_cap_stops_the_run_and_the_rest_goes_the_next_day(
    project: Path, smtp_server: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = Sink()
    smtp_server(sink)
    add_readers(project, readers(5))
    monkeypatch.setenv("SEND_DAILY_CAP", "3")
    first = run("send", "--for-real")
    assert first.exit_code == 0, first.output
    assert "Daily cap of 3 messages reached; 2 left" in first.output
    assert len(sink.received) == 3
    assert len(send_now(project).sent) == 0  # same day: still capped
    with subscribers.database(project / ".briefgen" / "subscribers.db") as conn:
        conn.execute("UPDATE deliveries SET updated_at = '2000-01-01T00:00:00.000000+00:00'")
    assert len(send_now(project).sent) == 2  # "the next day"
    assert sink.per_recipient() == Counter(readers(5))


# --- S6-S8: the ledger ------------------------------------------------------------------------


def test_s6_ledger_schema(tmp_path: Path) -> None:
    with subscribers.database(tmp_path / "s.db") as conn:
        info = conn.execute("PRAGMA table_info(deliveries)").fetchall()
        assert [row["name"] for row in info] == [
            "issue_id",
            "subscriber_id",
            "message_id",
            "status",
            "attempts",
            "last_error",
            "updated_at",
        ]
        assert [row["name"] for row in info if row["pk"]] == ["issue_id", "subscriber_id"]
        reader, _ = subscribers.add(conn, "reader@example.org")
        insert = (
            "INSERT INTO deliveries (issue_id, subscriber_id, message_id, status, updated_at) "
            "VALUES (?, ?, '<m@x>', ?, '')"
        )
        for status in ("pending", "sending", "sent", "failed", "suppressed"):
            conn.execute(insert, (status, reader.id, status))
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(insert, ("x", reader.id, "bounced"))  # not a delivery status
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(insert, ("pending", reader.id, "pending"))  # one row per pair
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(insert, ("y", 999, "pending"))  # foreign key


def outgoing_for(issue_id: str = "7") -> send.Outgoing:
    def message_for(reader: subscribers.Subscriber, message_id: str, date: dt.datetime) -> Any:
        return EmailMessage()

    return send.Outgoing(issue_id, BOUNCES, lambda r: f"<{r.id}@x>", message_for)


def test_s7_claim_takes_a_row_once(tmp_path: Path) -> None:
    with subscribers.database(tmp_path / "s.db") as conn:
        reader, _ = subscribers.add(conn, "reader@example.org")
        assert send.prepare(conn, outgoing_for()) == 1
        assert send.prepare(conn, outgoing_for()) == 0  # rows exist: none added twice
        assert send.claim(conn, "7", reader.id) == "claimed"
        assert send.claim(conn, "7", reader.id) == "taken"  # another run has it
        conn.execute("UPDATE deliveries SET status = 'failed'")
        assert send.claim(conn, "7", reader.id) == "claimed"  # failed rows are retried
        conn.execute("UPDATE deliveries SET status = 'sent'")
        assert send.claim(conn, "7", reader.id) == "taken"
        conn.execute("UPDATE deliveries SET status = 'pending'")
        subscribers.remove(conn, "reader@example.org", status="complained")
        assert send.claim(conn, "7", reader.id) == "suppressed"
        assert send.claim(conn, "7", reader.id) == "taken"


def test_s7_rows_are_created_in_one_transaction(tmp_path: Path) -> None:
    with subscribers.database(tmp_path / "s.db") as conn:
        for address in readers(3):
            subscribers.add(conn, address)

        def fails_on_the_third(reader: subscribers.Subscriber) -> str:
            if reader.id == 3:
                raise RuntimeError("disk full")
            return f"<{reader.id}@x>"

        broken = dataclasses.replace(outgoing_for(), message_id_for=fails_on_the_third)
        with pytest.raises(RuntimeError):
            send.prepare(conn, broken)
        assert conn.execute("SELECT count(*) FROM deliveries").fetchone()[0] == 0


class CrashingTransport:
    """Wraps a transport and raises KeyboardInterrupt (a crash) around message `at`."""

    def __init__(self, inner: send.Transport, at: int, after_send: bool) -> None:
        self.inner, self.at, self.after_send, self.calls = inner, at, after_send, 0

    def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        self.calls += 1
        if self.calls == self.at and not self.after_send:
            raise KeyboardInterrupt
        self.inner.send(message, sender, recipient)
        if self.calls == self.at:
            raise KeyboardInterrupt  # the server has it; the ledger does not know yet

    def reset(self) -> None:
        self.inner.reset()

    def close(self) -> None:
        self.inner.close()


@pytest.mark.parametrize("after_send", [True, False], ids=["after-accept", "before-send"])
def test_s8_a_crash_leaves_one_row_in_sending_that_is_never_resent_automatically(
    after_send: bool, project: Path, smtp_server: Callable[..., int]
) -> None:
    sink = Sink()
    port = smtp_server(sink)
    add_readers(project, readers(5))
    settings = send.SmtpSettings("127.0.0.1", port, "none")
    crashing = CrashingTransport(send.SmtpTransport(settings), at=3, after_send=after_send)
    with pytest.raises(KeyboardInterrupt):
        send_now(project, transport=crashing)
    rows = ledger_rows(project)
    assert [r["status"] for r in rows.values()] == ["sent", "sent", "sending", "pending", "pending"]
    resumed = run("send", "--for-real")
    assert resumed.exit_code == 1
    stuck_id = rows["reader03@example.org"]["message_id"]
    assert f"Not retried: reader03@example.org {stuck_id}" in resumed.output
    assert "1 left in 'sending' need checking" in resumed.output
    expected = Counter(readers(5))
    if not after_send:
        expected["reader03@example.org"] = 0
    assert sink.per_recipient() == +expected  # nobody got it twice
    # the operator checks the provider's logs for the Message-ID, then settles the row
    outcome = "sent" if after_send else "failed"
    settled = run("send", "--mark-stuck", outcome)
    assert settled.exit_code == 0 and f"1 stuck deliveries marked {outcome}" in settled.output
    final = run("send", "--for-real")
    assert final.exit_code == 0, final.output
    assert sink.per_recipient() == Counter(readers(5))


def test_s8_a_killed_process_resumes_without_duplicates(
    project: Path, smtp_server: Callable[..., int]
) -> None:
    """A real crash: `briefgen send` killed with SIGKILL while the server holds message 3."""
    sink = Blocks(at=3)
    smtp_server(sink)
    add_readers(project, readers(5))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "briefgen", "send", "--for-real"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert sink.blocked.wait(60), "the sender never reached message 3"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        sink.released = True
    statuses = [r["status"] for r in ledger_rows(project).values()]
    assert statuses == ["sent", "sent", "sending", "pending", "pending"]
    resumed = run("send", "--for-real")
    assert resumed.exit_code == 1 and "Not retried: reader03@example.org" in resumed.output
    assert sink.per_recipient() == Counter(r for r in readers(5) if r != "reader03@example.org")
    assert run("send", "--mark-stuck", "failed").exit_code == 0  # the logs show it never left
    assert run("send", "--for-real").exit_code == 0
    assert sink.per_recipient() == Counter(readers(5))


def test_two_runs_at_once_never_send_twice(project: Path, smtp_server: Callable[..., int]) -> None:
    sink = Sink()
    smtp_server(sink)
    add_readers(project, readers(20))
    reports: list[send.SendReport] = []
    errors: list[BaseException] = []

    def one_run() -> None:
        try:
            reports.append(pipeline.send_digest(load_project(project), for_real=True))
        except BaseException as error:  # pragma: no cover - shown by the assert below
            errors.append(error)

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sorted(r for report in reports for r in report.sent) == readers(20)
    assert sink.per_recipient() == Counter(readers(20))


# --- the issue: closing, date ranges, refusals ------------------------------------------------


def test_a_real_send_closes_the_issue_and_new_briefs_go_to_the_next(
    project: Path, smtp_server: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = Sink()
    smtp_server(sink)
    add_readers(project, readers(2))
    assert run("send", "--for-real").exit_code == 0
    record = project / "issues" / "0001.yml"
    assert record.is_file() and all(b.id in record.read_text() for b in english_briefs())
    later = dataclasses.replace(
        english_briefs()[0], id="0badcafe", title="A Later Story", path="2026/11/later.md"
    )
    write_briefs(project, [dataclasses.replace(later, added=dt.date(2026, 11, 28))])
    digest = run("digest")
    assert digest.exit_code == 0 and "issues/2/index.html" in digest.output
    web = (project / "site" / "issues" / "2" / "index.html").read_text(encoding="utf-8")
    assert web.count('class="story"') == 1 and "A Later Story" in web
    assert run("send", "--for-real").exit_code == 0
    subjects = [
        BytesParser(policy=policy.default).parsebytes(m.content)["Subject"] for m in sink.received
    ]
    assert subjects[-1] == "China Auto Partnerships Briefing #2 — A Later Story"
    assert sink.per_recipient() == Counter(readers(2) * 2)


def test_date_range_makes_the_next_issue(
    project_dir: Path, smtp_server: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFGEN_SECRET", SECRET)
    monkeypatch.setenv("SEND_RATE_PER_SEC", "1000")
    briefs = english_briefs()
    days = [dt.date(2026, 11, day) for day in (1, 10, 20, 21)]
    dated = [dataclasses.replace(b, added=d) for b, d in zip(briefs, days, strict=True)]
    write_briefs(project_dir, dated)
    sink = Sink()
    smtp_server(sink)
    add_readers(project_dir, readers(1))
    preview = run("digest", "--since", "2026-11-05", "--until", "2026-11-15")
    assert preview.exit_code == 0, preview.output
    web = (project_dir / "site" / "issues" / "1" / "index.html").read_text(encoding="utf-8")
    assert briefs[1].title in web and briefs[0].title not in web
    sent = run("send", "--until", "2026-11-10", "--for-real")
    assert sent.exit_code == 0, sent.output
    first = BytesParser(policy=policy.default).parsebytes(sink.received[0].content)
    assert first["Subject"].endswith(briefs[0].title)  # the top story of Nov 1-10
    html = first.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert briefs[1].title in html and briefs[2].title not in html
    rest = run("send", "--for-real")  # the next issue: what the range left out
    assert rest.exit_code == 0, rest.output
    second = BytesParser(policy=policy.default).parsebytes(sink.received[1].content)
    assert "#2 — " in second["Subject"]
    html = second.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert briefs[2].title in html and briefs[3].title in html and briefs[0].title not in html
    both = run("send", "--issue", "1", "--since", "2026-11-01")
    assert both.exit_code == 1 and "either --issue or --since/--until" in both.output
    empty = run("digest", "--since", "2026-12-01")
    assert empty.exit_code == 1 and "no briefs added from 2026-12-01" in empty.output
    swapped = run("send", "--since", "2026-11-15", "--until", "2026-11-01")
    assert swapped.exit_code == 1 and "swap them" in swapped.output
    bad = run("send", "--since", "15/11/2026")
    assert bad.exit_code == 2 and "--since" in bad.output


def test_t3_an_empty_issue_is_refused(project_dir: Path, smtp_server: Callable[..., int]) -> None:
    smtp_server(Sink())
    result = run("send", "--for-real")
    assert result.exit_code == 1
    assert result.output == (
        "Error: there are no briefs to put in an issue; add articles to seeds/ and run "
        "briefgen build\n"
    )


def test_refusals_before_anything_is_sent(
    project: Path, smtp_server: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = Sink()
    smtp_server(sink)
    nobody = run("send")
    assert nobody.exit_code == 1 and "no active subscribers" in nobody.output
    add_readers(project, readers(1))
    monkeypatch.delenv("BRIEFGEN_SECRET")
    no_secret = run("send", "--for-real")
    assert no_secret.exit_code == 2 and "set BRIEFGEN_SECRET" in no_secret.output
    monkeypatch.setenv("BRIEFGEN_SECRET", SECRET)
    monkeypatch.delenv("SMTP_HOST")
    no_host = run("send", "--for-real")
    assert no_host.exit_code == 2 and "SMTP_HOST is not set" in no_host.output
    assert not sink.received and not (project / "issues").exists()


# --- progress ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["--verbose", "default", "--quiet"])
def test_progress_verbose_per_message_default_summary_quiet_silent(
    mode: str, project: Path, smtp_server: Callable[..., int]
) -> None:
    smtp_server(Sink())
    add_readers(project, readers(3))
    flags = [] if mode == "default" else [mode]
    dry = run("send", *flags)
    real = run("send", "--for-real", *flags)
    assert dry.exit_code == 0 and real.exit_code == 0, real.output
    lines = [f"Sent {n}/3 to {a} <issue-1.s-" for n, a in enumerate(readers(3), 1)]
    if mode == "--verbose":
        assert all(line in real.output for line in lines)
        assert "Wrote 000001-reader01@example.org.eml" in dry.output
    if mode == "default":
        assert not any(line in real.output for line in lines)
        assert "Issue 1: 3 sent, 0 failed, 0 suppressed, 0 sent before" in real.output
        assert "Dry run: 3 messages written to outbox/1 (0 already sent)" in dry.output
    if mode == "--quiet":
        assert dry.output == "" and real.output == ""


def test_progress_counts_in_a_log_every_tenth(
    project: Path, smtp_server: Callable[..., int]
) -> None:
    smtp_server(Sink())
    add_readers(project, readers(20))
    result = run("send", "--for-real")
    assert result.exit_code == 0
    counts = re.findall(r"^Sending: (\d+)/20$", result.output, flags=re.MULTILINE)
    assert counts == [str(n) for n in range(2, 21, 2)]
