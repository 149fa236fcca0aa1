"""Eligibility rules: literal tables for groups, levels, enrollment, categories and decisions."""

from __future__ import annotations

import pandas as pd
import pytest
from reporting_department import add_department, add_submission, undo_latest, verdict

from certreview.reports.frames import audit_frames, eligibility_frame
from certreview.rules.eligibility import (
    NO_STANDARD,
    STUDENT_COLUMNS,
    SUBMISSION_COLUMNS,
    WHY_NOT,
    StudentFacts,
    StudentResult,
    SubmissionFacts,
    SubmissionResult,
    evaluate,
    evaluate_frames,
    missing_text,
)
from certreview.rules.standards import Rule
from certreview.store.load import load_facts, load_rules, student_standing
from certreview.store.models import Student
from certreview.workspace import Workspace

RULES = [
    Rule("Evening", 111, programs=("Evening",), during_enrollment=True, min_count=1, min_points=1),
    Rule(
        "AY111+",
        111,
        during_enrollment=True,
        min_count=2,
        min_points=3,
        min_per_category={"Information": 1},
    ),
    Rule("AY108-110", 108, 110, min_count=1, min_points=0),
]
ITEMS = {
    # code: (category, group, points)
    "WORD-P": ("Information", "WORD", 1.0),
    "WORD-A": ("Information", "WORD", 2.0),
    "SW-C": ("Information", "SW", 1.0),
    "SW-B": ("Information", "SW", 2.0),
    "SW-A": ("Information", "SW", 3.0),
    "CCNA": ("Information", "CCNA", 3.0),
    "TOEIC": ("Language", "TOEIC", 2.0),
    "GEPT": ("Language", "GEPT", 2.0),
}
DAY = StudentFacts("B1", 111, "Day")


def sub(
    sid: str,
    item: str | None,
    exam: int | None = 112,
    state: str = "approved",
    student: str | None = "B1",
) -> SubmissionFacts:
    """Return one submission's facts with the catalog item's category, group and points."""
    category, group, points = ITEMS[item] if item else (None, None, 0.0)
    return SubmissionFacts(sid, student, state, item, category, group, points, exam)


def run(subs: list[SubmissionFacts], student: StudentFacts = DAY, year: int = 114):
    """Return (the student's result, {submission: why_not}) for one student."""
    out = evaluate([student], subs, RULES, current_year=year)
    return out.students[student.student_id], {k: v.why_not for k, v in out.submissions.items()}


@pytest.mark.parametrize(
    ("subs", "approved", "points", "why"),
    [
        # Two levels of one subject count once, at the higher points, whatever the order.
        ([sub("a", "WORD-P"), sub("b", "WORD-A")], 1, 2.0, {"a": "same_group", "b": None}),
        ([sub("a", "WORD-A"), sub("b", "WORD-P")], 1, 2.0, {"a": None, "b": "same_group"}),
        # 丙/乙/甲 levels: only 甲 (3 points) counts.
        (
            [sub("a", "SW-C"), sub("b", "SW-A"), sub("c", "SW-B")],
            1,
            3.0,
            {"a": "same_group", "b": None, "c": "same_group"},
        ),
        # The same certificate twice counts once: the earlier upload.
        ([sub("a", "CCNA"), sub("b", "CCNA")], 1, 3.0, {"a": None, "b": "same_group"}),
        # Different groups each count.
        ([sub("a", "WORD-P"), sub("b", "SW-C")], 2, 2.0, {"a": None, "b": None}),
        # A higher level that is not approved does not displace the approved lower one.
        (
            [sub("a", "WORD-P"), sub("b", "WORD-A", state="rejected")],
            1,
            1.0,
            {"a": None, "b": "rejected"},
        ),
    ],
)
def test_groups_and_levels_count_once_at_the_highest_points(
    subs: list[SubmissionFacts], approved: int, points: float, why: dict[str, str | None]
) -> None:
    result, whys = run(subs)
    assert (result.approved, result.points, whys) == (approved, points, why)


