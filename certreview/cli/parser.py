"""The command line's words: every command, option and its help, in the language chosen."""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from certreview import __version__
from certreview.cli import notify
from certreview.cli.app import add_app_parser
from certreview.i18n import N_, _

LANG_CHOICES = ("zh-TW", "en")

# argparse's own words, looked up through its module-level `_` (gettext's default domain):
# the msgids of Python's argparse, translated in our catalog and put in while we parse.
ARGPARSE_WORDS = (
    N_("usage: "),
    N_("%(prog)s: error: %(message)s\n"),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("one of the arguments %s is required"),
)


@contextmanager
def argparse_in_language() -> Iterator[None]:
    """Let argparse's own words ("usage:", "error:", ...) follow our language while inside.

    Installing our translation for argparse's module-level `_` only while we build and parse
    keeps it from the process's gettext setup (which follows the OS locale, not --lang).
    """
    previous = argparse._  # type: ignore[attr-defined]
    argparse._ = _  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = previous  # type: ignore[attr-defined]


def requested_language(argv: Sequence[str]) -> str | None:
    """Return the value of `--lang` in ARGV (before parsing, so help and errors use it), or None.

    >>> requested_language(["status", "B1", "--lang", "en"]), requested_language(["--lang=zh-TW"])
    ('en', 'zh-TW')
    """
    for i, word in enumerate(argv):
        if word == "--":
            break
        if word == "--lang" and i + 1 < len(argv):
            return argv[i + 1] if argv[i + 1] in LANG_CHOICES else None
        if word.startswith("--lang="):
            value = word.partition("=")[2]
            return value if value in LANG_CHOICES else None
    return None


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser (the README's command list is checked against it)."""
    language = argparse.ArgumentParser(add_help=False)
    language.add_argument(
        "--lang",
        choices=LANG_CHOICES,
        default=argparse.SUPPRESS,
        help=_("language of messages (default: $CERTREVIEW_LANG, else zh-TW)"),
    )
    common = argparse.ArgumentParser(add_help=False, parents=[language])
    common.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help=_("database URL (default: $CERTREVIEW_DB or the SQLite file in the data dir)"),
    )
    common.add_argument(
        "--data",
        default=argparse.SUPPRESS,
        help=_("data directory (default: $CERTREVIEW_DATA or ./data)"),
    )
    parser = argparse.ArgumentParser(
        prog="certreview",
        description=_("The department's certificate review workbench."),
        parents=[common],
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"certreview {__version__}",
        help=_("show program's version number and exit"),  # Python 3.11 does not translate it
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("init", parents=[common], help=_("create or upgrade the database"))
    demo = sub.add_parser(
        "demo", parents=[common], help=_("build a realistic synthetic department, ready to review")
    )
    demo.add_argument(
        "--seed", type=int, default=0, help=_("random seed (the demo is deterministic)")
    )
    demo.add_argument("--students", type=int, default=420, metavar="N", help=_("how many students"))
    demo.add_argument(
        "--submissions", type=int, default=1600, metavar="N", help=_("how many uploads")
    )
    demo.add_argument(
        "--force",
        action="store_true",
        help=_("replace an earlier demo department (never a real one)"),
    )

    imp = sub.add_parser("import", parents=[common], help=_("import a department file"))
    kinds = imp.add_subparsers(dest="kind", required=True, metavar="KIND")
    demo_ok = argparse.ArgumentParser(add_help=False, parents=[common])
    demo_ok.add_argument(
        "--allow-demo", action="store_true", help=_("import into a database built by `demo`")
    )
    for kind, what in (
        ("roster", _("the registrar's roster (CSV/XLSX)")),
        ("catalog", _("the certificate catalog (CSV/XLSX)")),
    ):
        p = kinds.add_parser(kind, parents=[demo_ok], help=what)
        p.add_argument("file", type=Path, metavar="FILE", help=_("the file to import"))
    p = kinds.add_parser("standards", parents=[demo_ok], help=_("the course standards (TOML)"))
    p.add_argument("file", type=Path, metavar="FILE.toml", help=_("the file to import"))
    p = kinds.add_parser("submissions", parents=[demo_ok], help=_("the upload platform's export"))
    p.add_argument("file", type=Path, metavar="FILE", help=_("the file to import"))
    p.add_argument(
        "--images", type=Path, required=True, metavar="DIR|ZIP", help=_("the images folder or ZIP")
    )
    p.add_argument(
        "--round", metavar="NAME", help=_("review round (default: this academic year, e.g. AY115)")
    )
    p.add_argument(
        "--cutoff", metavar="DATE", help=_("the round's cutoff; later uploads are flagged late")
    )
    p.add_argument("--report", type=Path, metavar="OUT.csv", help=_("write the intake report here"))
    p.add_argument("--workers", type=int, help=_("processes for image checks (default: all cores)"))

    d = sub.add_parser("decide", parents=[common], help=_("record a decision on a submission"))
    d.add_argument("submission_id", metavar="SUBMISSION_ID", help=_("the submission's ID"))
    d.add_argument("verdict", choices=("approve", "reject", "return"), help=_("the decision"))
    d.add_argument("--reason", metavar="CODE", help=_("reject/return reason code"))
    d.add_argument("--note", metavar="TEXT", help=_("a note for the student and the record"))
    d.add_argument(
        "--item",
        metavar="CODE",
        help=_("catalog item, when approving a submission that matched none"),
    )
    d.add_argument("--reviewer", required=True, metavar="NAME", help=_("who decides"))

    e = sub.add_parser(
        "export", parents=[common], help=_("write the eligibility, audit or notices table")
    )
    exporting = argparse.ArgumentParser(add_help=False, parents=[common])
    exporting.add_argument(
        "out", type=Path, metavar="OUT.csv|OUT.xlsx", help=_("the file to write")
    )
    exporting.add_argument("--by", metavar="NAME", help=_("who exports (default: the OS user)"))
    exporting.add_argument(
        "--year", type=int, metavar="AY", help=_("the current academic year (default: today's)")
    )
    statuses = argparse.ArgumentParser(add_help=False)
    statuses.add_argument(
        "--status",
        dest="statuses",
        type=_words,
        metavar="LIST",
        help=_("only students of these roster statuses, e.g. enrolled,graduated (default: all)"),
    )
    # One subcommand per kind, each with only the options its export takes.
    kinds = e.add_subparsers(dest="kind", required=True, metavar="KIND")
    el = kinds.add_parser(
        "eligibility", parents=[exporting, statuses], help=_("one row per roster student")
    )
    el.add_argument(
        "--cohort", type=int, metavar="AY", help=_("only students admitted in this year")
    )
    el.add_argument("--program", metavar="NAME", help=_("only students of this program"))
    kinds.add_parser(
        "audit", parents=[exporting, statuses], help=_("the graduation audit: summary and uploads")
    )
    no = kinds.add_parser("notices", parents=[exporting], help=_("one notice per decided upload"))
    no.add_argument(
        "--round",
        metavar="NAME|all",
        help=_("notices of this review round, or all rounds (default: the current round)"),
    )
    no.add_argument(
        "--templates",
        type=Path,
        metavar="FILE.toml",
        help=_("notice templates (default: built in)"),
    )

    notify.add_parser(sub, common)

    s = sub.add_parser(
        "status", parents=[common], help=_("a student's record, uploads and decisions")
    )
    s.add_argument("student_id", metavar="STUDENT_ID", help=_("the student's ID"))

    b = sub.add_parser("backup", parents=[common], help=_("back up the database and image store"))
    b.add_argument("out", type=Path, metavar="OUT.tar|OUT.tar.gz", help=_("the archive to write"))
    v = sub.add_parser(
        "verify-backup",
        parents=[language],
        help=_("check every checksum and the database of a backup"),
    )
    v.add_argument("archive", type=Path, metavar="ARCHIVE", help=_("the backup archive"))
    r = sub.add_parser("restore", parents=[common], help=_("restore a backup into an empty place"))
    r.add_argument("archive", type=Path, metavar="ARCHIVE", help=_("the backup archive"))
    doc = sub.add_parser(
        "doctor", parents=[common], help=_("check the image store against the database")
    )
    doc.add_argument("--fix", action="store_true", help=_("repair what can be repaired safely"))
    pu = sub.add_parser("purge", parents=[common], help=_("delete students who left, with uploads"))
    pu.add_argument(
        "--left-before",
        type=int,
        required=True,
        metavar="AY",
        help=_("students whose exit year is before this academic year"),
    )
    pu.add_argument("--yes", action="store_true", help=_("really delete (default: only count)"))

    rd = sub.add_parser(
        "read", parents=[common], help=_("read the certificates with OCR (the `ocr` extra)")
    )
    rd.add_argument("--round", metavar="NAME", help=_("only this review round (default: all)"))
    rd.add_argument("--student", metavar="ID", help=_("only this student's uploads"))
    rd.add_argument("--workers", type=int, default=2, help=_("OCR processes (default: 2)"))

    lab = sub.add_parser("lab", parents=[common], help=_("open JupyterLab on the notebooks"))
    lab.add_argument("--no-browser", action="store_true", help=_("do not open a browser"))
    add_app_parser(sub, common)
    return parser


def _words(text: str) -> list[str]:
    """Return the comma-separated words of TEXT (checked by the library, which says what is wrong)."""
    return [word for word in text.split(",") if word.strip()]
