"""The item a submission counts as is the same everywhere: card, filters, status and audit."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from certreview.cli import main
from certreview.review.service import ALL, Filters, ReviewService
from certreview.workspace import Workspace
from tests.conftest import SAMPLES

SUBMISSIONS = (
    "submission_id,submitted_at,student_id,student_name,category,certificate_name,exam_year,image\n"
    "u0001,2026-03-05 13:40:00,B11201002,李美玲,Language,全民英檢中級,113,a2.png\n"
    "u0002,2026-03-06 10:00:00,B11201002,李美玲,Language,英檢 中級 複試,113,a1.jpg\n"
)


@pytest.fixture
def approved_as_item(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Workspace:
    """Return a department where u0002 matched no catalog item and was approved as GEPT-I."""
    monkeypatch.setenv("CERTREVIEW_DB", db_url)
    monkeypatch.setenv("CERTREVIEW_DATA", str(tmp_path / "data"))
    images = tmp_path / "images"
    shutil.copytree(SAMPLES / "images", images)
    (tmp_path / "submissions.csv").write_text(SUBMISSIONS, encoding="utf-8")
    assert main(["init"]) == 0
    for kind, name in (("roster", "roster.csv"), ("catalog", "catalog.csv")):
        assert main(["import", kind, str(SAMPLES / name)]) == 0
    assert main(["import", "standards", str(SAMPLES / "standards.toml")]) == 0
    sub_file = str(tmp_path / "submissions.csv")
    assert main(["import", "submissions", sub_file, "--images", str(images)]) == 0
    decide = ["decide", "u0002", "approve", "--item", "GEPT-I", "--reviewer", "lin"]
    assert main(decide) == 0
    capsys.readouterr()
    ws = Workspace.open(db_url, tmp_path / "data")
    yield ws
    ws.close()


def test_an_item_set_by_approve_shows_on_card_filters_status_and_audit(
    approved_as_item: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service = ReviewService(approved_as_item, "amy")
    view = Filters(status=ALL)
    cards = {c.submission_id: c for c in service.page(view)}
    card = cards["u0002"]
    assert (card.item_code, card.item_name, card.item_category, card.item_points) == (
        "GEPT-I",
        "GEPT 中級",
        "Language",
        2.0,
    )
    assert card.flags == ("unknown_certificate",)  # what intake saw stays on record
    items = {o.value: o.count for o in service.options(view)["item"]}
    assert items == {None: 2, "GEPT-I": 2}
    shown = [c.submission_id for c in service.page(Filters(status=ALL, item="GEPT-I"))]
    assert shown == ["u0001", "u0002"]
    assert service.detail(card.pk).card.item_code == "GEPT-I"

    assert main(["status", "B11201002"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("  - u0002 "))
    assert ": 英檢 中級 複試 (Language, exam 113 = AY113) → GEPT-I [approved]" in line
    assert "no catalog match" not in out

    audit = tmp_path / "audit.csv"
    assert main(["export", "audit", str(audit), "--by", "lin"]) == 0
    with audit.open(encoding="utf-8-sig", newline="") as f:
        rows = {r["submission_id"]: r for r in csv.DictReader(f)}
    assert (rows["u0002"]["item_code"], rows["u0002"]["item_name"]) == ("GEPT-I", "GEPT 中級")


def test_the_latest_decision_is_the_same_on_card_filters_status_and_audit(
    approved_as_item: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service = ReviewService(approved_as_item, "amy")
    cards = {c.submission_id: c for c in service.page(Filters(status=ALL))}
    pk = cards["u0002"].pk
    # approve --item GEPT-I (CLI), then reject, then undo the reject: approved as GEPT-I again.
    service.decide(pk, "reject", reason="illegible")
    assert service.card(pk).state == "rejected" and service.card(pk).item_code is None
    service.undo_last()
    card = service.card(pk)
    assert (card.state, card.item_code, card.decision.undoes_id is not None) == (
        "approved",
        "GEPT-I",
        True,
    )
    status = {o.value: o.count for o in service.options(Filters(status=ALL))["status"]}
    assert status == {"pending": 1, "approved": 1, "rejected": 0, "returned": 0, ALL: 2}
    assert [c.submission_id for c in service.page(Filters(status="approved"))] == ["u0002"]

    assert main(["status", "B11201002"]) == 0
    out = capsys.readouterr().out
    assert "→ GEPT-I [approved] counts" in out
    audit = tmp_path / "audit.csv"
    assert main(["export", "audit", str(audit), "--by", "lin"]) == 0
    with audit.open(encoding="utf-8-sig", newline="") as f:
        rows = {r["submission_id"]: r for r in csv.DictReader(f)}
    assert (rows["u0002"]["decision"], rows["u0002"]["counted"]) == ("approved", "yes")
