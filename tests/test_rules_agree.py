"""Rules kept twice for speed agree: the per-student rule and the vectorised engine.

`standards.pick_rule` and `years.enrollment_status` judge one student (intake, status); the
eligibility engine judges a whole department with array copies of the same rules. Hypothesis
generates thousands of students, standards and exam years and checks both give one answer.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certreview.rules.eligibility import (
    StudentFacts,
    SubmissionFacts,
    enrollment_statuses,
    evaluate,
    pick_rules,
)
from certreview.rules.standards import Rule, pick_rule
from certreview.rules.years import enrollment_status

CURRENT_YEAR = 114
PROGRAMS = ("Day", "Evening", "Weekend", "")
property_test = settings(
    max_examples=100,
    deadline=None,
    database=None,  # nothing written into the working copy
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def rules(draw: st.DrawFn) -> list[Rule]:
    """Return up to six standards with overlapping admission ranges and program lists."""
    out = []
    for i in range(draw(st.integers(0, 6))):
        start = draw(st.integers(95, 120))
        end = draw(st.none() | st.integers(start, start + 8))
        programs = draw(st.none() | st.sets(st.sampled_from(PROGRAMS)).map(sorted).map(tuple))
        out.append(
            Rule(
                f"standard {i}",
                start,
                end,
                programs,
                during_enrollment=draw(st.booleans()),
            )
        )
    return out


students = st.lists(
    st.tuples(st.integers(90, 125), st.none() | st.sampled_from((*PROGRAMS, "Other"))),
    min_size=1,
    max_size=200,
)


@property_test
@given(rules(), students)
def test_the_engine_picks_the_standard_pick_rule_picks(
    chosen: list[Rule], roster: list[tuple[int, str | None]]
) -> None:
    facts = [StudentFacts(f"S{i}", year, program) for i, (year, program) in enumerate(roster)]
    result = evaluate(facts, [], chosen, CURRENT_YEAR)
    engine = [result.students[f.student_id].standard for f in facts]
    one_by_one = [pick_rule(chosen, f.admission_year, f.program) for f in facts]
    assert engine == [r.name if r else None for r in one_by_one]
    positions = pick_rules(
        chosen,
        np.array([f.admission_year for f in facts]),
        np.array([f.program or "" for f in facts], dtype=object),
    )
    assert [chosen[p] if p >= 0 else None for p in positions] == one_by_one


enrollments = st.lists(
    st.tuples(
        st.integers(100, 120),  # admission year
        st.none() | st.integers(-2, 8),  # exit year, as years after admission (some bad data)
        st.none() | st.integers(90, 130),  # exam year
    ),
    min_size=1,
    max_size=200,
)


@property_test
@given(enrollments, st.integers(105, 125))
def test_the_engine_judges_the_enrollment_window_as_intake_does(
    rows: list[tuple[int, int | None, int | None]], current_year: int
) -> None:
    expected = [
        enrollment_status(
            exam, admission, None if exit_ is None else admission + exit_, current_year
        )
        for admission, exit_, exam in rows
    ]
    exam = np.array([np.nan if e is None else e for _, _, e in rows], dtype=np.float64)
    admission = np.array([a for a, _, _ in rows])
    exit_year = np.array([np.nan if x is None else a + x for a, x, _ in rows], dtype=np.float64)
    assert enrollment_statuses(exam, admission, exit_year, current_year).tolist() == expected

    # The whole engine: one approved certificate of its own group per student, so the only
    # reason one does not count is the window of a during_enrollment standard.
    rule = Rule("during", 0, during_enrollment=True)
    facts = [
        StudentFacts(f"S{i}", a, exit_year=None if x is None else a + x)
        for i, (a, x, _) in enumerate(rows)
    ]
    subs = [
        SubmissionFacts(f"u{i}", f"S{i}", "approved", f"I{i}", "Information", f"G{i}", 1.0, e)
        for i, (_, _, e) in enumerate(rows)
    ]
    result = evaluate(facts, subs, [rule], current_year)
    assert [result.submissions[s.submission_id].why_not for s in subs] == expected
