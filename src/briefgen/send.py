"""Send stage: the digest over SMTP, one message per subscriber, never twice (EMAIL.md S1-S10).

The ledger is the `deliveries` table next to the subscribers (see `briefgen.subscribers`):
one row per (issue, subscriber). An issue's first real run creates the rows of every active
subscriber in one transaction (its audience); every run then, for each row, *claims* it
(`pending`/`failed` → `sending`, only if exactly one row changed), sends, and records `sent`
or `failed`. A row left in `sending` by a crash is never retried
automatically (at most once): it is reported with its Message-ID for reconciliation against
the provider's logs, and `mark_stuck` settles it by hand.

This module knows nothing about rendering: the pipeline hands it an `Outgoing` that makes
each reader's message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import random
import re
import smtplib
import sqlite3
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Literal, Protocol

from briefgen.atomic_files import atomic_write
from briefgen.errors import BriefgenError, ConfigError
from briefgen.subscribers import Subscriber, from_row, now_text, set_status, transaction

log = logging.getLogger("briefgen")

SECURITY_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
LOOPBACK = ("127.0.0.1", "::1")
BATCH_SIZE = 100
"""Messages sent over one SMTP connection before it is closed and a new one opened."""
MAX_CONSECUTIVE_FAILURES = 10
"""A run stops after this many refusals in a row: the cause is the sender, not the readers."""
PREVIEW_FILE = "preview.eml"

Progress = Callable[[int, int], None]
"""Called after each subscriber is handled with (done, total)."""


class SendStopped(BriefgenError):
    """The server or the configuration stops the whole run (not one reader's problem)."""


# --- S1: SMTP settings from the environment ---------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to connect. The password is kept out of `repr` (and never logged)."""

    host: str
    port: int
    security: Literal["starttls", "ssl", "none"]
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 60.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings:
        """`SMTP_HOST`, `SMTP_PORT`, `SMTP_USERNAME`, `SMTP_PASSWORD`, `SMTP_SECURITY`.

        Security defaults to `starttls` on port 587 (`ssl` when the port is 465); `none` is
        accepted only for 127.0.0.1 and ::1, since it would send the password in clear text.
        """
        env = os.environ if env is None else env
        host = env.get("SMTP_HOST", "").strip()
        if not host:
            raise ConfigError(
                "SMTP_HOST is not set; export SMTP_HOST, SMTP_PORT, SMTP_USERNAME, "
                "SMTP_PASSWORD and SMTP_SECURITY (see README.md), or drop --for-real"
            )
        port_text = env.get("SMTP_PORT", "").strip()
        security = env.get("SMTP_SECURITY", "").strip().lower()
        if not security:
            security = "ssl" if port_text == "465" else "starttls"
        if security == "starttls":
            mode: Literal["starttls", "ssl", "none"] = "starttls"
        elif security == "ssl":
            mode = "ssl"
        elif security == "none":
            mode = "none"
        else:
            raise ConfigError.invalid(
                "SMTP_SECURITY", "starttls, ssl or none", security, "environment"
            )
        try:
            port = int(port_text) if port_text else DEFAULT_PORTS[mode]
        except ValueError:
            port = 0
        if not 0 < port < 65536:
            raise ConfigError.invalid("SMTP_PORT", "a port number", port_text, "environment")
        if mode == "none" and host not in LOOPBACK:
            raise ConfigError(
                f"environment: SMTP_SECURITY=none is allowed only for 127.0.0.1 or ::1, not "
                f"{host!r}; use starttls (port 587) or ssl (port 465)"
            )
        username = env.get("SMTP_USERNAME", "").strip() or None
        password = env.get("SMTP_PASSWORD") or None
        if bool(username) != bool(password):
            raise ConfigError("environment: set both SMTP_USERNAME and SMTP_PASSWORD, or neither")
        return cls(host=host, port=port, security=mode, username=username, password=password)


# --- S3: the transport ------------------------------------------------------------------------


class Transport(Protocol):
    """Delivers one message to one recipient; `reset` drops a connection in an unknown state."""

    def send(self, message: EmailMessage, sender: str, recipient: str) -> None: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...


class SmtpTransport:
    """smtplib over one connection per batch of `batch_size` messages (S3)."""

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        context: ssl.SSLContext | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.settings = settings
        self._context = context
        self._batch_size = batch_size
        self._smtp: smtplib.SMTP | None = None
        self._sent_on_connection = 0

    def __repr__(self) -> str:
        return f"SmtpTransport({self.settings!r})"

    def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        """Send `message` to exactly `recipient`; raise on any refusal (a refused dict too)."""
        if self._sent_on_connection >= self._batch_size:
            self.close()
        if self._smtp is None or self._smtp.sock is None:
            self._smtp = self._connect()
            self._sent_on_connection = 0
        self._sent_on_connection += 1
        refused = self._smtp.send_message(message, from_addr=sender, to_addrs=[recipient])
        if refused:  # some recipients refused: for this row that means not delivered
            raise smtplib.SMTPRecipientsRefused(refused)

    def reset(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
        self._smtp = None

    def close(self) -> None:
        if self._smtp is not None and self._smtp.sock is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()  # a polite QUIT; the connection is dropped either way
        self.reset()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = self._context or ssl.create_default_context()
        where = f"{s.host}:{s.port}"
        smtp: smtplib.SMTP | None = None
        try:
            if s.security == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    smtp.ehlo()
                    smtp.starttls(context=context)
                    smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.password or "")
        except smtplib.SMTPAuthenticationError as error:
            _close_quietly(smtp)
            if 400 <= error.smtp_code < 500:
                raise  # temporary: retried like any 4xx
            raise SendStopped(
                f"{where} refused the login for SMTP_USERNAME ({error.smtp_code}); "
                "check SMTP_USERNAME and SMTP_PASSWORD"
            ) from None
        except smtplib.SMTPNotSupportedError as error:
            _close_quietly(smtp)
            missing = "STARTTLS" if "STARTTLS" in str(error).upper() else "AUTH"
            raise SendStopped(
                f"{where} does not offer {missing}; check SMTP_SECURITY and SMTP_PORT "
                "(ssl uses 465, starttls 587)"
            ) from None
        except ssl.SSLError as error:
            _close_quietly(smtp)
            raise SendStopped(f"TLS with {where} failed: {error.reason or error}") from None
        except BaseException:
            _close_quietly(smtp)
            raise
        return smtp


def _close_quietly(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        smtp.close()


# --- S4: retries; S5: rate limit --------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: try `tries` times, waiting about base·2ⁿ, at most `cap`."""

    tries: int = 5
    base: float = 5.0
    cap: float = 600.0

    def delay(self, failed_tries: int, rng: random.Random) -> float:
        """Seconds to wait after `failed_tries` failures: between half and all of the step."""
        step = min(self.cap, self.base * 2.0 ** (failed_tries - 1))
        return step / 2 + rng.uniform(0.0, step / 2)


RETRY = RetryPolicy()


class RateLimiter:
    """A token bucket: `rate` messages a second on average, bursts of at most `burst`.

    The default burst of one spaces messages evenly (at 14/s, one every 71 ms), which keeps
    under per-second limits such as SES's maximum send rate however the second is measured.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self.rate = rate
        self.capacity = burst
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()

    def acquire(self) -> None:
        """Take one token, sleeping until there is one."""
        while True:
            now = self._clock()
            elapsed = max(0.0, now - self._updated)
            self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
            self._updated = now
            if self._tokens >= 1 - 1e-9:  # float rounding must not leave a sliver to wait for
                self._tokens -= 1
                return
            self._sleep((1 - self._tokens) / self.rate)


@dataclass(frozen=True)
class Limits:
    """How fast and how much a run may send."""

    rate_per_sec: float = 1.0
    daily_cap: int = 2000

    @classmethod
    def resolve(
        cls, rate_per_sec: float, daily_cap: int, env: Mapping[str, str] | None = None
    ) -> Limits:
        """The configured limits, overridden by `SEND_RATE_PER_SEC` and `SEND_DAILY_CAP`."""
        env = os.environ if env is None else env
        rate: float = rate_per_sec
        where = "mkdocs.yml"
        if env.get("SEND_RATE_PER_SEC", "").strip():
            where = "environment"
            try:
                rate = float(env["SEND_RATE_PER_SEC"])
            except ValueError:
                rate = 0
        if not 0 < rate < float("inf"):
            raise ConfigError.invalid("SEND_RATE_PER_SEC", "a positive number", rate, where)
        cap = daily_cap
        where = "mkdocs.yml"
        if env.get("SEND_DAILY_CAP", "").strip():
            where = "environment"
            try:
                cap = int(env["SEND_DAILY_CAP"])
            except ValueError:
                cap = 0
        if cap < 1:
            raise ConfigError.invalid("SEND_DAILY_CAP", "a whole number of 1 or more", cap, where)
        return cls(rate_per_sec=rate, daily_cap=cap)


# --- errors: temporary or permanent -----------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """An SMTP error sorted the way S4 needs it."""

    kind: Literal["temporary", "permanent", "connection"]
    error: str
    hard_bounce: bool = False
    """A permanent 5.1.x refusal (no such user or domain): the address is suppressed."""
    sender_refused: bool = False
    """The server refused our envelope sender: every message would fail the same way."""


_HARD_BOUNCE = re.compile(r"(?<![\d.])5\.1\.\d{1,3}(?![\d.])")


def classify(error: Exception) -> Failure:
    """Temporary (4xx, retried), permanent (5xx, not retried) or a lost connection (retried)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()), (0, b""))
        return _by_code(code, reply)
    if isinstance(error, smtplib.SMTPResponseException):
        failure = _by_code(error.smtp_code, error.smtp_error)
        if isinstance(error, smtplib.SMTPSenderRefused) and failure.kind == "permanent":
            return Failure("permanent", failure.error, sender_refused=True)
        return failure
    text = f"{type(error).__name__}: {error}".rstrip(": ")
    if isinstance(error, smtplib.SMTPException) and not isinstance(
        error, smtplib.SMTPServerDisconnected
    ):
        return Failure("permanent", text)  # e.g. the server lacks an extension the message needs
    # SMTPServerDisconnected, timeouts, refused or reset connections, DNS failures
    return Failure("connection", text)


