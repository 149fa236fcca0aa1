"""Shared fixtures: a real database (SQLite in tmp_path, or PostgreSQL when configured)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from certreview.cli import main
from certreview.config import sqlite_url
from certreview.workspace import Workspace

# The suite reads English unless a test chooses Traditional Chinese (tests/test_i18n.py and the
# app's browser test do); subprocesses (CLI runs, notebook kernels, servers) inherit it.
os.environ["CERTREVIEW_LANG"] = "en"

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
PG_URL = os.environ.get(
    "CERTREVIEW_TEST_PG"
)  # e.g. postgresql+psycopg://postgres@127.0.0.1/postgres


@pytest.fixture(params=["sqlite", "postgres"] if PG_URL else ["sqlite"])
def db_backend(request: pytest.FixtureRequest) -> str:
    """Return the database kind under test: every storage test runs on each one available."""
    return request.param


@pytest.fixture
def db_url(tmp_path: Path, db_backend: str) -> Iterator[str]:
    """Return the URL of an empty database: a SQLite file, or a fresh PostgreSQL database."""
    if db_backend == "sqlite":
        yield sqlite_url(tmp_path / "test.sqlite")
        return
    assert PG_URL is not None
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = PG_URL.rpartition("/")
    yield f"{base}/{name}"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def workspace(tmp_path: Path, db_url: str) -> Iterator[Workspace]:
    """Return a migrated, empty department with its data directory in tmp_path."""
    ws = Workspace.open(db_url, tmp_path / "data", create=True)
    yield ws
    ws.close()


@pytest.fixture
def cli(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """Return a function that runs certreview on a fresh department and returns (code, out, err)."""
    monkeypatch.setenv("CERTREVIEW_DB", db_url)
    monkeypatch.setenv("CERTREVIEW_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("CERTREVIEW_DEBUG", raising=False)

    def run(*args: str | Path) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def mailbox():
    """Return the mailbox of a loopback SMTP server (tests/smtp_server.py): what it accepted."""
    from smtp_server import Mailbox

    return Mailbox()


@pytest.fixture
def mail_server(mailbox) -> Iterator:
    """Return a real SMTP server (aiosmtpd) on 127.0.0.1 and a free port, delivering to mailbox."""
    from smtp_server import start_server

    controller = start_server(mailbox)
    yield controller
    controller.stop()
