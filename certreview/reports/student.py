"""What the office reads out when a student phones: their record, uploads and decisions."""

from __future__ import annotations

from sqlalchemy.orm import Session

from certreview.i18n import _
from certreview.reports.lookup import student_uploads
from certreview.reports.terminal import terminal_text
from certreview.rules.contract import flag_meaning, reason_meaning, state_label, verdict_label
from certreview.rules.contract import student_status_label as status_words
from certreview.rules.eligibility import SubmissionResult, why_not_words
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
    if not key:
        raise UnknownStudent(_("no student ID given — write one, e.g. certreview status B11001234"))
    if student is None and not submissions:
        raise UnknownStudent(
            _("no student {id} on the roster and no uploads under that ID").format(id=key)
        )
    lines = []
    counts: dict[str, SubmissionResult] = {}
    if student is None:
        # The student who phones after typing a wrong ID: their uploads, found by the typed ID.
        lines.append(
            _("{id} — not on the roster: uploads typed with this ID, none of them counts").format(
                id=key
            )
        )
    else:
        lines.append(f"{student.student_id} {student.name}")
        record = _("  program {program}, class {class_name}, admitted AY{admitted}, {status}")
        lines.append(
            record.format(
                program=student.program or "-",
                class_name=student.class_name or "-",
                admitted=student.admission_year,
                status=status_words(student.status),
            )
            + (_(", left AY{year}").format(year=student.exit_year) if student.exit_year else "")
        )
        rules = load_rules(session)
        standing, counts = student_standing(session, student, rules)
        rule = rule_named(rules, standing.standard)
        if rule is None:
            lines.append(_("  standard: none matches this admission year and program"))
        else:
            needs = _("  standard: {name} — {count} certificates, {points} points")
            lines.append(
                needs.format(name=rule.name, count=rule.min_count, points=f"{rule.min_points:g}")
                + (_(", earned during enrollment") if rule.during_enrollment else "")
            )
        # Under no standard nothing counts, yet the student has what was approved: say that.
        now = (
            _("  now: {n} counted, {points} points, {pending} pending — ")
            if rule is not None
            else _("  now: {n} approved, {points} points, {pending} pending — ")
        )
        lines.append(
            now.format(n=standing.approved, points=f"{standing.points:g}", pending=standing.pending)
            + (_("requirement met") if standing.met else standing.missing)
        )
    lines.append(_("  submissions: {n}").format(n=len(submissions)))
    for sub in submissions:
        state = current_state(current_decision(session, sub))
        item = current_item(session, sub)
        upload = _(
            "  - {submission}{version} round {round}, {submitted}: {certificate} ({category}, "
            "exam {exam} {year}) → {item} [{state}]"
        )
        lines.append(
            upload.format(
                submission=sub.submission_id,
                version=_version(sub),
                round=sub.round.name,
                submitted=sub.submitted_at_text,
                certificate=sub.certificate_name_text,
                category=sub.category_text,
                exam=sub.exam_year_text,
                year=_year_used(sub.exam_year),
                item=item or _("no catalog match"),
                state=state_label(state).lower(),
            )
            + (_counts(counts.get(sub.submission_id)) if sub.live else "")
        )
        for flag in sub.flag_list:
            lines.append(
                _("      flag {flag}: {meaning}").format(flag=flag, meaning=flag_meaning(flag))
            )
        if sub.image_note:
            lines.append(_("      file: {note}").format(note=sub.image_note))
        for note in filter(None, sub.notes.splitlines()):
            lines.append(_("      note: {note}").format(note=note))
        for d in sub.decisions:
            reason = f" {d.reason} ({reason_meaning(d.reason)})" if d.reason else ""
            note = f" — {d.note}" if d.note else ""
            item = _(" item {code}").format(code=d.item_code) if d.item_code else ""
            undo = _(" (undo of #{id})").format(id=d.undoes_id) if d.undoes_id else ""
            lines.append(
                f"      #{d.id} {d.decided_at:%Y-%m-%d %H:%M} {d.reviewer}: "
                f"{verdict_label(d.verdict)}{reason}{item}{note}{undo}"
            )
    # Names, certificate texts and notes are typed by students: escape what a terminal would obey.
    return "\n".join(terminal_text(line) for line in lines)


def _year_used(year: int | None) -> str:
    """Say which academic year the rules read from the typed exam year."""
    return f"= AY{year}" if year is not None else _("= no academic year read")


def _version(sub: Submission) -> str:
    if sub.live:
        return _(" (version {n})").format(n=sub.version) if sub.version > 1 else ""
    return _(" (version {n}, replaced by a newer version)").format(n=sub.version)


def _counts(result: SubmissionResult | None) -> str:
    if result is None or result.why_not in {"pending", "rejected", "returned"}:
        return ""  # the state in brackets says it already
    if result.counted:
        return _(" counts")
    return _(" does not count: {why}").format(why=why_not_words(result.why_not))
