"""End to end: a student ID typed as a script is shown as text in the intake panel, in Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_browser_review import (
    ARTIFACTS,
    CHROMIUM,
    ROOT,
    launch_chromium,
    run_all_cells,
    running_lab,
)

from certreview.demo.department import demo_dir
from certreview.workspace import Workspace
from tests.conftest import SAMPLES

NOTEBOOK = ROOT / "notebooks" / "01_intake.ipynb"
# Decimal character references survive the upper-casing and space removal of student IDs
# and still decode to working JavaScript inside an event attribute. The script is short: a
# student ID over 64 characters is cut at intake, which would defuse a longer one anyway.
SCRIPT = "pwned=1"
ENCODED = "".join(f"&#{ord(c)};" if c.isalpha() else c for c in SCRIPT)
HOSTILE_ID = f"<img/src=x/onerror={ENCODED}>"
assert len(HOSTILE_ID) <= 64
HOSTILE_SUBMISSION = f'<img src=x onerror="{SCRIPT}">'

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]


@pytest.fixture(scope="module")
def department(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Return an empty department whose input folder holds an upload with a hostile ID."""
    data = tmp_path_factory.mktemp("department")
    ws = Workspace.open(None, data, create=True)
    folder = demo_dir(ws)
    ws.close()
    shutil.copytree(SAMPLES, folder)
    with (folder / "submissions.csv").open("a", encoding="utf-8") as f:
        f.write(f'"{HOSTILE_SUBMISSION.replace(chr(34), chr(34) * 2)}",2026-03-02 09:15:00,')
        f.write(f"{HOSTILE_ID},王小明,Information,TQC Excel 進階,111,a1.jpg,\n")
    yield data


def test_a_script_in_a_student_id_is_shown_not_run(
    tmp_path_factory: pytest.TempPathFactory, department: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with (
        running_lab(tmp_path_factory, NOTEBOOK, department) as url,
        sync_playwright() as p,
    ):
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            run_all_cells(page, url)
            for kind in ("roster", "catalog", "standards", "submissions"):
                # The kernel handles the clicks in order: the report comes after the last.
                page.get_by_role("button", name=f"Import {kind}", exact=True).click(timeout=60_000)
            expect(page.get_by_text("4 flagged, 2 accepted")).to_be_visible(timeout=60_000)
            page.wait_for_timeout(500)  # an <img src=x> fails to load at once; give it time
            assert page.evaluate("typeof window.pwned") == "undefined", "the script ran"
            # Shown as typed: the ID upper-cased and without spaces, the submission ID as is.
            expect(page.locator("td", has_text=HOSTILE_ID.upper())).to_have_count(1)
            expect(page.locator("td", has_text=HOSTILE_SUBMISSION)).to_have_count(1)
            assert page.locator(".jp-OutputArea img[src='x']").count() == 0
            page.locator("td", has_text=HOSTILE_SUBMISSION).scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "intake-hostile-id.png"))
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "intake-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
