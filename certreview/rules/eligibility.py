"""Who meets their course standard: pure, vectorised rules over plain student and submission facts.

The rules, as the department states them:

- a student falls under the first standard matching their admission year and program; a
  student no standard matches is reported, never guessed;
- only submissions whose latest decision is "approve" count, and only when matched to a
  catalog item (an approve may set that item);
- under a `during_enrollment` standard the exam year must lie within the enrollment years
  (admission year to exit year, or the current academic year while still enrolled: a later
  year for a student still enrolled is `future_year`, a misread year, not a departure);
- one certificate per catalog group counts (levels of one subject, two-certificate exams),
  the one with the highest points (ties: the earliest submission);
- met = counted groups >= min_count, points >= min_points, and every per-category minimum.

`evaluate` takes and returns frozen dataclasses (what the tests read); `evaluate_frames`
is the same engine over DataFrames, for a whole department at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd

from certreview.i18n import N_, _, ngettext
from certreview.rules.standards import Rule

# Why a submission does not count, in the order the checks apply (the first one found wins).
# The words are marked for the catalog: translate them where shown, with `why_not_words`.
WHY_NOT: dict[str, str] = {
    "not_on_roster": N_("the student ID is not on the roster"),
    "pending": N_("not decided yet"),
    "rejected": N_("rejected"),
    "returned": N_("returned to the student to correct"),
    "no_item": N_("approved but not matched to a catalog item"),
    "no_standard": N_("no course standard applies to the student"),
    "before_enrollment": N_(
        "earned before admission (the standard counts only certificates earned during enrollment)"
    ),
    "after_enrollment": N_(
        "earned after the student left (the standard counts only "
        "certificates earned during enrollment)"
    ),
    "future_year": N_(
        "the exam year is later than the current academic year — check the year on the certificate"
    ),
    "same_group": N_("another certificate of the same group counts (same or higher points)"),
}
NO_STANDARD = N_("no standard applies")


def why_not_words(code: str | None) -> str:
    """Return why a submission does not count, in the language set ("" for None)."""
    if not code:
        return ""
    return _(WHY_NOT[code]) if code in WHY_NOT else code


@dataclass(frozen=True)
class StudentFacts:
    """One roster student as the rules need them."""

    student_id: str
    admission_year: int
    program: str | None = None
    exit_year: int | None = None
    name: str = ""
    class_name: str | None = None
    status: str = "enrolled"


@dataclass(frozen=True)
class SubmissionFacts:
    """One submission with its current state (from the latest decision) and its catalog item."""

    submission_id: str
    student_id: str | None
    state: str  # pending | approved | rejected | returned
    item_code: str | None = None
    category: str | None = None
    group: str | None = None
    points: float = 0.0
    exam_year: int | None = None


@dataclass(frozen=True)
class StudentResult:
    """Where one student stands against their standard."""

    student_id: str
    standard: str | None
    approved: int
    points: float
    pending: int
    met: bool
    missing: str


@dataclass(frozen=True)
class SubmissionResult:
    """Whether one submission counts, and if not, why (a key of WHY_NOT)."""

    submission_id: str
    counted: bool
    why_not: str | None


@dataclass(frozen=True)
class Eligibility:
    """The outcome for a set of students: per student and per submission, keyed by ID."""

    students: dict[str, StudentResult]
    submissions: dict[str, SubmissionResult]


STUDENT_COLUMNS = [f.name for f in fields(StudentFacts)]
SUBMISSION_COLUMNS = [f.name for f in fields(SubmissionFacts)]


def evaluate(
    students: Iterable[StudentFacts],
    submissions: Iterable[SubmissionFacts],
    rules: Sequence[Rule],
    current_year: int,
) -> Eligibility:
    """Return each student's standing and each submission's count, from plain facts.

    >>> rule = Rule("AY111+", 111, min_count=1, min_points=2)
    >>> out = evaluate([StudentFacts("B1", 111)],
    ...                [SubmissionFacts("u1", "B1", "approved", "TQC-P", "Information", "TQC", 1)],
    ...                [rule], current_year=113)
    >>> out.students["B1"].missing
    'needs 1 more point'
    """
    student_frame = pd.DataFrame([asdict(s) for s in students], columns=STUDENT_COLUMNS)
    submission_frame = pd.DataFrame([asdict(s) for s in submissions], columns=SUBMISSION_COLUMNS)
    per_student, per_submission = evaluate_frames(
        student_frame, submission_frame, rules, current_year
    )
    return Eligibility(
        students={
            r.student_id: StudentResult(
                student_id=r.student_id,
                standard=r.standard,
                approved=int(r.approved),
                points=float(r.points),
                pending=int(r.pending),
                met=bool(r.met),
                missing=r.missing,
            )
            for r in per_student.itertuples(index=False)
        },
        submissions={
            r.submission_id: SubmissionResult(r.submission_id, bool(r.counted), r.why_not)
            for r in per_submission.itertuples(index=False)
        },
    )


def evaluate_frames(
    students: pd.DataFrame,
    submissions: pd.DataFrame,
    rules: Sequence[Rule],
    current_year: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (per-student, per-submission) result frames for the columns of the Facts classes.

    Per student: student_id, standard, approved, points, pending, met, missing.
    Per submission (same order as given): submission_id, counted, why_not (a WHY_NOT key or None).
    Submissions are taken in the order given: on equal points the earlier one counts.
    """
    n_students = len(students)
    admission = students["admission_year"].to_numpy(dtype=np.int64)
    exit_year = pd.to_numeric(students["exit_year"]).to_numpy(dtype=np.float64, na_value=np.nan)
    programs = students["program"].fillna("").to_numpy(dtype=object)

    rule_of = pick_rules(rules, admission, programs)  # -1 = no standard
    rule_arrays = _rule_arrays(rules)

    # Where each submission's student sits; -1 = not on the roster. Off-roster submissions
    # read a sentinel student appended at index n_students (no rule, no enrollment years), so
    # the lookups below also work with an empty roster.
    student_index = pd.Index(students["student_id"])
    position = student_index.get_indexer(submissions["student_id"])
    on_roster = position >= 0
    safe = np.where(on_roster, position, n_students)
    sub_rule = np.append(rule_of, -1)[safe]
    sub_admission = np.append(admission, 0)[safe]
    sub_exit = np.append(exit_year, np.nan)[safe]
    state = submissions["state"].to_numpy(dtype=object)
    approved = state == "approved"
    has_item = submissions["item_code"].notna().to_numpy()
    exam = pd.to_numeric(submissions["exam_year"]).to_numpy(dtype=np.float64, na_value=np.nan)
    during = np.where(sub_rule >= 0, rule_arrays["during"][sub_rule], False)
    # An approved certificate with no readable exam year counts: the reviewer read its date.
    window = enrollment_statuses(exam, sub_admission, sub_exit, current_year)
    before = during & (window == "before_enrollment")
    after = during & (window == "after_enrollment")
    future = during & (window == "future_year")

    why = np.full(len(submissions), None, dtype=object)
    reasons = [
        (~on_roster, "not_on_roster"),
        (state == "pending", "pending"),
        (state == "rejected", "rejected"),
        (state == "returned", "returned"),
        (~approved, "pending"),  # any other state word is not a decision to count
        (~has_item, "no_item"),
        (sub_rule < 0, "no_standard"),
        (before, "before_enrollment"),
        (after, "after_enrollment"),
        (future, "future_year"),
    ]
    for mask, key in reversed(reasons):
        why[mask] = key
    eligible = np.flatnonzero(pd.isna(why))
    # A student under no standard still sees what they have: their approved items are ranked
    # (one per group) for the tallies, though none of them counts towards a standard.
    no_rule = np.flatnonzero(why == "no_standard")
    eligible = np.sort(np.concatenate([eligible, no_rule]))

    # One per (student, group): highest points first, then the earliest submission.
    points = submissions["points"].to_numpy(dtype=np.float64, na_value=0.0)
    groups = submissions["group"].fillna(submissions["item_code"]).to_numpy(dtype=object)
    group_codes = pd.factorize(groups[eligible])[0]
    order = np.lexsort((eligible, -points[eligible], group_codes, position[eligible]))
    ranked = eligible[order]
    key_pairs = np.stack([position[ranked], group_codes[order]])
    first = np.ones(len(ranked), dtype=bool)
    first[1:] = (key_pairs[:, 1:] != key_pairs[:, :-1]).any(axis=0)
    later = ranked[~first]
    why[later[pd.isna(why[later])]] = "same_group"  # "no_standard" says more: it stays
    counted = ranked[first]

    count = np.bincount(position[counted], minlength=n_students)
    total = np.bincount(position[counted], weights=points[counted], minlength=n_students)
    pending = np.bincount(position[on_roster & (state == "pending")], minlength=n_students)

    has_rule = rule_of >= 0
    rule_safe = np.where(has_rule, rule_of, 0)
    count_short = np.where(has_rule, np.maximum(rule_arrays["count"][rule_safe] - count, 0), 0)
    points_short = np.where(
        has_rule, np.maximum(rule_arrays["points"][rule_safe] - total, 0.0), 0.0
    )
    categories = submissions["category"].to_numpy(dtype=object)[counted]
    category_short = {}
    for category, minimum in rule_arrays["per_category"].items():
        have = np.bincount(position[counted][categories == category], minlength=n_students)
        category_short[category] = np.where(has_rule, np.maximum(minimum[rule_safe] - have, 0), 0)
    met = has_rule & (count_short == 0) & (points_short <= 1e-9)
    for short in category_short.values():
        met &= short == 0

    names = np.array([r.name for r in rules] + [None], dtype=object)
    per_student = pd.DataFrame(
        {
            "student_id": students["student_id"].to_numpy(),
            "standard": pd.Series(names[rule_of], dtype=object),
            "approved": count,
            "points": total,
            "pending": pending,
            "met": met,
            "missing": _missing_texts(has_rule, count_short, points_short, category_short),
        }
    )
    per_submission = pd.DataFrame(
        {
            "submission_id": submissions["submission_id"].to_numpy(),
            "counted": pd.isna(why),
            # Object dtype keeps None for "counts" (a str column would turn it into NaN).
            "why_not": pd.Series(why, dtype=object),
        }
    )
    return per_student, per_submission


