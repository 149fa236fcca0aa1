"""What leaves the office: the eligibility table, the graduation audit and student notices.

Each `*_frame` function returns DataFrames an analyst can take further; `export` writes one
of them to CSV or XLSX (see `certreview.reports.write_table`) and logs who exported what.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from certreview.images.limits import message_code
from certreview.reports.notices import load_templates, render_notice
from certreview.reports.write_table import check_target, write_table
from certreview.rules.contract import REASONS
from certreview.rules.eligibility import WHY_NOT, evaluate_frames
from certreview.rules.standards import Rule
from certreview.rules.years import academic_year
from certreview.store.load import Facts, load_facts, load_rules
from certreview.store.models import ExportLog

__all__ = [
    "ELIGIBILITY_COLUMNS",
    "KINDS",
    "audit_frames",
    "eligibility_frame",
    "export",
    "notices_frame",
    "write_table",
]

KINDS = ("eligibility", "audit", "notices")
ELIGIBILITY_COLUMNS = [
    "student_id",
    "name",
    "program",
    "class_name",
    "admission_year",
    "standard",
    "approved",
    "points",
    "pending",
    "met",
    "missing",
]
AUDIT_COLUMNS = [
    "submission_id",
    "round",
    "student_id",
    "name",
    "certificate_typed",
    "item_code",
    "item_name",
    "category",
    "points",
    "exam_year",
    "decision",
    "reason",
    "note",
    "reviewer",
    "decided_at",
    "counted",
    "why_not",
    "flags",
]
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


def this_year() -> int:
    """Return the current ROC academic year."""
    return academic_year(date.today())


def eligibility_frame(
    session: Session,
    current_year: int | None = None,
    cohort: int | None = None,
    program: str | None = None,
) -> pd.DataFrame:
    """Return one row per roster student (optionally one COHORT / PROGRAM) with the contract columns.

    CURRENT_YEAR (default: today's academic year) closes the enrollment window of students
    still enrolled.
    """
    facts = load_facts(session, cohort=cohort, program=program, details=False)
    per_student, _ = evaluate_frames(
        facts.students, facts.submissions, load_rules(session), current_year or this_year()
    )
    return eligibility_table(facts, per_student)


def eligibility_table(facts: Facts, per_student: pd.DataFrame) -> pd.DataFrame:
    """Return the contract's eligibility columns from loaded facts and the engine's results."""
    students = facts.students
    out = pd.DataFrame(
        {
            "student_id": students["student_id"],
            "name": students["name"],
            "program": students["program"].fillna(""),
            "class_name": students["class_name"].fillna(""),
            "admission_year": students["admission_year"].astype("int64"),
            "standard": per_student["standard"].fillna("").to_numpy(),
            "approved": per_student["approved"].to_numpy(),
            "points": per_student["points"].to_numpy(),
            "pending": per_student["pending"].to_numpy(),
            "met": np.where(per_student["met"].to_numpy(), "yes", "no"),
            "missing": per_student["missing"].to_numpy(),
        }
    )
    return out.reset_index(drop=True)


def audit_frames(session: Session, current_year: int | None = None) -> dict[str, pd.DataFrame]:
    """Return the graduation audit: a per-standard "summary" and one "submissions" row each.

    The submissions sheet says, for every upload, the student, the catalog item, its points,
    the current decision with reviewer and time, and whether it counted (and if not, why).
    """
    year = current_year or this_year()
    rules = load_rules(session)
    facts = load_facts(session)
    per_student, per_submission = evaluate_frames(facts.students, facts.submissions, rules, year)
    eligibility = eligibility_table(facts, per_student)
    return {
        "summary": _summary(rules, eligibility, year),
        "submissions": _audit_rows(facts, per_submission, year),
    }


def _summary(rules: list[Rule], eligibility: pd.DataFrame, year: int) -> pd.DataFrame:
    """Return one row per standard (then students under none, then all) with its rule and counts."""
    rows = []
    for rule in rules:
        mine = eligibility[eligibility["standard"] == rule.name]
        rows.append(
            {
                "standard": rule.name,
                "admission_years": f"{rule.admission_from}–{rule.admission_to or ''}",
                "programs": ", ".join(rule.programs) if rule.programs is not None else "all",
                "during_enrollment": "yes" if rule.during_enrollment else "no",
                "min_count": rule.min_count,
                "min_points": rule.min_points,
                "min_per_category": "; ".join(f"{c} {n}" for c, n in rule.min_per_category.items()),
                "students": len(mine),
                "met": int((mine["met"] == "yes").sum()),
                "not_met": int((mine["met"] == "no").sum()),
            }
        )
    none = eligibility[eligibility["standard"] == ""]
    blank = {k: "" for k in ("admission_years", "programs", "during_enrollment")}
    blank |= {"min_count": None, "min_points": None, "min_per_category": ""}
    rows.append(
        {"standard": "(no standard applies)", **blank, "students": len(none), "met": 0}
        | {"not_met": len(none)}
    )
    met = int((eligibility["met"] == "yes").sum())
    rows.append(
        {"standard": "all students", **blank, "students": len(eligibility), "met": met}
        | {"not_met": len(eligibility) - met}
    )
    summary = pd.DataFrame(rows)
    summary["min_count"] = summary["min_count"].astype("Int64")
    summary.insert(1, "academic_year", year)
    return summary


def _audit_rows(facts: Facts, per_submission: pd.DataFrame, year: int) -> pd.DataFrame:
    """Return one audit row per submission with the decision and the counted / why-not words."""
    subs = facts.submissions.reset_index(drop=True)
    students = facts.students.set_index("student_id")
    roster_name = subs["student_id"].map(students["name"]).astype(object)
    why = per_submission["why_not"]
    words = why.map(WHY_NOT).fillna("")
    reason = subs["reason"].map(REASONS)
    decided = why.isin(["rejected", "returned"]) & reason.notna()
    words = words.where(~decided, words + ": " + reason.fillna(""))
    # Name the enrollment years and the submission that counts in the group, so it can be checked.
    outside = why.isin(["before_enrollment", "after_enrollment", "future_year"])
    if outside.any():
        first = subs.loc[outside, "student_id"].map(students["admission_year"])
        last = subs.loc[outside, "student_id"].map(students["exit_year"]).fillna(year)
        exam = subs.loc[outside, "exam_year"].astype("Int64").astype(str)
        span = first.astype("Int64").astype(str) + "–" + last.astype("Int64").astype(str)
        words[outside] = words[outside] + " — exam AY" + exam + ", enrolled AY" + span
    same = why == "same_group"
    if same.any():
        counted = subs[per_submission["counted"].to_numpy()]
        via = counted.set_index(["student_id", "group"])["submission_id"]
        keys = pd.MultiIndex.from_frame(subs.loc[same, ["student_id", "group"]])
        words[same] = words[same] + " — counted: " + via.reindex(keys).to_numpy()
    has_item = subs["item_code"].notna()
    return pd.DataFrame(
        {
            "submission_id": subs["submission_id"],
            "round": subs["round"],
            "student_id": subs["student_id"].fillna(subs["student_id_text"]),
            "name": roster_name.fillna(subs["student_name_text"]),
            "certificate_typed": subs["certificate_name_text"],
            "item_code": subs["item_code"].fillna(""),
            "item_name": subs["item_name"].fillna(""),
            "category": subs["category"].fillna(subs["category_text"]),
            "points": subs["points"].where(has_item),
            "exam_year": subs["exam_year"],
            "decision": subs["state"],
            "reason": subs["reason"].fillna(""),
            "note": subs["note"].fillna(""),
            "reviewer": subs["reviewer"].fillna(""),
            "decided_at": subs["decided_at"],
            "counted": np.where(per_submission["counted"].to_numpy(), "yes", "no"),
            "why_not": words,
            "flags": subs["flags"].fillna(""),
        },
        columns=AUDIT_COLUMNS,
    )


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
                f"no round {round_name!r} — rounds are {', '.join(rounds) or 'none yet'}"
            )
    _, per_submission = evaluate_frames(
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


def export(
    session: Session,
    kind: str,
    path: str | os.PathLike[str],
    exported_by: str,
    *,
    current_year: int | None = None,
    cohort: int | None = None,
    program: str | None = None,
    templates: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    round_name: str | None = None,
    now: datetime | None = None,
) -> int:
    """Write the KIND export (eligibility, audit or notices) to PATH, log it, and return its rows.

    The audit as CSV writes the submissions to PATH and the summary beside it (`*_summary.csv`).
    COHORT and PROGRAM narrow the eligibility export; TEMPLATES words the notices and
    ROUND_NAME keeps the notices of one review round.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown export {kind!r}: use one of {', '.join(KINDS)}")
    suffix = check_target(path)  # before the queries: a wrong folder should cost nothing
    exported_by = (exported_by or "").strip()
    if not exported_by:
        raise ValueError("an export needs the name of the person exporting it")
    year = current_year or this_year()
    details: dict[str, Any] = {"academic_year": year}
    if kind == "eligibility":
        main = eligibility_frame(session, year, cohort=cohort, program=program)
        tables: dict[str, pd.DataFrame] = {"eligibility": main}
        details |= {"cohort": cohort, "program": program, "met": int((main["met"] == "yes").sum())}
    elif kind == "audit":
        audit = audit_frames(session, year)
        # As CSV the first table is the file asked for: the per-submission rows.
        order = ["submissions", "summary"] if suffix == ".csv" else ["summary", "submissions"]
        tables = {name: audit[name] for name in order}
        main = audit["submissions"]
    else:
        main = notices_frame(session, templates, year, round_name)
        tables = {"notices": main}
        details["round"] = round_name
        details["templates"] = str(templates) if isinstance(templates, str | os.PathLike) else None
    files = write_table(tables, path)
    details["files"] = [str(Path(f).resolve()) for f in files]
    details["sheets"] = {name: len(frame) for name, frame in tables.items()}
    session.add(
        ExportLog(
            kind=kind,
            path=str(Path(path).resolve()),
            rows=len(main),
            exported_by=exported_by,
            exported_at=now or datetime.now(),
            details=details,
        )
    )
    session.flush()
    return len(main)
