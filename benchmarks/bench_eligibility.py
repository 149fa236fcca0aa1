"""Time the eligibility engine for 20,000 students and 80,000 decided submissions.

Prints the seconds of the engine and its ratio against a plain pandas groupby that computes
only approved counts on the same data in the same run; with --sqlite, also the end-to-end
export frame from a SQLite department against read_sql plus the same groupby.

    .venv/bin/python benchmarks/bench_eligibility.py [--students N] [--submissions M] [--sqlite]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from certreview.rules.eligibility import evaluate_frames
from certreview.rules.standards import Rule

CURRENT_YEAR = 114
RULES = [
    Rule(
        "AY111+ Evening",
        111,
        programs=("Evening",),
        during_enrollment=True,
        min_count=2,
        min_points=3,
        min_per_category={"Information": 1},
    ),
    Rule(
        "AY111+ Day",
        111,
        during_enrollment=True,
        min_count=3,
        min_points=5,
        min_per_category={"Information": 1, "Language": 1},
    ),
    Rule("AY108-110", 108, 110, min_count=2, min_points=3),
]
CATALOG = pd.DataFrame(
    [
        (f"{group}-{level}", category, group, level + 1)
        for category, prefix, count in (("Information", "INF", 30), ("Language", "LNG", 8))
        for group in (f"{prefix}{i:02d}" for i in range(count))
        for level in range(3)
    ],
    columns=["item_code", "category", "group", "points"],
)
STATES = np.array(["approved", "rejected", "returned", "pending"], dtype=object)


def synthetic(students: int, submissions: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return synthetic student and submission facts frames."""
    rng = np.random.default_rng(seed)
    admission = rng.integers(106, 115, students)
    exit_year = np.where(admission < 110, admission + 4, np.nan)
    ids = np.array([f"B{a}{i:06d}" for i, a in enumerate(admission)], dtype=object)
    student_frame = pd.DataFrame(
        {
            "student_id": ids,
            "admission_year": admission,
            "program": np.where(rng.random(students) < 0.3, "Evening", "Day"),
            "exit_year": pd.array(exit_year, dtype="Int64"),
            "name": "name",
            "class_name": "A",
            "status": "enrolled",
        }
    )
    owner = rng.integers(0, students, submissions)
    items = CATALOG.iloc[rng.integers(0, len(CATALOG), submissions)].reset_index(drop=True)
    item_code = items["item_code"].to_numpy(dtype=object).copy()
    item_code[rng.random(submissions) < 0.03] = None
    submission_frame = pd.DataFrame(
        {
            "submission_id": [f"u{i:07d}" for i in range(submissions)],
            "student_id": ids[owner],
            "state": STATES[rng.choice(4, submissions, p=[0.75, 0.12, 0.08, 0.05])],
            "item_code": item_code,
            "category": items["category"].to_numpy(),
            "group": items["group"].to_numpy(),
            "points": items["points"].to_numpy(dtype=float),
            "exam_year": admission[owner] + rng.integers(-1, 5, submissions),
        }
    )
    return student_frame, submission_frame


