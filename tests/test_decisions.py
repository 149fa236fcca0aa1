"""Decisions: the contract's rules, append-only history, undo and conflicts."""

from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from certreview.ingest.reference import import_catalog
from certreview.ingest.submissions import get_round
from certreview.store.decisions import (
    DecisionConflict,
    DecisionError,
    Verdict,
    check_verdict,
    current_decision,
    current_state,
    decide,
    find_submission,
    history,
    undo,
)
from certreview.store.models import Decision, Submission
from tests.conftest import SAMPLES


@pytest.mark.parametrize(
    ("verdict", "reason", "note", "item", "expected"),
    [
        ("approve", None, None, None, Verdict("approve")),
        ("approve", None, " fine ", "CCNA", Verdict("approve", None, "fine", "CCNA")),
        ("reject", "illegible", None, None, Verdict("reject", "illegible")),
        (
            "reject",
            "other",
            "a photo of a screen",
            None,
            Verdict("reject", "other", "a photo of a screen"),
        ),
        ("return", None, "upload page 2", None, Verdict("return", None, "upload page 2")),
        (
            "return",
            "incomplete",
            "upload page 2",
            None,
            Verdict("return", "incomplete", "upload page 2"),
        ),
    ],
)
def test_valid_verdicts(verdict, reason, note, item, expected):
    assert check_verdict(verdict, reason, note, item) == expected


@pytest.mark.parametrize(
    ("verdict", "reason", "note", "item", "message"),
    [
        (
            "accept",
            None,
            None,
            None,
            "unknown decision 'accept': use one of approve, reject, return",
        ),
        (
            "reject",
            None,
            None,
            None,
            "reject needs a reason: one of incomplete, not_certificate, before_enrollment, "
            "not_in_catalog, mismatch, duplicate, illegible, other",
        ),
        (
            "reject",
            "blurry",
            None,
            None,
            "unknown reason 'blurry': use one of incomplete, not_certificate, before_enrollment, "
            "not_in_catalog, mismatch, duplicate, illegible, other",
        ),
        ("reject", "other", "  ", None, "the reason 'other' needs a note saying what is wrong"),
        (
            "return",
            None,
            None,
            None,
            "return needs a reason or a note telling the student what to correct",
        ),
        ("return", "other", None, None, "the reason 'other' needs a note saying what is wrong"),
        ("approve", "illegible", None, None, "approve takes no reason (use --note for a remark)"),
        ("reject", "duplicate", None, "CCNA", "only approve can set the catalog item"),
    ],
)
def test_invalid_verdicts(verdict, reason, note, item, message):
    with pytest.raises(DecisionError) as err:
        check_verdict(verdict, reason, note, item)
    assert str(err.value) == message


@pytest.fixture
def submission(workspace):
    with workspace.Session.begin() as s:
        import_catalog(s, SAMPLES / "catalog.csv")
        s.add(
            Submission(
                submission_id="u1",
                round=get_round(s, "AY114"),
                row=2,
                imported_at=datetime(2026, 3, 1),
                submitted_at_text="2026-03-01",
                student_id_text="B1",
                student_name_text="甲",
                category_text="Information",
                certificate_name_text="Cisco",
                exam_year_text="113",
                image_text="a.jpg",
                student_key="B1",
                exam_year=113,
            )
        )
    return workspace


T1, T2, T3 = datetime(2026, 5, 20, 9), datetime(2026, 5, 20, 10), datetime(2026, 5, 20, 11)


def test_history_is_append_only_and_latest_wins(submission):
    with submission.Session.begin() as s:
        sub = find_submission(s, " u1 ")
        assert current_state(current_decision(s, sub)) == "pending"
        decide(s, sub, Verdict("reject", "not_in_catalog"), "lin", now=T1)
        decide(s, sub, Verdict("approve", item_code="CCNA"), "chen", now=T2)
    with submission.Session() as s:
        sub = find_submission(s, "u1")
        assert [(d.verdict, d.reason, d.item_code, d.reviewer) for d in history(s, sub)] == [
            ("reject", "not_in_catalog", None, "lin"),
            ("approve", None, "CCNA", "chen"),
        ]
        assert current_state(current_decision(s, sub)) == "approved"


def test_undo_appends_a_restoring_decision(submission):
    with submission.Session.begin() as s:
        sub = find_submission(s, "u1")
        first = decide(s, sub, Verdict("return", "incomplete", "page 2 missing"), "lin", now=T1)
        second = decide(s, sub, Verdict("approve"), "lin", now=T2)
        restored = undo(s, second, "lin", now=T3)
        assert (restored.verdict, restored.reason, restored.note, restored.undoes_id) == (
            "return",
            "incomplete",
            "page 2 missing",  # the restored decision keeps its note; undoes_id links the undo
            second.id,
        )
        redone = undo(s, restored, "lin", now=T3)
        assert redone.verdict == "approve"  # undoing the undo brings the approve back
        assert s.scalar(select(func.count()).select_from(Decision)) == 4
        with pytest.raises(DecisionError, match="has a newer decision than the one to undo"):
            undo(s, first, "lin")


