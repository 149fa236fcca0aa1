"""Small review departments built from model rows, with Pillow-made images in the store."""

from __future__ import annotations

import io
from datetime import datetime

from PIL import Image

from certreview.store.models import CatalogItem, ImageFile, Round, Standard, Student, Submission
from certreview.workspace import Workspace

NOW = datetime(2025, 5, 20, 9, 0)
ITEMS = (
    ("TQC-WORD-P", "Information", "TQC Word 實用級", 1.0, "TQC-WORD"),
    ("TQC-WORD-A", "Information", "TQC Word 進階級", 2.0, "TQC-WORD"),
    ("TOEIC-650", "Language", "TOEIC 650", 2.0, "TOEIC"),
)
STUDENTS = (
    ("B11200001", "陳家豪", 112, "Day", "資管一甲"),
    ("B11200002", "林雅婷", 112, "Day", "資管一乙"),
    ("B11100003", "王峯", 111, "Evening", "資管進一"),
)


def jpeg(colour: str, size: tuple[int, int] = (200, 140)) -> bytes:
    """Return a plain JPEG of one colour."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=80)
    return out.getvalue()


def add_image(ws: Workspace, session: object, colour: str) -> str:
    """Store an original and its thumbnail, add the ImageFile row, and return the hash."""
    data = jpeg(colour, (800, 560))
    sha = ws.store.put(data)
    ws.store.save_thumbnail(sha, jpeg(colour))
    if session.get(ImageFile, sha) is None:  # type: ignore[attr-defined]
        session.add(  # type: ignore[attr-defined]
            ImageFile(sha256=sha, byte_size=len(data), format="JPEG", width=800, height=560)
        )
    return sha


def department(ws: Workspace, submissions: int = 30, rounds: int = 1) -> list[int]:
    """Add a roster, catalog, standard, ROUNDS rounds and SUBMISSIONS uploads; return their pks.

    Every third submission carries a flag (name_mismatch, then unknown_certificate, then
    late); the last student has a name with a variant character (峯).
    """
    colours = ["red", "green", "blue", "orange", "purple", "teal", "gray", "navy"]
    with ws.Session.begin() as s:
        for code, category, name, points, group in ITEMS:
            s.add(
                CatalogItem(
                    code=code, category=category, name=name, points=points, group=group, level=None
                )
            )
        for sid, name, year, program, class_name in STUDENTS:
            s.add(
                Student(
                    student_id=sid,
                    name=name,
                    admission_year=year,
                    status="enrolled",
                    program=program,
                    class_name=class_name,
                )
            )
        s.add(
            Standard(
                position=0,
                name="AY111+",
                admission_from=111,
                programs=None,
                during_enrollment=True,
                min_count=2,
                min_points=3,
                min_per_category={"Language": 1},
            )
        )
        made = [Round(name=f"AY11{3 + r}", cutoff=None, created_at=NOW) for r in range(rounds)]
        s.add_all(made)
        s.flush()
        pks = []
        for n in range(submissions):
            sid, name, year, _program, _class = STUDENTS[n % len(STUDENTS)]
            code, category, item_name, _points, _group = ITEMS[n % len(ITEMS)]
            flag = ("", "name_mismatch", "", "unknown_certificate", "", "late")[n % 6]
            sub = Submission(
                submission_id=f"S{n:04d}",
                round_id=made[n % rounds].id,
                row=n + 2,
                imported_at=NOW,
                submitted_at_text="2025-05-01 10:00",
                student_id_text=sid,
                student_name_text=name if flag != "name_mismatch" else name + "x",
                category_text=category,
                certificate_name_text=item_name,
                exam_year_text=str(year + 1),
                image_text=f"{n}.jpg",
                submitted_at=NOW,
                student_key=sid,
                student_id=sid,
                exam_year=year + 1,
                item_code=None if flag == "unknown_certificate" else code,
                image_sha256=add_image(ws, s, colours[n % len(colours)]),
                flags=flag,
            )
            s.add(sub)
            s.flush()
            pks.append(sub.id)
    return pks


def add_submission(ws: Workspace, **fields: object) -> int:
    """Add one submission to the first round (fields override harmless defaults); return its pk."""
    with ws.Session.begin() as s:
        round_id = s.query(Round.id).order_by(Round.id).first()[0]  # type: ignore[index]
        values: dict[str, object] = {
            "round_id": round_id,
            "row": 99,
            "imported_at": NOW,
            "submitted_at_text": "2025-05-01",
            "student_id_text": "B11200001",
            "student_name_text": "陳家豪",
            "category_text": "Information",
            "certificate_name_text": "TQC Word 實用級",
            "exam_year_text": "113",
            "image_text": "x.jpg",
            "student_key": "B11200001",
            "student_id": "B11200001",
            "exam_year": 113,
            "item_code": "TQC-WORD-P",
            "flags": "",
        }
        values.update(fields)
        sub = Submission(**values)
        s.add(sub)
        s.flush()
        return sub.id


def add_certificate(ws: Workspace, data: bytes, **fields: object) -> int:
    """Store DATA as an accepted upload and add a submission showing it; return its pk."""
    sha = ws.store.put(data)
    with ws.Session.begin() as s:
        if s.get(ImageFile, sha) is None:
            s.add(ImageFile(sha256=sha, byte_size=len(data), format="JPEG", width=1, height=1))
    return add_submission(ws, image_sha256=sha, **fields)


def add_right_and_borrowed(ws: Workspace, borrowed_format: str = "jpeg") -> dict[str, int]:
    """Add R1, 陳家豪's own certificate, and R2, 林雅婷's upload of another of his; return pks.

    The images are real certificates for the reading pass (`demo.pictures.chinese_certificate`).
    """
    from certreview.demo.pictures import chinese_certificate, encode

    right = chinese_certificate(
        "TQC Word 實用級", "陳家豪", "TQC0012345", "中華民國113年10月3日", seed=1
    )
    borrowed = chinese_certificate(
        "TQC Word 進階級", "陳家豪", "TQC0012399", "中華民國111年11月5日", seed=2
    )
    return {
        "right": add_certificate(ws, encode(right, "jpeg"), submission_id="R1"),
        "borrowed": add_certificate(
            ws,
            encode(borrowed, borrowed_format),
            submission_id="R2",
            student_id="B11200002",
            student_key="B11200002",
            student_id_text="B11200002",
            student_name_text="林雅婷",
        ),
    }
