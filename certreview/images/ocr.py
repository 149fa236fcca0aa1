"""Read a certificate's text with RapidOCR (the optional `ocr` extra), one upload at a time.

The models (PP-OCRv4) ship inside the `rapidocr-onnxruntime` wheel: nothing is downloaded at
run time. Each worker process holds one engine with one onnxruntime thread (OCR_THREADS): two
workers of one thread each on two cores read 1.24 uploads/s where one process with two threads
reads 0.89, its threads spending much of their CPU waiting for each other
(`benchmarks/bench_ocr.py --workers 1 --threads 2`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from certreview.images.inspect import _decode, _fit
from certreview.images.limits import MAX_BYTES, MAX_PIXELS, ImageRefused
from certreview.rules.reading import Line

READ_SIDE = 1280  # the longest side OCR reads, in pixels: 1280 keeps 26-px small print legible
ENGINE = "rapidocr-onnxruntime"
OCR_THREADS = 1  # onnxruntime threads per engine; the pass runs one engine per core instead
# Text lines are recognised one at a time: in batches, each line is padded to the widest of its
# batch, which cost 0.88 instead of 0.54 CPU s per certificate (benchmarks/bench_ocr.py).
REC_BATCH = 1
PIP_INSTALL = 'pip install "certreview[ocr]"'


class OcrMissing(RuntimeError):
    """The optional OCR packages are not installed."""


@dataclass(frozen=True)
class Reading:
    """The lines one upload's first page reads as, boxes as fractions of the page, or why none."""

    lines: tuple[Line, ...]
    width: int  # of the picture read (at most READ_SIDE on its longer side)
    height: int
    seconds: float
    problem: str | None = None
    cpu_seconds: float = 0.0  # of the process that read it


def ocr_available() -> bool:
    """Return True when the OCR extra (RapidOCR, onnxruntime, OpenCC) is installed."""
    try:
        import opencc  # noqa: F401
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def require_ocr() -> None:
    """Raise OcrMissing, with the pip command, when the OCR extra is not installed."""
    if not ocr_available():
        raise OcrMissing(PIP_INSTALL)


@lru_cache(maxsize=2)
def _engine(threads: int = OCR_THREADS) -> Any:
    require_ocr()
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    from rapidocr_onnxruntime import RapidOCR

    # RapidOCR 1.4 copies the global thread counts to each model; names like
    # "Det.intra_op_num_threads" are silently ignored (then onnxruntime takes every core).
    return RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1, rec_batch_num=REC_BATCH)


@lru_cache(maxsize=1)
def _converter() -> Any:
    require_ocr()
    import opencc

    return opencc.OpenCC("t2s")


def fold_chinese(text: str) -> str:
    """Return TEXT with traditional characters folded to simplified (陳 and 陈 read alike).

    >>> fold_chinese("陳") == fold_chinese("陈")  # doctest: +SKIP
    True
    """
    return _converter().convert(text)


def read_image(data: bytes, side: int = READ_SIDE, threads: int = OCR_THREADS) -> Reading:
    """Return the text lines of the first page of DATA, read at most SIDE pixels on its longer side."""
    start, cpu = time.perf_counter(), time.process_time()
    try:
        decoded = _decode(data, max_pixels=MAX_PIXELS, max_bytes=MAX_BYTES, box=side)
    except ImageRefused as refused:
        return Reading((), 0, 0, time.perf_counter() - start, refused.message)
    except Exception:
        return Reading((), 0, 0, time.perf_counter() - start, "unreadable")
    image = _fit(decoded.image, side)
    return read_picture(image, start, threads, cpu)


def read_picture(
    image: Any, start: float | None = None, threads: int = OCR_THREADS, cpu: float | None = None
) -> Reading:
    """Return the text lines of a decoded RGB Pillow picture."""
    import numpy as np

    start = time.perf_counter() if start is None else start
    cpu = time.process_time() if cpu is None else cpu
    width, height = image.size
    # RapidOCR takes OpenCV's channel order (BGR).
    result, _ = _engine(threads)(np.asarray(image)[:, :, ::-1])
    lines = tuple(
        Line(
            str(text),
            tuple((round(float(x) / width, 4), round(float(y) / height, 4)) for x, y in box),
            round(float(score), 3),
        )
        for box, text, score in (result or [])
    )
    return Reading(
        lines, width, height, time.perf_counter() - start, cpu_seconds=time.process_time() - cpu
    )


def read_path(path: str) -> Reading:
    """Return the reading of the file at PATH (so workers read the bytes, not the parent)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return Reading((), 0, 0, 0.0, "missing")
    return read_image(data)
