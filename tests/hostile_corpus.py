"""The hostile-input corpus: each case writes its files into a folder and says what must happen.

A case function takes the case's root folder (the department's data folder is `root / "data"`,
the sample roster, catalog and standards are already imported) and returns a `Case`: the
`certreview` arguments to run, the exit status expected, the flag expected per submission in
the intake report, and a text the one-line error must contain. Inputs are generated, small on
disk (sparse files, repeated deflate blocks, patched headers) and made in well under a second.
Both `tests/test_hostile_corpus.py` and `benchmarks/bench_hostile.py` run it.
"""

from __future__ import annotations

import csv
import io
import os
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from certreview.demo.pictures import bomb_png, certificate_image, encode
from tests.conftest import SAMPLES
from tests.test_hostile_inputs import bomb_workbook, deflate_repeated, raw_zip
from tests.test_inspect import flate_bomb_pdf

MB = 1024 * 1024
HEADER = (
    "submission_id,submitted_at,student_id,student_name,category,certificate_name,exam_year,image\n"
)
ROW = "{sid},2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,{image}\n"
REPORT = "intake-report.csv"


@dataclass(frozen=True)
class Case:
    """What to run for one hostile input and what must come of it."""

    args: list[str]
    status: int = 0
    flags: dict[str, str] = field(default_factory=dict)  # submission_id -> flag in the report
    message: str = ""  # the one-line error must contain this
    out: str = ""  # what the command prints must contain this
    lines: int = 1  # lines on stderr at most: an import may name several rows it skipped


def setup_commands() -> list[list[str]]:
    """Return the commands that make the department every case starts from."""
    return [
        ["init"],
        ["import", "roster", str(SAMPLES / "roster.csv")],
        ["import", "catalog", str(SAMPLES / "catalog.csv")],
        ["import", "standards", str(SAMPLES / "standards.toml")],
    ]


def photo(n: int = 1) -> bytes:
    """Return a small, valid certificate photo (JPEG)."""
    image = certificate_image("Certificate", f"Student {n}", f"No. {n:06d}", size=(300, 210))
    return encode(image, "jpeg")


def submissions(root: Path, images: Path, pairs: list[tuple[str, str]]) -> list[str]:
    """Write a submissions export of (submission_id, image) rows; return the import command."""
    export = root / "in" / "submissions.csv"
    export.parent.mkdir(exist_ok=True)
    export.write_text(
        HEADER + "".join(ROW.format(sid=sid, image=image) for sid, image in pairs),
        encoding="utf-8",
    )
    return [
        "import",
        "submissions",
        str(export),
        "--images",
        str(images),
        "--round",
        "AY114",
        "--report",
        str(root / "data" / REPORT),
        "--workers",
        "1",
    ]


def folder(root: Path, files: dict[str, bytes] | None = None) -> Path:
    """Return a fresh images folder holding FILES."""
    images = root / "in" / "images"
    images.mkdir(parents=True, exist_ok=True)
    for name, data in (files or {}).items():
        (images / name).write_bytes(data)
    return images


def one_image(root: Path, name: str, data: bytes, flag: str) -> Case:
    """Return a case of one upload NAME holding DATA, expected to carry FLAG, and a good one."""
    images = folder(root, {name: data, "ok.jpg": photo()})
    args = submissions(root, images, [("h1", name), ("ok", "ok.jpg")])
    return Case(args, flags={"h1": flag, "ok": ""})


# --- ZIPs of images ---------------------------------------------------------------------


def zip_bomb_ratio(root: Path) -> Case:
    """Return an images ZIP with an entry of 1 GiB of zeros packed into about 1 MB."""
    data = deflate_repeated(b"", b"\0" * MB, 1024, b"")
    archive = root / "in" / "uploads.zip"
    archive.parent.mkdir(exist_ok=True)
    archive.write_bytes(raw_zip([("bomb.jpg", data, 1024 * MB, 0)]))
    args = submissions(root, archive, [("h1", "bomb.jpg")])
    return Case(args, 1, message="compressed over 100 times like a ZIP bomb")


