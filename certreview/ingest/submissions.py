"""Import the upload platform's submissions export: keep every row, flag what is not clean."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from certreview.images.neardup import same_picture, thumbnail_array
from certreview.images.phash import NEAR_DUPLICATE_DISTANCE
from certreview.images.pool import inspect_many
from certreview.images.sources import (
    ImageSourceError,
    ImageTooLarge,
    MissingImage,
    UnsafePath,
    open_source,
)
from certreview.ingest.read_table import read_table
from certreview.reports.write_table import write_table
from certreview.rules.catalog import CatalogMatcher, Entry, split_aliases
from certreview.rules.cells import is_too_long
from certreview.rules.contract import FLAGS
from certreview.rules.flags import REQUIRED_FIELDS, Assessment, StudentFacts, assess_row, ordered
from certreview.rules.normalise import is_blank, normalise_id
from certreview.rules.standards import Rule
from certreview.rules.years import academic_year, parse_datetime
from certreview.store.imagestore import MAX_UNREADABLE_BYTES, ImageStore, UnreadableAllowance
from certreview.store.load import load_rules
from certreview.store.models import (
    CatalogItem,
    ImageFile,
    ImportLog,
    Round,
    Student,
    Submission,
)

OPTIONAL_FIELDS = ("exam_date", "certificate_no", "issuer")
REPORT_COLUMNS = ("row", "submission_id", "student_id", "status", "flags")
_SOURCE_FLAGS: dict[type[ImageSourceError], str] = {
    UnsafePath: "unsafe_path",
    MissingImage: "missing_image",
    ImageTooLarge: "image_too_large",
}


@dataclass(frozen=True)
class ReportRow:
    """One line of the intake report, as the contract names its columns."""

    row: int
    submission_id: str
    student_id: str
    status: str  # accepted | flagged | skipped
    flags: str


@dataclass
class IntakeResult:
    """What an import of submissions did, row by row."""

    round_name: str
    rows: list[ReportRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Return how many rows were accepted, flagged and skipped."""
        out = {"accepted": 0, "flagged": 0, "skipped": 0}
        for r in self.rows:
            out[r.status] += 1
        return out

    def flag_counts(self) -> dict[str, int]:
        """Return how many imported rows carry each flag."""
        out: dict[str, int] = {}
        for r in self.rows:
            for f in filter(None, r.flags.split(";")):
                out[f] = out.get(f, 0) + 1
        return out

    def summary(self) -> str:
        """Return one line such as 'submissions (AY115): 3 accepted, 2 flagged, 0 skipped'."""
        counts = self.counts()
        if counts["skipped"] and not counts["accepted"] and not counts["flagged"]:
            return f"submissions: nothing new — all {counts['skipped']} rows were imported before"
        return f"submissions ({self.round_name}): " + ", ".join(
            f"{n} {k}" for k, n in counts.items()
        )

    def write_report(self, path: Path) -> None:
        """Write the intake report to PATH (.csv or .xlsx) through the safe, atomic table writer."""
        rows = [(r.row, r.submission_id, r.student_id, r.status, r.flags) for r in self.rows]
        write_table({"report": pd.DataFrame(rows, columns=list(REPORT_COLUMNS))}, path)


def default_round_name(today: date | None = None) -> str:
    """Return the name of this academic year's unified review, e.g. 'AY115'."""
    return f"AY{academic_year(today or date.today())}"


def parse_cutoff(text: str) -> datetime:
    """Return the last moment of a cutoff given as a date (inclusive) or a date and time."""
    moment = parse_datetime(text)
    if moment is None:
        raise ValueError(f"cutoff {text!r} is not a date — write it as YYYY-MM-DD")
    if len(text.strip()) <= 10:  # a bare date: uploads during that whole day are on time
        return datetime.combine(moment.date(), time.max)
    return moment


def get_round(session: Session, name: str, cutoff: datetime | None = None) -> Round:
    """Return the review round NAME, creating it (or setting its cutoff) as needed."""
    found = session.scalars(select(Round).where(Round.name == name)).first()
    if found is None:
        found = Round(name=name, cutoff=cutoff, created_at=datetime.now())
        session.add(found)
        session.flush()
    elif cutoff is not None:
        found.cutoff = cutoff
    return found


