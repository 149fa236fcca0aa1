"""The counter: one upload entered by the office goes through the intake of exports."""

from __future__ import annotations

import io
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from certreview.ingest.counter import CounterEntry, CounterService, MemorySource, safe_file_name
from certreview.ingest.service import IntakeService
from certreview.ingest.submissions import IntakeOptions, default_round_name, parse_cutoff
from certreview.store.models import ImageFile, ImportLog, Submission
from certreview.workspace import Workspace
from tests.conftest import SAMPLES


def sample_department(ws: Workspace, folder: Path) -> None:
    """Import the sample roster, catalog, standards and uploads (round AY114, cutoff 15 April)."""
    shutil.copytree(SAMPLES, folder)
    intake = IntakeService(ws)
    for kind in ("roster", "catalog", "standards"):
        name = "standards.toml" if kind == "standards" else f"{kind}.csv"
        intake.import_reference(kind, folder / name)
    options = IntakeOptions(round_name="AY114", cutoff=parse_cutoff("2026-04-15"), workers=1)
    intake.import_submissions(folder / "submissions.csv", folder / "images", options)


def heic(colour: str = "#fdfbf2") -> bytes:
    import pillow_heif
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (640, 452), colour)
    ImageDraw.Draw(img).rectangle((20, 20, 620, 432), outline="#8d6e00", width=8)
    out = io.BytesIO()
    pillow_heif.from_pillow(img).save(out, quality=80)
    return out.getvalue()


def entry(**changes: object) -> CounterEntry:
    values: dict[str, object] = {
        "student_id": "B11201003",
        "student_name": "陳大文",
        "category": "Language",
        "certificate_name": "GEPT 中級",
        "exam_year": "113學年度",
        "file_name": "C:\\Users\\amy\\IMG_0421.HEIC",
        "data": heic(),
        "received_at": datetime(2026, 5, 2, 9, 30),
    }
    values.update(changes)
    return CounterEntry(**values)  # type: ignore[arg-type]


@pytest.fixture
def counter(workspace: Workspace, tmp_path: Path) -> CounterService:
    sample_department(workspace, tmp_path / "incoming")
    return CounterService(workspace)


def test_a_late_heic_upload_is_stored_like_an_imported_row(counter: CounterService) -> None:
    ws = counter.workspace
    result = counter.save(entry(), "AY114", "office-amy")
    (row,) = result.rows
    assert (row.student_id, row.status, row.flags) == ("B11201003", "flagged", "late")
    assert row.submission_id.startswith("counter-20")
    with ws.Session() as s:
        sub = s.scalars(
            select(Submission).where(Submission.submission_id == row.submission_id)
        ).one()
        assert (sub.round.name, sub.item_code, sub.exam_year, sub.image_text) == (
            "AY114",
            "GEPT-I",
            113,
            "IMG_0421.HEIC",
        )
        image = s.get(ImageFile, sub.image_sha256)
        assert image is not None and (image.format, image.flag) == ("HEIF", None)
        assert ws.store.thumbnail(image.sha256) is not None
        log = s.scalars(select(ImportLog).where(ImportLog.kind == "counter")).one()
        assert log.source == "counter: IMG_0421.HEIC entered by office-amy"
        assert log.counts == {"accepted": 0, "flagged": 1, "skipped": 0}


def test_the_same_file_from_another_student_is_a_shared_image(counter: CounterService) -> None:
    data = heic("#eef3f8")
    first = counter.save(entry(data=data, received_at=datetime(2026, 4, 1)), "AY114", "amy")
    second = counter.save(
        entry(student_id="B11201002", student_name="李美玲", data=data), "AY114", "amy"
    )
    assert first.rows[0].flags == ""  # on time, clean
    assert second.rows[0].flags == "shared_image;late"
    with counter.workspace.Session() as s:
        earlier = s.scalars(
            select(Submission).where(Submission.submission_id == first.rows[0].submission_id)
        ).one()
        assert earlier.flags == "shared_image"  # both sides, as at import


def test_what_the_counter_shows_before_saving(counter: CounterService) -> None:
    with counter.workspace.Session() as s:
        before = s.scalars(select(Submission.id)).all()
    student = counter.student(" ｂ１１２０１００３ ")
    assert student is not None and student.name == "陳大文"
    assert counter.student("B99999999") is None
    window = counter.window(student)
    assert window.rule is not None and window.rule.during_enrollment
    assert window.first == 112
    assert counter.preview(entry(exam_year="110"), "AY114").flags == {
        "before_enrollment",
        "late",
    }
    assert counter.preview(entry(received_at=datetime(2026, 4, 1)), "AY114").flags == set()
    # The current round (newest with uploads) first, then this academic year's new one.
    assert [(r.name, r.cutoff) for r in counter.rounds()] == [
        ("AY114", datetime(2026, 4, 15, 23, 59, 59, 999999)),
        (default_round_name(), None),
    ]
    report = counter.check(heic())
    assert (report.flag, report.message) == (None, "This is a HEIC photo from an iPhone — accepted")
    with counter.workspace.Session() as s:  # nothing of that was saved
        assert s.scalars(select(Submission.id)).all() == before


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("全民英檢", ["GEPT-HI", "GEPT-I"]),
        ("advanced", ["TQC-EXCEL-A"]),
        ("ccna", ["CCNA"]),
        ("ｔｑｃ excel", ["TQC-EXCEL-A", "TQC-EXCEL-P"]),
        ("language", ["GEPT-HI", "GEPT-I"]),
        ("", ["CCNA", "TQC-EXCEL-A", "TQC-EXCEL-P", "GEPT-HI", "GEPT-I"]),
        ("TOEIC", []),
    ],
)
def test_the_catalog_search_reads_names_codes_categories_and_aliases(
    counter: CounterService, text: str, codes: list[str]
) -> None:
    assert [c.code for c in counter.catalog(text)] == codes


def test_a_file_that_is_no_picture_is_described_first_and_still_kept(
    counter: CounterService,
) -> None:
    report = counter.check(b"my certificate is attached")
    assert report.flag == "unreadable_image"
    assert "text file" in report.message
    result = counter.save(entry(data=b"my certificate is attached"), "AY114", "amy")
    assert result.rows[0].flags == "unreadable_image;late"


def test_an_unlisted_certificate_is_flagged_for_the_reviewer(counter: CounterService) -> None:
    result = counter.save(
        entry(category="其他", certificate_name="汽車駕照", received_at=datetime(2026, 4, 1)),
        "AY114",
        "amy",
    )
    assert result.rows[0].flags == "unknown_certificate"


def test_memory_source_refuses_what_a_folder_refuses() -> None:
    source = MemorySource({"a.jpg": b"x" * 11}, max_bytes=10)
    with pytest.raises(Exception, match="over the"):
        source.read("a.jpg")
    with pytest.raises(Exception, match="No file"):
        source.read("b.jpg")
    assert safe_file_name("../../etc/passwd") == "passwd"
    assert safe_file_name("..") == "upload"