def zip_bomb_lying_header(root: Path) -> Case:
    """Return an images ZIP whose entry says 200 KB but would unpack to 1 GiB."""
    data = deflate_repeated(b"", b"\0" * MB, 1024, b"")
    ok = photo()
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    archive = root / "in" / "uploads.zip"
    archive.parent.mkdir(exist_ok=True)
    archive.write_bytes(
        raw_zip(
            [
                ("liar.jpg", data, 200 * 1024, 0),
                ("ok.jpg", packer.compress(ok) + packer.flush(), len(ok), zlib.crc32(ok)),
            ]
        )
    )
    args = submissions(root, archive, [("h1", "liar.jpg"), ("ok", "ok.jpg")])
    return Case(args, flags={"h1": "unreadable_image", "ok": ""})


def many_entries_zip(count: int) -> bytes:
    """Return a ZIP64 of COUNT entries: COUNT - 1 empty ones and a photo `ok.jpg`, by hand."""
    ok = photo()
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    entries = [(f"empty/{n:06d}.jpg".encode(), b"\x03\x00", 0, 0) for n in range(count - 1)]
    entries.append((b"ok.jpg", packer.compress(ok) + packer.flush(), len(ok), zlib.crc32(ok)))
    out, central = io.BytesIO(), io.BytesIO()
    for name, data, size, crc in entries:
        offset = out.tell()
        fields = (20, 0, 8, 0, 0, crc, len(data), size, len(name), 0)
        out.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", *fields) + name + data)
        central.write(
            struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, offset) + name
        )
    start, directory = out.tell(), central.getvalue()
    out.write(directory)
    # Over 65,535 entries the count only fits the ZIP64 end record, as Windows writes it.
    end64 = out.tell()
    out.write(
        struct.pack(
            "<4sQ2H2I4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(directory), start
        )
    )
    out.write(struct.pack("<4sIQI", b"PK\x06\x07", 0, end64, 1))
    out.write(
        struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, len(directory), start, 0)
    )
    return out.getvalue()


def zip_100k_entries(root: Path) -> Case:
    """Return an images ZIP of exactly 100,000 entries (the limit): it is opened and read."""
    archive = root / "in" / "uploads.zip"
    archive.parent.mkdir(exist_ok=True)
    archive.write_bytes(many_entries_zip(100_000))
    args = submissions(root, archive, [("h1", "empty/000001.jpg"), ("ok", "ok.jpg")])
    return Case(args, flags={"h1": "unreadable_image", "ok": ""})


def zip_over_100k_entries(root: Path) -> Case:
    """Return an images ZIP of 100,001 entries: refused before anything is read."""
    archive = root / "in" / "uploads.zip"
    archive.parent.mkdir(exist_ok=True)
    archive.write_bytes(many_entries_zip(100_001))
    args = submissions(root, archive, [("ok", "ok.jpg")])
    return Case(args, 1, message="holds 100001 files, over the limit of 100000")


