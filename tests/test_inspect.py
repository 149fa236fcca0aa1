"""Every upload format and failure: flag, message, thumbnail, orientation, hashes and previews."""

from __future__ import annotations

import base64
import io
import itertools
import random
import zlib
from functools import cache

import numpy as np
import pytest
from PIL import Image, ImageDraw

from certreview.demo import pictures
from certreview.images.formats import format_label
from certreview.images.inspect import (
    ImageReport,
    inspect_image,
    page_count,
    quick_verdict,
    render_preview,
)
from certreview.images.limits import MAX_BYTES, MSG_EMPTY, MSG_TEXT, MSG_TRUNCATED, ImageRefused
from certreview.images.phash import NEAR_DUPLICATE_DISTANCE, phash_distance

SIZE = (600, 425)


@cache
def sample(kind: str) -> bytes:
    """Return one small certificate of `kind`, made once per test session."""
    return pictures.sample(kind, size=SIZE)


CUT = "The file is cut off — please upload it again"
DAMAGED = "The file is damaged and cannot be opened — please upload it again"
UNREADABLE = "unreadable_image"
TOO_LARGE = "image_too_large"

# kind, flag, format, pages, message
CORPUS = [
    ("jpeg", None, "JPEG", 1, "This is a JPEG photo or scan — accepted"),
    ("jpeg_progressive", None, "JPEG", 1, "This is a JPEG photo or scan — accepted"),
    ("jpeg_cmyk", None, "JPEG", 1, "This is a JPEG photo or scan — accepted"),
    ("jpeg_exif_rotated", None, "JPEG", 1, "This is a JPEG photo or scan — accepted"),
    ("mpo", None, "MPO", 1, "This is a JPEG photo from a phone camera (MPO) — accepted"),
    ("png", None, "PNG", 1, "This is a PNG image — accepted"),
    ("png16", None, "PNG", 1, "This is a PNG image — accepted"),
    ("png_palette_alpha", None, "PNG", 1, "This is a PNG image — accepted"),
    ("heic", None, "HEIF", 1, "This is a HEIC photo from an iPhone — accepted"),
    ("heic_named_jpg", None, "HEIF", 1, "This is a HEIC photo from an iPhone — accepted"),
    ("webp", None, "WEBP", 1, "This is a WebP image — accepted"),
    (
        "webp_animated",
        None,
        "WEBP",
        1,
        "This is a WebP image (animated; the first frame is shown) — accepted",
    ),
    ("avif", None, "AVIF", 1, "This is an AVIF image — accepted"),
    ("tiff_multipage", None, "TIFF", 2, "This is a TIFF scan (2 pages) — accepted"),
    (
        "gif_animated",
        None,
        "GIF",
        1,
        "This is a GIF image (animated; the first frame is shown) — accepted",
    ),
    ("bmp", None, "BMP", 1, "This is a BMP image — accepted"),
    ("pdf", None, "PDF", 2, "This is a PDF e-certificate (2 pages) — accepted"),
    (
        "pdf_encrypted",
        UNREADABLE,
        "PDF",
        0,
        "This PDF is password-protected — please upload an unprotected copy",
    ),
    ("truncated_jpeg", UNREADABLE, "JPEG", 0, CUT),
    ("empty", UNREADABLE, None, 0, "The file is empty (0 bytes) — please upload it again"),
    (
        "text",
        UNREADABLE,
        None,
        0,
        "This is a text file, not a picture of the certificate — "
        "please upload a photo, scan or PDF of the certificate",
    ),
    (
        "bomb_png",
        TOO_LARGE,
        None,
        0,
        "The picture is 900 megapixels, over the safety limit of 60 megapixels — "
        "please upload a smaller copy",
    ),
]


def test_corpus_covers_every_kind() -> None:
    assert {row[0] for row in CORPUS} == set(pictures.KINDS)


