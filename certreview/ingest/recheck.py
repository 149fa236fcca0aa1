"""Check stored uploads again when the roster, catalog or standards change."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from certreview.rules.catalog import CatalogMatcher, Entry, split_aliases
from certreview.rules.flags import StudentFacts, assess_row, ordered
from certreview.rules.standards import Rule
from certreview.store.load import load_rules, student_facts
from certreview.store.models import CatalogItem, Student, Submission

# Flags that come from the file, not from the typed data: re-checking the data keeps them.
FILE_FLAGS = frozenset(
    {
        "missing_image",
        "unreadable_image",
        "image_too_large",
        "unsafe_path",
        "duplicate_image",
        "shared_image",
    }
)


def references(
    session: Session,
) -> tuple[dict[str, StudentFacts], CatalogMatcher, list[Rule]]:
    """Return what a row is checked against: the roster, the catalog and the standards."""
    roster = {s.student_id: student_facts(s) for s in session.scalars(select(Student))}
    matcher = CatalogMatcher(
        Entry(c.code, c.category, c.name, split_aliases(c.aliases))
        for c in session.scalars(select(CatalogItem))
    )
    return roster, matcher, load_rules(session)


def reassess(session: Session, submissions: Iterable[Submission] | None = None) -> int:
    """Check stored submissions again against today's roster, catalog and standards.

    The typed fields stay as the student wrote them; the matched student, catalog item and
    exam year, the data flags and the notes are recomputed (file flags stay). Return how many
    submissions changed. Run after a roster, catalog or standards import, so an upload made
    before its student was on the roster is linked once the student is.
    """
    roster, matcher, rules = references(session)
    if submissions is None:
        submissions = session.scalars(select(Submission).options(selectinload(Submission.round)))
    changed = 0
    for sub in submissions:
        verdict = assess_row(
            typed_row(sub),
            roster,
            matcher,
            rules,
            cutoff=sub.round.cutoff,
            today=sub.imported_at.date(),
        )
        values = {
            "student_id": verdict.student_id,
            "item_code": verdict.item_code,
            "exam_year": verdict.exam_year,
            "flags": ";".join(ordered(verdict.flags | (set(sub.flag_list) & FILE_FLAGS))),
            "notes": "\n".join(verdict.notes),
        }
        if any(getattr(sub, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(sub, key, value)
            changed += 1
    session.flush()
    return changed


def typed_row(sub: Submission) -> dict[str, str]:
    """Return a stored submission's fields as the export row it came from."""
    return {
        # A row that came without an ID got a made-up one; it still lacks its own.
        "submission_id": "" if sub.submission_id.startswith("row-") else sub.submission_id,
        "submitted_at": sub.submitted_at_text,
        "student_id": sub.student_id_text,
        "student_name": sub.student_name_text,
        "category": sub.category_text,
        "certificate_name": sub.certificate_name_text,
        "exam_year": sub.exam_year_text,
        "image": sub.image_text,
        "exam_date": sub.exam_date_text or "",
    }
