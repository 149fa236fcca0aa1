"""The limits an upload must keep, the flags and plain messages when it does not, and the refusal that carries them."""

from __future__ import annotations

import re
from functools import cache

from certreview.i18n import N_, _, catalog, get_language

MAX_PIXELS = 60_000_000  # a 12 MP phone photo is 12 M; 60 M leaves room for 600 dpi A4 scans
MAX_BYTES = 30 * 1024 * 1024
PDF_DPI = 200  # the resolution at which a PDF page counts as pixels against MAX_PIXELS
# pdfium unpacks a whole stream into memory: a 6 MB PDF can hold a 6 GB stream. The largest
# honest stream is a page picture at MAX_PIXELS in CMYK (240 MB).
MAX_PDF_STREAM = 256 * 1024 * 1024
PDF_STREAMS_PER_CAP = 4  # all streams of one PDF together may unpack to 4 times the cap

MSG_EMPTY = N_("The file is empty (0 bytes) — please upload it again")
MSG_TRUNCATED = N_("The file is cut off — please upload it again")
MSG_DAMAGED = N_("The file is damaged and cannot be opened — please upload it again")
MSG_TEXT = N_(
    "This is a text file, not a picture of the certificate — "
    "please upload a photo, scan or PDF of the certificate"
)
MSG_UNKNOWN = N_(
    "This file is not a picture or PDF we can open — "
    "please upload a JPEG, PNG, HEIC or PDF copy of the certificate"
)
MSG_PDF_PASSWORD = N_("This PDF is password-protected — please upload an unprotected copy")
MSG_PDF_DAMAGED = N_(
    "This PDF is damaged and cannot be opened — please download it again and re-upload"
)
MSG_PDF_EMPTY = N_("This PDF has no pages — please upload the certificate itself")
MSG_CRASHED = N_(
    "The file could not be checked: opening it stopped the image checker "
    "(it may need too much memory) — please upload a smaller copy, a photo or a scan"
)
MSG_MEMORY = N_(
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


# Messages with values are kept in plain English in the database, like the constants above
# (message_code reads them), and shown in the reader's language by `note_in_language`.
def oversize_message(n_bytes: int, max_bytes: int = MAX_BYTES) -> str:
    """Return the student message for a file of `n_bytes` over the `max_bytes` limit."""
    return N_(
        "The file is {size}, over the {limit} limit — "
        "please upload a smaller copy (a phone photo or a 300 dpi scan is enough)"
    ).format(size=_megabytes(n_bytes), limit=_megabytes(max_bytes))


def pixels_message(pixels: int | None, max_pixels: int) -> str:
    """Return the student message for a picture of `pixels` over the `max_pixels` cap."""
    if pixels:
        millions = f"{pixels / 1e6:.0f}" if pixels >= 10e6 else f"{pixels / 1e6:.1f}"
        size = N_("{millions} megapixels").format(millions=millions)
    else:
        size = N_("too many pixels")
    return N_(
        "The picture is {size}, over the safety limit of {limit} megapixels — "
        "please upload a smaller copy"
    ).format(size=size, limit=f"{max_pixels / 1e6:g}")


def check_pixels(fmt: str | None, width: int, height: int, max_pixels: int) -> None:
    """Raise ImageRefused when a WIDTH by HEIGHT picture of format FMT is over `max_pixels`."""
    if width * height > max_pixels:
        raise ImageRefused(
            TOO_LARGE, pixels_message(width * height, max_pixels), fmt=fmt, size=(width, height)
        )


def pdf_stream_message(max_inflated: int) -> str:
    """Return the student message for a PDF holding a stream that unpacks past `max_inflated`."""
    return N_(
        "This PDF unpacks to over {size}, more than a certificate needs — "
        "please save or print it again as a new PDF, or upload a photo or scan instead"
    ).format(size=_megabytes(max_inflated))


# Parts of a stored note that are words themselves (a size, a refusal before an added remark,
# the name of a format).
_NESTED = {"size", "verdict", "label"}


@cache
def _stored_patterns(language: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """Return (regex, template) for every catalog message with values, longest literal first."""
    import string

    found = []
    for template in catalog(language):
        parts = list(string.Formatter().parse(template))
        if len(parts) < 2 and parts and parts[0][1] is None:
            continue  # no values: translated by a plain lookup
        regex, seen, literal = "", set(), 0
        for text, field, _spec, _conv in parts:
            regex += re.escape(text)
            literal += len(text)
            if field is not None:
                regex += f"(?P={field})" if field in seen else f"(?P<{field}>.+?)"
                seen.add(field)
        if literal >= 10:  # short templates ("{n} added") would match any note
            found.append((literal, re.compile(regex + "(?P<_rest>.*)$", re.S), template))
    found.sort(key=lambda item: -item[0])
    return tuple((pattern, template) for _, pattern, template in found)


def note_in_language(note: str | None) -> str:
    """Return a note intake stored (plain English, e.g. an image refusal) in the reader's language.

    >>> from certreview.i18n import set_language
    >>> _ = set_language("zh-TW")
    >>> note_in_language(pixels_message(72_000_000, MAX_PIXELS))
    '圖片有 72 百萬像素，超過安全上限 60 百萬像素 — 請上傳較小的檔案'
    >>> _ = set_language(None)
    """
    if not note or get_language() == "en":
        return note or ""
    plain = _(note)
    if plain != note:
        return plain
    for pattern, template in _stored_patterns(get_language()):
        match = pattern.match(note)
        if match is None:
            continue
        values = {k: v for k, v in match.groupdict().items() if k != "_rest"}
        for key in _NESTED & values.keys():
            values[key] = note_in_language(values[key])
        rest = match.group("_rest")
        return _(template).format(**values) + (note_in_language(rest) if rest else "")
    for constant in _MESSAGE_CODES:  # a constant with a remark added after it
        if note.startswith(constant) and note != constant:
            return _(constant) + note_in_language(note[len(constant) :])
    return note
