"""Remove students who left before a given academic year, with their uploads and decisions.

This is the one place certreview deletes anything: Taiwan's Personal Data Protection Act
obliges the department to delete personal data once its purpose is over. Only students who
graduated or withdrew with `exit_year` before the year given are removed; an image another
remaining submission uses is kept. The purge is logged in the import log with counts only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from certreview.i18n import _
from certreview.rules.years import academic_year
from certreview.store.imagestore import ImageStore
from certreview.store.models import (
    Decision,
    ImageEvidence,
    ImageFile,
    ImageMatch,
    ImageReading,
    ImportLog,
    NoticeLog,
    Student,
    Submission,
)

LEFT = ("graduated", "withdrawn")


@dataclass(frozen=True)
class PurgePlan:
    """What a purge of students who left before YEAR removes (counts and hashes, no names)."""

    year: int
    student_ids: tuple[str, ...]
    submissions: int
    decisions: int
    images: tuple[str, ...]

    def counts(self) -> dict[str, int]:
        """Return the counts written to the log."""
        return {
            "students": len(self.student_ids),
            "submissions": self.submissions,
            "decisions": self.decisions,
            "images": len(self.images),
        }

    def summary(self) -> str:
        """Return one line with the counts."""
        c = self.counts()
        return _(
            "students who left before AY{year}: {students} students, {submissions} "
            "submissions, {decisions} decisions, {images} images"
        ).format(
            year=self.year,
            students=c["students"],
            submissions=c["submissions"],
            decisions=c["decisions"],
            images=c["images"],
        )


class PurgeError(ValueError):
    """A purge that would remove the wrong students; str() is one line."""


def plan_purge(session: Session, year: int, today: date | None = None) -> PurgePlan:
    """Return what purging the students who left before academic YEAR would remove."""
    current = academic_year(today or date.today())
    if year > current + 1:
        # A Gregorian year (2024) here would remove every student who ever left.
        raise PurgeError(
            _(
                "AY{year} is later than next academic year (AY{next_year}) — give an ROC academic "
                "year, e.g. --left-before {example}"
            ).format(year=year, next_year=current + 1, example=current - 5)
        )
    ids = tuple(
        session.scalars(
            select(Student.student_id)
            .where(Student.status.in_(LEFT), Student.exit_year < year)
            .order_by(Student.student_id)
        )
    )
    leaving = select(Submission.id).where(_theirs(ids))
    submissions = session.scalar(select(func.count()).select_from(leaving.subquery())) or 0
    decisions = (
        session.scalar(
            select(func.count()).select_from(Decision).where(Decision.submission_pk.in_(leaving))
        )
        or 0
    )
    used = set(
        session.scalars(
            select(Submission.image_sha256).where(
                _theirs(ids), Submission.image_sha256.is_not(None)
            )
        )
    )
    # An image another (staying) submission uses is theirs too: it stays. (Not `~_theirs`:
    # SQL's NOT of a NULL comparison would hide unlinked uploads.)
    shared = set(
        session.scalars(
            select(Submission.image_sha256).where(
                Submission.image_sha256.in_(used), Submission.id.not_in(leaving)
            )
        )
    )
    return PurgePlan(year, ids, submissions, decisions, tuple(sorted(used - shared)))


def _theirs(ids: tuple[str, ...]) -> ColumnElement[bool]:
    # Uploads never linked to the roster still carry the student's (normalised) ID as typed.
    return or_(
        Submission.student_id.in_(ids),
        and_(Submission.student_id.is_(None), Submission.student_key.in_(ids)),
    )


def purge(session: Session, plan: PurgePlan) -> None:
    """Delete the rows of PLAN and log the counts; the caller removes the files after commit."""
    leaving = select(Submission.id).where(_theirs(plan.student_ids))
    # A decision may undo an earlier one of the same submission: unlink before deleting.
    session.execute(
        update(Decision).where(Decision.submission_pk.in_(leaving)).values(undoes_id=None)
    )
    session.execute(delete(Decision).where(Decision.submission_pk.in_(leaving)))
    session.execute(delete(ImageEvidence).where(ImageEvidence.submission_pk.in_(leaving)))
    session.execute(delete(Submission).where(_theirs(plan.student_ids)))
    session.execute(delete(ImageReading).where(ImageReading.sha256.in_(plan.images)))
    session.execute(
        delete(ImageMatch).where(
            or_(ImageMatch.sha_a.in_(plan.images), ImageMatch.sha_b.in_(plan.images))
        )
    )
    session.execute(delete(ImageFile).where(ImageFile.sha256.in_(plan.images)))
    # The e-mails sent them hold their address and results: personal data too.
    session.execute(delete(NoticeLog).where(NoticeLog.student_id.in_(plan.student_ids)))
    session.execute(delete(Student).where(Student.student_id.in_(plan.student_ids)))
    session.add(
        ImportLog(
            kind="purge",
            source=f"left before AY{plan.year}",
            imported_at=datetime.now(),
            counts=plan.counts(),
        )
    )
    session.flush()


def remove_files(session: Session, store: ImageStore, images: tuple[str, ...]) -> int:
    """Delete the stored original, thumbnail, features and previews of IMAGES no row uses; return how many."""
    removed = 0
    for sha in images:
        # Checked again after the commit: an import may have stored the same file since.
        if session.get(ImageFile, sha) is not None:
            continue
        paths = [store.original_path(sha), store.thumbnail_path(sha), store.features_path(sha)]
        paths += store.preview_path(sha).parent.glob(f"{sha}-p*.jpg")
        for path in paths:
            path.unlink(missing_ok=True)
        removed += 1
    return removed
