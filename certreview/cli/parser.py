"""The command line's words: every command, option and its help."""

from __future__ import annotations

import argparse
from pathlib import Path

from certreview import __version__


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
    demo_ok = argparse.ArgumentParser(add_help=False, parents=[common])
    demo_ok.add_argument(
        "--allow-demo", action="store_true", help="import into a database built by `demo`"
    )
    for kind, what in (
        ("roster", "the registrar's roster (CSV/XLSX)"),
        ("catalog", "the certificate catalog (CSV/XLSX)"),
    ):
        p = kinds.add_parser(kind, parents=[demo_ok], help=what)
        p.add_argument("file", type=Path, metavar="FILE")
    p = kinds.add_parser("standards", parents=[demo_ok], help="the course standards (TOML)")
    p.add_argument("file", type=Path, metavar="FILE.toml")
    p = kinds.add_parser("submissions", parents=[demo_ok], help="the upload platform's export")
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
    exporting = argparse.ArgumentParser(add_help=False, parents=[common])
    exporting.add_argument("out", type=Path, metavar="OUT.csv|OUT.xlsx")
    exporting.add_argument("--by", metavar="NAME", help="who exports (default: the OS user)")
    exporting.add_argument(
        "--year", type=int, metavar="AY", help="the current academic year (default: today's)"
    )
    statuses = argparse.ArgumentParser(add_help=False)
    statuses.add_argument(
        "--status",
        dest="statuses",
        type=_words,
        metavar="LIST",
        help="only students of these roster statuses, e.g. enrolled,graduated (default: all)",
    )
    # One subcommand per kind, each with only the options its export takes.
    kinds = e.add_subparsers(dest="kind", required=True, metavar="KIND")
    el = kinds.add_parser(
        "eligibility", parents=[exporting, statuses], help="one row per roster student"
    )
    el.add_argument("--cohort", type=int, metavar="AY", help="only students admitted in this year")
    el.add_argument("--program", metavar="NAME", help="only students of this program")
    kinds.add_parser(
        "audit", parents=[exporting, statuses], help="the graduation audit: summary and uploads"
    )
    no = kinds.add_parser("notices", parents=[exporting], help="one notice per decided upload")
    no.add_argument(
        "--round",
        metavar="NAME|all",
        help="notices of this review round, or all rounds (default: the current round)",
    )
    no.add_argument(
        "--templates", type=Path, metavar="FILE.toml", help="notice templates (default: built in)"
    )

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

    rd = sub.add_parser(
        "read", parents=[common], help="read the certificates with OCR (the `ocr` extra)"
    )
    rd.add_argument("--round", metavar="NAME", help="only this review round (default: all)")
    rd.add_argument("--student", metavar="ID", help="only this student's uploads")
    rd.add_argument("--workers", type=int, default=2, help="OCR processes (default: 2)")

    lab = sub.add_parser("lab", parents=[common], help="open JupyterLab on the notebooks")
    lab.add_argument("--no-browser", action="store_true")
    return parser


def _words(text: str) -> list[str]:
    """Return the comma-separated words of TEXT (checked by the library, which says what is wrong)."""
    return [word for word in text.split(",") if word.strip()]
