"""Subscribers in SQLite: validated addresses, statuses, CSV import and the CLI."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from briefgen import subscribers as subs
from briefgen.cli import cli
from briefgen.errors import BriefgenError


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = subs.connect(tmp_path / "state" / "subscribers.db")
    yield connection
    connection.close()


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


# --- addresses --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("reader@example.org", "reader@example.org"),
        ("  Reader.Name+news@Mail.Example.CO.uk ", "reader.name+news@mail.example.co.uk"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("x@xn--fiqs8s.example", None),  # an IDNA label is a host like any other
        ("a@b.xn--fiqs8s", None),
    ],
)
def test_valid_addresses_are_normalised(raw: str, expected: str | None) -> None:
    assert subs.normalise_address(raw) == (expected or raw.strip().lower())


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "plainaddress",
        "@example.com",
        "reader@",
        "reader@localhost",
        "reader@example",
        "reader@@example.com",
        "reader@example..com",
        "reader@-example.com",
        ".reader@example.com",
        "rea..der@example.com",
        "reader.@example.com",
        "Reader <reader@example.com>",
        "reader@example.com, other@example.com",
        "rea der@example.com",
        "reader@example.com\r\nBcc: victim@example.com",
        "reader\x00@example.com",
        "读者@example.com",
        "reader@例子.中国",
        '"quoted"@example.com',
        "x" * 65 + "@example.com",
        "reader@" + "a" * 250 + ".com",
        "x'); DROP TABLE subscribers;--@example.com",
    ],
)
def test_invalid_addresses_are_refused_with_a_reason(raw: str) -> None:
    with pytest.raises(subs.InvalidAddress) as error:
        subs.normalise_address(raw)
    assert str(error.value)


def test_names_are_one_clean_line() -> None:
    assert subs.clean_name("  Rea\r\nDer\x00 \u202e ") == "Rea Der"
    assert len(subs.clean_name("名" * 500)) == subs.NAME_CHARS


# --- the database -----------------------------------------------------------------------------


def test_database_is_wal_with_foreign_keys_and_a_schema_version(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA user_version").fetchone()[0] == subs.SCHEMA_VERSION
    columns = [row[1] for row in conn.execute("PRAGMA table_info(subscribers)")]
    assert columns == ["id", "email", "name", "status", "created_at", "updated_at"]
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO subscribers (email, status, created_at, updated_at) "
            "VALUES ('a@example.com', 'maybe', '', '')"
        )
    again = subs.connect(tmp_path / "state" / "subscribers.db")  # opening twice migrates once
    assert again.execute("PRAGMA user_version").fetchone()[0] == subs.SCHEMA_VERSION
    again.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    with pytest.raises(BriefgenError, match="newer briefgen"):
        subs.connect(path)


def test_a_file_that_is_not_a_database_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(BriefgenError, match="not a usable subscribers database"):
        subs.connect(path)


def test_add_find_and_list(conn: sqlite3.Connection) -> None:
    reader, added = subs.add(conn, " Reader@Example.org ", "Rea Der")
    assert added and reader.email == "reader@example.org" and reader.status == "active"
    assert subs.add(conn, "READER@example.org")[1] is False  # already subscribed, unchanged
    hostile = "Robert'); DROP TABLE subscribers;--"
    subs.add(conn, "bobby@example.org", hostile)  # parameterised: stored as written
    assert [s.name for s in subs.listing(conn)] == ["Rea Der", hostile]
    assert subs.find(conn, "reader@EXAMPLE.org") == reader
    assert subs.find(conn, "nobody@example.org") is None and subs.find(conn, "junk") is None
    with pytest.raises(BriefgenError, match=r"not a valid address.*; nothing added"):
        subs.add(conn, "nope")


def test_removed_readers_stay_suppressed_until_reactivated(conn: sqlite3.Connection) -> None:
    subs.add(conn, "reader@example.org")
    subs.remove(conn, "Reader@example.org")
    assert subs.find(conn, "reader@example.org").status == "unsubscribed"  # type: ignore[union-attr]
    with pytest.raises(BriefgenError, match="is unsubscribed; add --reactivate"):
        subs.add(conn, "reader@example.org")
    reader, changed = subs.add(conn, "reader@example.org", reactivate=True)
    assert changed and reader.status == "active"
    subs.remove(conn, "reader@example.org", status="bounced")
    assert subs.listing(conn, "bounced") == [subs.find(conn, "reader@example.org")]
    assert subs.counts(conn) == {"active": 0, "unsubscribed": 0, "bounced": 1, "complained": 0}
    with pytest.raises(BriefgenError, match="no subscriber"):
        subs.remove(conn, "nobody@example.org")
    with pytest.raises(BriefgenError, match="unknown status"):
        subs.remove(conn, "reader@example.org", status="gone")
    with pytest.raises(BriefgenError, match="use add"):
        subs.remove(conn, "reader@example.org", status="active")


def test_remove_by_unsubscribe_token(conn: sqlite3.Connection) -> None:
    subs.add(conn, "reader@example.org")
    subs.add(conn, "other@example.org")

    def token_of(address: str) -> str:
        return "tok-" + address.split("@")[0]

    assert subs.remove(conn, "tok-other", token_of=token_of).email == "other@example.org"
    assert [s.status for s in subs.listing(conn)] == ["active", "unsubscribed"]
    with pytest.raises(BriefgenError, match="no subscriber"):
        subs.remove(conn, "tok-nobody", token_of=token_of)


def test_erase_deletes_the_reader_and_their_ledger_rows(conn: sqlite3.Connection) -> None:
    reader, _ = subs.add(conn, "reader@example.org")
    conn.execute(
        "INSERT INTO deliveries (issue_id, subscriber_id, message_id, status, updated_at) "
        "VALUES ('1', ?, '<m@x>', 'sent', '')",
        (reader.id,),
    )
    subs.remove(conn, "reader@example.org", erase=True)
    assert subs.listing(conn) == []
    assert conn.execute("SELECT count(*) FROM deliveries").fetchone()[0] == 0


# --- CSV import -------------------------------------------------------------------------------


def write_csv(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "readers.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_import_reports_invalid_rows_by_line_and_skips_duplicates(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    subs.add(conn, "known@example.org")
    subs.add(conn, "gone@example.org")
    subs.remove(conn, "gone@example.org")
    path = write_csv(
        tmp_path,
        "\ufeffEmail,Name\r\n"  # a BOM and any case in the header, as spreadsheets write them
        "alice@example.org,Alice\r\n"
        '"bob@example.org","Bob, Jr."\r\n'
        "not-an-address,X\r\n"
        "\r\n"
        "ALICE@example.org,Alice again\r\n"
        "known@example.org,\r\n"
        "gone@example.org,Gone\r\n"
        "a@b.com,c,d\r\n"
        '"multi@example.org","Line\nbreak"\r\n'
        "中@example.org,\r\n",
    )
    report = subs.import_csv(conn, path)
    assert report.added == 3 and report.duplicates == 3 and report.suppressed == 1
    assert [line for line, _ in report.invalid] == [4, 9, 12]
    assert "expected 2" in report.invalid[1][1]
    names = {s.email: s.name for s in subs.listing(conn)}
    assert names["bob@example.org"] == "Bob, Jr." and names["multi@example.org"] == "Line break"
    assert subs.find(conn, "gone@example.org").status == "unsubscribed"  # type: ignore[union-attr]
    assert subs.import_csv(conn, path).added == 0  # importing again changes nothing


def test_import_is_one_transaction(conn: sqlite3.Connection, tmp_path: Path) -> None:
    path = write_csv(tmp_path, 'email\nalice@example.org\nbob@example.org\n"broken\n')
    with pytest.raises(BriefgenError, match=r"line 4.*nothing imported"):
        subs.import_csv(conn, path)
    assert subs.listing(conn) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("address\nalice@example.org\n", "line 1 must be the header email or email,name"),
        ("", "line 1 must be the header"),
        ("email,name,extra\n", "line 1 must be the header"),
    ],
)
def test_import_needs_the_header(
    conn: sqlite3.Connection, tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(BriefgenError, match=message):
        subs.import_csv(conn, write_csv(tmp_path, text))


def test_import_refuses_files_it_cannot_read(conn: sqlite3.Connection, tmp_path: Path) -> None:
    with pytest.raises(BriefgenError, match="not UTF-8"):
        subs.import_csv(conn, write_csv(tmp_path, "email\nzoë@example.org\n", "latin-1"))
    with pytest.raises(BriefgenError, match="no such file"):
        subs.import_csv(conn, tmp_path / "missing.csv")


# --- the command line -------------------------------------------------------------------------


def test_cli_add_list_remove_import(project_dir: Path) -> None:
    added = run("subscribers", "add", "Reader@Example.org", "--name", "Rea Der")
    assert added.exit_code == 0 and "Added reader@example.org" in added.output
    again = run("subscribers", "add", "reader@example.org")
    assert again.exit_code == 0 and "already subscribed" in again.output
    bad = run("subscribers", "add", "nope")
    assert bad.exit_code == 1 and bad.output.count("\n") == 1
    assert "not a valid address" in bad.output
    (project_dir / "more.csv").write_text("email,name\nalice@example.org,Alice\nbad,\n")
    imported = run("subscribers", "import", "more.csv")
    assert imported.exit_code == 1, imported.output
    assert "more.csv:3:" in imported.output and "Imported 1" in imported.output
    listed = run("subscribers", "list")
    assert listed.exit_code == 0
    lines = [line for line in listed.output.splitlines() if "\t" in line]
    assert lines == ["reader@example.org\tactive\tRea Der", "alice@example.org\tactive\tAlice"]
    assert "2 subscribers: 2 active" in listed.output
    removed = run("subscribers", "remove", "alice@example.org", "--status", "complained")
    assert removed.exit_code == 0 and "Marked alice@example.org complained" in removed.output
    only = run("subscribers", "list", "--status", "complained", "--quiet")
    assert only.output == "alice@example.org\tcomplained\tAlice\n"
    assert (project_dir / ".briefgen" / "subscribers.db").is_file()  # gitignored state folder


def test_cli_remove_by_token_from_an_unsubscribe_email(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefgen import pipeline
    from briefgen.config import load_project

    monkeypatch.setenv("BRIEFGEN_SECRET", "test-secret")
    run("subscribers", "add", "reader@example.org")
    token = pipeline.unsubscribe_token_of(load_project(project_dir))("reader@example.org")
    result = run("subscribers", "remove", token, "-q")
    assert result.exit_code == 0 and result.output == ""
    listed = run("subscribers", "list", "--status", "unsubscribed", "-q")
    assert listed.output.startswith("reader@example.org\tunsubscribed")


def test_cli_uses_the_configured_database(project_dir: Path) -> None:
    config = project_dir / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "      digest:\n", "      digest:\n        subscribers_db: data/readers.sqlite3\n"
        ),
        encoding="utf-8",
    )
    assert run("subscribers", "add", "reader@example.org").exit_code == 0
    assert (project_dir / "data" / "readers.sqlite3").is_file()
    assert not (project_dir / ".briefgen" / "subscribers.db").exists()
