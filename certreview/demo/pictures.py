"""Deterministic certificate-like images in every format students upload, good and broken."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import zlib
from collections.abc import Callable
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

KINDS: tuple[str, ...] = (
    "jpeg",
    "jpeg_progressive",
    "jpeg_cmyk",
    "jpeg_exif_rotated",
    "mpo",
    "png",
    "png16",
    "png_palette_alpha",
    "heic",
    "heic_named_jpg",
    "webp",
    "webp_animated",
    "avif",
    "tiff_multipage",
    "gif_animated",
    "bmp",
    "pdf",
    "pdf_encrypted",
    "truncated_jpeg",
    "empty",
    "text",
    "bomb_png",
)

# The file name extension a student's upload of each kind would carry; the content decides
# the format, so "heic_named_jpg" deliberately says .jpg.
EXTENSIONS: dict[str, str] = {
    "jpeg": "jpg",
    "jpeg_progressive": "jpg",
    "jpeg_cmyk": "jpg",
    "jpeg_exif_rotated": "jpg",
    "mpo": "jpg",
    "png": "png",
    "png16": "png",
    "png_palette_alpha": "png",
    "heic": "heic",
    "heic_named_jpg": "jpg",
    "webp": "webp",
    "webp_animated": "webp",
    "avif": "avif",
    "tiff_multipage": "tif",
    "gif_animated": "gif",
    "bmp": "bmp",
    "pdf": "pdf",
    "pdf_encrypted": "pdf",
    "truncated_jpeg": "jpg",
    "empty": "jpg",
    "text": "jpg",
    "bomb_png": "png",
}

PDF_PASSWORD = "secret"
ORIENTATION = 0x0112  # EXIF tag: how the stored pixels must be turned to stand upright
_INK = (25, 30, 45)


def _rng(seed: int, *texts: str) -> random.Random:
    # Layout depends on the text as well as the seed, so certificates of different students
    # differ in large shapes (what a perceptual hash sees), not only in small glyphs.
    digest = hashlib.sha256("\x1f".join((str(seed), *texts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def certificate_image(
    title: str = "Certificate of Proficiency",
    name: str = "Chen Yi-Ting",
    number: str = "No. 000001",
    *,
    size: tuple[int, int] = (1200, 850),
    seed: int = 0,
) -> Image.Image:
    """Draw an RGB certificate: border, tinted ornaments, title, name, number and a seal."""
    w, h = size
    r = _rng(seed, title, name, number)
    paper = tuple(235 + r.randrange(20) for _ in range(3))
    img = Image.new("RGB", size, paper)
    d = ImageDraw.Draw(img)
    unit = min(w, h)
    # Large pale ornaments in random places give each certificate its own coarse look.
    for _ in range(5):
        cx, cy = r.uniform(0, w), r.uniform(0, h)
        rad = r.uniform(0.15, 0.45) * unit
        tint = tuple(max(0, c - r.randrange(40, 110)) for c in paper)
        if r.random() < 0.5:
            d.ellipse((cx - rad, cy - rad, cx + rad, cy + rad), fill=tint)
        else:
            d.rectangle((cx - rad, cy - rad / 2, cx + rad, cy + rad / 2), fill=tint)
    accent = (r.randrange(40, 200), r.randrange(20, 120), r.randrange(20, 160))
    b = max(4, unit // 40)
    d.rectangle((b, b, w - b - 1, h - b - 1), outline=accent, width=b)
    d.rectangle((3 * b, 3 * b, w - 3 * b - 1, h - 3 * b - 1), outline=_INK, width=max(1, b // 3))
    # A solid ribbon across the top in the accent colour, at a seed-dependent height.
    top = int(h * r.uniform(0.08, 0.18))
    d.rectangle((4 * b, top, w - 4 * b, top + unit // 10), fill=accent)
    d.text((w / 2, top + unit // 20), title, font=_font(unit // 16), fill="white", anchor="mm")
    d.text((w / 2, h * 0.48), name, font=_font(unit // 10), fill=_INK, anchor="mm")
    d.text((w / 2, h * 0.62), number, font=_font(unit // 22), fill=_INK, anchor="mm")
    seal_r = unit * r.uniform(0.08, 0.13)
    sx = w * r.choice((0.2, 0.8))
    sy = h * r.uniform(0.72, 0.82)
    seal = (200, r.randrange(20, 60), r.randrange(20, 60))
    d.ellipse((sx - seal_r, sy - seal_r, sx + seal_r, sy + seal_r), fill=seal, outline=_INK)
    d.ellipse(
        (sx - seal_r * 0.7, sy - seal_r * 0.7, sx + seal_r * 0.7, sy + seal_r * 0.7),
        outline="white",
        width=max(2, b // 2),
    )
    d.line(
        (w * 0.55, h * 0.85, w * 0.85, h * 0.85)
        if sx < w / 2
        else (w * 0.15, h * 0.85, w * 0.45, h * 0.85),
        fill=_INK,
        width=max(2, b // 3),
    )
    return img


CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


@lru_cache(maxsize=16)
def _cjk_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(CJK_FONT, size)
    except OSError:  # no Noto CJK here: Latin text still renders
        return _font(size)


def chinese_certificate(
    title: str,
    name: str,
    number: str,
    issued: str,
    *,
    student_id: str = "",
    seed: int = 0,
    size: tuple[int, int] = (1400, 990),
) -> Image.Image:
    """Draw a Chinese certificate: title, 茲證明 and the holder's name, number and ROC date.

    >>> chinese_certificate("TQC Word 實用級", "陳怡君", "TQC0012345", "中華民國112年10月3日").size
    (1400, 990)
    """
    img = certificate_image(title="", name="", number="", size=size, seed=seed)
    d = ImageDraw.Draw(img)
    w, h = size
    unit = min(w, h)
    plate = (w * 0.12, h * 0.26, w * 0.88, h * 0.9)
    d.rectangle(plate, fill=(250, 249, 244), outline=_INK, width=2)
    d.text((w / 2, h * 0.33), title, font=_cjk_font(unit // 14), fill=_INK, anchor="mm")
    sentence = f"茲證明 學號 {student_id}" if student_id else "茲證明"
    d.text((w / 2, h * 0.45), sentence, font=_cjk_font(unit // 28), fill=_INK, anchor="mm")
    d.text((w / 2, h * 0.56), name, font=_cjk_font(unit // 10), fill=_INK, anchor="mm")
    d.text(
        (w * 0.16, h * 0.76),
        f"證書字號：{number}",
        font=_cjk_font(unit // 30),
        fill=_INK,
        anchor="lm",
    )
    d.text(
        (w * 0.16, h * 0.83),
        f"發證日期：{issued}",
        font=_cjk_font(unit // 30),
        fill=_INK,
        anchor="lm",
    )
    return img


def _second_page(size: tuple[int, int]) -> Image.Image:
    page = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(page)
    d.text(
        (size[0] / 2, size[1] / 2),
        "Page 2: terms and verification",
        font=_font(40),
        fill=_INK,
        anchor="mm",
    )
    return page


def _save(img: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def _jpeg_exif_rotated(img: Image.Image) -> bytes:
    # Phones store the sensor's pixels sideways and say "turn 90° clockwise" (Orientation 6).
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    return _save(img.transpose(Image.Transpose.ROTATE_90), "JPEG", quality=90, exif=exif)


def _png16(img: Image.Image) -> bytes:
    # Full 16-bit range: a viewer that clips to 8 bits instead of scaling shows pure white.
    grey = np.asarray(img.convert("L"), dtype=np.uint16) * 257
    return _save(Image.fromarray(grey), "PNG")


def _png_palette_alpha(img: Image.Image) -> bytes:
    # A transparent frame whose palette colour is black: compositing on white shows white,
    # a naive conversion shows black.
    pal = img.convert("P", palette=Image.Palette.ADAPTIVE, colors=255)
    palette = pal.getpalette() or []
    palette = palette[: 255 * 3] + [0] * (255 * 3 - len(palette[: 255 * 3])) + [0, 0, 0]
    pal.putpalette(palette)
    w, h = img.size
    m = min(w, h) // 12
    mask = Image.new("L", img.size, 255)
    ImageDraw.Draw(mask).rectangle((m, m, w - m - 1, h - m - 1), fill=0)
    pal.paste(255, mask=mask)
    return _save(pal, "PNG", transparency=255)


def _heic(img: Image.Image) -> bytes:
    import pillow_heif  # imported here so that importing this module registers nothing

    buf = io.BytesIO()
    # The "ultrafast" preset: three times quicker to encode and still a real HEVC stream.
    pillow_heif.from_pillow(img).save(buf, quality=80, enc_params={"preset": "ultrafast"})
    return buf.getvalue()


def _frames(img: Image.Image) -> list[Image.Image]:
    return [img, img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]


def _pdf(img: Image.Image) -> bytes:
    # 150 dpi makes a 1200x850 certificate an A4-ish landscape page (576x408 pt).
    second = _second_page(img.size)
    return _save(img, "PDF", save_all=True, append_images=[second], resolution=150.0)


def _truncated_jpeg(img: Image.Image) -> bytes:
    data = _save(img, "JPEG", quality=90)
    return data[: len(data) * 6 // 10]


def _text(_: Image.Image) -> bytes:
    return b"Certificate of Proficiency\nName: Chen Yi-Ting\nThis is a text file.\n"


def bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """Return a valid 1-bit PNG of a huge pixel count that compresses to a few hundred KiB."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    comp = zlib.compressobj(9)
    parts = [comp.compress(row) for _ in range(height)]
    parts.append(comp.flush())
    idat = b"".join(parts)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


