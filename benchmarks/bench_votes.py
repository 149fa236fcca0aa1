"""Time one upload's copy vote as a catalog item's round grows: indexed vs brute force.

Run:  python benchmarks/bench_votes.py

Each picture has 500 ORB-like descriptors: half from its template (the same border, logo and
title on every certificate of the item, each seen with a few bits changed), half its own (the
holder's name, number, date). A new upload, another capture of picture 0 (every descriptor
with 12 bits changed), votes among N earlier pictures. Prints, per N, the median time of one
vote through `VoteIndex` (built once per import batch: its build time is printed too) and of
the brute-force comparison it replaced (OpenCV BFMatcher, k=8, every stored descriptor), and
whether picture 0 ranked first.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from certreview.images.votes import VOTE_DIST, VOTE_NEIGHBOURS, VoteIndex

PER_PICTURE = 500
TEMPLATE = 250


def flip(rng: np.random.Generator, desc: np.ndarray, bits: int) -> np.ndarray:
    """Return DESC with BITS random bits of each row flipped."""
    out = np.unpackbits(desc, axis=1)
    rows = np.repeat(np.arange(len(desc)), bits)
    out[rows, rng.integers(0, 256, len(rows))] ^= 1
    return np.packbits(out, axis=1)


def item(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the stacked descriptors of N pictures of one template, and each row's picture."""
    template = rng.integers(0, 256, (TEMPLATE, 32), dtype=np.uint8)
    own = rng.integers(0, 256, (n, PER_PICTURE - TEMPLATE, 32), dtype=np.uint8)
    pictures = [np.concatenate([flip(rng, template, 6), own[i]]) for i in range(n)]
    return np.concatenate(pictures), np.repeat(np.arange(n), PER_PICTURE)


def brute_rank(query: np.ndarray, stack: np.ndarray, owner: np.ndarray, n: int) -> int:
    """The vote before the index: every stored descriptor compared (in parts of 2**17 rows)."""
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    votes = np.zeros(n)
    found: list[list[tuple[float, int]]] = [[] for _ in query]
    for start in range(0, len(stack), 1 << 17):
        for i, row in enumerate(matcher.knnMatch(query, stack[start : start + (1 << 17)], k=8)):
            found[i].extend((m.distance, start + m.trainIdx) for m in row)
    for f in found:
        hit = {owner[r] for d, r in sorted(f)[:VOTE_NEIGHBOURS] if d < VOTE_DIST}
        for o in hit:
            votes[o] += 1 / len(hit)
    return int(np.argmax(votes))


def median_ms(fn, runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), out


def main() -> None:
    rng = np.random.default_rng(1)
    cv2.setNumThreads(1)
    for n in (50, 250, 1000, 5000):
        stack, owner = item(rng, n)
        query = flip(rng, stack[:PER_PICTURE], 12)
        t = time.perf_counter()
        index = VoteIndex(stack, owner)
        build = (time.perf_counter() - t) * 1000
        indexed, ranked = median_ms(lambda: index.rank(query, n, 2), 7)  # noqa: B023
        line = (
            f"vote among {n:>5,} pictures: indexed {indexed:6.1f} ms "
            f"(index built in {build:5.0f} ms), source first: {ranked[:1] == [0]}"
        )
        if n <= 1000:
            brute, top = median_ms(lambda: brute_rank(query, stack, owner, n), 3)  # noqa: B023
            line += f"; brute force {brute:7.1f} ms ({brute / indexed:.0f}x), first: {top == 0}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
