"""A small department for the eligibility, export and statistics tests, built from model rows."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from certreview.store.decisions import check_verdict, decide, undo
from certreview.store.models import CatalogItem, Decision, Round, Standard, Student, Submission

NOW = datetime(2025, 5, 20, 9, 0)
CATALOG = (
    # code, category, name, points, group
    ("TQC-WORD-P", "Information", "TQC Word 實用級", 1.0, "TQC-WORD"),
    ("TQC-WORD-A", "Information", "TQC Word 進階級", 2.0, "TQC-WORD"),
    ("CCNA", "Information", "Cisco CCNA", 3.0, "CCNA"),
    ("TOEIC-750", "Language", "TOEIC 750+", 2.0, "TOEIC"),
    ("GEPT-I", "Language", "GEPT 中級", 2.0, "GEPT"),
)
ROSTER = (
    # student_id, name, program, class_name, admission_year, status, exit_year, email
    ("0912345678", "郭峯堃", "Day", "資三甲", 111, "enrolled", None, "kuo@example.edu"),
    ("B11100002", '=HYPERLINK("x")', "Day", "資三甲", 111, "enrolled", None, None),
    ("B11100003", "林雅婷", "Evening", "進資三甲", 111, "enrolled", None, "lin@example.edu"),
    ("B10900004", "王小明", "Day", "資畢", 109, "graduated", 112, "wang@example.edu"),
    ("B10500005", "陳大文", "Day", "-", 105, "withdrawn", 107, None),
)
STANDARDS = (
    # name, admission_from, admission_to, programs, during_enrollment, min_count, min_points, per category
    ("AY111+ Evening", 111, None, ["Evening"], True, 1, 1, {}),
    ("AY111+ Day", 111, None, None, True, 2, 3, {"Information": 1}),
    ("AY108-110", 108, 110, None, False, 1, 0, {}),
)


def add_department(session: Session) -> None:
    """Add the roster, the catalog, three standards and two rounds."""
    for code, category, name, points, group in CATALOG:
        session.add(
            CatalogItem(code=code, category=category, name=name, points=points, group=group)
        )
    for sid, name, program, class_name, year, status, exit_year, email in ROSTER:
        session.add(
            Student(
                student_id=sid,
                name=name,
                program=program,
                class_name=class_name,
                admission_year=year,
                status=status,
                exit_year=exit_year,
                email=email,
            )
        )
    for position, (name, first, last, programs, during, count, points, per) in enumerate(STANDARDS):
        session.add(
            Standard(
                position=position,
                name=name,
                admission_from=first,
                admission_to=last,
                programs=programs,
                during_enrollment=during,
                min_count=count,
                min_points=points,
                min_per_category=per,
            )
        )
    session.add_all(
        [
            Round(id=1, name="AY113", cutoff=None, created_at=NOW),
            Round(id=2, name="AY114", cutoff=None, created_at=NOW + timedelta(days=365)),
        ]
    )
    session.flush()


def add_submission(
    session: Session,
    submission_id: str,
    student_id: str | None,
    item_code: str | None,
    exam_year: int | None = 112,
    *,
    round_id: int = 1,
    typed_id: str | None = None,
    typed_name: str = "",
    certificate: str | None = None,
    flags: str = "",
) -> Submission:
    """Add one submission as intake would store it, and return it."""
    item = next((c for c in CATALOG if c[0] == item_code), None)
    sub = Submission(
        submission_id=submission_id,
        round_id=round_id,
        row=2,
        imported_at=NOW,
        submitted_at_text="2025-05-01 10:00",
        submitted_at=datetime(2025, 5, 1, 10, 0),
        student_id_text=typed_id or student_id or "",
        student_name_text=typed_name,
        category_text=item[1] if item else "Other",
        certificate_name_text=certificate or (item[2] if item else "汽車駕照"),
        exam_year_text=str(exam_year) if exam_year else "2023",
        image_text=f"{submission_id}.jpg",
        student_key=typed_id or student_id or "",
        student_id=student_id,
        exam_year=exam_year,
        item_code=item_code,
        flags=flags,
    )
    session.add(sub)
    session.flush()
    return sub


def verdict(
    session: Session,
    sub: Submission,
    word: str,
    reason: str | None = None,
    *,
    note: str | None = None,
    item: str | None = None,
    reviewer: str = "office-lin",
    minutes: int = 0,
) -> Decision:
    """Decide SUB through the real decision service, at a fixed time."""
    return decide(
        session,
        sub,
        check_verdict(word, reason, note, item),
        reviewer,
        now=NOW + timedelta(minutes=minutes),
    )


def undo_latest(session: Session, decision: Decision, minutes: int = 0) -> Decision:
    """Undo DECISION (the latest on its submission) at a fixed time."""
    return undo(session, decision, "office-chen", now=NOW + timedelta(minutes=minutes))


def standard_department(session: Session) -> None:
    """Add the department and a set of decided uploads every export test reads.

    0912345678 郭峯堃 (AY111+ Day): TQC Word 實用 then 進階 (one group, 2 points), TOEIC
      approved → 2 groups, 4 points, met.
    B11100002 (AY111+ Day): CCNA returned, TOEIC approved but earned before admission.
    B11100003 林雅婷 (Evening): GEPT rejected (not_certificate), one pending upload.
    B10900004 王小明 (AY108-110): CCNA approved after re-deciding a rejection.
    B10500005 (no standard): TOEIC approved.
    An upload under an ID on no roster, rejected as incomplete.
    """
    add_department(session)
    s1 = add_submission(session, "u01", "0912345678", "TQC-WORD-P", 111, typed_name="郭峯堃")
    s2 = add_submission(session, "u02", "0912345678", "TQC-WORD-A", 112, typed_name="郭峯堃")
    s3 = add_submission(session, "u03", "0912345678", "TOEIC-750", 113, typed_name="郭峯堃")
    s4 = add_submission(session, "u04", "B11100002", "CCNA", 112, typed_name="=1+1")
    s5 = add_submission(session, "u05", "B11100002", "TOEIC-750", 110)
    s6 = add_submission(session, "u06", "B11100003", "GEPT-I", 112, typed_name="林雅婷")
    add_submission(session, "u07", "B11100003", "CCNA", 113, round_id=2, typed_name="林雅婷")
    s8 = add_submission(session, "u08", "B10900004", "CCNA", 108)
    s9 = add_submission(session, "u09", "B10500005", "TOEIC-750", 106)
    s10 = add_submission(
        session,
        "u10",
        None,
        None,
        None,
        typed_id="B99999999",
        typed_name="無名氏",
        flags="unknown_student;unknown_certificate",
    )
    verdict(session, s1, "approve", minutes=1)
    verdict(session, s2, "approve", minutes=2)
    verdict(session, s3, "approve", minutes=3)
    verdict(session, s4, "return", "illegible", note="photo is blurred", minutes=4)
    verdict(session, s5, "approve", minutes=5)
    verdict(session, s6, "reject", "not_certificate", note="payment receipt", minutes=6)
    verdict(session, s8, "reject", "illegible", minutes=7)
    verdict(session, s8, "approve", note="re-checked", reviewer="office-chen", minutes=8)
    verdict(session, s9, "approve", minutes=9)
    verdict(session, s10, "reject", "incomplete", minutes=10)
