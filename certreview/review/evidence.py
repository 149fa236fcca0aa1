"""What the image says beside what was typed, for the review: answers, filters, highlighted boxes."""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from certreview.i18n import N_, _
from certreview.rules.evidence import AGREES, ASPECTS, DISAGREES
from certreview.store.models import CatalogItem, ImageEvidence, ImageReading, Student, Submission

# The "Image" filter's choices (None: any).
IMAGE_DISAGREES = "disagrees"
IMAGE_AGREES = "agrees"
IMAGE_UNREAD = "unread"
IMAGE_CHOICES = {
    IMAGE_DISAGREES: N_("image disagrees"),
    IMAGE_AGREES: N_("all three agree"),
    IMAGE_UNREAD: N_("not read yet"),
}
Box = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class EvidenceInfo:
    """The three answers of one upload's image, what it shows instead, and where."""

    name: str
    certificate: str
    year: str
    named_student: str | None = None  # roster ID the image names instead
    named_name: str | None = None
    shown_item: str | None = None
    shown_item_name: str | None = None
    shown_year: int | None = None
    holder: str | None = None  # the holder's name as read
    number: str | None = None  # the certificate number as read
    boxes: tuple[tuple[str, Box], ...] = ()  # (aspect, box as fractions of the page)

    @property
    def all_agree(self) -> bool:
        return all(getattr(self, a) == AGREES for a in ASPECTS)

    @property
    def disagrees(self) -> bool:
        return any(getattr(self, a) == DISAGREES for a in ASPECTS)


# What a card shows of the evidence, read with the card in its one query.
EVIDENCE_COLUMNS = (
    ImageEvidence.name.label("ev_name"),
    ImageEvidence.certificate.label("ev_certificate"),
    ImageEvidence.year.label("ev_year"),
    ImageEvidence.named_student.label("ev_named"),
    ImageEvidence.shown_item.label("ev_item"),
    ImageEvidence.shown_year.label("ev_year_shown"),
)


def evidence_in(row: Any) -> EvidenceInfo | None:
    """Return the evidence held by a row of `queries.card_select` (None before it is read)."""
    if row.ev_name is None:
        return None
    return EvidenceInfo(
        row.ev_name,
        row.ev_certificate,
        row.ev_year,
        named_student=row.ev_named,
        shown_item=row.ev_item,
        shown_year=row.ev_year_shown,
    )


def _disagrees() -> ColumnElement[bool]:
    return or_(*(getattr(ImageEvidence, a) == DISAGREES for a in ASPECTS))


def evidence_condition(choice: str) -> ColumnElement[bool]:
    """Return the SQL condition of one choice of the "Image" filter."""
    mine = ImageEvidence.submission_pk == Submission.id
    if choice == IMAGE_DISAGREES:
        return exists().where(mine, _disagrees())
    if choice == IMAGE_AGREES:
        return exists().where(mine, *(getattr(ImageEvidence, a) == AGREES for a in ASPECTS))
    if choice == IMAGE_UNREAD:
        return ~exists().where(mine)
    raise ValueError(f"unknown image filter {choice!r}: use one of {', '.join(IMAGE_CHOICES)}")


def evidence_counts(
    s: Session, source: Callable[[Select[Any]], Select[Any]], where: Sequence[ColumnElement[bool]]
) -> dict[str, int]:
    """Return how many submissions under WHERE fall under each choice of the "Image" filter.

    SOURCE adds the joins the review's conditions need (`queries.source`).
    """
    agree = and_(*(getattr(ImageEvidence, a) == AGREES for a in ASPECTS))
    row = s.execute(
        source(select(func.count(), func.count(ImageEvidence.submission_pk)))
        .outerjoin(ImageEvidence, ImageEvidence.submission_pk == Submission.id)
        .where(*where)
    ).one()
    total, read = int(row[0] or 0), int(row[1] or 0)
    disagree = s.scalar(
        source(select(func.count()))
        .join(ImageEvidence, ImageEvidence.submission_pk == Submission.id)
        .where(*where, _disagrees())
    )
    agreeing = s.scalar(
        source(select(func.count()))
        .join(ImageEvidence, ImageEvidence.submission_pk == Submission.id)
        .where(*where, agree)
    )
    return {
        "": total,
        IMAGE_DISAGREES: int(disagree or 0),
        IMAGE_AGREES: int(agreeing or 0),
        IMAGE_UNREAD: total - read,
    }


def evidence_options(counts: dict[str, int]) -> list[tuple[str | None, str, int]]:
    """Return the choices of the "Image" filter as (value, label, count)."""
    return [(None, _("any image"), counts[""])] + [
        (choice, _(label), counts[choice]) for choice, label in IMAGE_CHOICES.items()
    ]


def evidence_of(s: Session, pks: Collection[int]) -> dict[int, EvidenceInfo]:
    """Return the evidence of the submissions PKS that have been read."""
    if not pks:
        return {}
    rows = s.execute(
        select(ImageEvidence, ImageReading, Student.name, CatalogItem.name)
        .join(Submission, Submission.id == ImageEvidence.submission_pk)
        .join(ImageReading, ImageReading.sha256 == Submission.image_sha256)
        .outerjoin(Student, Student.student_id == ImageEvidence.named_student)
        .outerjoin(CatalogItem, CatalogItem.code == ImageEvidence.shown_item)
        .where(ImageEvidence.submission_pk.in_(list(pks)))
    ).all()
    out = {}
    for ev, reading, named_name, item_name in rows:
        boxes = tuple(
            (aspect, tuple((float(x), float(y)) for x, y in reading.lines[i][1]))
            for aspect, numbers in (ev.lines or {}).items()
            for i in numbers
            if 0 <= i < len(reading.lines)
        )
        out[ev.submission_pk] = EvidenceInfo(
            ev.name,
            ev.certificate,
            ev.year,
            ev.named_student,
            named_name,
            ev.shown_item,
            item_name,
            ev.shown_year,
            reading.holder_name,
            reading.certificate_no,
            boxes,
        )
    return out


COLOURS = {"name": (25, 118, 210), "certificate": (46, 125, 50), "year": (237, 108, 2)}


def highlight(jpeg: bytes, boxes: Sequence[tuple[str, Box]]) -> bytes:
    """Return JPEG with each box outlined in its aspect's colour (name blue, certificate green, year orange)."""
    from PIL import Image, ImageDraw

    with Image.open(io.BytesIO(jpeg)) as im:
        im = im.convert("RGB")
    draw = ImageDraw.Draw(im)
    w, h = im.size
    width = max(2, min(w, h) // 200)
    for aspect, box in boxes:
        xs = [x * w for x, _ in box]
        ys = [y * h for _, y in box]
        pad = width * 2
        draw.rectangle(
            (min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad),
            outline=COLOURS.get(aspect, (200, 0, 0)),
            width=width,
        )
    out = io.BytesIO()
    im.save(out, "JPEG", quality=88)
    return out.getvalue()
