"""Time the review workbench kernel-side on a department of 5,000+ submissions with thumbnails.

Run:  python benchmarks/bench_review.py                 (demo scaled to 5,000 in the round)
      python benchmarks/bench_review.py --size 10000    (bigger)
      python benchmarks/bench_review.py --data DIR      (keep / reuse the department in DIR)

The department is the demo (`build_demo`, through the real intake) scaled up: its submissions
are copied into a round of SIZE uploads, each copy with its own image row and its own cached
thumbnail file, so every card of a page reads a different file. Building 5,000 uploads through
intake would measure intake, which `bench_images.py` does.

Widgets run without a browser, but every message they would send is serialised to JSON (with
its binary buffers) so the kernel-side cost of talking to the front end is counted.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import shutil
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import comm
from comm.base_comm import BaseComm
from sqlalchemy import func, insert, select

from certreview.demo.department import build_demo
from certreview.review.service import ReviewService
from certreview.store.models import ImageFile, Round, Submission
from certreview.workspace import Workspace

SENT = {"messages": 0, "bytes": 0}


class SerialisingComm(BaseComm):
    """A comm that does the kernel's share of sending: JSON plus buffers, then drops it."""

    def publish_msg(  # type: ignore[override]
        self,
        msg_type: str,
        data: Any = None,
        metadata: Any = None,
        buffers: Any = None,
        **keys: Any,
    ) -> None:
        SENT["messages"] += 1
        SENT["bytes"] += len(json.dumps(data, default=str)) + sum(
            len(memoryview(b)) for b in buffers or ()
        )


comm.create_comm = SerialisingComm  # ipywidgets asks `comm.create_comm` for each widget's comm

from certreview.widgets import ReviewWorkbench  # noqa: E402  (after the comm is in place)


