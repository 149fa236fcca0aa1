"""End to end: the Image filter and "approve where the image agrees" in the browser, then undo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from certreview.images.ocr import ocr_available
from certreview.ingest.reading import read_uploads
from certreview.store.models import Decision, Round, Submission
from certreview.workspace import Workspace
from tests.test_browser_review import (
    ARTIFACTS,
    CHROMIUM,
    NOTEBOOK,
    launch_chromium,
    run_all_cells,
    running_lab,
    small_demo,
)

REVIEWER = "evidence-reviewer"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium"),
    pytest.mark.skipif(not ocr_available(), reason="the ocr extra is not installed"),
]


@pytest.fixture(scope="module")
def read_department(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a small demo department whose first three students (newest round) were read."""
    data = small_demo(tmp_path_factory, "evidence", seed=3)
    ws = Workspace.open(None, data)
    try:
        with ws.Session() as s:
            newest = s.scalar(select(Round.name).order_by(Round.id.desc()))
            keys = s.scalars(
                select(Submission.student_key)
                .join(Round, Round.id == Submission.round_id)
                .where(Round.name == newest, Submission.flags == "")
                .order_by(Submission.student_key)
                .distinct()
                .limit(3)
            ).all()
        for key in keys:  # a few uploads: OCR is the slow part
            read_uploads(ws.Session, ws.store, newest, student=key, workers=2)
    finally:
        ws.close()
    return data


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, read_department: Path) -> Iterator[str]:
    with running_lab(tmp_path_factory, NOTEBOOK, read_department) as url:
        yield url


def _decisions(data: Path) -> list[tuple[str, str, int | None]]:
    ws = Workspace.open(f"sqlite:///{data / 'certreview.sqlite'}", data)
    try:
        with ws.Session.begin() as s:
            rows = s.execute(
                select(Submission.submission_id, Decision.verdict, Decision.undoes_id)
                .join(Decision, Decision.submission_pk == Submission.id)
                .where(Decision.reviewer == REVIEWER)
                .order_by(Decision.id)
            ).all()
    finally:
        ws.close()
    return [tuple(r) for r in rows]


def test_approve_the_agreeing_page_in_one_action_and_undo_it(
    lab: str, read_department: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        try:
            run_all_cells(page, lab)
            bench = page.locator(".certreview-workbench")
            bench.wait_for(timeout=60_000)
            bench.locator("input").first.fill(REVIEWER)
            bench.get_by_role("button", name="Start reviewing").click()
            cards = page.locator(".certreview-card:visible")
            expect(cards.first).to_be_visible(timeout=30_000)

            image = bench.get_by_label("Image", exact=True)
            option = image.locator("option", has_text="all three agree")
            expect(option).to_have_count(1, timeout=30_000)  # the counts arrive after the cards
            labels = image.locator("option").all_inner_texts()
            agreeing = option.inner_text()
            n = int(agreeing.rsplit("(", 1)[1].rstrip(")"))
            assert n >= 2, labels
            image.select_option(label=agreeing)
            expect(cards).to_have_count(n, timeout=30_000)
            for i in range(n):
                expect(cards.nth(i).locator(".cr-evidence")).to_contain_text("✔ name")

            bench.get_by_role("button", name="Approve where the image agrees").click()
            bench.get_by_role("button", name=f"Yes, approve {n}").click()
            for i in range(n):
                expect(cards.nth(i)).to_contain_text("Approved", timeout=15_000)
            approved = _decisions(read_department)
            assert [v for _, v, _ in approved] == ["approve"] * n

            bench.get_by_role("button", name="Undo last").click()
            for i in range(n):
                expect(cards.nth(i)).to_contain_text("Pending", timeout=15_000)
            bench.screenshot(path=str(ARTIFACTS / "workbench-evidence.png"))
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "evidence-failure.png"), full_page=True)
            raise
        finally:
            browser.close()

    rows = _decisions(read_department)
    assert len(rows) == 2 * n
    assert {sid for sid, _, _ in rows[:n]} == {sid for sid, _, _ in rows[n:]}
    assert all(undoes is not None for _, _, undoes in rows[n:])  # undo is new rows, nothing erased


# A demo department of 400 uploads (seed 0), where this student uploaded a classmate's file:
# B11001106's TQC Word certificate, claimed as MOS Excel Expert.
DEMO = {"seed": 0, "students": 120, "submissions": 400}
BORROWER, LENDER, LENT = "B11401110", "B11001106", "TQC-WORD-A"


@pytest.fixture(scope="module")
def demo_department(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a demo department (`certreview demo`, 400 uploads) with BORROWER's uploads read."""
    from certreview.demo.department import build_demo

    data = tmp_path_factory.mktemp("demo")
    ws = Workspace.open(None, data, create=True)
    try:
        build_demo(ws, **DEMO)
        read_uploads(ws.Session, ws.store, student=BORROWER, workers=2)
    finally:
        ws.close()
    return data


@pytest.fixture(scope="module")
def demo_lab(tmp_path_factory: pytest.TempPathFactory, demo_department: Path) -> Iterator[str]:
    with running_lab(tmp_path_factory, NOTEBOOK, demo_department) as url:
        yield url


# The demo is built first: about 40 s on a quiet machine, minutes on a loaded one.
@pytest.mark.timeout(1200)
def test_the_demo_shows_whose_image_a_borrowed_certificate_is(demo_lab: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        try:
            run_all_cells(page, demo_lab)
            bench = page.locator(".certreview-workbench")
            bench.wait_for(timeout=60_000)
            bench.locator("input").first.fill(REVIEWER)
            bench.get_by_role("button", name="Start reviewing").click()
            cards = page.locator(".certreview-card:visible")
            expect(cards.first).to_be_visible(timeout=60_000)
            image = bench.get_by_label("Image", exact=True)
            option = image.locator("option", has_text="image disagrees")
            expect(option).to_have_count(1, timeout=60_000)
            image.select_option(label=option.inner_text())
            borrowed = cards.filter(has_text=BORROWER).filter(has_text="image names")
            expect(borrowed).to_have_count(1, timeout=30_000)
            evidence = borrowed.locator(".cr-evidence")
            expect(evidence).to_contain_text(f"✖ name (image names {LENDER})")
            expect(evidence).to_contain_text(f"✖ certificate (image shows {LENT})")
            bench.screenshot(path=str(ARTIFACTS / "workbench-borrowed.png"))
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "borrowed-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
