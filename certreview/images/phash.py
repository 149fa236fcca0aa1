"""The perceptual hash of a picture, and how many of its bits two hashes differ in."""

from __future__ import annotations

import numpy as np
from PIL import Image

NEAR_DUPLICATE_DISTANCE = 10  # of 64 bits; measured on re-encoded, resized and cropped copies
_N = 32
_HASH_MARGIN = 0.05
_DCT = np.cos(np.pi * np.outer(np.arange(_N), 2 * np.arange(_N) + 1) / (2 * _N))


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
