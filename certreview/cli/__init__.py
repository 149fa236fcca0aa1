"""The `certreview` command line: a thin edge over the library; each command is one transaction."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from certreview.cli import commands, notify
from certreview.cli.app import AppRefused, run_app
from certreview.cli.parser import argparse_in_language, build_parser, requested_language
from certreview.config import load_settings
from certreview.i18n import _, set_language
from certreview.reports.terminal import terminal_text

if TYPE_CHECKING:
    from certreview.workspace import Workspace

DEBUG_ENV = "CERTREVIEW_DEBUG"


class CommandError(Exception):
    """A command that cannot go on; str() is the one line for stderr."""


class Stopped(KeyboardInterrupt):
    """SIGTERM arrived: stop like Ctrl-C, so transactions roll back and worker pools shut down."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status (0 ok, 1 bad input or state, 2 usage).

    `--lang` holds for this run; afterwards the language comes from CERTREVIEW_LANG again.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    language = requested_language(argv)
    if language:
        set_language(language)  # before the parser is built: its help and errors are words too
    try:
        with argparse_in_language():
            args = build_parser().parse_args(argv)
        return _main(args)
    finally:
        if language:
            set_language(None)


def _main(args: argparse.Namespace) -> int:
    previous = _stop_on_sigterm()
    try:
        return _run(args)
    except KeyboardInterrupt as exc:
        print(
            "certreview: " + _("interrupted; nothing was saved from the unfinished step"),
            file=sys.stderr,
        )
        return 128 + (signal.SIGTERM if isinstance(exc, Stopped) else signal.SIGINT)
    except Exception as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        known = _known_errors()
        if isinstance(exc, DBAPIError | ArgumentError):
            message = _database_problem(exc, args)
        elif isinstance(exc, known):
            message = str(exc)
        else:
            message = _(
                "unexpected {error}: {detail} (set {variable}=1 for details and report it)"
            ).format(error=type(exc).__name__, detail=exc, variable=DEBUG_ENV)
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


def _database_problem(exc: Exception, args: argparse.Namespace) -> str:
    """Return one line about a database that cannot be reached or used, naming it."""
    from certreview.store.engine import database_error_text

    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    if isinstance(exc, ArgumentError):
        return _(
            "the database URL is not valid ({detail}) — e.g. sqlite:///data/certreview.sqlite"
        ).format(detail=detail)
    try:
        url = make_url(load_settings(getattr(args, "db", None), getattr(args, "data", None)).db_url)
    except (ArgumentError, ValueError):
        return _("database error: {detail} — check --db / CERTREVIEW_DB").format(detail=detail)
    return database_error_text(exc, url)


def _known_errors() -> tuple[type[BaseException], ...]:
    from certreview.images.sources import ImageSourceError
    from certreview.ingest.read_table import TableError
    from certreview.reports.student import UnknownStudent
    from certreview.store.backup import BackupError
    from certreview.store.decisions import DecisionError
    from certreview.store.engine import SchemaError

    return (
        AppRefused,
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
        return commands.lab(args)
    if args.command == "app":
        return run_app(args)
    if args.command in {"backup", "verify-backup", "restore"}:
        # No schema check: a backup is most wanted just before `certreview init` upgrades.
        return {
            "backup": commands.backup,
            "verify-backup": commands.verify_backup,
            "restore": commands.restore,
        }[args.command](args)
    ws = _workspace(args, create=args.command in {"init", "demo"})
    try:
        handler = {
            "init": commands.init,
            "demo": commands.demo,
            "import": commands.import_files,
            "decide": commands.decide,
            "export": commands.export,
            "status": commands.status,
            "notify": notify.notify,
            "doctor": commands.doctor,
            "purge": commands.purge,
            "read": commands.read,
        }[args.command]
        return handler(ws, args)
    finally:
        ws.close()
