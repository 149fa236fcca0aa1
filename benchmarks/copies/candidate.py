"""Near-duplicate certificates: tell a copy of one paper from a look-alike of the same template.

A candidate, not used by intake: too slow so far, see the figures (`bench_copies.py`, README
"Performance"). Kept here, unchanged from the research prototype, so the next attempt starts
from it and from measured figures.

Per upload, once (`features`): a ~1 MP grayscale rendering (JPEG-compressed, for the pixel
check), up to MAX_KP ORB keypoints and descriptors at that resolution, and a 64-bit
perceptual hash (kept for compatibility; it is not used to decide anything).

Per candidate pair (`same_paper`): ORB matches (ratio test) -> RANSAC homography (b into a's
frame). A pair with too few inliers is not the same paper. Otherwise b is warped onto a;
both are locally contrast-normalised (local mean/std, a floor on the std so plain paper stays
flat) after the same mild blur; the absolute difference is averaged in BLOCK px blocks inside
the region the homography vouches for (the convex hull of inliers, shrunk, inside b's warped
frame). Each block that looks different is re-tested with a ±SHIFT px search (residual
misregistration of a photo). The score is the number of blocks that still differ; a copy has
none or one, a look-alike differs where the holder's name, number, score or date is.

Candidates (`Index`): uploads are bucketed by catalog item (the certificate name the student
chose); inside a bucket each new upload's descriptors vote (Hamming distance < VOTE_DIST) for
the earlier uploads they match, and only the TOP_K most-voted earlier uploads are checked
geometrically, so the pixel work per upload is bounded by TOP_K whatever the round's size.
A copy shares the template's votes *and* the holder's glyphs, so it ranks near the top.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

TARGET_PIXELS = 1_000_000  # work resolution: names ~80 px, certificate numbers ~12-20 px tall
MAX_KP = 1000
JPEG_QUALITY = 85
RATIO = 0.8
MIN_INLIERS = 20
RANSAC_PX = 4.0
BLOCK = 16
SHIFT = 2
BLUR = 1.2
LCN_SIGMA = 8.0
BLOCK_DIFF = 0.48  # block-rigid-shift-tolerant mean |difference| of normalised images: "different"
MAX_BAD_BLOCKS = (
    0  # measured: same-paper pairs worst block <= 0.42; other holders >= 0.53 when legible
)
MIN_BLOCKS = 150  # less than this much certificate in common: too small to read, not confirmed
TOP_K = 8
VOTE_DIST = 40
DEBUG: dict | None = None

cv2.setNumThreads(1)
_ORB = cv2.ORB_create(
    nfeatures=MAX_KP, scaleFactor=1.2, nlevels=8, edgeThreshold=15, fastThreshold=12
)


@dataclass
class Features:
    size: tuple[int, int]  # work size (w, h)
    gray_jpeg: bytes  # work-size grayscale, JPEG
    xy: np.ndarray  # (n, 2) float32 keypoint positions at work size
    desc: np.ndarray  # (n, 32) uint8 ORB descriptors
    phash: int
    _gray: np.ndarray | None = None
    _norm: np.ndarray | None = None

    def to_bytes(self) -> bytes:
        n = len(self.xy)
        head = struct.pack(
            "<4sHHIQI", b"ND01", self.size[0], self.size[1], n, self.phash, len(self.gray_jpeg)
        )
        return head + self.xy.astype(np.float16).tobytes() + self.desc.tobytes() + self.gray_jpeg

    @classmethod
    def from_bytes(cls, data: bytes) -> Features:
        magic, w, h, n, ph, lj = struct.unpack_from("<4sHHIQI", data)
        assert magic == b"ND01"
        off = struct.calcsize("<4sHHIQI")
        xy = np.frombuffer(data, np.float16, 2 * n, off).reshape(n, 2).astype(np.float32)
        off += 4 * n
        desc = np.frombuffer(data, np.uint8, 32 * n, off).reshape(n, 32).copy()
        off += 32 * n
        return cls((w, h), data[off : off + lj], xy, desc, ph)

    def gray(self) -> np.ndarray:
        if self._gray is None:
            self._gray = np.asarray(Image.open(io.BytesIO(self.gray_jpeg)).convert("L"))
        return self._gray

    def norm(self) -> np.ndarray:
        if self._norm is None:
            self._norm = _normalise(self.gray().astype(np.float32))
        return self._norm


def _phash(gray: np.ndarray) -> int:
    small = cv2.resize(gray, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(small)[:8, :8].flatten()
    bits = low > np.median(low)
    return int("".join("1" if b else "0" for b in bits), 2)


def features(image: Image.Image) -> Features:
    """Compute once per upload (image upright, any mode)."""
    g = image.convert("L")
    w, h = g.size
    s = min(1.0, (TARGET_PIXELS / (w * h)) ** 0.5)
    if s < 1.0:
        # reduce() (box filter by an integer factor) first: cheap and alias-free, then resize.
        f = int(1 / s / 1.5)
        if f >= 2:
            g = g.reduce(f)
        g = g.resize((max(1, round(w * s)), max(1, round(h * s))), Image.Resampling.BILINEAR)
    arr = np.asarray(g)
    kps, desc = _ORB.detectAndCompute(arr, None)
    if desc is None:
        xy, desc = np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8)
    else:
        xy = np.float32([k.pt for k in kps])
    buf = io.BytesIO()
    g.save(buf, "JPEG", quality=JPEG_QUALITY)
    return Features((arr.shape[1], arr.shape[0]), buf.getvalue(), xy, desc, _phash(arr), arr, None)


def _normalise(g: np.ndarray) -> np.ndarray:
    """Local contrast normalisation after a mild blur (sharp scans vs soft photos)."""
    g = cv2.GaussianBlur(g, (0, 0), BLUR)
    mu = _smooth(g, LCN_SIGMA)
    d = g - mu
    sd = np.sqrt(_smooth(d * d, LCN_SIGMA * 2))
    floor = max(6.0, float(np.percentile(sd, 90)) * 0.35)
    return d / np.maximum(sd, floor)


def _match(a: Features, b: Features):
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


def _consistent(a: Features, b: Features, H, pa, pb):
    """Return all keypoint pairs the homography maps onto each other with similar descriptors.

    The ratio-test inliers of two look-alikes sharing a holder's name can sit on the name
    alone; this widens the compared region to everything of the certificate that agrees
    geometrically (border, logo, seal, text), and so to the number and date.
    """
    proj = cv2.perspectiveTransform(b.xy.reshape(-1, 1, 2).astype(np.float32), H).reshape(-1, 2)
    if len(proj) == 0 or len(a.xy) == 0:
        return pa, pb
    near = (np.abs(a.xy[:, None, 0] - proj[None, :, 0]) <= 4.0) & (
        np.abs(a.xy[:, None, 1] - proj[None, :, 1]) <= 4.0
    )
    ia, ib = np.nonzero(near)
    if len(ia) == 0:
        return pa, pb
    dist = np.unpackbits(a.desc[ia] ^ b.desc[ib], axis=1).sum(axis=1)
    ok = dist < 64
    return (np.concatenate([pa, a.xy[ia[ok]]]), np.concatenate([pb, b.xy[ib[ok]]]))


def _smooth(x: np.ndarray, sigma: float) -> np.ndarray:
    """A wide Gaussian blur computed at a quarter of the resolution (smooth, so exact enough)."""
    h, w = x.shape
    small = cv2.resize(x, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / 4)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _lcn(g: np.ndarray) -> np.ndarray:
    mu = cv2.GaussianBlur(g, (0, 0), LCN_SIGMA)
    d = g - mu
    sd = np.sqrt(cv2.GaussianBlur(d * d, (0, 0), LCN_SIGMA * 2))
    floor = max(6.0, float(np.percentile(sd, 90)) * 0.35)
    return d / np.maximum(sd, floor)


def _none(inliers: int = 0) -> dict:
    return {"inliers": inliers, "blocks": 0, "bad": 10**6, "worst": float("inf"), "sigma": 0.0}


def compare(a: Features, b: Features, match=None) -> dict:
    """Return the evidence for a pair: inliers, compared blocks, differing blocks, worst block."""
    m = match if match is not None else _match(a, b)
    if m is None:
        return _none()
    H, pa, pb = m
    pa, pb = _consistent(a, b, H, pa, pb)
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
    region = cv2.bitwise_and(valid, hull)
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
    region = cv2.erode(region[y : y + h, x : x + w], np.ones((9, 9), np.uint8))
    inside_px = region > 0
    # Match sharpness: blur the sharper one by the sigma that makes them most alike.
    ma, mb = ga[inside_px], gb[inside_px]
    gb = (gb - mb.mean()) / (mb.std() + 1e-3) * (ma.std() + 1e-3) + ma.mean()
    sa, sb = (
        cv2.resize(ga, (w // 2, h // 2), interpolation=cv2.INTER_AREA),
        cv2.resize(gb, (w // 2, h // 2), interpolation=cv2.INTER_AREA),
    )
    sm = (
        cv2.resize(inside_px.astype(np.uint8), (w // 2, h // 2), interpolation=cv2.INTER_NEAREST)
        > 0
    )
    best_e, sigma = float(np.abs(sa - sb)[sm].mean()), 0.0
    for sig in (0.7, 1.1, 1.6, 2.2):
        for sign in (1, -1):
            xa = cv2.GaussianBlur(sa, (0, 0), sig / 2) if sign > 0 else sa
            xb = cv2.GaussianBlur(sb, (0, 0), sig / 2) if sign < 0 else sb
            e = float(np.abs(xa - xb)[sm].mean())
            if e < best_e:
                best_e, sigma = e, sign * sig
    if sigma > 0:
        ga = cv2.GaussianBlur(ga, (0, 0), sigma)
    elif sigma < 0:
        gb = cv2.GaussianBlur(gb, (0, 0), -sigma)
    na = _lcn(cv2.GaussianBlur(ga, (0, 0), BLUR))
    nb = _lcn(cv2.GaussianBlur(gb, (0, 0), BLUR))
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
    if DEBUG is not None:
        DEBUG.update(na=na, nb=nb, d=d, bd=bd, inside=inside, box=(x, y, w, h))
    return {
        "inliers": len(pa),
        "blocks": int(inside.sum()),
        "bad": int((v > BLOCK_DIFF).sum()),
        "worst": float(v[0]),
        "top": v[:8].round(3).tolist(),
        "sigma": sigma,
        "scale": scale,
    }


def same_paper(a: Features, b: Features) -> bool:
    """Return whether A and B show the same physical certificate (B may be any capture of it)."""
    ev = compare(a, b)
    return ev["blocks"] >= MIN_BLOCKS and ev["bad"] <= MAX_BAD_BLOCKS


class Index:
    """Earlier uploads of a round, bucketed by catalog item, ranked by descriptor votes."""

    def __init__(self, top_k: int = TOP_K) -> None:
        self.top_k = top_k
        self.buckets: dict[object, list[tuple[object, Features]]] = {}
        self.stacks: dict[object, tuple[np.ndarray, np.ndarray] | None] = {}

    def add(self, key: object, bucket: object, f: Features) -> None:
        self.buckets.setdefault(bucket, []).append((key, f))
        self.stacks[bucket] = None

    def candidates(self, bucket: object, f: Features) -> list[tuple[object, Features]]:
        entries = self.buckets.get(bucket, [])
        if len(entries) <= self.top_k:
            return list(entries)
        if self.stacks.get(bucket) is None:
            desc = np.concatenate([e[1].desc for e in entries])
            owner = np.concatenate([np.full(len(e[1].desc), i) for i, e in enumerate(entries)])
            self.stacks[bucket] = (desc, owner)
        desc, owner = self.stacks[bucket]
        if len(f.desc) == 0:
            return []
        bf = cv2.BFMatcher(cv2.NORM_HAMMING)
        # Each query descriptor votes for the owners of its few nearest stored descriptors.
        ms = bf.knnMatch(f.desc, desc, k=min(8, len(desc)))
        votes = np.zeros(len(entries))
        for row in ms:
            hit = {owner[m.trainIdx] for m in row if m.distance < VOTE_DIST}
            for o in hit:
                votes[o] += 1.0 / len(hit)  # a template feature shared by all counts little
        order = np.argsort(-votes)[: self.top_k]
        return [entries[i] for i in order if votes[i] > 0]

    def matches(self, bucket: object, f: Features) -> list[object]:
        return [k for k, g in self.candidates(bucket, f) if same_paper(f, g)]
