"""What the office reads out when a student phones: their record, uploads and decisions."""

from __future__ import annotations

from sqlalchemy.orm import Session

from certreview.reports.lookup import student_uploads
from certreview.reports.terminal import terminal_text
from certreview.rules.contract import FLAGS, REASONS
from certreview.rules.eligibility import WHY_NOT, SubmissionResult
from certreview.rules.normalise import normalise_id
from certreview.rules.standards import rule_named
from certreview.store.decisions import current_decision, current_item, current_state
from certreview.store.load import load_rules, student_standing
from certreview.store.models import Student, Submission


class UnknownStudent(LookupError):
    """No roster student and no submission carries this ID."""


def student_status(session: Session, student_id: str) -> str:
    """Return a plain-text account of one student: record, standard, submissions, history."""
    key = normalise_id(student_id)
    student = session.get(Student, key)
    submissions = student_uploads(session, key)
    if student is None and not submissions:
        raise UnknownStudent(f"no student {key!r} on the roster and no uploads under that ID")
    lines = []
    counts: dict[str, SubmissionResult] = {}
    if student is None:
        # The student who phones after typing a wrong ID: their uploads, found by the typed ID.
        lines.append(f"{key} — not on the roster: uploads typed with this ID, none of them counts")
    else:
        lines.append(f"{student.student_id} {student.name}")
        lines.append(
            f"  program {student.program or '-'}, class {student.class_name or '-'}, "
            f"admitted AY{student.admission_year}, {student.status}"
            + (f", left AY{student.exit_year}" if student.exit_year else "")
        )
        rules = load_rules(session)
        standing, counts = student_standing(session, student, rules)
        rule = rule_named(rules, standing.standard)
        if rule is None:
            lines.append("  standard: none matches this admission year and program")
        else:
            lines.append(
                f"  standard: {rule.name} — {rule.min_count} certificates, {rule.min_points:g} points"
                + (", earned during enrollment" if rule.during_enrollment else "")
            )
        # Under no standard nothing counts, yet the student has what was approved: say that.
        counted = "counted" if rule is not None else "approved"
        lines.append(
            f"  now: {standing.approved} {counted}, {standing.points:g} points, "
            f"{standing.pending} pending — "
            + ("requirement met" if standing.met else standing.missing)
        )
    lines.append(f"  submissions: {len(submissions)}")
    for sub in submissions:
        state = current_state(current_decision(session, sub))
        item = current_item(session, sub)
        lines.append(
            f"  - {sub.submission_id}{_version(sub)} round {sub.round.name}, {sub.submitted_at_text}: "
            f"{sub.certificate_name_text} ({sub.category_text}, exam {sub.exam_year_text}"
            f" {_year_used(sub.exam_year)}) → {item or 'no catalog match'}"
            f" [{state}]" + (_counts(counts.get(sub.submission_id)) if sub.live else "")
        )
        for flag in sub.flag_list:
            lines.append(f"      flag {flag}: {FLAGS[flag]}")
        if sub.image_note:
            lines.append(f"      file: {sub.image_note}")
        for note in filter(None, sub.notes.splitlines()):
            lines.append(f"      note: {note}")
        for d in sub.decisions:
            reason = f" {d.reason} ({REASONS[d.reason]})" if d.reason else ""
            note = f" — {d.note}" if d.note else ""
            item = f" item {d.item_code}" if d.item_code else ""
            undo = f" (undo of #{d.undoes_id})" if d.undoes_id else ""
            lines.append(
                f"      #{d.id} {d.decided_at:%Y-%m-%d %H:%M} {d.reviewer}: "
                f"{d.verdict}{reason}{item}{note}{undo}"
            )
    # Names, certificate texts and notes are typed by students: escape what a terminal would obey.
    return "\n".join(terminal_text(line) for line in lines)


def _year_used(year: int | None) -> str:
    """Say which academic year the rules read from the typed exam year."""
    return f"= AY{year}" if year is not None else "= no academic year read"


def _version(sub: Submission) -> str:
    if sub.live:
        return f" (version {sub.version})" if sub.version > 1 else ""
    return f" (version {sub.version}, replaced by a newer version)"


def _counts(result: SubmissionResult | None) -> str:
    if result is None or result.why_not in {"pending", "rejected", "returned"}:
        return ""  # the state in brackets says it already
    return " counts" if result.counted else f" does not count: {WHY_NOT[result.why_not]}"
