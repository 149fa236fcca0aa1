"""A realistic synthetic department: roster, catalog, standards, two rounds of uploads, decisions.

The demo writes the department's files the way the registrar and the upload platform would
(CSV exports, an images folder and a ZIP) and then imports them through the real intake, so
`certreview demo` exercises the same path the office uses in May.
"""

from __future__ import annotations

import csv
import io
import os
import random
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from certreview.config import display_url
from certreview.demo.pictures import certificate_image, encode
from certreview.images.pool import process_context
from certreview.ingest.reference import import_catalog, import_roster, import_standards
from certreview.ingest.submissions import IntakeOptions, import_submissions, parse_cutoff
from certreview.rules.catalog import split_aliases
from certreview.rules.years import ROC_OFFSET
from certreview.store.decisions import check_verdict, decide
from certreview.store.models import Base, Round, Student, Submission
from certreview.workspace import Workspace

SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周葉蘇莊呂江何蕭羅高潘簡朱鍾彭游詹胡施沈余盧梁趙顏柯翁魏孫戴"
GIVEN = "家豪志明俊傑建宏冠宇承恩柏翰宥廷彥廷子晴雅婷怡君欣怡佳穎詩涵心怡品妤語彤宜蓁郁婷峯堃喆啟台瑋哲凱翔"
INDIGENOUS = ["瓦旦·達道", "Tanivu·Tapari", "拉娃·谷幸", "Ukah·Pusing", "馬耀·基朗"]
OTHER_CERTIFICATES = [
    "汽車駕照",
    "救生員證",
    "Google Analytics 個人認證",
    "急救員證",
    "無人機操作證",
]
ROUNDS = (("AY113", date(2025, 2, 1), "2025-05-15"), ("AY114", date(2026, 2, 1), "2026-05-15"))
REVIEWERS = ("office-lin", "office-chen")
DEMO_EMAIL_DOMAIN = "@example.edu"  # reserved for examples (RFC 2606): no real student has it

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


class DemoRefused(ValueError):
    """The demo would mix fake students and decisions into a real department."""


@dataclass
class DemoStudent:
    student_id: str
    name: str
    program: str
    class_name: str
    admission_year: int
    status: str
    exit_year: int | None
    email: str


def demo_dir(ws: Workspace) -> Path:
    """Return where the demo writes the department's input files."""
    return ws.settings.data_dir / "demo-input"


def build_demo(
    ws: Workspace,
    *,
    seed: int = 0,
    students: int = 420,
    submissions: int = 1600,
    force: bool = False,
) -> str:
    """Write and import a synthetic department into WS, decide part of it, and return a summary.

    Everything is written to the database in one transaction, so a demo that is killed halfway
    leaves the database as it was; with FORCE an earlier demo department is replaced.
    """
    with ws.Session() as session:
        _check_empty(session, ws, force)
    rng = random.Random(seed)
    folder = demo_dir(ws)
    folder.mkdir(parents=True, exist_ok=True)
    roster = make_students(rng, students)
    _write_csv(folder / "roster.csv", DemoStudent.__dataclass_fields__, [vars(s) for s in roster])
    catalog_text = (
        resources.files("certreview.templates").joinpath("demo_catalog.csv").read_text("utf-8")
    )
    (folder / "catalog.csv").write_text(catalog_text, encoding="utf-8")
    standards_text = (
        resources.files("certreview.templates").joinpath("demo_standards.toml").read_text("utf-8")
    )
    (folder / "standards.toml").write_text(standards_text, encoding="utf-8")
    catalog = list(csv.DictReader(io.StringIO(catalog_text)))

    # The slow part (rendering images) comes first, so the transaction below stays short.
    shares = [0.45, 0.55]
    made: dict[str, list[Picture]] = {}
    uploads = []
    for (name, start, cutoff), share in zip(ROUNDS, shares, strict=True):
        count = round(submissions * share)
        rows, images = make_submissions(rng, roster, catalog, name, start, count, made)
        export = folder / f"submissions_{name}.csv"
        _write_csv(export, rows[0].keys(), rows)
        uploads.append((name, start, cutoff, export, _write_images(folder, name, images)))

    results = []
    with ws.Session.begin() as session:
        _check_empty(session, ws, force)  # again: another process may have written meanwhile
        if force:
            _clear(session)
        import_roster(session, folder / "roster.csv")
        import_catalog(session, folder / "catalog.csv")
        import_standards(session, folder / "standards.toml")
        for name, start, cutoff, export, target in uploads:
            options = IntakeOptions(
                round_name=name, cutoff=parse_cutoff(cutoff), today=start + timedelta(days=120)
            )
            result = import_submissions(session, ws.store, export, target, options)
            results.append((name, result))
        decided = decide_demo(session, rng)
    for name, result in results:
        result.write_report(folder / f"intake_report_{name}.csv")
    return "\n".join(
        [
            f"demo department in {ws.settings.data_dir}: {len(roster)} students",
            *(result.summary() for _, result in results),
            f"decisions: {decided}",
        ]
    )