def pick_rules(rules: Sequence[Rule], admission: np.ndarray, programs: np.ndarray) -> np.ndarray:
    """Return the position in RULES of each student's standard (-1 for none), all at once.

    The same rule as `standards.pick_rule` (the first that applies), over arrays of admission
    years and programs ("" for a student without one); a property test proves they agree.

    >>> rules = [Rule("new", 111), Rule("old", 100, 110, programs=("Day",))]
    >>> pick_rules(rules, np.array([112, 105, 105]), np.array(["", "Day", ""], dtype=object))
    array([ 0,  1, -1])
    """
    rule_of = np.full(len(admission), -1, dtype=np.int64)
    for index, rule in enumerate(rules):
        match = (rule_of == -1) & (admission >= rule.admission_from)
        if rule.admission_to is not None:
            match &= admission <= rule.admission_to
        if rule.programs is not None:
            match &= np.isin(programs, list(rule.programs))
        rule_of[match] = index
    return rule_of


def enrollment_statuses(
    exam: np.ndarray, admission: np.ndarray, exit_year: np.ndarray, current_year: int
) -> np.ndarray:
    """Return `years.enrollment_status` of many exam years at once.

    A NaN exam year is unknown (no status); a NaN exit year means still enrolled.

    >>> enrollment_statuses(np.array([110.0, 115, 113, np.nan]), np.array([111, 111, 108, 111]),
    ...                     np.array([np.nan, np.nan, 111, np.nan]), 114).tolist()
    ['before_enrollment', 'future_year', 'after_enrollment', None]
    """
    enrolled = np.isnan(exit_year)
    later = exam > np.where(enrolled, current_year, exit_year)
    out = np.full(len(exam), None, dtype=object)
    out[later & enrolled] = "future_year"
    out[later & ~enrolled] = "after_enrollment"
    out[exam < admission] = "before_enrollment"  # checked first in the scalar rule: set last
    return out


