"""Backup while reviewers work, verify, and restore into a fresh place: every row, every file."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import tarfile
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from certreview.cli import main
from certreview.config import sqlite_url
from certreview.ingest.submissions import IntakeOptions, import_submissions
from certreview.store.backup import BackupError, backup
from certreview.store.decisions import check_verdict, decide
from certreview.store.models import ImportLog, Submission
from certreview.store.restore import restore, verify
from certreview.workspace import Workspace
from tests.builders import STUDENTS, department, jpeg
from tests.conftest import PG_URL

HEADER = (
    "submission_id,submitted_at,student_id,student_name,category,certificate_name,exam_year,image\n"
)


@pytest.fixture
def places(tmp_path: Path, db_backend: str) -> Iterator[Callable[[], tuple[str, Path]]]:
    """Return a maker of empty places to restore into: a database URL and a data folder."""
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT") if PG_URL else None
    made: list[str] = []

    def make() -> tuple[str, Path]:
        n = uuid.uuid4().hex[:12]
        data = tmp_path / f"restored-{n}"
        if db_backend == "sqlite":
            return sqlite_url(data / "certreview.sqlite"), data
        assert admin is not None and PG_URL is not None
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "r_{n}"'))
        made.append(f"r_{n}")
        return f"{PG_URL.rpartition('/')[0]}/r_{n}", data

    yield make
    if admin is not None:
        with admin.connect() as c:
            for name in made:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def fresh(places: Callable[[], tuple[str, Path]]) -> tuple[str, Path]:
    """Return one empty place to restore into."""
    return places()


def _plain(value: object) -> object:
    # PostgreSQL returns JSON columns as dicts, which cannot go in a set.
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


def every_row(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Return every row of every table, sorted, keyed by table name."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return {
                name: sorted(
                    (tuple(map(_plain, r)) for r in c.execute(text(f'SELECT * FROM "{name}"'))),
                    key=repr,
                )
                for name in inspect(c).get_table_names()
            }
    finally:
        engine.dispose()


def every_file(store_root: Path) -> dict[str, bytes]:
    """Return the originals and thumbnails of a store by relative path (previews are caches)."""
    return {
        p.relative_to(store_root).as_posix(): p.read_bytes()
        for part in ("originals", "thumbs")
        for p in (store_root / part).rglob("*")
        if p.is_file()
    }


def import_files(tmp_path: Path, n: int) -> tuple[Path, Path]:
    """Write a submissions export of N new uploads with their images; return (csv, folder)."""
    folder = tmp_path / "upload"
    folder.mkdir()
    rows = []
    for i in range(n):
        sid, name, year, _, _ = STUDENTS[i % len(STUDENTS)]
        (folder / f"new{i}.jpg").write_bytes(jpeg("white", (300 + i, 200)))
        rows.append(
            f"N{i},2025-05-02 10:00,{sid},{name},Information,TQC Word 實用級,{year + 1},new{i}.jpg\n"
        )
    export = tmp_path / "new.csv"
    export.write_text(HEADER + "".join(rows), encoding="utf-8")
    return export, folder


def test_backup_while_reviewers_decide_and_an_import_runs(workspace, tmp_path, places):
    pks = department(workspace, submissions=24)
    export, folder = import_files(tmp_path, 4)
    stop = threading.Event()
    decided, importing, backed_up = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def reviewer() -> None:
        n = 0
        while not stop.is_set():
            with workspace.Session.begin() as s:
                sub = s.get(Submission, pks[n % len(pks)])
                decide(s, sub, check_verdict("approve", None, None, None), "staff-a")
            n += 1
            if n == 3:
                decided.set()

    def importer() -> None:
        def progress(done: int, total: int | None) -> None:
            # Hold the import open, files stored but not committed, while the backup runs.
            if done == 1:
                importing.set()
                backed_up.wait(30)

        decided.wait(30)
        with workspace.Session.begin() as s:
            import_submissions(
                s,
                workspace.store,
                export,
                folder,
                IntakeOptions(round_name="AY115", workers=1, progress=progress),
            )

    def guarded(work):  # type: ignore[no-untyped-def]
        def run() -> None:
            try:
                work()
            except BaseException as exc:
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guarded(f)) for f in (reviewer, importer)]
    for t in threads:
        t.start()
    try:
        assert importing.wait(30)
        during = backup(workspace.engine, workspace.store.root, tmp_path / "during.tar.gz")
    finally:
        backed_up.set()
        stop.set()
        for t in threads:
            t.join(60)
    assert not errors

    source_rows = every_row(workspace.settings.db_url)
    source_files = every_file(workspace.store.root)
    url, data = places()
    restore(tmp_path / "during.tar.gz", url, data)
    restored_rows = every_row(url)
    # A consistent snapshot: the counts of the manifest, each row as it is in the source, and
    # none of the import that had not committed yet.
    assert {t: len(r) for t, r in restored_rows.items()} == during.manifest["tables"]
    for table, rows in restored_rows.items():
        assert set(rows) <= set(source_rows[table]), table
    assert len(restored_rows["decisions"]) >= 3
    assert len(restored_rows["submissions"]) == 24
    assert len(restored_rows["import_log"]) == 0
    restored_files = every_file(data / "store")
    assert all(source_files[p] == b for p, b in restored_files.items())
    for name in restored_files:
        if name.startswith("originals/"):
            assert hashlib.sha256(restored_files[name]).hexdigest() == name.rsplit("/", 1)[1]
    ws = Workspace.open(url, data)
    try:
        with ws.Session() as s:
            for sha in s.scalars(select(Submission.image_sha256)):
                assert ws.store.has(sha)
    finally:
        ws.close()

    # Once everyone stopped, a backup restores to exactly the same rows and files.
    after = backup(workspace.engine, workspace.store.root, tmp_path / "after.tar")
    assert after.manifest["tables"]["import_log"] == 1
    again_url, again_data = places()
    restore(tmp_path / "after.tar", again_url, again_data)
    assert every_row(again_url) == source_rows
    assert every_file(again_data / "store") == source_files


def test_exact_round_trip_through_the_command_line(workspace, tmp_path, fresh, capsys):
    department(workspace, submissions=9)
    with workspace.Session.begin() as s:
        for pk in (1, 2):
            decide(s, s.get(Submission, pk), check_verdict("reject", "illegible", None, None), "b")
        s.add(
            ImportLog(kind="roster", source="r.csv", imported_at=s.get(Submission, 1).imported_at)
        )
    db = workspace.settings.db_url
    out = tmp_path / "out" / "b.tar"
    out.parent.mkdir()
    assert main(["backup", str(out), "--db", db, "--data", str(workspace.settings.data_dir)]) == 0
    assert [p.name for p in out.parent.iterdir()] == ["b.tar"]  # no temp file left behind
    assert out.stat().st_mode & 0o077 == 0  # the archive holds personal data too
    assert main(["verify-backup", str(out)]) == 0
    url, data = fresh
    assert main(["restore", str(out), "--db", url, "--data", str(data)]) == 0
    assert "all checksums match" in capsys.readouterr().out
    assert every_row(url) == every_row(db)
    assert every_file(data / "store") == every_file(workspace.store.root)
    assert (data / "store").stat().st_mode & 0o077 == 0


def tamper(archive: Path, out: Path, member_prefix: str) -> None:
    """Copy ARCHIVE to OUT with one byte flipped in the first member starting with MEMBER_PREFIX."""
    done = False
    with tarfile.open(archive) as src, tarfile.open(out, "w") as dst:
        for m in src:
            data = src.extractfile(m).read()  # type: ignore[union-attr]
            if not done and m.name.startswith(member_prefix):
                data = bytes([data[0] ^ 1]) + data[1:]
                done = True
            dst.addfile(m, io.BytesIO(data))
    assert done


@pytest.mark.parametrize("member", ["store/originals/", "store/thumbs/", "database/"])
def test_a_tampered_archive_fails_verify_with_one_line(workspace, tmp_path, member, capsys):
    department(workspace, submissions=3)
    backup(workspace.engine, workspace.store.root, tmp_path / "good.tar")
    tamper(tmp_path / "good.tar", tmp_path / "bad.tar", member)
    with pytest.raises(BackupError, match="checksum mismatch"):
        verify(tmp_path / "bad.tar")
    assert main(["verify-backup", str(tmp_path / "bad.tar")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "was altered" in err


def test_a_truncated_or_foreign_archive_fails_verify_with_one_line(workspace, tmp_path, capsys):
    department(workspace, submissions=3)
    backup(workspace.engine, workspace.store.root, tmp_path / "good.tar.gz")
    raw = (tmp_path / "good.tar.gz").read_bytes()
    (tmp_path / "cut.tar.gz").write_bytes(raw[: len(raw) // 2])
    (tmp_path / "notes.txt").write_text("not a backup", encoding="utf-8")
    with (
        tarfile.open(tmp_path / "good.tar.gz") as src,
        tarfile.open(tmp_path / "odd.tar", "w") as dst,
    ):
        for m in src:
            data = src.extractfile(m).read()  # type: ignore[union-attr]
            if m.name == "manifest.json":
                data = json.dumps({"format": 1, "db_kind": "sqlite"}).encode()
                m.size = len(data)
            dst.addfile(m, io.BytesIO(data))
    for name in ("cut.tar.gz", "notes.txt", "missing.tar", "odd.tar"):
        assert main(["verify-backup", str(tmp_path / name)]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("certreview: "), err
        assert "unexpected" not in err, err


def test_restoring_over_a_used_place_is_refused_and_changes_nothing(workspace, tmp_path, capsys):
    department(workspace, submissions=3)
    archive = tmp_path / "b.tar"
    backup(workspace.engine, workspace.store.root, archive)
    before = (every_row(workspace.settings.db_url), every_file(workspace.store.root))
    data = str(workspace.settings.data_dir)
    # The same database (it has certreview tables), then only the same data folder.
    assert main(["restore", str(archive), "--db", workspace.settings.db_url, "--data", data]) == 1
    assert "already" in capsys.readouterr().err
    if workspace.engine.url.get_backend_name() == "sqlite":
        empty_db = sqlite_url(tmp_path / "elsewhere" / "new.sqlite")
        assert main(["restore", str(archive), "--db", empty_db, "--data", data]) == 1
        err = capsys.readouterr().err
        assert "already holds an image store" in err and err.count("\n") == 1
        assert not (tmp_path / "elsewhere" / "new.sqlite").exists()
    assert (every_row(workspace.settings.db_url), every_file(workspace.store.root)) == before


def test_a_tampered_archive_is_not_restored(workspace, tmp_path, fresh):
    department(workspace, submissions=3)
    backup(workspace.engine, workspace.store.root, tmp_path / "good.tar")
    tamper(tmp_path / "good.tar", tmp_path / "bad.tar", "store/originals/")
    url, data = fresh
    with pytest.raises(BackupError, match="was altered"):
        restore(tmp_path / "bad.tar", url, data)
    assert not (data / "store").exists()
    if url.startswith("postgresql"):
        assert every_row(url) == {}
    # Nothing was written, so the place is still empty and a good archive restores.
    restore(tmp_path / "good.tar", url, data)


def test_backup_replaces_an_old_archive_only_when_complete(workspace, tmp_path, monkeypatch):
    department(workspace, submissions=3)
    out = tmp_path / "b.tar"
    out.write_bytes(b"last week's backup")
    if workspace.engine.url.get_backend_name() == "postgresql":
        monkeypatch.setenv("CERTREVIEW_PG_BIN", str(tmp_path))  # a folder without pg_dump
        with pytest.raises(BackupError, match="pg_dump was not found"):
            backup(workspace.engine, workspace.store.root, out)
        assert out.read_bytes() == b"last week's backup"
        monkeypatch.delenv("CERTREVIEW_PG_BIN")
    backup(workspace.engine, workspace.store.root, out)
    assert verify(out).files == len(every_file(workspace.store.root))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp")) == []


def test_a_pg_dump_older_than_the_server_is_named_in_one_line(
    workspace, tmp_path, capsys, monkeypatch
):
    if workspace.engine.url.get_backend_name() != "postgresql":
        pytest.skip("pg_dump is used for PostgreSQL only")
    department(workspace, submissions=2)
    # A real program standing in for an old pg_dump: it fails the way pg_dump 14 does.
    old = tmp_path / "bin" / "pg_dump"
    old.parent.mkdir()
    old.write_text(
        "#!/bin/sh\n"
        "echo 'pg_dump: error: aborting because of server version mismatch' >&2\n"
        "echo 'pg_dump: detail: server version: 15.8; pg_dump version: 14.1' >&2\n"
        "exit 1\n",
        encoding="utf-8",
    )
    old.chmod(0o755)
    monkeypatch.setenv("CERTREVIEW_PG_BIN", str(old.parent))
    out = tmp_path / "b.tar"
    code = main(["backup", str(out), "--db", workspace.settings.db_url, "--data", str(tmp_path)])
    assert code == 1 and not out.exists()
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "pg_dump is older than the server (server version: 15.8; pg_dump version: 14.1)" in err


def test_a_database_of_an_older_version_can_be_backed_up_before_the_upgrade(workspace, tmp_path):
    department(workspace, submissions=2)
    with workspace.engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    db, data = workspace.settings.db_url, str(workspace.settings.data_dir)
    assert main(["status", "B11200001", "--db", db, "--data", data]) == 1  # needs `init`
    assert main(["backup", str(tmp_path / "b.tar"), "--db", db, "--data", data]) == 0
    assert verify(tmp_path / "b.tar").manifest["revision"] == "older"


def test_backing_up_nothing_is_refused_in_one_line(tmp_path, capsys):
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()
    for db in (sqlite_url(empty), sqlite_url(tmp_path / "absent.sqlite")):
        assert main(["backup", str(tmp_path / "b.tar"), "--db", db, "--data", str(tmp_path)]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "CERTREVIEW_DB" in err, err
    assert not (tmp_path / "b.tar").exists()
    assert not (tmp_path / "absent.sqlite").exists()