_ENCODERS: dict[str, Callable[[Image.Image], bytes]] = {
    "jpeg": lambda im: _save(im, "JPEG", quality=90),
    "jpeg_progressive": lambda im: _save(im, "JPEG", quality=90, progressive=True),
    "jpeg_cmyk": lambda im: _save(im.convert("CMYK"), "JPEG", quality=90),
    "jpeg_exif_rotated": _jpeg_exif_rotated,
    "mpo": lambda im: _save(
        im, "MPO", save_all=True, append_images=[im.resize((im.width // 2, im.height // 2))]
    ),
    "png": lambda im: _save(im, "PNG"),
    "png16": _png16,
    "png_palette_alpha": _png_palette_alpha,
    "heic": _heic,
    "heic_named_jpg": _heic,
    "webp": lambda im: _save(im, "WEBP", quality=80),
    "webp_animated": lambda im: _save(
        im, "WEBP", save_all=True, append_images=_frames(im)[1:], duration=500, quality=80
    ),
    "avif": lambda im: _save(im, "AVIF", quality=70, speed=10),
    "tiff_multipage": lambda im: _save(
        im, "TIFF", save_all=True, append_images=[_second_page(im.size)], compression="tiff_deflate"
    ),
    "gif_animated": lambda im: _save(
        im, "GIF", save_all=True, append_images=_frames(im)[1:], duration=500, loop=0
    ),
    "bmp": lambda im: _save(im, "BMP"),
    "pdf": _pdf,
    "pdf_encrypted": lambda im: encrypted_pdf(),
    "truncated_jpeg": _truncated_jpeg,
    "empty": lambda im: b"",
    "text": _text,
    "bomb_png": lambda im: bomb_png(),
}


def encode(img: Image.Image, kind: str) -> bytes:
    """Return the bytes of `img` saved as one of KINDS (some kinds ignore `img` on purpose)."""
    try:
        encoder = _ENCODERS[kind]
    except KeyError:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}") from None
    return encoder(img.convert("RGB"))


def sample(
    kind: str, *, seed: int = 0, name: str = "Chen Yi-Ting", size: tuple[int, int] = (600, 425)
) -> bytes:
    """Return the bytes of a small certificate of the given kind (a shortcut for tests and demos)."""
    return encode(
        certificate_image(name=name, number=f"No. {seed:06d}", size=size, seed=seed), kind
    )


# --- a password-protected PDF ---


def encrypted_pdf(user_password: str = PDF_PASSWORD, owner_password: str = "owner") -> bytes:
    """Return a one-page PDF that needs USER_PASSWORD to open (RC4, the Standard handler).

    pypdf (a test extra, not needed by the demo) writes it; its file ID is random, so unlike
    the other kinds the bytes differ from call to call.
    """
    try:
        from pypdf import PdfWriter
    except ImportError:
        raise RuntimeError(
            "encrypted sample PDFs need pypdf — install the test extra: pip install -e '.[test]'"
        ) from None
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=420)
    # RC4 needs no cryptography package (pypdf has it built in); AES would.
    writer.encrypt(user_password, owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- benchmark material ---


def phone_photo(seed: int, megapixels: float = 12.0) -> bytes:
    """Return a JPEG like a phone photo of a certificate: 4:3, noisy, EXIF with camera and GPS."""
    w = round((megapixels * 1e6 * 4 / 3) ** 0.5)
    h = w * 3 // 4
    r = np.random.default_rng(seed)
    # Draw small and upscale: a phone photo is soft; then add sensor noise so the JPEG has the
    # size (2-4 MB) and decoding cost of a real one.
    base = certificate_image(
        name=f"Student {seed}", number=f"No. {seed:06d}", size=(w // 4, h // 4), seed=seed
    )
    img = base.resize((w, h), Image.Resampling.BILINEAR)
    noise = r.integers(-12, 13, size=(h // 2, w // 2, 1), dtype=np.int16)
    noise = np.repeat(np.repeat(noise, 2, axis=0), 2, axis=1)
    arr = np.clip(np.asarray(img, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
    exif = Image.Exif()
    exif[0x010F] = "Synthetic Phone Co."  # Make
    exif[0x0110] = "Model S"  # Model
    exif[0x0132] = "2024:05:01 10:00:00"  # DateTime
    exif[ORIENTATION] = 1
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (25.0, 2.0, 3.5)
    gps[3] = "E"
    gps[4] = (121.0, 33.0, 54.0)
    return _save(Image.fromarray(arr), "JPEG", quality=88, exif=exif)


def with_unique_tag(jpeg: bytes, n: int) -> bytes:
    """Return `jpeg` with a JPEG comment holding `n` inserted, so each copy has its own hash."""
    if jpeg[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    body = b"certreview-benchmark %d" % n
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(body) + 2) + body + jpeg[2:]