def _by_code(code: int, reply: bytes | str) -> Failure:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    message = " ".join(f"{code} {text}".split())
    if 400 <= code < 500:
        return Failure("temporary", message)
    return Failure("permanent", message, hard_bounce=bool(_HARD_BOUNCE.search(text)))


# --- the ledger (S6-S10) ----------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """One issue ready to go: how to name and build each reader's message."""

    issue_id: str
    sender: str
    """Envelope sender (`MAIL FROM`): where bounces go."""
    message_id_for: Callable[[Subscriber], str]
    message_for: Callable[[Subscriber, str, dt.datetime], EmailMessage]
    """(subscriber, Message-ID, Date) → the message for that reader alone."""


@dataclass
class SendReport:
    """What a run did, reader by reader."""

    issue_id: str
    dry_run: bool = False
    total: int = 0
    """Deliveries this run set out to make (pending or failed rows; readers for a dry run)."""
    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    suppressed: list[str] = field(default_factory=list)
    already_sent: int = 0
    stuck: list[tuple[str, str]] = field(default_factory=list)
    """(address, Message-ID) of rows left in `sending` by an interrupted run."""
    remaining: int = 0
    """Rows still to send when the run stopped early."""
    capped: bool = False
    """The run stopped at the daily cap."""
    stopped: str | None = None
    """Why the run stopped before the end (an error that affects every reader)."""
    written: list[Path] = field(default_factory=list)
    """Dry run: the .eml files written."""


