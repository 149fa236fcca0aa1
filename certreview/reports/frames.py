"""The eligibility table and the graduation audit as DataFrames, from the database.

Both carry the roster `status` as their last column and can keep only some statuses, so a
withdrawn student is never read as "not met" without a word.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from certreview.i18n import _
from certreview.rules.contract import (
    ALL_STUDENTS_ROW,
    NO_STANDARD_ROW,
    REASONS,
    STUDENT_STATUSES,
    reason_meaning,
)
from certreview.rules.eligibility import WHY_NOT, evaluate_frames, why_not_words
from certreview.rules.standards import Rule
from certreview.rules.years import academic_year
from certreview.store.load import Facts, load_facts, load_rules

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
    "status",  # not in the contract's list: appended last, so its columns keep their places
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
    "status",
]


def this_year() -> int:
    """Return the current ROC academic year."""
    return academic_year(date.today())


def check_statuses(statuses: Iterable[str] | None) -> tuple[str, ...] | None:
    """Return STATUSES as a tuple of roster statuses (None: all), or say which word is wrong.

    >>> check_statuses(["enrolled", " graduated"])
    ('enrolled', 'graduated')
    """
    if statuses is None:
        return None
    chosen = tuple(dict.fromkeys(word.strip().lower() for word in statuses if word.strip()))
    wrong = [word for word in chosen if word not in STUDENT_STATUSES]
    if wrong or not chosen:
        said = _(
            "unknown student status {wrong}: use one or more of {statuses}, separated by commas"
        )
        wrong_words = ", ".join(map(repr, wrong)) or _("(none given)")
        raise ValueError(said.format(wrong=wrong_words, statuses=", ".join(STUDENT_STATUSES)))
    return chosen


def eligibility_frame(
    session: Session,
    current_year: int | None = None,
    cohort: int | None = None,
    program: str | None = None,
    statuses: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Return one row per roster student (optionally one COHORT / PROGRAM / STATUSES).

    CURRENT_YEAR (default: today's academic year) closes the enrollment window of students
    still enrolled.
    """
    keep = check_statuses(statuses)
    facts = load_facts(session, cohort=cohort, program=program, details=False)
    per_student, _ = evaluate_frames(
        facts.students, facts.submissions, load_rules(session), current_year or this_year()
    )
    return with_statuses(eligibility_table(facts, per_student), keep)


def with_statuses(frame: pd.DataFrame, statuses: tuple[str, ...] | None) -> pd.DataFrame:
    """Return the rows of FRAME whose `status` is one of STATUSES (None: all rows)."""
    if statuses is None:
        return frame
    return frame[frame["status"].isin(statuses)].reset_index(drop=True)


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
            "status": students["status"],
        },
        columns=ELIGIBILITY_COLUMNS,
    )
    return out.reset_index(drop=True)


def audit_frames(
    session: Session, current_year: int | None = None, statuses: Iterable[str] | None = None
) -> dict[str, pd.DataFrame]:
    """Return the graduation audit: a per-standard "summary" and one "submissions" row each.

    The submissions sheet says, for every upload, the student, the catalog item, its points,
    the current decision with reviewer and time, whether it counted (and if not, why) and the
    student's roster status. STATUSES keeps those students only (uploads under IDs on no
    roster have no status, so a choice of STATUSES leaves them out).
    """
    keep = check_statuses(statuses)
    year = current_year or this_year()
    rules = load_rules(session)
    facts = load_facts(session)
    per_student, per_submission = evaluate_frames(facts.students, facts.submissions, rules, year)
    eligibility = with_statuses(eligibility_table(facts, per_student), keep)
    return {
        "summary": _summary(rules, eligibility, year),
        "submissions": with_statuses(_audit_rows(facts, per_submission, year), keep),
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
        {"standard": NO_STANDARD_ROW, **blank, "students": len(none), "met": 0}
        | {"not_met": len(none)}
    )
    met = int((eligibility["met"] == "yes").sum())
    rows.append(
        {"standard": ALL_STUDENTS_ROW, **blank, "students": len(eligibility), "met": met}
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
    # Plain words in the language set (the codes beside them never change).
    words = why.map(lambda code: why_not_words(code) if code in WHY_NOT else None).fillna("")
    reason = subs["reason"].map(lambda code: reason_meaning(code) if code in REASONS else None)
    decided = why.isin(["rejected", "returned"]) & reason.notna()
    words = words.where(~decided, words + ": " + reason.fillna(""))
    # Name the enrollment years and the submission that counts in the group, so it can be checked.
    outside = why.isin(["before_enrollment", "after_enrollment", "future_year"])
    if outside.any():
        first = subs.loc[outside, "student_id"].map(students["admission_year"])
        last = subs.loc[outside, "student_id"].map(students["exit_year"]).fillna(year)
        exam = subs.loc[outside, "exam_year"].astype("Int64").astype(str)
        span = first.astype("Int64").astype(str) + "–" + last.astype("Int64").astype(str)
        said = _(" — exam AY{exam}, enrolled AY{span}")
        words[outside] = words[outside] + [
            said.format(exam=e, span=s) for e, s in zip(exam, span, strict=True)
        ]
    same = why == "same_group"
    if same.any():
        counted = subs[per_submission["counted"].to_numpy()]
        via = counted.set_index(["student_id", "group"])["submission_id"]
        keys = pd.MultiIndex.from_frame(subs.loc[same, ["student_id", "group"]])
        words[same] = words[same] + _(" — counted: ") + via.reindex(keys).to_numpy()
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
            "status": subs["student_id"].map(students["status"]).astype(object).fillna(""),
        },
        columns=AUDIT_COLUMNS,
    )
