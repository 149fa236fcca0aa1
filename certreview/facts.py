"""Load the facts the eligibility rules need from the database, as DataFrames.

Each submission comes with its current state (the latest decision by id) and its catalog
item: the item an approve set, else the item matched at intake.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from certreview.decisions import latest_decision_ids
from certreview.eligibility import STUDENT_COLUMNS, SUBMISSION_COLUMNS
from certreview.models import CatalogItem, Decision, Round, Standard, Student, Submission
from certreview.standards import Rule, rules_from_rows
from certreview.vocabulary import STATE_OF_VERDICT

# Extra per-submission columns the audit, the notices and the statistics read.
DETAIL_COLUMNS = [
    "submission_pk",
    "round",
    "round_id",
    "submitted_at",
    "student_id_text",
    "student_name_text",
    "category_text",
    "certificate_name_text",
    "exam_year_text",
    "flags",
    "item_name",
    "verdict",
    "reason",
    "note",
    "reviewer",
    "decided_at",
]


@dataclass(frozen=True)
class Facts:
    """The roster students and the submissions (all of them, decided or not) as DataFrames."""

    students: pd.DataFrame
    submissions: pd.DataFrame


def load_rules(session: Session) -> list[Rule]:
    """Return the stored course standards as Rules, in file order."""
    return rules_from_rows(session.scalars(select(Standard)))


def load_facts(
    session: Session,
    *,
    cohort: int | None = None,
    program: str | None = None,
    roster_only: bool = False,
) -> Facts:
    """Return the students (filtered by COHORT / PROGRAM) and their submissions.

    Without a filter and ROSTER_ONLY, submissions under IDs on no roster are kept too (the
    audit shows them); their student_id is None.
    """
    students_query = select(
        Student.student_id,
        Student.admission_year,
        Student.program,
        Student.exit_year,
        Student.name,
        Student.class_name,
        Student.status,
        Student.email,
    ).order_by(Student.student_id)
    if cohort is not None:
        students_query = students_query.where(Student.admission_year == cohort)
    if program is not None:
        students_query = students_query.where(Student.program == program)
    students = _frame(session, students_query, [*STUDENT_COLUMNS, "email"])

    query = _submissions_query()
    if cohort is not None or program is not None or roster_only:
        query = query.join(Student, Student.student_id == Submission.student_id)
        if cohort is not None:
            query = query.where(Student.admission_year == cohort)
        if program is not None:
            query = query.where(Student.program == program)
    submissions = _frame(session, query, [*SUBMISSION_COLUMNS, *DETAIL_COLUMNS])
    submissions["points"] = submissions["points"].astype("float64")
    submissions["exam_year"] = submissions["exam_year"].astype("Int64")
    students["exit_year"] = students["exit_year"].astype("Int64")
    return Facts(students, submissions)


def _submissions_query() -> Select:
    """Return every submission with its latest decision and effective catalog item."""
    latest = latest_decision_ids().subquery("latest")
    item_code = func.coalesce(Decision.item_code, Submission.item_code)
    state = func.coalesce(Decision.verdict, "pending")
    return (
        select(
            Submission.submission_id,
            Submission.student_id,
            state,
            CatalogItem.code,
            CatalogItem.category,
            CatalogItem.group,
            func.coalesce(CatalogItem.points, 0.0),
            Submission.exam_year,
            Submission.id,
            Round.name,
            Round.id,
            Submission.submitted_at,
            Submission.student_id_text,
            Submission.student_name_text,
            Submission.category_text,
            Submission.certificate_name_text,
            Submission.exam_year_text,
            Submission.flags,
            CatalogItem.name,
            Decision.verdict,
            Decision.reason,
            Decision.note,
            Decision.reviewer,
            Decision.decided_at,
        )
        .join(Round, Round.id == Submission.round_id)
        .outerjoin(latest, latest.c.submission_pk == Submission.id)
        .outerjoin(Decision, Decision.id == latest.c.decision_id)
        .outerjoin(CatalogItem, CatalogItem.code == item_code)
        .order_by(Submission.id)
    )


def _frame(session: Session, query: Select, columns: list[str]) -> pd.DataFrame:
    """Return the rows of QUERY as a DataFrame with COLUMNS (text stays text, IDs too)."""
    rows = session.execute(query).all()
    frame = pd.DataFrame.from_records(rows, columns=columns)
    if "state" in frame:
        # The latest verdict word says the state; "pending" is what an undo of a first decision writes.
        frame["state"] = frame["state"].map(STATE_OF_VERDICT).fillna("pending")
    return frame
