"""The phone call as values: find a student by ID or name, and their whole record."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from certreview.rules.eligibility import StudentFacts, StudentResult, SubmissionResult
from certreview.rules.normalise import name_key, normalise_id
from certreview.rules.standards import Rule, rule_named
from certreview.store.decisions import DecisionInfo, current_decision, current_item, current_state
from certreview.store.load import load_rules, student_facts, student_standing
from certreview.store.models import CatalogItem, Student, Submission
from certreview.workspace import Workspace

MAX_HITS = 20  # a name search that finds more asks for more letters


@dataclass(frozen=True)
class Hit:
    """One student a search found: roster ID and name (or an ID only typed on uploads)."""

    student_id: str
    name: str
    on_roster: bool


@dataclass(frozen=True)
class UploadRecord:
    """One upload as the office reads it out: typed, matched, its file, flags and decisions."""

    submission_id: str
    version: int
    live: bool
    round_name: str
    submitted_at_text: str
    certificate_typed: str
    category_typed: str
    exam_year_text: str
    exam_year: int | None
    item_code: str | None
    item_name: str | None
    state: str  # pending / approved / rejected / returned
    decision: DecisionInfo | None
    history: tuple[DecisionInfo, ...]
    flags: tuple[str, ...]
    notes: tuple[str, ...]
    image_sha256: str | None
    image_note: str | None
    counted: bool | None  # None for an older version
    why_not: str | None  # a key of rules.eligibility.WHY_NOT


@dataclass(frozen=True)
class StudentRecord:
    """A student's record, standard, standing and every upload, as plain values."""

    student_id: str
    student: StudentFacts | None  # None: an ID typed on uploads that is not on the roster
    email: str | None
    rule: Rule | None
    standing: StudentResult | None
    uploads: tuple[UploadRecord, ...]


def student_uploads(session: Session, key: str) -> list[Submission]:
    """Return every upload (all versions) typed with or matched to the student KEY, oldest first."""
    return list(
        session.scalars(
            select(Submission)
            .where(or_(Submission.student_id == key, Submission.student_key == key))
            .options(
                selectinload(Submission.decisions),
                selectinload(Submission.image),
                selectinload(Submission.round),
            )
            .order_by(Submission.submitted_at, Submission.id)
        )
    )


def find_students(session: Session, text: str, limit: int = MAX_HITS) -> list[Hit]:
    """Return the students whose ID (any width or case) or name contains TEXT, best first.

    An ID typed exactly comes first, also when it is only on uploads (a student who typed a
    wrong ID); then IDs that contain the text, then names (spaces and variants ignored).
    """
    key, wanted = normalise_id(text), name_key(text)
    if not key:
        return []
    hits: dict[str, Hit] = {}
    exact = session.get(Student, key)
    if exact is not None:
        hits[key] = Hit(exact.student_id, exact.name, True)
    elif session.scalars(select(Submission.id).where(Submission.student_key == key)).first():
        hits[key] = Hit(key, "", False)
    pattern = f"%{key}%"
    by_id = select(Student).where(Student.student_id.like(pattern)).order_by(Student.student_id)
    for student in session.scalars(by_id.limit(limit)):
        hits.setdefault(student.student_id, Hit(student.student_id, student.name, True))
    if len(hits) < limit:
        # Names are compared by their key (variants, spaces): read them, the roster is small.
        for student_id, name in session.execute(
            select(Student.student_id, Student.name).order_by(Student.student_id)
        ):
            if wanted in name_key(name):
                hits.setdefault(student_id, Hit(student_id, name, True))
                if len(hits) >= limit:
                    break
    return list(hits.values())[:limit]


def student_record(session: Session, student_id: str) -> StudentRecord | None:
    """Return the whole record of one student, or None for an ID nobody uploaded under."""
    key = normalise_id(student_id)
    student = session.get(Student, key)
    submissions = student_uploads(session, key)
    if student is None and not submissions:
        return None
    rule, standing, counts = None, None, {}
    if student is not None:
        rules = load_rules(session)
        standing, counts = student_standing(session, student, rules)
        rule = rule_named(rules, standing.standard)
    names = dict(session.execute(select(CatalogItem.code, CatalogItem.name)).all())
    uploads = tuple(
        _upload(session, sub, counts.get(sub.submission_id), names) for sub in submissions
    )
    if student is None:
        return StudentRecord(key, None, None, rule, standing, uploads)
    return StudentRecord(key, student_facts(student), student.email, rule, standing, uploads)


def _upload(
    session: Session, sub: Submission, result: SubmissionResult | None, names: dict[str, str]
) -> UploadRecord:
    latest = current_decision(session, sub)
    item = current_item(session, sub)
    result = result if sub.live else None  # an older version is history: it counts for nothing
    return UploadRecord(
        submission_id=sub.submission_id,
        version=sub.version,
        live=sub.live,
        round_name=sub.round.name,
        submitted_at_text=sub.submitted_at_text,
        certificate_typed=sub.certificate_name_text,
        category_typed=sub.category_text,
        exam_year_text=sub.exam_year_text,
        exam_year=sub.exam_year,
        item_code=item,
        item_name=names.get(item) if item else None,
        state=current_state(latest),
        decision=DecisionInfo.of(latest) if latest is not None else None,
        history=tuple(DecisionInfo.of(d) for d in sub.decisions),
        flags=tuple(sub.flag_list),
        notes=tuple(filter(None, sub.notes.splitlines())),
        image_sha256=sub.image_sha256,
        image_note=sub.image_note,
        counted=result.counted if result is not None else None,
        why_not=result.why_not if result is not None else None,
    )


class LookupService:
    """What the status lookup page asks of the library; each call is one short read."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def __repr__(self) -> str:
        return f"LookupService({self.workspace.settings.data_dir!s})"

    def find(self, text: str) -> list[Hit]:
        """Return the students matching TEXT (an ID or part of one, or part of a name)."""
        with self.workspace.Session() as session:
            return find_students(session, text)

    def record(self, student_id: str) -> StudentRecord | None:
        """Return the record of STUDENT_ID, or None when nothing is known under it."""
        with self.workspace.Session() as session:
            return student_record(session, student_id)

    def thumbnail(self, sha256: str | None) -> bytes | None:
        """Return the stored thumbnail JPEG of an upload's file, if there is one."""
        return self.workspace.store.thumbnail(sha256) if sha256 else None
