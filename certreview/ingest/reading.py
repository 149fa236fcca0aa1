"""The reading pass: OCR every stored upload not yet read, then weigh each submission's evidence.

Resumable and never in a reviewer's way: the OCR runs in worker processes while the database is
only read; each few readings are then written in one short transaction, so a killed pass
keeps what it read and the next run goes on from there.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from certreview.i18n import _, ngettext
from certreview.images.ocr import ENGINE, READ_SIDE, Reading, fold_chinese, read_path, require_ocr
from certreview.images.pool import process_context
from certreview.rules.catalog import split_aliases
from certreview.rules.evidence import CatalogEntry, Claim, Evidence, Reference, weigh
from certreview.rules.normalise import normalise_id
from certreview.rules.reading import Line, find
from certreview.store.imagestore import ImageStore
from certreview.store.models import (
    CatalogItem,
    ImageEvidence,
    ImageFile,
    ImageReading,
    Round,
    Student,
    Submission,
)

WORKERS = 2
BATCH = 8  # readings per write: a short transaction every few seconds
IN_FLIGHT = 2  # queued files per worker


@dataclass
class ReadResult:
    """What one reading pass did."""

    read: int = 0
    unreadable: int = 0
    weighed: int = 0
    seconds: float = 0.0  # OCR time summed over the workers
    cpu_seconds: float = 0.0  # the workers' CPU time reading (the models' loading aside)

    def summary(self) -> str:
        if not (self.read or self.weighed):
            return _("nothing new to read: every stored picture was read before")
        read = ngettext("{n} upload read", "{n} uploads read", self.read).format(n=self.read)
        return _("{read} ({bad} without text), {weighed} submissions weighed").format(
            read=read, bad=self.unreadable, weighed=self.weighed
        )


def _scope(round_name: str | None, student: str | None = None):  # type: ignore[no-untyped-def]
    query = select(Submission).where(Submission.live, Submission.image_sha256.is_not(None))
    if round_name:
        query = query.join(Round, Round.id == Submission.round_id).where(Round.name == round_name)
    if student:
        query = query.where(Submission.student_key == normalise_id(student))
    return query


def unread_images(
    session: Session, round_name: str | None = None, student: str | None = None
) -> list[str]:
    """Return the stored, decodable files of live submissions (of ROUND_NAME) not read yet.

    In the order reviewers meet them: the newest round first, then as the grid sorts cards, so
    the first pages have their evidence long before a large round is read to the end.
    """
    rows = session.scalars(
        _scope(round_name, student)
        .with_only_columns(Submission.image_sha256)
        .join(ImageFile, ImageFile.sha256 == Submission.image_sha256)
        .outerjoin(ImageReading, ImageReading.sha256 == Submission.image_sha256)
        .where(ImageFile.flag.is_(None), ImageReading.sha256.is_(None))
        .order_by(Submission.round_id.desc(), Submission.student_key, Submission.id)
    )
    return [sha for sha in dict.fromkeys(rows) if sha is not None]


def reading_row(sha: str, reading: Reading) -> ImageReading:
    """Return the stored form of one reading, with what its lines say."""
    found = find(reading.lines)
    return ImageReading(
        sha256=sha,
        engine=ENGINE,
        side=READ_SIDE,
        width=reading.width,
        height=reading.height,
        lines=[[ln.text, [list(p) for p in ln.box], ln.confidence] for ln in reading.lines],
        holder_name=found.name,
        certificate_no=found.number,
        date_text=found.date_text,
        exam_year=found.year,
        problem=reading.problem,
        seconds=round(reading.seconds, 3),
        read_at=datetime.now(),
    )


def stored_lines(row: ImageReading) -> tuple[Line, ...]:
    """Return the lines of a stored reading."""
    return tuple(
        Line(text, tuple((float(x), float(y)) for x, y in box), float(conf))
        for text, box, conf in row.lines
    )


def _read_all(
    paths: list[tuple[str, str]], workers: int, bar: tqdm
) -> Iterator[tuple[str, Reading]]:
    if workers <= 1 or len(paths) < 2:
        for sha, path in paths:
            yield sha, read_path(path)
            bar.update()
        return
    window: deque[tuple[str, Future[Reading]]] = deque()
    with ProcessPoolExecutor(workers, mp_context=process_context()) as pool:
        try:
            for sha, path in paths:
                window.append((sha, pool.submit(read_path, path)))
                if len(window) >= workers * IN_FLIGHT:
                    yield _settle(*window.popleft(), bar)
            while window:
                yield _settle(*window.popleft(), bar)
        finally:
            for _sha, future in window:
                future.cancel()


def _settle(sha: str, future: Future[Reading], bar: tqdm) -> tuple[str, Reading]:
    try:
        reading = future.result()
    except Exception:  # a worker that died on one file: record it, do not retry it forever
        reading = Reading((), 0, 0, 0.0, "crashed")
    bar.update()
    return sha, reading


def read_uploads(
    Session: sessionmaker[Session],
    store: ImageStore,
    round_name: str | None = None,
    *,
    student: str | None = None,
    workers: int = WORKERS,
    progress: Callable[[int, int], None] | None = None,
    show_bar: bool | None = None,
    batch: int = BATCH,
) -> ReadResult:
    """OCR every unread upload (of ROUND_NAME, of STUDENT), store the readings, weigh the evidence."""
    require_ocr()
    with Session() as session:
        if round_name and session.scalar(select(Round.id).where(Round.name == round_name)) is None:
            raise ValueError(
                _("no round {name} — see the rounds in the review's Round filter").format(
                    name=round_name
                )
            )
        shas = unread_images(session, round_name, student)
    result = ReadResult()
    paths = [(sha, str(store.original_path(sha))) for sha in shas]
    bar = tqdm(
        total=len(paths),
        disable=not (sys.stderr.isatty() if show_bar is None else show_bar),
        unit="upload",
        desc=_("Reading certificates"),
    )
    pending: list[tuple[str, Reading]] = []
    if progress is not None:
        progress(0, len(paths))
    try:
        for sha, reading in _read_all(paths, workers, bar):
            pending.append((sha, reading))
            result.read += 1
            result.unreadable += not reading.lines
            result.seconds += reading.seconds
            result.cpu_seconds += reading.cpu_seconds
            if len(pending) >= batch:
                _write(Session, pending)
            if progress is not None:
                progress(result.read, len(paths))
        _write(Session, pending)
    finally:
        bar.close()
    result.weighed = weigh_submissions(Session, round_name, student)
    return result


def _write(Session: sessionmaker[Session], pending: list[tuple[str, Reading]]) -> None:
    if not pending:
        return
    with Session.begin() as session:
        for sha, reading in pending:
            if session.get(ImageReading, sha) is None:  # another pass may have read it meanwhile
                session.add(reading_row(sha, reading))
    pending.clear()


def reference(session: Session, fold: Callable[[str], str] = fold_chinese) -> Reference:
    """Return the roster and catalog as the evidence rules look them up."""
    roster = session.execute(select(Student.student_id, Student.name)).all()
    catalog = [
        CatalogEntry(i.code, i.name, i.level, i.group, split_aliases(i.aliases))
        for i in session.scalars(select(CatalogItem))
    ]
    return Reference(((sid, name) for sid, name in roster), catalog, fold)


def claim_of(submission: Submission, roster_name: str | None) -> Claim:
    """Return what the student typed in SUBMISSION, as intake matched it."""
    return Claim(
        submission.student_id,
        roster_name,
        submission.item_code,
        submission.certificate_name_text,
        submission.exam_year,
    )


def evidence_row(pk: int, evidence: Evidence) -> dict[str, object]:
    """Return the stored columns of one submission's evidence."""
    return dict(
        submission_pk=pk,
        name=evidence.name,
        certificate=evidence.certificate,
        year=evidence.year,
        named_student=evidence.named_student,
        shown_item=evidence.shown_item,
        shown_year=evidence.shown_year,
        lines={k: list(v) for k, v in evidence.lines.items()},
    )


