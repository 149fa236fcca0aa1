"""The SQL of the review grid: one select per page of cards, filter conditions, search and counts."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from certreview.review.evidence import EVIDENCE_COLUMNS, evidence_condition
from certreview.review.values import (
    ALL,
    CLEAN,
    STATUS_CHOICES,
    VERDICT_OF_STATE,
    Filters,
    Option,
    Partner,
)
from certreview.rules.contract import STATES
from certreview.rules.normalise import name_key, normalise_id
from certreview.store.decisions import effective_item, join_latest_decision, latest_decision_id
from certreview.store.models import (
    CatalogItem,
    Decision,
    ImageEvidence,
    ImageFile,
    ImageMatch,
    Round,
    Student,
    Submission,
)


def source(stmt: Select[Any]) -> Select[Any]:
    # Roster, latest decision and catalog joins are index lookups: cheap, and filters need them.
    # The catalog item is the effective one, so a card, its filter and its count agree.
    return join_latest_decision(
        stmt.select_from(Submission).outerjoin(Student, Student.student_id == Submission.student_id)
    ).outerjoin(CatalogItem, CatalogItem.code == effective_item())


@cache  # a statement is immutable; building this one took longer than running it
def card_select() -> Select[Any]:
    return (
        source(
            select(
                Submission.id,
                Submission.submission_id,
                Round.name.label("round_name"),
                Submission.student_id_text,
                Submission.student_name_text,
                Submission.student_key,
                Submission.student_id,
                Student.name.label("roster_name"),
                Submission.category_text,
                Submission.certificate_name_text,
                Submission.exam_year_text,
                Submission.exam_year,
                effective_item().label("item_code"),
                CatalogItem.name.label("item_name"),
                CatalogItem.category.label("item_category"),
                CatalogItem.points.label("item_points"),
                Submission.flags,
                Submission.image_sha256,
                ImageFile.pages,
                ImageFile.format.label("file_format"),
                Decision.id.label("d_id"),
                Decision.verdict.label("d_verdict"),
                Decision.reason.label("d_reason"),
                Decision.note.label("d_note"),
                Decision.item_code.label("d_item"),
                Decision.reviewer.label("d_reviewer"),
                Decision.decided_at.label("d_at"),
                Decision.undoes_id.label("d_undoes"),
                *EVIDENCE_COLUMNS,
            )
        )
        .join(Round, Round.id == Submission.round_id)
        .outerjoin(ImageFile, ImageFile.sha256 == Submission.image_sha256)
        .outerjoin(ImageEvidence, ImageEvidence.submission_pk == Submission.id)
    )


@lru_cache(maxsize=32)  # one per view: building it took longer than the count it serves
def verdict_expr(as_of: int | None) -> ColumnElement[str]:
    """Return the latest verdict of each submission (as of a decision id), 'pending' if none."""
    # An alias: the enclosing query joins the (current) latest Decision under its own name.
    seen = aliased(Decision)
    sub = (
        select(seen.verdict)
        .where(seen.id == latest_decision_id(as_of))
        .correlate(Submission)
        .scalar_subquery()
    )
    # A literal, not a bound parameter: PostgreSQL must see the same text in GROUP BY.
    return func.coalesce(sub, literal_column("'pending'"))


def category_expr() -> ColumnElement[str]:
    # The matched item's category when there is one, else what the student picked.
    return func.coalesce(CatalogItem.category, Submission.category_text)


def has_flag(flag: str) -> ColumnElement[bool]:
    padded = literal(";").concat(Submission.flags).concat(";")
    return padded.contains(f";{flag};", autoescape=True)


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def conditions(s: Session, f: Filters) -> dict[str, ColumnElement[bool]]:
    """Return one SQL condition per active filter, keyed by the filter's name."""
    # Only a submission's newest version is reviewed; older ones show in its history.
    out: dict[str, ColumnElement[bool]] = {"live": Submission.live}
    if f.round_id is not None:
        out["round"] = Submission.round_id == f.round_id
    if f.status != ALL:
        if f.status not in STATES:
            raise ValueError(f"unknown status {f.status!r}: use one of {', '.join(STATUS_CHOICES)}")
        out["status"] = verdict_expr(f.as_of) == VERDICT_OF_STATE[f.status]
    if f.flag == CLEAN:
        out["flag"] = Submission.flags == ""
    elif f.flag:
        out["flag"] = has_flag(f.flag)
    if f.category is not None:
        out["category"] = category_expr() == f.category
    if f.item is not None:
        out["item"] = effective_item() == f.item
    if f.program is not None:
        out["program"] = Student.program == f.program
    if f.class_name is not None:
        out["class_name"] = Student.class_name == f.class_name
    if f.cohort is not None:
        out["cohort"] = Student.admission_year == f.cohort
    if f.search.strip():
        out["search"] = search_condition(s, f.search, f.search_names)
    if f.evidence:
        out["evidence"] = evidence_condition(f.evidence)
    return out


