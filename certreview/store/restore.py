"""Verify a backup archive and restore it into an empty database and data folder.

Every member is checked against the manifest's SHA-256 before anything is written; a restore
refuses a database with certreview tables or a data folder with an image store, never
overwriting either, and reads the restored rows and files back against the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy.engine import make_url

from certreview.i18n import _
from certreview.store.backup import (
    FORMAT,
    MANIFEST,
    PG_MEMBER,
    SQLITE_MEMBER,
    STORE_PARTS,
    BackupError,
    Verified,
    first_line,
    fsync_dir,
    libpq_target,
    pg_tool,
    run_pg,
    sqlite_counts,
    table_counts,
)
from certreview.store.models import Base
from certreview.store.private import make_private_dir


def verify(archive: Path) -> Verified:
    """Check every checksum and that the database part opens; raise BackupError on the first fault."""
    with tempfile.TemporaryDirectory(prefix="certreview-verify-") as work:
        manifest, db_file = _unpack(Path(archive), Path(work), store_dir=None)
        _check_database(manifest, db_file)
    return Verified(manifest, len(manifest["files"]) - 1, sum(manifest["tables"].values()))


def _open_tar(archive: Path) -> tarfile.TarFile:
    if not archive.is_file():
        raise BackupError(_("no archive at {archive}").format(archive=archive))
    try:
        return tarfile.open(archive, mode="r:*")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(
            _(
                "{archive} is not a readable tar archive ({first_line}) — is it a certreview "
                "backup, copied completely?"
            ).format(archive=archive, first_line=first_line(exc))
        ) from None


def _read_manifest(archive: Path) -> dict[str, Any]:
    with _open_tar(archive) as tar:
        try:
            member = tar.getmember(MANIFEST)
            raw = tar.extractfile(member)
            manifest = json.loads(raw.read() if raw else b"")
        except (KeyError, ValueError, tarfile.TarError, EOFError, OSError):
            raise BackupError(
                _("{archive} has no readable {manifest} — it is not a certreview backup").format(
                    archive=archive, manifest=MANIFEST
                )
            ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            _("{archive} is not a certreview backup of format {format}").format(
                archive=archive, format=FORMAT
            )
        )
    files, tables = manifest.get("files"), manifest.get("tables")
    if (
        manifest.get("db_kind") not in ("sqlite", "postgresql")
        or not isinstance(tables, dict)
        or not isinstance(files, list)
        or not all(isinstance(f, dict) and {"path", "size", "sha256"} <= f.keys() for f in files)
    ):
        raise BackupError(
            _("{archive}: its {manifest} is incomplete — it was altered").format(
                archive=archive, manifest=MANIFEST
            )
        )
    return manifest


def _unpack(archive: Path, work: Path, store_dir: Path | None) -> tuple[dict[str, Any], Path]:
    """Check every member against the manifest; extract the database to WORK, files to STORE_DIR."""
    manifest = _read_manifest(archive)
    expected = {f["path"]: f for f in manifest["files"]}
    db_member = PG_MEMBER if manifest["db_kind"] == "postgresql" else SQLITE_MEMBER
    if db_member not in expected:
        raise BackupError(
            _("{archive}: the manifest lists no {db_member}").format(
                archive=archive, db_member=db_member
            )
        )
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
                    raise BackupError(
                        _("{archive}: unexpected member {name!r} — it was altered").format(
                            archive=archive, name=name
                        )
                    )
                if name == db_member:
                    target: Path | None = db_file
                elif store_dir is not None:
                    target = store_dir / PurePosixPath(name).relative_to("store")
                else:
                    target = None
                size, sha = _copy_member(tar, member, target)
                if size != entry["size"] or sha != entry["sha256"]:
                    raise BackupError(
                        _("{archive}: checksum mismatch in {name} — it was altered").format(
                            archive=archive, name=name
                        )
                    )
                seen.add(name)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(
            _("{archive} is damaged ({first_line}) — use another copy of the backup").format(
                archive=archive, first_line=first_line(exc)
            )
        ) from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(
            _("{archive}: {count} files are missing, e.g. {missing}").format(
                archive=archive, count=len(missing), missing=missing[0]
            )
        )
    return manifest, db_file


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
            detail = (done.stderr.strip().splitlines() or [_("no message")])[0]
            raise BackupError(
                _("the database dump does not read back: {detail}").format(detail=detail)
            )
        return
    try:
        connection = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
        try:
            ok = connection.execute("PRAGMA integrity_check").fetchone()[0]
            counts = sqlite_counts(connection)
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            _("the database copy does not open: {first_line}").format(first_line=first_line(exc))
        ) from None
    if ok != "ok":
        raise BackupError(_("the database copy is damaged: {detail}").format(detail=ok))
    if counts != manifest["tables"]:
        raise BackupError(_("the database copy's row counts differ from the manifest"))


def restore(archive: Path, db_url: str, data_dir: Path) -> Verified:
    """Restore ARCHIVE into an empty database and data folder, then check it; never overwrite."""
    archive, data_dir = Path(archive), Path(data_dir)
    manifest = _read_manifest(archive)
    target = make_url(db_url)
    kind = target.get_backend_name()
    if kind != manifest["db_kind"]:
        raise BackupError(
            _(
                "this is a {db_kind} backup; restore it into a {db_kind} database, not {kind}"
            ).format(db_kind=manifest["db_kind"], kind=kind)
        )
    store_dir = data_dir / "store"
    if store_dir.exists() and any(p.is_file() for p in store_dir.rglob("*")):
        raise BackupError(
            _("{data_dir} already holds an image store — restore into an empty folder").format(
                data_dir=data_dir
            )
        )
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
                url, env = libpq_target(engine.url)
                run_pg(
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
            counts = table_counts(c)
    finally:
        engine.dispose()
    for entry in manifest["files"]:
        # Read back from where they landed: what is on disk now is what the archive held.
        if entry["path"].startswith("store/"):
            path = store_dir / PurePosixPath(entry["path"]).relative_to("store")
            if _sha256_file(path) != entry["sha256"]:
                raise BackupError(
                    _("{path} does not read back as archived — check the disk").format(path=path)
                )
    if counts != manifest["tables"]:
        raise BackupError(_("the restored database's row counts differ from the manifest"))
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
            raise BackupError(_("restore into a SQLite file, not an in-memory database"))
        if Path(path).exists():
            raise BackupError(
                _("{path} already exists — restore into a new file; nothing was changed").format(
                    path=path
                )
            )
        return
    with engine.connect() as c:
        names = set(inspect(c).get_table_names())
    ours = names & (set(Base.metadata.tables) | {"alembic_version"})
    if ours:
        raise BackupError(
            _(
                "the database already has certreview tables ({tables}…) — restore into a new, "
                "empty database; nothing was changed"
            ).format(tables=", ".join(sorted(ours)[:3]))
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
        raise BackupError(
            _("{path} already exists — restore into a new file").format(path=path)
        ) from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    fsync_dir(path.parent)
