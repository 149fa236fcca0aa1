"""Name what an upload's bytes are: the accepted formats, their plain labels, and why bytes will not open."""

from __future__ import annotations

from certreview.i18n import N_
from certreview.images.limits import MSG_DAMAGED, MSG_TEXT, MSG_TRUNCATED, MSG_UNKNOWN

# Only these decoders may touch student uploads: Pillow also knows formats (EPS calls
# Ghostscript, for one) that have no business in a certificate intake. The JPEG opener also
# yields MPO (the multi-picture JPEG of phone cameras).
ACCEPTED_FORMATS = ("JPEG", "PNG", "HEIF", "WEBP", "AVIF", "TIFF", "GIF", "BMP")

FORMAT_LABELS = {
    "JPEG": N_("JPEG photo or scan"),
    "MPO": N_("JPEG photo from a phone camera (MPO)"),
    "PNG": N_("PNG image"),
    "HEIF": N_("HEIC photo from an iPhone"),
    "WEBP": N_("WebP image"),
    "AVIF": N_("AVIF image"),
    "TIFF": N_("TIFF scan"),
    "GIF": N_("GIF image"),
    "BMP": N_("BMP image"),
    "PDF": N_("PDF e-certificate"),
}

_SIGNATURES = (
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",
    b"MM\x00*",
    b"BM",
)


def format_label(fmt: str) -> str:
    """Return the plain name of a format as `ImageReport.format` spells it, e.g. "PDF e-certificate"."""
    return FORMAT_LABELS.get(fmt) or N_("{fmt} file").format(fmt=fmt)


def is_pdf(data: bytes) -> bool:
    """Return whether `data` is a PDF."""
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


def ends_early(data: bytes) -> bool:
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


def _has_image_signature(data: bytes) -> bool:
    # Starts like an accepted format but no decoder would take it: damaged, not "some other file".
    return data.startswith(_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def open_failure(data: bytes, exc: Exception) -> str:
    """Return the message for bytes no accepted decoder would open."""
    cut_off = _bmff_cut_off(data)
    if cut_off is not None:  # HEIC or AVIF: the container tells a cut from other damage
        return MSG_TRUNCATED if cut_off else MSG_DAMAGED
    if _has_image_signature(data):
        cut = isinstance(exc, EOFError) or "truncated" in str(exc) or ends_early(data)
        return MSG_TRUNCATED if cut else MSG_DAMAGED
    return MSG_TEXT if _looks_like_text(data) else MSG_UNKNOWN
