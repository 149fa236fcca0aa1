"""A busy database never makes a click fail silently: every widget says what was not done."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from builders import department
from reporting_department import standard_department
from sqlalchemy import create_engine, event, func, select

from certreview.reports.service import ReportService
from certreview.review.service import ReviewService
from certreview.store.models import Decision, ExportLog, Student
from certreview.widgets import ReviewWorkbench
from certreview.widgets.eligibility import EligibilityPanel
from certreview.widgets.intake import IntakePanel
from certreview.workspace import Workspace
from tests.conftest import SAMPLES

BUSY = "the database is busy (another import or reviewer)"


def impatient(ws: Workspace) -> None:
    """Make the workspace give up on a lock after a fraction of a second instead of 30 s."""

    def short_wait(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        if ws.engine.url.get_backend_name() == "sqlite":
            cursor.execute("PRAGMA busy_timeout = 100")
        else:
            cursor.execute("SET lock_timeout = '150ms'")
            dbapi_connection.commit()  # a SET inside a rolled-back transaction is undone
        cursor.close()

    # First, so the connection pragmas that follow wait briefly too.
    event.listen(ws.engine, "connect", short_wait, insert=True)
    ws.engine.dispose()
    with ws.engine.connect() as c:  # a pooled connection, set up before the lock is taken
        c.exec_driver_sql("SELECT 1")


@contextlib.contextmanager
def held(ws: Workspace, *, reads: bool = False) -> Iterator[None]:
    """Hold the database from another connection: writes blocked (READS: everything)."""
    if ws.engine.url.get_backend_name() == "sqlite":
        if reads:
            ws.engine.dispose()  # a WAL reader holds the file open: only closed ones stay out
        other = sqlite3.connect(ws.engine.url.database, isolation_level=None)
        if reads:
            # Exclusive locking mode with a write keeps even WAL readers out.
            other.execute("PRAGMA locking_mode = EXCLUSIVE")
            other.execute("BEGIN EXCLUSIVE")
            other.execute("UPDATE rounds SET name = name")
            other.execute("COMMIT")
            other.execute("BEGIN EXCLUSIVE")
        else:
            other.execute("BEGIN IMMEDIATE")  # what an import in another notebook holds
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    engine = create_engine(ws.engine.url)
    mode = "ACCESS EXCLUSIVE" if reads else "EXCLUSIVE"
    try:
        with engine.connect() as other:
            other.begin()
            tables = "decisions, export_log, students, import_log, submissions, rounds"
            other.exec_driver_sql(f"LOCK TABLE {tables} IN {mode} MODE")
            yield
            other.rollback()
    finally:
        engine.dispose()


def decided(ws: Workspace) -> list[tuple[int, str, str]]:
    with ws.Session() as s:
        rows = s.execute(select(Decision.submission_pk, Decision.verdict, Decision.reviewer))
        return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.fixture
def bench(workspace: Workspace) -> ReviewWorkbench:
    department(workspace, 6)
    impatient(workspace)
    return ReviewWorkbench(ReviewService(workspace, "amy"))


def test_a_click_on_a_locked_database_says_not_saved(
    bench: ReviewWorkbench, workspace: Workspace
) -> None:
    view = bench.views[0]
    with held(workspace):
        view.approve.click()  # no exception reaches the notebook
        bench.handle_key({"type": "keydown", "key": "a"})  # the key path too
    assert f"Not saved: {BUSY}. Press the key again." in view.message
    assert "Not saved" in bench.status.value
    assert view.card is not None and view.card.state == "pending" and "Pending" in view.state
    assert decided(workspace) == []
    view.approve.click()  # pressed again once the database is free
    assert decided(workspace) == [(view.card.pk, "approve", "amy")]
    assert "Approved" in view.state and "Not saved" not in view.message


def test_detail_bulk_and_undo_on_a_locked_database(
    bench: ReviewWorkbench, workspace: Workspace
) -> None:
    bench.views[0].approve.click()
    bench.views[1].details.click()
    with held(workspace):
        bench.detail.approve.click()
        assert f"Not saved: {BUSY}" in bench.detail.message.value
        bench.undo_button.click()
        assert f"Not undone: {BUSY}" in bench.status.value
        bench.approve_clean.click()
        bench.confirm_yes.click()
        assert f"Not saved: {BUSY}" in bench.status.value
    assert len(decided(workspace)) == 1
    bench.undo_button.click()  # the undo was not used up by the failed try
    assert [v for _, v, _ in decided(workspace)] == ["approve", "pending"]


def test_loading_from_a_locked_database_says_not_loaded(
    bench: ReviewWorkbench, workspace: Workspace
) -> None:
    bench = ReviewWorkbench(ReviewService(workspace, "amy"), page_size=2)
    shown = [v.card.submission_id for v in bench.visible_cards() if v.card]
    with held(workspace, reads=True):
        bench.refresh_button.click()
        assert f"Not loaded: {BUSY}" in bench.status.value
        bench.next_button.click()
        assert f"Not loaded: {BUSY}" in bench.status.value
        bench.views[0].details.click()
        assert f"Not loaded: {BUSY}" in bench.status.value
        bench.filter_bar.search.value = "B112"
        assert f"Not loaded: {BUSY}" in bench.status.value
    assert [v.card.submission_id for v in bench.visible_cards() if v.card] == shown
    assert not bench.detail.visible
    bench.refresh_button.click()
    assert "Not loaded" not in bench.status.value


def test_intake_on_a_locked_database_says_what_to_do(workspace: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    shutil.copytree(SAMPLES, folder)
    impatient(workspace)
    panel = IntakePanel(workspace, folder)
    with held(workspace):
        panel.buttons["roster"].click()
        panel.buttons["submissions"].click()
    assert panel.message.value == (
        f"<b style='color:#b00020'>Could not import submissions: {BUSY}. Press Import again.</b>"
    )
    with workspace.Session() as s:
        assert s.scalar(select(func.count()).select_from(Student)) == 0
    panel.buttons["roster"].click()
    assert "roster: 4 added" in panel.message.value


def test_eligibility_on_a_locked_database_says_not_exported(workspace: Workspace) -> None:
    with workspace.Session.begin() as s:
        standard_department(s)
    impatient(workspace)
    panel = EligibilityPanel(ReportService(workspace), current_year=114)
    with held(workspace):
        panel.export_button.click()
        assert f"Not exported: {BUSY}. Press Export again." in panel.message.value
    with held(workspace, reads=True):
        panel.cohort.value = 111
        assert f"Not loaded: {BUSY}" in panel.message.value
    with workspace.Session() as s:
        assert s.scalars(select(ExportLog)).all() == []
    panel.cohort.value = None
    assert "Not loaded" not in panel.message.value
    panel.export_button.click()
    assert "Wrote 5 rows" in panel.message.value
