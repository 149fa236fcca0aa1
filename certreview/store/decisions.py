"""Review decisions: append-only history, the current state, undo and conflict checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from certreview.i18n import _
from certreview.rules.contract import REASONS, STATE_OF_VERDICT, VERDICTS
from certreview.store.models import CatalogItem, Decision, Submission


class DecisionError(ValueError):
    """A decision that breaks a rule of the contract (no reason, unknown item ...)."""


@dataclass(frozen=True)
class DecisionInfo:
    """A decision as the reviewer sees it: a plain value that outlives the session."""

    id: int
    verdict: str
    reason: str | None
    note: str | None
    item_code: str | None
    reviewer: str
    decided_at: datetime
    undoes_id: int | None = None

    @property
    def state(self) -> str:
        """Return pending / approved / rejected / returned."""
        return STATE_OF_VERDICT[self.verdict]

    def describe(self) -> str:
        """Return a one-line account such as 'rejected (illegible) by amy, 2026-05-12 10:42'."""
        reason = f" ({self.reason})" if self.reason else ""
        undo = f", undoing #{self.undoes_id}" if self.undoes_id else ""
        return f"{self.state}{reason} by {self.reviewer}, {self.decided_at:%Y-%m-%d %H:%M}{undo}"

    @classmethod
    def of(cls, d: Decision) -> DecisionInfo:
        """Return the info of a stored decision."""
        return cls(
            d.id, d.verdict, d.reason, d.note, d.item_code, d.reviewer, d.decided_at, d.undoes_id
        )


class DecisionConflict(DecisionError):
    """Another reviewer decided the submission after this reviewer loaded it.

    `pk` is the submission's key and `newer` the decision that got there first.
    """

    def __init__(self, submission: Submission, newer: Decision) -> None:
        self.pk = submission.id
        self.newer = DecisionInfo.of(newer)
        super().__init__(
            _(
                "{submission_id} was decided meanwhile by {reviewer} ({verdict}{reason}, "
                "{decided_at:%Y-%m-%d %H:%M})"
            ).format(
                submission_id=submission.submission_id,
                reviewer=newer.reviewer,
                verdict=newer.verdict,
                reason=" " + newer.reason if newer.reason else "",
                decided_at=newer.decided_at,
            )
        )


@dataclass(frozen=True)
class Verdict:
    """A checked request to decide: what a CLI line or a button click asks for."""

    verdict: str
    reason: str | None = None
    note: str | None = None
    item_code: str | None = None


def check_verdict(verdict: str, reason: str | None, note: str | None, item: str | None) -> Verdict:
    """Return a Verdict, or raise DecisionError saying which rule is broken."""
    reason = (reason or "").strip() or None
    note = (note or "").strip() or None
    item = (item or "").strip() or None
    if verdict not in VERDICTS:
        raise DecisionError(
            _("unknown decision {verdict!r}: use one of {choices}").format(
                verdict=verdict, choices=", ".join(VERDICTS)
            )
        )
    if reason is not None and reason not in REASONS:
        raise DecisionError(
            _("unknown reason {reason!r}: use one of {choices}").format(
                reason=reason, choices=", ".join(REASONS)
            )
        )
    if verdict == "reject" and reason is None:
        raise DecisionError(
            _("reject needs a reason: one of {choices}").format(choices=", ".join(REASONS))
        )
    if verdict == "approve" and reason is not None:
        raise DecisionError(_("approve takes no reason (use --note for a remark)"))
    if verdict == "return" and reason is None and note is None:
        raise DecisionError(
            _("return needs a reason or a note telling the student what to correct")
        )
    if reason == "other" and note is None:
        raise DecisionError(_("the reason 'other' needs a note saying what is wrong"))
    if item is not None and verdict != "approve":
        raise DecisionError(_("only approve can set the catalog item"))
    return Verdict(verdict, reason, note, item)


def latest_decision_id(as_of: int | None = None) -> ScalarSelect[int]:
    """Return the id of the latest decision of the Submission in the enclosing query (or NULL).

    The latest decision is the one with the highest id; AS_OF ignores decisions made after
    that decision id. Every "current state" in the library is read through this.
    """
    latest = select(func.max(Decision.id)).where(Decision.submission_pk == Submission.id)
    if as_of is not None:
        latest = latest.where(Decision.id <= as_of)
    return latest.correlate(Submission).scalar_subquery()


def join_latest_decision(stmt: Select[Any]) -> Select[Any]:
    """Return STMT (over Submission) with each submission's latest Decision outer-joined."""
    return stmt.outerjoin(Decision, Decision.id == latest_decision_id())


def effective_item() -> ColumnElement[str | None]:
    """Return the item a submission counts as: its latest decision's item, else intake's match.

    Use it in a query built by `join_latest_decision`; the grid, its filters and counts, the
    status command, eligibility and the audit all read the item through this one expression.
    """
    return func.coalesce(Decision.item_code, Submission.item_code)


