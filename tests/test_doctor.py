"""The doctor: orphans of killed imports, missing thumbnails, damaged originals, with a real store."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from certreview.cli import main
from certreview.ingest.submissions import IntakeOptions, import_submissions
from certreview.store.doctor import examine, repair
from certreview.store.models import ImageFile
from tests.builders import department, jpeg
from tests.test_backup import import_files

HOURS = 3600


def age(path: Path, seconds: float) -> None:
    """Make PATH look SECONDS old."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def cli(ws, *args: str) -> int:  # type: ignore[no-untyped-def]
    return main(["doctor", *args, "--db", ws.settings.db_url, "--data", str(ws.settings.data_dir)])


def test_a_healthy_department(workspace, capsys):
    department(workspace, submissions=6)
    with workspace.Session() as s:
        found = examine(s, workspace.store)
    assert found.healthy and found.lines() == ["the image store and the database agree"]
    assert cli(workspace) == 0
    assert capsys.readouterr().out == "the image store and the database agree\n"


def test_a_killed_import_leaves_orphans_that_fix_removes_once_old(workspace, tmp_path):
    department(workspace, submissions=6)
    export, folder = import_files(tmp_path, 3)
    with pytest.raises(KeyboardInterrupt), workspace.Session.begin() as s:
        options = IntakeOptions(round_name="AY115", workers=1)
        import_submissions(s, workspace.store, export, folder, options)
        raise KeyboardInterrupt  # the office PC is switched off before the commit
    with workspace.Session() as s:
        now = examine(s, workspace.store)
        later = examine(s, workspace.store, now=time.time() + 2 * HOURS)
    # Young orphans may belong to an import running right now: reported, never removed.
    assert len(now.recent_orphans) == 9 and now.orphans == [] and now.healthy
    assert len(later.orphans) == 9 and not later.healthy
    assert sorted(p.parent.parent.name for p in later.orphans) == (
        ["features"] * 3 + ["originals"] * 3 + ["thumbs"] * 3
    )
    repair(workspace.Session, workspace.store, now, tmp_path / "q")
    assert all(p.exists() for p in now.recent_orphans)
    kept = {p: p.read_bytes() for p in workspace.store.root.rglob("*") if p.is_file()}
    repair(workspace.Session, workspace.store, later, tmp_path / "q")
    assert not any(p.exists() for p in later.orphans)
    with workspace.Session() as s:
        assert examine(s, workspace.store).lines() == ["the image store and the database agree"]
        for sha in s.scalars(select(ImageFile.sha256)):  # every referenced file is still there
            assert workspace.store.read_original(sha) == kept[workspace.store.original_path(sha)]


def test_old_temp_files_are_removed_young_ones_kept(workspace, capsys):
    department(workspace, submissions=3)
    folder = workspace.store.root / "originals" / "ab"
    folder.mkdir(parents=True)
    old, young = folder / ".tmp-old", folder / ".tmp-young"
    old.write_bytes(b"half a jpeg")
    young.write_bytes(b"being written")
    age(old, 2 * HOURS)
    assert cli(workspace) == 1
    assert "1 half-written temp files" in capsys.readouterr().out
    assert cli(workspace, "--fix") == 0
    assert not old.exists() and young.exists()


def test_missing_thumbnails_are_remade(workspace):
    department(workspace, submissions=4)
    with workspace.Session.begin() as s:
        shas = sorted(s.scalars(select(ImageFile.sha256)))
        # An unreadable upload never had a thumbnail: nothing is missing there.
        bad = workspace.store.put(b"not an image")
        s.add(ImageFile(sha256=bad, byte_size=12, flag="unreadable_image", message="not an image"))
    workspace.store.thumbnail_path(shas[0]).unlink()
    with workspace.Session() as s:
        found = examine(s, workspace.store)
    assert found.missing_thumbnails == [shas[0]]
    assert found.lines() == ["1 missing thumbnails (--fix remakes them)"]
    done = repair(workspace.Session, workspace.store, found, workspace.settings.data_dir / "q")
    assert done.thumbnails == 1
    with Image.open(workspace.store.thumbnail_path(shas[0])) as thumb:
        assert thumb.format == "JPEG"


def test_a_damaged_original_is_quarantined_never_deleted(workspace, capsys):
    department(workspace, submissions=4)
    with workspace.Session() as s:
        sha = sorted(s.scalars(select(ImageFile.sha256)))[0]
    path = workspace.store.original_path(sha)
    damaged = jpeg("black")  # bit rot or a hand edit: the content no longer matches its name
    path.write_bytes(damaged)
    assert cli(workspace) == 1
    assert "1 originals whose content does not match their name" in capsys.readouterr().out
    assert cli(workspace, "--fix") == 0
    assert "moved 1 mismatched originals to quarantine" in capsys.readouterr().out
    moved = list((workspace.settings.data_dir / "quarantine").rglob(sha))
    assert [p.read_bytes() for p in moved] == [damaged]
    assert cli(workspace) == 1
    assert "1 image rows whose original is missing" in capsys.readouterr().out


def test_unexpected_files_are_reported_and_left_alone(workspace):
    department(workspace, submissions=2)
    stray = workspace.store.root / "originals" / "notes.txt"
    stray.write_text("office notes", encoding="utf-8")
    age(stray, 5 * HOURS)
    with workspace.Session() as s:
        found = examine(s, workspace.store)
    assert found.strays == [stray]
    repair(workspace.Session, workspace.store, found, workspace.settings.data_dir / "q")
    assert stray.read_text(encoding="utf-8") == "office notes"