@pytest.mark.parametrize(
    ("admission", "exit_year", "exam", "why"),
    [
        (111, None, 110, "before_enrollment"),
        (111, None, 111, None),
        (111, None, 114, None),  # still enrolled: the window runs to the current AY (114)
        (111, None, 115, "future_year"),  # still enrolled: a misread year, not a departure
        (111, 113, 113, None),
        (111, 113, 114, "after_enrollment"),
        (111, 113, 115, "after_enrollment"),  # left: later than now is still after leaving
        (111, None, None, None),  # no readable exam year: the approving reviewer read the date
        (109, None, 105, None),  # AY108-110 has during_enrollment = false
        (109, 112, 113, None),
    ],
)
def test_enrollment_window(
    admission: int, exit_year: int | None, exam: int | None, why: str | None
) -> None:
    student = StudentFacts("B1", admission, "Day", exit_year)
    _, whys = run([sub("a", "CCNA", exam)], student, year=114)
    assert whys == {"a": why}


@pytest.mark.parametrize(
    ("subs", "expected"),
    [
        (
            [],
            StudentResult(
                "B1",
                "AY111+",
                0,
                0.0,
                0,
                False,
                "needs 2 more certificates, including 1 in Information; 3 more points",
            ),
        ),
        (
            [sub("a", "TOEIC"), sub("b", "GEPT")],
            StudentResult(
                "B1", "AY111+", 2, 4.0, 0, False, "needs 1 more certificate in Information"
            ),
        ),
        (
            [sub("a", "TOEIC"), sub("b", "WORD-P")],
            StudentResult("B1", "AY111+", 2, 3.0, 0, True, ""),
        ),
        (
            [sub("a", "WORD-P"), sub("b", "SW-C")],
            StudentResult("B1", "AY111+", 2, 2.0, 0, False, "needs 1 more point"),
        ),
        (
            [sub("a", "CCNA"), sub("b", "TOEIC", state="pending"), sub("c", None, state="pending")],
            StudentResult("B1", "AY111+", 1, 3.0, 2, False, "needs 1 more certificate"),
        ),
    ],
)
def test_count_points_and_per_category_minimums(
    subs: list[SubmissionFacts], expected: StudentResult
) -> None:
    assert run(subs)[0] == expected


@pytest.mark.parametrize(
    ("student", "standard"),
    [
        (StudentFacts("B1", 112, "Evening"), "Evening"),  # the first matching standard
        (StudentFacts("B1", 112, "Day"), "AY111+"),
        (StudentFacts("B1", 112, None), "AY111+"),
        (StudentFacts("B1", 110, "Evening"), "AY108-110"),
        (StudentFacts("B1", 107, "Day"), None),
    ],
)
def test_first_matching_standard(student: StudentFacts, standard: str | None) -> None:
    assert run([], student)[0].standard == standard


@pytest.mark.parametrize(
    ("subs", "approved", "points", "pending", "why"),
    [
        ([sub("a", "CCNA"), sub("b", "TOEIC")], 2, 5.0, 0, ["no_standard", "no_standard"]),
        # One group counts once, at the higher points, as under a standard.
        ([sub("a", "WORD-P"), sub("b", "WORD-A")], 1, 2.0, 0, ["no_standard", "no_standard"]),
        (
            [sub("a", "CCNA", state="rejected"), sub("b", "TOEIC", state="pending")],
            0,
            0.0,
            1,
            ["rejected", "pending"],
        ),
    ],
)
def test_no_matching_standard_is_reported_not_guessed(
    subs: list[SubmissionFacts], approved: int, points: float, pending: int, why: list[str]
) -> None:
    result, whys = run(subs, StudentFacts("B1", 105, "Day"))
    # What the student has is shown; none of it counts towards a standard (the audit says why).
    assert result == StudentResult("B1", None, approved, points, pending, False, NO_STANDARD)
    assert NO_STANDARD == "no standard applies"
    assert list(whys.values()) == why


@pytest.mark.parametrize(
    ("facts", "why"),
    [
        (sub("a", "CCNA", state="pending"), "pending"),
        (sub("a", "CCNA", state="rejected"), "rejected"),
        (sub("a", "CCNA", state="returned"), "returned"),
        (sub("a", None), "no_item"),
        (sub("a", "CCNA", student="B404"), "not_on_roster"),
        (sub("a", "CCNA", student=None), "not_on_roster"),
        (sub("a", "CCNA", 109, state="rejected"), "rejected"),  # the first reason found wins
    ],
)
def test_only_approved_catalog_items_count(facts: SubmissionFacts, why: str) -> None:
    result, whys = run([facts])
    assert (result.approved, whys) == (0, {"a": why})


