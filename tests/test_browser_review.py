"""End to end: JupyterLab on loopback, the review notebook in headless Chromium, decisions in the DB."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from certreview.store.models import Decision, Submission
from certreview.workspace import Workspace

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "02_unified_review.ipynb"
ARTIFACTS = ROOT / "test-artifacts"
REVIEWER = "browser-reviewer"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def small_demo(tmp_path_factory: pytest.TempPathFactory, name: str, seed: int) -> Path:
    """Return the data directory of a fresh small demo department (30 students, 60 uploads)."""
    from certreview.demo.department import build_demo

    data = tmp_path_factory.mktemp(name)
    ws = Workspace.open(None, data, create=True)
    try:
        build_demo(ws, seed=seed, students=30, submissions=60)
    finally:
        ws.close()
    return data


@pytest.fixture(scope="module")
def department(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the data directory of a small demo department."""
    return small_demo(tmp_path_factory, "department", seed=1)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, department: Path) -> Iterator[str]:
    """Start JupyterLab over a copy of the review notebook; yield its URL."""
    with running_lab(tmp_path_factory, NOTEBOOK, department) as url:
        yield url


def launch_chromium(playwright: Any) -> Any:
    """Return headless Chromium started with no calls out and no GPU."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    )


def run_all_cells(page: Any, url: str) -> None:
    """Open the notebook at URL in PAGE, wait for its kernel and run all its cells."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    page.goto(url)
    page.locator(".jp-Notebook").wait_for(timeout=60_000)
    kernel = page.locator(".jp-Dialog").get_by_role("button", name="Select", exact=True)
    with contextlib.suppress(PlaywrightTimeout):  # settings may ask for the kernel
        kernel.click(timeout=5_000)
    expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=60_000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