@pytest.mark.parametrize(("kind", "flag", "fmt", "pages", "message"), CORPUS)
def test_corpus(kind: str, flag: str | None, fmt: str | None, pages: int, message: str) -> None:
    report = inspect_image(sample(kind))
    assert (report.flag, report.format, report.pages, report.message) == (flag, fmt, pages, message)
    if flag is None:
        assert report.phash is not None and len(report.phash) == 16
        assert report.thumbnail is not None
        thumb = Image.open(io.BytesIO(report.thumbnail))
        assert thumb.format == "JPEG"
        assert max(thumb.size) == 320
        expected = (800, 567) if fmt == "PDF" else SIZE  # a PDF page is counted at 200 dpi
        assert (report.width, report.height) == expected
        assert report.pixels == expected[0] * expected[1]
    else:
        assert report.thumbnail is None and report.phash is None


TRUNCATED = [
    (kind, frac)
    for kind in ("png", "heic", "webp", "avif", "pdf", "jpeg_progressive", "bmp")
    for frac in (0.5, 0.9)
]


@pytest.mark.parametrize(("kind", "fraction"), TRUNCATED)
def test_cut_off_files_say_so(kind: str, fraction: float) -> None:
    data = sample(kind)
    report = inspect_image(data[: int(len(data) * fraction)])
    assert (report.flag, report.message) == (UNREADABLE, CUT)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"%PDF-1.4\ngarbage\n%%EOF\n",
            "This PDF is damaged and cannot be opened — please download it again and re-upload",
        ),
        (
            bytes(random.Random(0).randrange(256) for _ in range(5000)),
            "This file is not a picture or PDF we can open — "
            "please upload a JPEG, PNG, HEIC or PDF copy of the certificate",
        ),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100 + b"\x00\x00\x00\x00IEND\xaeB`\x82", DAMAGED),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, CUT),
    ],
    ids=["damaged_pdf", "random_bytes", "png_garbage_chunks", "png_without_end"],
)
def test_damaged_files(data: bytes, message: str) -> None:
    assert (inspect_image(data).flag, inspect_image(data).message) == (UNREADABLE, message)


def test_byte_limit_is_checked_before_anything_else() -> None:
    report = inspect_image(b"\xff\xd8" + b"\x00" * (MAX_BYTES + 1024 * 1024))
    assert report == ImageReport(
        None,
        None,
        None,
        None,
        0,
        None,
        TOO_LARGE,
        "The file is 31 MB, over the 30 MB limit — "
        "please upload a smaller copy (a phone photo or a 300 dpi scan is enough)",
        None,
    )


def test_pixel_cap_is_read_from_the_header() -> None:
    report = inspect_image(sample("jpeg"), max_pixels=200_000)
    assert (report.flag, report.width, report.height, report.message) == (
        TOO_LARGE,
        600,
        425,
        "The picture is 0.3 megapixels, over the safety limit of 0.2 megapixels — "
        "please upload a smaller copy",
    )


def test_pdf_pixel_cap_comes_from_the_page_size_before_rendering() -> None:
    buf = io.BytesIO()
    pictures.certificate_image(size=SIZE).save(buf, "PDF", resolution=1.0)  # a 600 x 425 inch page
    report = inspect_image(buf.getvalue())
    assert (report.flag, report.format, report.pixels, report.message) == (
        TOO_LARGE,
        "PDF",
        120_000 * 85_000,
        "The picture is 10200 megapixels, over the safety limit of 60 megapixels — "
        "please upload a smaller copy",
    )


@pytest.mark.parametrize(
    "kind", ["jpeg", "png", "heic", "pdf", "webp", "gif_animated", "tiff_multipage"]
)
def test_never_raises_on_mangled_bytes(kind: str) -> None:
    rnd = random.Random(kind)
    original = sample(kind)
    for _ in range(10):
        data = bytearray(original)
        for _ in range(20):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        report = inspect_image(bytes(data))
        assert report.flag in (None, UNREADABLE, TOO_LARGE)
        assert report.message


def _thumb(report: ImageReport) -> np.ndarray:
    assert report.thumbnail is not None
    return np.asarray(Image.open(io.BytesIO(report.thumbnail)).convert("RGB"), dtype=np.int16)