def test_many_students_at_once() -> None:
    students = [StudentFacts("B1", 111, "Day"), StudentFacts("B2", 111, "Evening")]
    subs = [sub("a", "CCNA", student="B2"), sub("b", "TOEIC", student="B1")]
    out = evaluate(students, subs, RULES, current_year=114)
    assert out.students == {
        "B1": StudentResult(
            "B1",
            "AY111+",
            1,
            2.0,
            0,
            False,
            "needs 1 more certificate in Information; 1 more point",
        ),
        "B2": StudentResult("B2", "Evening", 1, 3.0, 0, True, ""),
    }
    assert out.submissions == {
        "a": SubmissionResult("a", True, None),
        "b": SubmissionResult("b", True, None),
    }


@pytest.mark.parametrize(
    ("count", "points", "per_category", "text"),
    [
        (0, 0, {}, ""),
        (1, 0, {}, "needs 1 more certificate"),
        (2, 0.5, {}, "needs 2 more certificates; 0.5 more points"),
        (0, 1, {}, "needs 1 more point"),
        (1, 2, {"Information": 1}, "needs 1 more certificate in Information; 2 more points"),
        (0, 0, {"Information": 2}, "needs 2 more certificates in Information"),
        (
            1,
            0,
            {"Information": 1, "Language": 1},
            "needs 2 more certificates, including 1 in Information and 1 in Language",
        ),
        (3, 0, {"Language": 1}, "needs 3 more certificates, including 1 in Language"),
    ],
)
def test_missing_in_plain_words(
    count: int, points: float, per_category: dict[str, int], text: str
) -> None:
    assert missing_text(count, points, per_category) == text


# Through the database: the latest decision by id is what counts.


def _row(ws: Workspace, student_id: str) -> dict[str, object]:
    with ws.Session() as s:
        frame = eligibility_frame(s, current_year=114)
    return frame.set_index("student_id").loc[student_id].to_dict()


def test_re_decided_submission_counts_by_its_latest_decision(workspace: Workspace) -> None:
    with workspace.Session.begin() as s:
        add_department(s)
        ccna = add_submission(s, "u1", "B10900004", "CCNA", 110)
        verdict(s, ccna, "approve", minutes=1)
        verdict(s, ccna, "reject", "illegible", minutes=2)
    assert _row(workspace, "B10900004")["approved"] == 0
    with workspace.Session.begin() as s:
        verdict(s, s.merge(ccna), "approve", minutes=3)
    assert _row(workspace, "B10900004")["approved"] == 1


def test_undo_back_to_pending_counts_as_pending(workspace: Workspace) -> None:
    with workspace.Session.begin() as s:
        add_department(s)
        ccna = add_submission(s, "u1", "B10900004", "CCNA", 110)
        first = verdict(s, ccna, "approve", minutes=1)
    assert (_row(workspace, "B10900004")["approved"], _row(workspace, "B10900004")["pending"]) == (
        1,
        0,
    )
    with workspace.Session.begin() as s:
        undo_latest(s, s.merge(first), minutes=2)
    row = _row(workspace, "B10900004")
    assert (row["approved"], row["pending"], row["met"]) == (0, 1, "no")


def test_approve_with_item_overrides_the_matched_item(workspace: Workspace) -> None:
    with workspace.Session.begin() as s:
        add_department(s)
        # The student typed an unmatched name; the reviewer sets the catalog item on approval.
        typed = add_submission(s, "u1", "B10900004", None, 110, certificate="思科網路認證")
        lower = add_submission(s, "u2", "B10900004", "TQC-WORD-A", 110)
        verdict(s, typed, "approve", item="CCNA", minutes=1)
        verdict(s, lower, "approve", item="TQC-WORD-P", minutes=2)
    with workspace.Session() as s:
        facts = load_facts(s)
    chosen = facts.submissions.set_index("submission_id")[["item_code", "group", "points"]]
    expected = pd.DataFrame(
        {"item_code": ["CCNA", "TQC-WORD-P"], "group": ["CCNA", "TQC-WORD"], "points": [3.0, 1.0]},
        index=pd.Index(["u1", "u2"], name="submission_id"),
    )
    pd.testing.assert_frame_equal(chosen, expected, check_dtype=False)
    row = _row(workspace, "B10900004")
    assert (row["approved"], row["points"], row["met"]) == (2, 4.0, "yes")


