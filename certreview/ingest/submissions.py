"""Import the upload platform's submissions export: keep every row, flag what is not clean.

The slow work (reading, hashing and decoding files, looking for copies) only reads the
database; each batch of rows is then written in one short burst, so a reviewer deciding
meanwhile never waits for an import.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from certreview.i18n import _
from certreview.images.features import Features
from certreview.images.pool import WorkerPool
from certreview.images.sources import (
    ImageSource,
    ImageSourceError,
    ImageTooLarge,
    MissingImage,
    UnsafePath,
    open_source,
)
from certreview.ingest.copies import Upload, check_files, find_copies
from certreview.ingest.read_table import read_table
from certreview.ingest.recheck import references
from certreview.ingest.report import IntakeResult, ReportRow
from certreview.rules.cells import is_too_long
from certreview.rules.flags import REQUIRED_FIELDS, Assessment, assess_row, ordered
from certreview.rules.normalise import is_blank, normalise_id
from certreview.rules.years import academic_year, parse_datetime
from certreview.store.imagestore import MAX_UNREADABLE_BYTES, ImageStore, UnreadableAllowance
from certreview.store.models import ImageFile, ImageMatch, ImportLog, Round, Submission

OPTIONAL_FIELDS = ("exam_date", "certificate_no", "issuer")
# What makes a row "the same" as the one stored under its submission ID (besides its file).
COMPARED_FIELDS = {
    "student_id": "student_id_text",
    "student_name": "student_name_text",
    "category": "category_text",
    "certificate_name": "certificate_name_text",
    "exam_year": "exam_year_text",
    "exam_date": "exam_date_text",
    "certificate_no": "certificate_no",
    "issuer": "issuer",
}
_SOURCE_FLAGS: dict[type[ImageSourceError], str] = {
    UnsafePath: "unsafe_path",
    MissingImage: "missing_image",
    ImageTooLarge: "image_too_large",
}


@dataclass(frozen=True)
class IntakeOptions:
    """How one import of submissions runs.

    >>> IntakeOptions(round_name="AY114", cutoff=parse_cutoff("2026-05-15"), workers=2)  # doctest: +SKIP
    """

    round_name: str | None = None  # default: this academic year's round, e.g. "AY115"
    cutoff: datetime | None = None  # set (or change) the round's cutoff
    today: date | None = None  # the day the import counts as made (for `future_year`)
    workers: int | None = None  # processes checking images (default: all cores)
    max_unreadable_bytes: int = MAX_UNREADABLE_BYTES
    progress: Callable[[int, int | None], None] | None = None  # (files checked, of how many)
    # Called after each batch of rows is written; an edge that commits here makes a long
    # import resumable (a killed one finds those rows "imported before" next time).
    checkpoint: Callable[[], None] | None = None
    batch_rows: int = 50  # rows per batch when there is a checkpoint (a short write each)


def default_round_name(today: date | None = None) -> str:
    """Return the name of this academic year's unified review, e.g. 'AY115'."""
    return f"AY{academic_year(today or date.today())}"


def parse_cutoff(text: str) -> datetime:
    """Return the last moment of a cutoff given as a date (inclusive) or a date and time."""
    moment = parse_datetime(text)
    if moment is None:
        raise ValueError(
            _("cutoff {text!r} is not a date — write it as YYYY-MM-DD").format(text=text)
        )
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
    elif cutoff is not None and found.cutoff != cutoff:
        found.cutoff = cutoff
    return found


def import_submissions(
    session: Session,
    store: ImageStore,
    path: Path,
    images: Path,
    options: IntakeOptions | None = None,
) -> IntakeResult:
    """Import a submissions export with its images folder or ZIP, and return the report.

    A row whose submission ID is stored with the same content is skipped; with other content
    it becomes the submission's next version. Files that do not open as pictures are kept only
    up to `options.max_unreadable_bytes` per import; beyond that their rows are still
    imported and flagged, without the file.
    """
    options = options or IntakeOptions()
    table = read_table(path, REQUIRED_FIELDS, OPTIONAL_FIELDS, kind="submissions")
    intake = _Intake(session, store, options)
    intake.result.notes += [
        *table.notes,
        *(
            _("{name} line {n}: {why} — row not read").format(name=Path(path).name, n=n, why=why)
            for n, why in table.unread
        ),
    ]
    rows = list(zip(table.line_numbers, table.rows, strict=True))
    size = max(1, options.batch_rows) if options.checkpoint else max(1, len(rows))
    with open_source(Path(images)) as source, intake.pool:
        for start in range(0, len(rows), size):
            intake.run_batch(source, rows[start : start + size])
            if options.checkpoint is not None:
                options.checkpoint()
    # Nothing new still sets the cutoff of a round that exists; no empty round is made.
    named = select(Round.id).where(Round.name == intake.round_name)
    if options.cutoff is not None and session.scalars(named).first():
        get_round(session, intake.round_name, options.cutoff)
    intake.result.rows.sort(key=lambda r: r.row)
    session.add(
        ImportLog(
            kind="submissions",
            source=str(path),
            imported_at=intake.now,
            counts=intake.result.counts(),
        )
    )
    session.flush()
    return intake.result


