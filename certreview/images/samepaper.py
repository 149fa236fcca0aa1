"""Decide whether two pictures show the same physical certificate, or only the same template.

A copy (re-saved, resized, cropped, converted, a screenshot, a re-photo, another scan of the
paper) and a look-alike (another holder's certificate of the same template) share border, logo,
title and seal; they differ only where the name, number, score or date is. So:

1. ORB matches (ratio test), then a RANSAC homography maps B into A's frame (a crop, a
   screenshot with the certificate inside a larger frame, a photo's perspective all fit).
   Too few inliers: not the same paper.
2. Every keypoint pair the homography maps onto each other widens the compared region to all
   of the certificate that agrees geometrically (not just the holder's name).
3. B is warped onto A in the frame of the smaller rendering; sharpness and then local contrast
   are matched, and the absolute difference is averaged in 16 px blocks inside the region
   both pictures cover. A block that differs is re-tried shifted by up to 2 px (a photo's
   residual misregistration). A copy has no differing block; a look-alike differs where the
   holder's text is.

Most pairs checked are look-alikes, and their names differ in large characters: step 3 is first
run at half the resolution (a quarter of the cost), and a pair with a block far more different
than any copy's (COARSE_REJECT) is rejected there. Every other pair is compared at full size,
where certificate numbers are legible.

`votes.py` picks, among many earlier pictures, the few worth this check.
Measured on the realistic set of `benchmarks/bench_copies.py` (README "Performance").
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from certreview.images.features import Features

RATIO = 0.8
MIN_INLIERS = 20
RANSAC_PX = 4.0


@dataclass(frozen=True)
class Grid:
    """The pixel sizes of one resolution of the block comparison (step 3)."""

    block: int  # px of a compared block
    shift: int  # px a differing block may move (a photo's residual misregistration)
    blur: float  # sigma of the blur before comparing (JPEG noise, resampling)
    lcn_sigma: float  # sigma of the local contrast normalisation
    near: float  # px within which a projected keypoint counts as consistent
    erode: int  # px eroded from the compared region's edge (interpolated borders)


FULL = Grid(block=16, shift=2, blur=1.2, lcn_sigma=8.0, near=4.0, erode=9)
COARSE = Grid(block=8, shift=1, blur=0.6, lcn_sigma=4.0, near=2.0, erode=5)  # at half size
# Worst half-size block above which a pair is another paper without the full comparison.
# Measured on the realistic set: copies' worst <= 1.08; look-alikes mostly 1.5-6.
COARSE_REJECT = 1.5
# Shift-tolerant mean |difference| of normalised blocks above which a block is "different".
# Measured: same-paper pairs worst block <= 0.42; other holders >= 0.53 where legible.
BLOCK_DIFF = 0.48
MAX_BAD_BLOCKS = 0
MIN_BLOCKS = 150  # less certificate than this in common is too little to read: not confirmed
_NONE_BAD = 10**6  # "bad blocks" of a pair that could not be compared at all


def same_paper(a: Features, b: Features) -> bool:
    """Return whether A and B show the same physical certificate (B may be any capture of it)."""
    match = _match(a, b)
    if match is None or _clearly_other(a, b, match):
        return False
    evidence = compare(a, b, match)
    if evidence["blocks"] < MIN_BLOCKS and evidence["bad"] in (0, _NONE_BAD):
        # The matched keypoints may cluster on a small part (a screenshot's certificate is a
        # small part of its frame): all the overlap is compared then. Misregistration far
        # from the keypoints can only add differing blocks, never hide a different name.
        evidence = compare(a, b, match, whole=True)
    return evidence["blocks"] >= MIN_BLOCKS and evidence["bad"] <= MAX_BAD_BLOCKS


def _match(a: Features, b: Features) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    if len(a.desc) < MIN_INLIERS or len(b.desc) < MIN_INLIERS:
        return None
    bf = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = bf.knnMatch(b.desc, a.desc, k=2)
    good = [m[0] for m in pairs if len(m) == 2 and m[0].distance < RATIO * m[1].distance]
    if len(good) < MIN_INLIERS:
        return None
    pb = b.xy[[m.queryIdx for m in good]]
    pa = a.xy[[m.trainIdx for m in good]]
    H, mask = cv2.findHomography(pb, pa, cv2.RANSAC, RANSAC_PX, maxIters=2000, confidence=0.995)
    if H is None or mask is None or int(mask.sum()) < MIN_INLIERS:
        return None
    inl = mask.ravel().astype(bool)
    return H, pa[inl], pb[inl]


def _clearly_other(a: Features, b: Features, match) -> bool:
    """Return whether A and B differ, at half size, far more than any two captures of a paper."""
    H, pa, pb = match
    ha, sa = _halved(a)
    hb, sb = _halved(b)
    coarse = compare(
        ha, hb, (sa @ H @ np.linalg.inv(sb), _scaled(pa, sa), _scaled(pb, sb)), grid=COARSE
    )
    return coarse["bad"] != _NONE_BAD and coarse["worst"] > COARSE_REJECT


def _halved(f: Features) -> tuple[Features, np.ndarray]:
    """Return F at half size, and the matrix taking F's pixels to the half-size ones."""
    w, h = max(1, f.size[0] // 2), max(1, f.size[1] // 2)
    small = cv2.resize(f.gray(), (w, h), interpolation=cv2.INTER_AREA)
    scale = np.diag([w / f.size[0], h / f.size[1], 1.0])
    return Features((w, h), _scaled(f.xy, scale), f.desc, b"", small), scale


def _scaled(xy: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return (xy * np.float32([scale[0, 0], scale[1, 1]])).astype(np.float32)


def _consistent(a: Features, b: Features, H, pa, pb, near: float = FULL.near):
    """Return all keypoint pairs the homography maps onto each other with similar descriptors.

    The ratio-test inliers of two look-alikes sharing a holder's name can sit on the name
    alone; this widens the compared region to everything of the certificate that agrees
    geometrically (border, logo, seal, text), and so to the number and date.
    """
    proj = cv2.perspectiveTransform(b.xy.reshape(-1, 1, 2).astype(np.float32), H).reshape(-1, 2)
    if len(proj) == 0 or len(a.xy) == 0:
        return pa, pb
    close = (np.abs(a.xy[:, None, 0] - proj[None, :, 0]) <= near) & (
        np.abs(a.xy[:, None, 1] - proj[None, :, 1]) <= near
    )
    ia, ib = np.nonzero(close)
    if len(ia) == 0:
        return pa, pb
    dist = np.unpackbits(a.desc[ia] ^ b.desc[ib], axis=1).sum(axis=1)
    ok = dist < 64
    return (np.concatenate([pa, a.xy[ia[ok]]]), np.concatenate([pb, b.xy[ib[ok]]]))


def _lcn(g: np.ndarray, sigma: float) -> np.ndarray:
    """Return G with local contrast normalised (a floor on the std keeps plain paper flat)."""
    # OpenCV's element-wise operations: the same arithmetic as numpy's, in one pass each.
    d = cv2.subtract(g, _smooth(g, sigma))
    sd = cv2.sqrt(_smooth(cv2.multiply(d, d), sigma * 2))
    floor = max(6.0, float(np.percentile(sd[::4, ::4], 90)) * 0.35)
    return cv2.divide(d, cv2.max(sd, floor))


def _smooth(x: np.ndarray, sigma: float) -> np.ndarray:
    """Return a wide Gaussian blur of X computed at a quarter of the size (smooth, so exact enough)."""
    h, w = x.shape
    small = cv2.resize(x, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / 4)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _none(inliers: int = 0) -> dict:
    return {"inliers": inliers, "blocks": 0, "bad": _NONE_BAD, "worst": float("inf"), "sigma": 0.0}


def compare(a: Features, b: Features, match=None, whole: bool = False, grid: Grid = FULL) -> dict:
    """Return the evidence for a pair: inliers, compared blocks, differing blocks, worst block.

    The pictures are compared where the matched keypoints are (their convex hull) or, WHOLE,
    wherever both show something; GRID gives the pixel sizes for the pictures' resolution.
    """
    m = match if match is not None else _match(a, b)
    if m is None:
        return _none()
    H, pa, pb = m
    pa, pb = _consistent(a, b, H, pa, pb, grid.near)
    BLOCK, SHIFT = grid.block, grid.shift
    # Compare in the frame of the image that shows the certificate smaller (less detail):
    # the other is anti-alias blurred and warped down into it.
    scale = float(np.sqrt(abs(np.linalg.det(H[:2, :2]))))  # b px -> a px
    if scale > 1.0:
        a, b, H, pa, scale = b, a, np.linalg.inv(H), pb, 1.0 / scale
    wa, ha = a.size
    valid = cv2.warpPerspective(
        np.full((b.size[1], b.size[0]), 255, np.uint8), H, (wa, ha), flags=cv2.INTER_NEAREST
    )
    hull = np.zeros((ha, wa), np.uint8)
    cv2.fillConvexPoly(hull, cv2.convexHull(pa.astype(np.int32)), 255)
    region = valid if whole else cv2.bitwise_and(valid, hull)
    x, y, w, h = cv2.boundingRect(region)
    if w < 8 * BLOCK or h < 6 * BLOCK:
        return _none(len(pa))
    # Work on the region's bounding box only.
    T = np.array([[1, 0, -x], [0, 1, -y], [0, 0, 1]], np.float64) @ H
    ga = a.gray()[y : y + h, x : x + w].astype(np.float32)
    gb_src = b.gray()
    if scale < 0.9:
        # Anti-alias: shrink b by the homography's scale first (area average), then warp.
        bw, bh = b.size
        gb_src = cv2.resize(
            gb_src,
            (max(1, round(bw * scale)), max(1, round(bh * scale))),
            interpolation=cv2.INTER_AREA,
        )
        sx, sy = gb_src.shape[1] / bw, gb_src.shape[0] / bh
        T = T @ np.diag([1 / sx, 1 / sy, 1.0])
    gb = cv2.warpPerspective(gb_src.astype(np.float32), T, (w, h), flags=cv2.INTER_LINEAR)
    region = cv2.erode(region[y : y + h, x : x + w], np.ones((grid.erode, grid.erode), np.uint8))
    # Match sharpness: blur the sharper one by the sigma that makes them most alike.
    (ma,), (sa_dev,) = cv2.meanStdDev(ga, mask=region)
    (mb,), (sb_dev,) = cv2.meanStdDev(gb, mask=region)
    gb = (gb - np.float32(mb)) * np.float32((sa_dev + 1e-3) / (sb_dev + 1e-3)) + np.float32(ma)
    sa, sb = (
        cv2.resize(ga, (w // 2, h // 2), interpolation=cv2.INTER_AREA),
        cv2.resize(gb, (w // 2, h // 2), interpolation=cv2.INTER_AREA),
    )
    sm = cv2.resize(region, (w // 2, h // 2), interpolation=cv2.INTER_NEAREST)

    def error(xa: np.ndarray, xb: np.ndarray) -> float:
        return cv2.mean(cv2.absdiff(xa, xb), mask=sm)[0]

    best_e, sigma = error(sa, sb), 0.0
    for sig in (0.7, 1.1, 1.6, 2.2):
        for sign in (1, -1):
            xa = cv2.GaussianBlur(sa, (0, 0), sig / 2) if sign > 0 else sa
            xb = cv2.GaussianBlur(sb, (0, 0), sig / 2) if sign < 0 else sb
            e = error(xa, xb)
            if e < best_e:
                best_e, sigma = e, sign * sig
    if sigma > 0:
        ga = cv2.GaussianBlur(ga, (0, 0), sigma)
    elif sigma < 0:
        gb = cv2.GaussianBlur(gb, (0, 0), -sigma)
    na = _lcn(cv2.GaussianBlur(ga, (0, 0), grid.blur), grid.lcn_sigma)
    nb = _lcn(cv2.GaussianBlur(gb, (0, 0), grid.blur), grid.lcn_sigma)
    by, bx = h // BLOCK, w // BLOCK
    crop = (slice(0, by * BLOCK), slice(0, bx * BLOCK))
    # Each block may move rigidly by up to SHIFT px (residual misregistration of a photo);
    # its difference is the smallest over those shifts. Strokes inside a block may not move
    # independently, so a different digit stays different.
    na_c = np.ascontiguousarray(na[crop])
    nb_c = np.ascontiguousarray(nb[crop])
    d = cv2.absdiff(na_c, nb_c)
    bd = cv2.resize(d, (bx, by), interpolation=cv2.INTER_AREA)
    suspect = np.argwhere(bd > BLOCK_DIFF)
    if len(suspect):
        pad = cv2.copyMakeBorder(nb_c, SHIFT, SHIFT, SHIFT, SHIFT, cv2.BORDER_REPLICATE)
        win = np.lib.stride_tricks.sliding_window_view(pad, (BLOCK, BLOCK))  # (H', W', B, B)
        ys, xs = suspect[:, 0] * BLOCK, suspect[:, 1] * BLOCK
        pa_blk = np.stack([na_c[y : y + BLOCK, x : x + BLOCK] for y, x in zip(ys, xs, strict=True)])
        best = np.full(len(suspect), np.inf, np.float32)
        for dy in range(2 * SHIFT + 1):
            for dx in range(2 * SHIFT + 1):
                cand = win[ys + dy, xs + dx]  # (K, B, B)
                best = np.minimum(best, np.abs(pa_blk - cand).mean(axis=(1, 2)))
        bd[suspect[:, 0], suspect[:, 1]] = best
    inside = region[crop].reshape(by, BLOCK, bx, BLOCK).min(axis=(1, 3)) > 0
    if not inside.any():
        return _none(len(pa))
    v = np.sort(bd[inside])[::-1]
    return {
        "inliers": len(pa),
        "blocks": int(inside.sum()),
        "bad": int((v > BLOCK_DIFF).sum()),
        "worst": float(v[0]),
        "top": v[:8].round(3).tolist(),
        "sigma": sigma,
        "scale": scale,
    }