def _rule_arrays(rules: Sequence[Rule]) -> dict:
    """Return the rules' thresholds as arrays indexed by rule position (per category a dict)."""
    categories = sorted({c for r in rules for c in r.min_per_category})
    return {
        "during": np.array([r.during_enrollment for r in rules] + [False], dtype=bool),
        "count": np.array([r.min_count for r in rules] + [0], dtype=np.int64),
        "points": np.array([r.min_points for r in rules] + [0.0], dtype=np.float64),
        "per_category": {
            c: np.array([r.min_per_category.get(c, 0) for r in rules] + [0], dtype=np.int64)
            for c in categories
        },
    }


def _missing_texts(
    has_rule: np.ndarray,
    count_short: np.ndarray,
    points_short: np.ndarray,
    category_short: dict[str, np.ndarray],
) -> np.ndarray:
    """Return the plain-words shortfall of every student (worded once per distinct shortfall)."""
    keys = pd.DataFrame(
        {
            "rule": has_rule,
            "count": count_short,
            "points": np.round(points_short, 6),
            **{f"c{i}": v for i, v in enumerate(category_short.values())},
        }
    )
    codes, uniques = pd.MultiIndex.from_frame(keys).factorize()
    names = list(category_short)
    texts = np.array(
        [
            missing_text(key[1], key[2], dict(zip(names, key[3:], strict=True)))
            if key[0]
            else _(NO_STANDARD)
            for key in uniques
        ],
        dtype=object,
    )
    return texts[codes]


def missing_text(count_short: int, points_short: float, category_short: dict[str, int]) -> str:
    """Return what a student still needs, in plain words ("" when nothing).

    >>> missing_text(1, 2, {"Information": 1, "Language": 0})
    'needs 1 more certificate in Information; 2 more points'
    >>> missing_text(3, 0, {"Information": 1, "Language": 1})
    'needs 3 more certificates, including 1 in Information and 1 in Language'
    """
    parts = []
    short = {c: int(n) for c, n in category_short.items() if n > 0}
    needed = max(int(count_short), sum(short.values()))
    if needed:
        if not short:
            text = ngettext("{n} more certificate", "{n} more certificates", needed)
            parts.append(text.format(n=needed))
        elif len(short) == 1 and needed == sum(short.values()):
            text = ngettext(
                "{n} more certificate in {category}", "{n} more certificates in {category}", needed
            )
            parts.append(text.format(n=needed, category=next(iter(short))))
        else:
            including = _(" and ").join(
                _("{n} in {category}").format(n=n, category=c) for c, n in short.items()
            )
            text = ngettext(
                "{n} more certificate, including {including}",
                "{n} more certificates, including {including}",
                needed,
            )
            parts.append(text.format(n=needed, including=including))
    if points_short > 1e-9:
        text = ngettext("{points} more point", "{points} more points", int(points_short != 1) + 1)
        parts.append(text.format(points=f"{points_short:g}"))
    return _("needs {what}").format(what=_("; ").join(parts)) if parts else ""
