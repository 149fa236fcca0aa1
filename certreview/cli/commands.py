"""What each command does: a thin handler over the library, one transaction each."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from certreview.config import display_url, load_settings, login_name
from certreview.i18n import N_, _, get_language, listed
from certreview.reports.terminal import terminal_text

if TYPE_CHECKING:
    from certreview.workspace import Workspace


def init(ws: Workspace, args: argparse.Namespace) -> int:
    print(_("database ready: {url}").format(url=display_url(ws.settings.db_url)))
    return 0


def demo(ws: Workspace, args: argparse.Namespace) -> int:
    from certreview.demo.department import build_demo

    summary = build_demo(
        ws, seed=args.seed, students=args.students, submissions=args.submissions, force=args.force
    )
    print(summary)
    return 0


def import_files(ws: Workspace, args: argparse.Namespace) -> int:
    from certreview.ingest.service import IntakeService

    if not args.allow_demo and IntakeService(ws).holds_demo():
        # Real students' files in a synthetic department could never be told apart again.
        print(
            "certreview: "
            + _(
                "{url} holds the demo department — import real files into a new database "
                "(--data DIR, then `certreview init`), or add --allow-demo to mix them in anyway"
            ).format(url=display_url(ws.settings.db_url)),
            file=sys.stderr,
        )
        return 1
    if args.kind == "submissions":
        return _import_submissions(ws, args)
    result = IntakeService(ws).import_reference(args.kind, args.file)
    for note in result.notes:
        print(_("note: {note}").format(note=terminal_text(note)), file=sys.stderr)
    for line, problem in result.problems:
        print(
            _("row {row}: {problem}").format(row=line, problem=terminal_text(problem)),
            file=sys.stderr,
        )
    print(result.summary())
    return 0


def _import_submissions(ws: Workspace, args: argparse.Namespace) -> int:
    from certreview.ingest.service import IntakeService
    from certreview.ingest.submissions import IntakeOptions, parse_cutoff
    from certreview.reports.write_table import check_target

    cutoff = parse_cutoff(args.cutoff) if args.cutoff else None
    if args.report:
        # Before the import: a report that cannot be written must not follow a saved import.
        check_target(args.report)
    # The image checks show their own progress bar on a terminal (tqdm, in certreview.images.pool).
    options = IntakeOptions(round_name=args.round, cutoff=cutoff, workers=args.workers)
    result = IntakeService(ws).import_submissions(args.file, args.images, options)
    if args.report:
        result.write_report(args.report)
    for note in result.notes:
        print(_("note: {note}").format(note=terminal_text(note)), file=sys.stderr)
    print(result.summary())
    flags = result.flag_counts()
    if flags:
        # Flag names are codes (the intake report's and the notebooks' words): never translated.
        counts = listed(f"{f} {n}" for f, n in sorted(flags.items(), key=lambda kv: -kv[1]))
        print(_("flags: {counts}").format(counts=counts))
    return 0


# The line `decide` prints for each state a decision leaves (the states are codes elsewhere).
DECIDED = {
    "approved": N_("{submission}: approved (decision #{number})"),
    "rejected": N_("{submission}: rejected (decision #{number})"),
    "returned": N_("{submission}: returned (decision #{number})"),
}


def decide(ws: Workspace, args: argparse.Namespace) -> int:
    from certreview.store.decisions import check_verdict, current_state, decide, find_submission

    verdict = check_verdict(args.verdict, args.reason, args.note, args.item)
    with ws.Session.begin() as session:
        submission = find_submission(session, args.submission_id)
        decision = decide(session, submission, verdict, args.reviewer)
        print(
            _(DECIDED[current_state(decision)]).format(
                submission=terminal_text(submission.submission_id), number=decision.id
            )
        )
    return 0


def export(ws: Workspace, args: argparse.Namespace) -> int:
    from certreview.reports.exports import EXPORTS

    # The kind's subcommand parsed exactly the options its export takes.
    options = {k: v for k, v in vars(args).items() if k not in {"command", "kind", "out"}}
    options.pop("db", None)
    options.pop("data", None)
    options.pop("lang", None)
    options["by"] = options["by"] or login_name()
    with ws.Session.begin() as session:
        done = EXPORTS[args.kind](session, args.out, **options)
    for line in done.lines():
        print(terminal_text(line))
    return 0


def status(ws: Workspace, args: argparse.Namespace) -> int:
    from certreview.reports.student import student_status

    with ws.Session() as session:
        print(student_status(session, args.student_id))
    return 0


def backup(args: argparse.Namespace) -> int:
    from certreview.config import load_settings
    from certreview.store.backup import backup
    from certreview.store.engine import make_engine

    settings = load_settings(getattr(args, "db", None), getattr(args, "data", None))
    engine = make_engine(settings.db_url)
    try:
        print(f"{args.out}: {backup(engine, settings.store_dir, args.out).summary()}")
    finally:
        engine.dispose()
    return 0


def verify_backup(args: argparse.Namespace) -> int:
    from certreview.store.restore import verify

    print(f"{args.archive}: {verify(args.archive).summary()}")
    return 0


def restore(args: argparse.Namespace) -> int:
    from certreview.config import load_settings
    from certreview.store.restore import restore

    settings = load_settings(getattr(args, "db", None), getattr(args, "data", None))
    done = restore(args.archive, settings.db_url, settings.data_dir)
    print(
        _("restored into {folder} and the database; {summary}").format(
            folder=settings.data_dir, summary=done.summary()
        )
    )
    return 0


def doctor(ws: Workspace, args: argparse.Namespace) -> int:
    from certreview.store.doctor import examine, repair

    with ws.Session() as session:
        checkup = examine(session, ws.store)
    for line in checkup.lines():
        print(line)
    if args.fix:
        done = repair(ws.Session, ws.store, checkup, ws.settings.data_dir / "quarantine")
        for line in done.lines():
            print(_("fixed: {line}").format(line=line))
        return 0
    return 0 if checkup.healthy else 1


def purge(ws: Workspace, args: argparse.Namespace) -> int:
    from certreview.store.purge import plan_purge, purge, remove_files

    with ws.Session.begin() as session:
        plan = plan_purge(session, args.left_before)
        if not args.yes:
            print(
                _("would delete {what} — run again with --yes to delete them").format(
                    what=plan.summary()
                )
            )
            return 0
        purge(session, plan)
    # Files go only after the rows are gone for good; a crash in between leaves orphans,
    # which `certreview doctor --fix` removes.
    with ws.Session() as session:
        files = remove_files(session, ws.store, plan.images)
    print(
        _("deleted {what}; {files} stored files removed").format(what=plan.summary(), files=files)
    )
    return 0


def read(ws: Workspace, args: argparse.Namespace) -> int:
    from certreview.i18n import _
    from certreview.images.ocr import PIP_INSTALL, ocr_available
    from certreview.ingest.reading import read_uploads

    if not ocr_available():
        print(
            _(
                "certreview: reading certificates needs the OCR extra — install it: {command}"
            ).format(command=PIP_INSTALL),
            file=sys.stderr,
        )
        return 1
    # The progress bar shows on a terminal (tqdm); each few readings are saved as they come.
    result = read_uploads(
        ws.Session, ws.store, args.round, student=args.student, workers=max(1, args.workers)
    )
    print(result.summary())
    return 0


def notebooks_dir() -> Path:
    """Return the notebooks folder of a source checkout, else ./notebooks."""
    here = Path(__file__).resolve().parents[2] / "notebooks"
    return here if here.is_dir() else Path.cwd() / "notebooks"


# JupyterLab's own language (menus, dialogs) comes from its language packs.
LAB_LOCALE = "@jupyterlab/translation-extension:plugin"


def lab_settings(data_dir: Path) -> Path:
    """Write JupyterLab's default settings for our language; return the folder to give it.

    The installation's own defaults (overrides.json, page_config.json) are kept; only the
    display language's default is set: zh_TW (jupyterlab-language-pack-zh-tw) or en. A
    language a person picks in JupyterLab's Settings menu still wins.
    """
    import json
    import shutil

    from jupyterlab.commands import get_app_dir

    installed = Path(get_app_dir()) / "settings"
    folder = data_dir.resolve() / "lab-settings"
    folder.mkdir(parents=True, exist_ok=True)
    overrides: dict[str, dict[str, object]] = {}
    if (installed / "overrides.json").is_file():
        overrides = json.loads((installed / "overrides.json").read_text(encoding="utf-8"))
    if (installed / "page_config.json").is_file():
        shutil.copyfile(installed / "page_config.json", folder / "page_config.json")
    if (installed / "overrides.d").is_dir():
        shutil.copytree(installed / "overrides.d", folder / "overrides.d", dirs_exist_ok=True)
    overrides.setdefault(LAB_LOCALE, {})["locale"] = get_language()
    text = json.dumps(overrides, indent=2, ensure_ascii=False)
    (folder / "overrides.json").write_text(text + "\n", encoding="utf-8")
    return folder


def lab(args: argparse.Namespace) -> int:
    settings = load_settings(getattr(args, "db", None), getattr(args, "data", None))
    env = dict(
        os.environ,
        CERTREVIEW_DB=settings.db_url,
        CERTREVIEW_DATA=str(settings.data_dir.resolve()),
        # The notebooks' kernels speak the language this command was given.
        CERTREVIEW_LANG=get_language(),
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
    command.append(f"--LabApp.app_settings_dir={lab_settings(settings.data_dir)}")
    review = folder / "02_unified_review.ipynb"
    if review.exists():
        command.append(str(review))
    if args.no_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI machines often run as root
    return subprocess.call(command, env=env)
