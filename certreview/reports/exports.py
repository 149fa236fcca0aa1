"""What leaves the office: the eligibility table, the graduation audit and student notices.

One entry point per kind — `export_eligibility`, `export_audit`, `export_notices` — writes
its table to CSV or XLSX (see `certreview.reports.write_table`), logs who exported what and
returns an `Exported` that says what was written. The CLI and the panel choose one through
`EXPORTS`. The frames themselves (`eligibility_frame`, `audit_frames`, `notices_frame`) are
DataFrames an analyst can take further.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certreview.i18n import _, ngettext
from certreview.images.limits import message_code
from certreview.reports.frames import (
    audit_frames,
    check_statuses,
    eligibility_frame,
    this_year,
)
from certreview.reports.notices import load_templates, render_notice
from certreview.reports.write_table import check_target, write_table
from certreview.rules.eligibility import evaluate_frames
from certreview.store.load import load_facts, load_rules
from certreview.store.models import ExportLog, Round, Submission

# The table whose rows an export counts (the audit's summary is a few lines about them).
MAIN_TABLE = {"eligibility": "eligibility", "audit": "submissions", "notices": "notices"}
# The round choice meaning every round (the default is the current round).
ALL_ROUNDS = "all"
NOTICE_COLUMNS = [
    "submission_id",
    "student_id",
    "name",
    "email",
    "decision",
    "reason",
    "subject",
    "message",
]


def notices_frame(
    session: Session,
    templates: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    current_year: int | None = None,
    round_name: str | None = None,
) -> pd.DataFrame:
    """Return one notice per decided submission: e-mail, subject and a Chinese + English message.

    TEMPLATES is a TOML path or dict overriding the defaults (certreview/templates/notices.toml).
    An approved certificate that does not count towards graduation says why. ROUND_NAME keeps
    the notices of one review round, so last year's students are not written to again.
    """
    wording = load_templates(templates)
    facts = load_facts(session)
    if round_name is not None:
        rounds = sorted(set(facts.submissions["round"]))
        if round_name not in rounds:
            raise ValueError(
                _("no round {name} — rounds are {rounds}").format(
                    name=repr(round_name), rounds=", ".join(rounds) or _("none yet")
                )
            )
    _students_frame, per_submission = evaluate_frames(
        facts.students, facts.submissions, load_rules(session), current_year or this_year()
    )
    subs = facts.submissions.assign(why_not=per_submission["why_not"].to_numpy())
    decided = subs[subs["state"].isin(["approved", "rejected", "returned"])]
    if round_name is not None:
        decided = decided[decided["round"] == round_name]
    students = facts.students.set_index("student_id")
    rows = []
    # Missing values arrive as NaN/NaT from pandas: treat them as absent text.
    decided = decided.astype(object).where(decided.notna(), None)
    for sub in decided.itertuples(index=False):
        known = sub.student_id is not None and sub.student_id in students.index
        student = students.loc[sub.student_id] if known else None
        name = student["name"] if student is not None else sub.student_name_text
        values = {
            "name": name,
            "student_id": sub.student_id or sub.student_id_text,
            "submission_id": sub.submission_id,
            "round": sub.round,
            "certificate": sub.certificate_name_text,
            "item": sub.item_name or "",
            "points": f"{sub.points:g}" if sub.item_code else "",
            "not_counted": sub.why_not if sub.state == "approved" else None,
            "reason": sub.reason,
            "note": sub.note,
            "decided_at": f"{sub.decided_at:%Y-%m-%d}" if sub.decided_at else "",
            "file_problem": message_code(sub.flags, sub.image_note),
            "file_message": sub.image_note,
        }
        subject, message = render_notice(wording, sub.state, values)
        email = student["email"] if student is not None else None
        rows.append(
            {
                "submission_id": sub.submission_id,
                "student_id": values["student_id"],
                "name": name,
                "email": email if isinstance(email, str) else "",
                "decision": sub.state,
                "reason": sub.reason or "",
                "subject": subject,
                "message": message,
            }
        )
    frame = pd.DataFrame(rows, columns=NOTICE_COLUMNS)
    return frame.sort_values(["student_id", "submission_id"], kind="stable").reset_index(drop=True)


def round_names(session: Session) -> list[str]:
    """Return the names of the rounds with uploads, the newest (the current round) first."""
    newest = func.max(Submission.id)
    query = (
        select(Round.name)
        .join(Submission, Submission.round_id == Round.id)
        .group_by(Round.id, Round.name, Round.created_at)
        .order_by(Round.created_at.desc(), newest.desc())
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class Exported:
    """What one export wrote: its kind, a headline, the rows of its main table and its files."""

    kind: str
    headline: str
    rows: int
    files: list[tuple[str, Path]] = field(default_factory=list)  # (table, file)

    def lines(self) -> list[str]:
        """Return what to tell the person who exported: the headline, then each file written."""
        first, *others = self.files
        return [
            self.headline,
            _("{kind}: {rows} rows written to {path}").format(
                kind=self.kind, rows=self.rows, path=first[1]
            ),
            *(
                _("{kind} {table} written to {path}").format(kind=self.kind, table=t, path=p)
                for t, p in others
            ),
        ]


def export_eligibility(
    session: Session,
    path: str | os.PathLike[str],
    *,
    by: str,
    year: int | None = None,
    cohort: int | None = None,
    program: str | None = None,
    statuses: Iterable[str] | None = None,
    now: datetime | None = None,
) -> Exported:
    """Write the eligibility table of one COHORT / PROGRAM / STATUSES (None: all) to PATH, log it."""
    _suffix, by, year, keep = _start(path, by, year, statuses)
    frame = eligibility_frame(session, year, cohort=cohort, program=program, statuses=keep)
    met = int((frame["met"] == "yes").sum())
    headline = _("eligibility as of AY{year}{statuses}: {students}, {met} met").format(
        year=year, statuses=_of(keep), students=_students(len(frame)), met=met
    )
    details = {"academic_year": year, "cohort": cohort, "program": program, "met": met}
    details["statuses"] = list(keep) if keep else None
    return _finish(session, "eligibility", path, by, now, headline, {"eligibility": frame}, details)


def export_audit(
    session: Session,
    path: str | os.PathLike[str],
    *,
    by: str,
    year: int | None = None,
    statuses: Iterable[str] | None = None,
    now: datetime | None = None,
) -> Exported:
    """Write the graduation audit (summary and submissions) of STATUSES (None: all) to PATH, log it.

    As CSV the submissions go to PATH and the summary beside it (`*_summary.csv`).
    """
    suffix, by, year, keep = _start(path, by, year, statuses)
    audit = audit_frames(session, year, statuses=keep)
    # As CSV the first table is the file asked for: the per-submission rows.
    order = ["submissions", "summary"] if suffix == ".csv" else ["summary", "submissions"]
    subs = audit["submissions"]
    students = subs["student_id"].nunique()
    counts = _("{submissions} of {students}").format(
        submissions=ngettext("{n} submission", "{n} submissions", len(subs)).format(n=len(subs)),
        students=_students(students),
    )
    headline = _("audit as of AY{year}{statuses}: {counts}").format(
        year=year, statuses=_of(keep), counts=counts
    )
    tables = {name: audit[name] for name in order}
    details = {"academic_year": year, "statuses": list(keep) if keep else None}
    return _finish(session, "audit", path, by, now, headline, tables, details)


def export_notices(
    session: Session,
    path: str | os.PathLike[str],
    *,
    by: str,
    round: str | None = None,  # the office's word, as on the command line
    templates: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    year: int | None = None,
    now: datetime | None = None,
) -> Exported:
    """Write the notices of one ROUND (default: the current round; ALL_ROUNDS: all) to PATH.

    The current round is the newest round with uploads, so last year's students are not
    written to again; TEMPLATES words the notices.
    """
    _suffix, by, year, _statuses = _start(path, by, year, None)
    every = round == ALL_ROUNDS
    chosen = None if every else round or next(iter(round_names(session)), None)
    if every or chosen:
        frame = notices_frame(session, templates, year, chosen)
        label = _("all rounds") if every else _("round {name}").format(name=chosen)
    else:  # no uploads yet: nothing to tell anyone
        frame = pd.DataFrame(columns=NOTICE_COLUMNS)
        label = _("the current round (no uploads yet)")
    headline = _("notices for {label}: {students}").format(
        label=label, students=_students(frame["student_id"].nunique())
    )
    where = str(templates) if isinstance(templates, str | os.PathLike) else None
    details = {"academic_year": year, "round": chosen, "all_rounds": every, "templates": where}
    return _finish(session, "notices", path, by, now, headline, {"notices": frame}, details)


# The one place a kind of export is turned into its function (the CLI and the panel use it).
EXPORTS: dict[str, Callable[..., Exported]] = {
    "eligibility": export_eligibility,
    "audit": export_audit,
    "notices": export_notices,
}


def _start(
    path: str | os.PathLike[str], by: str, year: int | None, statuses: Iterable[str] | None
) -> tuple[str, str, int, tuple[str, ...] | None]:
    """Check the request before any query: return (suffix, exporter, year, statuses)."""
    suffix = check_target(path)  # a wrong folder should cost nothing
    keep = check_statuses(statuses)
    by = (by or "").strip()
    if not by:
        raise ValueError(_("an export needs the name of the person exporting it"))
    return suffix, by, year or this_year(), keep


def _students(count: int) -> str:
    return ngettext("{n} student", "{n} students", count).format(n=count)


def _of(statuses: tuple[str, ...] | None) -> str:
    return _(" (status {statuses})").format(statuses=", ".join(statuses)) if statuses else ""


def _finish(
    session: Session,
    kind: str,
    path: str | os.PathLike[str],
    by: str,
    now: datetime | None,
    headline: str,
    tables: dict[str, pd.DataFrame],
    details: dict[str, Any],
) -> Exported:
    """Write TABLES to PATH, log the export and say what was written (rows: the KIND table's)."""
    files = write_table(tables, path)
    main = tables[MAIN_TABLE[kind]]
    details["files"] = [str(Path(f).resolve()) for f in files]
    details["sheets"] = {name: len(frame) for name, frame in tables.items()}
    session.add(
        ExportLog(
            kind=kind,
            path=str(Path(path).resolve()),
            rows=len(main),
            exported_by=by,
            exported_at=now or datetime.now(),
            details=details,
        )
    )
    session.flush()
    names = list(tables) if len(files) == len(tables) else [kind]
    return Exported(kind, headline, len(main), list(zip(names, map(Path, files), strict=True)))
