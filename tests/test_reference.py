"""Roster, catalog and standards import: upserts by key, bad rows reported, the rest kept."""

from pathlib import Path

import pytest
from sqlalchemy import select

from certreview.ingest.read_table import TableError
from certreview.ingest.reference import import_catalog, import_roster, import_standards
from certreview.store.models import CatalogItem, ImportLog, Standard, Student
from tests.conftest import SAMPLES


def test_sample_roster_and_catalog(workspace):
    with workspace.Session.begin() as s:
        assert import_roster(s, SAMPLES / "roster.csv").summary() == "roster: 4 added"
        assert import_catalog(s, SAMPLES / "catalog.csv").summary() == "catalog: 5 added"
        assert import_standards(s, SAMPLES / "standards.toml").summary() == "standards: 2 added"
    with workspace.Session() as s:
        student = s.get(Student, "B10801004")
        assert (student.name, student.admission_year, student.status, student.exit_year) == (
            "林雅惠",
            108,
            "graduated",
            111,
        )
        ccna = s.get(CatalogItem, "CCNA")
        assert (ccna.group, ccna.points, ccna.aliases) == (
            "CCNA",
            3.0,
            "CCNA|Cisco Certified Network Associate",
        )
        assert s.get(CatalogItem, "TQC-EXCEL-A").group == "TQC-EXCEL"
        names = s.scalars(select(Standard.name).order_by(Standard.position)).all()
        assert names == ["AY111 and later", "AY108-110"]
        assert [log.kind for log in s.scalars(select(ImportLog).order_by(ImportLog.id))] == [
            "roster",
            "catalog",
            "standards",
        ]


def test_roster_upserts_by_normalised_id_and_reports_bad_rows(workspace, tmp_path: Path):
    first = tmp_path / "roster.csv"
    first.write_text(
        "student_id,name,admission_year,status,program\n"
        "0912345678,郭峯堃,112,enrolled,Day\n"
        "B11201002,李美玲,112,enrolled,Day\n",
        encoding="utf-8",
    )
    second = tmp_path / "roster2.csv"
    second.write_text(
        "student_id,name,admission_year,status,program,exit_year\n"
        "０９１２３４５６７８,郭峯堃,112,graduated,Day,115\n"
        "B11201002,李美玲,112,enrolled,Day,\n"
        ",無名,112,enrolled,,\n"
        "B1,某人,一百,enrolled,,\n"
        "B3,某人,112.5,enrolled,,\n"
        "B2,某人,112,studying,,\n",
        encoding="utf-8",
    )
    with workspace.Session.begin() as s:
        import_roster(s, first)
        result = import_roster(s, second)
    assert result.summary() == "roster: 1 updated, 1 unchanged, 4 rows not imported"
    assert result.problems == [
        (4, "student_id is blank"),
        (5, "B1: admission_year '一百' is not a whole number"),
        (6, "B3: admission_year '112.5' is not a whole number"),
        (
            7,
            "B2: status 'studying' is not one of enrolled, graduated, withdrawn, suspended "
            "(or 在學, 在校, 延修, 延畢, 畢業, 已畢業, 退學, 肄業, 休學) — "
            "correct it in the file and import again",
        ),
    ]
    with workspace.Session() as s:
        student = s.get(Student, "0912345678")
        assert (student.status, student.exit_year) == ("graduated", 115)


def test_catalog_bad_points_and_blank_group(workspace, tmp_path: Path):
    path = tmp_path / "catalog.csv"
    path.write_text(
        "code,category,name,level,points,group,aliases\n"
        "A,Information,Item A,,1.5,,a| alias a |\n"
        "B,Information,Item B,,many,,\n"
        ",Information,,,1,,\n",
        encoding="utf-8",
    )
    with workspace.Session.begin() as s:
        result = import_catalog(s, path)
    assert result.summary() == "catalog: 1 added, 2 rows not imported"
    assert result.problems == [
        (3, "B: points 'many' is not a number ≥ 0"),
        (4, "a row: code, category and name are required"),
    ]
    with workspace.Session() as s:
        item = s.get(CatalogItem, "A")
        assert (item.group, item.points, item.aliases) == ("A", 1.5, "a|alias a")


def test_standards_replace_and_keep_order(workspace, tmp_path: Path):
    path = tmp_path / "s.toml"
    path.write_text(
        '[[standard]]\nname = "B"\nadmission_from = 100\nduring_enrollment = false\nmin_count = 1\nmin_points = 0\n'
        '[[standard]]\nname = "A"\nadmission_from = 111\nprograms = ["Day"]\nduring_enrollment = true\n'
        "min_count = 2\nmin_points = 3.5\n[standard.min_per_category]\nLanguage = 1\n",
        encoding="utf-8",
    )
    with workspace.Session.begin() as s:
        import_standards(s, SAMPLES / "standards.toml")
        result = import_standards(s, path)
    assert result.summary() == "standards: 2 added, 2 removed"
    with workspace.Session() as s:
        rows = s.scalars(select(Standard).order_by(Standard.position)).all()
        assert [(r.name, r.programs, r.min_points, r.min_per_category) for r in rows] == [
            ("B", None, 0, {}),
            ("A", ["Day"], 3.5, {"Language": 1}),
        ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = ", "s.toml: line 1, at the end of the file: not valid TOML (Invalid value)"),
        (
            'title = "x"',
            "s.toml: no [[standard]] tables found — each standard starts with [[standard]]",
        ),
        ('[[standard]]\nname = "X"\n', "s.toml: standard 'X': missing 'admission_from'"),
        (
            '[[standard]]\nname = "X"\nadmission_from = "111"\nduring_enrollment = true\nmin_count = 1\nmin_points = 1\n',
            "s.toml: standard 'X': 'admission_from' must be an ROC academic year from 1 to 300",
        ),
        (
            '[[standard]]\nname = "X"\nadmission_from = 111\nduring_enrollment = "yes"\nmin_count = 1\nmin_points = 1\n',
            "s.toml: standard 'X': 'during_enrollment' must be true or false",
        ),
        (
            '[[standard]]\nname = "X"\nadmission_from = 111\nduring_enrollment = true\nmin_count = 1\nmin_points = 1\nminimum = 3\n',
            "s.toml: standard 'X': unknown keys minimum",
        ),
    ],
)
def test_bad_standards_files(workspace, tmp_path: Path, text: str, message: str):
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TableError) as err, workspace.Session.begin() as s:
        import_standards(s, path)
    assert str(err.value).startswith(message)