def zip_nested(root: Path) -> Case:
    """Return an images ZIP holding another ZIP, named as the image and as a folder."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("a.jpg", photo(2))
    archive = root / "in" / "uploads.zip"
    archive.parent.mkdir(exist_ok=True)
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("inner.zip", inner.getvalue())
        zf.writestr("ok.jpg", photo())
    pairs = [("h1", "inner.zip"), ("h2", "inner.zip/a.jpg"), ("ok", "ok.jpg")]
    args = submissions(root, archive, pairs)
    return Case(args, flags={"h1": "unreadable_image", "h2": "missing_image", "ok": ""})


def zip_encrypted(root: Path) -> Case:
    """Return an images ZIP whose entry has the "encrypted" bit set in both headers."""
    archive = root / "in" / "uploads.zip"
    archive.parent.mkdir(exist_ok=True)
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("secret.jpg", photo(2))
        zf.writestr("ok.jpg", photo())
    data = bytearray(archive.read_bytes())
    # General-purpose flag: offset 6 in the local header, 8 in the central directory entry.
    data[6] |= 1
    data[data.index(b"PK\x01\x02") + 8] |= 1
    archive.write_bytes(bytes(data))
    args = submissions(root, archive, [("h1", "secret.jpg"), ("ok", "ok.jpg")])
    return Case(args, flags={"h1": "unreadable_image", "ok": ""})


def zip_traversal_entries(root: Path) -> Case:
    """Return an images ZIP whose entries climb out (`../`, absolute, backslashes)."""
    archive = root / "in" / "uploads.zip"
    archive.parent.mkdir(exist_ok=True)
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("../../escape.jpg", "/tmp/abs.jpg", "..\\..\\back.jpg", "ok.jpg"):
            zf.writestr(zipfile.ZipInfo(name), photo())
    pairs = [
        ("h1", "../../escape.jpg"),
        ("h2", "/tmp/abs.jpg"),
        ("h3", "..\\..\\back.jpg"),
        ("ok", "ok.jpg"),
    ]
    flags = {"h1": "unsafe_path", "h2": "unsafe_path", "h3": "unsafe_path", "ok": ""}
    return Case(submissions(root, archive, pairs), flags=flags)


# --- images folders -----------------------------------------------------------------------


def folder_traversal_and_absolute(root: Path) -> Case:
    """Return image paths that climb out of the folder or are absolute, to a file that exists."""
    images = folder(root, {"ok.jpg": photo()})
    (root / "in" / "outside.jpg").write_bytes(photo(3))
    pairs = [
        ("h1", "../outside.jpg"),
        ("h2", str(root / "in" / "outside.jpg")),
        ("h3", "C:\\Windows\\win.ini"),
        ("h4", "\\\\server\\share\\x.jpg"),
        ("ok", "ok.jpg"),
    ]
    flags = {"h1": "unsafe_path", "h2": "unsafe_path", "h3": "unsafe_path", "h4": "unsafe_path"}
    return Case(submissions(root, images, pairs), flags={**flags, "ok": ""})


def folder_backslash_paths(root: Path) -> Case:
    """Return Windows paths: a backslash folder path that is there, and one that climbs out."""
    images = folder(root)
    (images / "B11201002").mkdir()
    (images / "B11201002" / "ccna.jpg").write_bytes(photo())
    pairs = [("ok", "B11201002\\ccna.jpg"), ("h1", "..\\..\\outside.jpg")]
    return Case(submissions(root, images, pairs), flags={"ok": "", "h1": "unsafe_path"})


def folder_symlinks(root: Path) -> Case:
    """Return symlinks to a file outside, a loop, a two-link loop and a folder loop."""
    images = folder(root, {"ok.jpg": photo()})
    secret = root / "in" / "secret.jpg"
    secret.write_bytes(photo(4))
    (images / "out.jpg").symlink_to(secret)
    (images / "self.jpg").symlink_to(images / "self.jpg")
    (images / "a.jpg").symlink_to(images / "b.jpg")
    (images / "b.jpg").symlink_to(images / "a.jpg")
    (images / "loop").symlink_to(images / "loop", target_is_directory=True)
    pairs = [("h1", "out.jpg"), ("h2", "self.jpg"), ("h3", "a.jpg"), ("h4", "loop/x.jpg")]
    flags = {sid: "unsafe_path" for sid, _ in pairs}
    return Case(submissions(root, images, [*pairs, ("ok", "ok.jpg")]), flags={**flags, "ok": ""})


def folder_image_is_a_folder(root: Path) -> Case:
    """Return an image path that names a folder."""
    images = folder(root, {"ok.jpg": photo()})
    (images / "dir.jpg").mkdir()
    return Case(
        submissions(root, images, [("h1", "dir.jpg"), ("ok", "ok.jpg")]),
        flags={"h1": "missing_image", "ok": ""},
    )


def images_path_is_missing(root: Path) -> Case:
    """Return an import whose images folder does not exist."""
    args = submissions(root, root / "in" / "nowhere", [("h1", "a.jpg")])
    return Case(args, 1, message="There is no images folder or ZIP at")


# --- submissions export cells --------------------------------------------------------------


def _export(root: Path, body: bytes) -> list[str]:
    images = folder(root, {"ok.jpg": photo()})
    args = submissions(root, images, [])
    Path(args[2]).write_bytes(HEADER.encode() + body)
    return args


def nul_bytes(root: Path) -> Case:
    """Return an export with NUL bytes in its cells and in an image path."""
    body = (
        "n1,2026-03-01 10:00,B1120\x001002,李美\x00玲,Information,CCNA,113,ok.jpg\n"
        "n2,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,112,o\x00k.jpg\n"
    ).encode()
    return Case(_export(root, body), flags={"n1": "", "n2": "duplicate_image"})


def long_field_10k(root: Path) -> Case:
    """Return an export whose name and certificate cells are 10,000 characters long."""
    body = (
        f"l1,2026-03-01 10:00,B11201002,{'李' * 10_000},Information,{'C' * 10_000},113,ok.jpg\n"
    ).encode()
    return Case(_export(root, body), flags={"l1": "missing_field"})


def field_100mb(root: Path) -> Case:
    """Return an export with one 100 MB cell (a sparse run of NUL bytes), then a good row."""
    args = _export(root, b"")
    export = Path(args[2])
    with export.open("ab") as handle:
        handle.write(b"f1,2026-03-01 10:00,B11201002,")
        handle.truncate(handle.tell() + 100 * MB)  # sparse: no time, no disk
        handle.seek(0, os.SEEK_END)
        handle.write(b",Information,CCNA,113,ok.jpg\n")
        handle.write(ROW.format(sid="ok", image="ok.jpg").encode())
    return Case(args, flags={"ok": ""})


def field_100mb_text(root: Path) -> Case:
    """Return an export of one 100 MB name (letters, not NULs) and a good row."""
    args = _export(root, b"")
    with Path(args[2]).open("ab") as handle:
        handle.write(b"f1,2026-03-01 10:00,B11201002,")
        chunk = b"x" * MB
        for _ in range(100):
            handle.write(chunk)
        handle.write(b",Information,CCNA,113,ok.jpg\n")
        handle.write(ROW.format(sid="ok", image="ok.jpg").encode())
    return Case(args, flags={"ok": ""})


def mixed_encodings(root: Path) -> Case:
    """Return an export whose lines are UTF-8 and Big5 mixed, as after a copy-paste."""
    body = ROW.format(sid="m1", image="ok.jpg").encode("utf-8") + ROW.format(
        sid="m2", image="ok.jpg"
    ).encode("cp950")
    return Case(_export(root, body), 1, message="submissions.csv")


# --- roster and standards ------------------------------------------------------------------


def xlsx_shared_strings_bomb(root: Path) -> Case:
    """Return a roster XLSX whose one name would expand to 1 GiB."""
    path = root / "in" / "roster.xlsx"
    path.parent.mkdir(exist_ok=True)
    bomb_workbook(path, "xl/sharedStrings.xml", b"A" * MB, 1024)
    return Case(["import", "roster", str(path)], 1, message="would expand to 1,024 MB")


def xlsx_lying_header(root: Path) -> Case:
    """Return a roster XLSX whose sheet says 1 MB in the ZIP directory but holds 512 MB."""
    path = root / "in" / "roster.xlsx"
    path.parent.mkdir(exist_ok=True)
    row = b'<row><c t="inlineStr"><is><t>B1</t></is></c></row>'
    bomb_workbook(path, "xl/worksheets/sheet1.xml", row * 20_000, 500, declared=MB)
    return Case(["import", "roster", str(path)], 1, message="not a readable XLSX workbook")


def _sheet_rows(root: Path, rows: bytes, last: int) -> Path:
    """Write a roster XLSX whose sheet holds ROWS after its header, up to row LAST; return it."""
    path = root / "in" / "roster.xlsx"
    path.parent.mkdir(exist_ok=True)
    bomb_workbook(path, "xl/worksheets/sheet1.xml", b"", 0, crc=True)
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    sheet = sheet.replace(b'ref="A1:D2"', b'ref="A1:D%d"' % last)  # as Excel writes it
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"</sheetData>", rows + b"</sheetData>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def xlsx_million_rows(root: Path) -> Case:
    """Return a roster XLSX of a million short distinct rows (26 MB, packed only 1:8)."""
    rows = b"".join(b"<row><c><v>%d</v></c></row>" % n for n in range(1_000_000))
    path = _sheet_rows(root, rows, 1_000_002)
    return Case(["import", "roster", str(path)], 1, message="more than 200,000 rows")


def csv_huge_file(root: Path) -> Case:
    """Return a roster CSV of 201 MB (sparse)."""
    path = root / "in" / "roster.csv"
    path.parent.mkdir(exist_ok=True)
    with path.open("wb") as handle:
        handle.write(b"student_id,name,admission_year,status\n")
        handle.truncate(201 * MB)
    return Case(["import", "roster", str(path)], 1, message="more than the 200 MB a table may be")


def roster_nul_and_long_cells(root: Path) -> Case:
    """Return a roster with NULs, bidi overrides and a 10,000-character name."""
    path = root / "in" / "roster.csv"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(
        "student_id,name,admission_year,status\n"
        "B9\x0001,王\x00小明,112,enrolled\n"
        "B902,\u202e明小李\u202c,112,enrolled\n"
        f"B903,{'長' * 10_000},112,enrolled\n".encode()
    )
    return Case(["import", "roster", str(path)], out="roster: 2 added, 1 row not imported", lines=2)


def xlsx_stale_dimension(root: Path) -> Case:
    """Return a roster XLSX of five students whose `<dimension>` claims only two rows."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["student_id", "name", "admission_year", "status"])
    for n in range(5):
        book.active.append([f"B9{n:02d}", f"學生{n}", 112, "enrolled"])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    # Some exporters write the dimension once and never update it as rows are added.
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b'ref="A1:D6"', b'ref="A1:D2"')
    path = root / "in" / "roster.xlsx"
    path.parent.mkdir(exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return Case(["import", "roster", str(path)], out="roster: 5 added")


def standards_wrong_types(root: Path) -> Case:
    """Return a standards file whose minimum is a string."""
    path = root / "in" / "standards.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        '[[standard]]\nname = "S"\nadmission_from = 111\nduring_enrollment = true\n'
        'min_count = "three"\nmin_points = 3\n',
        encoding="utf-8",
    )
    return Case(["import", "standards", str(path)], 1, message="min_count")


