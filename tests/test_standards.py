"""Standards files that cannot be right are refused whole, with one line naming the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from certreview.ingest.read_table import TableError
from certreview.ingest.reference import import_standards
from certreview.rules.standards import StandardsError, parse_standards
from certreview.store.models import Standard
from tests.conftest import SAMPLES

GOOD = (
    'name = "AY111+"\nadmission_from = 111\nduring_enrollment = true\n'
    "min_count = 2\nmin_points = 3\n"
)


def standard(**changes: str | None) -> str:
    """Return one [[standard]] table: GOOD with keys replaced (TOML text) or removed (None)."""
    lines = dict(line.split(" = ", 1) for line in GOOD.splitlines())
    for key, value in changes.items():
        if value is None:
            lines.pop(key)
        else:
            lines[key] = value
    return "[[standard]]\n" + "".join(f"{k} = {v}\n" for k, v in lines.items())


S = "standard 'AY111+'"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Numbers that make a standard always met or never met.
        (
            standard(min_count="-5"),
            f"{S}: 'min_count' must be a whole number from 0 to 1000, not -5",
        ),
        (
            standard(min_count="99999999999999999999"),
            f"{S}: 'min_count' must be a whole number from 0 to 1000, not 99999999999999999999",
        ),
        (
            standard(min_count="2.5"),
            f"{S}: 'min_count' must be a whole number from 0 to 1000, not 2.5",
        ),
        (
            standard(min_points="inf"),
            f"{S}: 'min_points' must be a number from 0 to 1,000,000, not inf",
        ),
        (
            standard(min_points="1e400"),
            f"{S}: 'min_points' must be a number from 0 to 1,000,000, not inf",
        ),
        (
            standard(min_points="nan"),
            f"{S}: 'min_points' must be a number from 0 to 1,000,000, not nan",
        ),
        (
            standard(min_points="-1"),
            f"{S}: 'min_points' must be a number from 0 to 1,000,000, not -1",
        ),
        (
            standard(min_points="2e6"),
            f"{S}: 'min_points' must be a number from 0 to 1,000,000, not 2000000.0",
        ),
        (
            standard(min_points="true"),
            f"{S}: 'min_points' must be a number from 0 to 1,000,000, not True",
        ),
        # Years.
        (
            standard(admission_from="-5"),
            f"{S}: 'admission_from' must be an ROC academic year from 1 to 300 such as 111, not -5",
        ),
        (
            standard(admission_from="2023"),
            f"{S}: 'admission_from' must be an ROC academic year from 1 to 300 such as 111, not 2023",
        ),
        (
            standard(admission_from='"111"'),
            f"{S}: 'admission_from' must be an ROC academic year from 1 to 300 such as 111, not '111'",
        ),
        (
            standard(admission_to="110"),
            f"{S}: admission_to 110 is before admission_from 111 — swap them",
        ),
        # Programs and categories.
        (
            standard(programs="[]"),
            f"{S}: 'programs' must be a list of program names such as [\"Day\"] — leave it out to mean every program",
        ),
        (
            standard(programs='"Day"'),
            f"{S}: 'programs' must be a list of program names such as [\"Day\"] — leave it out to mean every program",
        ),
        (
            standard(programs='["Day", " "]'),
            f"{S}: 'programs' has a name that must be text — write plain program names",
        ),
        (
            standard(programs='[["Day"]]'),
            f"{S}: 'programs' has a name that must be text — write plain program names",
        ),
        (
            standard() + "[standard.min_per_category]\nLanguage = -1\n",
            f"{S}: [standard.min_per_category] Language must be a whole number from 0 to 1000, not -1",
        ),
        (
            standard() + "[standard.min_per_category]\nLanguage = 1e9\n",
            f"{S}: [standard.min_per_category] Language must be a whole number from 0 to 1000, not 1000000000.0",
        ),
        (
            standard() + "[standard.min_per_category.Language]\nx = 1\n",
            f"{S}: [standard.min_per_category] Language must be a whole number from 0 to 1000, not {{'x': 1}}",
        ),
        (
            standard(min_per_category="3"),
            f"{S}: [standard.min_per_category] must map categories to counts",
        ),
        # Keys.
        (
            standard(min_cout="2"),
            f"{S}: unknown keys min_cout — did you mean 'min_count'?",
        ),
        (
            standard(minimum="3"),
            f"{S}: unknown keys minimum — the keys are name, admission_from, admission_to, programs, "
            "during_enrollment, min_count, min_points, min_per_category",
        ),
        (standard(min_points=None), f"{S}: missing 'min_points' — add a line min_points = ..."),
        (
            '[[standard]]\nname = "X"\n',
            "standard 'X': missing 'admission_from' — add a line admission_from = ...",
        ),
        (standard(name=None), "standard #1: missing 'name' — add a line name = ..."),
        (standard(name="3"), "standard #1: 'name' must be text — give it a short plain name"),
        (
            standard(name='"' + "x" * 201 + '"'),
            "standard #1: 'name' is longer than 200 characters — give it a short plain name",
        ),
        (
            standard(name='"AY\\u202e111"'),
            "standard #1: 'name' holds invisible control characters — give it a short plain name",
        ),
        (
            "min_count = 3\n" + standard(),
            "unknown key 'min_count' outside the standards — put every setting under a [[standard]] line",
        ),
        (
            standard() + standard(),
            "standard 'AY111+' appears twice — give each standard a distinct name",
        ),
        ('title = "x"', "no [[standard]] tables found — each standard starts with [[standard]]"),
        ("standard = []", "no [[standard]] tables found — each standard starts with [[standard]]"),
        ("standard = [1]", "standard #1: is not a table — start each standard with [[standard]]"),
        # Broken TOML: the line and column.
        (
            standard() + "min_points = \n",
            "line 7, column 14: not valid TOML (Invalid value) — check quotes, brackets and '=' there",
        ),
        (
            standard(name='"AY111+'),
            "line 2, column 15: not valid TOML (Illegal character '\\n') — check quotes, brackets and '=' there",
        ),
        (
            standard() + "x = " + "[" * 100_000 + "]" * 100_000,
            "lists or tables are nested too deeply — a standard holds only plain values",
        ),
    ],
)
def test_bad_standards_are_refused_with_one_line(text: str, message: str):
    with pytest.raises(StandardsError) as err:
        parse_standards(text)
    assert str(err.value) == message


def test_the_good_standard_of_the_table_is_good():
    (rule,) = parse_standards(standard(admission_to="120", programs='["Day"]'))
    assert (rule.name, rule.admission_from, rule.admission_to, rule.programs) == (
        "AY111+",
        111,
        120,
        ("Day",),
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            standard().encode().replace(b"AY111+", b"AY111\xa6\xe6"),
            "s.toml: line 2 is not UTF-8 text — save the TOML file as UTF-8",
        ),
        (b"\n\n" + standard(min_count="").encode(), "s.toml: line 7, column 13: not valid TOML"),
        (standard(min_count="-5").encode(), f"s.toml: {S}: 'min_count' must be a whole number"),
        (b"x" * (1024 * 1024 + 1), "s.toml: over 1024 KB — is this the standards TOML file?"),
    ],
)
def test_a_bad_file_changes_no_stored_standard(
    workspace, tmp_path: Path, data: bytes, message: str
):
    path = tmp_path / "s.toml"
    path.write_bytes(data)
    with workspace.Session.begin() as s:
        import_standards(s, SAMPLES / "standards.toml")
    with pytest.raises(TableError) as err, workspace.Session.begin() as s:
        import_standards(s, path)
    assert str(err.value).startswith(message)
    with workspace.Session() as s:
        assert s.scalars(select(Standard.name).order_by(Standard.position)).all() == [
            "AY111 and later",
            "AY108-110",
        ]
