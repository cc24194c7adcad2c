"""Subscribers: who receives the digest, kept in SQLite together with the send ledger.

One database file (`digest.subscribers_db`, by default `.briefgen/subscribers.db`, gitignored)
holds two tables: `subscribers` (this module) and `deliveries`, the ledger of which subscriber
was sent which issue (`briefgen.send`). The schema is versioned with `PRAGMA user_version`;
every query is parameterised.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path

from briefgen.errors import BriefgenError

SCHEMA_VERSION = 1
STATUSES = ("active", "unsubscribed", "bounced", "complained")
"""`active` readers get the digest; the others are suppressed and never mailed (S10)."""
BUSY_TIMEOUT_MS = 10_000

_SCHEMA = (
    """CREATE TABLE subscribers (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'active'
            CHECK (status IN ('active', 'unsubscribed', 'bounced', 'complained')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    # The send ledger (S6): one row per (issue, subscriber), so nothing is ever sent twice.
    """CREATE TABLE deliveries (
        issue_id TEXT NOT NULL,
        subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        message_id TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'suppressed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (issue_id, subscriber_id)
    )""",
    "CREATE INDEX deliveries_by_status ON deliveries (status, updated_at)",
)

# A dot-atom local part (no quoted strings) and a DNS host name with a letter TLD or IDNA label.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"({_LOCAL})@((?:{_LABEL}\.)+(?:[A-Za-z]{{2,63}}|xn--[A-Za-z0-9-]{{1,59}}))")
_WS = re.compile(r"\s+")
NAME_CHARS = 200


@dataclass(frozen=True)
class Subscriber:
    """One reader: a normalised address, an optional display name and a status."""

    id: int
    email: str
    name: str
    status: str
    created_at: str
    updated_at: str


class InvalidAddress(ValueError):
    """An address briefgen will not mail; the message says why."""


def normalise_address(raw: str) -> str:
    """`raw` as a bare, lower-case address, or `InvalidAddress` saying what is wrong with it.

    A sane subset of RFC 5321: a dot-atom local part, a host name with a TLD, ASCII only (the
    digest is sent without SMTPUTF8), at most 254 characters, and `email.utils.parseaddr` must
    read it back as the same bare address (no display name, no second address).
    """
    address = raw.strip()
    if not address:
        raise InvalidAddress("empty address")
    if not address.isascii():
        raise InvalidAddress(f"{address!r} has non-ASCII characters (not supported)")
    if any(c.isspace() or not c.isprintable() for c in address):
        raise InvalidAddress(f"{address!r} contains spaces or control characters")
    match = _ADDRESS.fullmatch(address)
    if match is None or parseaddr(address) != ("", address):
        raise InvalidAddress(f"{address!r} is not a valid address such as reader@example.com")
    if len(address) > 254 or len(match.group(1)) > 64:
        raise InvalidAddress(f"{address!r} is too long")
    return address.lower()


def clean_name(raw: str) -> str:
    """A display name on one line: no control characters, whitespace collapsed, 200 chars."""
    kept = "".join(" " if unicodedata.category(c).startswith("C") else c for c in raw)
    return _WS.sub(" ", kept).strip()[:NAME_CHARS]


# --- the database -----------------------------------------------------------------------------


def connect(path: Path) -> sqlite3.Connection:
    """Open (and create or migrate) the database: WAL, foreign keys on, explicit transactions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")  # a ledger row once committed survives a crash
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _migrate(conn, path)
    except sqlite3.DatabaseError as error:
        conn.close()
        raise BriefgenError(f"{path}: not a usable subscribers database ({error})") from None
    except BaseException:
        conn.close()
        raise
    return conn


@contextlib.contextmanager
def database(path: Path) -> Iterator[sqlite3.Connection]:
    """`connect(path)`, closed when the block ends."""
    conn = connect(path)
    try:
        yield conn
    finally:
        conn.close()


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """`BEGIN IMMEDIATE` … `COMMIT`, or `ROLLBACK` on any exception: all or nothing."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    with transaction(conn):
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise BriefgenError(
                f"{path}: made by a newer briefgen (schema {version}, this one knows "
                f"{SCHEMA_VERSION}); upgrade briefgen"
            )
        if version == 0:
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def now_text(now: dt.datetime | None = None) -> str:
    """A UTC timestamp in one fixed ISO format, so text order is time order."""
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return moment.isoformat(timespec="microseconds")


def from_row(row: sqlite3.Row) -> Subscriber:
    """A subscriber from a row of the `subscribers` table (or a join that selects its columns)."""
    return Subscriber(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        status=row["status"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


# --- reading ----------------------------------------------------------------------------------


def find(conn: sqlite3.Connection, address: str) -> Subscriber | None:
    """The subscriber with `address` (any case), or None."""
    try:
        email = normalise_address(address)
    except InvalidAddress:
        return None
    row = conn.execute("SELECT * FROM subscribers WHERE email = ?", (email,)).fetchone()
    return from_row(row) if row else None


def find_by_token(
    conn: sqlite3.Connection, token: str, token_of: Callable[[str], str]
) -> Subscriber | None:
    """The subscriber whose unsubscribe token is `token` (from a `mailto:` request)."""
    for subscriber in listing(conn):
        if token_of(subscriber.email) == token:
            return subscriber
    return None


def listing(conn: sqlite3.Connection, status: str | None = None) -> list[Subscriber]:
    """Every subscriber (or those with `status`), oldest first."""
    if status is None:
        rows = conn.execute("SELECT * FROM subscribers ORDER BY id")
    else:
        _check_status(status)
        rows = conn.execute("SELECT * FROM subscribers WHERE status = ? ORDER BY id", (status,))
    return [from_row(row) for row in rows]


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Number of subscribers by status (every status present, zero when none)."""
    found = dict(conn.execute("SELECT status, count(*) FROM subscribers GROUP BY status"))
    return {status: int(found.get(status, 0)) for status in STATUSES}


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise BriefgenError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")


# --- changing ---------------------------------------------------------------------------------


def add(
    conn: sqlite3.Connection,
    address: str,
    name: str = "",
    *,
    reactivate: bool = False,
    now: dt.datetime | None = None,
) -> tuple[Subscriber, bool]:
    """Add an active subscriber; return it and whether anything changed.

    An address that unsubscribed, bounced or complained stays suppressed unless `reactivate`
    is given (only when that person asked to subscribe again).
    """
    try:
        email = normalise_address(address)
    except InvalidAddress as error:
        raise BriefgenError(f"{error}; nothing added") from None
    stamp = now_text(now)
    with transaction(conn):
        row = conn.execute("SELECT * FROM subscribers WHERE email = ?", (email,)).fetchone()
        if row is None:
            conn.execute(
                "INSERT INTO subscribers (email, name, status, created_at, updated_at) "
                "VALUES (?, ?, 'active', ?, ?)",
                (email, clean_name(name), stamp, stamp),
            )
            changed = True
        elif row["status"] == "active":
            changed = False
        elif reactivate:
            conn.execute(
                "UPDATE subscribers SET status = 'active', updated_at = ? WHERE id = ?",
                (stamp, row["id"]),
            )
            changed = True
        else:
            raise BriefgenError(
                f"{email} is {row['status']}; add --reactivate only if they asked to "
                "subscribe again"
            )
        subscriber = conn.execute("SELECT * FROM subscribers WHERE email = ?", (email,)).fetchone()
    return from_row(subscriber), changed


def set_status(
    conn: sqlite3.Connection, subscriber_id: int, status: str, now: dt.datetime | None = None
) -> None:
    """Change one subscriber's status (e.g. `bounced` after a 5.1.x refusal)."""
    _check_status(status)
    conn.execute(
        "UPDATE subscribers SET status = ?, updated_at = ? WHERE id = ?",
        (status, now_text(now), subscriber_id),
    )


def remove(
    conn: sqlite3.Connection,
    who: str,
    *,
    status: str = "unsubscribed",
    token_of: Callable[[str], str] | None = None,
    erase: bool = False,
    now: dt.datetime | None = None,
) -> Subscriber:
    """Suppress the subscriber `who` (an address, or an unsubscribe token with `token_of`).

    The row is kept with `status` so a later import cannot mail them again; `erase` deletes it
    and its ledger rows instead (a data-deletion request).
    """
    if status == "active":
        raise BriefgenError("remove sets unsubscribed, bounced or complained; use add instead")
    _check_status(status)
    subscriber = find(conn, who) if "@" in who else None
    if subscriber is None and "@" not in who and token_of is not None:
        subscriber = find_by_token(conn, who.strip(), token_of)
    if subscriber is None:
        raise BriefgenError(f"no subscriber {who!r}; see briefgen subscribers list")
    with transaction(conn):
        if erase:
            conn.execute("DELETE FROM subscribers WHERE id = ?", (subscriber.id,))
        else:
            set_status(conn, subscriber.id, status, now)
    return subscriber


@dataclass
class ImportReport:
    """What `import_csv` did: rows added, rows skipped as already known, rows refused."""

    added: int = 0
    duplicates: int = 0
    suppressed: int = 0
    """Of the duplicates, addresses that unsubscribed, bounced or complained (left as they are)."""
    invalid: list[tuple[int, str]] = field(default_factory=list)
    """(line number, reason) for each refused row."""


def import_csv(
    conn: sqlite3.Connection, path: Path, now: dt.datetime | None = None
) -> ImportReport:
    """Import `email[,name]` rows from a CSV file with that header, in one transaction.

    Invalid rows are reported by line number and skipped; addresses already known (in the
    database or earlier in the file) are skipped and never reactivated.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BriefgenError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise BriefgenError(f"{path}: not UTF-8 text; save the CSV as UTF-8") from None
    except OSError as error:
        raise BriefgenError(f"{path}: cannot read it ({error.strerror})") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = [cell.strip().lower() for cell in next(reader, [])]
    if header not in (["email"], ["email", "name"]):
        raise BriefgenError(
            f"{path}: line 1 must be the header email or email,name, got {','.join(header)!r}"
        )
    report = ImportReport()
    stamp = now_text(now)
    seen: set[str] = set()
    with transaction(conn):
        try:
            for cells in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) > len(header):
                    report.invalid.append((line, f"{len(cells)} columns, expected {len(header)}"))
                    continue
                try:
                    email = normalise_address(cells[0])
                except InvalidAddress as error:
                    report.invalid.append((line, str(error)))
                    continue
                name = clean_name(cells[1]) if len(cells) > 1 else ""
                existing = conn.execute(
                    "SELECT status FROM subscribers WHERE email = ?", (email,)
                ).fetchone()
                if email in seen or existing is not None:
                    report.duplicates += 1
                    report.suppressed += bool(existing and existing["status"] != "active")
                    continue
                seen.add(email)
                conn.execute(
                    "INSERT INTO subscribers (email, name, status, created_at, updated_at) "
                    "VALUES (?, ?, 'active', ?, ?)",
                    (email, name, stamp, stamp),
                )
                report.added += 1
        except csv.Error as error:
            raise BriefgenError(
                f"{path}: line {reader.line_num}: {error}; nothing imported"
            ) from None
    return report


__all__ = [
    "STATUSES",
    "ImportReport",
    "InvalidAddress",
    "Subscriber",
    "add",
    "clean_name",
    "connect",
    "counts",
    "database",
    "find",
    "find_by_token",
    "import_csv",
    "listing",
    "normalise_address",
    "remove",
    "set_status",
    "transaction",
]