def standards_wrong_shapes(root: Path) -> Case:
    """Return a standards file whose `standard` is a string, not a list of tables."""
    path = root / "in" / "standards.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        'standard = "all of them"\n',
        encoding="utf-8",
    )
    return Case(["import", "standards", str(path)], 1, message="standards.toml")


def standards_programs_string(root: Path) -> Case:
    """Return a standards file whose programs is a string, not a list."""
    path = root / "in" / "standards.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        '[[standard]]\nname = "S"\nadmission_from = 111\nprograms = "Day"\n'
        "during_enrollment = true\nmin_count = 2\nmin_points = 3\n",
        encoding="utf-8",
    )
    return Case(["import", "standards", str(path)], 1, message="programs")


# --- pixel bombs and other image files -------------------------------------------------------


def png_pixel_bomb(root: Path) -> Case:
    """Return a PNG of 900 megapixels."""
    return one_image(root, "bomb.png", bomb_png(), "image_too_large")


def gif_pixel_bomb(root: Path) -> Case:
    """Return a GIF whose screen and frame are 65,535 x 65,535 pixels."""
    size = struct.pack("<HH", 65_535, 65_535)
    gif = (
        b"GIF89a" + size + b"\x80\x00\x00" + b"\x00\x00\x00\xff\xff\xff"
        b"\x2c\x00\x00\x00\x00" + size + b"\x00" + b"\x02\x02\x44\x01\x00" + b"\x3b"
    )
    return one_image(root, "bomb.gif", gif, "image_too_large")


