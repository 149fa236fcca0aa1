"""Check a perceptual-hash match pixel by pixel: the same picture, or only the same template?

A 64-bit perceptual hash cannot tell two certificates of one template apart (same border,
same layout, only the name and number differ: the department's own samples are such a set),
so a hash match is a candidate, not a verdict. When both files have the same frame (equal
size, or one an exact rescale of the other) their thumbnails are compared block by block;
a copy that was re-encoded or resized passes, a certificate with other text does not.
When the frames differ (a crop), the thumbnails cannot be aligned reliably at this size,
and the perceptual hash decides alone.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

# Worst 8x8-block mean difference of two blurred, normalised thumbnails (0-255 units).
# Measured on 320-px thumbnails: re-encoded (q60) and halved copies ≤ 4.3; the sample
# certificates of one template with different text ≥ 17.
BLOCK_THRESHOLD = 10.0
BLOCK = 8


def thumbnail_array(jpeg: bytes) -> np.ndarray:
    """Return a thumbnail as a grayscale float32 array."""
    with Image.open(io.BytesIO(jpeg)) as img:
        return np.asarray(img.convert("L"), dtype=np.float32)


def same_frame(a_size: tuple[int, int], b_size: tuple[int, int]) -> bool:
    """Return True when one original is the other rescaled (equal aspect up to rounding).

    >>> same_frame((800, 566), (400, 283)), same_frame((800, 566), (776, 550))
    (True, False)
    """
    (wa, ha), (wb, hb) = a_size, b_size
    # Rounding a rescaled side moves it by at most one pixel, which changes the cross
    # products by at most the shorter side; a crop of even 1% changes them by far more.
    return abs(wa * hb - wb * ha) <= max(min(wa, wb), min(ha, hb))


def same_picture(
    a: np.ndarray, a_size: tuple[int, int], b: np.ndarray, b_size: tuple[int, int]
) -> bool | None:
    """Return whether thumbnails A and B show one picture, or None when their frames differ."""
    if not same_frame(a_size, b_size):
        return None
    if b.shape != a.shape:
        b = np.asarray(
            Image.fromarray(b.astype(np.uint8)).resize(
                (a.shape[1], a.shape[0]), Image.Resampling.BILINEAR
            ),
            dtype=np.float32,
        )
    return worst_block(a, b) < BLOCK_THRESHOLD


def worst_block(a: np.ndarray, b: np.ndarray) -> float:
    """Return the mean difference of the most different 8x8 block of two equal-size arrays."""
    # Match brightness and contrast first: a re-saved copy may be a little lighter.
    a = (a - a.mean()) / (a.std() + 1e-6)
    b = (b - b.mean()) / (b.std() + 1e-6)
    diff = np.abs(_blur(a) - _blur(b)) * 40.0  # back to roughly 0-255 units
    h, w = (diff.shape[0] // BLOCK) * BLOCK, (diff.shape[1] // BLOCK) * BLOCK
    if h == 0 or w == 0:
        return float("inf")
    blocks = diff[:h, :w].reshape(h // BLOCK, BLOCK, w // BLOCK, BLOCK).mean(axis=(1, 3))
    return float(blocks.max())


def _blur(x: np.ndarray) -> np.ndarray:
    # A 3x3 box blur: JPEG noise and half-pixel resampling shifts vanish, glyph shapes stay.
    p = np.pad(x, 1, mode="edge")
    return sum(p[i : i + x.shape[0], j : j + x.shape[1]] for i in range(3) for j in range(3)) / 9.0