def best_of(runs: int, work: Callable[[], object]) -> float:
    """Return the fastest of RUNS timings of WORK, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--submissions", type=int, default=80_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sqlite", action="store_true", help="also time the export from SQLite")
    args = parser.parse_args()
    students, submissions = synthetic(args.students, args.submissions)

    engine = best_of(args.runs, lambda: evaluate_frames(students, submissions, RULES, CURRENT_YEAR))
    baseline = best_of(
        args.runs,
        lambda: submissions[submissions["state"] == "approved"].groupby("student_id").size(),
    )
    print(f"{args.students:,} students, {args.submissions:,} submissions (best of {args.runs})")
    print(f"engine (in memory)      {engine:8.3f} s")
    print(f"groupby approved counts {baseline:8.3f} s")
    print(f"ratio                   {engine / baseline:8.1f}")
    if args.sqlite:
        sqlite_end_to_end(students, submissions, args.runs)


def sqlite_end_to_end(students: pd.DataFrame, submissions: pd.DataFrame, runs: int) -> None:
    """Time eligibility_frame on a SQLite department against read_sql plus groupby."""
    from sqlalchemy import insert, select

    from certreview.reports.frames import eligibility_frame
    from certreview.store.decisions import join_latest_decision
    from certreview.store.models import CatalogItem, Decision, Round, Standard, Student, Submission
    from certreview.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(f"sqlite:///{Path(tmp) / 'bench.sqlite'}", Path(tmp), create=True)
        now = datetime(2026, 5, 20, 10, 0)
        verdict = {
            "approved": "approve",
            "rejected": "reject",
            "returned": "return",
            "pending": "pending",
        }
        with ws.Session.begin() as s:
            s.execute(insert(Round), [{"id": 1, "name": "bench", "created_at": now}])
            s.execute(
                insert(Standard),
                [
                    {
                        "position": i,
                        "name": r.name,
                        "admission_from": r.admission_from,
                        "admission_to": r.admission_to,
                        "programs": list(r.programs) if r.programs else None,
                        "during_enrollment": r.during_enrollment,
                        "min_count": r.min_count,
                        "min_points": r.min_points,
                        "min_per_category": r.min_per_category,
                    }
                    for i, r in enumerate(RULES)
                ],
            )
            s.execute(
                insert(CatalogItem),
                [
                    {
                        "code": c.item_code,
                        "category": c.category,
                        "name": c.item_code,
                        "level": None,
                        "points": c.points,
                        "group": c.group,
                    }
                    for c in CATALOG.itertuples()
                ],
            )
            s.execute(
                insert(Student),
                [
                    {
                        "student_id": r.student_id,
                        "name": r.name,
                        "admission_year": r.admission_year,
                        "status": r.status,
                        "program": r.program,
                        "class_name": r.class_name,
                        "exit_year": None if pd.isna(r.exit_year) else int(r.exit_year),
                    }
                    for r in students.itertuples()
                ],
            )
            s.execute(
                insert(Submission),
                [
                    {
                        "id": i + 1,
                        "submission_id": r.submission_id,
                        "round_id": 1,
                        "row": i + 2,
                        "imported_at": now,
                        "submitted_at_text": "",
                        "student_id_text": r.student_id,
                        "student_name_text": "",
                        "category_text": r.category,
                        "certificate_name_text": "",
                        "exam_year_text": str(r.exam_year),
                        "image_text": "",
                        "student_key": r.student_id,
                        "student_id": r.student_id,
                        "exam_year": int(r.exam_year),
                        "item_code": r.item_code,
                        "flags": "",
                    }
                    for i, r in enumerate(submissions.itertuples())
                ],
            )
            s.execute(
                insert(Decision),
                [
                    {
                        "submission_pk": i + 1,
                        "verdict": verdict[r.state],
                        "reason": "other" if r.state == "rejected" else None,
                        "reviewer": "bench",
                        "decided_at": now,
                    }
                    for i, r in enumerate(submissions.itertuples())
                ],
            )

        def export_frame() -> object:
            with ws.Session() as s:
                return eligibility_frame(s, current_year=CURRENT_YEAR)

        def read_and_group() -> object:
            query = join_latest_decision(
                select(Submission.student_id, Decision.verdict).select_from(Submission)
            )
            with ws.engine.connect() as c:
                frame = pd.read_sql(query, c)
            return frame[frame["verdict"] == "approve"].groupby("student_id").size()

        full = best_of(runs, export_frame)
        plain = best_of(runs, read_and_group)
        ws.close()
    print(f"eligibility_frame from SQLite   {full:8.3f} s")
    print(f"read_sql + groupby from SQLite  {plain:8.3f} s")
    print(f"ratio                           {full / plain:8.1f}")


if __name__ == "__main__":
    main()
