"""One upload entered at the office counter (late or e-mailed), through the intake of exports.

The office types what the student would have typed on the upload platform; the row then goes
through `intake_rows`, so its flags, copy checks and stored file are those of any import.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath

from sqlalchemy import select

from certreview.images.inspect import ImageReport
from certreview.images.limits import MAX_BYTES, oversize_message
from certreview.images.pool import inspect_source
from certreview.images.sources import ImageSource, ImageTooLarge, MissingImage
from certreview.ingest.recheck import references
from certreview.ingest.report import IntakeResult
from certreview.ingest.submissions import IntakeOptions, default_round_name, intake_rows
from certreview.reports.exports import round_names
from certreview.rules.catalog import split_aliases
from certreview.rules.eligibility import StudentFacts
from certreview.rules.flags import Assessment, assess_row
from certreview.rules.normalise import normalise_id, text_key
from certreview.rules.standards import Rule, pick_rule
from certreview.rules.years import academic_year, enrollment_years
from certreview.store.models import CatalogItem, ImportLog, Round
from certreview.workspace import Workspace

UNLISTED = ""  # the category/certificate of an unlisted certificate is typed, not chosen


@dataclass(frozen=True)
class CatalogChoice:
    """One catalog item as the counter offers it."""

    code: str
    category: str
    name: str
    level: str | None
    points: float
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class RoundChoice:
    """A round the upload can go into, with its cutoff (uploads after it are late)."""

    name: str
    cutoff: datetime | None


@dataclass(frozen=True)
class Window:
    """The enrollment rule of one student: which exam years count under their standard."""

    rule: Rule | None
    first: int
    last: int


@dataclass(frozen=True)
class CounterEntry:
    """What the office typed and received for one upload."""

    student_id: str
    student_name: str  # the roster name the office confirmed
    category: str
    certificate_name: str
    exam_year: str
    file_name: str
    data: bytes
    received_at: datetime  # when the student sent it: decides `late`


class MemorySource(ImageSource):
    """Files held in memory (an upload from the browser), read like an images folder."""

    def __init__(self, files: dict[str, bytes], max_bytes: int = MAX_BYTES) -> None:
        super().__init__(Path("upload"), max_bytes)
        self.files = dict(files)

    def names(self) -> list[str]:
        """Return the names of the files, sorted."""
        return sorted(self.files)

    def read(self, relative: str) -> bytes:
        """Return the bytes of one file (refused, unread, when over the byte limit)."""
        if relative not in self.files:
            raise MissingImage(f"No file “{relative}” was uploaded")
        data = self.files[relative]
        if len(data) > self.max_bytes:
            raise ImageTooLarge(oversize_message(len(data), self.max_bytes))
        return data


def safe_file_name(name: str) -> str:
    """Return the last part of an uploaded file's name (browsers may send a path).

    >>> safe_file_name("C:\\\\Users\\\\amy\\\\IMG_0001.HEIC"), safe_file_name(" ")
    ('IMG_0001.HEIC', 'upload')
    """
    last = PurePosixPath(name.replace("\\", "/")).name.strip()
    return last if last not in {"", ".", ".."} else "upload"


def counter_row(entry: CounterEntry, submission_id: str) -> dict[str, str]:
    """Return ENTRY as a row of the upload platform's export."""
    return {
        "submission_id": submission_id,
        "submitted_at": f"{entry.received_at:%Y-%m-%d %H:%M:%S}",
        "student_id": entry.student_id,
        "student_name": entry.student_name,
        "category": entry.category,
        "certificate_name": entry.certificate_name,
        "exam_year": entry.exam_year,
        "image": safe_file_name(entry.file_name),
    }


def new_submission_id(now: datetime) -> str:
    """Return a fresh ID for a counter upload, e.g. 'counter-20260601-101500-3fa2'."""
    return f"counter-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


class CounterService:
    """What the counter page asks of the library; every call is one short transaction."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def __repr__(self) -> str:
        return f"CounterService({self.workspace.settings.data_dir!s})"

    def student(self, text: str) -> StudentFacts | None:
        """Return the roster student of an ID typed in any width or case, or None."""
        key = normalise_id(text)
        with self.workspace.Session() as session:
            roster, _, _ = references(session)
        return roster.get(key) if key else None

    def catalog(self, text: str = "") -> list[CatalogChoice]:
        """Return the catalog items whose name, code, category or alias contains TEXT."""
        wanted = text_key(text)
        with self.workspace.Session() as session:
            items = session.scalars(
                select(CatalogItem).order_by(CatalogItem.category, CatalogItem.code)
            )
            choices = [
                CatalogChoice(
                    c.code, c.category, c.name, c.level, c.points, split_aliases(c.aliases)
                )
                for c in items
            ]
        return [
            c
            for c in choices
            if any(wanted in text_key(t) for t in (c.code, c.category, c.name, *c.aliases))
        ]

    def rounds(self, today: date | None = None) -> list[RoundChoice]:
        """Return the rounds to choose from: the current (newest with uploads) first."""
        with self.workspace.Session() as session:
            names = round_names(session)
            this_year = default_round_name(today)
            if this_year not in names:
                names.append(this_year)
            cutoffs = dict(session.execute(select(Round.name, Round.cutoff)).all())
        return [RoundChoice(n, cutoffs.get(n)) for n in names]

    def window(self, student: StudentFacts, today: date | None = None) -> Window:
        """Return the exam years that count for STUDENT under their standard's rule."""
        with self.workspace.Session() as session:
            _, _, rules = references(session)
        years = enrollment_years(
            student.admission_year, student.exit_year, academic_year(today or date.today())
        )
        rule = pick_rule(rules, student.admission_year, student.program)
        return Window(rule, years.start, years.stop - 1)

    def check(self, data: bytes) -> ImageReport:
        """Return what intake will make of DATA (the same checks, nothing stored)."""
        return inspect_source(data)

    def preview(self, entry: CounterEntry, round_name: str) -> Assessment:
        """Return the flags the typed data will earn in ROUND_NAME, before anything is saved."""
        with self.workspace.Session() as session:
            roster, matcher, rules = references(session)
            cutoff = session.scalar(select(Round.cutoff).where(Round.name == round_name))
        row = counter_row(entry, "preview")
        return assess_row(row, roster, matcher, rules, cutoff=cutoff, today=date.today())

    def save(self, entry: CounterEntry, round_name: str, entered_by: str) -> IntakeResult:
        """Store ENTRY in ROUND_NAME through the intake of exports; return its intake report."""
        now = datetime.now()
        row = counter_row(entry, new_submission_id(now))
        source = MemorySource({row["image"]: entry.data})
        options = IntakeOptions(round_name=round_name, workers=1)
        with self.workspace.Session.begin() as session:
            result = intake_rows(session, self.workspace.store, source, [(1, row)], options)
            session.add(
                ImportLog(
                    kind="counter",
                    source=f"counter: {row['image']} entered by {entered_by}",
                    imported_at=now,
                    counts=result.counts(),
                )
            )
        return result
