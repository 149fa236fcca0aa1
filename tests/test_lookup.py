"""The status lookup's values: find a student by ID or name, read the whole record."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from certreview.ingest.counter import CounterService
from certreview.reports.lookup import Hit, LookupService
from certreview.store.decisions import Verdict, decide, find_submission
from certreview.workspace import Workspace
from tests.test_counter import entry, sample_department


@pytest.fixture
def lookup(workspace: Workspace, tmp_path: Path) -> LookupService:
    sample_department(workspace, tmp_path / "incoming")
    return LookupService(workspace)


@pytest.mark.parametrize(
    ("text", "hits"),
    [
        (" ｂ１１２０１００２ ", [Hit("B11201002", "李美玲", True)]),
        ("b112", [Hit("B11201002", "李美玲", True), Hit("B11201003", "陳大文", True)]),
        ("美玲", [Hit("B11201002", "李美玲", True)]),
        ("陳 大文", [Hit("B11201003", "陳大文", True)]),
        ("nobody", []),
        ("   ", []),
    ],
)
def test_find_by_any_width_and_case_or_part_of_a_name(
    lookup: LookupService, text: str, hits: list[Hit]
) -> None:
    assert lookup.find(text) == hits


def test_an_id_only_typed_on_uploads_is_found_too(lookup: LookupService) -> None:
    CounterService(lookup.workspace).save(
        entry(student_id="X0000001", student_name="某人"), "AY114", "amy"
    )
    assert lookup.find("x0000001") == [Hit("X0000001", "", False)]
    record = lookup.record("x0000001")
    assert record is not None and record.student is None and record.standing is None
    assert [u.flags for u in record.uploads] == [("unknown_student", "late")]
    assert lookup.record("Z1") is None


def test_the_record_has_standing_uploads_decisions_and_history(lookup: LookupService) -> None:
    ws = lookup.workspace
    with ws.Session.begin() as s:
        sub = find_submission(s, "u0002")
        decide(s, sub, Verdict("reject", "illegible"), "amy", now=datetime(2026, 5, 20, 10, 0))
        decide(s, sub, Verdict("approve"), "ben", now=datetime(2026, 5, 21, 11, 0))
    record = lookup.record("b11201002")
    assert record is not None and record.student is not None
    assert (record.student.name, record.email, record.rule.name) == (
        "李美玲",
        None,
        "AY111 and later",
    )
    assert record.standing is not None and not record.standing.met
    by_id = {u.submission_id: u for u in record.uploads}
    assert set(by_id) == {"u0002", "u0004"}
    gept = by_id["u0002"]
    assert (gept.state, gept.decision.reviewer, gept.counted, gept.item_code) == (
        "approved",
        "ben",
        True,
        "GEPT-I",
    )
    assert [(d.verdict, d.reason, d.reviewer) for d in gept.history] == [
        ("reject", "illegible", "amy"),
        ("approve", None, "ben"),
    ]
    assert gept.image_sha256 is not None and lookup.thumbnail(gept.image_sha256)
    assert (by_id["u0004"].state, by_id["u0004"].why_not) == ("pending", "pending")
