"""Imports never hold the database: a decision meanwhile goes through, a killed import resumes."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

import certreview.images.pool as pool_module
from certreview.demo.pictures import certificate_image, encode
from certreview.ingest.service import IntakeService
from certreview.ingest.submissions import IntakeOptions
from certreview.store.decisions import check_verdict, decide, find_submission
from certreview.store.engine import make_engine, make_sessionmaker
from certreview.store.models import Round, Submission
from certreview.workspace import Workspace
from tests.conftest import SAMPLES

HEADER = (
    "submission_id,submitted_at,student_id,student_name,category,certificate_name,exam_year,image\n"
)
TODAY = date(2026, 5, 20)


def picture(n: int) -> bytes:
    image = certificate_image(
        "Certificate", f"Student {n}", f"No. {n:06d}", size=(600, 420), seed=n
    )
    return encode(image, "jpeg")


def export(tmp_path: Path, name: str, ids: range) -> Path:
    """Write an export of one upload per id (with its photo) and return its path."""
    folder = tmp_path / "images"
    folder.mkdir(exist_ok=True)
    rows = []
    for i in ids:
        (folder / f"p{i}.jpg").write_bytes(picture(i))
        rows.append(f"p{i},2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,p{i}.jpg\n")
    path = tmp_path / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


@pytest.fixture
def intake(workspace: Workspace) -> IntakeService:
    service = IntakeService(workspace)
    for kind, name in (("roster", "roster.csv"), ("catalog", "catalog.csv")):
        service.import_file(kind, SAMPLES / name)
    service.import_file("standards", SAMPLES / "standards.toml")
    return service


def impatient_sessions(ws: Workspace):  # type: ignore[no-untyped-def]
    """Return a session factory on its own engine that waits at most 100 ms for a lock."""
    engine = make_engine(ws.settings.db_url)

    def short_wait(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        if engine.url.get_backend_name() == "sqlite":
            cursor.execute("PRAGMA busy_timeout = 100")
        else:
            cursor.execute("SET lock_timeout = '100ms'")
            dbapi_connection.commit()
        cursor.close()

    event.listen(engine, "connect", short_wait, insert=True)
    return engine, make_sessionmaker(engine)


def test_a_decision_during_the_slow_part_of_an_import_does_not_wait(
    intake: IntakeService, tmp_path: Path
) -> None:
    ws = intake.workspace
    first = export(tmp_path, "first.csv", range(1))
    intake.import_submissions(first, tmp_path / "images", IntakeOptions(round_name="AY114"))
    checking, release = threading.Event(), threading.Event()

    def progress(done: int, total: int | None) -> None:
        checking.set()  # the import is decoding photos now
        release.wait(30)

    failures: list[BaseException] = []

    def importing() -> None:
        try:
            # A new round: the old import created it (and so held the write lock) first.
            options = IntakeOptions(round_name="AY115", workers=1, progress=progress)
            intake.import_submissions(
                export(tmp_path, "second.csv", range(1, 4)), tmp_path / "images", options
            )
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    thread = threading.Thread(target=importing)
    thread.start()
    engine, Session = impatient_sessions(ws)
    try:
        assert checking.wait(30)
        with Session.begin() as s:
            verdict = check_verdict("approve", None, None, None)
            decision = decide(s, find_submission(s, "p0"), verdict, "amy")
        assert decision.id is not None
    finally:
        release.set()
        thread.join(60)
        engine.dispose()
    assert not failures
    with ws.Session() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 4


def test_a_killed_import_resumes_where_it_stopped(intake: IntakeService, tmp_path: Path) -> None:
    ws = intake.workspace
    path = export(tmp_path, "submissions.csv", range(5))

    def killed(done: int, total: int | None) -> None:
        if done > 2:  # the first batch of two is written; the power goes in the second
            raise KeyboardInterrupt

    options = IntakeOptions(round_name="AY114", workers=1, batch_rows=2)
    with pytest.raises(KeyboardInterrupt):
        intake.import_submissions(
            path,
            tmp_path / "images",
            IntakeOptions(round_name="AY114", workers=1, batch_rows=2, progress=killed),
        )
    with ws.Session() as s:
        assert s.scalars(select(Submission.submission_id).order_by(Submission.id)).all() == [
            "p0",
            "p1",
        ]
    again = intake.import_submissions(path, tmp_path / "images", options)
    assert [(r.submission_id, r.status) for r in again.rows] == [
        ("p0", "skipped"),
        ("p1", "skipped"),
        ("p2", "accepted"),
        ("p3", "accepted"),
        ("p4", "accepted"),
    ]


def test_an_import_that_adds_nothing_creates_no_round(
    intake: IntakeService, tmp_path: Path
) -> None:
    path = tmp_path / "empty.csv"
    path.write_text(HEADER, encoding="utf-8")
    result = intake.import_file("submissions", path, tmp_path, IntakeOptions(round_name="AY116"))
    assert result.counts() == {"accepted": 0, "flagged": 0, "skipped": 0}
    with intake.workspace.Session() as s:
        assert s.scalars(select(Round.name)).all() == []


def test_the_batches_of_one_import_share_one_pool_of_workers(
    intake: IntakeService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[object] = []

    class Counted(pool_module.ProcessPoolExecutor):
        def __init__(self, *args: object, **kwargs: object) -> None:
            started.append(self)
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pool_module, "ProcessPoolExecutor", Counted)
    path = export(tmp_path, "submissions.csv", range(24))
    options = IntakeOptions(round_name="AY114", workers=2, batch_rows=8)
    result = intake.import_submissions(path, tmp_path / "images", options)
    assert [r.status for r in result.rows].count("accepted") == 24
    assert len(started) == 1  # three batches, one start-up
    assert all(s._shutdown_thread for s in started)  # type: ignore[attr-defined]  # stopped after
