"""Decode each upload once, within the limits, into what intake keeps: format, size, thumbnail, hash."""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pillow_heif
from PIL import Image

from certreview.i18n import N_
from certreview.images.features import WORK_PIXELS, compute_features, work_box
from certreview.images.formats import (
    ACCEPTED_FORMATS,
    ends_early,
    format_label,
    is_pdf,
    open_failure,
)
from certreview.images.limits import (
    MAX_BYTES,
    MAX_PDF_STREAM,
    MAX_PIXELS,
    MSG_DAMAGED,
    MSG_EMPTY,
    MSG_MEMORY,
    MSG_TRUNCATED,
    TOO_LARGE,
    UNREADABLE,
    ImageRefused,
    check_pixels,
    oversize_message,
    pixels_message,
)
from certreview.images.pdf import check_pdf_streams, count_pdf_pages, render_pdf
from certreview.images.phash import phash

# HEIC support is registered here, not at package import, so a script that never touches
# images does not pay for (or depend on) libheif.
pillow_heif.register_heif_opener()

THUMB_SIZE = 320
PREVIEW_SIZE = 1600
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
    features: bytes | None = None  # `Features.to_bytes()`, when asked for


@dataclass
class _Decoded:
    image: Image.Image  # RGB, upright, reduced to about the requested box
    format: str
    width: int  # full size, upright
    height: int
    pages: int
    animated: bool


def oversize_report(n_bytes: int, max_bytes: int = MAX_BYTES) -> ImageReport:
    """Return the report for a file refused by its byte size alone, without reading it."""
    return ImageReport(
        None, None, None, None, 0, None, TOO_LARGE, oversize_message(n_bytes, max_bytes), None
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
    if is_pdf(data):
        if b"%%EOF" not in data:  # anywhere: pdfium reads past junk after the end
            return MSG_TRUNCATED
        try:
            check_pdf_streams(data, max_inflated=MAX_PDF_STREAM, max_pixels=MAX_PIXELS)
        except ImageRefused as refused:
            return refused.message
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        # Damaged EXIF makes Pillow warn and go on: the picture is judged by its pixels.
        warnings.simplefilter("ignore", UserWarning)
        try:
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as im:
                width, height = im.size
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            return pixels_message(_bomb_pixels(exc), MAX_PIXELS)
        except Exception as exc:
            return open_failure(data, exc)
    if width * height > MAX_PIXELS:
        return pixels_message(width * height, MAX_PIXELS)
    return None


def _decode(
    data: bytes,
    *,
    max_pixels: int,
    max_bytes: int,
    box: int,
    page: int = 0,
    max_inflated: int = MAX_PDF_STREAM,
    work: bool = False,
) -> _Decoded:
    """Decode one page of `data` once, reduced towards `box`; raise ImageRefused when it must not be.

    With `work`, no smaller than the work size of the copy features (about WORK_PIXELS).
    """
    if not data:
        raise ImageRefused(UNREADABLE, MSG_EMPTY)
    if len(data) > max_bytes:
        raise ImageRefused(TOO_LARGE, oversize_message(len(data), max_bytes))
    if is_pdf(data):
        if work:
            box = max(box, int((WORK_PIXELS * 2) ** 0.5))  # the long side of a 1:2 page
        image, width, height, pages = render_pdf(
            data, max_pixels=max_pixels, box=box, page=page, max_inflated=max_inflated
        )
        return _Decoded(image, "PDF", width, height, pages, False)
    with warnings.catch_warnings():
        # Pillow warns (rather than fails) between its own limit and twice that; a bomb is a bomb.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        # Damaged EXIF makes Pillow warn and go on: the picture is judged by its pixels.
        warnings.simplefilter("ignore", UserWarning)
        try:
            im = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRefused(TOO_LARGE, pixels_message(_bomb_pixels(exc), max_pixels)) from None
        except Exception as exc:
            raise ImageRefused(UNREADABLE, open_failure(data, exc)) from None
    with im:
        fmt = im.format or "image"
        width, height = im.size
        check_pixels(fmt, width, height, max_pixels)
        pages = 1
        if fmt == "TIFF":
            pages = getattr(im, "n_frames", 1)
            if not 0 <= page < pages:
                raise IndexError(f"page {page + 1} asked for, the file has {pages}")
            if page:
                im.seek(page)
                width, height = im.size
                check_pixels(fmt, width, height, max_pixels)
        elif page != 0:
            raise IndexError(f"page {page + 1} asked for, the file has 1")
        if fmt in ("JPEG", "MPO"):
            # Reduced-size decoding still reads every compressed byte, so this one decode both
            # validates the whole file and yields a picture just large enough for `box`.
            im.draft("RGB", work_box(width, height) if work else (box, box))
        try:
            im.load()
        except MemoryError:
            raise ImageRefused(TOO_LARGE, MSG_MEMORY, fmt=fmt) from None
        except Exception as exc:
            cut = isinstance(exc, EOFError) or "truncated" in str(exc) or ends_early(data)
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


def _fit(img: Image.Image, side: int, reducing_gap: float = 3.0) -> Image.Image:
    img = img.copy() if max(img.size) > side else img
    img.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=reducing_gap)
    return img


def _accepted_message(decoded: _Decoded) -> str:
    """Return the stored note for an accepted upload (plain English; see `note_in_language`)."""
    label = format_label(decoded.format)
    if label[0] in "AEIOU":
        if decoded.pages > 1:
            template = N_("This is an {label} ({pages} pages) — accepted")
        elif decoded.animated:
            template = N_("This is an {label} (animated; the first frame is shown) — accepted")
        else:
            template = N_("This is an {label} — accepted")
    elif decoded.pages > 1:
        template = N_("This is a {label} ({pages} pages) — accepted")
    elif decoded.animated:
        template = N_("This is a {label} (animated; the first frame is shown) — accepted")
    else:
        template = N_("This is a {label} — accepted")
    return template.format(label=label, pages=decoded.pages)


def inspect_image(
    data: bytes,
    *,
    max_pixels: int = MAX_PIXELS,
    max_bytes: int = MAX_BYTES,
    max_inflated: int = MAX_PDF_STREAM,
    features: bool = False,
) -> ImageReport:
    """Return what `data` is, whether it is acceptable, and its thumbnail and hash; never raise.

    `max_inflated` caps what one stream of a PDF may unpack to. With `features`, the report
    also carries the copy-check features (`images/features.py`), from the same decode.

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
            work=features,
        )
        found = compute_features(decoded.image).to_bytes() if features else None
        # Decoded larger for the features, the picture is box-reduced first (cheap, alias-free).
        thumb = _fit(decoded.image, THUMB_SIZE, 1.0 if features else 3.0)
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
            features=found,
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
        if is_pdf(data):
            return count_pdf_pages(data)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Damaged EXIF makes Pillow warn and go on: the picture is judged by its pixels.
            warnings.simplefilter("ignore", UserWarning)
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as im:
                return getattr(im, "n_frames", 1) if im.format == "TIFF" else 1
    except Exception:
        return 0
