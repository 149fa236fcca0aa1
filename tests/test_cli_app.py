"""`certreview app`: loopback by default; the office network only with a token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from certreview.cli.app import app_folder, check_access, voila_command


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--host", "0.0.0.0"], "add --token T"),
        (["--host", "192.168.1.20", "--token", "   "], "add --token T"),
        (["--host", "office-pc"], "add --token T"),
        (["--host", "0.0.0.0", "--token", "short"], "at least 12 characters"),
    ],
)
def test_the_network_needs_a_token(cli, monkeypatch, args: list[str], words: str) -> None:
    monkeypatch.delenv("CERTREVIEW_APP_TOKEN", raising=False)
    code, out, err = cli("app", "--no-browser", *args)
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err and err.startswith("certreview:")


def test_loopback_needs_no_token_and_a_token_stays_off_the_command_line(tmp_path: Path) -> None:
    assert check_access("127.0.0.1", None) is None
    assert check_access("::1", "") is None
    assert check_access("0.0.0.0", " a-long-enough-token ") == "a-long-enough-token"
    command = voila_command(app_folder(), "0.0.0.0", 8866, tmp_path)
    assert "--Voila.ip=0.0.0.0" in command
    assert not any(c.startswith(("--token", "--Voila.token")) for c in command)
    assert (app_folder() / "index.ipynb").exists()
    pages = {p.stem for p in app_folder().glob("*.ipynb")}
    assert pages >= {"index", "lookup", "counter", "review", "intake", "eligibility", "statistics"}
    book = json.loads((app_folder() / "lookup.ipynb").read_text("utf-8"))
    assert [c["source"] for c in book["cells"]] == [
        ["from certreview.widgets.app import app_page\n", "\n", 'app_page("lookup")']
    ]