def tiff_pixel_bomb(root: Path) -> Case:
    """Return a 1-bit TIFF of 100,000 x 100,000 pixels with one tiny strip."""
    tags = [
        (256, 4, 1, 100_000),  # ImageWidth
        (257, 4, 1, 100_000),  # ImageLength
        (258, 3, 1, 1),  # BitsPerSample
        (259, 3, 1, 1),  # Compression: none
        (262, 3, 1, 1),  # Photometric: black is zero
        (273, 4, 1, 8),  # StripOffsets
        (278, 4, 1, 100_000),  # RowsPerStrip
        (279, 4, 1, 16),  # StripByteCounts
    ]
    ifd = struct.pack("<H", len(tags)) + b"".join(struct.pack("<HHII", *t) for t in tags)
    tiff = b"II*\x00" + struct.pack("<I", 24) + b"\x00" * 16 + ifd + b"\x00" * 4
    return one_image(root, "bomb.tif", tiff, "image_too_large")


def webp_pixel_bomb(root: Path) -> Case:
    """Return a WebP whose VP8X canvas says 16,384 x 16,384 around a small picture."""
    small = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(small, "WEBP", lossless=True)
    body = small.getvalue()[12:]  # the chunks after "RIFF....WEBP"
    canvas = (16_384 - 1).to_bytes(3, "little") * 2
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00" + canvas
    riff = b"WEBP" + vp8x + body
    webp = b"RIFF" + struct.pack("<I", len(riff)) + riff
    return one_image(root, "bomb.webp", webp, "image_too_large")


