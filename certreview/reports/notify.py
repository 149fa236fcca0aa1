"""E-mail each student their notice of one round: plan it (a dry run), send it, log it, never twice.

A student's e-mail gathers the notices of their decided uploads in the round (the wording of
`certreview export notices`, from the same templates) and says where they stand: requirement
met, or what is still needed. Every attempt is written to the notice log. A notice counts as
sent when the log holds a sent row with its key — the SHA-256 of the address and of what the
notices say (decisions, reasons, the template wording, the standing), not of the language of
the few framing lines — so running again sends only what was not sent (new, changed, failed).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from certreview.i18n import _, ngettext
from certreview.reports.exports import notices_frame, round_names
from certreview.reports.frames import eligibility_frame, this_year
from certreview.reports.mail import (
    Mailer,
    SendFailure,
    SmtpSettings,
    build_message,
    email_problem,
    smtp_settings,
)
from certreview.store.models import NoticeLog, Round
from certreview.workspace import Workspace

Templates = str | os.PathLike[str] | Mapping[str, Any] | None
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Notice:
    """One student's e-mail of one round, and what became of this very text before."""

    student_id: str
    name: str
    email: str
    subject: str
    body: str
    key: str
    submissions: tuple[str, ...]
    problem: str = ""  # why it cannot be sent (no e-mail on the roster …); "" when it can
    last_status: str = ""  # "" never tried, "sent", or "failed"
    last_error: str = ""

    @property
    def recipient(self) -> str:
        """Return the To: header, e.g. `林雅婷 <lin@example.edu>`."""
        try:
            return str(Address(display_name=self.name, addr_spec=self.email.strip()))
        except (ValueError, IndexError, HeaderParseError):  # an address the parser cannot take
            return self.email.strip()


@dataclass(frozen=True)
class NoticePlan:
    """The notices of one round, sorted by student ID: what a send would do."""

    round: str
    round_id: int
    notices: tuple[Notice, ...]

    @property
    def to_send(self) -> list[Notice]:
        """Return the notices with an address not sent yet (new, changed, or failed before)."""
        return [n for n in self.notices if not n.problem and n.last_status != "sent"]

    @property
    def failed(self) -> list[Notice]:
        """Return the notices whose last attempt failed."""
        return [n for n in self.to_send if n.last_status == "failed"]

    @property
    def already_sent(self) -> list[Notice]:
        """Return the notices sent before in exactly this wording, to this address."""
        return [n for n in self.notices if not n.problem and n.last_status == "sent"]

    @property
    def without_email(self) -> list[Notice]:
        """Return the notices that cannot be e-mailed (no address or not an address)."""
        return [n for n in self.notices if n.problem]

    def summary(self) -> str:
        """Return one line of counts, e.g. "round AY114: 3 students — 2 to send, …"."""
        return _(
            "round {round}: {students} — {to_send} to send ({failed} failed before), "
            "{sent} already sent, {without} without e-mail"
        ).format(
            round=self.round,
            students=ngettext("{n} student", "{n} students", len(self.notices)).format(
                n=len(self.notices)
            ),
            to_send=len(self.to_send),
            failed=len(self.failed),
            sent=len(self.already_sent),
            without=len(self.without_email),
        )


@dataclass
class SendResult:
    """What one send did: sent, failed (with the reason) and sent meanwhile by someone else."""

    sent: list[Notice] = field(default_factory=list)
    failed: list[tuple[Notice, str]] = field(default_factory=list)
    skipped: list[Notice] = field(default_factory=list)

    def summary(self) -> str:
        """Return one line of counts."""
        line = _("{sent} sent, {failed} failed").format(
            sent=len(self.sent), failed=len(self.failed)
        )
        if self.skipped:
            line += _("; {n} sent meanwhile from elsewhere").format(n=len(self.skipped))
        if self.failed:
            line += _(" — send again to retry the failed ones")
        return line