def prepare(conn: sqlite3.Connection, outgoing: Outgoing, now: dt.datetime | None = None) -> int:
    """Create a `pending` row for every active subscriber, in one transaction (S7).

    Only on an issue's first real run: its audience is fixed then, like a Ghost email's
    recipients, so running it again (to resume) never mails anyone new; readers who subscribe
    later get the next issue. Suppressed readers get no row (S10). Returns rows created.
    """
    stamp = now_text(now)
    created = 0
    with transaction(conn):
        started = conn.execute(
            "SELECT 1 FROM deliveries WHERE issue_id = ? LIMIT 1", (outgoing.issue_id,)
        ).fetchone()
        rows = [] if started else _active(conn)
        for row in rows:
            subscriber = from_row(row)
            conn.execute(
                "INSERT INTO deliveries (issue_id, subscriber_id, message_id, status, "
                "attempts, updated_at) VALUES (?, ?, ?, 'pending', 0, ?)",
                (outgoing.issue_id, subscriber.id, outgoing.message_id_for(subscriber), stamp),
            )
            created += 1
    return created


def _active(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM subscribers WHERE status = 'active' ORDER BY id").fetchall()


def claim(
    conn: sqlite3.Connection, issue_id: str, subscriber_id: int, now: dt.datetime | None = None
) -> Literal["claimed", "suppressed", "taken"]:
    """Take a row for sending (S7): only a `pending` or `failed` row of an active reader.

    "suppressed": the reader unsubscribed or bounced since the row was made (S10, again at
    claim time). "taken": another run claimed or finished it; do not send.
    """
    stamp = now_text(now)
    with transaction(conn):
        gone = conn.execute(
            "UPDATE deliveries SET status = 'suppressed', updated_at = ? "
            "WHERE issue_id = ? AND subscriber_id = ? AND status IN ('pending', 'failed') "
            "AND (SELECT status FROM subscribers WHERE id = ?) != 'active'",
            (stamp, issue_id, subscriber_id, subscriber_id),
        )
        if gone.rowcount == 1:
            return "suppressed"
        taken = conn.execute(
            "UPDATE deliveries SET status = 'sending', updated_at = ? "
            "WHERE issue_id = ? AND subscriber_id = ? AND status IN ('pending', 'failed')",
            (stamp, issue_id, subscriber_id),
        )
        return "claimed" if taken.rowcount == 1 else "taken"


def _finish(
    conn: sqlite3.Connection,
    issue_id: str,
    subscriber_id: int,
    status: str,
    error: str | None,
    now: dt.datetime,
) -> None:
    conn.execute(
        "UPDATE deliveries SET status = ?, attempts = attempts + 1, last_error = ?, "
        "updated_at = ? WHERE issue_id = ? AND subscriber_id = ? AND status = 'sending'",
        (status, error, now_text(now), issue_id, subscriber_id),
    )


def _note_attempt(
    conn: sqlite3.Connection, issue_id: str, subscriber_id: int, error: str, now: dt.datetime
) -> None:
    conn.execute(
        "UPDATE deliveries SET attempts = attempts + 1, last_error = ?, updated_at = ? "
        "WHERE issue_id = ? AND subscriber_id = ? AND status = 'sending'",
        (error, now_text(now), issue_id, subscriber_id),
    )


def ledger(conn: sqlite3.Connection, issue_id: str) -> dict[str, int]:
    """Rows of an issue by status (every status present)."""
    found = dict(
        conn.execute(
            "SELECT status, count(*) FROM deliveries WHERE issue_id = ? GROUP BY status",
            (issue_id,),
        )
    )
    statuses = ("pending", "sending", "sent", "failed", "suppressed")
    return {status: int(found.get(status, 0)) for status in statuses}


def unfinished_issues(conn: sqlite3.Connection) -> dict[str, int]:
    """Issues with rows still to send (pending or failed), and how many."""
    rows = conn.execute(
        "SELECT issue_id, count(*) FROM deliveries WHERE status IN ('pending', 'failed') "
        "GROUP BY issue_id ORDER BY issue_id"
    )
    return {str(issue_id): int(count) for issue_id, count in rows}


def stuck_rows(conn: sqlite3.Connection, issue_id: str) -> list[tuple[str, str]]:
    """(address, Message-ID) of the issue's rows left in `sending` (S8)."""
    rows = conn.execute(
        "SELECT s.email, d.message_id FROM deliveries d JOIN subscribers s "
        "ON s.id = d.subscriber_id WHERE d.issue_id = ? AND d.status = 'sending' ORDER BY s.id",
        (issue_id,),
    )
    return [(str(email), str(message_id)) for email, message_id in rows]


def mark_stuck(
    conn: sqlite3.Connection,
    issue_id: str,
    outcome: Literal["sent", "failed"],
    now: dt.datetime | None = None,
) -> list[tuple[str, str]]:
    """Settle rows left in `sending` after checking the provider's logs by Message-ID:
    `sent` if they were delivered, `failed` to send them again on the next run."""
    with transaction(conn):
        stuck = stuck_rows(conn, issue_id)
        conn.execute(
            "UPDATE deliveries SET status = ?, last_error = ?, updated_at = ? "
            "WHERE issue_id = ? AND status = 'sending'",
            (outcome, f"settled by hand as {outcome}", now_text(now), issue_id),
        )
    return stuck


def sent_since(conn: sqlite3.Connection, moment: dt.datetime) -> int:
    """Messages sent (over all issues) since `moment`: what counts against the daily cap."""
    row = conn.execute(
        "SELECT count(*) FROM deliveries WHERE status = 'sent' AND updated_at >= ?",
        (now_text(moment),),
    ).fetchone()
    return int(row[0])


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- the run ----------------------------------------------------------------------------------


def deliver(
    conn: sqlite3.Connection,
    outgoing: Outgoing,
    transport: Transport,
    *,
    limits: Limits | None = None,
    retry: RetryPolicy = RETRY,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], dt.datetime] = _utcnow,
    rng: random.Random | None = None,
    progress: Progress | None = None,
) -> SendReport:
    """Send every `pending` or `failed` row of the issue (call `prepare` first).

    One message per reader over the transport, each claimed in the ledger first. Temporary
    errors and lost connections are retried with backoff (S4); 5xx marks the row `failed`,
    and 5.1.x also marks the reader `bounced`. The run stops early at the daily cap, when the
    server cannot be reached after every retry, or when the sender itself is refused; what it
    did is in the report either way, and running it again resumes.
    """
    limits = limits or Limits()
    rng = rng or random.Random()  # jitter, not security
    limiter = RateLimiter(limits.rate_per_sec, clock=clock, sleep=sleep)
    issue_id = outgoing.issue_id
    report = SendReport(issue_id=issue_id)
    report.already_sent = ledger(conn, issue_id)["sent"]
    report.stuck = stuck_rows(conn, issue_id)
    for address, message_id in report.stuck:
        log.warning(
            "Not retried: %s %s was left in 'sending' by an interrupted run; check the "
            "provider's logs for it, then run briefgen send --issue %s --mark-stuck sent|failed",
            address,
            message_id,
            issue_id,
        )
    todo = [
        (from_row(row), str(row["message_id"]))
        for row in conn.execute(
            "SELECT s.*, d.message_id FROM deliveries d JOIN subscribers s "
            "ON s.id = d.subscriber_id WHERE d.issue_id = ? AND d.status IN "
            "('pending', 'failed') ORDER BY s.id",
            (issue_id,),
        ).fetchall()
    ]
    report.total = len(todo)
    refusals_in_a_row = 0
    try:
        for done, (subscriber, message_id) in enumerate(todo):
            midnight = now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            if sent_since(conn, midnight) >= limits.daily_cap:
                report.capped = True
                report.remaining = len(todo) - done
                log.warning(
                    "Daily cap of %d messages reached; %d left. Run the same command "
                    "tomorrow to send the rest.",
                    limits.daily_cap,
                    report.remaining,
                )
                break
            limiter.acquire()
            message = outgoing.message_for(subscriber, message_id, now())  # M10 raises here
            outcome = claim(conn, issue_id, subscriber.id, now())
            if outcome == "suppressed":
                report.suppressed.append(subscriber.email)
                log.debug("Suppressed %s (%s)", subscriber.email, "no longer active")
            elif outcome == "claimed":
                failure = _send_one(
                    conn, outgoing, transport, subscriber, message, limiter, retry, sleep, now, rng
                )
                if failure is None:
                    report.sent.append(subscriber.email)
                    refusals_in_a_row = 0
                    log.debug(
                        "Sent %d/%d to %s %s", done + 1, len(todo), subscriber.email, message_id
                    )
                else:
                    report.failed.append((subscriber.email, failure.error))
                    log.warning("Failed: %s: %s", subscriber.email, failure.error)
                    refusals_in_a_row += 1
                    stop = _stop_reason(failure, refusals_in_a_row)
                    if stop:
                        raise SendStopped(stop)
            if progress is not None:
                progress(done + 1, len(todo))
    except SendStopped as error:
        report.stopped = error.message
        counts = ledger(conn, issue_id)
        report.remaining = counts["pending"] + counts["failed"]
    finally:
        transport.close()
    return report