def _check_empty(session: Session, ws: Workspace, force: bool) -> None:
    """Raise DemoRefused unless the database is empty, or FORCE and it holds only a demo."""
    students_now = session.scalar(select(func.count()).select_from(Student)) or 0
    uploads_now = session.scalar(select(func.count()).select_from(Submission)) or 0
    if not (students_now or uploads_now):
        return
    demo = is_demo_department(session)
    if force and demo:
        return
    # Decisions are never deleted: fake ones must not land in a real department.
    if demo:
        hint = "it is an earlier demo: add --force to replace it"
    elif force:
        hint = "it is not a demo department, so --force leaves it alone"
    else:
        hint = "build the demo in an empty one, e.g. --data demo-data"
    raise DemoRefused(
        f"{display_url(ws.settings.db_url)} already holds a department ({students_now} students, "
        f"{uploads_now} uploads) — {hint}"
    )


def is_demo_department(session: Session) -> bool:
    """Return whether every student and upload in the database is one the demo makes."""
    real_students = session.scalar(
        select(func.count())
        .select_from(Student)
        .where(or_(Student.email.is_(None), Student.email.not_like(f"%{DEMO_EMAIL_DOMAIN}")))
    )
    round_names = [name for name, _, _ in ROUNDS]
    real_uploads = session.scalar(
        select(func.count())
        .select_from(Submission)
        .join(Round)
        .where(
            or_(
                Round.name.not_in(round_names),
                *(
                    # The demo's IDs are ROUND-NNNNN; the upload platform's never look like that.
                    and_(Round.name == name, Submission.submission_id.not_like(f"{name}-_____"))
                    for name in round_names
                ),
            )
        )
    )
    return real_students == 0 and real_uploads == 0


def _clear(session: Session) -> None:
    """Delete every row of an earlier demo department (never called on a real one)."""
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(table.delete())


def make_students(rng: random.Random, count: int) -> list[DemoStudent]:
    """Return COUNT roster students over cohorts AY107-115, two programs, some graduated."""
    students: list[DemoStudent] = []
    cohorts = list(range(108, 116))
    for i in range(count):
        admission = 107 if i < 4 else cohorts[i % len(cohorts)]
        program = "Evening" if rng.random() < 0.25 else "Day"
        serial = 1000 + i
        prefix = "N" if program == "Evening" else "B"
        student_id = f"{prefix}{admission:03d}{serial:05d}"[:10]
        if i % 53 == 7:
            student_id = f"0{admission:03d}{serial:05d}"  # an old-style ID with a leading zero
        name = (
            rng.choice(INDIGENOUS)
            if i % 97 == 5
            else (rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2)))
        )
        graduate_year = admission + (4 if program == "Day" else 5) - 1
        if graduate_year <= 114:
            status, exit_year = "graduated", graduate_year
        else:
            status, exit_year = "enrolled", None
        if rng.random() < 0.04:
            status, exit_year = "withdrawn", min(admission + rng.randrange(0, 3), 115)
        elif admission == 107 or (status == "enrolled" and rng.random() < 0.02):
            status, exit_year = "suspended", None
        grade = min(115 - admission + 1, 5)
        section = "甲乙"[i % 2]
        class_name = ("進資" if program == "Evening" else "資") + "一二三四五"[grade - 1] + section
        students.append(
            DemoStudent(
                student_id,
                name,
                program,
                class_name,
                admission,
                status,
                exit_year,
                f"{student_id.lower()}{DEMO_EMAIL_DOMAIN}",
            )
        )
    return students


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
        picture = _picture(rng, kind, item, student, sid, made)
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


