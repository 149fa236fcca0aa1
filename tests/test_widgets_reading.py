"""The intake page's reading pass: real images, real OCR, in the background, never twice."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from certreview.images.ocr import ocr_available
from certreview.ingest.reading_job import current_job
from certreview.store.models import ImageEvidence, ImageReading
from certreview.widgets.intake import IntakePanel
from certreview.workspace import Workspace
from tests.builders import add_right_and_borrowed, department


@pytest.mark.slow
@pytest.mark.skipif(not ocr_available(), reason="the ocr extra is not installed")
def test_the_intake_panel_reads_the_round_in_the_background_once(
    workspace: Workspace, tmp_path: Path
) -> None:
    department(workspace, submissions=0)
    pks = add_right_and_borrowed(workspace, borrowed_format="png")
    panel = IntakePanel(workspace, tmp_path)
    panel.round.value = "AY113"
    # Hold the pass at its start, so what happens while it runs is seen every time.
    gate = threading.Event()
    show = panel.reading.show

    def held(job) -> None:  # type: ignore[no-untyped-def]
        if threading.current_thread() is not threading.main_thread():
            gate.wait(120)  # the reading thread waits; the panel's own calls do not
        show(job)

    panel.reading.show = held  # type: ignore[method-assign]
    panel.reading.button.click()  # returns at once: the kernel is free meanwhile
    job = panel.reading.job
    assert job is not None and job.running
    assert "in the background" in panel.reading.message.value
    assert panel.reading.button.disabled
    # A second press, or another panel on the same database, starts nothing new.
    panel.reading.button.click()
    assert panel.reading.job is job
    assert "Already reading:" in panel.reading.message.value
    other = IntakePanel(workspace, tmp_path)
    assert other.reading.job is job and other.reading.button.disabled
    other.reading.button.click()
    assert current_job(workspace) is job
    gate.set()
    assert job.wait(300)
    assert job.error is None and job.result is not None
    assert (job.done, job.total, job.result.read, job.result.weighed) == (2, 2, 2, 2)
    assert "2 uploads read (0 without text), 2 submissions weighed" in panel.reading.message.value
    assert not panel.reading.button.disabled
    assert panel.reading.progress.layout.visibility == "hidden"
    with workspace.Session() as s:
        readings = {r.holder_name for r in s.scalars(select(ImageReading))}
        evidence = {e.submission_pk: e.name for e in s.scalars(select(ImageEvidence))}
    assert readings == {"陳家豪"}
    assert evidence == {pks["right"]: "agrees", pks["borrowed"]: "disagrees"}
    # Pressed again, it goes on from where it was: nothing left to read.
    panel.reading.show = show  # type: ignore[method-assign]
    panel.reading.button.click()
    assert panel.reading.job is not None and panel.reading.job.wait(120)
    assert (
        "nothing new to read: every stored picture was read before" in panel.reading.message.value
    )


def test_an_unknown_round_is_one_line(workspace: Workspace, tmp_path: Path) -> None:
    if not ocr_available():
        pytest.skip("the ocr extra is not installed")
    panel = IntakePanel(workspace, tmp_path)
    panel.round.value = "AY999"
    panel.reading.button.click()
    assert panel.reading.job is not None and panel.reading.job.wait(60)
    assert panel.reading.message.value == (
        "<b style='color:#b00020'>Could not read the certificates: "
        "no round AY999 — see the rounds in the review&#x27;s Round filter</b>"
    )


def test_without_the_extra_the_panel_says_how_to_install_it(tmp_path: Path) -> None:
    blocker = tmp_path / "blocked"
    blocker.mkdir()
    (blocker / "rapidocr.py").write_text("raise ImportError('not installed')\n")
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from certreview.widgets.intake import IntakePanel
        from certreview.workspace import Workspace
        ws = Workspace.open(None, Path({str(tmp_path / "d")!r}), create=True)
        panel = IntakePanel(ws, Path({str(tmp_path)!r}))
        panel.reading.button.click()
        print(panel.reading.job, panel.reading.message.value)
        """
    )
    env = {"PYTHONPATH": str(blocker), "CERTREVIEW_LANG": "en", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.strip() == (
        "None <b style='color:#b00020'>Reading certificates needs the OCR extra — install it: "
        "pip install &quot;certreview[ocr]&quot;</b>"
    )
