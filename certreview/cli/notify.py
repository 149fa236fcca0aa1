"""`certreview notify`: e-mail the students their notices (a dry run unless --send)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from certreview.config import login_name
from certreview.i18n import _
from certreview.reports.terminal import terminal_text

if TYPE_CHECKING:
    from certreview.reports.notify import Notice
    from certreview.workspace import Workspace


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the notify command to the command line's subcommands."""
    n = sub.add_parser(
        "notify",
        parents=[common],
        help=_("e-mail each student their notice over SMTP (a dry run unless --send)"),
    )
    n.add_argument("--round", metavar="NAME", help=_("review round (default: the current round)"))
    n.add_argument(
        "--send", action="store_true", help=_("really send (default: show what would be sent)")
    )
    n.add_argument(
        "--retry-failed", action="store_true", help=_("send only the notices whose last try failed")
    )
    n.add_argument(
        "--preview", type=int, default=3, metavar="N", help=_("messages shown in a dry run (3)")
    )
    n.add_argument("--by", metavar="NAME", help=_("who sends (default: the OS user)"))
    n.add_argument(
        "--year", type=int, metavar="AY", help=_("the current academic year (default: today's)")
    )
    n.add_argument(
        "--templates",
        type=Path,
        metavar="FILE.toml",
        help=_("notice templates (default: built in)"),
    )


def notify(ws: Workspace, args: argparse.Namespace) -> int:
    from certreview.reports.notify import NotifyService

    service = NotifyService(ws, templates=args.templates)
    smtp = service.smtp()  # a bad CERTREVIEW_SMTP is refused before anything else
    plan = service.plan(args.round, args.year)
    print(terminal_text(plan.summary()))
    for notice in plan.without_email:
        print(terminal_text(_without(notice)))
    chosen = plan.failed if args.retry_failed else plan.to_send
    if not args.send:
        for number, notice in enumerate(chosen[: max(args.preview, 0)], 1):
            print(f"\n--- {number}/{len(chosen)} ---")
            print(terminal_text(_preview(notice), keep_newlines=True))
        print()
        if smtp is None:
            print(_("CERTREVIEW_SMTP is not set: set it before sending (see the README)."))
        else:
            print(_("server: {server}").format(server=smtp.display()))
        print(_("dry run: nothing sent — add --send to send {n}").format(n=len(chosen)))
        return 0
    if not chosen:
        print(_("nothing to send"))
        return 0
    if smtp is not None:
        print(_("sending through {server}").format(server=smtp.display()))
    result = service.send(plan, args.by or login_name(), only_failed=args.retry_failed)
    for notice, error in result.failed:
        line = _("not sent to {student_id} {email}: {error}").format(
            student_id=notice.student_id, email=notice.email, error=error
        )
        print(terminal_text(line), file=sys.stderr)
    print(terminal_text(result.summary()))
    return 1 if result.failed else 0


def _without(notice: Notice) -> str:
    return _("without e-mail: {student_id} {name} ({problem})").format(
        student_id=notice.student_id, name=notice.name, problem=notice.problem
    )


def _preview(notice: Notice) -> str:
    head = [
        _("To: {recipient}").format(recipient=notice.recipient),
        _("Subject: {subject}").format(subject=notice.subject),
    ]
    if notice.last_status == "failed":
        head.append(_("(failed before: {error})").format(error=notice.last_error))
    return "\n".join([*head, "", notice.body])
