"""Submissions intake: every flag of the contract, the report, re-import, folders and ZIPs."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from PIL import Image, ImageOps
from sqlalchemy import func, select

from certreview.demo.pictures import certificate_image, encode
from certreview.images.phash import NEAR_DUPLICATE_DISTANCE
from certreview.ingest.reference import import_catalog, import_roster, import_standards
from certreview.ingest.submissions import IntakeOptions, import_submissions, parse_cutoff
from certreview.store.models import ImageFile, ImageMatch, Submission
from tests.conftest import SAMPLES
from tests.test_sources import make_zip

HEADER = "submission_id,submitted_at,student_id,student_name,category,certificate_name,exam_year,image,exam_date\n"
TODAY = date(2026, 5, 20)


@pytest.fixture
def department(workspace, tmp_path: Path):
    """Return a workspace holding the sample roster (plus one withdrawn student), catalog and standards."""
    roster = tmp_path / "roster.csv"
    roster.write_text(
        (SAMPLES / "roster.csv").read_text(encoding="utf-8")
        + "B11101005,張志豪,Day,資二乙,111,withdrawn,112,\n",
        encoding="utf-8",
    )
    with workspace.Session.begin() as s:
        import_roster(s, roster)
        import_catalog(s, SAMPLES / "catalog.csv")
        import_standards(s, SAMPLES / "standards.toml")
    return workspace


def certificate(n: int, kind: str = "jpeg") -> bytes:
    return encode(
        certificate_image("Certificate", f"Student {n}", f"No. {n:06d}", size=(600, 420), seed=n),
        kind,
    )


def run(ws, tmp_path: Path, rows: str, images: dict[str, bytes], **kw):
    folder = tmp_path / "images"
    folder.mkdir(exist_ok=True)
    for name, data in images.items():
        (folder / name).write_bytes(data)
    export = tmp_path / "submissions.csv"
    export.write_text(HEADER + rows, encoding="utf-8")
    with ws.Session.begin() as s:
        options = IntakeOptions(round_name="AY114", today=TODAY, **kw)
        return import_submissions(s, ws.store, export, folder, options)


def report(result) -> list[tuple[str, str, str]]:
    return [(r.submission_id, r.status, r.flags) for r in result.rows]


def test_sample_department(department, tmp_path):
    shutil.copytree(SAMPLES / "images", tmp_path / "images")
    with department.Session.begin() as s:
        result = import_submissions(
            s,
            department.store,
            SAMPLES / "submissions.csv",
            tmp_path / "images",
            IntakeOptions(round_name="AY114", today=TODAY),
        )
    assert report(result) == [
        ("u0001", "accepted", ""),
        ("u0002", "accepted", ""),
        ("u0003", "accepted", ""),
        ("u0004", "flagged", "before_enrollment"),
        ("u0005", "flagged", "missing_image"),
    ]
    out = tmp_path / "report.csv"
    result.write_report(out)
    assert out.read_bytes().decode("utf-8") == (
        "\ufeffrow,submission_id,student_id,status,flags\r\n"
        "2,u0001,B11001001,accepted,\r\n"
        "3,u0002,B11201002,accepted,\r\n"
        "4,u0003,B11201003,accepted,\r\n"
        "5,u0004,B11201002,flagged,before_enrollment\r\n"
        "6,u0005,B11201003,flagged,missing_image\r\n"
    )
    with department.Session() as s:
        u3 = s.scalars(select(Submission).where(Submission.submission_id == "u0003")).one()
        assert (u3.student_id_text, u3.student_id, u3.item_code, u3.exam_year) == (
            "b11201003",
            "B11201003",
            "CCNA",
            112,
        )
        u2 = s.scalars(select(Submission).where(Submission.submission_id == "u0002")).one()
        assert (u2.exam_year_text, u2.exam_year, u2.item_code) == ("113學年度", 113, "GEPT-I")
        # a1-a4 are one template with different text: look-alikes, no pair of copies.
        assert s.scalars(select(ImageMatch)).all() == []


def test_every_data_flag(department, tmp_path):
    rows = (
        "s01,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,s01.jpg,\n"
        "s02,2026-03-01 10:00,B11201002,,Information,CCNA,113,s02.jpg,\n"
        "s03,2026-03-01 10:00,B99999999,無名氏,Information,CCNA,113,s03.jpg,\n"
        "s04,2026-03-01 10:00,B11201002,李美麗,Information,CCNA,113,s04.jpg,\n"
        "s05,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,110,s05.jpg,\n"
        "s06,2026-03-01 10:00,B11101005,張志豪,Information,CCNA,113,s06.jpg,\n"
        "s07,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,116,s07.jpg,\n"
        "s08,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,2024,s08.jpg,\n"
        "s09,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,2024,s09.jpg,2024-10-01\n"
        "s10,2026-03-01 10:00,B11201002,李美玲,Other,駕照,113,s10.jpg,\n"
        "s11,2026-06-01 10:00,B11201002,李美玲,Information,CCNA,113,s11.jpg,\n"
        "s12,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,去年,s12.jpg,\n"
        "s13,2026-03-01 10:00,ｂ１１２０１００２,李 美玲,Language,全民英檢中級,113,s13.jpg,\n"
        "s14,yesterday,B11201002,李美玲,Information,CCNA,113,s14.jpg,\n"
        "s15,2026-03-01 10:00,B10801004,林雅惠,Information,CCNA,105,s15.jpg,\n"
    )
    images = {f"s{i:02d}.jpg": certificate(i) for i in range(1, 16)}
    result = run(department, tmp_path, rows, images, cutoff=parse_cutoff("2026-05-15"))
    assert report(result) == [
        ("s01", "accepted", ""),
        ("s02", "flagged", "missing_field"),
        ("s03", "flagged", "unknown_student"),
        ("s04", "flagged", "name_mismatch"),
        ("s05", "flagged", "before_enrollment"),
        ("s06", "flagged", "after_enrollment"),
        ("s07", "flagged", "future_year"),
        ("s08", "flagged", "ambiguous_year"),
        ("s09", "accepted", ""),
        ("s10", "flagged", "unknown_certificate"),
        ("s11", "flagged", "late"),
        ("s12", "flagged", "missing_field"),
        ("s13", "accepted", ""),
        ("s14", "flagged", "missing_field"),
        ("s15", "accepted", ""),  # AY108-110 does not require enrollment
    ]
    with department.Session() as s:
        notes = dict(s.execute(select(Submission.submission_id, Submission.notes)).all())
    assert notes["s02"] == "blank: student_name"
    assert notes["s04"] == "roster name is 李美玲"
    assert notes["s05"] == "enrolled AY112-114 under AY111 and later"
    assert notes["s12"] == "exam_year '去年' is not an academic year"
    assert notes["s14"] == "submitted_at 'yesterday' is not a date and time"


def test_image_flags(department, tmp_path):
    rows = (
        "i1,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,none.jpg,\n"
        "i2,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,broken.jpg,\n"
        "i3,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,bomb.png,\n"
        "i4,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,../outside.jpg,\n"
        "i5,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,/etc/passwd,\n"
        "i6,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,photo.jpg,\n"
        "i7,2026-03-02 10:00,B11201002,李美玲,Information,CCNA,113,again.jpg,\n"
        "i8,2026-03-03 10:00,B11201003,陳大文,Information,CCNA,113,photo.jpg,\n"
        "i9,2026-03-03 10:00,B11201003,陳大文,Information,CCNA,113,,\n"
        "i10,2026-03-03 10:00,B11201003,陳大文,Information,CCNA,113,iphone.jpg,\n"
    )
    photo = certificate(1)
    resized = io.BytesIO()
    Image.open(io.BytesIO(photo)).resize((300, 210)).save(resized, "JPEG", quality=70)
    (tmp_path / "outside.jpg").write_bytes(photo)
    images = {
        "broken.jpg": encode(certificate_image(), "truncated_jpeg"),
        "bomb.png": encode(certificate_image(), "bomb_png"),
        "photo.jpg": photo,
        "again.jpg": resized.getvalue(),
        "iphone.jpg": certificate(2, "heic"),
    }
    result = run(department, tmp_path, rows, images)
    assert report(result) == [
        ("i1", "flagged", "missing_image"),
        ("i2", "flagged", "unreadable_image"),
        ("i3", "flagged", "image_too_large"),
        ("i4", "flagged", "unsafe_path"),
        ("i5", "flagged", "unsafe_path"),
        ("i6", "flagged", "shared_image"),  # i8 is the same file from another student
        ("i7", "flagged", "duplicate_image;shared_image"),  # smaller copy; i8 shares it too
        ("i8", "flagged", "shared_image"),
        ("i9", "flagged", "missing_field"),
        ("i10", "accepted", ""),
    ]
    with department.Session() as s:
        formats = dict(
            s.execute(
                select(Submission.submission_id, ImageFile.format).join(
                    ImageFile, Submission.image_sha256 == ImageFile.sha256
                )
            ).all()
        )
        assert formats["i10"] == "HEIF"
        assert s.scalar(select(func.count()).select_from(ImageFile)) == 5
    # The originals are kept byte for byte under their hash.
    with department.Session() as s:
        sha = s.scalar(select(Submission.image_sha256).where(Submission.submission_id == "i6"))
    assert department.store.read_original(sha) == photo
    assert department.store.thumbnail(sha) is not None


def test_reimport_adds_nothing(department, tmp_path):
    rows = (
        "r1,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,a.jpg,\n"
        ",2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,b.jpg,\n"
        "r1,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,a.jpg,\n"
    )
    images = {"a.jpg": certificate(1), "b.jpg": certificate(2)}
    first = run(department, tmp_path, rows, images)
    second = run(department, tmp_path, rows, images)
    assert [r.status for r in first.rows] == ["accepted", "flagged", "skipped"]
    assert first.rows[1].flags == "missing_field"
    assert first.rows[1].submission_id.startswith("row-")
    assert [r.status for r in second.rows] == ["skipped", "skipped", "skipped"]
    with department.Session() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 2


def test_images_from_a_windows_zip_with_cp950_names(department, tmp_path):
    # Windows' built-in ZIP writes names in the ANSI code page (CP950) without the UTF-8 flag.
    archive = make_zip(
        tmp_path / "images.zip",
        {"plain.jpg": certificate(1), "證照.jpg".encode("cp950"): certificate(2)},
    )
    export = tmp_path / "submissions.csv"
    export.write_text(
        HEADER
        + "z1,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,plain.jpg,\n"
        + "z2,2026-03-01 10:00,B11201003,陳大文,Information,CCNA,113,證照.jpg,\n",
        encoding="utf-8",
    )
    with department.Session.begin() as s:
        result = import_submissions(
            s, department.store, export, archive, IntakeOptions(today=TODAY)
        )
    assert report(result) == [("z1", "accepted", ""), ("z2", "accepted", "")]
    assert result.round_name == "AY114"


def test_progress_is_reported(department, tmp_path):
    seen: list[tuple[int, int]] = []
    rows = "".join(
        f"p{i},2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,p{i}.jpg,\n" for i in range(3)
    )
    run(
        department,
        tmp_path,
        rows,
        {f"p{i}.jpg": certificate(10 + i) for i in range(3)},
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[-1] == (3, 3)


def test_round_cutoff_is_kept(department, tmp_path):
    rows = "c1,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,c1.jpg,\n"
    run(department, tmp_path, rows, {"c1.jpg": certificate(7)}, cutoff=parse_cutoff("2026-05-15"))
    from certreview.store.models import Round

    with department.Session() as s:
        assert s.scalars(select(Round.cutoff)).one() == datetime(2026, 5, 15, 23, 59, 59, 999999)


def test_report_rows_read_back_as_csv(department, tmp_path):
    result = run(
        department,
        tmp_path,
        "x,2026-03-01 10:00,0912,某,Information,CCNA,113,x.jpg,\n",
        {"x.jpg": certificate(3)},
    )
    out = tmp_path / "r.csv"
    result.write_report(out)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows == [
        {
            "row": "2",
            "submission_id": "x",
            "student_id": "0912",
            "status": "flagged",
            "flags": "unknown_student",
        }
    ]


def test_uploads_made_before_the_roster_are_linked_when_it_arrives(workspace, tmp_path):
    rows = (
        "e1,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,e1.jpg,\n"
        "e2,2026-03-01 10:00,B11201002,李美玲,Language,全民英檢中級,113,e2.jpg,\n"
    )
    first = run(workspace, tmp_path, rows, {"e1.jpg": certificate(1), "e2.jpg": certificate(2)})
    assert report(first) == [
        ("e1", "flagged", "unknown_student;unknown_certificate"),
        ("e2", "flagged", "unknown_student;unknown_certificate"),
    ]
    with workspace.Session.begin() as s:
        assert (
            import_roster(s, SAMPLES / "roster.csv").summary()
            == "roster: 4 added, 2 uploads updated"
        )
        assert import_catalog(s, SAMPLES / "catalog.csv").counts["uploads updated"] == 2
        import_standards(s, SAMPLES / "standards.toml")
    with workspace.Session() as s:
        rows = s.execute(
            select(
                Submission.submission_id,
                Submission.student_id,
                Submission.item_code,
                Submission.flags,
            )
        ).all()
    assert sorted(rows) == [("e1", "B11201002", "CCNA", ""), ("e2", "B11201002", "GEPT-I", "")]


def test_unreadable_files_are_not_copies_of_each_other(department, tmp_path):
    rows = (
        "z1,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,z1.jpg,\n"
        "z2,2026-03-01 10:00,B11201003,陳大文,Information,CCNA,113,z2.jpg,\n"
    )
    result = run(department, tmp_path, rows, {"z1.jpg": b"", "z2.jpg": b""})
    assert report(result) == [
        ("z1", "flagged", "unreadable_image"),
        ("z2", "flagged", "unreadable_image"),
    ]
    with department.Session() as s:
        notes = s.scalars(select(Submission.image_note).order_by(Submission.id)).all()
    assert notes == ["The file is empty (0 bytes) — please upload it again"] * 2


def test_an_exam_date_stands_in_for_a_blank_exam_year(department, tmp_path):
    rows = "d1,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,,d1.jpg,2024-10-01\n"
    result = run(department, tmp_path, rows, {"d1.jpg": certificate(5)})
    assert report(result) == [("d1", "accepted", "")]
    with department.Session() as s:
        assert s.scalar(select(Submission.exam_year)) == 113


def test_an_import_that_adds_nothing_leaves_no_empty_round(department, tmp_path):
    from certreview.store.models import Round

    rows = "n1,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,n1.jpg,\n"
    run(department, tmp_path, rows, {"n1.jpg": certificate(8)})
    export = tmp_path / "submissions.csv"
    with department.Session.begin() as s:
        again = import_submissions(
            s, department.store, export, tmp_path / "images", IntakeOptions(round_name="AY115")
        )
    assert again.counts() == {"accepted": 0, "flagged": 0, "skipped": 1}
    with department.Session() as s:
        assert s.scalars(select(Round.name)).all() == ["AY114"]


def test_look_alikes_in_other_frames_are_not_flagged_on_the_hash_alone(department, tmp_path):
    # The department's own samples: two students' certificates of one template, the second
    # scanned with a wider white margin left and right. The perceptual hashes match (the layout is the same),
    # the frames differ, so no pixel check can confirm a copy — and the hash alone flagged
    # most uploads of a realistic round (benchmarks/bench_copies.py).
    mine = (SAMPLES / "images" / "a1.jpg").read_bytes()
    theirs = Image.open(SAMPLES / "images" / "a2.png").convert("RGB")
    cropped = io.BytesIO()
    ImageOps.expand(theirs, border=(24, 0), fill="white").save(cropped, "JPEG", quality=90)
    rows = (
        "c1,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,mine.jpg,\n"
        "c2,2026-03-02 10:00,B11201003,陳大文,Information,CCNA,113,theirs.jpg,\n"
    )
    result = run(department, tmp_path, rows, {"mine.jpg": mine, "theirs.jpg": cropped.getvalue()})
    with department.Session() as s:
        first, second = s.scalars(select(ImageFile.phash)).all()
    assert bin(int(first, 16) ^ int(second, 16)).count("1") <= NEAR_DUPLICATE_DISTANCE
    assert report(result) == [("c1", "accepted", ""), ("c2", "accepted", "")]
