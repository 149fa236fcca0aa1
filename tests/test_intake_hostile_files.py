"""Intake against hostile or damaged files (issue 15): the store, bombs, links and disk fill."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from certreview.imports import import_catalog, import_roster, import_standards
from certreview.models import Submission
from tests.conftest import SAMPLES
from tests.test_intake import certificate, report, run

ROW = "{sid},2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,{image},\n"


@pytest.fixture
def department(workspace, tmp_path: Path):
    """Return a workspace holding the sample roster, catalog and standards."""
    with workspace.Session.begin() as s:
        import_roster(s, SAMPLES / "roster.csv")
        import_catalog(s, SAMPLES / "catalog.csv")
        import_standards(s, SAMPLES / "standards.toml")
    return workspace


def rows(*pairs: tuple[str, str]) -> str:
    return "".join(ROW.format(sid=sid, image=image) for sid, image in pairs)


def test_an_original_a_crash_left_empty_is_repaired_by_the_next_import(department, tmp_path):
    photo = certificate(1)
    stale = department.store.original_path(hashlib.sha256(photo).hexdigest())
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_bytes(b"")  # the unsynced write of an import cut off by a power cut
    result = run(department, tmp_path, rows(("h1", "photo.jpg")), {"photo.jpg": photo})
    assert report(result) == [("h1", "accepted", "")]
    with department.Session() as s:
        sha = s.scalar(select(Submission.image_sha256).where(Submission.submission_id == "h1"))
    assert department.store.read_original(sha) == photo


def test_links_in_the_images_folder_flag_their_row_and_the_import_goes_on(department, tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    (folder / "loop.jpg").symlink_to(folder / "loop.jpg")
    (tmp_path / "private.txt").write_text("someone else's file", encoding="utf-8")
    os.link(tmp_path / "private.txt", folder / "hard.jpg")
    result = run(
        department,
        tmp_path,
        rows(("l1", "loop.jpg"), ("l2", "hard.jpg"), ("l3", "photo.jpg")),
        {"photo.jpg": certificate(1)},
    )
    assert report(result) == [
        ("l1", "flagged", "unsafe_path"),
        ("l2", "flagged", "unsafe_path"),
        ("l3", "accepted", ""),
    ]
    with department.Session() as s:
        notes = dict(s.execute(select(Submission.submission_id, Submission.image_note)).all())
    assert notes["l2"] == (
        "The image “hard.jpg” is a hard link to a file outside the images folder — it was not read"
    )
    assert len(list((department.store.root / "originals").glob("*/*"))) == 1  # photo.jpg only