@contextlib.contextmanager
def running_lab(
    tmp_path_factory: pytest.TempPathFactory, notebook: Path, department: Path
) -> Iterator[str]:
    """Start JupyterLab on 127.0.0.1 with a token over a copy of NOTEBOOK; yield its URL."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(notebook, root / notebook.name)
    port, token = free_port(), secrets.token_hex(16)
    runtime = tmp_path_factory.mktemp("jupyter")
    env = {
        **os.environ,
        "CERTREVIEW_DATA": str(department),
        "CERTREVIEW_DB": f"sqlite:///{department / 'certreview.sqlite'}",
        # Keep the lab's state (workspaces, runtime files) out of the user's home.
        "JUPYTER_RUNTIME_DIR": str(runtime / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(runtime / "workspaces"),
        "JUPYTERLAB_SETTINGS_DIR": str(runtime / "settings"),
    }
    settings = runtime / "settings" / "@jupyterlab"
    for extension, values in {
        "notebook-extension/tracker": '{"autoStartDefaultKernel": true}',
        "apputils-extension/notification": '{"fetchNews": "false", "checkForUpdates": false}',
    }.items():
        path = settings / f"{extension}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(values, encoding="utf-8")
    log = (runtime / "lab.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
            f"--port={port}", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0",
            # No calls out: no news, no update check, no PyPI extension manager.
            "--LabApp.news_url=", "--LabApp.extension_manager=readonly",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        ],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n" + (runtime / "lab.log").read_text())
                time.sleep(0.5)
        yield f"{url}/lab/tree/{notebook.name}?token={token}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_review_in_the_browser(lab: str, department: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        try:
            run_all_cells(page, lab)

            bench = page.locator(".certreview-workbench")
            bench.wait_for(timeout=60_000)  # the widget manager (jupyterlab_widgets) rendered it
            bench.locator("input").first.fill(REVIEWER)
            bench.get_by_role("button", name="Start reviewing").click()
            cards = page.locator(".certreview-card:visible")
            expect(cards.first).to_be_visible(timeout=30_000)
            ids = [cards.nth(i).locator(".cr-sid").inner_text() for i in range(3)]
            cells = page.locator(".jp-Notebook .jp-Cell").count()

            # 1. Approve by clicking; the highlight moves to the next card.
            cards.nth(0).get_by_role("button", name="Approve").click()
            expect(cards.nth(0)).to_contain_text("Approved", timeout=10_000)

            # 2. Approve by keyboard with the focus out of the workbench (a notebook cell was
            #    clicked): pointing at the cards is enough.
            page.locator(".jp-MarkdownCell").first.click()
            cards.nth(1).hover()
            page.keyboard.press("a")
            expect(cards.nth(1)).to_contain_text("Approved", timeout=10_000)

            # 3. Reject with a reason picked on the card.
            cards.nth(2).locator("select").select_option(label="7 cannot be read")
            cards.nth(2).get_by_role("button", name="Reject").click()
            expect(cards.nth(2)).to_contain_text("Rejected", timeout=10_000)
            expect(bench).to_contain_text(" decided in this view")

            # The A key went to the workbench, not to JupyterLab ("insert a cell above").
            assert page.locator(".jp-Notebook .jp-Cell").count() == cells
            bench.screenshot(path=str(ARTIFACTS / "workbench.png"))
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "workbench-failure.png"), full_page=True)
            raise
        finally:
            browser.close()

    ws = Workspace.open(f"sqlite:///{department / 'certreview.sqlite'}", department)
    try:
        with ws.Session.begin() as s:
            rows = s.execute(
                select(Submission.submission_id, Decision.verdict, Decision.reason)
                .join(Decision, Decision.submission_pk == Submission.id)
                .where(Decision.reviewer == REVIEWER)
                .order_by(Decision.id)
            ).all()
    finally:
        ws.close()
    assert [tuple(r) for r in rows] == [
        (ids[0], "approve", None),
        (ids[1], "approve", None),
        (ids[2], "reject", "illegible"),
    ]


class Keys:
    """Press keys in PAGE and count them (a chord such as Shift+1 counts as two)."""

    def __init__(self, page: Any) -> None:
        self.page, self.count = page, 0

    def press(self, *names: str) -> None:
        for name in names:
            self.page.keyboard.press(name)
            self.count += len(name.split("+")) if len(name) > 1 else 1


def notebook_cells(page: Any) -> list[str]:
    """Return the source text of every notebook cell (a cut or inserted cell changes it)."""
    return page.locator(".jp-Notebook .jp-Cell .jp-InputArea-editor").all_inner_texts()


def test_a_page_by_keyboard_alone(lab_keys: str, keys_department: Path) -> None:
    """Walk 24 cards by keys: approve, reject, return, other with a note, undo, F, detail."""
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        try:
            run_all_cells(page, lab_keys)
            bench = page.locator(".certreview-workbench")
            bench.wait_for(timeout=60_000)
            bench.locator("input").first.fill(REVIEWER)
            bench.get_by_role("button", name="Start reviewing").click()
            cards = page.locator(".certreview-card:visible")
            expect(cards.nth(23)).to_be_attached(timeout=30_000)
            ids = [cards.nth(i).locator(".cr-sid").inner_text() for i in range(24)]
            before = notebook_cells(page)
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "review-1366x768.png"))
            keys = Keys(page)
            progress = bench.get_by_text(" decided in this view")

            # Keys right after a button click go to the workbench, never to JupyterLab.
            bench.get_by_role("button", name="Next ▶").click()
            keys.press("x", "x", "d", "Escape")
            bench.get_by_role("button", name="◀ Previous").click()
            expect(cards.nth(0).locator(".cr-sid")).to_have_text(ids[0])
            # Every card shows its picture, after a page turn and back too (the grid sends
            # each picture once and the browser keeps it).
            page.wait_for_function(PICTURES_SHOWN, timeout=10_000)
            keys.count = 0
            # The pointer leaves the workbench: the keys still come, the focus stays in it.
            page.mouse.move(5, 5)
            assert not bench.evaluate("el => el.matches(':hover')")

            # Routine: ten approvals and two rejections, one key each.
            keys.press(*"aaaaaaaaaa", "2", "7")
            expect(progress).to_contain_text("12 of ", timeout=20_000)
            routine = keys.count / 12
            keys.count = 0
            keys.press("Shift+1")  # return: incomplete
            expect(progress).to_contain_text("13 of ", timeout=10_000)
            per_return = keys.count
            keys.press("o", *"seal cut", "Enter")  # other, with a note typed over the cards
            expect(progress).to_contain_text("14 of ", timeout=10_000)
            keys.press("a")
            expect(progress).to_contain_text("15 of ", timeout=10_000)
            keys.press("u")  # undo: the highlight comes back to the card
            expect(progress).to_contain_text("14 of ", timeout=10_000)
            keys.press("5")  # mismatch
            expect(progress).to_contain_text("15 of ", timeout=10_000)
            keys.press("ArrowLeft", "a")  # a second A on a decided card writes nothing ...
            keys.press("f", "d")  # ... F jumps to the next flagged pending card; D opens it
            expect(page.get_by_role("button", name="← Back to the grid")).to_be_visible()
            keys.press("a", "Escape")
            expect(progress).to_contain_text("16 of ", timeout=20_000)
            # The large preview shows the highlighted card: the one F found.
            flagged = ids.index(page.locator(".certreview-preview .cr-sid").inner_text())
            assert flagged > 14
            assert not bench.evaluate("el => el.matches(':hover')")  # the pointer is away
            # Back to card 15 and on to the end: deciding skips the card decided in the detail.
            moves = ["ArrowRight"] if flagged == 15 else ["ArrowLeft"] * (flagged - 15)
            keys.press(*moves, *"a" * 8)
            expect(progress).to_contain_text("24 of ", timeout=30_000)
            assert routine <= 1.1 and per_return <= 2, (routine, per_return)
            print(f"keystrokes per decision: routine {routine:.2f}, return {per_return}")
            assert notebook_cells(page) == before
            page.set_viewport_size({"width": 1920, "height": 1080})
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "review-1920x1080.png"))
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "keys-failure.png"), full_page=True)
            raise
        finally:
            browser.close()

    latest = decisions_by(keys_department)
    expected = [
        *((sid, "approve", None, None) for sid in ids[:10]),
        (ids[10], "reject", "not_certificate", None),
        (ids[11], "reject", "illegible", None),
        (ids[12], "return", "incomplete", None),
        (ids[13], "reject", "other", "seal cut"),
        (ids[14], "approve", None, None),
        (ids[14], "pending", None, None),  # the undo: a new entry, nothing deleted
        (ids[14], "reject", "mismatch", None),
        (ids[flagged], "approve", None, None),
        *((sid, "approve", None, None) for i, sid in enumerate(ids) if i > 14 and i != flagged),
    ]
    assert latest == expected


def decisions_by(data: Path) -> list[tuple[str, str, str | None, str | None]]:
    """Return (submission, verdict, reason, note) of the browser reviewer, in order."""
    ws = Workspace.open(f"sqlite:///{data / 'certreview.sqlite'}", data)
    try:
        with ws.Session.begin() as s:
            rows = s.execute(
                select(Submission.submission_id, Decision.verdict, Decision.reason, Decision.note)
                .join(Decision, Decision.submission_pk == Submission.id)
                .where(Decision.reviewer == REVIEWER)
                .order_by(Decision.id)
            ).all()
    finally:
        ws.close()
    return [tuple(r) for r in rows]


@pytest.fixture(scope="module")
def keys_department(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the data directory of a fresh small demo department for the keyboard walk."""
    return small_demo(tmp_path_factory, "keys-department", seed=2)


