"""Import the roster, the catalog and the standards: upsert by key, report bad rows."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from certreview.i18n import N_, _, ngettext
from certreview.ingest.read_table import Table, TableError, read_table
from certreview.rules.catalog import split_aliases
from certreview.rules.cells import cell_limit
from certreview.rules.contract import STUDENT_STATUSES
from certreview.rules.normalise import is_blank, normalise_id
from certreview.rules.standards import StandardsError, parse_standards
from certreview.store.models import CatalogItem, ImportLog, Standard, Student

_Row = TypeVar("_Row", Student, CatalogItem, Standard)
# How many students a note lists by line before "and N more".
MAX_LISTED = 20

ROSTER_REQUIRED = ("student_id", "name", "admission_year", "status")
ROSTER_OPTIONAL = ("program", "class_name", "exit_year", "email")
CATALOG_REQUIRED = ("code", "category", "name", "level", "points", "group", "aliases")
# The registrar's words for a status. 延修/延畢 (staying on to finish) is still enrolled;
# 肄業 (left without a degree) counts as withdrawn: either way the exit year ends enrollment.
STATUS_WORDS = {
    "在學": "enrolled",
    "在校": "enrolled",
    "延修": "enrolled",
    "延畢": "enrolled",
    "畢業": "graduated",
    "已畢業": "graduated",
    "退學": "withdrawn",
    "肄業": "withdrawn",
    "休學": "suspended",
}
# Statuses whose students have left, so their roster row should carry an exit year.
LEFT_STATUSES = ("graduated", "withdrawn")


@dataclass
class ImportResult:
    """What an import did: counts by outcome, one-line problems by file row, and notes."""

    kind: str
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1

    def summary(self) -> str:
        """Return one line such as 'roster: 3 added, 1 updated, 1 row not imported'."""
        # Rows with a problem are "skipped" in the counts and the log; the line says plainly
        # that they are not in the database, as the import itself still succeeded (exit 0).
        parts = [
            ngettext("{n} row not imported", "{n} rows not imported", n).format(n=n)
            if outcome == "skipped"
            else _(OUTCOMES.get(outcome, "{n} {outcome}")).format(n=n, outcome=outcome)
            for outcome, n in self.counts.items()
        ] or [_("nothing to import")]
        return _(SUMMARIES.get(self.kind, "{kind}: {parts}")).format(
            kind=self.kind, parts=", ".join(parts)
        )


# How an import's counts read (the counts themselves are codes, kept in the import log).
SUMMARIES = {
    "roster": N_("roster: {parts}"),
    "catalog": N_("catalog: {parts}"),
    "standards": N_("standards: {parts}"),
}
OUTCOMES = {
    "added": N_("{n} added"),
    "updated": N_("{n} updated"),
    "unchanged": N_("{n} unchanged"),
    "removed": N_("{n} removed"),
    "uploads updated": N_("{n} uploads updated"),
}


def _whole_number(text: str, what: str) -> int:
    cleaned = text.strip().removesuffix("學年度").removesuffix("年").removeprefix("民國")
    try:
        number = float(cleaned)  # Excel writes 112 as 112.0
    except ValueError:
        number = float("nan")
    if not number.is_integer():
        raise ValueError(_("{what} {text!r} is not a whole number").format(what=what, text=text))
    return int(number)


def import_roster(session: Session, path: Path) -> ImportResult:
    """Upsert the registrar's roster by student ID (normalised) and return what happened."""
    table = read_table(path, ROSTER_REQUIRED, ROSTER_OPTIONAL, kind="roster")
    result = ImportResult("roster", notes=table.notes)
    _skip_unread(result, table)
    existing = {s.student_id: s for s in session.scalars(select(Student))}
    no_exit: list[str] = []
    for line, row, cut in zip(table.line_numbers, table.rows, table.cut, strict=True):
        try:
            _refuse_cut(normalise_id(row["student_id"]), cut)
            values = _roster_values(row)
        except ValueError as exc:
            result.problems.append((line, str(exc)))
            result.count("skipped")
            continue
        key = str(values["student_id"])
        existing[key] = _upsert(session, result, existing.get(key), Student, values)
        if values["status"] in LEFT_STATUSES and values["exit_year"] is None:
            no_exit.append(
                _("line {line} {student_id} ({status})").format(
                    line=line, student_id=key, status=values["status"]
                )
            )
    result.problems.sort()
    if no_exit:
        more = len(no_exit) - MAX_LISTED
        listed = ", ".join(no_exit[:MAX_LISTED])
        if more > 0:
            listed = _("{listed} and {more} more").format(listed=listed, more=more)
        result.notes.append(
            ngettext(
                "{file}: no exit_year (離校學年度) for {n} graduated or withdrawn student: "
                "{listed} — until it is added they count as enrolled up to this year; "
                "add it and import again",
                "{file}: no exit_year (離校學年度) for {n} graduated or withdrawn students: "
                "{listed} — until it is added they count as enrolled up to this year; "
                "add it and import again",
                len(no_exit),
            ).format(file=Path(path).name, n=len(no_exit), listed=listed)
        )
    _recheck_uploads(session, result)
    _log(session, result, path)
    return result


