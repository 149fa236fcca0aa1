"""Measure the reading pass on a realistic set: does the image's evidence catch borrowed certificates?

Run:  python benchmarks/bench_ocr.py            (160 uploads)
      python benchmarks/bench_ocr.py --small    (40 uploads)

Needs the `ocr` extra (and OpenCV's headless wheel, a dependency of certreview, for the captures
of `tests/realistic_certs.py`). The set is seeded: certificates of the catalog (titles are
catalog names, some as aliases such as 全民英檢中級) rendered with Noto CJK names on the issuer
templates of `copies/realistic.py`, then captured as downloads, flatbed scans, A4 scans, phone
photos (perspective, rotation up to 10°, blur, EXIF turns), desktop and phone screenshots and
PDFs. Each upload is claimed by a roster student: the right holder, or (one in three) a
classmate or someone off the roster; the right certificate or another; a date inside the typed
academic year or outside it. Every upload goes through `read_image` (the size the pass reads)
and `weigh` (the evidence rules), exactly as `certreview read` does.

Prints `ocr: name found X%, wrong holder caught Y%, false disagree Z%, U uploads/s` and the
certificate and year answers, then the CPU seconds per upload (summed over the workers, which
run at `nice 10` as in the reading pass: on 2 idle cores, 1.8 CPU s per upload is 1 upload/s)
and the machine's load average while it ran, then the time of one worker alone per upload.
`--workers 1 --threads 2` measures one process with two onnxruntime threads instead.
"""

from __future__ import annotations

import argparse
import csv
import functools
import io
import os
import pickle
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from certreview.images.ocr import OCR_THREADS, READ_SIDE, Reading, fold_chinese, read_image
from certreview.images.pool import process_context
from certreview.rules.catalog import split_aliases
from certreview.rules.evidence import AGREES, DISAGREES, CatalogEntry, Claim, Reference, weigh
from certreview.rules.years import ROC_OFFSET
from tests import realistic_certs as realistic

OUT = Path(__file__).resolve().parent / "out"  # git ignores benchmarks/out/

# Which catalog items get an issuer template, and the title line the issuer prints.
TITLES = {
    "TQC-WORD-P": "TQC Word 實用級",
    "TQC-EXCEL-A": "TQC Excel 進階級",
    "MOS-EXCEL": "MOS Excel Associate",
    "TECH-SW-C": "電腦軟體應用丙級",
    "TECH-NET-B": "網路架設乙級",
    "GEPT-I": "全民英檢中級",
    "CCNA": "Cisco Certified Network Associate",
    "JLPT-N2": "日本語能力試驗N2",
}
CAPTURES = (
    "download",
    "scan",
    "a4scan",
    "photo",
    "screenshot_desktop",
    "screenshot_phone",
    "pdf",
)


@dataclass(frozen=True)
class Case:
    data: bytes
    capture: str
    claim: Claim
    right_holder: bool
    right_item: bool
    in_year: bool


def catalog() -> list[CatalogEntry]:
    text = resources.files("certreview.templates").joinpath("demo_catalog.csv").read_text("utf-8")
    return [
        CatalogEntry(
            r["code"],
            r["name"],
            r["level"] or None,
            r["group"] or r["code"],
            split_aliases(r["aliases"]),
        )
        for r in csv.DictReader(io.StringIO(text))
    ]


def roster(r: random.Random, n: int) -> list[tuple[str, str]]:
    names: set[str] = set()
    while len(names) < n:
        names.add(
            r.choice(realistic.SURNAMES) + r.choice(realistic.GIVEN) + r.choice(realistic.GIVEN)
        )
    return [(f"B1110{1200 + i:04d}", name) for i, name in enumerate(sorted(names))]


def _template(code: str) -> str:
    key = f"BENCH_{code}"
    if key not in realistic.TEMPLATES:
        base = realistic.TEMPLATES[("TQC_WORD", "GEPT", "CCNA", "TOEIC")[sum(map(ord, code)) % 4]]
        realistic.TEMPLATES[key] = dict(base, title=TITLES[code], zh="合格證書", prefix=code[:3])
    return key


def _capture(master: Image.Image, how: str, rng: np.random.Generator) -> bytes:
    if how == "pdf":
        buf = io.BytesIO()
        master.save(buf, "PDF", resolution=150.0)
        return buf.getvalue()
    if how.startswith("screenshot"):
        return realistic.make_copy(how, realistic.png(master), master, rng)
    return realistic.capture(master, how, rng)