def test_exif_rotation_is_applied() -> None:
    img = Image.new("RGB", (600, 400), "white")
    ImageDraw.Draw(img).rectangle((0, 0, 150, 100), fill=(255, 0, 0))  # red in the top-left corner
    report = inspect_image(pictures.encode(img, "jpeg_exif_rotated"))
    assert (report.width, report.height) == (600, 400)
    pixels = _thumb(report)
    assert pixels.shape[:2] == (213, 320)
    assert tuple(pixels[10, 10]) == pytest.approx((255, 0, 0), abs=30)
    assert tuple(pixels[-10, -10]) == pytest.approx((255, 255, 255), abs=30)
    assert tuple(pixels[10, -10]) == pytest.approx((255, 255, 255), abs=30)


def test_sixteen_bit_is_scaled_not_clipped() -> None:
    grey8 = _thumb(inspect_image(sample("png"))).mean()
    grey16 = _thumb(inspect_image(sample("png16"))).mean()
    assert grey16 < 240  # clipping would make it white
    assert grey16 == pytest.approx(grey8, abs=3)


def test_palette_transparency_is_composited_on_white() -> None:
    pixels = _thumb(inspect_image(sample("png_palette_alpha")))
    assert pixels[2, 2].min() > 240  # the transparent frame's palette colour is black
    assert pixels[pixels.shape[0] // 2, 2].min() > 240


def test_cmyk_colours_are_converted() -> None:
    rgb = _thumb(inspect_image(sample("jpeg")))
    cmyk = _thumb(inspect_image(sample("jpeg_cmyk")))
    assert np.abs(rgb - cmyk).mean() < 8


def _has_metadata(jpeg: bytes) -> bool:
    im = Image.open(io.BytesIO(jpeg))
    return bool(im.getexif()) or "icc_profile" in im.info or b"Exif" in jpeg or b"GPS" in jpeg


def test_thumbnails_and_previews_carry_no_metadata() -> None:
    photo = pictures.phone_photo(seed=1, megapixels=0.5)
    assert _has_metadata(photo)  # the upload itself has camera and GPS data
    report = inspect_image(photo)
    assert report.thumbnail is not None
    assert not _has_metadata(report.thumbnail)
    assert not _has_metadata(render_preview(photo))


def _jpeg(img: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _crop(img: Image.Image, left: float, top: float, right: float, bottom: float) -> Image.Image:
    w, h = img.size
    return img.crop((int(w * left), int(h * top), w - int(w * right), h - int(h * bottom)))


VARIANTS = {
    "quality_60": lambda im: _jpeg(im, 60),
    "resized_50": lambda im: _jpeg(im.resize((im.width // 2, im.height // 2))),
    "cropped_1.5_each_side": lambda im: _jpeg(_crop(im, 0.015, 0.015, 0.015, 0.015)),
    "cropped_3_right": lambda im: _jpeg(_crop(im, 0, 0, 0.03, 0)),
    "cropped_3_bottom": lambda im: _jpeg(_crop(im, 0, 0, 0, 0.03)),
    "as_png": lambda im: pictures.encode(im, "png"),
    "as_heic": lambda im: pictures.encode(im, "heic"),
    "as_pdf": lambda im: pictures.encode(im, "pdf"),
}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_near_duplicates_are_within_distance(variant: str, seed: int) -> None:
    img = pictures.certificate_image(name=f"Student {seed}", number=f"No. {seed:06d}", seed=seed)
    original = inspect_image(_jpeg(img, 92)).phash
    copy = inspect_image(VARIANTS[variant](img)).phash
    assert original is not None and copy is not None
    assert phash_distance(original, copy) <= NEAR_DUPLICATE_DISTANCE


def test_unrelated_certificates_are_beyond_distance() -> None:
    hashes = [
        inspect_image(
            _jpeg(pictures.certificate_image(name=f"Student {i}", number=f"No. {1000 + i}", seed=i))
        ).phash
        for i in range(12)
    ]
    distances = [phash_distance(a, b) for a, b in itertools.combinations(hashes, 2)]  # type: ignore[arg-type]
    assert min(distances) > NEAR_DUPLICATE_DISTANCE


def test_phash_distance() -> None:
    assert phash_distance("0000000000000000", "0000000000000000") == 0
    assert phash_distance("0000000000000000", "ffffffffffffffff") == 64
    assert phash_distance("00000000000000f0", "0000000000000001") == 5


@pytest.mark.parametrize(
    ("kind", "page"), [("pdf", 0), ("pdf", 1), ("tiff_multipage", 1), ("heic", 0)]
)
def test_preview_of_any_page(kind: str, page: int) -> None:
    preview = Image.open(io.BytesIO(render_preview(sample(kind), page=page, max_side=500)))
    assert preview.format == "JPEG" and max(preview.size) == 500


def test_preview_pages_differ_and_out_of_range_is_an_index_error() -> None:
    assert render_preview(sample("pdf"), 0) != render_preview(sample("pdf"), 1)
    with pytest.raises(IndexError):
        render_preview(sample("pdf"), 2)
    with pytest.raises(IndexError):
        render_preview(sample("jpeg"), 1)


def test_preview_of_an_unreadable_file_says_why() -> None:
    with pytest.raises(ImageRefused) as caught:
        render_preview(sample("pdf_encrypted"))
    assert caught.value.flag == UNREADABLE
    assert str(caught.value) == "This PDF is password-protected — please upload an unprotected copy"


@pytest.mark.parametrize(
    ("kind", "pages"),
    [
        ("pdf", 2),
        ("tiff_multipage", 2),
        ("jpeg", 1),
        ("gif_animated", 1),
        ("text", 0),
        ("empty", 0),
    ],
)
def test_page_count(kind: str, pages: int) -> None:
    assert page_count(sample(kind)) == pages


def test_format_labels() -> None:
    assert format_label("HEIF") == "HEIC photo from an iPhone"
    assert format_label("PDF") == "PDF e-certificate"
    assert format_label("XYZ") == "XYZ file"


def test_encrypted_pdf_opens_with_its_password() -> None:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(sample("pdf_encrypted"), password=pictures.PDF_PASSWORD)
    assert len(doc) == 1
    doc.close()


# --- resource bombs inside PDFs (issue 15) ---

MIB = 1024 * 1024


def zlib_zeros(mib: int) -> bytes:
    """Return zlib data that unpacks to `mib` MiB of zeros, built in milliseconds from one block."""
    zero = b"\0" * MIB
    packer = zlib.compressobj(9)
    first = packer.compress(zero) + packer.flush(zlib.Z_FULL_FLUSH)
    # After a full flush the packer starts afresh, so every further MiB packs to the same block.
    block = packer.compress(zero) + packer.flush(zlib.Z_FULL_FLUSH)
    check = 1
    for _ in range(mib):
        check = zlib.adler32(zero, check)
    return first + block * (mib - 1) + b"\x03\x00" + check.to_bytes(4, "big")


def pdf_with_stream(body: bytes, dictionary: bytes = b"/Filter /FlateDecode") -> bytes:
    """Return a valid one-page PDF whose page content is the stream `body`."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 420] /Contents 4 0 R >>",
        b"<< /Length %d %s >>\nstream\n" % (len(body), dictionary) + body + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % num + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def flate_bomb_pdf(mib: int) -> bytes:
    """Return a small PDF with one stream that unpacks to `mib` MiB (200 MiB is a 200 KiB file)."""
    return pdf_with_stream(zlib_zeros(mib))


PDF_BOMBS = {
    "flate": lambda mib: flate_bomb_pdf(mib),
    "hex then flate": lambda mib: pdf_with_stream(
        zlib_zeros(mib).hex().encode() + b">", b"/Filter [/ASCIIHexDecode /FlateDecode]"
    ),
    "ascii85 then flate": lambda mib: pdf_with_stream(
        base64.a85encode(zlib_zeros(mib), adobe=True)[2:],
        b"/Filter [/ASCII85Decode /FlateDecode]",
    ),
    "flate twice": lambda mib: pdf_with_stream(
        zlib.compress(zlib_zeros(mib), 9), b"/Filter [/FlateDecode /FlateDecode]"
    ),
}


@pytest.mark.parametrize("kind", list(PDF_BOMBS))
def test_pdf_stream_bombs_are_refused_before_rendering(kind: str) -> None:
    bomb = PDF_BOMBS[kind](64)
    assert len(bomb) < 200 * 1024
    report = inspect_image(bomb, max_inflated=16 * MIB)
    assert (report.flag, report.format, report.message) == (
        TOO_LARGE,
        "PDF",
        "This PDF unpacks to over 16 MB, more than a certificate needs — please save or print "
        "it again as a new PDF, or upload a photo or scan instead",
    )
    assert report.thumbnail is None
    # The same PDF under the cap is an ordinary (blank) certificate page.
    assert inspect_image(PDF_BOMBS[kind](4), max_inflated=16 * MIB).flag is None


def test_pdf_stream_bomb_is_refused_at_the_default_cap() -> None:
    bomb = flate_bomb_pdf(300)  # 300 MiB of zeros in a 300 KiB file
    assert inspect_image(bomb).flag == TOO_LARGE
    with pytest.raises(ImageRefused) as refused:
        render_preview(bomb)
    assert refused.value.flag == TOO_LARGE
    assert page_count(bomb) == 0


def test_pdf_picture_over_the_pixel_cap_is_refused_from_its_dictionary() -> None:
    # A 40000 x 40000 picture packs to a few hundred KiB but would take 4.8 GB to draw.
    body = b"q 595 0 0 420 0 0 cm /Im0 Do Q"
    picture = zlib.compress(b"\0" * 1000, 9)
    pdf = pdf_with_stream(body, b"").replace(
        b"/MediaBox [0 0 595 420] /Contents 4 0 R",
        b"/MediaBox [0 0 595 420] /Contents 4 0 R /Resources << /XObject << /Im0 5 0 R >> >>",
    )
    pdf = pdf.replace(
        b"trailer",
        b"5 0 obj\n<< /Type /XObject /Subtype /Image /Width 40000 /Height 40000 "
        b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\n"
        b"stream\n%s\nendstream\nendobj\ntrailer" % (len(picture), picture),
    )
    report = inspect_image(pdf)
    assert (report.flag, report.message) == (
        TOO_LARGE,
        "The picture is 1600 megapixels, over the safety limit of 60 megapixels — "
        "please upload a smaller copy",
    )


def test_many_streams_just_under_the_cap_are_refused_together() -> None:
    pdf = flate_bomb_pdf(3)
    extra = b"".join(
        b"%d 0 obj\n<< /Filter /FlateDecode >>\nstream\n%s\nendstream\nendobj\n"
        % (n, zlib_zeros(3))
        for n in range(5, 10)
    )
    pdf = pdf.replace(b"xref\n", extra + b"xref\n", 1)
    report = inspect_image(pdf, max_inflated=4 * MIB)
    assert (report.flag, report.message) == (
        TOO_LARGE,
        "This PDF unpacks to over 16 MB, more than a certificate needs — please save or print "
        "it again as a new PDF, or upload a photo or scan instead",
    )
    assert inspect_image(pdf, max_inflated=5 * MIB).flag is None


@pytest.mark.parametrize(
    ("kind", "verdict"),
    [
        ("jpeg", None),
        ("pdf", None),
        ("heic", None),
        ("truncated_jpeg", None),  # the header is fine: only the full check finds the cut
        ("text", MSG_TEXT),
        ("empty", MSG_EMPTY),
        (
            "bomb_png",
            "The picture is 900 megapixels, over the safety limit of 60 megapixels — "
            "please upload a smaller copy",
        ),
    ],
)
def test_quick_verdict_reads_only_headers(kind: str, verdict: str | None) -> None:
    assert quick_verdict(sample(kind)) == verdict


def test_quick_verdict_measures_pdf_streams() -> None:
    assert quick_verdict(flate_bomb_pdf(300)) == (
        "This PDF unpacks to over 256 MB, more than a certificate needs — please save or print "
        "it again as a new PDF, or upload a photo or scan instead"
    )
    assert quick_verdict(sample("pdf")[:-200]) == MSG_TRUNCATED
