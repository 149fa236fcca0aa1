"""What intake keeps of each picture to find its copies later: ORB keypoints and a work image.

Computed once per upload, from the decode intake already does (`inspect_image(...,
features=True)`), and kept in the image store beside the thumbnail, keyed by the file's hash
(`ImageStore.save_features`): derived from the bytes alone, so it never goes stale, and the
database stays small. The work image is grayscale, about WORK_PIXELS (names ~80 px tall,
certificate numbers ~12-20 px): legible enough to tell one holder's certificate from another
of the same template (`samepaper.py` compares them).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

WORK_PIXELS = 1_000_000
MAX_KEYPOINTS = 500
JPEG_QUALITY = 85
_MAGIC = b"CRF1"
_HEAD = "<4sHHII"  # magic, work width, height, keypoints, bytes of the work image

cv2.setNumThreads(1)  # intake runs one image per worker: threads would only fight for cores
_ORB = cv2.ORB_create(
    nfeatures=2 * MAX_KEYPOINTS, scaleFactor=1.2, nlevels=6, edgeThreshold=15, fastThreshold=12
)
_GRID = 4  # keypoints are spread over GRID x GRID cells of the picture


@dataclass
class Features:
    """ORB keypoints (at work size) and the grayscale work image of one picture."""

    size: tuple[int, int]  # work size (w, h)
    xy: np.ndarray  # (n, 2) float32 keypoint positions
    desc: np.ndarray  # (n, 32) uint8 ORB descriptors
    gray_jpeg: bytes
    _gray: np.ndarray | None = field(default=None, repr=False)

    def gray(self) -> np.ndarray:
        """Return the work image as a uint8 array (decoded once)."""
        gray = self._gray  # one read: another thread's check may release it meanwhile
        if gray is None:
            gray = cv2.imdecode(np.frombuffer(self.gray_jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
            if gray is None:
                raise ValueError("damaged work image")
            self._gray = gray
        return gray

    def release(self) -> None:
        """Forget the decoded work image (about 1 MB); `gray` decodes it again when asked."""
        self._gray = None

    def to_bytes(self) -> bytes:
        """Return the features as one small file: header, keypoints, descriptors, work image."""
        head = struct.pack(_HEAD, _MAGIC, *self.size, len(self.xy), len(self.gray_jpeg))
        return head + self.xy.astype(np.float16).tobytes() + self.desc.tobytes() + self.gray_jpeg

    @classmethod
    def from_bytes(cls, data: bytes) -> Features:
        """Read what `to_bytes` wrote; raise ValueError for anything else."""
        off = struct.calcsize(_HEAD)
        if len(data) < off:
            raise ValueError("not a features file")
        magic, w, h, n, n_jpeg = struct.unpack_from(_HEAD, data)
        if magic != _MAGIC or len(data) != off + 36 * n + n_jpeg:
            raise ValueError("not a features file")
        xy = np.frombuffer(data, np.float16, 2 * n, off).reshape(n, 2).astype(np.float32)
        off += 4 * n
        desc = np.frombuffer(data, np.uint8, 32 * n, off).reshape(n, 32).copy()
        return cls((w, h), xy, desc, data[off + 32 * n :])


def work_box(width: int, height: int) -> tuple[int, int]:
    """Return the size a picture of WIDTH x HEIGHT is reduced to for its features.

    One within a third of WORK_PIXELS is kept as it is: resampling it would cost more than
    the few extra pixels.

    >>> work_box(2480, 1748), work_box(1240, 874), work_box(800, 600)
    ((1191, 840), (1240, 874), (800, 600))
    """
    if width * height <= WORK_PIXELS * 4 // 3:
        return width, height
    s = (WORK_PIXELS / (width * height)) ** 0.5
    return max(1, round(width * s)), max(1, round(height * s))


def compute_features(image: Image.Image) -> Features:
    """Return the features of an upright picture (any mode, any size)."""
    if image.mode == "RGB":
        arr = cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2GRAY)
    else:
        arr = np.asarray(image.convert("L"))
    size = work_box(arr.shape[1], arr.shape[0])
    if size != (arr.shape[1], arr.shape[0]):
        arr = cv2.resize(arr, size, interpolation=cv2.INTER_AREA)
    keypoints, desc = _ORB.compute(arr, _spread(_ORB.detect(arr, None), arr.shape))
    if desc is None or not keypoints:
        xy, desc = np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8)
    else:
        xy = np.float32([k.pt for k in keypoints]).reshape(-1, 2)
    ok, jpeg = cv2.imencode(".jpg", arr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ValueError("the work image could not be encoded")
    return Features(size, xy, desc, jpeg.tobytes(), arr)


def _spread(keypoints: tuple[cv2.KeyPoint, ...], shape: tuple[int, ...]) -> list[cv2.KeyPoint]:
    """Return the MAX_KEYPOINTS strongest keypoints, at most a fair share from each grid cell.

    The strongest corners of a certificate sit on the holder's large name; without a share per
    cell the matched region of a screenshot can shrink to the name alone, too little to compare.
    """
    h, w = shape[:2]
    cells: dict[tuple[int, int], list[cv2.KeyPoint]] = {}
    for k in sorted(keypoints, key=lambda k: -k.response):
        cell = (min(_GRID - 1, int(k.pt[0] * _GRID / w)), min(_GRID - 1, int(k.pt[1] * _GRID / h)))
        cells.setdefault(cell, []).append(k)
    share = MAX_KEYPOINTS // (_GRID * _GRID)
    chosen = [k for found in cells.values() for k in found[:share]]
    rest = sorted((k for found in cells.values() for k in found[share:]), key=lambda k: -k.response)
    return chosen + rest[: MAX_KEYPOINTS - len(chosen)]
