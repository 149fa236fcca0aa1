"""A deterministic, realistic set of certificate uploads with known copies (for near-duplicate work).

Test and benchmark data, not used by intake: `tests/test_copies.py` and
`benchmarks/bench_copies.py` measure intake's copy flags on it.

`build_set(seed)` returns a list of `Upload(data, paper, kind, template, is_copy, source)`, in
upload order. `paper` names the physical certificate (template + holder + number) an upload
shows; an upload is a copy exactly when an earlier upload shows the same paper.

What makes it hard on purpose: many holders per template (same border, logo, title, guilloche
and seal; only the large Chinese name, a medium score/English name and small number/date
differ), several holders sharing a name (then only the small certificate number differs,
by one or two digits since numbers are issued in sequence), and shared exam dates.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/opentype/noto/"
SERIF_BOLD = FONT_DIR + "NotoSerifCJK-Bold.ttc"
SANS_REG = FONT_DIR + "NotoSansCJK-Regular.ttc"
SANS_BOLD = FONT_DIR + "NotoSansCJK-Bold.ttc"
SERIF_REG = FONT_DIR + "NotoSerifCJK-Regular.ttc"

MASTER = (1600, 1130)  # issuer rendering, landscape A5-like (210 x 148 mm)
PAPER_MM = (210.0, 148.0)

SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周"
GIVEN = "怡君雅婷家豪志明佳穎俊宏淑芬冠宇詩涵建華宗翰筱雯承恩柏翰欣怡子軒品妤宥廷"
COMMON_NAMES = ["陳怡君", "林家豪", "張雅婷"]  # real rosters repeat these

COPY_KINDS = (
    "resave_jpeg",
    "resize",
    "crop_uniform",
    "crop_side",
    "png_jpeg",
    "grayscale",
    "screenshot_desktop",
    "screenshot_phone",
    "rephoto_of_scan",
    "second_photo",
    "second_scan",
    "rotate90",
    "brightness",
    "a4_of_download",
)


@dataclass(frozen=True)
class Paper:
    key: str
    template: str
    name: str
    english: str
    number: str
    date: str
    score: str


@dataclass(frozen=True)
class Upload:
    data: bytes
    paper: str  # the physical certificate shown
    kind: str  # capture ("download", "scan", "a4scan", "photo") or copy kind
    template: str
    is_copy: bool
    source: int | None  # index of the upload it was made from (copies of an upload)


@lru_cache(maxsize=64)
def font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


# ---------------------------------------------------------------- templates

TEMPLATES = {
    "TOEIC": dict(
        accent=(0, 70, 140),
        title="TOEIC Listening and Reading",
        zh="多益測驗成績證書",
        prefix="TW",
        layout="score",
        guil=(200, 215, 235),
    ),
    "TQC_WORD": dict(
        accent=(30, 110, 60),
        title="TQC 文書處理 Word 2019",
        zh="技能認證 專業級",
        prefix="TQC-WD",
        layout="center",
        guil=(215, 232, 215),
    ),
    "TQC_EXCEL": dict(
        accent=(30, 110, 60),
        title="TQC 電子試算表 Excel 2019",
        zh="技能認證 專業級",
        prefix="TQC-EX",
        layout="center",
        guil=(215, 232, 215),
    ),
    "GEPT": dict(
        accent=(150, 30, 40),
        title="全民英檢 GEPT 中級",
        zh="初試複試通過證明",
        prefix="GEPT",
        layout="left",
        guil=(238, 218, 215),
    ),
    "CCNA": dict(
        accent=(20, 120, 160),
        title="Cisco Certified Network Associate",
        zh="CCNA 認證",
        prefix="CSCO",
        layout="right",
        guil=(212, 230, 238),
    ),
}


def _guilloche(d: ImageDraw.ImageDraw, w: int, h: int, colour, seed: int) -> None:
    r = random.Random(seed)
    for k in range(26):
        amp, per, ph = r.uniform(20, 60), r.uniform(180, 420), r.uniform(0, 6.3)
        y0 = 90 + k * (h - 180) / 26
        pts = [(x, y0 + amp * math.sin(x / per * 6.283 + ph)) for x in range(80, w - 80, 8)]
        d.line(pts, fill=colour, width=2)


def _logo(d: ImageDraw.ImageDraw, x: int, y: int, s: int, accent, kind: int) -> None:
    if kind % 3 == 0:
        d.ellipse((x, y, x + s, y + s), outline=accent, width=8)
        d.polygon(
            [(x + s / 2, y + 12), (x + s - 14, y + s - 18), (x + 14, y + s - 18)], fill=accent
        )
    elif kind % 3 == 1:
        d.rectangle((x, y, x + s, y + s), fill=accent)
        d.rectangle((x + s * 0.25, y + s * 0.25, x + s * 0.75, y + s * 0.75), fill="white")
        d.line((x, y + s, x + s, y), fill="white", width=6)
    else:
        for i in range(5):
            d.rectangle(
                (x + i * s / 5, y + s - (i + 1) * s / 5, x + i * s / 5 + s / 7, y + s), fill=accent
            )


def render(p: Paper) -> Image.Image:
    """Render the issuer's master image of one paper (RGB, MASTER size)."""
    t = TEMPLATES[p.template]
    w, h = MASTER
    img = Image.new("RGB", (w, h), (253, 252, 248))
    d = ImageDraw.Draw(img)
    _guilloche(d, w, h, t["guil"], sum(map(ord, p.template)))
    acc = t["accent"]
    d.rectangle((18, 18, w - 19, h - 19), outline=acc, width=14)
    d.rectangle((44, 44, w - 45, h - 45), outline=(40, 40, 50), width=3)
    for cx, cy in ((60, 60), (w - 60, 60), (60, h - 60), (w - 60, h - 60)):
        d.ellipse((cx - 22, cy - 22, cx + 22, cy + 22), fill=acc)
    lay = t["layout"]
    kind = sum(map(ord, p.template))
    _logo(d, 90 if lay != "right" else w - 250, 80, 150, acc, kind)
    tx = {"center": w / 2, "score": w / 2, "left": 300, "right": w / 2 - 80}[lay]
    anchor = "lm" if lay == "left" else "mm"
    d.text((tx, 150), t["title"], font=font(SANS_BOLD, 56), fill=acc, anchor=anchor)
    d.text((tx, 230), t["zh"], font=font(SERIF_REG, 44), fill=(40, 40, 50), anchor=anchor)
    d.text(
        (tx, 330),
        "茲證明 This is to certify that",
        font=font(SANS_REG, 30),
        fill=(60, 60, 60),
        anchor=anchor,
    )
    # The holder: large Chinese name (what a 320 px thumbnail barely resolves), English name.
    d.text((tx, 455), p.name, font=font(SERIF_BOLD, 120), fill=(20, 20, 30), anchor=anchor)
    d.text((tx, 560), p.english, font=font(SANS_REG, 36), fill=(40, 40, 50), anchor=anchor)
    body = "has fulfilled the requirements and passed the examination"
    d.text((tx, 625), body, font=font(SANS_REG, 28), fill=(60, 60, 60), anchor=anchor)
    if lay == "score":
        d.rectangle((w / 2 - 260, 670, w / 2 + 260, 800), outline=acc, width=4)
        d.text(
            (w / 2 - 130, 735),
            "Total Score",
            font=font(SANS_REG, 30),
            fill=(40, 40, 50),
            anchor="mm",
        )
        d.text((w / 2 + 120, 735), p.score, font=font(SANS_BOLD, 72), fill=acc, anchor="mm")
    else:
        d.text(
            (tx, 720),
            f"成績 Score: {p.score}",
            font=font(SANS_REG, 34),
            fill=(40, 40, 50),
            anchor=anchor,
        )
    # Small print: certificate number and ROC date (what tells two holders of one name apart).
    d.text(
        (110, h - 170),
        f"證書字號 Certificate No.: {p.number}",
        font=font(SANS_REG, 26),
        fill=(30, 30, 30),
        anchor="lm",
    )
    d.text(
        (110, h - 128),
        f"發證日期 中華民國 {p.date}",
        font=font(SANS_REG, 26),
        fill=(30, 30, 30),
        anchor="lm",
    )
    # Seal and signature (same on every certificate of a template).
    sx, sy = w - 300, h - 220
    d.ellipse((sx - 95, sy - 95, sx + 95, sy + 95), outline=(200, 30, 30), width=8)
    d.ellipse((sx - 70, sy - 70, sx + 70, sy + 70), outline=(200, 30, 30), width=3)
    d.text((sx, sy), "認證", font=font(SERIF_BOLD, 60), fill=(200, 30, 30), anchor="mm")
    r = random.Random(kind)
    pts = [(w - 700 + i * 12, h - 150 + r.uniform(-18, 18)) for i in range(25)]
    d.line(pts, fill=(20, 20, 80), width=4)
    d.line((w - 720, h - 110, w - 400, h - 110), fill=(40, 40, 40), width=2)
    return img