def scale(ws: Workspace, name: str, size: int) -> int:
    """Add round NAME holding SIZE copies of the demo's submissions; return its id."""
    with ws.Session.begin() as s:
        existing = s.scalar(select(Round.id).where(Round.name == name))
        if existing is not None:
            return existing
        source = (
            s.execute(select(Submission.__table__).where(Submission.image_sha256.is_not(None)))
            .mappings()
            .all()
        )
        images = {i.sha256: i for i in s.scalars(select(ImageFile))}
        round_ = Round(name=name, cutoff=None, created_at=datetime.now())
        s.add(round_)
        s.flush()
        rows, files = [], []
        for n in range(size):
            row = dict(source[n % len(source)])
            original = images[row["image_sha256"]]
            sha = hashlib.sha256(f"{name}-{n}".encode()).hexdigest()
            thumb = ws.store.thumbnail_path(row["image_sha256"])
            if thumb.exists():
                target = ws.store.thumbnail_path(sha)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(thumb, target)
            files.append(
                {c: getattr(original, c) for c in ("byte_size", "format", "width", "height",
                                                    "pixels", "pages", "phash", "flag", "message")}
                | {"sha256": sha}
            )  # fmt: skip
            row.pop("id")
            row.update(submission_id=f"{name}-{n:05d}", round_id=round_.id, image_sha256=sha)
            rows.append(row)
        s.execute(insert(ImageFile), files)
        s.execute(insert(Submission), rows)
        return round_.id


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Return the median and the worst of REPEAT runs after one warm-up run, in milliseconds."""
    action()  # the first run compiles SQL and pulls files into the OS cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def peak_kib(action: Callable[[], object]) -> float:
    """Return the tracemalloc peak of ACTION in KiB."""
    gc.collect()
    tracemalloc.start()
    action()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5000, help="submissions in the big round")
    parser.add_argument("--data", type=Path, help="department folder to keep and reuse")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    data = args.data or Path(tempfile.mkdtemp(prefix="bench-review-"))
    fresh = not (data / "certreview.sqlite").exists()
    ws = Workspace.open(None, data, create=True)
    if fresh:
        start = time.perf_counter()
        build_demo(ws, seed=0, students=300, submissions=300)
        print(f"demo department built in {time.perf_counter() - start:.0f} s ({data})")
    big = scale(ws, f"bench-{args.size}", args.size)
    small = scale(ws, "bench-500", 500)
    with ws.Session.begin() as s:
        total = s.scalar(select(func.count()).select_from(Submission))
    print(f"{total} submissions in the database; round under test: {args.size}\n")

    service = ReviewService(ws, "bench")
    start = time.perf_counter()
    bench = ReviewWorkbench(service)
    print(
        f"workbench created (24 card widgets, first page):  {(time.perf_counter() - start) * 1000:7.1f} ms"
    )

    def open_round(round_id: int) -> None:
        bench.view_filters = service.open_view(
            replace(service.default_filters(), round_id=round_id)
        )
        bench.page_number = 0

    open_round(big)
    bench.load()
    rows: list[tuple[str, float, float]] = []

    def page_build() -> None:
        bench.page_number = 7
        bench.load()

    rows.append(
        ("page of 24 cards built (query + thumbnails + widgets)", *timed(page_build, args.repeat))
    )
    bench.page_number = 0
    bench.load()

    def turn() -> None:
        if bench.next_button.disabled:
            bench.page_number = 0
        bench.next_button.click()

    rows.append(("page turned (Next button)", *timed(turn, args.repeat)))
    rows.append(("service.page only (one SQL query + 24 thumbnails)",
                 *timed(lambda: service.page(bench.view_filters, 3, 24), args.repeat)))  # fmt: skip
    rows.append(
        ("progress count", *timed(lambda: service.progress(bench.view_filters), args.repeat))
    )
    rows.append(("filter counts (all 8 filters)",
                 *timed(lambda: service.options(bench.view_filters), args.repeat)))  # fmt: skip

    flag = bench.filter_bar.dropdowns["flag"]
    bench.load(counts=True)
    some_flag = next(v for _, v in flag.options if v not in ("*", "clean"))

    def change_filter() -> None:
        flag.value = some_flag if flag.value != some_flag else "*"

    rows.append(
        ("filter changed (new view, counts, first page)", *timed(change_filter, args.repeat))
    )
    flag.value = "*"
    open_round(big)
    bench.load()

    clicks = iter(range(10**6))

    def decide() -> None:
        i = next(clicks) % 24
        if i == 0 and bench.page_number:  # used the page up: the next one is all pending
            bench.next_button.click()
        bench.views[i].approve.click()

    before = SENT["messages"]
    rows.append(("decision click (written, card + progress shown)", *timed(decide, 24)))
    per_click = (SENT["messages"] - before) / 24

    thumbs = [
        ws.store.thumbnail_path(v.card.image_sha256)
        for v in bench.visible_cards()
        if v.card and v.card.image_sha256
    ]
    read_ms, _ = timed(lambda: [p.read_bytes() for p in thumbs], args.repeat * 4)
    build_ms = rows[0][1]

    print(f"\n{'kernel-side, ms':56} {'median':>8} {'worst':>8}")
    for label, median, worst in rows:
        print(f"{label:56} {median:8.1f} {worst:8.1f}")
    print(f"\nreading the page's {len(thumbs)} thumbnail files:  {read_ms:.2f} ms")
    print(f"ratio page build / thumbnail reads:               {build_ms / read_ms:.1f}")
    print(f"messages to the front end per decision click:      {per_click:.0f}")
    print("targets: page < 150 ms, decision < 30 ms")

    print("\nmemory (tracemalloc peak, KiB)           500 in round   size in round")
    for label, action in (
        ("open view + page 0 + counts", lambda r: (open_round(r), bench.load(counts=True))),
        ("page turn", lambda r: bench.next_button.click()),
    ):
        figures = []
        for round_id in (small, big):
            open_round(round_id)
            bench.load()
            figures.append(peak_kib(lambda: action(round_id)))  # noqa: B023
        print(f"{label:40} {figures[0]:12.0f} {figures[1]:14.0f}")
    ws.close()


if __name__ == "__main__":
    main()
