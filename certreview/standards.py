"""Course standards (課程標準): read the TOML file and pick the standard a student falls under."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


class StandardsError(ValueError):
    """The standards file is not in the `[[standard]]` format; the message says where."""


@dataclass(frozen=True)
class Rule:
    """One course standard as plain data (the pure logic works on these, not on rows)."""

    name: str
    admission_from: int
    admission_to: int | None = None
    programs: tuple[str, ...] | None = None
    during_enrollment: bool = False
    min_count: int = 0
    min_points: float = 0
    min_per_category: dict[str, int] = field(default_factory=dict)

    def applies_to(self, admission_year: int, program: str | None) -> bool:
        """Return True when a student admitted in ADMISSION_YEAR into PROGRAM falls under this."""
        if admission_year < self.admission_from:
            return False
        if self.admission_to is not None and admission_year > self.admission_to:
            return False
        return self.programs is None or (program or "") in self.programs


def pick_rule(rules: Sequence[Rule], admission_year: int, program: str | None) -> Rule | None:
    """Return the first rule that applies to the student, or None (reported, never guessed).

    >>> rules = [Rule("new", 111, during_enrollment=True), Rule("old", 100, 110)]
    >>> pick_rule(rules, 112, "Day").name, pick_rule(rules, 109, None).name, pick_rule(rules, 99, None)
    ('new', 'old', None)
    """
    return next((r for r in rules if r.applies_to(admission_year, program)), None)


def rule_named(rules: Sequence[Rule], name: str | None) -> Rule | None:
    """Return the rule called NAME, as an eligibility result names it (None for none).

    Views show the standard the engine judged a student by, not a second pick of their own.
    """
    return next((r for r in rules if r.name == name), None) if name is not None else None


_KEYS = {
    "name",
    "admission_from",
    "admission_to",
    "programs",
    "during_enrollment",
    "min_count",
    "min_points",
    "min_per_category",
}


def parse_standards(text: str) -> list[Rule]:
    """Return the rules of a standards TOML text, in file order, or raise StandardsError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StandardsError(f"not valid TOML ({exc}) — check quotes and brackets") from None
    tables = data.get("standard")
    if not isinstance(tables, list) or not tables:
        raise StandardsError(
            "no [[standard]] tables found — each standard starts with [[standard]]"
        )
    rules = [_rule(i, table) for i, table in enumerate(tables, start=1)]
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise StandardsError("two standards have the same name — give each a distinct name")
    return rules


def _rule(index: int, table: dict[str, Any]) -> Rule:
    where = f"standard #{index}"
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise StandardsError(f"{where}: unknown keys {', '.join(unknown)}")
    for key in ("name", "admission_from", "min_count", "min_points", "during_enrollment"):
        if key not in table:
            raise StandardsError(f"{where}: missing '{key}'")
    name = table["name"]
    if not isinstance(name, str) or not name.strip():
        raise StandardsError(f"{where}: 'name' must be text")
    where = f"standard {name!r}"
    ints = {k: table.get(k) for k in ("admission_from", "admission_to", "min_count")}
    for key, value in ints.items():
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise StandardsError(f"{where}: '{key}' must be a whole number (an ROC year or count)")
    if not isinstance(table["during_enrollment"], bool):
        raise StandardsError(f"{where}: 'during_enrollment' must be true or false")
    points = table["min_points"]
    if not isinstance(points, int | float) or isinstance(points, bool):
        raise StandardsError(f"{where}: 'min_points' must be a number")
    programs = table.get("programs")
    if programs is not None and (
        not isinstance(programs, list) or not all(isinstance(p, str) for p in programs)
    ):
        raise StandardsError(f"{where}: 'programs' must be a list of program names")
    per_category = table.get("min_per_category", {})
    if not isinstance(per_category, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in per_category.values()
    ):
        raise StandardsError(f"{where}: [standard.min_per_category] must map categories to counts")
    if ints["admission_to"] is not None and ints["admission_to"] < ints["admission_from"]:
        raise StandardsError(f"{where}: admission_to is before admission_from")
    return Rule(
        name=name.strip(),
        admission_from=table["admission_from"],
        admission_to=table.get("admission_to"),
        programs=tuple(programs) if programs is not None else None,
        during_enrollment=table["during_enrollment"],
        min_count=table["min_count"],
        min_points=points,
        min_per_category=dict(per_category),
    )


def rules_from_rows(rows: Iterable[Any]) -> list[Rule]:
    """Return Rules from stored Standard rows (ordered by position)."""
    return [
        Rule(
            name=r.name,
            admission_from=r.admission_from,
            admission_to=r.admission_to,
            programs=tuple(r.programs) if r.programs is not None else None,
            during_enrollment=r.during_enrollment,
            min_count=r.min_count,
            min_points=r.min_points,
            min_per_category=dict(r.min_per_category or {}),
        )
        for r in sorted(rows, key=lambda r: r.position)
    ]
