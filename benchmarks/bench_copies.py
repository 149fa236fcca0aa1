"""Measure copy flags on a realistic certificate set: intake's rule today vs the candidate method.

Run:  python benchmarks/bench_copies.py           (258 uploads, as in the research; ~14 min here)
      python benchmarks/bench_copies.py --small   (59 uploads, ~2 min)

Needs the `bench` extra (pyvips, opencv-python-headless). The set (`copies/realistic.py`,
seeded) has many holders per certificate template, holders sharing a name, and 14 kinds of
copy (re-saved, resized, cropped, screenshots, a second photo or scan of the paper, ...).
Each upload is processed in upload order by, side by side:

- intake today: `inspect_image` (decode, 320 px thumbnail, perceptual hash), the thumbnail
  saved to a real `ImageStore`, and the earlier uploads matched by intake's own `_Seen`
  (hash within `NEAR_DUPLICATE_DISTANCE`, confirmed by `same_picture` on the thumbnails, the
  hash alone when the frames differ); the flag goes on both sides, as `_flag_images` writes it;
- the candidate (`copies/candidate.py`, run as the research's bench.py did): decode, ORB
  features, the top earlier uploads of the same certificate by descriptor votes, each pair
  checked by homography and block comparison; the upload is flagged when one matches;
- pyvips `thumbnail_buffer(data, 320)` to a JPEG, one thread, no cache: the yard stick.

A false positive is an upload that shows a paper nobody uploaded before it and is flagged
through a pair with another paper; recall counts the copies flagged with an earlier upload
of their own paper.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyvips
from copies import candidate, realistic

from certreview.images.inspect import inspect_image
from certreview.images.neardup import same_frame
from certreview.ingest.copies import _Seen
from certreview.store.imagestore import ImageStore
from certreview.store.models import ImageFile, Submission

SMALL = {"per_template": 9, "copies_per_kind": 1}
FULL = {"per_template": 32, "copies_per_kind": 7}  # the research prototype's set


@dataclass
class Run:
    """The pairs one method matched (new upload, earlier upload) and its time per part."""

    pairs: list[tuple[int, int]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    both_sides: bool = False  # whether the earlier upload of a pair is flagged too


class IntakeToday:
    """Intake's copy flags: its inspection, its image store and its `_Seen` matcher."""

    def __init__(self, root: Path) -> None:
        self.store = ImageStore(root)
        self.seen = _Seen(self.store)
        self.index: dict[int, int] = {}  # id(submission) -> upload number
        self.sizes: dict[int, tuple[int | None, int | None]] = {}  # upload number -> (w, h)
        # _flag_images (certreview/ingest/submissions.py) flags the earlier upload of a
        # pair too when another student uploaded it; here every upload is another student's.
        self.run = Run(both_sides=True)

    def add(self, i: int, data: bytes) -> None:
        """Inspect upload `i` as intake does and record the earlier uploads it matches."""
        sha = self.store.put(data)
        start = time.perf_counter()
        report = inspect_image(data)
        if report.thumbnail is not None:
            self.store.save_thumbnail(sha, report.thumbnail)
        middle = time.perf_counter()
        image = ImageFile(
            sha256=sha,
            width=report.width,
            height=report.height,
            phash=report.phash,
            flag=report.flag,
        )
        submission = Submission(student_key=f"S{i:05d}")
        self.sizes[i] = (report.width, report.height)
        # As _flag_images does: an unreadable file is not a copy of anything, nor a source.
        if not image.flag:
            for match in self.seen.matches(image):
                self.run.pairs.append((i, self.index[id(match)]))
            self.seen.add(submission, image)
            self.index[id(submission)] = i
        end = time.perf_counter()
        self.run.seconds["inspect"] += middle - start
        self.run.seconds["match"] += end - middle


class Candidate:
    """The candidate method, run as the research's bench.py ran it."""

    def __init__(self) -> None:
        self.index = candidate.Index()
        self.run = Run()

    def add(self, i: int, upload: realistic.Upload) -> None:
        """Compute upload `i`'s features and record the earlier uploads it matches."""
        start = time.perf_counter()
        img = realistic.decode(upload.data)
        decoded = time.perf_counter()
        f = candidate.features(img)
        featured = time.perf_counter()
        for j, g in self.index.candidates(upload.template, f):
            ev = candidate.compare(f, g)
            if ev["blocks"] >= candidate.MIN_BLOCKS and ev["bad"] <= candidate.MAX_BAD_BLOCKS:
                self.run.pairs.append((i, j))
        self.index.add(i, upload.template, f)
        end = time.perf_counter()
        self.run.seconds["decode"] += decoded - start
        self.run.seconds["features"] += featured - decoded
        self.run.seconds["pairs"] += end - featured


