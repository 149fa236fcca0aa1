"""Time image intake against pyvips on 12 MP phone photos and show that its memory stays flat.

Run:  python benchmarks/bench_images.py            (100 photos timed, 100 vs 1,000 for memory)
      python benchmarks/bench_images.py --quick    (20 photos timed, 20 vs 100 for memory)

Intake is the whole image part of an import: read each file, `ImageStore.put` it, inspect it
in parallel (`inspect_many` over store paths: validate, draft-decode, thumbnail, hash) and save
the thumbnail. pyvips (`thumbnail_buffer` of the same files, one thread, no cache) is the yard
stick. Memory is the peak resident set size (VmHWM from /proc, Linux) of the intake process
and of its largest worker, each intake run in a fresh process so peaks do not carry over.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from certreview.demo import pictures
from certreview.images.pool import default_workers, inspect_many
from certreview.store.imagestore import ImageStore


def _make_photo(seed: int) -> bytes:
    return pictures.phone_photo(seed, megapixels=12)


def write_photos(folder: Path, count: int, distinct: int) -> list[Path]:
    """Write `count` 12 MP JPEGs: `distinct` rendered photos, each copy made unique by a comment."""
    # Rendering a noisy 12 MP photo takes ~1 s; copies differing in one JPEG comment decode
    # exactly like the original but hash (and are stored) as different files.
    with ProcessPoolExecutor(default_workers()) as pool:
        photos = list(pool.map(_make_photo, range(distinct)))
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"IMG_{i:04d}.jpg"
        path.write_bytes(pictures.with_unique_tag(photos[i % distinct], i))
        paths.append(path)
    return paths


def intake(
    paths: list[Path], store: ImageStore, *, by_path: bool = True, workers: int | None = None
) -> int:
    """Run the image part of an import over `paths`; return how many were accepted."""

    def stored():
        for path in paths:
            data = path.read_bytes()
            sha = store.put(data)
            yield sha, (store.original_path(sha) if by_path else data)

    accepted = 0
    for sha, report in inspect_many(stored(), workers, total=len(paths), show_bar=False):
        if report.thumbnail is not None:
            store.save_thumbnail(sha, report.thumbnail)
            accepted += 1
    return accepted


def pyvips_thumbnails(paths: list[Path]) -> None:
    """Make a 320 px JPEG thumbnail of every file with pyvips on one thread."""
    import pyvips

    pyvips.concurrency_set(1)
    pyvips.cache_set_max(0)
    for path in paths:
        pyvips.Image.thumbnail_buffer(path.read_bytes(), 320).write_to_buffer(".jpg[Q=80]")


def _descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        kids = [p for p, pp in parents.items() if pp in frontier]
        found += kids
        frontier = kids
    return found


def _hwm_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure_intake(folder: Path, count: int) -> dict[str, float]:
    """Run intake over the first `count` files in a fresh store; return time and peak memory."""
    paths = sorted(folder.glob("*.jpg"))[:count]
    worker_peak = 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal worker_peak
        while not stop.is_set():
            for pid in _descendants(os.getpid()):
                worker_peak = max(worker_peak, _hwm_kib(pid))
            stop.wait(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        accepted = intake(paths, ImageStore(Path(tmp)))
        seconds = time.perf_counter() - start
    stop.set()
    watcher.join()
    return {
        "count": count,
        "accepted": accepted,
        "seconds": seconds,
        "parent_peak_mib": _hwm_kib(os.getpid()) / 1024,
        "worker_peak_mib": worker_peak / 1024,
    }


def _fresh_process_measure(folder: Path, count: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", str(folder), str(count)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="20 photos timed, 20 vs 100 for memory"
    )
    parser.add_argument(
        "--compare-bytes", action="store_true", help="also time passing bytes to workers"
    )
    parser.add_argument("--workers", type=int, help="worker processes for the timed intake")
    parser.add_argument("--measure", nargs=2, metavar=("FOLDER", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure_intake(Path(args.measure[0]), int(args.measure[1]))))
        return

    timed, small, big, distinct = (20, 20, 100, 4) if args.quick else (100, 100, 1000, 10)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "photos"
        paths = write_photos(folder, big, distinct)
        size_mb = sum(p.stat().st_size for p in paths[:timed]) / timed / 1e6
        print(
            f"{big} synthetic 12 MP phone JPEGs ({size_mb:.1f} MB each, {distinct} distinct renders)"
        )
        print(f"generated in {time.perf_counter() - began:.1f} s; {default_workers()} cores")

        # Interleaved rounds, best of each: other programs on the machine slow both alike. The
        # first intake round also pays the one-off start of the worker server (shown apart).
        intake_runs, vips_runs, bytes_runs = [], [], []
        for _ in range(2):
            with tempfile.TemporaryDirectory() as store_dir:
                start = time.perf_counter()
                intake(paths[:timed], ImageStore(Path(store_dir)), workers=args.workers)
                intake_runs.append(time.perf_counter() - start)
            start = time.perf_counter()
            pyvips_thumbnails(paths[:timed])
            vips_runs.append(time.perf_counter() - start)
            if args.compare_bytes:
                with tempfile.TemporaryDirectory() as store_dir:
                    start = time.perf_counter()
                    intake(paths[:timed], ImageStore(Path(store_dir)), by_path=False)
                    bytes_runs.append(time.perf_counter() - start)
        intake_s, vips_s = min(intake_runs), min(vips_runs)
        print(
            f"intake of {timed} (store + inspect_many by path + thumbnails): {intake_s:.2f} s "
            f"({intake_s / timed * 1000:.0f} ms/image; first round {intake_runs[0]:.2f} s)"
        )
        if bytes_runs:
            print(f"  same, pickling bytes to workers instead of paths: {min(bytes_runs):.2f} s")
        print(
            f"pyvips thumbnail_buffer, 1 thread: {vips_s:.2f} s ({vips_s / timed * 1000:.0f} ms/image)"
        )
        print(f"intake/pyvips ratio = {intake_s / vips_s:.2f}")

        for count in (small, big):
            m = _fresh_process_measure(folder, count)
            print(
                f"peak memory, intake of {count:>4}: parent {m['parent_peak_mib']:.0f} MiB, "
                f"largest worker {m['worker_peak_mib']:.0f} MiB ({m['seconds']:.1f} s, {m['accepted']} accepted)"
            )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"total {time.perf_counter() - began:.0f} s (load average {load:.1f})")


if __name__ == "__main__":
    main()
