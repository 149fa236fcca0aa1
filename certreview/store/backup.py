"""Back up a department (database + image store) into one checked archive, written atomically.

An archive is a tar file (gzip-compressed when its name ends in .gz or .tgz) holding

- `database/certreview.sqlite` (SQLite, taken with the online backup API) or
  `database/certreview.pgdump` (PostgreSQL, `pg_dump --format=custom`);
- `store/originals/…` and `store/thumbs/…` (previews are caches and are left out);
- `manifest.json`: format version, certreview version, time, database kind, schema revision,
  row counts per table and the SHA-256 of every other member.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.engine import URL

from certreview import __version__
from certreview.i18n import _

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/certreview.sqlite"
PG_MEMBER = "database/certreview.pgdump"
STORE_PARTS = ("originals", "thumbs")
PG_BIN_ENV = "CERTREVIEW_PG_BIN"


class BackupError(RuntimeError):
    """A backup, verification or restore that cannot go on; str() is one line."""


@dataclass(frozen=True)
class Verified:
    """What a verified archive holds."""

    manifest: dict[str, Any]
    files: int
    rows: int

    def summary(self) -> str:
        """Return one line about the archive."""
        m = self.manifest
        return _(
            "{db_kind} backup of {created_at} (certreview {certreview}): {rows} rows in "
            "{count} tables, {files} files, all checksums match"
        ).format(
            db_kind=m["db_kind"],
            created_at=m["created_at"],
            certreview=m["certreview"],
            rows=self.rows,
            count=len(m["tables"]),
            files=self.files,
        )


# --- backing up -------------------------------------------------------------------------------


def backup(engine: Engine, store_root: Path, out: Path) -> Verified:
    """Write a consistent archive of the database and the image store to OUT, atomically."""
    out = Path(out)
    if out.is_dir():
        raise BackupError(
            _("{out} is a folder — give the archive's file name, e.g. {out}/backup.tar").format(
                out=out
            )
        )
    if not out.parent.is_dir():
        raise BackupError(
            _("folder {parent} does not exist — create it first").format(parent=out.parent)
        )
    kind = engine.url.get_backend_name()
    with tempfile.TemporaryDirectory(prefix="certreview-backup-") as work:
        if kind == "sqlite":
            db_member, db_file, tables, revision = SQLITE_MEMBER, *_sqlite_snapshot(engine, work)
        elif kind == "postgresql":
            db_member, db_file, tables, revision = PG_MEMBER, *_pg_snapshot(engine, work)
        else:
            raise BackupError(
                _("cannot back up a {kind} database: use SQLite or PostgreSQL").format(kind=kind)
            )
        if revision is None:
            raise BackupError(
                _("the database has no certreview tables — check --db / CERTREVIEW_DB")
            )
        # The database snapshot comes first: every image row in it has its original already
        # stored (intake stores files before it commits), so the files copied next cover it.
        files: list[dict[str, Any]] = []
        manifest = {
            "format": FORMAT,
            "certreview": __version__,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "db_kind": kind,
            "revision": revision,
            "tables": tables,
            "files": files,
        }
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".tmp-{out.name}-")
        try:
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w:gz" if _gzipped(out) else "w") as tar:
                    files.append(_add_file(tar, db_member, Path(db_file)))
                    for member, path in _store_files(store_root):
                        try:
                            files.append(_add_file(tar, member, path))
                        except FileNotFoundError:
                            continue  # a temp file renamed away while we walked
                    _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1).encode())
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    fsync_dir(out.parent)
    return Verified(manifest, len(files) - 1, sum(tables.values()))


def _gzipped(path: Path) -> bool:
    return path.name.endswith((".gz", ".tgz"))


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries to disk, so a rename in it survives a power cut."""
    # The rename is only durable once the folder entry is on disk too (not possible on Windows).
    if os.name == "posix":
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _sqlite_snapshot(engine: Engine, work: str) -> tuple[str, dict[str, int], str | None]:
    copy = os.path.join(work, "certreview.sqlite")
    source_path = engine.url.database
    if not source_path or source_path == ":memory:":
        raise BackupError(_("cannot back up an in-memory SQLite database"))
    # The backup API in one step reads one consistent snapshot; with WAL, writers go on meanwhile.
    if not Path(source_path).is_file():
        raise BackupError(
            _("no database file at {source_path} — check --db / CERTREVIEW_DB").format(
                source_path=source_path
            )
        )
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file in the archive
        tables = sqlite_counts(target)
        revision = _sqlite_revision(target)
    finally:
        target.close()
        source.close()
    return copy, tables, revision


def sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    """Return the number of rows of every table of a SQLite connection."""
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return {n: connection.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def pg_tool(name: str) -> str:
    """Return the path of a PostgreSQL client program, or raise BackupError saying how to get it."""
    folder = os.environ.get(PG_BIN_ENV)
    found = shutil.which(name, path=folder) if folder else shutil.which(name)
    if found is None:
        raise BackupError(
            _(
                "{name} was not found — install the PostgreSQL client tools of the server's "
                "version (e.g. apt install postgresql-client) or set {variable} to their "
                "folder"
            ).format(name=name, variable=PG_BIN_ENV)
        )
    return found


def libpq_target(url: URL) -> tuple[str, dict[str, str]]:
    """Return the libpq URL of a PostgreSQL database and the environment to run a tool in."""
    # The password goes through the environment, never the command line (ps shows that).
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def run_pg(command: list[str], env: dict[str, str]) -> None:
    """Run a PostgreSQL client program; raise BackupError with one line if it fails."""
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()] or [_("no message")]
        detail = lines[0].strip()
        if "version mismatch" in done.stderr:
            versions = [line for line in lines if "server version:" in line]
            detail = versions[0].split("detail:")[-1].strip() if versions else detail
            raise BackupError(
                _(
                    "{name} is older than the server ({detail}) — install the client tools of the "
                    "server's version or set {variable} to their folder"
                ).format(name=Path(command[0]).name, detail=detail, variable=PG_BIN_ENV)
            )
        raise BackupError(
            _("{name} failed: {detail}").format(name=Path(command[0]).name, detail=detail)
        )


def _pg_snapshot(engine: Engine, work: str) -> tuple[str, dict[str, int], str | None]:
    dump = os.path.join(work, "certreview.pgdump")
    url, env = libpq_target(engine.url)
    pg_dump = pg_tool("pg_dump")
    # Count the rows inside the very snapshot pg_dump reads, so the manifest matches the dump.
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as c, c.begin():
        snapshot = c.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        tables = table_counts(c)
        revision = _revision(c)
        run_pg([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dump}", url], env)
    return dump, tables, revision


def table_counts(connection: Any) -> dict[str, int]:
    """Return the number of rows of every table of a SQLAlchemy connection."""
    names = sorted(inspect(connection).get_table_names())
    return {
        n: connection.execute(select(func.count()).select_from(text(f'"{n}"'))).scalar_one()
        for n in names
    }


def _revision(connection: Any) -> str | None:
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _store_files(store_root: Path) -> Iterator[tuple[str, Path]]:
    for part in STORE_PARTS:
        base = Path(store_root) / part
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            # Half-written temp files of a running import are not part of the store yet.
            if path.is_file() and not path.name.startswith(".tmp-"):
                yield "store/" + path.relative_to(store_root).as_posix(), path


def _add_file(tar: tarfile.TarFile, member: str, path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        # Hash and archive through one open file: a file replaced meanwhile (a thumbnail
        # remade by rename) cannot make the checksum disagree with the archived bytes.
        digest = hashlib.sha256()
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
        info = tarfile.TarInfo(member)
        info.size = f.tell()
        info.mode = 0o600
        info.mtime = int(datetime.now().timestamp())
        f.seek(0)
        tar.addfile(info, f)
    return {"path": member, "size": info.size, "sha256": digest.hexdigest()}


def _add_bytes(tar: tarfile.TarFile, member: str, data: bytes) -> dict[str, Any]:
    info = tarfile.TarInfo(member)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(datetime.now().timestamp())
    tar.addfile(info, io.BytesIO(data))
    return {"path": member, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def first_line(exc: BaseException) -> str:
    """Return the first line of an error's message, for a one-line report."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(":")
