"""Re-importing an edited export: same content adds nothing, changed content is a new version."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from certreview.demo.pictures import certificate_image, encode
from certreview.ingest.reference import import_catalog, import_roster, import_standards
from certreview.ingest.submissions import IntakeOptions, import_submissions
from certreview.reports.frames import eligibility_frame
from certreview.reports.student import student_status
from certreview.review.service import ReviewService
from certreview.review.values import Filters
from certreview.store.decisions import check_verdict, decide, find_submission
from certreview.store.models import Submission
from certreview.workspace import Workspace
from tests.conftest import SAMPLES

HEADER = (
    "submission_id,submitted_at,student_id,student_name,category,certificate_name,exam_year,image\n"
)
TODAY = date(2026, 5, 20)
# Two CCNA-like rows of a student admitted AY112 (standard: 2 groups, 3 points, 1 Information).
CCNA = "v1,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,v1.jpg\n"
GEPT = "v1,2026-03-01 10:00,B11201002,李美玲,Language,全民英檢中級,113,v1.jpg\n"


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    """Return a workspace holding the sample roster, catalog and standards."""
    with workspace.Session.begin() as s:
        import_roster(s, SAMPLES / "roster.csv")
        import_catalog(s, SAMPLES / "catalog.csv")
        import_standards(s, SAMPLES / "standards.toml")
    return workspace


def picture(n: int) -> bytes:
    image = certificate_image(
        "Certificate", f"Student {n}", f"No. {n:06d}", size=(600, 420), seed=n
    )
    return encode(image, "jpeg")


def load(ws: Workspace, tmp_path: Path, rows: str, images: dict[str, bytes] | None = None):
    """Import ROWS (with IMAGES written to the images folder first) and return the result."""
    folder = tmp_path / "images"
    folder.mkdir(exist_ok=True)
    for name, data in (images or {}).items():
        (folder / name).write_bytes(data)
    export = tmp_path / "submissions.csv"
    export.write_text(HEADER + rows, encoding="utf-8")
    with ws.Session.begin() as s:
        options = IntakeOptions(round_name="AY114", today=TODAY, workers=1)
        return import_submissions(s, ws.store, export, folder, options)


def versions(ws: Workspace) -> list[tuple[str, int, bool, str, int | None]]:
    with ws.Session() as s:
        rows = s.execute(
            select(
                Submission.submission_id,
                Submission.version,
                Submission.live,
                Submission.certificate_name_text,
                Submission.supersedes,
            ).order_by(Submission.id)
        )
        return [tuple(r) for r in rows]


def test_an_unchanged_reimport_adds_nothing(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, CCNA, {"v1.jpg": picture(1)})
    again = load(ws, tmp_path, CCNA)
    assert again.counts() == {"accepted": 0, "flagged": 0, "skipped": 1}
    assert again.summary() == "submissions: nothing new — all 1 rows were imported before"
    assert versions(ws) == [("v1", 1, True, "CCNA", None)]


def test_a_changed_certificate_becomes_a_pending_new_version(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, CCNA, {"v1.jpg": picture(1)})
    with ws.Session.begin() as s:
        decide(s, find_submission(s, "v1"), check_verdict("approve", None, None, None), "amy")
    result = load(ws, tmp_path, GEPT)
    assert [(r.submission_id, r.status, r.changed) for r in result.rows] == [
        ("v1", "accepted", "category;certificate_name")
    ]
    assert result.notes == [
        "line 2: submission v1 changed (category, certificate_name) — imported as version 2, "
        "the earlier version is kept in its history"
    ]
    assert "(1 changed since imported before)" in result.summary()
    assert versions(ws) == [
        ("v1", 1, False, "CCNA", None),
        ("v1", 2, True, "全民英檢中級", _pk(ws, 1)),
    ]
    with ws.Session() as s:
        live = find_submission(s, "v1")  # `decide v1` reaches the newest version
        assert (live.version, live.decisions) == (2, [])
        old = s.scalars(select(Submission).where(Submission.version == 1)).one()
        assert [d.verdict for d in old.decisions] == ["approve"]  # kept, with its decision
        status = student_status(s, "B11201002")
    assert "v1 (version 2) round AY114, 2026-03-01 10:00: 全民英檢中級" in status
    assert (
        "v1 (version 1, replaced by a newer version) round AY114, 2026-03-01 10:00: CCNA" in status
    )
    # The review grid shows the newest version only, pending.
    service = ReviewService(ws, "amy")
    cards = service.page(Filters(status="all"))
    assert [(c.submission_id, c.certificate_name_text) for c in cards] == [("v1", "全民英檢中級")]


def _pk(ws: Workspace, version: int) -> int:
    with ws.Session() as s:
        return s.scalars(select(Submission.id).where(Submission.version == version)).one()


def test_a_changed_image_alone_is_a_new_version(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, CCNA, {"v1.jpg": picture(1)})
    result = load(ws, tmp_path, CCNA, {"v1.jpg": picture(2)})  # same name, another photo
    assert [(r.submission_id, r.status, r.flags, r.changed) for r in result.rows] == [
        ("v1", "accepted", "", "image")  # its own older photo is no copy of another upload
    ]
    assert [v[:3] for v in versions(ws)] == [("v1", 1, False), ("v1", 2, True)]
    with ws.Session() as s:
        shas = s.scalars(select(Submission.image_sha256).order_by(Submission.id)).all()
    assert len(set(shas)) == 2 and all(ws.store.has(sha) for sha in shas)  # both kept


def test_a_missing_images_folder_is_no_change(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, CCNA, {"v1.jpg": picture(1)})
    (tmp_path / "images" / "v1.jpg").unlink()  # the office's copy of the folder is incomplete
    again = load(ws, tmp_path, CCNA)
    assert again.counts()["skipped"] == 1
    assert len(versions(ws)) == 1


def test_eligibility_counts_the_newest_version_only(ws: Workspace, tmp_path: Path) -> None:
    rows = CCNA + "v2,2026-03-01 10:00,B11201002,李美玲,Language,全民英檢中級,113,v2.jpg\n"
    load(ws, tmp_path, rows, {"v1.jpg": picture(1), "v2.jpg": picture(2)})
    with ws.Session.begin() as s:
        for sid in ("v1", "v2"):
            decide(s, find_submission(s, sid), check_verdict("approve", None, None, None), "amy")
        met = eligibility_frame(s, current_year=114).set_index("student_id").loc["B11201002"]
    assert (met["approved"], met["pending"], met["met"]) == (2, 0, "yes")
    # The student edits v1 on the platform: the edited upload waits for review again.
    edited = CCNA.replace("113,v1.jpg", "112,v1.jpg")
    load(ws, tmp_path, edited + rows.split("\n", 1)[1])
    with ws.Session() as s:
        now = eligibility_frame(s, current_year=114).set_index("student_id").loc["B11201002"]
    assert (now["approved"], now["pending"], now["met"]) == (1, 1, "no")


def test_a_row_repeated_in_one_file_is_skipped(ws: Workspace, tmp_path: Path) -> None:
    result = load(ws, tmp_path, CCNA + GEPT, {"v1.jpg": picture(1)})
    assert [(r.submission_id, r.status) for r in result.rows] == [
        ("v1", "accepted"),
        ("v1", "skipped"),
    ]
    assert len(versions(ws)) == 1


def test_upgrading_keeps_stored_uploads_as_their_first_live_version(db_url: str) -> None:
    from alembic import command

    from certreview.store.engine import _alembic_config, make_engine

    engine = make_engine(db_url)
    try:
        config = _alembic_config(engine)
        command.upgrade(config, "0001")
        with engine.begin() as c:
            c.execute(
                text("INSERT INTO rounds (id, name, created_at) VALUES (1, 'AY114', :t)"),
                {"t": datetime(2026, 5, 1)},
            )
            c.execute(
                text(
                    "INSERT INTO submissions (id, submission_id, round_id, row, imported_at, "
                    "submitted_at_text, student_id_text, student_name_text, category_text, "
                    "certificate_name_text, exam_year_text, image_text, student_key, flags, notes) "
                    "VALUES (1, 'u1', 1, 2, :t, '', 'B1', 'x', 'c', 'n', '113', 'a.jpg', 'B1', '', '')"
                ),
                {"t": datetime(2026, 5, 1)},
            )
        command.upgrade(config, "head")
        with engine.connect() as c:
            rows = c.execute(
                text("SELECT submission_id, version, live, supersedes FROM submissions")
            )
            assert [tuple(r) for r in rows] == [("u1", 1, True, None)]
        command.downgrade(config, "0001")
        command.upgrade(config, "head")
    finally:
        engine.dispose()
