"""Privacy (Taiwan's PDPA): private files, and the purge of students who left, nothing more."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from certreview.cli import main
from certreview.config import sqlite_url
from certreview.store.decisions import check_verdict, decide, undo
from certreview.store.models import Decision, ImageFile, ImportLog, Student, Submission
from certreview.workspace import Workspace
from tests.builders import add_image, add_submission, department
from tests.test_backup import every_file, every_row

# B11100003 graduated in 113, B11200002 withdrew in 114: both left before AY115.
LEAVERS = {"B11100003": ("graduated", 113), "B11200002": ("withdrawn", 114)}


@pytest.fixture
def office(workspace: Workspace) -> Iterator[Workspace]:
    """Return a department where two students left, one stays, and a leaver shares an image."""
    pks = department(workspace, submissions=9)
    with workspace.Session.begin() as s:
        for sid, (status, year) in LEAVERS.items():
            s.execute(
                update(Student)
                .where(Student.student_id == sid)
                .values(status=status, exit_year=year)
            )
        s.add(
            Student(
                student_id="B10900009",
                name="李喆",
                admission_year=109,
                status="graduated",
                exit_year=115,  # leaves this year: not before AY115, so kept
            )
        )
        s.add(Student(student_id="B10800008", name="周堃", admission_year=108, status="suspended"))
        for pk in pks[:4]:
            sub = s.get(Submission, pk)
            decision = decide(s, sub, check_verdict("approve", None, None, None), "staff")
            s.flush()
            if pk == pks[2]:  # a leaver's decision undone: the chain goes too
                undo(s, decision, "staff")
        shared_sha = s.get(Submission, pks[2]).image_sha256  # B11100003's upload
        own = add_image(workspace, s, "yellow")
    add_submission(workspace, submission_id="KEEP-SHARED", image_sha256=shared_sha)
    # An unlinked upload of someone not on the roster, with the same picture as a leaver's.
    with workspace.Session() as s:
        leavers_sha = s.get(Submission, pks[4]).image_sha256  # B11200002's upload
    add_submission(
        workspace,
        submission_id="STRANGER",
        student_id=None,
        student_key="X0000001",
        image_sha256=leavers_sha,
        flags="unknown_student;shared_image",
    )
    # An upload never linked to the roster, typed with a leaver's ID.
    add_submission(
        workspace,
        submission_id="UNLINKED",
        student_id=None,
        student_key="B11100003",
        image_sha256=own,
        flags="unknown_student",
    )
    return workspace


def cli(ws: Workspace, *args: str) -> int:
    return main(["purge", *args, "--db", ws.settings.db_url, "--data", str(ws.settings.data_dir)])


def staying(rows: dict[str, list[tuple[object, ...]]], ws: Workspace) -> dict[str, set[object]]:
    """Return the rows that must survive a purge: everything not the leavers'."""
    with ws.Session() as s:
        theirs = set(
            s.scalars(
                select(Submission.id).where(
                    Submission.student_id.in_(LEAVERS) | Submission.student_key.in_(LEAVERS)
                )
            )
        )
        their_images = set(
            s.scalars(select(Submission.image_sha256).where(Submission.id.in_(theirs)))
        ) - set(s.scalars(select(Submission.image_sha256).where(Submission.id.not_in(theirs))))
    return {
        "students": {r for r in rows["students"] if r[0] not in LEAVERS},
        "submissions": {r for r in rows["submissions"] if r[0] not in theirs},
        "decisions": {r for r in rows["decisions"] if r[1] not in theirs},
        "image_files": {r for r in rows["image_files"] if r[0] not in their_images},
    }


def test_a_dry_run_counts_and_changes_nothing(office, capsys):
    before = every_row(office.settings.db_url), every_file(office.store.root)
    assert cli(office, "--left-before", "115") == 0
    out = capsys.readouterr().out
    assert out == (
        "would delete students who left before AY115: 2 students, 7 submissions, "
        "3 decisions, 4 images — run again with --yes to delete them\n"
    )
    assert (every_row(office.settings.db_url), every_file(office.store.root)) == before


def test_purge_removes_the_leavers_and_keeps_everyone_else(office, capsys):
    rows = every_row(office.settings.db_url)
    keep = staying(rows, office)
    files = every_file(office.store.root)
    with office.Session() as s:
        shared = s.scalars(
            select(Submission.image_sha256).where(Submission.submission_id == "KEEP-SHARED")
        ).one()
        gone = set(s.scalars(select(ImageFile.sha256))) - {r[0] for r in keep["image_files"]}
    assert cli(office, "--left-before", "115", "--yes") == 0
    assert capsys.readouterr().out == (
        "deleted students who left before AY115: 2 students, 7 submissions, 3 decisions, "
        "4 images; 4 stored files removed\n"
    )
    after = every_row(office.settings.db_url)
    for table, survivors in keep.items():
        assert set(after[table]) == survivors, table
    assert after["rounds"] == rows["rounds"] and after["catalog_items"] == rows["catalog_items"]
    left = every_file(office.store.root)
    for name, data in files.items():
        sha = name.rsplit("/", 1)[1][:64]
        assert (name in left) == (sha not in gone), name
        if name in left:
            assert left[name] == data
    assert office.store.has(shared)  # another student's submission still uses it
    with office.Session() as s:
        log = s.scalars(select(ImportLog).where(ImportLog.kind == "purge")).one()
    assert log.counts == {"students": 2, "submissions": 7, "decisions": 3, "images": 4}
    assert log.source == "left before AY115"  # counts only: no names, no IDs
    assert cli(office, "--left-before", "115", "--yes") == 0
    assert "2 students" not in capsys.readouterr().out


@pytest.mark.parametrize(("year", "students"), [(113, 0), (114, 1), (115, 2), (116, 3)])
def test_only_students_who_left_before_the_year_are_chosen(office, year, students, capsys):
    assert cli(office, "--left-before", str(year)) == 0
    assert f": {students} students," in capsys.readouterr().out


def test_a_gregorian_year_is_refused_before_anything_is_deleted(office, capsys):
    before = every_row(office.settings.db_url), every_file(office.store.root)
    assert cli(office, "--left-before", "2024", "--yes") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "give an ROC academic year" in err
    assert (every_row(office.settings.db_url), every_file(office.store.root)) == before


def test_a_purge_leaves_no_orphans_for_the_doctor(office):
    from certreview.store.doctor import examine

    assert cli(office, "--left-before", "115", "--yes") == 0
    with office.Session() as s:
        assert examine(s, office.store, now=datetime.now().timestamp() + 86400).healthy


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_workspace_is_private_to_its_user(tmp_path):
    old = os.umask(0o022)  # the usual default, which makes files world-readable
    try:
        data = tmp_path / "office" / "data"
        ws = Workspace.open(sqlite_url(data / "certreview.sqlite"), data, create=True)
        try:
            department(ws, submissions=2)
            with ws.Session() as s:
                sha = s.scalars(select(ImageFile.sha256)).first()
                assert sha is not None
                ws.store.preview(sha)
                s.scalars(select(Decision)).all()
        finally:
            ws.close()
    finally:
        os.umask(old)
    assert mode(data.parent) == 0o700 and mode(data) == 0o700
    for path in data.rglob("*"):
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path
    assert {p.name for p in data.iterdir()} >= {"certreview.sqlite", "store"}
    assert (data / "store" / "previews").is_dir() and (data / "store" / "thumbs").is_dir()