def _stop_reason(failure: Failure, refusals_in_a_row: int) -> str | None:
    if failure.kind == "connection":
        return f"the SMTP server could not be reached ({failure.error})"
    if failure.sender_refused:
        return f"the server refused the envelope sender ({failure.error}); check bounce_address"
    if refusals_in_a_row >= MAX_CONSECUTIVE_FAILURES:
        return f"{refusals_in_a_row} messages in a row were refused (last: {failure.error})"
    return None


def _send_one(
    conn: sqlite3.Connection,
    outgoing: Outgoing,
    transport: Transport,
    subscriber: Subscriber,
    message: EmailMessage,
    limiter: RateLimiter,
    retry: RetryPolicy,
    sleep: Callable[[float], None],
    now: Callable[[], dt.datetime],
    rng: random.Random,
) -> Failure | None:
    """Send one claimed row with retries; record the outcome; None when it was sent."""
    issue_id = outgoing.issue_id
    for attempt in range(1, retry.tries + 1):
        if attempt > 1:
            limiter.acquire()
        try:
            transport.send(message, outgoing.sender, subscriber.email)
        except SendStopped as error:  # login refused, TLS failed: nothing was sent
            _finish(conn, issue_id, subscriber.id, "failed", error.message, now())
            raise
        except (smtplib.SMTPException, OSError) as error:  # includes timeouts and socket errors
            failure = classify(error)
            if failure.kind == "connection" or isinstance(error, smtplib.SMTPServerDisconnected):
                transport.reset()
            if failure.kind == "permanent":
                _finish(conn, issue_id, subscriber.id, "failed", failure.error, now())
                if failure.hard_bounce:
                    set_status(conn, subscriber.id, "bounced", now())
                    log.info("Suppressed %s from now on: %s", subscriber.email, failure.error)
                return failure
            if attempt == retry.tries:
                _finish(conn, issue_id, subscriber.id, "failed", failure.error, now())
                return failure
            _note_attempt(conn, issue_id, subscriber.id, failure.error, now())
            wait = retry.delay(attempt, rng)
            log.info(
                "Temporary error for %s (%s); try %d of %d in %.1f s",
                subscriber.email,
                failure.error,
                attempt + 1,
                retry.tries,
                wait,
            )
            sleep(wait)
            continue
        _finish(conn, issue_id, subscriber.id, "sent", None, now())
        return None
    raise AssertionError("unreachable: the last try always returns")  # pragma: no cover