@pytest.fixture(scope="module")
def lab_keys(tmp_path_factory: pytest.TempPathFactory, keys_department: Path) -> Iterator[str]:
    """Start JupyterLab over the keyboard walk's department; yield the notebook's URL."""
    with running_lab(tmp_path_factory, NOTEBOOK, keys_department) as url:
        yield url


# Every visible card's thumbnail is loaded and decoded (JavaScript, run in the page).
PICTURES_SHOWN = """() => [...document.querySelectorAll('.certreview-card')]
  .filter(c => c.offsetParent !== null)
  .every(c => { const i = c.querySelector('img.cr-thumb'); return i.complete && i.naturalWidth > 0; })"""

# Labels, buttons and dropdowns whose text does not fit their box (JavaScript, run in the page).
CLIPPED = """(root) => Array.from(root.querySelectorAll(
    '.widget-button, .widget-label, .widget-toggle-button, .widget-html-content b, .certreview-card b, select'))
  .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
  .map(e => (e.innerText || e.value || '').trim() + ' ' + e.scrollWidth + '>' + e.clientWidth)"""


def test_the_workbench_in_traditional_chinese_at_1366(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workbench in zh-TW on a laptop screen: every label in Chinese and none clipped."""
    from playwright.sync_api import expect, sync_playwright

    data = small_demo(tmp_path_factory, "zh-department", seed=3)
    monkeypatch.setenv("CERTREVIEW_LANG", "zh_TW")  # the kernel inherits the lab's environment
    ARTIFACTS.mkdir(exist_ok=True)
    with running_lab(tmp_path_factory, NOTEBOOK, data) as url, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        try:
            run_all_cells(page, url)
            bench = page.locator(".certreview-workbench")
            bench.wait_for(timeout=60_000)
            bench.locator("input").first.fill(REVIEWER)
            bench.get_by_role("button", name="開始審查").click()
            cards = page.locator(".certreview-card:visible")
            expect(cards.first).to_be_visible(timeout=30_000)
            cards.nth(0).get_by_role("button", name="核准").click()
            expect(cards.nth(0)).to_contain_text("已核准", timeout=10_000)
            expect(bench).to_contain_text("此檢視已審 1 / ")
            page.wait_for_timeout(500)
            bench.evaluate("e => e.scrollIntoView({block: 'start'})")  # filters and toolbar
            page.mouse.move(1360, 760)  # no thumbnail enlarged under the pointer
            page.wait_for_timeout(300)
            page.screenshot(path=str(ARTIFACTS / "review-zh-TW-1366x768.png"))
            assert bench.evaluate(CLIPPED) == []
            cards.nth(1).get_by_role("button", name="詳細").click()
            expect(bench.get_by_role("button", name="← 返回卡片列表")).to_be_visible()
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "review-zh-TW-detail-1366x768.png"))
            assert bench.evaluate(CLIPPED) == []
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "zh-TW-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
    assert decisions_by(data)[0][1] == "approve"
