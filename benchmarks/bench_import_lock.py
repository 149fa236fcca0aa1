"""Time reviewers' decisions while another process imports many phone photos.

Run:  python benchmarks/bench_import_lock.py               (200 photos of ~12 MP)
      python benchmarks/bench_import_lock.py --photos 1000 (the real figure)

One process imports an export of N photos through `IntakeService` (what the CLI and the intake
panel use) while this process decides submissions in a loop, each decision its own short
transaction as in the review workbench. Prints, per database,

    decision during import: sqlite p50 N ms p99 M ms

and does the same on PostgreSQL when CERTREVIEW_TEST_PG is set (a scratch database is made
and dropped). The photos are a few distinct 12 MP pictures, each copy with its own hash.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, event, text

from certreview.config import sqlite_url
from certreview.demo.pictures import certificate_image, encode, phone_photo, with_unique_tag
from certreview.ingest.service import IntakeService
from certreview.ingest.submissions import IntakeOptions
from certreview.store.decisions import check_verdict, decide, find_submission
from certreview.workspace import Workspace

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
HEADER = (
    "submission_id,submitted_at,student_id,student_name,category,certificate_name,exam_year,image\n"
)
STUDENTS = (("B11001001", "王小明"), ("B11201002", "李美玲"), ("B11201003", "陳大文"))
DECIDED = 20  # small uploads imported first, decided over and over during the big import


def write_export(folder: Path, name: str, photos: list[bytes], prefix: str) -> Path:
    images = folder / "images"
    images.mkdir(exist_ok=True)
    rows = []
    for i, data in enumerate(photos):
        sid, student = STUDENTS[i % len(STUDENTS)]
        (images / f"{prefix}{i}.jpg").write_bytes(data)
        rows.append(
            f"{prefix}{i},2026-03-01 10:00,{sid},{student},Information,CCNA,113,{prefix}{i}.jpg\n"
        )
    path = folder / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def run_import(db: str, data: str, export: str, images: str, workers: int | None) -> None:
    ws = Workspace.open(db, data)
    holds: list[float] = []
    first_write: list[float] = []

    # How long each of the import's transactions holds the write lock: first write to commit.
    @event.listens_for(ws.engine, "before_cursor_execute")
    def writing(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if not first_write and statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            first_write.append(time.perf_counter())

    @event.listens_for(ws.engine, "commit")
    def committed(conn) -> None:  # type: ignore[no-untyped-def]
        if first_write:
            holds.append((time.perf_counter() - first_write.pop()) * 1000)

    try:
        options = IntakeOptions(round_name="AY115", workers=workers)
        result = IntakeService(ws).import_submissions(Path(export), Path(images), options)
        print(f"  import: {result.summary()}")
        print(f"  import held the write lock {len(holds)} times, at most {max(holds):.0f} ms")
    finally:
        ws.close()


def databases(folder: Path) -> Iterator[tuple[str, str]]:
    """Yield (name, URL) of each database to measure: SQLite, and PostgreSQL if configured."""
    yield "sqlite", sqlite_url(folder / "bench.sqlite")
    pg = os.environ.get("CERTREVIEW_TEST_PG")
    if not pg:
        return
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield "postgresql", f"{pg.rpartition('/')[0]}/{name}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def measure(kind: str, db: str, folder: Path, photos: list[bytes], workers: int | None) -> None:
    data = folder / f"data-{kind}"
    ws = Workspace.open(db, data, create=True)
    service = IntakeService(ws)
    service.import_file("roster", SAMPLES / "roster.csv")
    service.import_file("catalog", SAMPLES / "catalog.csv")
    service.import_file("standards", SAMPLES / "standards.toml")
    small = [
        encode(certificate_image(name=f"S{n}", number=f"No. {n}", size=(600, 420), seed=n), "jpeg")
        for n in range(DECIDED)
    ]
    first = write_export(folder, f"first-{kind}.csv", small, "d")
    service.import_submissions(first, folder / "images", IntakeOptions(round_name="AY114"))
    big = write_export(folder, f"big-{kind}.csv", photos, f"{kind}-")

    verdicts = [
        check_verdict("approve", None, None, None),
        check_verdict("return", "illegible", None, None),
    ]

    def decide_once(n: int) -> float:
        t = time.perf_counter()
        with ws.Session.begin() as s:
            decide(s, find_submission(s, f"d{n % DECIDED}"), verdicts[n % 2], "bench")
        time.sleep(0.02)
        return (time.perf_counter() - t - 0.02) * 1000

    # Without an import first: what a decision costs on this (shared, busy) machine.
    alone = [decide_once(n) for n in range(100)]
    args = (db, str(data), str(big), str(folder / "images"), workers)
    importer = multiprocessing.get_context("spawn").Process(target=run_import, args=args)
    started = time.perf_counter()
    importer.start()
    waits: list[float] = []
    while importer.is_alive():
        waits.append(decide_once(len(waits)))
    importer.join()
    took = time.perf_counter() - started
    ws.close()
    if importer.exitcode != 0 or len(waits) < 2:
        raise SystemExit(f"{kind}: the import failed (exit {importer.exitcode})")
    q = statistics.quantiles(alone, n=100)
    print(f"  decision without import: {kind} p50 {q[49]:.0f} ms p99 {q[98]:.0f} ms")
    q = statistics.quantiles(waits, n=100)
    print(f"  {len(photos)} photos imported in {took:.1f} s; {len(waits)} decisions meanwhile")
    print(
        f"decision during import: {kind} p50 {q[49]:.0f} ms p99 {q[98]:.0f} ms "
        f"(max {max(waits):.0f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=200, help="photos in the import")
    parser.add_argument("--distinct", type=int, default=8, help="distinct pictures among them")
    parser.add_argument("--workers", type=int, default=None, help="image-checking processes")
    args = parser.parse_args()
    base = [phone_photo(seed, megapixels=12) for seed in range(args.distinct)]
    photos = [with_unique_tag(base[i % len(base)], i) for i in range(args.photos)]
    print(f"{args.photos} photos, {sum(map(len, photos)) / 1e6:.0f} MB")
    with tempfile.TemporaryDirectory(prefix="certreview-bench-") as tmp:
        for kind, db in databases(Path(tmp)):
            measure(kind, db, Path(tmp), photos, args.workers)


if __name__ == "__main__":
    main()
