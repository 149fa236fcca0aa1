"""Intake against hostile or damaged files (issue 15): the store, bombs, links and disk fill."""

from __future__ import annotations

import hashlib
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