def pyvips_thumbnail(data: bytes) -> None:
    """Make a 320 px JPEG thumbnail with pyvips (one thread, no cache: set in main)."""
    pyvips.Image.thumbnail_buffer(data, 320).write_to_buffer(".jpg[Q=80]")


def report(name: str, uploads: list[realistic.Upload], run: Run) -> None:
    """Print false positives, recall, and both per kind of upload."""
    wrong: set[int] = set()  # flagged through a pair with another paper
    right: set[int] = set()  # flagged with an earlier upload of its own paper
    for i, j in run.pairs:
        if uploads[i].paper == uploads[j].paper:
            right.add(i)
        else:
            wrong.add(i)
            if run.both_sides:
                wrong.add(j)
    originals = [i for i, u in enumerate(uploads) if not u.is_copy]
    copies = [i for i, u in enumerate(uploads) if u.is_copy]
    fp = sum(i in wrong for i in originals)
    recall = sum(i in right for i in copies)
    print(
        f"copies ({name}): false positives {fp}/{len(originals)} uploads, "
        f"recall {recall}/{len(copies)} copies"
    )
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for i in copies:
        per_kind[uploads[i].kind][0] += i in right
        per_kind[uploads[i].kind][1] += 1
    print(
        "  recall per copy kind: "
        + ", ".join(f"{k} {a}/{b}" for k, (a, b) in sorted(per_kind.items()))
    )
    per_capture: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for i in originals:
        per_capture[uploads[i].kind][0] += i in wrong
        per_capture[uploads[i].kind][1] += 1
    print(
        "  false positives per capture: "
        + ", ".join(f"{k} {a}/{b}" for k, (a, b) in sorted(per_capture.items()))
    )
    # The other way of writing flags, so the two methods can be compared either way.
    other = {i for i, j in run.pairs if uploads[i].paper != uploads[j].paper}
    if not run.both_sides:
        other |= {j for i, j in run.pairs if uploads[i].paper != uploads[j].paper}
    print(
        f"  with {'only the new' if run.both_sides else 'the earlier'} upload of a pair flagged"
        f"{'' if run.both_sides else ' too'}: false positives "
        f"{sum(i in other for i in originals)}/{len(originals)} uploads"
    )
    print(
        f"  pairs matched: {len(run.pairs)}, of them another paper: "
        f"{sum(uploads[i].paper != uploads[j].paper for i, j in run.pairs)}"
    )


def main() -> None:
    """Build the set, run both methods and pyvips upload by upload, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="59 uploads instead of 258")
    parser.add_argument("--seed", type=int, default=7, help="seed of the set (default 7)")
    args = parser.parse_args()
    pyvips.concurrency_set(1)
    pyvips.cache_set_max(0)

    start = time.perf_counter()
    uploads = realistic.build_set(seed=args.seed, **(SMALL if args.small else FULL))
    n = len(uploads)
    print(
        f"set: {n} uploads, {sum(not u.is_copy for u in uploads)} without a copy, "
        f"{sum(u.is_copy for u in uploads)} copies, {len({u.template for u in uploads})} "
        f"templates (seed {args.seed}, built in {time.perf_counter() - start:.0f} s)"
    )

    vips = 0.0
    with tempfile.TemporaryDirectory() as root:
        today = IntakeToday(Path(root))
        cand = Candidate()
        # Upload by upload, all three in turn, so a busy machine slows them alike.
        for i, upload in enumerate(uploads):
            start = time.perf_counter()
            pyvips_thumbnail(upload.data)
            vips += time.perf_counter() - start
            today.add(i, upload.data)
            cand.add(i, upload)

    report("intake today", uploads, today.run)
    # same_picture has no verdict when the frames differ (a crop, another scan): then the
    # perceptual hash decides alone.
    alone = [
        (i, j)
        for i, j in today.run.pairs
        if None in today.sizes[i] + today.sizes[j] or not same_frame(today.sizes[i], today.sizes[j])  # type: ignore[arg-type]
    ]
    print(
        f"  pairs decided by the hash alone (frames differ): {len(alone)}, of them another "
        f"paper: {sum(uploads[i].paper != uploads[j].paper for i, j in alone)}"
    )
    report("candidate", uploads, cand.run)

    def per_upload(run: Run) -> str:
        return ", ".join(f"{k} {s / n * 1000:.1f}" for k, s in run.seconds.items())

    print(
        f"ms/upload: pyvips {vips / n * 1000:.1f}; intake today {per_upload(today.run)}; "
        f"candidate {per_upload(cand.run)}"
    )
    print(f"intake today/pyvips ratio = {sum(today.run.seconds.values()) / vips:.2f}")
    print(f"candidate/pyvips ratio = {sum(cand.run.seconds.values()) / vips:.2f}")


if __name__ == "__main__":
    main()
