"""What the review service hands out: filters, cards, details and decisions as plain frozen values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from certreview.i18n import _
from certreview.review.evidence import EvidenceInfo, evidence_in
from certreview.rules.contract import STATE_OF_VERDICT, STATES
from certreview.rules.eligibility import StudentResult
from certreview.rules.standards import Rule
from certreview.store.decisions import DecisionInfo
from certreview.store.models import Student

ALL = "all"
CLEAN = "clean"  # the flag filter's choice for submissions without any flag
STATUS_CHOICES = (*STATES, ALL)
VERDICT_OF_STATE = {state: verdict for verdict, state in STATE_OF_VERDICT.items()}
UNDO_DEPTH = 100  # how many actions "undo last" can walk back in one session


@dataclass(frozen=True)
class Filters:
    """What the reviewer is looking at; None (or "all") means no restriction."""

    round_id: int | None = None
    status: str = "pending"
    flag: str | None = None  # a flag code, or CLEAN for "no flags"
    category: str | None = None
    item: str | None = None
    program: str | None = None
    class_name: str | None = None
    cohort: int | None = None
    search: str = ""
    as_of: int | None = None  # latest decision id when the view opened; None = now
    # The names the search matches (typed, roster IDs), found once when the view opened.
    search_names: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    evidence: str | None = None  # the "Image" filter: disagrees, agrees (all three), unread


@dataclass(frozen=True)
class Option:
    """One choice of a filter with the number of submissions it would show."""

    value: Any
    label: str
    count: int


@dataclass(frozen=True)
class Partner:
    """Another upload of the same image: whose, and which submission to open."""

    pk: int
    submission_id: str
    student_id: str  # the roster ID when matched, else as typed
    name: str


@dataclass(frozen=True)
class Card:
    """Everything one card of the grid shows, with the latest decision id it was loaded with."""

    pk: int
    submission_id: str
    round_name: str
    student_id_text: str
    student_name_text: str
    student_key: str
    student_id: str | None  # the matched roster student
    roster_name: str | None
    category_text: str
    certificate_name_text: str
    exam_year_text: str
    exam_year: int | None
    item_code: str | None
    item_name: str | None
    item_category: str | None
    item_points: float | None
    flags: tuple[str, ...]
    image_sha256: str | None
    pages: int
    thumbnail: bytes | None
    decision: DecisionInfo | None
    file_format: str | None = None  # the stored file's format, e.g. "PDF", "TIFF"
    partners: tuple[Partner, ...] = ()  # other uploads of this image (shared/duplicate flags)
    evidence: EvidenceInfo | None = None  # what the image says, once `certreview read` read it

    @property
    def state(self) -> str:
        """Return the current state of the submission."""
        return "pending" if self.decision is None else self.decision.state

    @property
    def decision_id(self) -> int | None:
        """Return the latest decision id seen, for conflict detection."""
        return None if self.decision is None else self.decision.id

    @property
    def clean(self) -> bool:
        """Return True when intake raised no flag."""
        return not self.flags


@dataclass(frozen=True)
class Progress:
    """How far the reviewer is in the current view."""

    decided: int
    total: int

    def __str__(self) -> str:
        return _("{decided} of {total} decided in this view").format(
            decided=self.decided, total=self.total
        )


@dataclass(frozen=True)
class Undone:
    """What an undo restored (pk -> the restoring decision) and what it had to leave alone."""

    restored: dict[int, DecisionInfo]
    refused: dict[int, str]


@dataclass(frozen=True)
class StudentInfo:
    """A roster record."""

    student_id: str
    name: str
    admission_year: int
    status: str
    program: str | None
    class_name: str | None
    exit_year: int | None
    email: str | None


@dataclass(frozen=True)
class Detail:
    """Everything the detail view shows about one submission."""

    card: Card
    student: StudentInfo | None
    standard: Rule | None
    others: tuple[Card, ...]  # the student's other uploads, this round's first
    flags: tuple[tuple[str, str], ...]
    history: tuple[DecisionInfo, ...]
    standing: StudentResult | None  # the student against their standard (what is still needed)
    counts: str  # whether this submission counts toward the standard, in plain words
    catalog: tuple[tuple[str, str], ...] = field(default=())  # (code, label) for approve-as
    notes: tuple[str, ...] = ()  # what intake noticed: the roster name, the file's problem ...
    partners: tuple[Card, ...] = ()  # other uploads of the same image, to compare and open


def student_info(st: Student) -> StudentInfo:
    return StudentInfo(
        st.student_id,
        st.name,
        st.admission_year,
        st.status,
        st.program,
        st.class_name,
        st.exit_year,
        st.email,
    )


def card_of(row: Any, thumbnail: bytes | None, partners: tuple[Partner, ...] = ()) -> Card:
    """Return the card of one row of `queries.card_select`."""
    decision = (
        DecisionInfo(
            row.d_id,
            row.d_verdict,
            row.d_reason,
            row.d_note,
            row.d_item,
            row.d_reviewer,
            row.d_at,
            row.d_undoes,
        )
        if row.d_id is not None
        else None
    )
    return Card(
        pk=row.id,
        submission_id=row.submission_id,
        round_name=row.round_name,
        student_id_text=row.student_id_text,
        student_name_text=row.student_name_text,
        student_key=row.student_key,
        student_id=row.student_id,
        roster_name=row.roster_name,
        category_text=row.category_text,
        certificate_name_text=row.certificate_name_text,
        exam_year_text=row.exam_year_text,
        exam_year=row.exam_year,
        item_code=row.item_code,
        item_name=row.item_name,
        item_category=row.item_category,
        item_points=row.item_points,
        flags=tuple(f for f in row.flags.split(";") if f),
        image_sha256=row.image_sha256,
        pages=row.pages or 1,
        thumbnail=thumbnail,
        decision=decision,
        file_format=row.file_format,
        partners=partners,
        evidence=evidence_in(row),
    )