# --- S2: the dry run --------------------------------------------------------------------------


def write_outbox(
    conn: sqlite3.Connection,
    outgoing: Outgoing,
    folder: Path,
    *,
    now: Callable[[], dt.datetime] = _utcnow,
    progress: Progress | None = None,
) -> SendReport:
    """One `.eml` per reader a real send would mail now, in `folder`; the ledger is untouched.

    That is every active subscriber for an issue not sent yet, else the active readers whose
    rows are still `pending` or `failed`. Files from an earlier dry run are replaced, so the
    folder always shows the current list.
    """
    report = SendReport(issue_id=outgoing.issue_id, dry_run=True)
    if sum(ledger(conn, outgoing.issue_id).values()):
        rows = conn.execute(
            "SELECT s.* FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id "
            "WHERE d.issue_id = ? AND d.status IN ('pending', 'failed') "
            "AND s.status = 'active' ORDER BY s.id",
            (outgoing.issue_id,),
        ).fetchall()
    else:
        rows = _active(conn)
    report.already_sent = ledger(conn, outgoing.issue_id)["sent"]
    report.stuck = stuck_rows(conn, outgoing.issue_id)
    report.total = len(rows)
    if folder.is_dir():
        for old in folder.glob("*.eml"):
            if old.name != PREVIEW_FILE:
                old.unlink()
    for done, row in enumerate(rows, 1):
        subscriber = from_row(row)
        message = outgoing.message_for(subscriber, outgoing.message_id_for(subscriber), now())
        target = folder / f"{subscriber.id:06d}-{_file_safe(subscriber.email)}.eml"
        atomic_write(target, message.as_bytes())
        report.written.append(target)
        log.debug("Wrote %s", target.name)
        if progress is not None:
            progress(done, len(rows))
    return report


def _file_safe(address: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._+-]", "_", address)


__all__ = [
    "RETRY",
    "Failure",
    "Limits",
    "Outgoing",
    "RateLimiter",
    "RetryPolicy",
    "SendReport",
    "SendStopped",
    "SmtpSettings",
    "SmtpTransport",
    "Transport",
    "claim",
    "classify",
    "deliver",
    "ledger",
    "mark_stuck",
    "prepare",
    "sent_since",
    "stuck_rows",
    "unfinished_issues",
    "write_outbox",
]
