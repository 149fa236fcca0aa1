"""Every notebook runs top to bottom (nbval) on a small demo department, and stays thin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from certreview.config import sqlite_url
from certreview.demo.department import build_demo
from certreview.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# The app's pages (one cell each) run in the browser test; here they must stay thin too.
APP_PAGES = sorted((ROOT / "notebooks" / "app").glob("*.ipynb"))


@pytest.mark.slow
def test_notebooks_run_on_the_demo(tmp_path: Path) -> None:
    data = tmp_path / "data"
    url = sqlite_url(data / "certreview.sqlite")
    ws = Workspace.open(url, data, create=True)
    build_demo(ws, seed=3, students=80, submissions=160)
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
    assert f"{sum(_code_cells(p) for p in NOTEBOOKS)} passed" in result.stdout


def _code_cells(path: Path) -> int:
    return sum(c["cell_type"] == "code" for c in json.loads(path.read_text("utf-8"))["cells"])


@pytest.mark.parametrize("path", NOTEBOOKS + APP_PAGES, ids=lambda p: p.name)
def test_notebooks_are_thin(path: Path) -> None:
    book = json.loads(path.read_text("utf-8"))
    for cell in book["cells"]:
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).splitlines()
        assert len(lines) <= 12, lines
        assert not any(line.lstrip().startswith(("def ", "class ")) for line in lines), lines
        assert not cell.get("outputs"), "notebooks are committed without outputs"