def search_condition(
    s: Session, text: str, names: tuple[tuple[str, ...], tuple[str, ...]] | None = None
) -> ColumnElement[bool]:
    """Return the condition for a student ID (part), a name, or a certificate's name or alias.

    NAMES are `matching_names` found before (a view's); without them they are found now.
    """
    text = text.strip()
    conditions: list[ColumnElement[bool]] = [Submission.submission_id == text]
    # The typed certificate and the effective catalog item's name and aliases, any case.
    words = unicodedata.normalize("NFKC", text).lower()
    for column in (Submission.certificate_name_text, CatalogItem.name, CatalogItem.aliases):
        conditions.append(func.lower(column).contains(words, autoescape=True))
    key = normalise_id(text)
    if key:
        conditions.append(Submission.student_key.contains(key, autoescape=True))
    typed, roster = matching_names(s, text) if names is None else names
    if typed:
        conditions.append(Submission.student_name_text.in_(typed))
    if roster:
        conditions.append(Submission.student_id.in_(roster))
    return or_(*conditions) if conditions else false()


def matching_names(s: Session, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the typed names and the roster IDs whose names contain TEXT (as name keys)."""
    wanted = name_key(text.strip())
    if not wanted:
        return (), ()
    # Names are stored as typed; compare their keys in Python (a few thousand at most).
    typed = tuple(
        n
        for n in s.scalars(select(Submission.student_name_text).distinct())
        if wanted in name_key(n)
    )
    roster = tuple(
        sid
        for sid, n in s.execute(select(Student.student_id, Student.name))
        if wanted in name_key(n)
    )
    return typed, roster


COPY_FLAGS = ("shared_image", "duplicate_image")


def copy_partners(s: Session, pks: Collection[int]) -> dict[int, list[int]]:
    """Return, per submission of PKS flagged as a copy, the other uploads of the same picture.

    The other uploads are those flagged as copies with the same file (sha256) or with a file
    intake judged to show the same certificate (an `ImageMatch` pair).
    """
    rows = s.execute(
        select(Submission.id, Submission.image_sha256)
        .where(or_(*(has_flag(f) for f in COPY_FLAGS)), Submission.image_sha256.is_not(None))
        .order_by(Submission.id)
    ).all()
    wanted = set(pks)
    mine = {sha for pk, sha in rows if pk in wanted}
    linked: dict[str, set[str]] = {sha: {sha} for sha in mine}
    if mine:
        for a, b in s.execute(
            select(ImageMatch.sha_a, ImageMatch.sha_b).where(
                or_(ImageMatch.sha_a.in_(mine), ImageMatch.sha_b.in_(mine))
            )
        ):
            linked.setdefault(a, {a}).add(b)
            linked.setdefault(b, {b}).add(a)
    return {
        pk: [other for other, other_sha in rows if other != pk and other_sha in linked[sha]]
        for pk, sha in rows
        if pk in wanted
    }


def partners_of(s: Session, rows: Iterable[Any]) -> dict[int, tuple[Partner, ...]]:
    """Return who else uploaded the image of each `card_select` row flagged as a copy."""
    flagged = [r.id for r in rows if any(f in r.flags.split(";") for f in COPY_FLAGS)]
    if not flagged:
        return {}  # the common page: no extra query
    pairs = copy_partners(s, flagged)
    wanted = {p for found in pairs.values() for p in found}
    people = {
        pk: Partner(pk, sid, who or key, name or typed)
        for pk, sid, who, key, name, typed in s.execute(
            select(
                Submission.id,
                Submission.submission_id,
                Submission.student_id,
                Submission.student_key,
                Student.name,
                Submission.student_name_text,
            )
            .outerjoin(Student, Student.student_id == Submission.student_id)
            .where(Submission.id.in_(wanted))
        )
    }
    return {pk: tuple(people[p] for p in found if p in people) for pk, found in pairs.items()}


def facet(rows: Iterable[Any], all_label: str) -> list[Option]:
    counts = [(v, n) for v, n in rows]
    total = sum(n for _, n in counts)
    present = sorted(((v, n) for v, n in counts if v is not None), key=lambda vn: str(vn[0]))
    return [Option(None, all_label, total)] + [Option(v, str(v), n) for v, n in present]
