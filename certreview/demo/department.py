"""A realistic synthetic department: roster, catalog, standards, two rounds of uploads, decisions.

The demo writes the department's files the way the registrar and the upload platform would
(CSV exports, an images folder and a ZIP) and then imports them through the real intake, so
`certreview demo` exercises the same path the office uses in May.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Iterator, Mapping
from datetime import timedelta
from importlib import resources
from pathlib import Path

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from certreview.config import display_url
from certreview.demo.reviewers import decide_demo
from certreview.demo.roster import DEMO_EMAIL_DOMAIN, DemoStudent, make_students
from certreview.demo.uploads import ROUNDS, Picture, make_submissions, write_images
from certreview.i18n import _
from certreview.ingest.reference import import_catalog, import_roster, import_standards
from certreview.ingest.submissions import IntakeOptions, import_submissions, parse_cutoff
from certreview.store.demomark import mark_demo
from certreview.store.models import Base, Round, Student, Submission
from certreview.workspace import Workspace


class DemoRefused(ValueError):
    """The demo would mix fake students and decisions into a real department."""


def demo_dir(ws: Workspace) -> Path:
    """Return where the demo writes the department's input files."""
    return ws.settings.data_dir / "demo-input"


def build_demo(
    ws: Workspace,
    *,
    seed: int = 0,
    students: int = 420,
    submissions: int = 1600,
    force: bool = False,
) -> str:
    """Write and import a synthetic department into WS, decide part of it, and return a summary.

    Everything is written to the database in one transaction, so a demo that is killed halfway
    leaves the database as it was; with FORCE an earlier demo department is replaced.
    """
    with ws.Session() as session:
        _check_empty(session, ws, force)
    rng = random.Random(seed)
    folder = demo_dir(ws)
    folder.mkdir(parents=True, exist_ok=True)
    roster = make_students(rng, students)
    _write_csv(folder / "roster.csv", DemoStudent.__dataclass_fields__, [vars(s) for s in roster])
    catalog_text = (
        resources.files("certreview.templates").joinpath("demo_catalog.csv").read_text("utf-8")
    )
    (folder / "catalog.csv").write_text(catalog_text, encoding="utf-8")
    standards_text = (
        resources.files("certreview.templates").joinpath("demo_standards.toml").read_text("utf-8")
    )
    (folder / "standards.toml").write_text(standards_text, encoding="utf-8")
    catalog = list(csv.DictReader(io.StringIO(catalog_text)))

    # The slow part (rendering images) comes first, so the transaction below stays short.
    shares = [0.45, 0.55]
    made: dict[str, list[Picture]] = {}
    uploads = []
    for (name, start, cutoff), share in zip(ROUNDS, shares, strict=True):
        count = round(submissions * share)
        rows, images = make_submissions(rng, roster, catalog, name, start, count, made)
        export = folder / f"submissions_{name}.csv"
        _write_csv(export, rows[0].keys(), rows)
        uploads.append((name, start, cutoff, export, write_images(folder, name, images)))

    results = []
    with ws.Session.begin() as session:
        _check_empty(session, ws, force)  # again: another process may have written meanwhile
        if force:
            _clear(session)
        mark_demo(session)
        import_roster(session, folder / "roster.csv")
        import_catalog(session, folder / "catalog.csv")
        import_standards(session, folder / "standards.toml")
        for name, start, cutoff, export, target in uploads:
            options = IntakeOptions(
                round_name=name, cutoff=parse_cutoff(cutoff), today=start + timedelta(days=120)
            )
            result = import_submissions(session, ws.store, export, target, options)
            results.append((name, result))
        decided = decide_demo(session, rng)
    for name, result in results:
        result.write_report(folder / f"intake_report_{name}.csv")
    return "\n".join(
        [
            _("demo department in {folder}: {n} students").format(
                folder=ws.settings.data_dir, n=len(roster)
            ),
            *(result.summary() for _round, result in results),
            _("decisions: {n}").format(n=decided),
        ]
    )


def _check_empty(session: Session, ws: Workspace, force: bool) -> None:
    """Raise DemoRefused unless the database is empty, or FORCE and it holds only a demo."""
    students_now = session.scalar(select(func.count()).select_from(Student)) or 0
    uploads_now = session.scalar(select(func.count()).select_from(Submission)) or 0
    if not (students_now or uploads_now):
        return
    demo = is_demo_department(session)
    if force and demo:
        return
    # Decisions are never deleted: fake ones must not land in a real department.
    if demo:
        hint = _("it is an earlier demo: add --force to replace it")
    elif force:
        hint = _("it is not a demo department, so --force leaves it alone")
    else:
        hint = _("build the demo in an empty one, e.g. --data demo-data")
    raise DemoRefused(
        _(
            "{url} already holds a department ({students} students, {uploads} uploads) — {hint}"
        ).format(
            url=display_url(ws.settings.db_url),
            students=students_now,
            uploads=uploads_now,
            hint=hint,
        )
    )


def is_demo_department(session: Session) -> bool:
    """Return whether every student and upload in the database is one the demo makes."""
    real_students = session.scalar(
        select(func.count())
        .select_from(Student)
        .where(or_(Student.email.is_(None), Student.email.not_like(f"%{DEMO_EMAIL_DOMAIN}")))
    )
    round_names = [name for name, _, _ in ROUNDS]
    real_uploads = session.scalar(
        select(func.count())
        .select_from(Submission)
        .join(Round)
        .where(
            or_(
                Round.name.not_in(round_names),
                *(
                    # The demo's IDs are ROUND-NNNNN; the upload platform's never look like that.
                    and_(Round.name == name, Submission.submission_id.not_like(f"{name}-_____"))
                    for name in round_names
                ),
            )
        )
    )
    return real_students == 0 and real_uploads == 0


def _clear(session: Session) -> None:
    """Delete every row of an earlier demo department (never called on a real one)."""
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(table.delete())


def _write_csv(path: Path, columns: Iterable[str], rows: Iterable[Mapping[str, object]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)


def iter_demo_files(ws: Workspace) -> Iterator[Path]:
    """Yield the input files the demo wrote (for the intake notebook's file pickers)."""
    yield from sorted(
        p for p in demo_dir(ws).iterdir() if p.suffix in {".csv", ".xlsx", ".toml", ".zip"}
    )
