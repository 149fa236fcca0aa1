"""The demo's rounds of uploads: export rows with the mistakes students make, and the files they name."""

from __future__ import annotations

import os
import random
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from certreview.demo.pictures import chinese_certificate, encode
from certreview.demo.roster import DemoStudent
from certreview.images.pool import process_context
from certreview.rules.catalog import split_aliases
from certreview.rules.years import ROC_OFFSET

ROUNDS = (("AY113", date(2025, 2, 1), "2025-05-15"), ("AY114", date(2026, 2, 1), "2026-05-15"))
OTHER_CERTIFICATES = [
    "汽車駕照",
    "救生員證",
    "Google Analytics 個人認證",
    "急救員證",
    "無人機操作證",
]

# (format kind, weight): mostly phone JPEGs, then what really breaks uploads (HEIC, PDF, CMYK ...).
IMAGE_KINDS = [
    ("jpeg", 52),
    ("jpeg_exif_rotated", 10),
    ("png", 9),
    ("heic", 6),
    ("pdf", 6),
    ("webp", 3),
    ("jpeg_cmyk", 2),
    ("jpeg_progressive", 2),
    ("png16", 1),
    ("png_palette_alpha", 1),
    ("avif", 1),
    ("tiff_multipage", 1),
    ("mpo", 1),
    ("heic_named_jpg", 1),
    ("truncated_jpeg", 1),
    ("text", 0.5),
    ("empty", 0.5),
]
EXTENSIONS = {
    "heic": ".heic",
    "pdf": ".pdf",
    "webp": ".webp",
    "avif": ".avif",
    "tiff_multipage": ".tif",
    "png": ".png",
    "png16": ".png",
    "png_palette_alpha": ".png",
    "text": ".jpg",
}


def make_submissions(
    rng: random.Random,
    roster: list[DemoStudent],
    catalog: list[dict[str, str]],
    round_name: str,
    start: date,
    count: int,
    made: dict[str, list[Picture]],
) -> tuple[list[dict[str, str]], dict[str, Picture]]:
    """Return COUNT export rows of one round and the pictures of the files they name."""
    upload_year = start.year - ROC_OFFSET - 1  # Feb-May belongs to the AY that began last Aug
    active = [
        s for s in roster if s.admission_year <= upload_year and (s.exit_year or 999) >= upload_year
    ]
    rows: list[dict[str, str]] = []
    images: dict[str, Picture] = {}
    kinds, weights = zip(*IMAGE_KINDS, strict=True)
    for n in range(count):
        student = rng.choice(active)
        item = rng.choice(catalog)
        sid = f"{round_name}-{n + 1:05d}"
        submitted = datetime.combine(start, datetime.min.time()) + timedelta(
            days=rng.randrange(0, 104), minutes=rng.randrange(8 * 60, 23 * 60)
        )  # a few land after the mid-May cutoff: late uploads
        exam_year = rng.randrange(student.admission_year, upload_year + 1)
        if rng.random() < 0.05:
            exam_year = student.admission_year - 1  # earned in high school, before admission
        typed_id, typed_name = student.student_id, student.name
        roll = rng.random()
        if roll < 0.04:
            typed_id = typed_id.lower()
        elif roll < 0.07:
            typed_id = typed_id.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})  # full-width
        elif roll < 0.085:
            typed_id = typed_id[:-1] + str((int(typed_id[-1]) + 1) % 10)  # a typo: unknown ID
        roll = rng.random()
        if roll < 0.05:
            typed_name = typed_name[0] + "\u3000" + typed_name[1:]
        elif roll < 0.07:
            typed_name = typed_name.replace("台", "臺") if "台" in typed_name else typed_name + " "
        elif roll < 0.085:
            typed_name = rng.choice(roster).name  # picked someone else's name from the list
        aliases = split_aliases(item["aliases"])
        roll = rng.random()
        cert_name = item["name"] if roll < 0.6 or not aliases else rng.choice(aliases)
        category = (
            item["category"]
            if rng.random() > 0.05
            else rng.choice(["其他", "Information", "Language"])
        )
        if rng.random() < 0.04:
            cert_name = rng.choice(OTHER_CERTIFICATES)  # not in the catalog: no category fitted
        exam_text, exam_date = _exam_year_text(rng, exam_year)
        kind = rng.choices(kinds, weights)[0]
        filename = f"{student.student_id}_{sid}{EXTENSIONS.get(kind, '.jpg')}"
        picture = _picture(rng, kind, item, student, sid, made, exam_year)
        if rng.random() < 0.005:
            filename = f"missing_{sid}.jpg"  # named in the export, never uploaded
        elif rng.random() < 0.002:
            filename = f"../../{sid}.jpg"  # a hostile path
        else:
            images[filename] = picture
        row = {
            "submission_id": sid,
            "submitted_at": submitted.strftime("%Y-%m-%d %H:%M:%S"),
            "student_id": typed_id,
            "student_name": typed_name,
            "category": category,
            "certificate_name": cert_name,
            "exam_year": exam_text,
            "image": filename,
            "exam_date": exam_date,
            "certificate_no": f"{item['code'][:3]}{rng.randrange(10**6, 10**7)}",
            "issuer": "",
        }
        if rng.random() < 0.01:
            row[rng.choice(["student_name", "certificate_name", "exam_year"])] = (
                ""  # incomplete: a required field left blank
            )
        rows.append(row)
    return rows, images


