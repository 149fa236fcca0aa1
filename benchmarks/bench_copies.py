"""Measure intake's copy flags and import time on a realistic set of look-alike certificates.

Run:  python benchmarks/bench_copies.py           (258 uploads)
      python benchmarks/bench_copies.py --small   (59 uploads)
      python benchmarks/bench_copies.py --large   (1,003 uploads: the issue's round of 1,000)

Needs the `bench` extra (pyvips). The set (`tests/realistic_certs.py`, seeded) has many
holders per certificate template, holders sharing a name, and 14 kinds of copy (re-saved,
resized, cropped, screenshots, a second photo or scan of the paper, ...), each upload by
another student. It is imported by the real command, `certreview import submissions` (in this
process, with its worker pool, into a fresh SQLite database), and the flags and stored pairs
are read back from the database:

- a false positive is an upload showing a paper nobody uploaded before it that carries a copy
  flag it owes to another paper (a stored pair with another paper, or no pair of its own);
- recall counts the copies flagged with a stored pair (or the same file) of their own paper.

The yard stick: pyvips `thumbnail_buffer(data, 320)` to a JPEG over the same files, one thread,
no cache. `import/pyvips ratio` divides the import's wall time by that.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pyvips
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from certreview.cli import main as cli
from certreview.store.engine import make_engine, make_sessionmaker
from certreview.store.models import ImageMatch, Submission
from tests.realistic_certs import TEMPLATES, Upload, build_set

SMALL = {"per_template": 9, "copies_per_kind": 1}
FULL = {"per_template": 32, "copies_per_kind": 7}
LARGE = {"per_template": 125, "copies_per_kind": 27}
COPY_FLAGS = ("duplicate_image", "shared_image")


def write_department(folder: Path, uploads: list[Upload]) -> None:
    """Write roster, catalog and submissions of the set (one student per upload)."""
    images = folder / "images"
    images.mkdir()
    with open(folder / "roster.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student_id", "name", "admission_year", "status"])
        for i in range(len(uploads)):
            w.writerow([f"B{i:08d}", f"學生{i}", 111, "enrolled"])
    with open(folder / "catalog.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["code", "category", "name", "level", "points", "group", "aliases"])
        for name in TEMPLATES:
            w.writerow([name, "Bench", name, "", 1, "", ""])
    with open(folder / "submissions.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                *("submission_id", "submitted_at", "student_id", "student_name", "category"),
                *("certificate_name", "exam_year", "image"),
            ]
        )
        for i, u in enumerate(uploads):
            ext = "png" if u.data[:4] == b"\x89PNG" else "jpg"
            (images / f"{i:04d}.{ext}").write_bytes(u.data)
            w.writerow(
                [
                    *(f"u{i:04d}", "2026-03-01 10:00", f"B{i:08d}", f"學生{i}", "Bench"),
                    *(u.template, 112, f"{i:04d}.{ext}"),
                ]
            )


def _cpu() -> float:
    """Return the CPU seconds of this process and of its ended children (the import's workers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(cmd: list[str]) -> None:
    """Run one certreview command in this process; stop the benchmark if it fails."""
    if cli(cmd) != 0:
        raise SystemExit(f"certreview {' '.join(cmd)} failed")


def report(uploads: list[Upload], url: str) -> None:
    """Print false positives, recall, and both per kind of upload, from the database."""
    with make_sessionmaker(make_engine(url))() as s:
        rows = s.execute(
            select(Submission.submission_id, Submission.image_sha256, Submission.flags)
        )
        index = {int(sid[1:]): (sha, flags.split(";")) for sid, sha, flags in rows}
        linked = {(a, b) for a, b in s.execute(select(ImageMatch.sha_a, ImageMatch.sha_b))}
    by_sha: dict[str, list[int]] = defaultdict(list)
    for i, (sha, _) in index.items():
        by_sha[sha].append(i)
    right: set[int] = set()  # in a pair with an upload of its own paper
    wrong: set[int] = set()  # in a pair with an upload of another paper
    pairs = [tuple(v) for v in by_sha.values() if len(v) > 1]
    pairs += [(i, j) for a, b in linked for i in by_sha[a] for j in by_sha[b]]
    for group in pairs:
        for i in group:
            for j in group:
                if i != j:
                    (right if uploads[i].paper == uploads[j].paper else wrong).add(i)
    flagged = {i for i, (_, flags) in index.items() if any(f in flags for f in COPY_FLAGS)}
    originals = [i for i, u in enumerate(uploads) if not u.is_copy]
    copies = [i for i, u in enumerate(uploads) if u.is_copy]
    fp = [i for i in originals if i in flagged and (i in wrong or i not in right)]
    hit = [i for i in copies if i in flagged and i in right]
    print(
        f"copies: false positives {len(fp)}/{len(originals)} uploads, "
        f"recall {len(hit)}/{len(copies)} copies"
    )
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for i in copies:
        per_kind[uploads[i].kind][0] += i in hit
        per_kind[uploads[i].kind][1] += 1
    print(
        "  recall per copy kind: "
        + ", ".join(f"{k} {a}/{b}" for k, (a, b) in sorted(per_kind.items()))
    )
    per_capture: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for i in originals:
        per_capture[uploads[i].kind][0] += i in fp
        per_capture[uploads[i].kind][1] += 1
    print(
        "  false positives per capture: "
        + ", ".join(f"{k} {a}/{b}" for k, (a, b) in sorted(per_capture.items()))
    )
    wrong_pairs = [
        (uploads[by_sha[a][0]].kind, uploads[by_sha[b][0]].kind)
        for a, b in sorted(linked)
        if uploads[by_sha[a][0]].paper != uploads[by_sha[b][0]].paper
    ]
    print(
        f"  stored pairs: {len(linked)}, of them another paper: {len(wrong_pairs)} "
        + " ".join(f"({x} ~ {y})" for x, y in wrong_pairs)
    )


def main() -> None:
    """Build the set, time pyvips and the real import over it, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--small", action="store_true", help="59 uploads instead of 258")
    size.add_argument("--large", action="store_true", help="1,003 uploads instead of 258")
    parser.add_argument("--seed", type=int, default=7, help="seed of the set (default 7)")
    parser.add_argument("--workers", type=int, help="import workers (default: all cores)")
    args = parser.parse_args()
    pyvips.concurrency_set(1)
    pyvips.cache_set_max(0)

    start = time.perf_counter()
    uploads = build_set(seed=args.seed, **(SMALL if args.small else LARGE if args.large else FULL))
    n = len(uploads)
    print(
        f"set: {n} uploads, {sum(not u.is_copy for u in uploads)} without a copy, "
        f"{sum(u.is_copy for u in uploads)} copies, {len({u.template for u in uploads})} "
        f"templates (seed {args.seed}, built in {time.perf_counter() - start:.0f} s)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_department(root, uploads)
        url = f"sqlite:///{root / 'bench.db'}"
        common = ["--db", url, "--data", str(root / "data")]
        run(["init", *common])
        run(["import", "roster", str(root / "roster.csv"), *common])
        run(["import", "catalog", str(root / "catalog.csv"), *common])
        files = sorted((root / "images").iterdir())
        # pyvips before and after the import, so a machine busy with other work weighs on both.
        vips = 0.0
        vips_cpu = 0.0
        for turn, half in enumerate((files[::2], files[1::2])):
            start, cpu = time.perf_counter(), _cpu()
            for path in half:
                pyvips.Image.thumbnail_buffer(path.read_bytes(), 320).write_to_buffer(".jpg[Q=80]")
            vips, vips_cpu = vips + time.perf_counter() - start, vips_cpu + _cpu() - cpu
            if turn == 0:
                start, cpu = time.perf_counter(), _cpu()
                extra = ["--workers", str(args.workers)] if args.workers else []
                run(
                    [
                        "import",
                        "submissions",
                        str(root / "submissions.csv"),
                        "--images",
                        str(root / "images"),
                        *extra,
                        *common,
                    ]
                )
                imported, imported_cpu = time.perf_counter() - start, _cpu() - cpu
        report(uploads, url)
    print(f"ms/upload: pyvips {vips / n * 1000:.1f}, import {imported / n * 1000:.1f}")
    print(f"import/pyvips ratio = {imported / vips:.2f}")
    # On a machine other work keeps busy, CPU time tells the work apart from the waiting; it
    # holds all of the import's work only when the import runs in this process (--workers 1).
    if args.workers == 1:
        print(
            f"  CPU seconds: pyvips {vips_cpu:.1f}, import {imported_cpu:.1f} "
            f"(ratio {imported_cpu / vips_cpu:.2f})"
        )


if __name__ == "__main__":
    main()
