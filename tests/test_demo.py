"""The demo department: all or nothing, and `--force` replaces only an earlier demo."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from certreview.cli import main
from certreview.store.models import Decision, Student, Submission
from certreview.workspace import Workspace
from tests.conftest import SAMPLES

SIZE = ("--students", "8", "--submissions", "12")  # small: the full demo takes minutes


@pytest.fixture
def env(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Return the environment of a department in tmp_path (also set for in-process runs)."""
    monkeypatch.setenv("CERTREVIEW_DB", db_url)
    monkeypatch.setenv("CERTREVIEW_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("CERTREVIEW_DEBUG", raising=False)
    return dict(os.environ)


def counts(env: dict[str, str]) -> tuple[int, int, int]:
    """Return how many students, submissions and decisions the department holds."""
    ws = Workspace.open(env["CERTREVIEW_DB"], env["CERTREVIEW_DATA"])
    try:
        with ws.Session() as session:
            return tuple(  # type: ignore[return-value]
                session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Student, Submission, Decision)
            )
    finally:
        ws.close()


def test_a_killed_demo_can_simply_be_run_again(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    store = tmp_path / "data" / "store"
    script = Path(sys.executable).with_name("certreview")
    process = subprocess.Popen(
        [script, "demo", *SIZE],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        # The intake copies uploads into the store while it writes the first round's rows.
        deadline = time.monotonic() + 60
        while not (store.is_dir() and any(p.is_file() for p in store.rglob("*"))):
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the demo never reached its intake"
            time.sleep(0.01)
        assert process.poll() is None, "the demo finished before it could be killed"
        process.kill()
    finally:
        process.communicate()
    assert process.returncode == -signal.SIGKILL
    assert counts(env) == (0, 0, 0)  # nothing half-built is left behind

    assert main(["demo", *SIZE]) == 0, capsys.readouterr().err
    students, submissions, decisions = counts(env)
    assert (students, submissions) == (8, 12) and decisions > 0


def test_force_replaces_an_earlier_demo(env: dict[str, str], capsys: pytest.CaptureFixture[str]):
    assert main(["demo", *SIZE]) == 0
    first = capsys.readouterr().out
    before = counts(env)
    assert main(["demo", *SIZE]) == 1
    assert "it is an earlier demo: add --force to replace it" in capsys.readouterr().err
    assert main(["demo", *SIZE, "--force"]) == 0
    assert capsys.readouterr().out == first  # the same department again, not two of them
    assert counts(env) == before


def test_force_never_touches_a_real_department(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
):
    assert main(["init"]) == 0
    assert main(["import", "roster", str(SAMPLES / "roster.csv")]) == 0
    capsys.readouterr()
    assert main(["demo", *SIZE, "--force"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("certreview: ") and err.count("\n") == 1
    assert "already holds a department (4 students, 0 uploads)" in err
    assert "not a demo department, so --force leaves it alone" in err
    assert counts(env) == (4, 0, 0)