def weigh_submissions(
    Session: sessionmaker[Session],
    round_name: str | None = None,
    student: str | None = None,
    batch: int = 200,
) -> int:
    """Weigh (again) the evidence of every read submission (of ROUND_NAME); return how many changed."""
    with Session() as session:
        ref = reference(session)
        names = {
            sid: name for sid, name in session.execute(select(Student.student_id, Student.name))
        }
        rows = session.execute(
            select(Submission, ImageReading)
            .join(ImageReading, ImageReading.sha256 == Submission.image_sha256)
            .where(Submission.id.in_(_scope(round_name, student).with_only_columns(Submission.id)))
        ).all()
        old = {e.submission_pk: e for e in session.scalars(select(ImageEvidence))}
        changed: list[dict[str, object]] = []
        for submission, reading in rows:
            claim = claim_of(submission, names.get(submission.student_id or ""))
            values = evidence_row(submission.id, weigh(stored_lines(reading), claim, ref))
            before = old.get(submission.id)
            if before is None or any(getattr(before, k) != v for k, v in values.items()):
                changed.append(values)
    for start in range(0, len(changed), batch):
        with Session.begin() as session:
            for values in changed[start : start + batch]:
                row = session.get(ImageEvidence, values["submission_pk"])
                if row is None:
                    session.add(ImageEvidence(**values, weighed_at=datetime.now()))
                else:
                    for key, value in values.items():
                        setattr(row, key, value)
                    row.weighed_at = datetime.now()
    return len(changed)
