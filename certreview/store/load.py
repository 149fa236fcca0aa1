"""Load the facts the eligibility rules need from the database, as DataFrames.

Each submission comes with its current state (the latest decision by id) and its catalog
item: the item an approve set, else the item matched at intake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from certreview.rules.contract import STATE_OF_VERDICT
from certreview.rules.eligibility import (
    STUDENT_COLUMNS,
    SUBMISSION_COLUMNS,
    StudentFacts,
    StudentResult,
    SubmissionFacts,
    SubmissionResult,
    evaluate,
)
from certreview.rules.standards import Rule, rules_from_rows
from certreview.rules.years import academic_year
from certreview.store.decisions import effective_item, join_latest_decision
from certreview.store.models import (
    CatalogItem,
    Decision,
    Round,
    Standard,
    Student,
    Submission,
)

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
    "verdict",
    "reason",
    "note",
    "reviewer",
    "decided_at",
    "item_name",
    "image_note",
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
    details: bool = True,
) -> Facts:
    """Return the students (filtered by COHORT / PROGRAM) and their submissions.

    Without a filter, submissions under IDs on no roster are kept too (the audit shows them);
    their student_id is None. DETAILS adds the DETAIL_COLUMNS the audit,
    the notices and the statistics read (the eligibility table needs none of them).
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
    students["exit_year"] = students["exit_year"].astype("Int64")

    query = _submissions_query(details)
    if cohort is not None or program is not None:
        query = query.join(Student, Student.student_id == Submission.student_id)
        if cohort is not None:
            query = query.where(Student.admission_year == cohort)
        if program is not None:
            query = query.where(Student.program == program)
    columns = ["submission_id", "student_id", "state", "item_code", "exam_year"]
    queried = [c for c in DETAIL_COLUMNS if c != "item_name"] if details else []
    submissions = _frame(session, query, columns + queried)
    submissions["state"] = submissions["state"].map(STATE_OF_VERDICT).fillna("pending")
    submissions["exam_year"] = submissions["exam_year"].astype("Int64")

    # The catalog is small: attach category, group and points in memory, not by a SQL join on
    # an expression (the item an approve set, else the intake match), which SQLite cannot index.
    catalog = _frame(
        session,
        select(
            CatalogItem.code, CatalogItem.category, CatalogItem.group, CatalogItem.points
        ).add_columns(CatalogItem.name),
        ["code", "category", "group", "points", "item_name"],
    ).set_index("code")
    known = submissions["item_code"].isin(catalog.index)
    submissions["item_code"] = submissions["item_code"].where(known, None)
    found = catalog.reindex(submissions["item_code"])
    submissions["category"] = found["category"].to_numpy()
    submissions["group"] = found["group"].to_numpy()
    submissions["points"] = found["points"].fillna(0.0).to_numpy(dtype="float64")
    if details:
        submissions["item_name"] = found["item_name"].to_numpy()
    order = [*SUBMISSION_COLUMNS, *(DETAIL_COLUMNS if details else [])]
    return Facts(students, submissions[order])


def _submissions_query(details: bool) -> Select:
    """Return every submission with its latest verdict and effective catalog item code."""
    query = (
        join_latest_decision(
            select(
                Submission.submission_id,
                Submission.student_id,
                Decision.verdict,
                effective_item(),
                Submission.exam_year,
            ).select_from(Submission)
        )
        .where(Submission.live)  # older versions of edited submissions count no more
        .order_by(Submission.id)
    )
    if not details:
        return query
    return query.add_columns(
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
        Decision.verdict,
        Decision.reason,
        Decision.note,
        Decision.reviewer,
        Decision.decided_at,
        Submission.image_note,
    ).join(Round, Round.id == Submission.round_id)


def _frame(session: Session, query: Select, columns: list[str]) -> pd.DataFrame:
    """Return the rows of QUERY as a DataFrame with COLUMNS (text stays text, IDs too)."""
    # Core rows turned column-wise: much faster than the ORM or from_records on Row objects.
    rows = session.connection().execute(query).fetchall()
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    return pd.DataFrame({name: list(col) for name, col in zip(columns, values, strict=True)})


def student_standing(
    s: Session, student: Student, rules: list[Rule], current_year: int | None = None
) -> tuple[StudentResult, dict[str, SubmissionResult]]:
    """Return one student's standing and why each of their submissions counts or not."""
    rows = s.execute(
        join_latest_decision(
            select(
                Submission.submission_id,
                func.coalesce(Decision.verdict, "pending"),
                CatalogItem.code,
                CatalogItem.category,
                CatalogItem.group,
                CatalogItem.points,
                Submission.exam_year,
            ).select_from(Submission)
        )
        .outerjoin(CatalogItem, CatalogItem.code == effective_item())
        .where(Submission.student_id == student.student_id, Submission.live)
        # The order the engine breaks ties in (equal points: the earlier upload), as the audit.
        .order_by(Submission.id)
    ).all()
    facts = [
        SubmissionFacts(
            sid,
            student.student_id,
            STATE_OF_VERDICT.get(verdict, "pending"),
            code,
            category,
            group,
            float(points or 0.0),
            year,
        )
        for sid, verdict, code, category, group, points, year in rows
    ]
    result = evaluate(
        [student_facts(student)], facts, rules, current_year or academic_year(date.today())
    )
    return result.students[student.student_id], result.submissions


def student_facts(student: Student) -> StudentFacts:
    """Return a roster record as the plain facts the rules read."""
    return StudentFacts(
        student.student_id,
        student.admission_year,
        student.program,
        student.exit_year,
        student.name,
        student.class_name,
        student.status,
    )