def import_submissions(
    session: Session,
    store: ImageStore,
    path: Path,
    images: Path,
    *,
    round_name: str | None = None,
    cutoff: datetime | None = None,
    today: date | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    max_unreadable_bytes: int = MAX_UNREADABLE_BYTES,
) -> IntakeResult:
    """Import a submissions export with its images folder or ZIP, and return the report.

    Files that do not open as pictures are kept only up to `max_unreadable_bytes` per import;
    beyond that their rows are still imported and flagged, without the file.
    """
    table = read_table(path, REQUIRED_FIELDS, OPTIONAL_FIELDS, kind="submissions")
    name = round_name or default_round_name(today)
    round_ = session.scalars(select(Round).where(Round.name == name)).first()
    if round_ is None or cutoff is not None:
        round_ = get_round(session, name, cutoff)
    result = IntakeResult(
        round_.name,
        notes=[
            *table.notes,
            *(f"{Path(path).name} line {n}: {why} — row not read" for n, why in table.unread),
        ],
    )
    roster, matcher, rules = _references(session)
    known_ids = set(session.scalars(select(Submission.submission_id)))
    now = datetime.now()

    new: list[tuple[int, Submission, set[str]]] = []
    allowance = UnreadableAllowance(store, max_unreadable_bytes)
    with open_source(Path(images)) as source:
        for line, row in zip(table.line_numbers, table.rows, strict=True):
            submission_id = row["submission_id"].strip() or _row_key(row)
            if is_too_long(submission_id, "submission_id"):
                # A cut ID could equal another cut ID: the whole row tells them apart.
                submission_id = _row_key(row)
            if submission_id in known_ids:
                key = normalise_id(row["student_id"])
                result.rows.append(ReportRow(line, submission_id, key, "skipped", ""))
                continue
            known_ids.add(submission_id)
            verdict = assess_row(
                row, roster, matcher, rules, cutoff=round_.cutoff, today=today or now.date()
            )
            submission = _submission(row, submission_id, line, round_, now, verdict)
            flags = set(verdict.flags)
            if not is_blank(row["image"]):
                try:
                    sha, refusal = allowance.put(source.read(row["image"].strip()))
                except ImageSourceError as exc:
                    sha, refusal = None, None
                    flags.add(_SOURCE_FLAGS.get(type(exc), "unreadable_image"))
                    submission.image_note = str(exc)
                submission.image_sha256 = sha
                if refusal is not None:
                    flags.add("unreadable_image")
                    submission.image_note = refusal
            submission.notes = "\n".join(verdict.notes)
            new.append((line, submission, flags))

    if not new and not session.scalar(
        select(func.count()).select_from(Submission).where(Submission.round_id == round_.id)
    ):
        session.delete(round_)  # everything was there already: no empty round to open in May
    _inspect_new_images(session, store, {s.image_sha256 for _, s, _ in new}, workers, progress)
    _flag_images(session, store, new)
    for line, submission, flags in new:
        submission.flags = ";".join(ordered(flags))
        session.add(submission)
        result.rows.append(
            ReportRow(
                line,
                submission.submission_id,
                submission.student_key,
                "flagged" if flags else "accepted",
                submission.flags,
            )
        )
    result.rows.sort(key=lambda r: r.row)
    session.add(
        ImportLog(kind="submissions", source=str(path), imported_at=now, counts=result.counts())
    )
    session.flush()
    return result


def _references(
    session: Session,
) -> tuple[dict[str, StudentFacts], CatalogMatcher, list[Rule]]:
    """Return what a row is checked against: the roster, the catalog and the standards."""
    roster = {
        s.student_id: StudentFacts(
            s.student_id, s.admission_year, s.program, s.exit_year, s.name, s.class_name, s.status
        )
        for s in session.scalars(select(Student))
    }
    matcher = CatalogMatcher(
        Entry(c.code, c.category, c.name, split_aliases(c.aliases))
        for c in session.scalars(select(CatalogItem))
    )
    return roster, matcher, load_rules(session)


# Flags that come from the file, not from the typed data: re-checking the data keeps them.
FILE_FLAGS = frozenset(
    {
        "missing_image",
        "unreadable_image",
        "image_too_large",
        "unsafe_path",
        "duplicate_image",
        "shared_image",
    }
)