def plan_notices(
    session: Session,
    round_name: str | None = None,
    *,
    current_year: int | None = None,
    templates: Templates = None,
) -> NoticePlan:
    """Return one e-mail per student with a decided upload in ROUND_NAME (default: the current round)."""
    rounds = round_names(session)
    if not rounds:
        raise ValueError(_("there are no uploads yet, so there are no notices to send"))
    chosen = round_name or rounds[0]
    if chosen not in rounds:
        raise ValueError(
            _("no round {name}: rounds with uploads are {rounds}").format(
                name=chosen, rounds=", ".join(rounds)
            )
        )
    round_id = session.scalars(select(Round.id).where(Round.name == chosen)).one()
    year = current_year or this_year()
    frame = notices_frame(session, templates, year, chosen)
    standing = eligibility_frame(session, year).set_index("student_id")
    history = _history(session, round_id)
    notices = []
    for student_id, rows in frame.groupby("student_id", sort=True):
        record = standing.loc[student_id] if student_id in standing.index else None
        email = str(rows["email"].iloc[0] or "").strip()
        key = notice_key(email, rows, record)
        subject, body = compose(chosen, str(rows["name"].iloc[0]), str(student_id), rows, record)
        status, error = history.get((str(student_id), key), ("", ""))
        notices.append(
            Notice(
                student_id=str(student_id),
                name=str(rows["name"].iloc[0]),
                email=email,
                subject=subject,
                body=body,
                key=key,
                submissions=tuple(rows["submission_id"]),
                problem=email_problem(email),
                last_status=status,
                last_error=error,
            )
        )
    return NoticePlan(chosen, round_id, tuple(notices))


