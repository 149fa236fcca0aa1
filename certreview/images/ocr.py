"""Read a certificate's text with RapidOCR (the optional `ocr` extra), one upload at a time.

The models (PP-OCRv6 small detection and recognition, the PP-OCR text-angle classifier) ship
inside the `rapidocr` wheel and the engine is pointed at those files (MODELS): nothing is
downloaded at run time, and a missing file is an error, not a download. `rapidocr` needs
OpenCV's headless wheel, the one intake uses, so the OCR extra brings no GUI libraries (Qt,
libGL). Each worker process holds one engine with one onnxruntime thread (OCR_THREADS): two
workers of one thread each on two cores read faster than one process with two threads, whose
threads spend much of their CPU waiting for each other
(`benchmarks/bench_ocr.py --workers 1 --threads 2`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from certreview.images.inspect import _decode, _fit
from certreview.images.limits import MAX_BYTES, MAX_PIXELS, ImageRefused
from certreview.rules.reading import Line

READ_SIDE = 1280  # the longest side OCR reads, in pixels: 1280 keeps 26-px small print legible
ENGINE = "rapidocr PP-OCRv6"
OCR_THREADS = 1  # onnxruntime threads per engine; the pass runs one engine per core instead
# Text is found on the picture scaled to at most DET_SIDE px on its longer side (RapidOCR's
# default scales the shorter side up to 736: a 590 x 1280 phone screenshot to 736 x 1597); the
# lines found are then read from the READ_SIDE picture, so small print keeps its pixels.
DET_SIDE = 1024
# The model files inside the rapidocr wheel (rapidocr/models/), one per step.
MODELS = {
    "Det": "PP-OCRv6_det_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
}
# Text lines are recognised one at a time: in batches, each line is padded to the widest of its
# batch, which cost 0.43 instead of 0.31 s of recognition per certificate (PP-OCRv6, one process).
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
        import onnxruntime  # noqa: F401
        import opencc  # noqa: F401
        import rapidocr  # noqa: F401
    except ImportError:
        return False
    return True


def require_ocr() -> None:
    """Raise OcrMissing, with the pip command, when the OCR extra is not installed."""
    if not ocr_available():
        raise OcrMissing(PIP_INSTALL)


def model_files() -> dict[str, Path]:
    """Return the model file of each step (Det, Cls, Rec), inside the installed rapidocr."""
    require_ocr()
    import rapidocr

    folder = Path(rapidocr.__file__).resolve().parent / "models"
    return {step: folder / name for step, name in MODELS.items()}


@lru_cache(maxsize=2)
def _engine(threads: int = OCR_THREADS) -> Any:
    require_ocr()
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    from rapidocr import RapidOCR

    params: dict[str, Any] = {
        "Global.log_level": "error",  # not a warning line per page without text
        "EngineConfig.onnxruntime.intra_op_num_threads": threads,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        "Det.limit_type": "max",
        "Det.limit_side_len": DET_SIDE,
        "Rec.rec_batch_num": REC_BATCH,
    }
    # With a model_path, RapidOCR loads that file; without, it checks its own and may download.
    params.update({f"{step}.model_path": str(path) for step, path in model_files().items()})
    return RapidOCR(params=params)


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
    # RapidOCR takes OpenCV's channel order (BGR). A page without text gives no boxes or texts.
    result = _engine(threads)(np.ascontiguousarray(np.asarray(image)[:, :, ::-1]))
    found = (
        zip(result.boxes, result.txts, result.scores, strict=True)
        if getattr(result, "txts", None)
        else ()
    )
    lines = tuple(
        Line(
            str(text),
            tuple((round(float(x) / width, 4), round(float(y) / height, 4)) for x, y in box),
            round(float(score), 3),
        )
        for box, text, score in found
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