class _Intake:
    """One import in progress: what rows are checked against, and the report so far."""

    def __init__(self, session: Session, store: ImageStore, options: IntakeOptions) -> None:
        self.session = session
        self.store = store
        self.options = options
        self.now = datetime.now()
        self.today = options.today or self.now.date()
        self.round_name = options.round_name or default_round_name(options.today)
        stored = session.scalars(select(Round).where(Round.name == self.round_name)).first()
        self.cutoff = options.cutoff or (stored.cutoff if stored else None)
        self.result = IntakeResult(self.round_name)
        self.roster, self.matcher, self.rules = references(session)
        self.allowance = UnreadableAllowance(store, options.max_unreadable_bytes)
        self.in_file: set[str] = set()  # IDs met earlier in this file
        self.checked = 0  # files checked in earlier batches, for one progress count
        self.features: dict[str, Features | None] = {}  # copy features read by earlier batches
        self.pool = WorkerPool(options.workers)  # started by the first batch, kept for the rest

    def run_batch(self, source: ImageSource, rows: list[tuple[int, dict[str, str]]]) -> None:
        """Read, check and write one batch of rows: slow work first, then a short write."""
        with self.session.no_autoflush:
            ids = [_submission_id(row) for _, row in rows]
            live = self._live(ids)
            uploads = [
                upload
                for (line, row), sid in zip(rows, ids, strict=True)
                if (upload := self._read_row(source, line, row, sid, live.get(sid))) is not None
            ]
            files = check_files(
                self.session,
                self.store,
                [u.submission.image_sha256 for u in uploads],
                self.options.workers,
                self._progress if self.options.progress else None,
                self.pool,
            )
            self.checked += sum(1 for f in files.values() if f not in self.session)
            shared, pairs = find_copies(self.session, self.store, uploads, files, self.features)
        if uploads:
            self._write(uploads, files, shared, pairs)

    def _live(self, ids: list[str]) -> dict[str, Submission]:
        """Return the live version of each stored submission among IDS."""
        found: dict[str, Submission] = {}
        for start in range(0, len(ids), 500):  # SQLite caps the parameters of one statement
            chunk = ids[start : start + 500]
            query = select(Submission).where(Submission.submission_id.in_(chunk), Submission.live)
            found.update((s.submission_id, s) for s in self.session.scalars(query))
        return found

    def _progress(self, done: int, total: int | None) -> None:
        assert self.options.progress is not None
        self.options.progress(self.checked + done, None if total is None else self.checked + total)

    def _read_row(
        self,
        source: ImageSource,
        line: int,
        row: dict[str, str],
        submission_id: str,
        previous: Submission | None,
    ) -> Upload | None:
        """Return the row as a new upload, or None (and a report line) when it adds nothing."""
        if submission_id in self.in_file:
            self._skip(line, submission_id, row)
            return None
        self.in_file.add(submission_id)
        data, problem = None, None
        if not is_blank(row["image"]):
            try:
                data = source.read(row["image"].strip())
            except ImageSourceError as exc:
                problem = exc
        changed: tuple[str, ...] = ()
        if previous is not None:
            changed = _changes(previous, row, data)
            if not changed:
                self._skip(line, submission_id, row)
                return None
        verdict = assess_row(
            row, self.roster, self.matcher, self.rules, cutoff=self.cutoff, today=self.today
        )
        upload = Upload(
            line, _submission(row, submission_id, line, self.now, verdict), set(verdict.flags)
        )
        upload.previous, upload.changed = previous, changed
        submission = upload.submission
        if problem is not None:
            upload.flags.add(_SOURCE_FLAGS.get(type(problem), "unreadable_image"))
            submission.image_note = str(problem)
        elif data is not None:
            sha, refusal = self.allowance.put(data)
            submission.image_sha256 = sha
            if refusal is not None:
                upload.flags.add("unreadable_image")
                submission.image_note = refusal
        submission.notes = "\n".join(verdict.notes)
        return upload

    def _skip(self, line: int, submission_id: str, row: dict[str, str]) -> None:
        key = normalise_id(row["student_id"])
        self.result.rows.append(ReportRow(line, submission_id, key, "skipped", ""))

    def _write(
        self,
        uploads: list[Upload],
        files: dict[str, ImageFile],
        shared: list[Submission],
        pairs: set[tuple[str, str]],
    ) -> None:
        session = self.session
        round_ = get_round(session, self.round_name, self.options.cutoff)
        for image in files.values():
            if image in session:
                continue
            if image.sha256 in self.store.repaired:
                # A damaged copy checked again: its old record (if any) is updated, not doubled.
                session.merge(image)
                self.store.repaired.discard(image.sha256)
            else:
                session.add(image)
        for upload in uploads:
            if upload.previous is not None:
                # Old versions stay, with their decisions: only the newest one is live.
                upload.previous.live = False
        session.flush()  # before the new versions: one live version per submission ID
        for sha_a, sha_b in sorted(pairs):
            session.merge(ImageMatch(sha_a=sha_a, sha_b=sha_b))  # found again: kept once
        for earlier in shared:
            earlier.flags = ";".join(ordered({*earlier.flag_list, "shared_image"}))
        for upload in uploads:
            submission = upload.submission
            submission.round = round_
            submission.flags = ";".join(ordered(upload.flags))
            if upload.previous is not None:
                submission.version = upload.previous.version + 1
                submission.supersedes = upload.previous.id
                self.result.notes.append(
                    _(
                        "line {line}: submission {submission_id} changed ({changed}) — imported as "
                        "version {version}, the earlier version is kept in its history"
                    ).format(
                        line=upload.line,
                        submission_id=submission.submission_id,
                        changed=", ".join(upload.changed),
                        version=submission.version,
                    )
                )
            session.add(submission)
            self.result.rows.append(
                ReportRow(
                    upload.line,
                    submission.submission_id,
                    submission.student_key,
                    "flagged" if upload.flags else "accepted",
                    submission.flags,
                    ";".join(upload.changed),
                )
            )
        session.flush()


