"""The eligibility and statistics notebooks run top to bottom (nbval) on a small demo department."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from certreview.config import sqlite_url
from certreview.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = [
    ROOT / "notebooks" / "03_eligibility_and_audit.ipynb",
    ROOT / "notebooks" / "04_completion_statistics.ipynb",
]


@pytest.mark.slow
def test_reporting_notebooks_run_on_the_demo(tmp_path: Path) -> None:
    demo = pytest.importorskip("certreview.demo", reason="certreview.demo is not there yet")
    if not hasattr(demo, "build_demo"):
        pytest.skip("certreview.demo.build_demo(ws, seed=...) is not there yet")
    data = tmp_path / "data"
    url = sqlite_url(data / "certreview.sqlite")
    ws = Workspace.open(url, data, create=True)
    demo.build_demo(ws, seed=3, students=80, submissions=160)
    ws.close()
    env = os.environ | {
        "CERTREVIEW_DB": url,
        "CERTREVIEW_DATA": str(data),
        # The kernel spec runs "python": make it this interpreter.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "MPLBACKEND": "Agg",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "-p",
            "no:cacheprovider",
            "-o",
            "filterwarnings=",
            "-q",
            *map(str, NOTEBOOKS),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_reporting_notebooks_are_thin(path: Path) -> None:
    book = json.loads(path.read_text("utf-8"))
    for cell in book["cells"]:
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).splitlines()
        assert len(lines) <= 12, lines
        assert not any(line.lstrip().startswith(("def ", "class ")) for line in lines), lines
        assert not cell.get("outputs"), "notebooks are committed without outputs"
