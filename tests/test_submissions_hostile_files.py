"""Intake against hostile or damaged files (issue 15): the store, bombs, links and disk fill."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from certreview.images.limits import MSG_EMPTY, MSG_UNKNOWN, message_code
from certreview.ingest.reference import import_catalog, import_roster, import_standards
from certreview.ingest.submissions import IntakeOptions, import_submissions
from certreview.store.models import ImageFile, Submission
from tests.conftest import SAMPLES
from tests.test_inspect import flate_bomb_pdf
from tests.test_sources import make_zip
from tests.test_submissions import HEADER, TODAY, certificate, report, run

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
        "The image “hard.jpg” is also linked from outside the images folder (a hard link) "
        "— it was not read"
    )
    assert len(list((department.store.root / "originals").glob("*/*"))) == 1  # photo.jpg only


def test_files_that_do_not_open_fill_the_store_only_up_to_the_allowance(department, tmp_path):
    # The shape of a 3 MB ZIP of 1,000 entries of 1 MiB junk, scaled down: 40 x 64 KiB.
    junk = {f"junk{n:02d}.jpg": bytes([n]) + b"\x00" * (64 * 1024 - 1) for n in range(40)}
    photo = certificate(1)
    archive = make_zip(
        tmp_path / "uploads.zip", {**junk, "photo.jpg": photo}, method=zipfile.ZIP_DEFLATED
    )
    assert archive.stat().st_size < 100 * 1024
    export = tmp_path / "submissions.csv"
    export.write_text(
        HEADER + rows(*((name[:-4], name) for name in junk), ("photo", "photo.jpg")),
        encoding="utf-8",
    )
    with department.Session.begin() as s:
        result = import_submissions(
            s,
            department.store,
            export,
            archive,
            IntakeOptions(round_name="AY114", today=TODAY, max_unreadable_bytes=256 * 1024),
        )
    assert report(result) == [(name[:-4], "flagged", "unreadable_image") for name in junk] + [
        ("photo", "accepted", "")
    ]
    with department.Session() as s:
        kept = dict(s.execute(select(Submission.submission_id, Submission.image_sha256)).all())
        notes = dict(s.execute(select(Submission.submission_id, Submission.image_note)).all())
    stored = sorted(p.name for p in (department.store.root / "originals").glob("*/*"))
    assert stored == sorted(sha for sha in kept.values() if sha)
    assert [sid for sid, sha in kept.items() if sha] == [f"junk{n:02d}" for n in range(4)] + [
        "photo"
    ]
    assert notes["junk04"] == (
        "This file is not a picture or PDF we can open — please upload a JPEG, PNG, HEIC or PDF "
        "copy of the certificate (the file was not kept: this import has already stored its "
        "limit of 0.2 MB of files that do not open)"
    )
    assert message_code("unreadable_image", notes["junk04"]) == "unknown"
    assert notes["junk03"] == MSG_UNKNOWN


def test_a_file_once_checked_from_an_empty_copy_is_checked_again_once_repaired(
    department, tmp_path
):
    # What the old store left behind: an empty original, and the check made from it saved.
    photo = certificate(2)
    sha = hashlib.sha256(photo).hexdigest()
    stale = department.store.original_path(sha)
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_bytes(b"")
    with department.Session.begin() as s:
        s.add(
            ImageFile(sha256=sha, byte_size=0, pages=0, flag="unreadable_image", message=MSG_EMPTY)
        )
    result = run(department, tmp_path, rows(("e1", "photo.jpg")), {"photo.jpg": photo})
    assert report(result) == [("e1", "accepted", "")]
    with department.Session() as s:
        image = s.get(ImageFile, sha)
        assert (image.flag, image.format, image.byte_size) == (None, "JPEG", len(photo))
    assert department.store.thumbnail(sha) is not None


def test_a_pdf_stream_bomb_is_flagged_too_large_and_kept(department, tmp_path):
    bomb = flate_bomb_pdf(300)  # 300 MiB of zeros in a 300 KiB PDF
    result = run(
        department,
        tmp_path,
        rows(("p1", "bomb.pdf"), ("p2", "photo.jpg")),
        {"bomb.pdf": bomb, "photo.jpg": certificate(1)},
    )
    assert report(result) == [("p1", "flagged", "image_too_large"), ("p2", "accepted", "")]
    with department.Session() as s:
        sub = s.scalars(select(Submission).where(Submission.submission_id == "p1")).one()
        assert sub.image_note == (
            "This PDF unpacks to over 256 MB, more than a certificate needs — please save or "
            "print it again as a new PDF, or upload a photo or scan instead"
        )
        assert message_code(sub.flags, sub.image_note) == "too_large"
        assert department.store.read_original(sub.image_sha256) == bomb  # the evidence is kept