def notice_key(email: str, rows: pd.DataFrame, record: pd.Series | None) -> str:
    """Return the SHA-256 of the address and of everything the notice says, bar its framing."""
    said = rows[["submission_id", "decision", "reason", "subject", "message"]].to_numpy().tolist()
    # The standing as numbers, not as the `missing` words, which may come in either language.
    where = None
    if record is not None:
        where = [
            record["standard"],
            record["met"],
            int(record["approved"]),
            float(record["points"]),
        ]
    text = json.dumps([email.lower(), said, where], ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def compose(
    round_name: str, name: str, student_id: str, rows: pd.DataFrame, record: pd.Series | None
) -> tuple[str, str]:
    """Return (subject, body): the notices of ROWS, then what the student still needs."""
    count = len(rows)
    if count == 1:
        subject = str(rows["subject"].iloc[0])
    else:
        subject = ngettext(
            "Certificate review results, round {round}: {n} certificate",
            "Certificate review results, round {round}: {n} certificates",
            count,
        ).format(round=round_name, n=count)
    lines = [
        _("{name} ({student_id}): the results of the certificate review, round {round}.").format(
            name=name, student_id=student_id, round=round_name
        )
    ]
    for number, message in enumerate(rows["message"], 1):
        lines += ["", f"—— {number}/{count} ——", str(message)]
    lines += ["", "——", standing_text(record)]
    lines += [
        "",
        _(
            "Sent by the department office. Reply to this e-mail or contact the office with questions."
        ),
    ]
    return subject, "\n".join(lines)


def standing_text(record: pd.Series | None) -> str:
    """Return where the student stands against their standard, in the language set."""
    if record is None:
        return _("Your student ID is not on the department's roster: please contact the office.")
    if record["met"] == "yes":
        return _("You meet the certificate requirement for graduation ({standard}).").format(
            standard=record["standard"]
        )
    if not record["standard"]:
        return _(
            "No course standard applies to your admission year and program: please ask the office."
        )
    return _("Still needed for graduation ({standard}): {missing}.").format(
        standard=record["standard"], missing=record["missing"]
    )


def log_attempt(
    session: Session,
    plan: NoticePlan,
    notice: Notice,
    error: str | None,
    by: str,
    now: datetime | None = None,
) -> NoticeLog:
    """Add the log row of one attempt to send NOTICE (ERROR None: it was sent)."""
    row = NoticeLog(
        round_id=plan.round_id,
        student_id=notice.student_id,
        email=notice.email,
        notice_key=notice.key,
        subject=notice.subject,
        body=notice.body,
        status="sent" if error is None else "failed",
        error=error,
        sent_by=by,
        attempted_at=now or datetime.now(),
    )
    session.add(row)
    session.flush()
    return row


def was_sent(session: Session, plan: NoticePlan, notice: Notice) -> bool:
    """Return whether NOTICE went out already (perhaps from another office computer)."""
    query = select(NoticeLog.id).where(
        NoticeLog.round_id == plan.round_id,
        NoticeLog.student_id == notice.student_id,
        NoticeLog.notice_key == notice.key,
        NoticeLog.status == "sent",
    )
    return session.scalars(query.limit(1)).first() is not None


def send_notices(
    make_session: sessionmaker[Session],
    smtp: SmtpSettings,
    plan: NoticePlan,
    by: str,
    *,
    only_failed: bool = False,
    progress: Progress | None = None,
) -> SendResult:
    """Send the notices of PLAN not sent yet (ONLY_FAILED: those that failed), logging each.

    Each message is logged in its own transaction right after the server answers, so an
    interruption loses at most the record of the one message in flight. When the server
    cannot be used at all (down, wrong password), the rest are logged failed without trying.
    """
    chosen = plan.failed if only_failed else plan.to_send
    result = SendResult()
    fatal: str | None = None
    with Mailer(smtp) as mailer:
        for done, notice in enumerate(chosen, 1):
            error = fatal
            if fatal is None:
                with make_session() as session:
                    if was_sent(session, plan, notice):
                        result.skipped.append(notice)
                        continue
                try:
                    mailer.send(build_message(smtp, notice.recipient, notice.subject, notice.body))
                except SendFailure as exc:
                    error = str(exc)
                    fatal = error if exc.fatal else None
            with make_session.begin() as session:
                log_attempt(session, plan, notice, error, by)
            if error is None:
                result.sent.append(notice)
            else:
                result.failed.append((notice, error))
            if progress is not None:
                progress(done, len(chosen))
    return result


def _history(session: Session, round_id: int) -> dict[tuple[str, str], tuple[str, str]]:
    """Return (student, key) → (status, error): "sent" if it ever went, else the last failure."""
    rows = session.execute(
        select(NoticeLog.student_id, NoticeLog.notice_key, NoticeLog.status, NoticeLog.error)
        .where(NoticeLog.round_id == round_id)
        .order_by(NoticeLog.id)
    )
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for student_id, key, status, error in rows:
        if found.get((student_id, key), ("",))[0] != "sent":
            found[(student_id, key)] = (status, error or "")
    return found


class NotifyService:
    """What the notify command and panel ask of the library; each call is one unit of work."""

    def __init__(
        self, workspace: Workspace, smtp_url: str | None = None, templates: Templates = None
    ) -> None:
        self.workspace = workspace
        self.smtp_url = smtp_url
        self.templates = templates

    def smtp(self) -> SmtpSettings | None:
        """Return the SMTP settings (the URL given, else $CERTREVIEW_SMTP), None when not set."""
        return smtp_settings(self.smtp_url)

    def rounds(self) -> list[str]:
        """Return the rounds with uploads, the current (newest) round first."""
        with self.workspace.Session() as s:
            return round_names(s)

    def plan(self, round_name: str | None = None, current_year: int | None = None) -> NoticePlan:
        """Return the notices of ROUND_NAME (default: the current round) and what became of them."""
        with self.workspace.Session() as s:
            return plan_notices(s, round_name, current_year=current_year, templates=self.templates)

    def send(
        self,
        plan: NoticePlan,
        by: str,
        *,
        only_failed: bool = False,
        progress: Progress | None = None,
    ) -> SendResult:
        """Send PLAN's notices not sent yet through the configured server, logging each."""
        smtp = self.smtp()
        if smtp is None:
            raise ValueError(
                _("set CERTREVIEW_SMTP first, e.g. {example}").format(
                    example="smtp://user:password@mail.example.edu:587?from=office@example.edu"
                )
            )
        return send_notices(
            self.workspace.Session, smtp, plan, by, only_failed=only_failed, progress=progress
        )
