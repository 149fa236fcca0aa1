"""Inspect uploaded certificate images and PDFs: format, safety limits, thumbnail, perceptual hash."""

from __future__ import annotations

import base64
import io
import math
import re
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pillow_heif
import pypdfium2 as pdfium
from PIL import Image

# HEIC support is registered here, not at package import, so a script that never touches
# images does not pay for (or depend on) libheif.
pillow_heif.register_heif_opener()

MAX_PIXELS = 60_000_000  # a 12 MP phone photo is 12 M; 60 M leaves room for 600 dpi A4 scans
MAX_BYTES = 30 * 1024 * 1024
THUMB_SIZE = 320
PREVIEW_SIZE = 1600
NEAR_DUPLICATE_DISTANCE = 10  # of 64 bits; measured on re-encoded, resized and cropped copies
PDF_DPI = 200  # the resolution at which a PDF page counts as pixels against MAX_PIXELS
# pdfium unpacks a whole stream into memory: a 6 MB PDF can hold a 6 GB stream. The largest
# honest stream is a page picture at MAX_PIXELS in CMYK (240 MB).
MAX_PDF_STREAM = 256 * 1024 * 1024
PDF_STREAMS_PER_CAP = 4  # all streams of one PDF together may unpack to 4 times the cap

# Only these decoders may touch student uploads: Pillow also knows formats (EPS calls
# Ghostscript, for one) that have no business in a certificate intake. The JPEG opener also
# yields MPO (the multi-picture JPEG of phone cameras).
ACCEPTED_FORMATS = ("JPEG", "PNG", "HEIF", "WEBP", "AVIF", "TIFF", "GIF", "BMP")

FORMAT_LABELS = {
    "JPEG": "JPEG photo or scan",
    "MPO": "JPEG photo from a phone camera (MPO)",
    "PNG": "PNG image",
    "HEIF": "HEIC photo from an iPhone",
    "WEBP": "WebP image",
    "AVIF": "AVIF image",
    "TIFF": "TIFF scan",
    "GIF": "GIF image",
    "BMP": "BMP image",
    "PDF": "PDF e-certificate",
}

MSG_EMPTY = "The file is empty (0 bytes) — please upload it again"
MSG_TRUNCATED = "The file is cut off — please upload it again"
MSG_DAMAGED = "The file is damaged and cannot be opened — please upload it again"
MSG_TEXT = (
    "This is a text file, not a picture of the certificate — "
    "please upload a photo, scan or PDF of the certificate"
)
MSG_UNKNOWN = (
    "This file is not a picture or PDF we can open — "
    "please upload a JPEG, PNG, HEIC or PDF copy of the certificate"
)
MSG_PDF_PASSWORD = "This PDF is password-protected — please upload an unprotected copy"
MSG_PDF_DAMAGED = (
    "This PDF is damaged and cannot be opened — please download it again and re-upload"
)
MSG_PDF_EMPTY = "This PDF has no pages — please upload the certificate itself"
MSG_CRASHED = (
    "The file could not be checked: opening it stopped the image checker "
    "(it may need too much memory) — please upload a smaller copy, a photo or a scan"
)
MSG_MEMORY = (
    "The file needs too much memory to open — "
    "please upload a smaller copy (a phone photo or a 300 dpi scan is enough)"
)
_MESSAGE_CODES = {
    MSG_EMPTY: "empty",
    MSG_TRUNCATED: "truncated",
    MSG_DAMAGED: "damaged",
    MSG_TEXT: "text",
    MSG_UNKNOWN: "unknown",
    MSG_PDF_PASSWORD: "pdf_password",
    MSG_PDF_DAMAGED: "pdf_damaged",
    MSG_PDF_EMPTY: "pdf_empty",
}

UNREADABLE = "unreadable_image"
TOO_LARGE = "image_too_large"

_SIGNATURES = (
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",
    b"MM\x00*",
    b"BM",
)
_ANIMATED = ("GIF", "WEBP", "PNG", "AVIF")
_ORIENTATION = 0x0112
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_N = 32
_HASH_MARGIN = 0.05
_DCT = np.cos(np.pi * np.outer(np.arange(_N), 2 * np.arange(_N) + 1) / (2 * _N))


