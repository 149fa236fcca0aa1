"""The stored records: roster, catalog, standards, rounds, submissions, images and decisions.

Typed fields keep what the student or the registrar wrote; normalised values sit beside them.
Decisions are append-only: the current state of a submission is its latest decision.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Student(Base):
    __tablename__ = "students"

    student_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    admission_year: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    program: Mapped[str | None] = mapped_column(Text)
    class_name: Mapped[str | None] = mapped_column(Text)
    exit_year: Mapped[int | None]
    email: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"Student({self.student_id!r}, {self.name!r}, admitted {self.admission_year})"


class CatalogItem(Base):
    __tablename__ = "catalog_items"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[str | None] = mapped_column(Text)
    points: Mapped[float]
    group: Mapped[str] = mapped_column("group_code", String(64))
    aliases: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"CatalogItem({self.code!r}, {self.name!r}, {self.points} pts, group {self.group!r})"


class Standard(Base):
    __tablename__ = "standards"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    admission_from: Mapped[int]
    admission_to: Mapped[int | None]
    programs: Mapped[list[str] | None] = mapped_column(JSON)
    during_enrollment: Mapped[bool]
    min_count: Mapped[int]
    min_points: Mapped[float]
    min_per_category: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"Standard({self.name!r}, AY{self.admission_from}-{self.admission_to or ''})"


class Round(Base):
    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    cutoff: Mapped[datetime | None]
    created_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"Round({self.name!r}, cutoff={self.cutoff})"


class ImageFile(Base):
    """One distinct uploaded file, stored once under its SHA-256 whatever its name."""

    __tablename__ = "image_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    byte_size: Mapped[int]
    format: Mapped[str | None] = mapped_column(String(16))
    width: Mapped[int | None]
    height: Mapped[int | None]
    pixels: Mapped[int | None]
    pages: Mapped[int] = mapped_column(default=1)
    phash: Mapped[str | None] = mapped_column(String(16), index=True)
    flag: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"ImageFile({self.sha256[:12]}…, {self.format}, {self.width}x{self.height})"


class ImageMatch(Base):
    """Two different files intake judged to show one certificate (a copy of one another).

    Stored so the detail view names the other uploads of a picture without checking again;
    `sha_a` sorts before `sha_b`.
    """

    __tablename__ = "image_matches"

    sha_a: Mapped[str] = mapped_column(
        String(64), ForeignKey("image_files.sha256"), primary_key=True
    )
    sha_b: Mapped[str] = mapped_column(
        String(64), ForeignKey("image_files.sha256"), primary_key=True, index=True
    )

    def __repr__(self) -> str:
        return f"ImageMatch({self.sha_a[:12]}…, {self.sha_b[:12]}…)"


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_student", "student_id"),
        Index("ix_submissions_round", "round_id"),
        UniqueConstraint("submission_id", "version", name="uq_submissions_version"),
        # At most one live version per submission ID, even with two imports at once.
        Index(
            "uq_submissions_live",
            "submission_id",
            unique=True,
            sqlite_where=text("live"),
            postgresql_where=text("live"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The platform keeps a submission's ID when the student edits it: a changed row is the
    # next version; the older ones stay (with their decisions) but are no longer live.
    submission_id: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    live: Mapped[bool] = mapped_column(default=True, server_default=true())
    supersedes: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    row: Mapped[int]
    imported_at: Mapped[datetime]
    # As the student (or the platform) wrote them.
    # Text, not String(n): a cell of any length is kept as typed (PostgreSQL would refuse it).
    submitted_at_text: Mapped[str] = mapped_column(Text)
    student_id_text: Mapped[str] = mapped_column(Text)
    student_name_text: Mapped[str] = mapped_column(Text)
    category_text: Mapped[str] = mapped_column(Text)
    certificate_name_text: Mapped[str] = mapped_column(Text)
    exam_year_text: Mapped[str] = mapped_column(Text)
    image_text: Mapped[str] = mapped_column(Text)
    exam_date_text: Mapped[str | None] = mapped_column(Text)
    certificate_no: Mapped[str | None] = mapped_column(Text)
    issuer: Mapped[str | None] = mapped_column(Text)
    # Normalised and matched.
    submitted_at: Mapped[datetime | None]
    student_key: Mapped[str] = mapped_column(Text, index=True)
    student_id: Mapped[str | None] = mapped_column(ForeignKey("students.student_id"))
    exam_year: Mapped[int | None]
    item_code: Mapped[str | None] = mapped_column(ForeignKey("catalog_items.code"))
    image_sha256: Mapped[str | None] = mapped_column(ForeignKey("image_files.sha256"))
    flags: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")  # what intake noticed in the typed data
    image_note: Mapped[str | None] = mapped_column(Text)  # why the file was refused, in plain words

    round: Mapped[Round] = relationship()
    student: Mapped[Student | None] = relationship()
    item: Mapped[CatalogItem | None] = relationship()
    image: Mapped[ImageFile | None] = relationship()
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="submission", order_by="Decision.id"
    )

    @property
    def flag_list(self) -> list[str]:
        return [f for f in self.flags.split(";") if f]

    def __repr__(self) -> str:
        return f"Submission({self.submission_id!r}, {self.student_key!r}, flags={self.flags!r})"


class Decision(Base):
    """One reviewer's verdict on one submission; never updated, never deleted.

    Decisions on a submission form a chain: each names the decision it follows (`previous_id`,
    0 for the first), and no two may follow the same one, so two reviewers deciding at once
    cannot both append on top of what they saw — the database refuses the second.
    """

    __tablename__ = "decisions"
    __table_args__ = (
        Index("ix_decisions_submission", "submission_pk", "id"),
        UniqueConstraint("submission_pk", "previous_id", name="uq_decisions_chain"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_pk: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    verdict: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    item_code: Mapped[str | None] = mapped_column(ForeignKey("catalog_items.code"))
    reviewer: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime]
    undoes_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    previous_id: Mapped[int] = mapped_column(default=0)

    submission: Mapped[Submission] = relationship(back_populates="decisions")

    def __repr__(self) -> str:
        return f"Decision(#{self.id} {self.verdict} {self.reason or ''} by {self.reviewer!r})"


class ImageReading(Base):
    """What OCR read on one stored file (its first page): lines with boxes, and what they say."""

    __tablename__ = "image_readings"

    sha256: Mapped[str] = mapped_column(ForeignKey("image_files.sha256"), primary_key=True)
    engine: Mapped[str] = mapped_column(String(64))
    side: Mapped[int]  # the longest side read, in pixels
    width: Mapped[int]
    height: Mapped[int]
    # [[text, [[x, y] x4 as fractions of the page], confidence], ...]
    lines: Mapped[list[Any]] = mapped_column(JSON, default=list)
    holder_name: Mapped[str | None] = mapped_column(Text)
    certificate_no: Mapped[str | None] = mapped_column(Text)
    date_text: Mapped[str | None] = mapped_column(Text)
    exam_year: Mapped[int | None]
    problem: Mapped[str | None] = mapped_column(Text)  # why nothing could be read
    seconds: Mapped[float]
    read_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"ImageReading({self.sha256[:12]}…, {len(self.lines)} lines, AY {self.exam_year})"


class ImageEvidence(Base):
    """The three answers of one submission's image against what was typed (see rules/evidence)."""

    __tablename__ = "image_evidence"
    __table_args__ = (Index("ix_image_evidence_answers", "name", "certificate", "year"),)

    submission_pk: Mapped[int] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(16))  # agrees | disagrees | not_found
    certificate: Mapped[str] = mapped_column(String(16))
    year: Mapped[str] = mapped_column(String(16))
    named_student: Mapped[str | None] = mapped_column(String(64))
    shown_item: Mapped[str | None] = mapped_column(String(64))
    shown_year: Mapped[int | None]
    lines: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # aspect -> line numbers
    weighed_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"ImageEvidence(#{self.submission_pk} {self.name}/{self.certificate}/{self.year})"


class ExportLog(Base):
    """Which file went where: one row per export."""

    __tablename__ = "export_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(Text)
    rows: Mapped[int]
    exported_by: Mapped[str] = mapped_column(String(100))
    exported_at: Mapped[datetime]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"ExportLog({self.kind!r}, {self.rows} rows, {self.path!r})"


class ImportLog(Base):
    """One import of a department file: what, when, and how many rows landed how."""

    __tablename__ = "import_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime]
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"ImportLog({self.kind!r}, {self.source!r}, {self.counts})"


class NoticeLog(Base):
    """One attempt to e-mail a student their notice of a round: sent, or failed with the error.

    `notice_key` is the SHA-256 of what the notice says and where it went: a student is written
    to again only when that changes (a new decision, a corrected address).
    """

    __tablename__ = "notice_log"
    __table_args__ = (Index("ix_notice_log_round_student", "round_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    # No foreign key: the log is kept if a student leaves the roster; purge deletes it with them.
    student_id: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(Text)
    notice_key: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # sent | failed
    error: Mapped[str | None] = mapped_column(Text)
    sent_by: Mapped[str] = mapped_column(String(100))
    attempted_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"NoticeLog({self.student_id!r}, round #{self.round_id}, {self.status})"