def _exam_year_text(rng: random.Random, year: int) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.55:
        return str(year), ""
    if roll < 0.7:
        return f"{year}學年度", ""
    if roll < 0.8:
        return f"民國{year}年", ""
    if roll < 0.9:
        return f"{year}-{rng.choice([1, 2])}", ""
    day = date(year + ROC_OFFSET, 10, rng.randrange(1, 28))
    if roll < 0.96:
        return str(day.year), day.isoformat()  # Gregorian with a date: unambiguous
    return str(day.year), ""  # Gregorian alone: ambiguous


@dataclass(frozen=True)
class Picture:
    """What one uploaded file shows and how it was saved; rendered later, in parallel."""

    title: str
    name: str
    number: str
    seed: int
    kind: str
    student_id: str = ""
    issued: str = ""  # the ROC date printed on it


def _picture(
    rng: random.Random,
    kind: str,
    item: dict[str, str],
    student: DemoStudent,
    sid: str,
    made: dict[str, list[Picture]],
    exam_year: int,
) -> Picture:
    earlier = made.get(student.student_id, [])
    if earlier and rng.random() < 0.03:
        return rng.choice(earlier)  # uploaded the same file again
    if made and rng.random() < 0.01:
        return rng.choice(made[rng.choice(list(made))])  # a classmate's certificate
    # Its own generator: the printed date must not change the rest of the demo.
    local = random.Random(sid)
    if local.random() < 0.03:
        exam_year += local.choice((-2, -1, 1))  # the certificate dates from another year
    month = local.choice((3, 4, 5, 6, 10, 11, 12))
    day = local.randrange(1, 29)
    issued = f"中華民國{exam_year + (1 if month < 8 else 0)}年{month}月{day}日"
    picture = Picture(
        item["name"], student.name, sid, rng.randrange(1 << 30), kind, student.student_id, issued
    )
    made.setdefault(student.student_id, []).append(picture)
    return picture


def render(picture: Picture) -> bytes:
    """Return the file bytes of one demo picture."""
    # HEIC encoding is the slow one: phone-sized is enough for the demo.
    size = (720, 510) if picture.kind.startswith("heic") else (960, 680)
    image = chinese_certificate(
        picture.title,
        picture.name,
        picture.number,
        picture.issued,
        student_id=picture.student_id,
        seed=picture.seed,
        size=size,
    )
    return encode(image, picture.kind)


def render_all(pictures: dict[str, Picture]) -> dict[str, bytes]:
    """Render every picture once (a re-upload shares its file), on all cores."""
    distinct = list(dict.fromkeys(pictures.values()))
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=process_context()) as pool:
        rendered = dict(zip(distinct, pool.map(render, distinct, chunksize=8), strict=True))
    return {name: rendered[p] for name, p in pictures.items()}


def write_images(folder: Path, round_name: str, pictures: dict[str, Picture]) -> Path:
    """Write one round's files as the upload platform delivers them and return the folder or ZIP."""
    images = render_all(pictures)
    # The first round arrives as a folder, the second as the platform's ZIP download.
    if round_name == ROUNDS[0][0]:
        target = folder / f"images_{round_name}"
        target.mkdir(exist_ok=True)
        for name, data in images.items():
            (target / name).write_bytes(data)
        return target
    target = folder / f"images_{round_name}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in images.items():
            archive.writestr(name, data)
    return target