def current_decision(session: Session, submission: Submission) -> Decision | None:
    """Return the latest decision on SUBMISSION, or None while it is undecided."""
    return session.scalars(
        join_latest_decision(select(Decision).select_from(Submission)).where(
            Submission.id == submission.id
        )
    ).first()


def current_item(session: Session, submission: Submission) -> str | None:
    """Return the catalog item code SUBMISSION counts as now (see `effective_item`)."""
    return session.scalar(
        join_latest_decision(select(effective_item()).select_from(Submission)).where(
            Submission.id == submission.id
        )
    )


def current_state(decision: Decision | None) -> str:
    """Return pending / approved / rejected / returned for a latest decision (or None)."""
    return "pending" if decision is None else STATE_OF_VERDICT[decision.verdict]


def find_submission(session: Session, submission_id: str) -> Submission:
    """Return the submission with the platform's SUBMISSION_ID, or raise DecisionError."""
    found = session.scalars(
        select(Submission).where(Submission.submission_id == submission_id.strip(), Submission.live)
    ).first()
    if found is None:
        raise DecisionError(
            _("no submission {submission_id!r} — check the ID in the intake report").format(
                submission_id=submission_id
            )
        )
    return found


def decide(
    session: Session,
    submission: Submission,
    verdict: Verdict,
    reviewer: str,
    *,
    expected_latest: int | bool | None = False,
    now: datetime | None = None,
) -> Decision:
    """Append a decision on SUBMISSION and return it.

    With EXPECTED_LATEST (the latest decision id the reviewer saw, None for undecided), raise
    DecisionConflict when someone else decided since; the default False skips the check.
    """
    reviewer = (reviewer or "").strip()
    if not reviewer:
        raise DecisionError(_("a decision needs the reviewer's name"))
    if verdict.item_code is not None and session.get(CatalogItem, verdict.item_code) is None:
        raise DecisionError(
            _("no catalog item {item_code!r} — see the catalog for codes").format(
                item_code=verdict.item_code
            )
        )
    latest = current_decision(session, submission)
    if expected_latest is not False and (latest.id if latest else None) != expected_latest:
        assert latest is not None  # someone decided: the ids differ only then
        raise DecisionConflict(submission, latest)
    return _append(
        session,
        submission,
        Decision(
            submission_pk=submission.id,
            verdict=verdict.verdict,
            reason=verdict.reason,
            note=verdict.note,
            item_code=verdict.item_code,
            reviewer=reviewer,
            decided_at=now or datetime.now(),
            previous_id=latest.id if latest else 0,
        ),
    )


def _append(session: Session, submission: Submission, decision: Decision) -> Decision:
    """Add DECISION to SUBMISSION's chain, or raise DecisionConflict if the chain moved on."""
    try:
        # A savepoint: losing the race must not spoil the rest of the caller's transaction.
        with session.begin_nested():
            session.add(decision)
            session.flush()
    except IntegrityError:
        newer = current_decision(session, submission)
        assert newer is not None  # the chain moved on, so there is a newer decision
        raise DecisionConflict(submission, newer) from None
    return decision


def undo(
    session: Session, decision: Decision, reviewer: str, now: datetime | None = None
) -> Decision:
    """Append a decision that restores what stood before DECISION, and return it.

    DECISION must still stand: be the latest decision, or the one a later undo restored
    (so a reviewer can step back through their own actions). Nothing is deleted.
    """
    if not _stands(session, decision):
        raise DecisionError(
            _("{submission_id} has a newer decision than the one to undo").format(
                submission_id=decision.submission.submission_id
            )
        )
    before = _before(session, decision)
    latest = current_decision(session, decision.submission)
    return _append(
        session,
        decision.submission,
        Decision(
            submission_pk=decision.submission_pk,
            verdict=before.verdict if before else "pending",
            reason=before.reason if before else None,
            note=before.note if before else None,  # the link to what was undone is undoes_id
            item_code=before.item_code if before else None,
            reviewer=reviewer,
            decided_at=now or datetime.now(),
            undoes_id=decision.id,
            previous_id=latest.id if latest else 0,
        ),
    )


def _before(session: Session, decision: Decision) -> Decision | None:
    return session.scalars(
        select(Decision)
        .where(Decision.submission_pk == decision.submission_pk, Decision.id < decision.id)
        .order_by(Decision.id.desc())
        .limit(1)
    ).first()


def _stands(session: Session, decision: Decision) -> bool:
    latest = current_decision(session, decision.submission)
    if latest is None:
        return False
    if latest.id == decision.id:
        return True
    if latest.undoes_id is None:
        return False
    # The latest is an undo: DECISION stands when it was what that undo brought back.
    undone = session.get(Decision, latest.undoes_id)
    restored = _before(session, undone) if undone is not None else None
    return restored is not None and restored.id == decision.id


def history(session: Session, submission: Submission) -> list[Decision]:
    """Return every decision on SUBMISSION, oldest first."""
    return list(
        session.scalars(
            select(Decision).where(Decision.submission_pk == submission.id).order_by(Decision.id)
        )
    )