def status_code(word: str) -> str | None:
    """Return the status code for a roster's status word (English or Chinese), else None.

    >>> status_code(" 延修 "), status_code("Graduated"), status_code("轉系")
    ('enrolled', 'graduated', None)
    """
    key = unicodedata.normalize("NFKC", word).strip().lower()
    return key if key in STUDENT_STATUSES else STATUS_WORDS.get(key)


def _roster_values(row: dict[str, str]) -> dict[str, object]:
    student_id = normalise_id(row["student_id"])
    if not student_id:
        raise ValueError(_("student_id is blank"))
    if is_blank(row["name"]):
        raise ValueError(_("{student_id}: name is blank").format(student_id=student_id))
    status = status_code(row["status"])
    if status is None:
        raise ValueError(
            _(
                "{student_id}: status {status!r} is not one of {statuses} (or {words}) — correct "
                "it in the file and import again"
            ).format(
                student_id=student_id,
                status=row["status"],
                statuses=", ".join(STUDENT_STATUSES),
                words=", ".join(STATUS_WORDS),
            )
        )
    exit_year = row.get("exit_year", "").strip()
    return {
        "student_id": student_id,
        "name": row["name"].strip(),
        "admission_year": _whole_number(row["admission_year"], f"{student_id}: admission_year"),
        "status": status,
        "program": row.get("program", "").strip() or None,
        "class_name": row.get("class_name", "").strip() or None,
        "exit_year": _whole_number(exit_year, f"{student_id}: exit_year") if exit_year else None,
        "email": row.get("email", "").strip() or None,
    }


def import_catalog(session: Session, path: Path) -> ImportResult:
    """Upsert the catalog items by code and return what happened."""
    table = read_table(path, CATALOG_REQUIRED, kind="catalog")
    result = ImportResult("catalog", notes=table.notes)
    _skip_unread(result, table)
    existing = {c.code: c for c in session.scalars(select(CatalogItem))}
    for line, row, cut in zip(table.line_numbers, table.rows, table.cut, strict=True):
        code = row["code"].strip()
        try:
            _refuse_cut(code, cut)
            if not code or is_blank(row["name"]) or is_blank(row["category"]):
                raise ValueError(
                    _("{row}: code, category and name are required").format(row=code or _("a row"))
                )
            try:
                points = float(row["points"].strip() or "nan")
            except ValueError:
                points = float("nan")
            if points != points or points < 0:
                raise ValueError(
                    _("{code}: points {points!r} is not a number ≥ 0").format(
                        code=code, points=row["points"]
                    )
                )
        except ValueError as exc:
            result.problems.append((line, str(exc)))
            result.count("skipped")
            continue
        values = {
            "category": row["category"].strip(),
            "name": row["name"].strip(),
            "level": row["level"].strip() or None,
            "points": points,
            "group": row["group"].strip() or code,  # an empty group: the item is its own group
            "aliases": "|".join(split_aliases(row["aliases"])) or None,
        }
        existing[code] = _upsert(
            session, result, existing.get(code), CatalogItem, {"code": code, **values}
        )
    result.problems.sort()
    _recheck_uploads(session, result)
    _log(session, result, path)
    return result