# ---------------------------------------------------------------- encoders and captures


def jpeg(img: Image.Image, q: int, exif_orientation: int | None = None) -> bytes:
    buf = io.BytesIO()
    kw = {}
    if exif_orientation:
        ex = Image.Exif()
        ex[0x0112] = exif_orientation
        kw["exif"] = ex
    img.save(buf, "JPEG", quality=q, **kw)
    return buf.getvalue()


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def decode(data: bytes) -> Image.Image:
    """Decode as intake does: upright (EXIF orientation applied), RGB."""
    from PIL import ImageOps

    im = Image.open(io.BytesIO(data))
    im = ImageOps.exif_transpose(im)
    return im.convert("RGB")


def _noise(arr: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    n = rng.normal(0, sigma, arr.shape[:2])[..., None].astype(np.float32)
    return np.clip(arr.astype(np.float32) + n, 0, 255).astype(np.uint8)


def scan(master: Image.Image, rng: np.random.Generator, dpi: int | None = None) -> Image.Image:
    """A flatbed scan: 150-300 dpi, slight rotation and offset, paper tone, noise."""
    dpi = dpi or int(rng.choice([150, 200, 240, 300]))
    W, H = round(PAPER_MM[0] / 25.4 * dpi), round(PAPER_MM[1] / 25.4 * dpi)
    src = np.asarray(master)
    sw, sh = master.size
    ang = rng.uniform(-1.5, 1.5)
    s = W / sw * rng.uniform(0.97, 1.0)
    M = cv2.getRotationMatrix2D((sw / 2, sh / 2), ang, s)
    M[0, 2] += W / 2 - sw / 2 + rng.uniform(-0.01, 0.01) * W
    M[1, 2] += H / 2 - sh / 2 + rng.uniform(-0.01, 0.01) * H
    out = cv2.warpAffine(src, M, (W, H), flags=cv2.INTER_AREA, borderValue=(250, 250, 250))
    tone = np.array([rng.uniform(236, 252), rng.uniform(232, 248), rng.uniform(222, 242)]) / 255
    out = (out.astype(np.float32) * tone).astype(np.uint8)
    out = _noise(out, rng, rng.uniform(1.5, 4))
    return Image.fromarray(out)


def a4scan(master: Image.Image, rng: np.random.Generator) -> Image.Image:
    """The certificate on an A4 page scanned whole (150-200 dpi), page mostly white."""
    dpi = int(rng.choice([150, 200]))
    W, H = round(210 / 25.4 * dpi), round(297 / 25.4 * dpi)
    src = np.asarray(master)
    sw, sh = master.size
    cw = PAPER_MM[0] / 25.4 * dpi * rng.uniform(0.85, 0.97)
    ang = rng.uniform(-2, 2)
    M = cv2.getRotationMatrix2D((sw / 2, sh / 2), ang, cw / sw)
    M[0, 2] += W / 2 - sw / 2 + rng.uniform(-0.03, 0.03) * W
    M[1, 2] += H * rng.uniform(0.22, 0.32) - sh / 2
    out = cv2.warpAffine(src, M, (W, H), flags=cv2.INTER_AREA, borderValue=(252, 252, 250))
    out = _noise(out, rng, rng.uniform(1.5, 3))
    return Image.fromarray(out)


def _background(W: int, H: int, rng: np.random.Generator) -> np.ndarray:
    base = np.array(
        rng.choice([(150, 110, 70), (90, 90, 95), (200, 195, 185), (60, 45, 35)]), dtype=np.float32
    )
    small = rng.normal(0, 1, (H // 16 + 1, W // 64 + 1)).astype(np.float32)
    tex = cv2.resize(small, (W, H), interpolation=cv2.INTER_CUBIC)[..., None] * 18
    return np.clip(base + tex, 0, 255)


def photo(
    paper_img: Image.Image,
    rng: np.random.Generator,
    long_side: int | None = None,
    exif: bool = False,
) -> bytes:
    """A phone photo: perspective, rotation, background, blur, lighting gradient, noise, JPEG."""
    long_side = long_side or int(rng.choice([1600, 2000, 2400]))
    portrait = rng.random() < 0.3
    W, H = (long_side, long_side * 3 // 4)
    if portrait:
        W, H = H, W
    src = np.asarray(paper_img.convert("RGB"))
    sh, sw = src.shape[:2]
    cover = rng.uniform(0.6, 0.85)
    scale = min(W * cover / sw, H * cover / sh) if not portrait else W * cover / sw
    cw, ch = sw * scale, sh * scale
    cx, cy = W / 2 + rng.uniform(-0.05, 0.05) * W, H / 2 + rng.uniform(-0.05, 0.05) * H
    ang = math.radians(rng.uniform(-10, 10))
    corners = np.array([[-cw / 2, -ch / 2], [cw / 2, -ch / 2], [cw / 2, ch / 2], [-cw / 2, ch / 2]])
    # Perspective: one edge nearer the camera.
    k = rng.uniform(0.0, 0.08)
    if rng.random() < 0.5:
        corners[:2, 0] *= 1 - k
    else:
        corners[:, 0][[0, 3]] *= 1 - k
    corners += rng.uniform(-0.015, 0.015, corners.shape) * max(cw, ch)
    rot = np.array([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]])
    dst = corners @ rot.T + [cx, cy]
    Hm = cv2.getPerspectiveTransform(
        np.float32([[0, 0], [sw, 0], [sw, sh], [0, sh]]), np.float32(dst)
    )
    bg = _background(W, H, rng)
    warped = cv2.warpPerspective(src, Hm, (W, H), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((sh, sw), 255, np.uint8), Hm, (W, H), flags=cv2.INTER_LINEAR)
    m = (mask.astype(np.float32) / 255)[..., None]
    out = warped.astype(np.float32) * m + bg * (1 - m)
    # Lighting: a linear gradient and a warm/cool cast.
    gx, gy = np.meshgrid(
        np.linspace(-1, 1, W, dtype=np.float32), np.linspace(-1, 1, H, dtype=np.float32)
    )
    a, b = rng.uniform(-0.18, 0.18, 2)
    light = (1 + a * gx + b * gy)[..., None] * rng.uniform(0.8, 1.05)
    cast = np.array([rng.uniform(0.92, 1.05), 1.0, rng.uniform(0.85, 1.02)], np.float32)
    out = out * light * cast
    sigma = rng.uniform(0.6, 1.6)
    out = cv2.GaussianBlur(out, (0, 0), sigma)
    out = _noise(np.clip(out, 0, 255).astype(np.uint8), rng, rng.uniform(2, 5))
    img = Image.fromarray(out)
    q = int(rng.integers(78, 92))
    if exif:
        # The camera stores the sensor's pixels and an EXIF turn (6 = display rotated 90° cw).
        return jpeg(img.transpose(Image.Transpose.ROTATE_90), q, exif_orientation=6)
    return jpeg(img, q)


def capture(master: Image.Image, how: str, rng: np.random.Generator) -> bytes:
    if how == "download":
        if rng.random() < 0.5:
            return png(master)
        side = int(rng.choice([1200, 1600]))
        im = (
            master
            if side == MASTER[0]
            else master.resize(
                (side, round(side * MASTER[1] / MASTER[0])), Image.Resampling.LANCZOS
            )
        )
        return jpeg(im, int(rng.integers(85, 96)))
    if how == "scan":
        return jpeg(scan(master, rng), int(rng.integers(75, 92)))
    if how == "a4scan":
        return jpeg(a4scan(master, rng), int(rng.integers(75, 90)))
    if how == "photo":
        return photo(master, rng, exif=rng.random() < 0.25)
    raise ValueError(how)


# ---------------------------------------------------------------- copies of an upload


def _window(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A desktop screenshot: 1920x1080, title bar, toolbar, grey viewer, the picture fit inside."""
    W, H = 1920, 1080
    canvas = Image.new("RGB", (W, H), (32, 36, 44))
    d = ImageDraw.Draw(canvas)
    x0, y0 = int(rng.integers(0, 200)), int(rng.integers(0, 60))
    x1, y1 = W - int(rng.integers(0, 200)), H - 48
    d.rectangle((x0, y0, x1, y1), fill=(70, 70, 72))
    d.rectangle((x0, y0, x1, y0 + 36), fill=(235, 235, 235))
    d.text(
        (x0 + 60, y0 + 18),
        "certificate.jpg - 相片",
        font=font(SANS_REG, 18),
        fill=(20, 20, 20),
        anchor="lm",
    )
    for i, c in enumerate(((230, 80, 70), (240, 190, 60), (90, 190, 80))):
        d.ellipse((x1 - 100 + i * 30, y0 + 10, x1 - 84 + i * 30, y0 + 26), fill=c)
    d.rectangle((x0, y0 + 36, x1, y0 + 80), fill=(248, 248, 248))
    for i in range(8):
        d.rectangle((x0 + 20 + i * 44, y0 + 46, x0 + 48 + i * 44, y0 + 70), fill=(150, 150, 160))
    d.rectangle((0, H - 48, W, H), fill=(20, 20, 24))  # task bar
    d.text((W - 90, H - 24), "下午 3:42", font=font(SANS_REG, 18), fill="white", anchor="mm")
    aw, ah = x1 - x0 - 40, y1 - y0 - 120
    im = img.copy()
    im.thumbnail(
        (aw * rng.uniform(0.8, 1.0), ah * rng.uniform(0.85, 1.0)), Image.Resampling.BILINEAR
    )
    px = x0 + 20 + (aw - im.width) // 2
    py = y0 + 100 + (ah - im.height) // 2
    canvas.paste(im, (px, py))
    return canvas


def _phone_screen(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    W, H = 1170, 2532
    dark = rng.random() < 0.5
    canvas = Image.new("RGB", (W, H), (0, 0, 0) if dark else (255, 255, 255))
    d = ImageDraw.Draw(canvas)
    fg = "white" if dark else "black"
    d.text((120, 70), "9:41", font=font(SANS_BOLD, 44), fill=fg, anchor="mm")
    d.rectangle((W - 150, 55, W - 80, 88), outline=fg, width=4)
    d.rectangle((W - 146, 59, W - 100, 84), fill=fg)
    d.rectangle((0, 150, W, 260), fill=(30, 30, 30) if dark else (245, 245, 245))
    d.text((W / 2, 205), "LINE 相簿", font=font(SANS_REG, 40), fill=fg, anchor="mm")
    im = img.copy()
    zoom = rng.uniform(1.0, 1.0)
    tw = int(W * zoom)
    im = im.resize((tw, round(tw * im.height / im.width)), Image.Resampling.BILINEAR)
    if im.height > H - 500:
        im.thumbnail((W, H - 500), Image.Resampling.BILINEAR)
    canvas.paste(im, ((W - im.width) // 2, (H - im.height) // 2))
    d.rectangle((W / 2 - 200, H - 40, W / 2 + 200, H - 28), fill=fg)
    return canvas


def make_copy(kind: str, src_bytes: bytes, master: Image.Image, rng: np.random.Generator) -> bytes:
    img = decode(src_bytes)
    w, h = img.size
    if kind == "resave_jpeg":
        return jpeg(img, int(rng.integers(55, 75)))
    if kind == "resize":
        s = rng.uniform(0.45, 0.8)
        return jpeg(img.resize((round(w * s), round(h * s)), Image.Resampling.BILINEAR), 85)
    if kind == "crop_uniform":
        f = rng.uniform(0.02, 0.03)
        return jpeg(
            img.crop((round(w * f), round(h * f), round(w * (1 - f)), round(h * (1 - f)))), 88
        )
    if kind == "crop_side":
        f = rng.uniform(0.05, 0.12)
        box = [
            [round(w * f), 0, w, h],
            [0, 0, round(w * (1 - f)), h],
            [0, round(h * f), w, h],
            [0, 0, w, round(h * (1 - f))],
        ][int(rng.integers(0, 4))]
        return jpeg(img.crop(tuple(box)), 88)
    if kind == "png_jpeg":
        return jpeg(img, 90) if src_bytes[:4] == b"\x89PNG" else png(img)
    if kind == "grayscale":
        return jpeg(img.convert("L"), 85)
    if kind == "screenshot_desktop":
        return png(_window(img, rng))
    if kind == "screenshot_phone":
        return png(_phone_screen(img, rng))
    if kind == "rephoto_of_scan":
        return photo(img, rng)  # a photo of the scan shown on paper or screen
    if kind == "second_photo":
        return photo(master, rng)
    if kind == "second_scan":
        return jpeg(scan(master, rng), int(rng.integers(75, 92)))
    if kind == "rotate90":
        return jpeg(
            img.transpose(rng.choice([Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270])), 88
        )
    if kind == "brightness":
        arr = np.asarray(img, np.float32) * rng.uniform(0.85, 1.15) + rng.uniform(-12, 12)
        return jpeg(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)), 88)
    if kind == "a4_of_download":
        return jpeg(a4scan(master, rng), 85)  # printed and scanned on an A4 page
    raise ValueError(kind)


# ---------------------------------------------------------------- the set


def papers(seed: int, per_template: int, templates: tuple[str, ...] | None = None) -> list[Paper]:
    r = random.Random(seed)
    out = []
    for t, spec in TEMPLATES.items():
        if templates is not None and t not in templates:
            continue
        base = r.randrange(100000, 900000)
        dates = [
            f"{r.choice([112, 113])}年{r.randrange(1, 13)}月{r.randrange(1, 28)}日"
            for _ in range(2)
        ]
        used = set()
        for i in range(per_template):
            if i % 6 == 5:
                name = COMMON_NAMES[
                    (i // 6) % len(COMMON_NAMES)
                ]  # a second holder of a common name
            else:
                name = r.choice(SURNAMES) + r.choice(GIVEN) + r.choice(GIVEN)
            # One Chinese name has one romanisation: holders sharing a name differ only in
            # number, score and date.
            rn = random.Random(name)
            eng = "".join(rn.choice("aeioubcdfghjklmnprstwy") for _ in range(5)).title()
            number = f"{spec['prefix']}{base + i * r.choice([1, 1, 2, 3]) + i:07d}"
            if number in used:
                number += "A"
            used.add(number)
            score = str(r.randrange(60, 99) * 10 - 5 if t == "TOEIC" else r.randrange(70, 100))
            out.append(
                Paper(
                    f"{t}:{number}",
                    t,
                    name,
                    f"Chen {eng}" if name.startswith("陳") else eng,
                    number,
                    r.choice(dates),
                    score,
                )
            )
    # Guarantee hard pairs: for some common names, same template AND same name AND same date.
    return out


def build_set(
    seed: int = 7,
    per_template: int = 32,
    copies_per_kind: int = 7,
    kinds: tuple[str, ...] = COPY_KINDS,
    templates: tuple[str, ...] | None = None,
) -> list[Upload]:
    """Return the uploads in order; copies come after the upload they were made from."""
    rng = np.random.default_rng(seed)
    ps = papers(seed, per_template, templates)
    masters: dict[str, Image.Image] = {}
    captures = ["download", "scan", "a4scan", "photo"]
    weights = [0.25, 0.35, 0.15, 0.25]
    originals: list[Upload] = []
    for p in ps:
        masters[p.key] = render(p)
        how = str(rng.choice(captures, p=weights))
        originals.append(
            Upload(capture(masters[p.key], how, rng), p.key, how, p.template, False, None)
        )
    order = list(rng.permutation(len(originals)))
    uploads: list[Upload] = [originals[i] for i in order]
    # Copies: pick sources among earlier uploads (a source kind that suits the copy kind).
    jobs = []
    for kind in kinds:
        for _ in range(copies_per_kind):
            jobs.append(kind)
    rng.shuffle(jobs)
    for kind in jobs:
        while True:
            si = int(rng.integers(0, len(uploads)))
            src = uploads[si]
            if kind == "rephoto_of_scan" and src.kind not in ("scan", "download", "a4scan"):
                continue
            if kind == "png_jpeg" and src.kind not in ("download", "scan"):
                continue
            break
        data = make_copy(kind, src.data, masters[src.paper], rng)
        pos = int(rng.integers(si + 1, len(uploads) + 1))
        uploads.insert(pos, Upload(data, src.paper, kind, src.template, True, None))
    # Recompute the truth from the order (a "copy" is any upload whose paper was seen before).
    seen: set[str] = set()
    final = []
    for u in uploads:
        final.append(Upload(u.data, u.paper, u.kind, u.template, u.paper in seen, None))
        seen.add(u.paper)
    return final


if __name__ == "__main__":
    import sys
    import time

    t0 = time.perf_counter()
    us = build_set(per_template=int(sys.argv[1]) if len(sys.argv) > 1 else 32)
    dt = time.perf_counter() - t0
    print(
        f"{len(us)} uploads ({sum(u.is_copy for u in us)} copies) in {dt:.1f} s, "
        f"{sum(len(u.data) for u in us) / 1e6:.0f} MB"
    )
    out = "benchmarks/out/copies-samples"  # git ignores benchmarks/out/
    import os

    os.makedirs(out, exist_ok=True)
    for i, u in enumerate(us[:400]):
        ext = "png" if u.data[:4] == b"\x89PNG" else "jpg"
        with open(f"{out}/{i:03d}_{u.kind}_{u.template}.{ext}", "wb") as f:
            f.write(u.data)
