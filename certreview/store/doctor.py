"""Check the image store against the database, and repair what can be repaired safely.

What is checked:

- orphaned files: originals (and their cached thumbnails/previews/features) no image row references —
  what a killed import leaves behind. An import is one database transaction (its import-log
  row is written in the same one), so the database never holds half an import; its trace is
  orphaned files and `.tmp-` files of interrupted writes. Both are removed by `--fix` only when
  older than MIN_AGE (1 hour), because a running import has not-yet-referenced files too;
- missing thumbnails of readable images (remade by `--fix`);
- originals whose content does not match their SHA-256 name (moved by `--fix` into
  `quarantine/` inside the data folder — never deleted: a row may still reference them);
- image rows whose original is missing (reported only: restore it from a backup).
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from certreview.i18n import N_, _
from certreview.store.imagestore import ImageStore
from certreview.store.models import ImageFile
from certreview.store.private import make_private_dir

MIN_AGE = timedelta(hours=1)
_CACHE = re.compile(r"([0-9a-f]{64})(?:(?:-p\d+)?\.jpg|\.orb)")
_SHA = re.compile(r"[0-9a-f]{64}")


@dataclass
class Checkup:
    """What the doctor found; paths are absolute, hashes are hex digests."""

    orphans: list[Path] = field(default_factory=list)
    recent_orphans: list[Path] = field(default_factory=list)
    stale_temp_files: list[Path] = field(default_factory=list)
    missing_thumbnails: list[str] = field(default_factory=list)
    mismatched: list[Path] = field(default_factory=list)
    missing_originals: list[str] = field(default_factory=list)
    strays: list[Path] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """Return whether nothing needs attention (recent orphans may be a running import)."""
        return not (
            self.orphans
            or self.stale_temp_files
            or self.missing_thumbnails
            or self.mismatched
            or self.missing_originals
            or self.strays
        )

    def lines(self) -> list[str]:
        """Return one plain line per kind of problem found."""
        hours = MIN_AGE.total_seconds() / 3600
        found = [
            (
                self.orphans,
                N_(
                    "{n} orphaned files older than {hours} h (no image row uses them; --fix removes them)"
                ),
            ),
            (
                self.recent_orphans,
                N_(
                    "{n} orphaned files younger than {hours} h (maybe an import running now; left alone)"
                ),
            ),
            (
                self.stale_temp_files,
                N_("{n} half-written temp files of an interrupted import (--fix removes them)"),
            ),
            (self.missing_thumbnails, N_("{n} missing thumbnails (--fix remakes them)")),
            (
                self.mismatched,
                N_(
                    "{n} originals whose content does not match their name "
                    "(--fix moves them to quarantine/)"
                ),
            ),
            (
                self.missing_originals,
                N_("{n} image rows whose original is missing (restore them from a backup)"),
            ),
            (self.strays, N_("{n} unexpected files in the store (left alone; check them by hand)")),
        ]
        out = [_(what).format(n=len(items), hours=f"{hours:g}") for items, what in found if items]
        return out or [_("the image store and the database agree")]


def examine(
    session: Session, store: ImageStore, *, min_age: timedelta = MIN_AGE, now: float | None = None
) -> Checkup:
    """Return what is wrong between the image store and the image rows of the database."""
    now = time.time() if now is None else now
    # Rows first: a file stored after this query is young, so it is never taken for an old orphan.
    rows = {sha: flag for sha, flag in session.execute(select(ImageFile.sha256, ImageFile.flag))}
    found = Checkup()

    def old(path: Path) -> bool:
        try:
            return now - path.stat().st_mtime >= min_age.total_seconds()
        except FileNotFoundError:
            return False

    def orphan(path: Path) -> None:
        (found.orphans if old(path) else found.recent_orphans).append(path)

    for path in _files(store.root / "originals"):
        if path.name.startswith(".tmp-"):
            if old(path):
                found.stale_temp_files.append(path)
        elif not _SHA.fullmatch(path.name) or path.parent.name != path.name[:2]:
            found.strays.append(path)
        elif _sha256(path) != path.name:
            found.mismatched.append(path)
        elif path.name not in rows:
            orphan(path)
    for part in ("thumbs", "previews", "features"):
        for path in _files(store.root / part):
            match = _CACHE.fullmatch(path.name)
            if path.name.startswith(".tmp-"):
                if old(path):
                    found.stale_temp_files.append(path)
            elif match is None:
                found.strays.append(path)
            elif match.group(1) not in rows:
                orphan(path)
    for sha, flag in sorted(rows.items()):
        if not store.has(sha):
            found.missing_originals.append(sha)
        elif flag is None and not store.thumbnail_path(sha).is_file():
            # Unreadable or oversized images never had a thumbnail: nothing is missing there.
            found.missing_thumbnails.append(sha)
    return found


def _files(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        yield from sorted(p for p in folder.rglob("*") if p.is_file())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Repairs:
    """What `repair` did."""

    removed: int = 0
    thumbnails: int = 0
    quarantined: int = 0
    kept: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Return one plain line per kind of repair."""
        out = [
            _("removed {n} orphaned or half-written files").format(n=self.removed),
            _("remade {n} thumbnails").format(n=self.thumbnails),
            _("moved {n} mismatched originals to quarantine").format(n=self.quarantined),
        ]
        return out + self.kept


def repair(
    Session: sessionmaker[Session], store: ImageStore, checkup: Checkup, quarantine: Path
) -> Repairs:
    """Remove old orphans and temp files, remake thumbnails, quarantine mismatched originals."""
    done = Repairs()
    with Session() as session:
        for path in checkup.orphans:
            sha = path.name[:64]
            # Looked up again: an import may have committed a row for it since the check.
            if session.get(ImageFile, sha) is None:
                path.unlink(missing_ok=True)
                done.removed += 1
            session.expire_all()
    for path in checkup.stale_temp_files:
        path.unlink(missing_ok=True)
        done.removed += 1
    for sha in checkup.missing_thumbnails:
        if store.thumbnail(sha) is not None:
            done.thumbnails += 1
        else:
            done.kept.append(
                _("no thumbnail can be made of {sha}… (not a readable image)").format(sha=sha[:12])
            )
    if checkup.mismatched:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        for path in checkup.mismatched:
            target = Path(quarantine) / stamp / path.relative_to(store.root)
            make_private_dir(target.parent)
            # Same file system (inside the data folder): a rename, never a copy and delete.
            os.replace(path, target)
            done.quarantined += 1
    return done