def _skip_unread(result: ImportResult, table: Table) -> None:
    """Report the lines the reader could not read as skipped rows."""
    for line, why in table.unread:
        result.problems.append((line, _("{why} — row not read").format(why=why)))
        result.count("skipped")


def _refuse_cut(key: str, cut: list[str]) -> None:
    """Raise ValueError naming the cells of a row that were too long to keep."""
    if cut:
        what = ", ".join(
            _("{column} is over {limit} characters").format(column=c, limit=cell_limit(c))
            for c in cut
        )
        raise ValueError(
            _("{row}: {what} — shorten it in the file").format(
                row=key[:40] or _("a row"), what=what
            )
        )


# A standards file is a few dozen lines; anything near this is not one.
MAX_STANDARDS_BYTES = 1024 * 1024


def import_standards(session: Session, path: Path) -> ImportResult:
    """Replace the course standards with those in a TOML file (their order is kept)."""
    name = Path(path).name
    if not Path(path).is_file():
        raise TableError(_("{path}: no such file").format(path=path))
    if Path(path).stat().st_size > MAX_STANDARDS_BYTES:
        raise TableError(
            _("{name}: over {limit} KB — is this the standards TOML file?").format(
                name=name, limit=MAX_STANDARDS_BYTES // 1024
            )
        )
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TableError(
            _("{name}: line {line} is not UTF-8 text — save the TOML file as UTF-8").format(
                name=name, line=line
            )
        ) from None
    try:
        rules = parse_standards(text)
    except StandardsError as exc:
        raise TableError(_("{name}: {problem}").format(name=name, problem=exc)) from None
    result = ImportResult("standards")
    existing = {s.name: s for s in session.scalars(select(Standard))}
    for position, rule in enumerate(rules):
        values = {
            "position": position,
            "admission_from": rule.admission_from,
            "admission_to": rule.admission_to,
            "programs": list(rule.programs) if rule.programs is not None else None,
            "during_enrollment": rule.during_enrollment,
            "min_count": rule.min_count,
            "min_points": rule.min_points,
            "min_per_category": dict(rule.min_per_category),
        }
        _upsert(
            session, result, existing.pop(rule.name, None), Standard, {"name": rule.name, **values}
        )
    for gone in existing.values():
        session.delete(gone)  # standards are configuration, not student data
        result.count("removed")
    _recheck_uploads(session, result)
    _log(session, result, path)
    return result


def _upsert(
    session: Session,
    result: ImportResult,
    row: _Row | None,
    model: type[_Row],
    values: dict[str, Any],
) -> _Row:
    """Add a new row, or update ROW in place when any value changed; count which it was."""
    if row is None:
        row = model(**values)
        session.add(row)
        result.count("added")
    elif any(getattr(row, k) != v for k, v in values.items()):
        for key, value in values.items():
            setattr(row, key, value)
        result.count("updated")
    else:
        result.count("unchanged")
    return row


def _recheck_uploads(session: Session, result: ImportResult) -> None:
    # The roster, catalog and standards decide how an upload is matched and flagged: an
    # upload made before its student was on the roster is linked now.
    from certreview.ingest.recheck import reassess

    changed = reassess(session)
    if changed:
        result.counts["uploads updated"] = changed


def _log(session: Session, result: ImportResult, path: Path) -> None:
    session.add(
        ImportLog(
            kind=result.kind, source=str(path), imported_at=datetime.now(), counts=result.counts
        )
    )


__all__ = ["ImportResult", "Table", "import_catalog", "import_roster", "import_standards"]