def heic_pixel_bomb(root: Path) -> Case:
    """Return a HEIC whose `ispe` box says 60,000 x 60,000 pixels around a small picture."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    small = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(small, "HEIF")
    data = bytearray(small.getvalue())
    at = data.index(b"ispe")
    data[at + 8 : at + 16] = struct.pack(">II", 60_000, 60_000)
    return one_image(root, "bomb.heic", bytes(data), "image_too_large")


def pdf_1000_pages(root: Path) -> Case:
    """Return a PDF of 1,000 pages that all draw the same small content."""
    pages = 1_000
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = b" ".join(b"%d 0 R" % (n + 4) for n in range(pages))
    objects.append(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages))
    content = b"0 0 m 100 100 l S"
    objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 420] /Contents 3 0 R >>"
    objects.extend([page] * pages)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for num, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (num, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return one_image(root, "many.pdf", bytes(out), "")


def pdf_stream_bomb(root: Path) -> Case:
    """Return a PDF whose one stream unpacks to 1 GiB."""
    return one_image(root, "bomb.pdf", flate_bomb_pdf(1024), "image_too_large")


def png_huge_exif(root: Path) -> Case:
    """Return a small PNG carrying a 25 MB eXIf chunk (sparse on disk)."""
    good = io.BytesIO()
    certificate_image(size=(300, 210)).save(good, "PNG")
    png = good.getvalue()
    head, tail = png[:33], png[33:]  # signature + IHDR, then the rest
    length = 25 * MB
    crc = zlib.crc32(b"\0" * length, zlib.crc32(b"eXIf"))
    images = folder(root, {"ok.jpg": photo()})
    with (images / "exif.png").open("wb") as handle:
        handle.write(head + struct.pack(">I", length) + b"eXIf")
        handle.truncate(handle.tell() + length)
        handle.seek(0, os.SEEK_END)
        handle.write(struct.pack(">I", crc) + tail)
    args = submissions(root, images, [("h1", "exif.png"), ("ok", "ok.jpg")])
    return Case(args, flags={"h1": "", "ok": ""})


def jpeg_lying_exif(root: Path) -> Case:
    """Return a JPEG whose EXIF directory claims 65,535 entries of 4 GB each."""
    ifd = struct.pack("<H", 65_535) + struct.pack("<HHII", 0x010E, 2, 0xFFFF_FFFF, 8) * 8
    exif = b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", 8) + ifd
    app1 = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    jpeg = photo(5)
    return one_image(root, "exif.jpg", jpeg[:2] + app1 + jpeg[2:], "")


CASES: dict[str, Callable[[Path], Case]] = {
    f.__name__: f
    for f in (
        zip_bomb_ratio,
        zip_bomb_lying_header,
        zip_100k_entries,
        zip_over_100k_entries,
        zip_nested,
        zip_encrypted,
        zip_traversal_entries,
        folder_traversal_and_absolute,
        folder_backslash_paths,
        folder_symlinks,
        folder_image_is_a_folder,
        images_path_is_missing,
        nul_bytes,
        long_field_10k,
        field_100mb,
        field_100mb_text,
        mixed_encodings,
        xlsx_shared_strings_bomb,
        xlsx_lying_header,
        xlsx_million_rows,
        xlsx_stale_dimension,
        csv_huge_file,
        roster_nul_and_long_cells,
        standards_wrong_types,
        standards_wrong_shapes,
        standards_programs_string,
        png_pixel_bomb,
        gif_pixel_bomb,
        tiff_pixel_bomb,
        webp_pixel_bomb,
        heic_pixel_bomb,
        pdf_1000_pages,
        pdf_stream_bomb,
        png_huge_exif,
        jpeg_lying_exif,
    )
}


def listing(root: Path) -> set[str]:
    """Return every path under ROOT outside its data folder, with its size and mtime."""
    found = set()
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if here == root:
            dirnames[:] = [d for d in dirnames if d != "data"]
        for name in dirnames + filenames:
            st = (here / name).lstat()
            found.add(f"{(here / name).relative_to(root)} {st.st_size} {st.st_mtime_ns}")
    return found


def problems(
    case: Case, root: Path, status: int, out: str, err: str, before: set[str]
) -> list[str]:
    """Return what went wrong running CASE: empty when it was handled as expected."""
    found = []
    if status != case.status:
        found.append(f"exit status {status}, expected {case.status}")
    lines = err.splitlines()
    if len(lines) > case.lines:
        found.append(f"{len(lines)} lines on stderr: {err[:300]!r}")
    if "traceback" in err.lower() or "unexpected" in err.lower():
        found.append(f"a traceback or 'unexpected' on stderr: {err[:300]!r}")
    if case.message and case.message not in err:
        found.append(f"stderr {err.strip()[:300]!r} does not say {case.message!r}")
    if case.out not in out:
        found.append(f"the output {out.strip()[:300]!r} does not say {case.out!r}")
    if case.flags:
        report = root / "data" / REPORT
        if not report.exists():
            found.append("no intake report was written")
        else:
            with report.open(encoding="utf-8-sig", newline="") as handle:
                rows = {row["submission_id"]: row["flags"] for row in csv.DictReader(handle)}
            for sid, flag in case.flags.items():
                got = rows.get(sid)
                if got is None or (flag and flag not in got.split(";")) or (not flag and got):
                    found.append(f"row {sid}: flags {got!r}, expected {flag or 'none'!r}")
    after = listing(root)
    if after != before:
        changed = sorted(after ^ before)[:5]
        found.append(f"written outside the data folder: {changed}")
    return found