def _submission_id(row: dict[str, str]) -> str:
    submission_id = row["submission_id"].strip() or _row_key(row)
    if is_too_long(submission_id, "submission_id"):
        # A cut ID could equal another cut ID: the whole row tells them apart.
        return _row_key(row)
    return submission_id


def _row_key(row: dict[str, str]) -> str:
    # A row without an ID still gets a stable one, so re-importing it adds nothing.
    digest = hashlib.sha1("\x1f".join(row[k] for k in sorted(row)).encode()).hexdigest()
    return f"row-{digest[:12]}"


def _changes(previous: Submission, row: dict[str, str], data: bytes | None) -> tuple[str, ...]:
    """Return the fields in which ROW (with its file's bytes) differs from the stored version."""
    changed = [
        field
        for field, attribute in COMPARED_FIELDS.items()
        if (row.get(field) or "") != (getattr(previous, attribute) or "")
    ]
    # Same name, other bytes: the student replaced the picture. A file that is missing this
    # time is the office's incomplete folder, not the student's change; a file not kept last
    # time (no hash) cannot be compared, unless it was missing then.
    comparable = previous.image_sha256 is not None or "missing_image" in previous.flag_list
    if row["image"] != previous.image_text or (
        data is not None
        and comparable
        and hashlib.sha256(data).hexdigest() != previous.image_sha256
    ):
        changed.append("image")
    return tuple(changed)


def _submission(
    row: dict[str, str],
    submission_id: str,
    line: int,
    now: datetime,
    verdict: Assessment,
) -> Submission:
    return Submission(
        submission_id=submission_id,
        version=1,
        live=True,
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


def intake_rows(
    session: Session,
    store: ImageStore,
    source: ImageSource,
    rows: list[tuple[int, dict[str, str]]],
    options: IntakeOptions | None = None,
) -> IntakeResult:
    """Check and write ROWS (line, row) whose files SOURCE holds, as one batch of an import.

    The counter's single upload comes this way: the same flags, copy checks and image store
    as an export's rows, without a file to read the rows from.
    """
    intake = _Intake(session, store, options or IntakeOptions())
    with intake.pool:
        intake.run_batch(source, rows)
    intake.result.rows.sort(key=lambda r: r.row)
    return intake.result