def test_a_reviewer_steps_back_through_their_actions(submission):
    with submission.Session.begin() as s:
        sub = find_submission(s, "u1")
        reject = decide(s, sub, Verdict("reject", "illegible"), "lin", now=T1)
        approve = decide(s, sub, Verdict("approve"), "lin", now=T2)
        assert current_state(undo(s, approve, "lin", now=T3)) == "rejected"
        assert current_state(undo(s, reject, "lin", now=T3)) == "pending"
        assert [d.verdict for d in history(s, sub)] == ["reject", "approve", "reject", "pending"]
        with pytest.raises(DecisionError, match="has a newer decision than the one to undo"):
            undo(s, approve, "lin")


def test_undo_of_a_first_decision_returns_to_pending(submission):
    with submission.Session.begin() as s:
        sub = find_submission(s, "u1")
        only = decide(s, sub, Verdict("approve"), "lin", now=T1)
        assert current_state(undo(s, only, "lin", now=T2)) == "pending"


def test_conflict_when_someone_decided_since_loading(submission):
    with submission.Session.begin() as s:
        sub = find_submission(s, "u1")
        decide(s, sub, Verdict("approve"), "chen", expected_latest=None, now=T1)
    with submission.Session.begin() as s, pytest.raises(DecisionConflict) as err:
        decide(
            s, find_submission(s, "u1"), Verdict("reject", "illegible"), "lin", expected_latest=None
        )
    assert str(err.value) == "u1 was decided meanwhile by chen (approve, 2026-05-20 09:00)"
    assert err.value.newer.reviewer == "chen"
    with submission.Session.begin() as s:
        newer = current_decision(s, find_submission(s, "u1"))
        decided = decide(
            s,
            find_submission(s, "u1"),
            Verdict("reject", "illegible"),
            "lin",
            expected_latest=newer.id,
        )
        assert decided.reviewer == "lin"


@pytest.mark.parametrize(
    ("submission_id", "verdict", "reviewer", "message"),
    [
        (
            "nope",
            Verdict("approve"),
            "lin",
            "no submission 'nope' — check the ID in the intake report",
        ),
        ("u1", Verdict("approve"), " ", "a decision needs the reviewer's name"),
        (
            "u1",
            Verdict("approve", item_code="XX"),
            "lin",
            "no catalog item 'XX' — see the catalog for codes",
        ),
    ],
)
def test_bad_decisions(submission, submission_id, verdict, reviewer, message):
    with pytest.raises(DecisionError) as err, submission.Session.begin() as s:
        decide(s, find_submission(s, submission_id), verdict, reviewer)
    assert str(err.value) == message


def test_two_reviewers_cannot_both_append_on_what_they_saw(submission):
    # The check-then-write race: both load the undecided submission, both write. The chain's
    # uniqueness refuses the second even when nothing checked in Python.
    with submission.Session.begin() as s:
        decide(s, find_submission(s, "u1"), Verdict("approve"), "chen", now=T1)
    with submission.Session() as s:
        sub = find_submission(s, "u1")
        s.add(
            Decision(
                submission_pk=sub.id,
                verdict="reject",
                reason="illegible",
                reviewer="lin",
                decided_at=T2,
            )
        )
        with pytest.raises(IntegrityError):
            s.commit()


def test_a_lost_race_raises_a_conflict_and_keeps_the_transaction(submission, monkeypatch):
    import certreview.store.decisions as d

    real = d.current_decision
    calls = []

    def stale_then_real(session, sub):
        calls.append(1)
        return None if len(calls) == 1 else real(session, sub)  # read before chen's write landed

    with submission.Session.begin() as s:
        sub = find_submission(s, "u1")
        decide(s, sub, Verdict("approve"), "chen", now=T1)
        monkeypatch.setattr(d, "current_decision", stale_then_real)
        with pytest.raises(DecisionConflict) as err:
            decide(s, sub, Verdict("reject", "illegible"), "lin", now=T2)
        monkeypatch.undo()
        assert err.value.newer.reviewer == "chen"
        assert current_state(current_decision(s, sub)) == "approved"
    with submission.Session() as s:
        assert [d.reviewer for d in history(s, find_submission(s, "u1"))] == ["chen"]
