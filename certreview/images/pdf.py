"""Keep PDFs safe and draw them: measure every stream before pdfium unpacks it, size the page, render it."""

from __future__ import annotations

import base64
import math
import re
import zlib
from collections.abc import Iterator

import pypdfium2 as pdfium
from PIL import Image

from certreview.images.limits import (
    MAX_PDF_STREAM,
    MAX_PIXELS,
    MSG_PDF_DAMAGED,
    MSG_PDF_EMPTY,
    MSG_PDF_PASSWORD,
    MSG_TRUNCATED,
    PDF_DPI,
    PDF_STREAMS_PER_CAP,
    TOO_LARGE,
    UNREADABLE,
    ImageRefused,
    check_pixels,
    pdf_stream_message,
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


def check_pdf_streams(data: bytes, *, max_inflated: int, max_pixels: int) -> None:
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
            check_pixels("PDF", int(width.group(1)), int(height.group(1)), max_pixels)
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


def _pdf_cut_off(data: bytes) -> bool:
    # Every complete PDF ends with %%EOF (writers may add a few bytes after it).
    return b"%%EOF" not in data[-2048:]


def render_pdf(
    data: bytes, *, max_pixels: int, box: int, page: int, max_inflated: int = MAX_PDF_STREAM
) -> tuple[Image.Image, int, int, int]:
    """Return one page drawn to about `box` in RGB, its full size at PDF_DPI and the page count."""
    check_pdf_streams(data, max_inflated=max_inflated, max_pixels=max_pixels)
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
        check_pixels("PDF", width, height, max_pixels)
        scale = min(PDF_DPI / 72, box / max(w_pt, h_pt))
        rendered = pdf_page.render(scale=scale).to_pil()
        pdf_page.close()
        return rendered.convert("RGB"), width, height, pages
    finally:
        doc.close()


def count_pdf_pages(data: bytes) -> int:
    """Return how many pages a PDF has, measuring its streams first; raise if it cannot be opened."""
    check_pdf_streams(data, max_inflated=MAX_PDF_STREAM, max_pixels=MAX_PIXELS)
    doc = pdfium.PdfDocument(data)
    try:
        return len(doc)
    finally:
        doc.close()