def reassess(session: Session, submissions: Iterable[Submission] | None = None) -> int:
    """Check stored submissions again against today's roster, catalog and standards.

    The typed fields stay as the student wrote them; the matched student, catalog item and
    exam year, the data flags and the notes are recomputed (file flags stay). Return how many
    submissions changed. Run after a roster, catalog or standards import, so an upload made
    before its student was on the roster is linked once the student is.
    """
    roster, matcher, rules = _references(session)
    if submissions is None:
        submissions = session.scalars(select(Submission).options(selectinload(Submission.round)))
    changed = 0
    for sub in submissions:
        verdict = assess_row(
            _typed_row(sub),
            roster,
            matcher,
            rules,
            cutoff=sub.round.cutoff,
            today=sub.imported_at.date(),
        )
        values = {
            "student_id": verdict.student_id,
            "item_code": verdict.item_code,
            "exam_year": verdict.exam_year,
            "flags": ";".join(ordered(verdict.flags | (set(sub.flag_list) & FILE_FLAGS))),
            "notes": "\n".join(verdict.notes),
        }
        if any(getattr(sub, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(sub, key, value)
            changed += 1
    session.flush()
    return changed


def _typed_row(sub: Submission) -> dict[str, str]:
    return {
        # A row that came without an ID got a made-up one; it still lacks its own.
        "submission_id": "" if sub.submission_id.startswith("row-") else sub.submission_id,
        "submitted_at": sub.submitted_at_text,
        "student_id": sub.student_id_text,
        "student_name": sub.student_name_text,
        "category": sub.category_text,
        "certificate_name": sub.certificate_name_text,
        "exam_year": sub.exam_year_text,
        "image": sub.image_text,
        "exam_date": sub.exam_date_text or "",
    }


def _row_key(row: dict[str, str]) -> str:
    # A row without an ID still gets a stable one, so re-importing it adds nothing.
    digest = hashlib.sha1("\x1f".join(row[k] for k in sorted(row)).encode()).hexdigest()
    return f"row-{digest[:12]}"


def _submission(
    row: dict[str, str],
    submission_id: str,
    line: int,
    round_: Round,
    now: datetime,
    verdict: Assessment,
) -> Submission:
    return Submission(
        submission_id=submission_id,
        round=round_,
        row=line,
        imported_at=now,
        submitted_at_text=row["submitted_at"],
        student_id_text=row["student_id"],
        student_name_text=row["student_name"],
        category_text=row["category"],
        certificate_name_text=row["certificate_name"],
        exam_year_text=row["exam_year"],
        image_text=row["image"],
        exam_date_text=row.get("exam_date") or None,
        certificate_no=row.get("certificate_no") or None,
        issuer=row.get("issuer") or None,
        submitted_at=verdict.submitted_at,
        student_key=verdict.student_key,
        student_id=verdict.student_id,
        exam_year=verdict.exam_year,
        item_code=verdict.item_code,
    )


def _inspect_new_images(
    session: Session,
    store: ImageStore,
    shas: set[str | None],
    workers: int | None,
    progress: Callable[[int, int], None] | None,
) -> None:
    wanted = sorted(s for s in shas if s)
    known = {
        f.sha256: f for f in session.scalars(select(ImageFile).where(ImageFile.sha256.in_(wanted)))
    }
    # A file checked while its stored copy was damaged (a crash left it empty) is checked again.
    todo = [sha for sha in wanted if sha not in known or sha in store.repaired]
    items = [(sha, store.original_path(sha)) for sha in todo]
    for sha, report in inspect_many(items, workers=workers, progress=progress):
        if report.thumbnail is not None:
            store.save_thumbnail(sha, report.thumbnail)
        image = known.get(sha) or ImageFile(sha256=sha)
        image.byte_size = store.original_path(sha).stat().st_size
        image.format = report.format
        image.width = report.width
        image.height = report.height
        image.pixels = report.pixels
        image.pages = report.pages
        image.phash = report.phash
        image.flag = report.flag
        image.message = report.message
        session.add(image)
        store.repaired.discard(sha)
    session.flush()


def _flag_images(
    session: Session, store: ImageStore, new: list[tuple[int, Submission, set[str]]]
) -> None:
    """Add image flags: unreadable or too large, and copies of earlier uploads."""
    shas = {s.image_sha256 for _, s, _ in new if s.image_sha256}
    files = {
        f.sha256: f for f in session.scalars(select(ImageFile).where(ImageFile.sha256.in_(shas)))
    }
    earlier = session.execute(
        select(Submission, ImageFile)
        .join(ImageFile, Submission.image_sha256 == ImageFile.sha256)
        .order_by(Submission.id)
    ).all()
    pending = {id(s): flags for _, s, flags in new}
    seen = _Seen(store)
    for old, image in earlier:
        if not image.flag:
            seen.add(old, image)
    for _, submission, flags in new:
        image = files.get(submission.image_sha256 or "")
        if image is None:
            continue
        if image.flag:
            # A file nobody can read is not a copy of anything: empty files all share one hash.
            flags.add(image.flag)
            submission.image_note = image.message
            continue
        for match in seen.matches(image):
            if match.student_key == submission.student_key:
                flags.add("duplicate_image")
            else:
                flags.add("shared_image")
                # The earlier upload is just as suspect: the office must see both sides.
                if id(match) in pending:
                    pending[id(match)].add("shared_image")
                else:
                    match.flags = ";".join(ordered({*match.flag_list, "shared_image"}))
        seen.add(submission, image)


class _Seen:
    """Earlier uploads, searchable by content hash and by perceptual hash, checked by eye."""

    def __init__(self, store: ImageStore) -> None:
        self.store = store
        self.by_sha: dict[str, list[Submission]] = {}
        self.entries: list[tuple[Submission, ImageFile]] = []
        self.hashes: list[int] = []
        self._array: np.ndarray | None = None
        self._thumbs: dict[str, np.ndarray | None] = {}

    def add(self, submission: Submission, image: ImageFile) -> None:
        self.by_sha.setdefault(image.sha256, []).append(submission)
        if image.phash:
            self.entries.append((submission, image))
            self.hashes.append(int(image.phash, 16))
            self._array = None

    def matches(self, image: ImageFile) -> list[Submission]:
        """Return earlier submissions of the same file or, after a pixel check, the same picture."""
        found = {id(s): s for s in self.by_sha.get(image.sha256, [])}
        if image.phash and self.hashes:
            if self._array is None:
                self._array = np.array(self.hashes, dtype=np.uint64)
            distance = np.bitwise_count(self._array ^ np.uint64(int(image.phash, 16)))
            for i in np.flatnonzero(distance <= NEAR_DUPLICATE_DISTANCE):
                other, other_image = self.entries[i]
                if id(other) not in found and self._same_picture(image, other_image):
                    found[id(other)] = other
        return list(found.values())

    def _same_picture(self, a: ImageFile, b: ImageFile) -> bool:
        if a.sha256 == b.sha256:
            return True
        ta, tb = self._thumb(a.sha256), self._thumb(b.sha256)
        if ta is None or tb is None or not (a.width and a.height and b.width and b.height):
            return True  # nothing to compare: the perceptual hash decides
        verdict = same_picture(ta, (a.width, a.height), tb, (b.width, b.height))
        return True if verdict is None else verdict

    def _thumb(self, sha: str) -> np.ndarray | None:
        if sha not in self._thumbs:
            jpeg = self.store.thumbnail(sha)
            self._thumbs[sha] = thumbnail_array(jpeg) if jpeg else None
        return self._thumbs[sha]


def report_frame(session: Session, round_name: str | None = None) -> pd.DataFrame:
    """Return the stored submissions as intake-report rows (one round, or all), newest import last."""
    query = select(
        Submission.row,
        Submission.submission_id,
        Submission.student_key.label("student_id"),
        Submission.flags,
        Round.name.label("round"),
    ).join(Round, Submission.round_id == Round.id)
    if round_name:
        query = query.where(Round.name == round_name)
    frame = pd.DataFrame(
        session.execute(query.order_by(Submission.id)).all(),
        columns=["row", "submission_id", "student_id", "flags", "round"],
    )
    frame.insert(3, "status", frame["flags"].map(lambda f: "flagged" if f else "accepted"))
    return frame


def flag_counts_frame(report: pd.DataFrame) -> pd.DataFrame:
    """Return how many submissions of a report frame carry each flag, in the contract's order."""
    exploded = report["flags"].str.split(";").explode()
    counts = exploded[exploded.astype(bool) & exploded.notna()].value_counts()
    rows = [(flag, int(counts.get(flag, 0)), FLAGS[flag]) for flag in FLAGS]
    return pd.DataFrame(rows, columns=["flag", "submissions", "meaning"])