def test_eligibility_frame_has_the_contract_columns(workspace: Workspace) -> None:
    with workspace.Session.begin() as s:
        add_department(s)
        a = add_submission(s, "u1", "0912345678", "TQC-WORD-A", 112)
        b = add_submission(s, "u2", "0912345678", "TOEIC-750", 110)  # before admission (111)
        verdict(s, a, "approve")
        verdict(s, b, "approve")
    with workspace.Session() as s:
        frame = eligibility_frame(s, current_year=114, cohort=111, program="Day")
    expected = pd.DataFrame(
        {
            "student_id": ["0912345678", "B11100002"],
            "name": ["郭峯堃", '=HYPERLINK("x")'],
            "program": ["Day", "Day"],
            "class_name": ["資三甲", "資三甲"],
            "admission_year": [111, 111],
            "standard": ["AY111+ Day", "AY111+ Day"],
            "approved": [1, 0],
            "points": [2.0, 0.0],
            "pending": [0, 0],
            "met": ["no", "no"],
            "missing": [
                "needs 1 more certificate; 1 more point",
                "needs 2 more certificates, including 1 in Information; 3 more points",
            ],
            "status": ["enrolled", "enrolled"],
        }
    )
    pd.testing.assert_frame_equal(frame, expected, check_dtype=False)


def test_status_filter_keeps_the_chosen_roster_statuses(workspace: Workspace) -> None:
    with workspace.Session.begin() as s:
        add_department(s)
    with workspace.Session() as s:
        left = eligibility_frame(s, current_year=114, statuses=["withdrawn", "graduated"])
        everyone = eligibility_frame(s, current_year=114)
        with pytest.raises(ValueError) as wrong:
            eligibility_frame(s, current_year=114, statuses=["enrolled", "left"])
    assert left[["student_id", "status"]].values.tolist() == [
        ["B10500005", "withdrawn"],
        ["B10900004", "graduated"],
    ]
    assert everyone["status"].tolist() == [
        "enrolled",
        "withdrawn",
        "graduated",
        "enrolled",
        "enrolled",
    ]
    assert str(wrong.value) == (
        "unknown student status 'left': use one or more of enrolled, graduated, withdrawn, "
        "suspended, separated by commas"
    )


def test_future_year_says_to_check_the_year() -> None:
    assert WHY_NOT["future_year"] == (
        "the exam year is later than the current academic year — check the year on the certificate"
    )
    assert list(WHY_NOT).index("future_year") == list(WHY_NOT).index("after_enrollment") + 1


def test_an_empty_roster_puts_every_submission_off_the_roster() -> None:
    students = pd.DataFrame({c: [] for c in STUDENT_COLUMNS})
    submissions = pd.DataFrame(
        [
            ("a", "B1", "approved", "CCNA", "Information", "CCNA", 3.0, 112),
            ("b", None, "pending", None, None, None, 0.0, None),
        ],
        columns=SUBMISSION_COLUMNS,
    )
    per_student, per_submission = evaluate_frames(students, submissions, RULES, current_year=114)
    assert per_student.columns.tolist() == [
        "student_id",
        "standard",
        "approved",
        "points",
        "pending",
        "met",
        "missing",
    ]
    assert len(per_student) == 0
    assert per_submission.values.tolist() == [
        ["a", False, "not_on_roster"],
        ["b", False, "not_on_roster"],
    ]
    out = evaluate([], [sub("a", "CCNA")], RULES, current_year=114)
    assert out.students == {}
    assert out.submissions == {"a": SubmissionResult("a", False, "not_on_roster")}


def test_equal_points_in_one_group_count_the_earlier_upload(workspace: Workspace) -> None:
    with workspace.Session.begin() as s:
        add_department(s)
        # The earlier upload (lower Submission.id) has the submission_id that sorts later.
        first = add_submission(s, "z-first", "B10900004", "CCNA", 110)
        second = add_submission(s, "a-second", "B10900004", "CCNA", 110)
        verdict(s, second, "approve", minutes=1)
        verdict(s, first, "approve", minutes=2)
    assert first.id < second.id
    with workspace.Session() as s:
        student = s.get(Student, "B10900004")
        result, whys = student_standing(s, student, load_rules(s), current_year=114)
        audit = audit_frames(s, current_year=114)["submissions"]
    assert result == StudentResult("B10900004", "AY108-110", 1, 3.0, 0, True, "")
    assert {k: (v.counted, v.why_not) for k, v in whys.items()} == {
        "z-first": (True, None),
        "a-second": (False, "same_group"),
    }
    assert audit[["submission_id", "counted", "why_not"]].values.tolist() == [
        ["z-first", "yes", ""],
        [
            "a-second",
            "no",
            "another certificate of the same group counts (same or higher points)"
            " — counted: z-first",
        ],
    ]