def _picture(
    rng: random.Random,
    kind: str,
    item: dict[str, str],
    student: DemoStudent,
    sid: str,
    made: dict[str, list[Picture]],
) -> Picture:
    earlier = made.get(student.student_id, [])
    if earlier and rng.random() < 0.03:
        return rng.choice(earlier)  # uploaded the same file again
    if made and rng.random() < 0.01:
        return rng.choice(made[rng.choice(list(made))])  # a classmate's certificate
    title = item["name"].encode("ascii", "ignore").decode().strip() or item["code"]
    picture = Picture(title, student.student_id, f"No. {sid}", rng.randrange(1 << 30), kind)
    made.setdefault(student.student_id, []).append(picture)
    return picture


def render(picture: Picture) -> bytes:
    """Return the file bytes of one demo picture."""
    # HEIC encoding is the slow one: phone-sized is enough for the demo.
    size = (720, 510) if picture.kind.startswith("heic") else (960, 680)
    image = certificate_image(
        picture.title, picture.name, picture.number, seed=picture.seed, size=size
    )
    return encode(image, picture.kind)


def render_all(pictures: dict[str, Picture]) -> dict[str, bytes]:
    """Render every picture once (a re-upload shares its file), on all cores."""
    distinct = list(dict.fromkeys(pictures.values()))
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=process_context()) as pool:
        rendered = dict(zip(distinct, pool.map(render, distinct, chunksize=8), strict=True))
    return {name: rendered[p] for name, p in pictures.items()}


def _write_images(folder: Path, round_name: str, pictures: dict[str, Picture]) -> Path:
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


def _write_csv(path: Path, columns: Iterable[str], rows: Iterable[Mapping[str, object]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)


REASON_FOR_FLAG = {
    "unknown_certificate": "not_in_catalog",
    "before_enrollment": "before_enrollment",
    "unreadable_image": "illegible",
    "duplicate_image": "duplicate",
    "shared_image": "mismatch",
    "name_mismatch": "mismatch",
}


def decide_demo(session: Session, rng: random.Random) -> int:
    """Decide the whole first round and a third of the second, as two office reviewers would."""
    count = 0
    subs = session.scalars(select(Submission).order_by(Submission.id)).all()
    for sub in subs:
        first_round = sub.round.name == ROUNDS[0][0]
        if not first_round and rng.random() > 0.33:
            continue
        flags = set(sub.flag_list)
        reason = next((REASON_FOR_FLAG[f] for f in REASON_FOR_FLAG if f in flags), None)
        if "missing_field" in flags or "missing_image" in flags or "unknown_student" in flags:
            verdict = check_verdict(
                "return", "incomplete", "please complete and upload again", None
            )
        elif reason is not None:
            verdict = check_verdict("reject", reason, None, None)
        elif rng.random() < 0.03:
            verdict = check_verdict("reject", "not_certificate", "this is a payment receipt", None)
        else:
            verdict = check_verdict("approve", None, None, None)
        when = datetime.combine(
            ROUNDS[0 if first_round else 1][1], datetime.min.time()
        ) + timedelta(days=rng.randrange(105, 115), minutes=rng.randrange(9 * 60, 17 * 60))
        decide(session, sub, verdict, rng.choice(REVIEWERS), now=when)
        count += 1
        if rng.random() < 0.02:  # a second look: the later decision supersedes the first
            decide(
                session,
                sub,
                check_verdict("approve", None, "re-checked with the student", None),
                rng.choice(REVIEWERS),
                now=when + timedelta(days=2),
            )
    return count


def iter_demo_files(ws: Workspace) -> Iterator[Path]:
    """Yield the input files the demo wrote (for the intake notebook's file pickers)."""
    yield from sorted(
        p for p in demo_dir(ws).iterdir() if p.suffix in {".csv", ".xlsx", ".toml", ".zip"}
    )
