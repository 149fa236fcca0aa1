"""Every case of the hostile-input corpus, run through the real command line on a real department."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from certreview.cli import main
from certreview.config import sqlite_url
from tests import hostile_corpus
from tests.hostile_corpus import CASES, listing, problems, setup_commands

# Cases known to fail, each with why (strict: once fixed, the case passes and its entry goes).
KNOWN: dict[str, str] = {}


# Streaming 200,000 rows through openpyxl before refusing the sheet takes about 30 s.
SLOW = {"xlsx_million_rows"}


def _marks(name: str) -> list[pytest.MarkDecorator]:
    marks = [pytest.mark.slow] if name in SLOW else []
    if name in KNOWN:
        marks.append(pytest.mark.xfail(strict=True, reason=KNOWN[name]))
    return marks


@pytest.mark.parametrize("name", [pytest.param(name, marks=_marks(name)) for name in CASES])
def test_hostile_input_is_handled_in_one_line(
    name: str,
    tmp_path: Path,
    db_url: str,
    db_backend: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The SQLite file lives in the data folder, so that every write outside it is a finding.
    data = tmp_path / "data"
    url = sqlite_url(data / "certreview.sqlite") if db_backend == "sqlite" else db_url
    monkeypatch.setenv("CERTREVIEW_DB", url)
    monkeypatch.setenv("CERTREVIEW_DATA", str(data))
    monkeypatch.delenv("CERTREVIEW_DEBUG", raising=False)
    # Temporary files go under the case's root, so one left behind shows in the listing.
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    for args in setup_commands():
        assert main(args) == 0, capsys.readouterr().err
    case = CASES[name](tmp_path)
    capsys.readouterr()
    before = listing(tmp_path)
    status = main(case.args)
    out, err = capsys.readouterr()
    assert problems(case, tmp_path, status, out, err, before) == []


def test_the_corpus_covers_the_issue() -> None:
    # The kinds of hostile input issue 12 names, each with at least one case.
    named = " ".join(CASES)
    for kind in (
        "zip_bomb_ratio",
        "zip_bomb_lying_header",
        "100k_entries",
        "nested",
        "encrypted",
        "traversal",
        "backslash",
        "symlinks",
        "image_is_a_folder",
        "nul",
        "10k",
        "100mb",
        "mixed_encodings",
        "xlsx",
        "million_rows",
        "standards_wrong_types",
        "png_pixel_bomb",
        "gif_pixel_bomb",
        "tiff_pixel_bomb",
        "webp_pixel_bomb",
        "heic_pixel_bomb",
        "pdf_1000_pages",
        "exif",
    ):
        assert kind in named, kind
    assert hostile_corpus.__doc__