@dataclass(frozen=True)
class ImageReport:
    """What intake learned about one uploaded file."""

    format: str | None
    width: int | None
    height: int | None
    pixels: int | None
    pages: int
    phash: str | None
    flag: str | None  # None, "unreadable_image" or "image_too_large"
    message: str  # plain words a student can act on
    thumbnail: bytes | None  # JPEG without any metadata


class ImageRefused(ValueError):
    """Raised when a file cannot be shown; `flag` is the intake flag, str() the plain message."""

    def __init__(
        self,
        flag: str,
        message: str,
        *,
        fmt: str | None = None,
        size: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(message)
        self.flag = flag
        self.message = message
        self.format = fmt
        self.size = size


@dataclass
class _Decoded:
    image: Image.Image  # RGB, upright, reduced to about the requested box
    format: str
    width: int  # full size, upright
    height: int
    pages: int
    animated: bool


def format_label(fmt: str) -> str:
    """Return the plain name of a format as `ImageReport.format` spells it, e.g. "PDF e-certificate"."""
    return FORMAT_LABELS.get(fmt, f"{fmt} file")


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 10 * 1024 * 1024 else f"{n / (1024 * 1024):.1f} MB"


def message_code(flags: str | None, message: str | None) -> str | None:
    """Return a stable key for why intake refused an upload's file (for translated notices).

    FLAGS is the submission's `;`-joined flags, MESSAGE the plain words intake kept.

    >>> message_code("unreadable_image", MSG_TRUNCATED), message_code("late", None)
    ('truncated', None)
    """
    found = set((flags or "").split(";"))
    if "missing_image" in found:
        return "missing_image"
    if "unsafe_path" in found:
        return "unsafe_path"
    if TOO_LARGE in found:
        return "too_large"
    if UNREADABLE in found:
        # Intake may add a note after the message (e.g. that the file was not kept).
        text = message or ""
        return next(
            (code for msg, code in _MESSAGE_CODES.items() if text.startswith(msg)), "damaged"
        )
    return None


def oversize_message(n_bytes: int, max_bytes: int = MAX_BYTES) -> str:
    """Return the student message for a file of `n_bytes` over the `max_bytes` limit."""
    return (
        f"The file is {_megabytes(n_bytes)}, over the {_megabytes(max_bytes)} limit — "
        "please upload a smaller copy (a phone photo or a 300 dpi scan is enough)"
    )


def oversize_report(n_bytes: int, max_bytes: int = MAX_BYTES) -> ImageReport:
    """Return the report for a file refused by its byte size alone, without reading it."""
    return ImageReport(
        None, None, None, None, 0, None, TOO_LARGE, oversize_message(n_bytes, max_bytes), None
    )


def _pixels_message(pixels: int | None, max_pixels: int) -> str:
    if pixels:
        size = (
            f"{pixels / 1e6:.0f} megapixels" if pixels >= 10e6 else f"{pixels / 1e6:.1f} megapixels"
        )
    else:
        size = "too many pixels"
    return (
        f"The picture is {size}, over the safety limit of {max_pixels / 1e6:g} megapixels — "
        "please upload a smaller copy"
    )


def _is_pdf(data: bytes) -> bool:
    # The PDF header may follow up to 1 KiB of junk; PDF readers accept that, so do we.
    return b"%PDF-" in data[:1024]


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # A cut in the middle of a multi-byte character at the 4 KiB boundary is still text.
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable >= 0.95 * max(1, len(text))


def _bmff_cut_off(data: bytes) -> bool | None:
    """Return whether an ISO media file (HEIC, AVIF) ends inside a box; None if it is not one."""
    if data[4:8] != b"ftyp":
        return None
    i = 0
    while i + 8 <= len(data):
        size = int.from_bytes(data[i : i + 4], "big")
        if size == 1 and i + 16 <= len(data):
            size = int.from_bytes(data[i + 8 : i + 16], "big")
        elif size == 0:
            return False  # the last box runs to the end of the file by definition
        if size < 8:
            return False  # damaged rather than cut off
        i += size
    return i != len(data)


def _ends_early(data: bytes) -> bool:
    """Return whether the file stops before its format's end marker (to say "cut off", not "damaged")."""
    if data[:4] == b"RIFF":
        return int.from_bytes(data[4:8], "little") + 8 > len(data)
    if data.startswith(b"\x89PNG"):
        return b"IEND" not in data[-12:]
    if data.startswith(b"\xff\xd8"):
        return b"\xff\xd9" not in data[-64:]  # some cameras append a little after the end
    if data.startswith(b"GIF8"):
        return not data.endswith(b";")
    return bool(_bmff_cut_off(data))


def _pdf_cut_off(data: bytes) -> bool:
    # Every complete PDF ends with %%EOF (writers may add a few bytes after it).
    return b"%%EOF" not in data[-2048:]


def pdf_stream_message(max_inflated: int) -> str:
    """Return the student message for a PDF holding a stream that unpacks past `max_inflated`."""
    return (
        f"This PDF unpacks to over {_megabytes(max_inflated)}, more than a certificate needs — "
        "please save or print it again as a new PDF, or upload a photo or scan instead"
    )


_PDF_STREAM = re.compile(rb"(?<!end)stream[ \t]*(?:\r\n|\n|\r)")
_PDF_WIDTH = re.compile(rb"/Width\s+(\d{1,12})\b")
_PDF_HEIGHT = re.compile(rb"/Height\s+(\d{1,12})\b")
_INFLATE_IN = 64 * 1024
_INFLATE_OUT = 1024 * 1024


def _zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def _inflate(chunks: Iterator[bytes], limit: int) -> Iterator[bytes]:
    """Yield what zlib data unpacks to, a bounded piece at a time, stopping after `limit` bytes."""
    inflater = zlib.decompressobj()
    produced = 0
    try:
        for chunk in chunks:
            while chunk and produced <= limit and not inflater.eof:
                out = inflater.decompress(chunk, _INFLATE_OUT)
                chunk = inflater.unconsumed_tail
                produced += len(out)
                yield out
            if produced > limit or inflater.eof:
                return
    except zlib.error:
        return  # pdfium stops at damage too: what came out so far is all there is


def _pieces(data: bytes, start: int) -> Iterator[bytes]:
    for i in range(start, len(data), _INFLATE_IN):
        yield data[i : i + _INFLATE_IN]


def _stream_size(raw: Iterator[bytes], layers: int, limit: int) -> int:
    """Return how many bytes `raw` unpacks to through `layers` zlib filters (stops past `limit`)."""
    chunks = raw
    for _ in range(layers):
        chunks = _inflate(chunks, limit)
    return sum(len(chunk) for chunk in chunks)


def _check_pdf_streams(data: bytes, *, max_inflated: int, max_pixels: int) -> None:
    """Refuse a PDF whose streams unpack past `max_inflated` or whose pictures are over the cap.

    Every stream is measured by unpacking it a piece at a time and throwing the pieces away,
    so a bomb costs time in proportion to the cap and no memory, before pdfium sees it.
    """
    total = 0
    for found in _PDF_STREAM.finditer(data):
        begin = found.end()
        head = data.rfind(b"obj", max(0, found.start() - 8192), found.start())
        header = data[head : found.start()] if head >= 0 else b""
        width, height = _PDF_WIDTH.search(header), _PDF_HEIGHT.search(header)
        if b"/Image" in header and width and height:
            _check_pixels("PDF", int(width.group(1)), int(height.group(1)), max_pixels)
        raw: Iterator[bytes] = _pieces(data, begin)
        if not _zlib_header(data[begin : begin + 2]):
            # Hex or ASCII85 text first, then Flate: undo the text (it only shrinks) and look again.
            end = data.find(b"endstream", begin)
            text = data[begin : end if end >= 0 else len(data)]
            try:
                if b"/ASCIIHexDecode" in header or b"/AHx" in header:
                    decoded = bytes.fromhex(re.sub(rb"\s+", b"", text).rstrip(b">").decode())
                elif b"/ASCII85Decode" in header or b"/A85" in header:
                    decoded = base64.a85decode(text.strip(), adobe=text.strip().endswith(b"~>"))
                else:
                    continue
            except ValueError:
                continue
            if not _zlib_header(decoded[:2]):
                continue
            raw = iter([decoded])
        # Each /FlateDecode of a chain unpacks again: a bomb may be packed twice.
        layers = max(1, header.count(b"FlateDecode"))
        size = _stream_size(raw, layers, max_inflated)
        total += size
        if size > max_inflated:
            raise ImageRefused(TOO_LARGE, pdf_stream_message(max_inflated), fmt="PDF")
        if total > PDF_STREAMS_PER_CAP * max_inflated:
            # Many streams just under the cap: refused before measuring them costs minutes.
            raise ImageRefused(
                TOO_LARGE, pdf_stream_message(PDF_STREAMS_PER_CAP * max_inflated), fmt="PDF"
            )


def _check_pixels(fmt: str | None, width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise ImageRefused(
            TOO_LARGE, _pixels_message(width * height, max_pixels), fmt=fmt, size=(width, height)
        )


def _to_rgb(im: Image.Image) -> Image.Image:
    """Return `im` as 8-bit RGB: 16-bit scaled (not clipped), transparency on white, CMYK converted."""
    if im.mode.startswith("I;16") or im.mode == "I":
        # 16-bit greys span 0..65535; dividing keeps the picture, clipping would make it white.
        grey = np.asarray(im, dtype=np.float32) / 257.0
        return Image.fromarray(np.clip(grey + 0.5, 0, 255).astype(np.uint8)).convert("RGB")
    if im.mode == "F":
        values = np.asarray(im, dtype=np.float32)
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) * (255.0 / (high - low)) if high > low else values * 0
        return Image.fromarray(scaled.astype(np.uint8)).convert("RGB")
    if "A" in im.mode or "a" in im.mode or "transparency" in im.info:
        rgba = im.convert("RGBA")
        page = Image.new("RGBA", im.size, (255, 255, 255, 255))
        page.alpha_composite(rgba)
        return page.convert("RGB")
    return im.convert("RGB")


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(_ORIENTATION, 1)
    except Exception:
        return 1  # broken EXIF must not make a readable picture unreadable
    return value if isinstance(value, int) and value in _TRANSPOSE else 1


def _decode_pdf(
    data: bytes, *, max_pixels: int, box: int, page: int, max_inflated: int = MAX_PDF_STREAM
) -> _Decoded:
    _check_pdf_streams(data, max_inflated=max_inflated, max_pixels=max_pixels)
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium.raw.FPDF_ERR_PASSWORD:
            raise ImageRefused(UNREADABLE, MSG_PDF_PASSWORD, fmt="PDF") from None
        if _pdf_cut_off(data):
            raise ImageRefused(UNREADABLE, MSG_TRUNCATED, fmt="PDF") from None
        raise ImageRefused(UNREADABLE, MSG_PDF_DAMAGED, fmt="PDF") from None
    try:
        pages = len(doc)
        if pages == 0:
            raise ImageRefused(UNREADABLE, MSG_PDF_EMPTY, fmt="PDF")
        if not 0 <= page < pages:
            raise IndexError(f"page {page + 1} asked for, the PDF has {pages}")
        doc.init_forms()  # e-certificates often print the student's name in a form field
        pdf_page = doc[page]
        w_pt, h_pt = pdf_page.get_size()
        if not (w_pt > 0 and h_pt > 0 and math.isfinite(w_pt * h_pt)):
            raise ImageRefused(UNREADABLE, MSG_PDF_DAMAGED, fmt="PDF")
        # The cap applies to the page at PDF_DPI, computed before anything is rendered.
        width, height = math.ceil(w_pt * PDF_DPI / 72), math.ceil(h_pt * PDF_DPI / 72)
        _check_pixels("PDF", width, height, max_pixels)
        scale = min(PDF_DPI / 72, box / max(w_pt, h_pt))
        rendered = pdf_page.render(scale=scale).to_pil()
        pdf_page.close()
        return _Decoded(rendered.convert("RGB"), "PDF", width, height, pages, False)
    finally:
        doc.close()


def _has_image_signature(data: bytes) -> bool:
    # Starts like an accepted format but no decoder would take it: damaged, not "some other file".
    return data.startswith(_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def _open_failure(data: bytes, exc: Exception) -> str:
    """Return the message for bytes no accepted decoder would open."""
    cut_off = _bmff_cut_off(data)
    if cut_off is not None:  # HEIC or AVIF: the container tells a cut from other damage
        return MSG_TRUNCATED if cut_off else MSG_DAMAGED
    if _has_image_signature(data):
        cut = isinstance(exc, EOFError) or "truncated" in str(exc) or _ends_early(data)
        return MSG_TRUNCATED if cut else MSG_DAMAGED
    return MSG_TEXT if _looks_like_text(data) else MSG_UNKNOWN


def _bomb_pixels(exc: Exception) -> int | None:
    found = re.search(r"\((\d+) pixels\)", str(exc))
    return int(found.group(1)) if found else None


def quick_verdict(data: bytes) -> str | None:
    """Return None if `data` starts like a picture or PDF we open, else the plain message why not.

    Only headers are read and PDF streams measured (no pixels are decoded or drawn), so it is
    safe to call before a file is stored; the full check still runs later in a worker.
    """
    if not data:
        return MSG_EMPTY
    if len(data) > MAX_BYTES:
        return oversize_message(len(data))
    if _is_pdf(data):
        if b"%%EOF" not in data:  # anywhere: pdfium reads past junk after the end
            return MSG_TRUNCATED
        try:
            _check_pdf_streams(data, max_inflated=MAX_PDF_STREAM, max_pixels=MAX_PIXELS)
        except ImageRefused as refused:
            return refused.message
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as im:
                width, height = im.size
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            return _pixels_message(_bomb_pixels(exc), MAX_PIXELS)
        except Exception as exc:
            return _open_failure(data, exc)
    if width * height > MAX_PIXELS:
        return _pixels_message(width * height, MAX_PIXELS)
    return None


def _decode(
    data: bytes,
    *,
    max_pixels: int,
    max_bytes: int,
    box: int,
    page: int = 0,
    max_inflated: int = MAX_PDF_STREAM,
) -> _Decoded:
    """Decode one page of `data` once, reduced towards `box`; raise ImageRefused when it must not be."""
    if not data:
        raise ImageRefused(UNREADABLE, MSG_EMPTY)
    if len(data) > max_bytes:
        raise ImageRefused(TOO_LARGE, oversize_message(len(data), max_bytes))
    if _is_pdf(data):
        return _decode_pdf(
            data, max_pixels=max_pixels, box=box, page=page, max_inflated=max_inflated
        )
    with warnings.catch_warnings():
        # Pillow warns (rather than fails) between its own limit and twice that; a bomb is a bomb.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRefused(TOO_LARGE, _pixels_message(_bomb_pixels(exc), max_pixels)) from None
        except Exception as exc:
            raise ImageRefused(UNREADABLE, _open_failure(data, exc)) from None
    with im:
        fmt = im.format or "image"
        width, height = im.size
        _check_pixels(fmt, width, height, max_pixels)
        pages = 1
        if fmt == "TIFF":
            pages = getattr(im, "n_frames", 1)
            if not 0 <= page < pages:
                raise IndexError(f"page {page + 1} asked for, the file has {pages}")
            if page:
                im.seek(page)
                width, height = im.size
                _check_pixels(fmt, width, height, max_pixels)
        elif page != 0:
            raise IndexError(f"page {page + 1} asked for, the file has 1")
        if fmt in ("JPEG", "MPO"):
            # Reduced-size decoding still reads every compressed byte, so this one decode both
            # validates the whole file and yields a picture just large enough for `box`.
            im.draft("RGB", (box, box))
        try:
            im.load()
        except MemoryError:
            raise ImageRefused(TOO_LARGE, MSG_MEMORY, fmt=fmt) from None
        except Exception as exc:
            cut = isinstance(exc, EOFError) or "truncated" in str(exc) or _ends_early(data)
            raise ImageRefused(UNREADABLE, MSG_TRUNCATED if cut else MSG_DAMAGED, fmt=fmt) from None
        orientation = _orientation(im)
        rgb = _to_rgb(im)
        # An MPO's second picture is a depth or preview image, not an animation frame.
        animated = fmt in _ANIMATED and bool(getattr(im, "is_animated", False))
    if orientation != 1:
        rgb = rgb.transpose(_TRANSPOSE[orientation])
        if orientation >= 5:
            width, height = height, width
    return _Decoded(rgb, fmt, width, height, pages, animated)


def _jpeg(img: Image.Image, quality: int) -> bytes:
    img.info.clear()  # nothing from the upload (EXIF, GPS, ICC, comments) may leave with it
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _fit(img: Image.Image, side: int) -> Image.Image:
    img = img.copy() if max(img.size) > side else img
    img.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return img


def phash(img: Image.Image) -> str:
    """Return the 64-bit DCT perceptual hash of the middle 90% of `img` as 16 hex digits."""
    # The outer margin is where two photos of one certificate differ most (framing, the desk
    # around it), so it is left out; this keeps 3% crops within NEAR_DUPLICATE_DISTANCE.
    w, h = img.size
    mx, my = int(w * _HASH_MARGIN), int(h * _HASH_MARGIN)
    middle = img.convert("L").crop((mx, my, w - mx, h - my))
    small = middle.resize((_N, _N), Image.Resampling.LANCZOS)
    coeffs = _DCT @ np.asarray(small, dtype=np.float64) @ _DCT.T
    low = coeffs[:8, :8].flatten()
    bits = low > np.median(low)
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def phash_distance(a: str, b: str) -> int:
    """Return how many of the 64 bits differ between two perceptual hashes (0 = same picture)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _accepted_message(decoded: _Decoded) -> str:
    label = format_label(decoded.format)
    article = "an" if label[0] in "AEIOU" else "a"
    if decoded.pages > 1:
        label += f" ({decoded.pages} pages)"
    elif decoded.animated:
        label += " (animated; the first frame is shown)"
    return f"This is {article} {label} — accepted"


def inspect_image(
    data: bytes,
    *,
    max_pixels: int = MAX_PIXELS,
    max_bytes: int = MAX_BYTES,
    max_inflated: int = MAX_PDF_STREAM,
) -> ImageReport:
    """Return what `data` is, whether it is acceptable, and its thumbnail and hash; never raise.

    `max_inflated` caps what one stream of a PDF may unpack to.

    >>> inspect_image(b"").message
    'The file is empty (0 bytes) — please upload it again'
    """
    try:
        decoded = _decode(
            data,
            max_pixels=max_pixels,
            max_bytes=max_bytes,
            box=THUMB_SIZE,
            max_inflated=max_inflated,
        )
        thumb = _fit(decoded.image, THUMB_SIZE)
        return ImageReport(
            format=decoded.format,
            width=decoded.width,
            height=decoded.height,
            pixels=decoded.width * decoded.height,
            pages=decoded.pages,
            phash=phash(thumb),
            flag=None,
            message=_accepted_message(decoded),
            thumbnail=_jpeg(thumb, 80),
        )
    except ImageRefused as refused:
        w, h = refused.size or (None, None)
        pixels = w * h if w is not None and h is not None else None
        return ImageReport(
            refused.format, w, h, pixels, 0, None, refused.flag, refused.message, None
        )
    except MemoryError:
        return ImageReport(None, None, None, None, 0, None, TOO_LARGE, MSG_MEMORY, None)
    except Exception:
        # Decoders meet hostile bytes here; whatever they throw, the upload is just unreadable.
        return ImageReport(None, None, None, None, 0, None, UNREADABLE, MSG_DAMAGED, None)


def render_preview(data: bytes, page: int = 0, max_side: int = PREVIEW_SIZE) -> bytes:
    """Return a metadata-free JPEG of one page, at most `max_side` pixels on its longer side.

    Raise ImageRefused when the file cannot be shown and IndexError for a page it does not have.
    """
    try:
        decoded = _decode(data, max_pixels=MAX_PIXELS, max_bytes=MAX_BYTES, box=max_side, page=page)
    except (ImageRefused, IndexError):
        raise
    except Exception:
        raise ImageRefused(UNREADABLE, MSG_DAMAGED) from None
    return _jpeg(_fit(decoded.image, max_side), 85)


def page_count(data: bytes) -> int:
    """Return how many pages the detail view can show: PDF and TIFF pages, 1 for a picture, 0 if unreadable."""
    try:
        if _is_pdf(data):
            _check_pdf_streams(data, max_inflated=MAX_PDF_STREAM, max_pixels=MAX_PIXELS)
            doc = pdfium.PdfDocument(data)
            try:
                return len(doc)
            finally:
                doc.close()
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as im:
                return getattr(im, "n_frames", 1) if im.format == "TIFF" else 1
    except Exception:
        return 0