def build(seed: int, n: int) -> tuple[list[Case], Reference]:
    r = random.Random(seed)
    rng = np.random.default_rng(seed)
    students = roster(r, 60)
    items = catalog()
    codes = list(TITLES)
    cases = []
    for i in range(n):
        holder_id, holder = r.choice(students)
        code = r.choice(codes)
        year = r.randrange(110, 114)
        month, day = r.choice((3, 5, 6, 10, 11, 12)), r.randrange(1, 29)
        roc = year + (1 if month < 8 else 0)
        style = r.random()
        if style < 0.6:
            date = f"{roc}年{month}月{day}日"
        elif style < 0.8:
            date = f"{roc}.{month:02d}.{day:02d}"
        else:
            date = f"{roc + ROC_OFFSET}-{month:02d}-{day:02d}"
        # Who claims it, and what they typed.
        right_holder = r.random() >= 1 / 3
        claimant_id, claimant = holder_id, holder
        if not right_holder:
            if r.random() < 0.7:
                claimant_id, claimant = r.choice([s for s in students if s[0] != holder_id])
            else:  # the paper belongs to someone off the roster
                holder = r.choice(realistic.SURNAMES) + "".join(r.sample(realistic.GIVEN, 2))
        right_item = r.random() >= 0.2
        typed_code = code if right_item else r.choice([c for c in codes if c != code])
        in_year = r.random() >= 0.2
        typed_year = year if in_year else year + r.choice((-2, -1, 1))
        paper = realistic.Paper(
            f"p{i}",
            _template(code),
            holder,
            "",
            f"{code[:3]}{r.randrange(10**6, 10**7)}",
            date,
            str(r.randrange(70, 100)),
        )
        how = CAPTURES[i % len(CAPTURES)]
        data = _capture(realistic.render(paper), how, rng)
        claim = Claim(claimant_id, claimant, typed_code, TITLES[typed_code], typed_year)
        cases.append(Case(data, how, claim, right_holder, right_item, in_year))
    return cases, Reference(students, items, fold_chinese)


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=OCR_THREADS, help="onnxruntime threads")
    parser.add_argument(
        "--weigh-only", action="store_true", help="weigh the readings of the last run again"
    )
    args = parser.parse_args()
    n = 40 if args.small else 160
    t0 = time.perf_counter()
    cases, ref = build(args.seed, n)
    print(
        f"set: {len(cases)} uploads built in {time.perf_counter() - t0:.0f} s; reading at most {READ_SIDE} px"
    )
    if args.weigh_only:
        with open(OUT / f"readings-{args.seed}-{n}.pickle", "rb") as f:
            saved, wall = pickle.load(f)
        report(cases, saved, ref, wall, args.workers)
        return
    read = functools.partial(read_image, threads=args.threads)
    with ProcessPoolExecutor(args.workers, mp_context=process_context()) as pool:
        list(pool.map(read, [cases[0].data] * args.workers))  # load the models first
        start, cpu = time.perf_counter(), time.process_time()
        readings: list[Reading] = list(pool.map(read, [c.data for c in cases]))
        wall = time.perf_counter() - start
    # Keep the readings: the evidence rules can then be weighed again without OCR (--weigh-only).
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / f"readings-{args.seed}-{n}.pickle", "wb") as f:
        pickle.dump((readings, wall), f)
    report(cases, readings, ref, wall, args.workers)
    used = time.process_time() - cpu + sum(rd.cpu_seconds for rd in readings)
    print(
        f"  cpu: {used / len(cases):.2f} CPU s per upload ({args.workers} workers x "
        f"{args.threads} thread(s), nice 10, {READ_SIDE} px); load average "
        + " ".join(f"{x:.1f}" for x in os.getloadavg())
        + f" on {os.cpu_count()} cores"
    )
    alone = cases[: min(6, len(cases))]
    start = time.perf_counter()
    for c in alone:
        read_image(c.data, threads=args.threads)
    print(
        f"one worker alone: {(time.perf_counter() - start) / len(alone):.2f} s per upload (machine shared; see load)"
    )


def report(
    cases: list[Case], readings: list[Reading], ref: Reference, wall: float, workers: int
) -> None:
    evidence = [weigh(rd.lines, c.claim, ref) for c, rd in zip(cases, readings, strict=True)]
    right = [e for c, e in zip(cases, evidence, strict=True) if c.right_holder]
    wrong = [e for c, e in zip(cases, evidence, strict=True) if not c.right_holder]
    found = sum(e.name == AGREES for e in right)
    caught = sum(e.name == DISAGREES for e in wrong)
    false = sum(e.name == DISAGREES for e in right)
    print(
        f"ocr: name found {pct(found, len(right))}, wrong holder caught {pct(caught, len(wrong))}, "
        f"false disagree {pct(false, len(right))}, {len(cases) / wall:.2f} uploads/s "
        f"({workers} workers, {READ_SIDE} px)"
    )
    for aspect, truth in (("certificate", "right_item"), ("year", "in_year")):
        ok = [e for c, e in zip(cases, evidence, strict=True) if getattr(c, truth)]
        bad = [e for c, e in zip(cases, evidence, strict=True) if not getattr(c, truth)]
        print(
            f"  {aspect}: agrees on the right one {pct(sum(getattr(e, aspect) == AGREES for e in ok), len(ok))}, "
            f"disagrees on a wrong one {pct(sum(getattr(e, aspect) == DISAGREES for e in bad), len(bad))}, "
            f"false disagree {pct(sum(getattr(e, aspect) == DISAGREES for e in ok), len(ok))}"
        )
    by_capture: dict[str, list[int]] = {}
    for c, e in zip(cases, evidence, strict=True):
        if c.right_holder:
            by_capture.setdefault(c.capture, []).append(e.name == AGREES)
    print(
        "  name found by capture: "
        + ", ".join(f"{k} {pct(sum(v), len(v))}" for k, v in by_capture.items())
    )
    misses = [
        (c.capture, c.claim.roster_name, [ln.text for ln in rd.lines][:8])
        for c, rd, e in zip(cases, readings, evidence, strict=True)
        if c.right_holder and e.name != AGREES
    ]
    for miss in misses[:5]:
        print(f"  missed: {miss}")


if __name__ == "__main__":
    main()
