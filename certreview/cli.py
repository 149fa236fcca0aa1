"""The `certreview` command line: a thin edge over the library; each command is one transaction."""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from certreview import __version__
from certreview.config import display_url, load_settings
from certreview.terminal import terminal_text

if TYPE_CHECKING:
    from certreview.workspace import Workspace

DEBUG_ENV = "CERTREVIEW_DEBUG"


class CommandError(Exception):
    """A command that cannot go on; str() is the one line for stderr."""


class Stopped(KeyboardInterrupt):
    """SIGTERM arrived: stop like Ctrl-C, so transactions roll back and worker pools shut down."""


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser (the README's command list is checked against it)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help="database URL (default: $CERTREVIEW_DB or the SQLite file in the data dir)",
    )
    common.add_argument(
        "--data",
        default=argparse.SUPPRESS,
        help="data directory (default: $CERTREVIEW_DATA or ./data)",
    )
    parser = argparse.ArgumentParser(
        prog="certreview",
        description="The department's certificate review workbench.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"certreview {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("init", parents=[common], help="create or upgrade the database")
    demo = sub.add_parser(
        "demo", parents=[common], help="build a realistic synthetic department, ready to review"
    )
    demo.add_argument("--seed", type=int, default=0, help="random seed (the demo is deterministic)")
    demo.add_argument("--students", type=int, default=420)
    demo.add_argument("--submissions", type=int, default=1600)
    demo.add_argument(
        "--force",
        action="store_true",
        help="replace an earlier demo department (never a real one)",
    )

    imp = sub.add_parser("import", parents=[common], help="import a department file")
    kinds = imp.add_subparsers(dest="kind", required=True, metavar="KIND")
    for kind, what in (
        ("roster", "the registrar's roster (CSV/XLSX)"),
        ("catalog", "the certificate catalog (CSV/XLSX)"),
    ):
        p = kinds.add_parser(kind, parents=[common], help=what)
        p.add_argument("file", type=Path, metavar="FILE")
    p = kinds.add_parser("standards", parents=[common], help="the course standards (TOML)")
    p.add_argument("file", type=Path, metavar="FILE.toml")
    p = kinds.add_parser("submissions", parents=[common], help="the upload platform's export")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument(
        "--images", type=Path, required=True, metavar="DIR|ZIP", help="the images folder or ZIP"
    )
    p.add_argument(
        "--round", metavar="NAME", help="review round (default: this academic year, e.g. AY115)"
    )
    p.add_argument(
        "--cutoff", metavar="DATE", help="the round's cutoff; later uploads are flagged late"
    )
    p.add_argument("--report", type=Path, metavar="OUT.csv", help="write the intake report here")
    p.add_argument("--workers", type=int, help="processes for image checks (default: all cores)")

    d = sub.add_parser("decide", parents=[common], help="record a decision on a submission")
    d.add_argument("submission_id", metavar="SUBMISSION_ID")
    d.add_argument("verdict", choices=("approve", "reject", "return"))
    d.add_argument("--reason", metavar="CODE", help="reject/return reason code")
    d.add_argument("--note", metavar="TEXT")
    d.add_argument(
        "--item", metavar="CODE", help="catalog item, when approving a submission that matched none"
    )
    d.add_argument("--reviewer", required=True, metavar="NAME")

    e = sub.add_parser(
        "export", parents=[common], help="write the eligibility, audit or notices table"
    )
    e.add_argument("kind", choices=("eligibility", "audit", "notices"))
    e.add_argument("out", type=Path, metavar="OUT.csv|OUT.xlsx")
    e.add_argument("--by", metavar="NAME", help="who exports (default: the OS user)")
    e.add_argument(
        "--year", type=int, metavar="AY", help="the current academic year (default: today's)"
    )
    e.add_argument("--cohort", type=int, metavar="AY", help="only students admitted in this year")
    e.add_argument("--program", metavar="NAME", help="only students of this program")
    e.add_argument(
        "--templates", type=Path, metavar="FILE.toml", help="notice templates (default: built in)"
    )
    e.add_argument("--round", metavar="NAME", help="notices of this review round only (e.g. AY114)")

    s = sub.add_parser("status", parents=[common], help="a student's record, uploads and decisions")
    s.add_argument("student_id", metavar="STUDENT_ID")

    b = sub.add_parser("backup", parents=[common], help="back up the database and image store")
    b.add_argument("out", type=Path, metavar="OUT.tar|OUT.tar.gz")
    v = sub.add_parser("verify-backup", help="check every checksum and the database of a backup")
    v.add_argument("archive", type=Path, metavar="ARCHIVE")
    r = sub.add_parser("restore", parents=[common], help="restore a backup into an empty place")
    r.add_argument("archive", type=Path, metavar="ARCHIVE")
    doc = sub.add_parser(
        "doctor", parents=[common], help="check the image store against the database"
    )
    doc.add_argument("--fix", action="store_true", help="repair what can be repaired safely")
    pu = sub.add_parser("purge", parents=[common], help="delete students who left, with uploads")
    pu.add_argument("--left-before", type=int, required=True, metavar="AY")
    pu.add_argument("--yes", action="store_true", help="really delete (default: only count)")

    lab = sub.add_parser("lab", parents=[common], help="open JupyterLab on the notebooks")
    lab.add_argument("--no-browser", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status (0 ok, 1 bad input or state, 2 usage)."""
    args = build_parser().parse_args(argv)
    previous = _stop_on_sigterm()
    try:
        return _run(args)
    except KeyboardInterrupt as exc:
        print(
            "certreview: interrupted; nothing was saved from the unfinished step", file=sys.stderr
        )
        return 128 + (signal.SIGTERM if isinstance(exc, Stopped) else signal.SIGINT)
    except Exception as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        known = _known_errors()
        if isinstance(exc, DBAPIError | ArgumentError):
            message = _database_problem(exc)
        elif isinstance(exc, known):
            message = str(exc)
        else:
            message = (
                f"unexpected {type(exc).__name__}: {exc} "
                f"(set {DEBUG_ENV}=1 for details and report it)"
            )
        # Messages quote file cells and typed values: one line, nothing a terminal would obey.
        print(f"certreview: {terminal_text(_hide_password(message, args))}", file=sys.stderr)
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _stop_on_sigterm() -> signal.Handlers | None:
    """Make SIGTERM raise Stopped in the main thread; return the handler it replaces."""

    def stop(signum: int, frame: object) -> None:
        raise Stopped

    try:
        return signal.signal(signal.SIGTERM, stop)  # type: ignore[return-value]
    except ValueError:  # main() called from another thread (e.g. a notebook): nothing to install
        return None


def _hide_password(message: str, args: argparse.Namespace) -> str:
    """Return MESSAGE without the database password, should a driver have quoted it."""
    try:
        url = make_url(load_settings(getattr(args, "db", None)).db_url)
    except (ArgumentError, ValueError):
        return message
    if url.password:
        message = message.replace(str(url.password), "***")
    return message


def _database_problem(exc: Exception) -> str:
    """Return one line about a database that cannot be reached or used."""
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    if isinstance(exc, ArgumentError):
        return f"the database URL is not valid ({detail}) — e.g. sqlite:///data/certreview.sqlite"
    return f"database error: {detail} — check --db / CERTREVIEW_DB and that the server is running"


def _known_errors() -> tuple[type[BaseException], ...]:
    from certreview.backup import BackupError
    from certreview.db import SchemaError
    from certreview.decisions import DecisionError
    from certreview.sources import ImageSourceError
    from certreview.status import UnknownStudent
    from certreview.tables import TableError

    return (
        CommandError,
        BackupError,
        SchemaError,
        DecisionError,
        ImageSourceError,
        TableError,
        UnknownStudent,
        ValueError,
        OSError,
    )


def _workspace(args: argparse.Namespace, create: bool = False) -> Workspace:
    from certreview.workspace import Workspace

    return Workspace.open(getattr(args, "db", None), getattr(args, "data", None), create=create)


def _run(args: argparse.Namespace) -> int:
    if args.command == "lab":
        return _lab(args)
    if args.command in {"backup", "verify-backup", "restore"}:
        # No schema check: a backup is most wanted just before `certreview init` upgrades.
        return {"backup": _backup, "verify-backup": _verify_backup, "restore": _restore}[
            args.command
        ](args)
    ws = _workspace(args, create=args.command in {"init", "demo"})
    try:
        handler = {
            "init": _init,
            "demo": _demo,
            "import": _import,
            "decide": _decide,
            "export": _export,
            "status": _status,
            "doctor": _doctor,
            "purge": _purge,
        }[args.command]
        return handler(ws, args)
    finally:
        ws.close()


def _init(ws: Workspace, args: argparse.Namespace) -> int:
    print(f"database ready: {display_url(ws.settings.db_url)}")
    return 0


def _demo(ws: Workspace, args: argparse.Namespace) -> int:
    from certreview.demo import build_demo

    summary = build_demo(
        ws, seed=args.seed, students=args.students, submissions=args.submissions, force=args.force
    )
    print(summary)
    return 0


def _import(ws: Workspace, args: argparse.Namespace) -> int:
    from certreview.imports import import_catalog, import_roster, import_standards

    if args.kind == "submissions":
        return _import_submissions(ws, args)
    action = {"roster": import_roster, "catalog": import_catalog, "standards": import_standards}[
        args.kind
    ]
    with ws.Session.begin() as session:
        result = action(session, args.file)
    for note in result.notes:
        print(f"note: {terminal_text(note)}", file=sys.stderr)
    for line, problem in result.problems:
        print(f"row {line}: {terminal_text(problem)}", file=sys.stderr)
    print(result.summary())
    return 0


def _import_submissions(ws: Workspace, args: argparse.Namespace) -> int:
    from certreview.intake import import_submissions, parse_cutoff
    from certreview.tablefile import check_target

    cutoff = parse_cutoff(args.cutoff) if args.cutoff else None
    if args.report:
        # Before the import: a report that cannot be written must not follow a saved import.
        check_target(args.report)
    # The image checks show their own progress bar on a terminal (tqdm, in certreview.parallel).
    with ws.Session.begin() as session:
        result = import_submissions(
            session,
            ws.store,
            args.file,
            args.images,
            round_name=args.round,
            cutoff=cutoff,
            workers=args.workers,
        )
    if args.report:
        result.write_report(args.report)
    for note in result.notes:
        print(f"note: {terminal_text(note)}", file=sys.stderr)
    print(result.summary())
    flags = result.flag_counts()
    if flags:
        print(
            "flags: "
            + ", ".join(f"{f} {n}" for f, n in sorted(flags.items(), key=lambda kv: -kv[1]))
        )
    return 0


def _decide(ws: Workspace, args: argparse.Namespace) -> int:
    from certreview.decisions import check_verdict, current_state, decide, find_submission

    verdict = check_verdict(args.verdict, args.reason, args.note, args.item)
    with ws.Session.begin() as session:
        submission = find_submission(session, args.submission_id)
        decision = decide(session, submission, verdict, args.reviewer)
        print(
            f"{terminal_text(submission.submission_id)}: {current_state(decision)} "
            f"(decision #{decision.id})"
        )
    return 0


def _export(ws: Workspace, args: argparse.Namespace) -> int:
    from certreview.exports import export

    with ws.Session.begin() as session:
        rows = export(
            session,
            args.kind,
            args.out,
            args.by or getpass.getuser(),
            current_year=args.year,
            cohort=args.cohort,
            program=args.program,
            templates=args.templates,
            round_name=args.round,
        )
    print(f"{args.kind}: {rows} rows written to {args.out}")
    if args.kind == "audit" and args.out.suffix.lower() == ".csv":
        print(f"audit summary written to {args.out.with_name(args.out.stem + '_summary.csv')}")
    return 0


def _status(ws: Workspace, args: argparse.Namespace) -> int:
    from certreview.status import student_status

    with ws.Session() as session:
        print(student_status(session, args.student_id))
    return 0


def _backup(args: argparse.Namespace) -> int:
    from certreview.backup import backup
    from certreview.config import load_settings
    from certreview.db import make_engine

    settings = load_settings(getattr(args, "db", None), getattr(args, "data", None))
    engine = make_engine(settings.db_url)
    try:
        print(f"{args.out}: {backup(engine, settings.store_dir, args.out).summary()}")
    finally:
        engine.dispose()
    return 0


def _verify_backup(args: argparse.Namespace) -> int:
    from certreview.restore import verify

    print(f"{args.archive}: {verify(args.archive).summary()}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from certreview.config import load_settings
    from certreview.restore import restore

    settings = load_settings(getattr(args, "db", None), getattr(args, "data", None))
    done = restore(args.archive, settings.db_url, settings.data_dir)
    print(f"restored into {settings.data_dir} and the database; {done.summary()}")
    return 0


def _doctor(ws: Workspace, args: argparse.Namespace) -> int:
    from certreview.doctor import examine, repair

    with ws.Session() as session:
        checkup = examine(session, ws.store)
    for line in checkup.lines():
        print(line)
    if args.fix:
        done = repair(ws.Session, ws.store, checkup, ws.settings.data_dir / "quarantine")
        for line in done.lines():
            print(f"fixed: {line}")
        return 0
    return 0 if checkup.healthy else 1


def _purge(ws: Workspace, args: argparse.Namespace) -> int:
    from certreview.purge import plan_purge, purge, remove_files

    with ws.Session.begin() as session:
        plan = plan_purge(session, args.left_before)
        if not args.yes:
            print(f"would delete {plan.summary()} — run again with --yes to delete them")
            return 0
        purge(session, plan)
    # Files go only after the rows are gone for good; a crash in between leaves orphans,
    # which `certreview doctor --fix` removes.
    with ws.Session() as session:
        files = remove_files(session, ws.store, plan.images)
    print(f"deleted {plan.summary()}; {files} stored files removed")
    return 0


def notebooks_dir() -> Path:
    """Return the notebooks folder of a source checkout, else ./notebooks."""
    here = Path(__file__).resolve().parents[1] / "notebooks"
    return here if here.is_dir() else Path.cwd() / "notebooks"


def _lab(args: argparse.Namespace) -> int:
    settings = load_settings(getattr(args, "db", None), getattr(args, "data", None))
    env = dict(
        os.environ, CERTREVIEW_DB=settings.db_url, CERTREVIEW_DATA=str(settings.data_dir.resolve())
    )
    folder = notebooks_dir()
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--notebook-dir={folder}",
        # Office machines: no news pop-up, no update checks, no extension installs.
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    review = folder / "02_unified_review.ipynb"
    if review.exists():
        command.append(str(review))
    if args.no_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI machines often run as root
    return subprocess.call(command, env=env)


if __name__ == "__main__":
    raise SystemExit(main())
