"""Back up a department (database + image store) into one checked archive, verify and restore it.

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
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import Engine, create_engine, func, inspect, select, text
from sqlalchemy.engine import URL, make_url

from certreview import __version__
from certreview.models import Base
from certreview.private import make_private_dir

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
        return (
            f"{m['db_kind']} backup of {m['created_at']} (certreview {m['certreview']}): "
            f"{self.rows} rows in {len(m['tables'])} tables, {self.files} files, all checksums match"
        )


# --- backing up -------------------------------------------------------------------------------


def backup(engine: Engine, store_root: Path, out: Path) -> Verified:
    """Write a consistent archive of the database and the image store to OUT, atomically."""
    out = Path(out)
    if out.is_dir():
        raise BackupError(
            f"{out} is a folder — give the archive's file name, e.g. {out}/backup.tar"
        )
    if not out.parent.is_dir():
        raise BackupError(f"folder {out.parent} does not exist — create it first")
    kind = engine.url.get_backend_name()
    with tempfile.TemporaryDirectory(prefix="certreview-backup-") as work:
        if kind == "sqlite":
            db_member, db_file, tables, revision = SQLITE_MEMBER, *_sqlite_snapshot(engine, work)
        elif kind == "postgresql":
            db_member, db_file, tables, revision = PG_MEMBER, *_pg_snapshot(engine, work)
        else:
            raise BackupError(f"cannot back up a {kind} database: use SQLite or PostgreSQL")
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
    _fsync_dir(out.parent)
    return Verified(manifest, len(files) - 1, sum(tables.values()))


def _gzipped(path: Path) -> bool:
    return path.name.endswith((".gz", ".tgz"))


def _fsync_dir(folder: Path) -> None:
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
        raise BackupError("cannot back up an in-memory SQLite database")
    # The backup API in one step reads one consistent snapshot; with WAL, writers go on meanwhile.
    if not Path(source_path).is_file():
        raise BackupError(f"no database file at {source_path} — check --db / CERTREVIEW_DB")
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file in the archive
        tables = _sqlite_counts(target)
        revision = _sqlite_revision(target)
    finally:
        target.close()
        source.close()
    return copy, tables, revision


def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
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
            f"{name} was not found — install the PostgreSQL client tools of the server's "
            f"version (e.g. apt install postgresql-client) or set {PG_BIN_ENV} to their folder"
        )
    return found


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    # The password goes through the environment, never the command line (ps shows that).
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run_pg(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()] or ["no message"]
        detail = lines[0].strip()
        if "version mismatch" in done.stderr:
            versions = [line for line in lines if "server version:" in line]
            detail = versions[0].split("detail:")[-1].strip() if versions else detail
            raise BackupError(
                f"{Path(command[0]).name} is older than the server ({detail}) — install the "
                f"client tools of the server's version or set {PG_BIN_ENV} to their folder"
            )
        raise BackupError(f"{Path(command[0]).name} failed: {detail}")


def _pg_snapshot(engine: Engine, work: str) -> tuple[str, dict[str, int], str | None]:
    dump = os.path.join(work, "certreview.pgdump")
    url, env = _libpq(engine.url)
    pg_dump = pg_tool("pg_dump")
    # Count the rows inside the very snapshot pg_dump reads, so the manifest matches the dump.
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as c, c.begin():
        snapshot = c.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        tables = _counts(c)
        revision = _revision(c)
        _run_pg([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dump}", url], env)
    return dump, tables, revision


def _counts(connection: Any) -> dict[str, int]:
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


# --- verifying --------------------------------------------------------------------------------


def verify(archive: Path) -> Verified:
    """Check every checksum and that the database part opens; raise BackupError on the first fault."""
    with tempfile.TemporaryDirectory(prefix="certreview-verify-") as work:
        manifest, db_file = _unpack(Path(archive), Path(work), store_dir=None)
        _check_database(manifest, db_file)
    return Verified(manifest, len(manifest["files"]) - 1, sum(manifest["tables"].values()))


def _open_tar(archive: Path) -> tarfile.TarFile:
    if not archive.is_file():
        raise BackupError(f"no archive at {archive}")
    try:
        return tarfile.open(archive, mode="r:*")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(
            f"{archive} is not a readable tar archive ({_first_line(exc)}) — "
            "is it a certreview backup, copied completely?"
        ) from None


def _read_manifest(archive: Path) -> dict[str, Any]:
    with _open_tar(archive) as tar:
        try:
            member = tar.getmember(MANIFEST)
            raw = tar.extractfile(member)
            manifest = json.loads(raw.read() if raw else b"")
        except (KeyError, ValueError, tarfile.TarError, EOFError, OSError):
            raise BackupError(
                f"{archive} has no readable {MANIFEST} — it is not a certreview backup"
            ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a certreview backup of format {FORMAT}")
    return manifest


def _unpack(archive: Path, work: Path, store_dir: Path | None) -> tuple[dict[str, Any], Path]:
    """Check every member against the manifest; extract the database to WORK, files to STORE_DIR."""
    manifest = _read_manifest(archive)
    expected = {f["path"]: f for f in manifest["files"]}
    db_member = PG_MEMBER if manifest["db_kind"] == "postgresql" else SQLITE_MEMBER
    if db_member not in expected:
        raise BackupError(f"{archive}: the manifest lists no {db_member}")
    seen: set[str] = set()
    db_file = work / PurePosixPath(db_member).name
    try:
        with _open_tar(archive) as tar:
            for member in tar:
                name = member.name
                if name == MANIFEST:
                    continue
                entry = expected.get(name)
                if entry is None or not member.isfile() or not _safe(name) or name in seen:
                    raise BackupError(f"{archive}: unexpected member {name!r} — it was altered")
                if name == db_member:
                    target: Path | None = db_file
                elif store_dir is not None:
                    target = store_dir / PurePosixPath(name).relative_to("store")
                else:
                    target = None
                size, sha = _copy_member(tar, member, target)
                if size != entry["size"] or sha != entry["sha256"]:
                    raise BackupError(f"{archive}: checksum mismatch in {name} — it was altered")
                seen.add(name)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(
            f"{archive} is damaged ({_first_line(exc)}) — use another copy of the backup"
        ) from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"{archive}: {len(missing)} files are missing, e.g. {missing[0]}")
    return manifest, db_file


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(":")


def _safe(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and (
            name in (SQLITE_MEMBER, PG_MEMBER)
            or (
                path.parts[:1] == ("store",)
                and len(path.parts) > 2
                and path.parts[1] in STORE_PARTS
            )
        )
    )


def _copy_member(
    tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path | None
) -> tuple[int, str]:
    """Stream one member to TARGET (mode 0600; None: nowhere) and return its size and hash."""
    source = tar.extractfile(member)
    digest, size = hashlib.sha256(), 0
    out = None
    if target is not None:
        make_private_dir(target.parent)
        out = os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
    try:
        for block in iter(lambda: source.read(1 << 20) if source else b"", b""):
            digest.update(block)
            size += len(block)
            if out is not None:
                out.write(block)
    finally:
        if out is not None:
            out.close()
    return size, digest.hexdigest()


def _check_database(manifest: dict[str, Any], db_file: Path) -> None:
    if manifest["db_kind"] == "postgresql":
        # Reading the whole dump back as SQL checks its table of contents and every data block.
        done = subprocess.run(
            [pg_tool("pg_restore"), "--file=" + os.devnull, str(db_file)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            detail = (done.stderr.strip().splitlines() or ["no message"])[0]
            raise BackupError(f"the database dump does not read back: {detail}")
        return
    try:
        connection = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
        try:
            ok = connection.execute("PRAGMA integrity_check").fetchone()[0]
            counts = _sqlite_counts(connection)
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the database copy does not open: {_first_line(exc)}") from None
    if ok != "ok":
        raise BackupError(f"the database copy is damaged: {ok}")
    if counts != manifest["tables"]:
        raise BackupError("the database copy's row counts differ from the manifest")


# --- restoring --------------------------------------------------------------------------------


def restore(archive: Path, db_url: str, data_dir: Path) -> Verified:
    """Restore ARCHIVE into an empty database and data folder, then check it; never overwrite."""
    archive, data_dir = Path(archive), Path(data_dir)
    manifest = _read_manifest(archive)
    target = make_url(db_url)
    kind = target.get_backend_name()
    if kind != manifest["db_kind"]:
        raise BackupError(
            f"this is a {manifest['db_kind']} backup; restore it into a {manifest['db_kind']} "
            f"database, not {kind}"
        )
    store_dir = data_dir / "store"
    if store_dir.exists() and any(p.is_file() for p in store_dir.rglob("*")):
        raise BackupError(f"{data_dir} already holds an image store — restore into an empty folder")
    engine = create_engine(db_url)
    try:
        _refuse_used_database(engine)
        # Check the whole archive before writing anything, so a damaged one changes nothing.
        verify(archive)
        make_private_dir(data_dir)
        with tempfile.TemporaryDirectory(prefix=".tmp-restore-", dir=data_dir) as work:
            staging = Path(work) / "store"
            manifest, db_file = _unpack(archive, Path(work), staging)
            if kind == "sqlite":
                _restore_sqlite(db_file, engine)
            else:
                url, env = _libpq(engine.url)
                _run_pg(
                    [
                        pg_tool("pg_restore"),
                        "--no-owner",
                        "--no-privileges",
                        "--exit-on-error",
                        "--single-transaction",
                        f"--dbname={url}",
                        str(db_file),
                    ],
                    env,
                )
            if store_dir.exists():
                shutil.rmtree(store_dir)  # only empty folders: checked above
            make_private_dir(staging)  # an archive without files still restores a store folder
            os.rename(staging, store_dir)
        with engine.connect() as c:
            counts = _counts(c)
    finally:
        engine.dispose()
    for entry in manifest["files"]:
        # Read back from where they landed: what is on disk now is what the archive held.
        if entry["path"].startswith("store/"):
            path = store_dir / PurePosixPath(entry["path"]).relative_to("store")
            if _sha256_file(path) != entry["sha256"]:
                raise BackupError(f"{path} does not read back as archived — check the disk")
    if counts != manifest["tables"]:
        raise BackupError("the restored database's row counts differ from the manifest")
    return Verified(manifest, len(manifest["files"]) - 1, sum(counts.values()))


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _refuse_used_database(engine: Engine) -> None:
    if engine.url.get_backend_name() == "sqlite":
        path = engine.url.database
        if not path or path == ":memory:":
            raise BackupError("restore into a SQLite file, not an in-memory database")
        if Path(path).exists():
            raise BackupError(
                f"{path} already exists — restore into a new file; nothing was changed"
            )
        return
    with engine.connect() as c:
        names = set(inspect(c).get_table_names())
    ours = names & (set(Base.metadata.tables) | {"alembic_version"})
    if ours:
        raise BackupError(
            f"the database already has certreview tables ({', '.join(sorted(ours)[:3])}…) — "
            "restore into a new, empty database; nothing was changed"
        )


def _restore_sqlite(db_file: Path, engine: Engine) -> None:
    path = Path(str(engine.url.database))
    make_private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".tmp-{path.name}-")  # 0600
    try:
        with os.fdopen(fd, "wb") as f, db_file.open("rb") as source:
            shutil.copyfileobj(source, f)
            f.flush()
            os.fsync(f.fileno())
        # link() fails if the file appeared meanwhile: a restore never overwrites.
        os.link(tmp, path)
    except FileExistsError:
        raise BackupError(f"{path} already exists — restore into a new file") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    _fsync_dir(path.parent)
