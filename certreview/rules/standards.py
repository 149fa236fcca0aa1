"""Course standards (課程標準): read the TOML file and pick the standard a student falls under."""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from certreview.i18n import _


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


_KEYS = (
    "name",
    "admission_from",
    "admission_to",
    "programs",
    "during_enrollment",
    "min_count",
    "min_points",
    "min_per_category",
)
_REQUIRED = ("name", "admission_from", "during_enrollment", "min_count", "min_points")
# ROC academic years a department can mean (AY 1 is 1912; AY 300 is 2211).
YEARS = range(1, 301)
# More certificates or points than any standard could ask: a larger number is a typo.
MAX_COUNT = 1000
MAX_POINTS = 1_000_000
MAX_TEXT = 200  # names of standards, programs and categories (the database keeps 200)
_TOML_AT = re.compile(r"^(?P<what>.*?) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")


def parse_standards(text: str) -> list[Rule]:
    """Return the rules of a standards TOML text, in file order, or raise StandardsError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_AT.match(str(exc))
        if found:
            where = _("line {line}, column {column}").format(
                line=found["line"], column=found["column"]
            )
            what = found["what"]
        else:  # tomllib says "(at end of document)": the last line is where it broke
            last = text.rstrip().count("\n") + 1
            where = _("line {line}, at the end of the file").format(line=last)
            what = str(exc).removesuffix(" (at end of document)")
        raise StandardsError(
            _("{where}: not valid TOML ({what}) — check quotes, brackets and '=' there").format(
                where=where, what=what
            )
        ) from None
    except RecursionError:
        raise StandardsError(
            _("lists or tables are nested too deeply — a standard holds only plain values")
        ) from None
    tables = data.get("standard")
    if not isinstance(tables, list) or not tables:
        raise StandardsError(
            _("no [[standard]] tables found — each standard starts with [[standard]]")
        )
    extra = sorted(set(data) - {"standard"})
    if extra:
        raise StandardsError(
            _(
                "unknown key {key!r} outside the standards — "
                "put every setting under a [[standard]] line"
            ).format(key=extra[0])
        )
    rules = [_rule(i, table) for i, table in enumerate(tables, start=1)]
    names = [r.name for r in rules]
    twice = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if twice is not None:
        raise StandardsError(
            _("standard {name!r} appears twice — give each standard a distinct name").format(
                name=twice
            )
        )
    return rules


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text_problem(value: object) -> str | None:
    """Return what is wrong with a name in the standards file, or None."""
    if not isinstance(value, str) or not value.strip():
        return _("must be text")
    if len(value) > MAX_TEXT:
        return _("is longer than {n} characters").format(n=MAX_TEXT)
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        return _("holds invisible control characters")
    return None


def _rule(index: int, table: object) -> Rule:
    where = _("standard #{index}").format(index=index)
    if not isinstance(table, dict):
        raise StandardsError(
            _("{where}: is not a table — start each standard with [[standard]]").format(where=where)
        )
    name = table.get("name")
    problem = _text_problem(name) if "name" in table else None
    if problem is None and isinstance(name, str):
        where = _("standard {name!r}").format(name=name.strip())
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        close = difflib.get_close_matches(unknown[0], _KEYS, n=1)
        fix = (
            _("did you mean '{key}'?").format(key=close[0])
            if close
            else _("the keys are {keys}").format(keys=", ".join(_KEYS))
        )
        raise StandardsError(
            _("{where}: unknown keys {keys} — {fix}").format(
                where=where, keys=", ".join(unknown), fix=fix
            )
        )
    for key in _REQUIRED:
        if key not in table:
            raise StandardsError(
                _("{where}: missing '{key}' — add a line {key} = ...").format(where=where, key=key)
            )
    if problem:
        raise StandardsError(
            _("{where}: 'name' {problem} — give it a short plain name").format(
                where=where, problem=problem
            )
        )
    for key in ("admission_from", "admission_to"):
        value = table.get(key)
        if value is not None and not (_is_int(value) and value in YEARS):
            raise StandardsError(
                _(
                    "{where}: '{key}' must be an ROC academic year from {first} to {last} "
                    "such as 111, not {value!r}"
                ).format(where=where, key=key, first=YEARS.start, last=YEARS.stop - 1, value=value)
            )
    if "admission_to" in table and table["admission_to"] < table["admission_from"]:
        raise StandardsError(
            _("{where}: admission_to {to} is before admission_from {start} — swap them").format(
                where=where, to=table["admission_to"], start=table["admission_from"]
            )
        )
    count = table["min_count"]
    if not (_is_int(count) and 0 <= count <= MAX_COUNT):
        raise StandardsError(
            _("{where}: 'min_count' must be a whole number from 0 to {most}, not {value!r}").format(
                where=where, most=MAX_COUNT, value=count
            )
        )
    if not isinstance(table["during_enrollment"], bool):
        raise StandardsError(
            _("{where}: 'during_enrollment' must be true or false").format(where=where)
        )
    points = table["min_points"]
    if not (
        isinstance(points, int | float)
        and not isinstance(points, bool)
        and 0 <= points <= MAX_POINTS  # also false for nan; inf and 1e400 are above
    ):
        raise StandardsError(
            _("{where}: 'min_points' must be a number from 0 to {most:,}, not {value!r}").format(
                where=where, most=MAX_POINTS, value=points
            )
        )
    programs = table.get("programs")
    if programs is not None:
        if not isinstance(programs, list) or not programs:
            raise StandardsError(
                _(
                    "{where}: 'programs' must be a list of program names such as [\"Day\"] "
                    "— leave it out to mean every program"
                ).format(where=where)
            )
        for program in programs:
            if (problem := _text_problem(program)) is not None:
                raise StandardsError(
                    _(
                        "{where}: 'programs' has a name that {problem} — write plain program names"
                    ).format(where=where, problem=problem)
                )
    per_category = table.get("min_per_category", {})
    if not isinstance(per_category, dict):
        raise StandardsError(
            _("{where}: [standard.min_per_category] must map categories to counts").format(
                where=where
            )
        )
    for category, minimum in per_category.items():
        if (problem := _text_problem(category)) is not None:
            raise StandardsError(
                _("{where}: [standard.min_per_category] has a category that {problem}").format(
                    where=where, problem=problem
                )
            )
        if not (_is_int(minimum) and 0 <= minimum <= MAX_COUNT):
            raise StandardsError(
                _(
                    "{where}: [standard.min_per_category] {category} must be a whole number "
                    "from 0 to {most}, not {value!r}"
                ).format(where=where, category=category, most=MAX_COUNT, value=minimum)
            )
    return Rule(
        name=name.strip(),
        admission_from=table["admission_from"],
        admission_to=table.get("admission_to"),
        programs=tuple(programs) if programs is not None else None,
        during_enrollment=table["during_enrollment"],
        min_count=count,
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
