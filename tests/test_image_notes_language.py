"""Why a file was refused is stored in plain English and read in the reader's language."""

from __future__ import annotations

import pytest

from certreview import i18n
from certreview.images.limits import (
    MAX_PIXELS,
    MSG_DAMAGED,
    MSG_PDF_PASSWORD,
    MSG_TRUNCATED,
    message_code,
    note_in_language,
    oversize_message,
    pdf_stream_message,
    pixels_message,
)
from certreview.images.sources import FolderSource, MissingImage
from certreview.store.imagestore import ImageStore, UnreadableAllowance


@pytest.fixture
def chinese():
    i18n.set_language("zh-TW")
    yield
    i18n.set_language(None)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (MSG_TRUNCATED, "檔案不完整 — 請重新上傳"),
        (MSG_PDF_PASSWORD, "這個 PDF 有密碼保護 — 請上傳沒有密碼的版本"),
        (
            oversize_message(40 * 1024 * 1024),
            "檔案大小為 40 MB，超過上限 30 MB — 請上傳較小的檔案（手機照片或 300 dpi 掃描檔即可）",
        ),
        (
            pixels_message(None, MAX_PIXELS),
            "圖片有 像素過多，超過安全上限 60 百萬像素 — 請上傳較小的檔案",
        ),
        (
            pdf_stream_message(256 * 1024 * 1024),
            "這個 PDF 解壓縮後超過 256 MB，遠大於證照所需 — 請重新儲存或列印成新的 PDF，或改上傳照片或掃描檔",
        ),
        ("The image “證照/王小明.jpg” is not in the ZIP", "ZIP 壓縮檔中沒有「證照/王小明.jpg」"),
        ("a note the office typed by hand", "a note the office typed by hand"),
        (None, ""),
    ],
)
def test_stored_notes_read_in_traditional_chinese(chinese, stored, shown):
    assert note_in_language(stored) == shown


def test_english_readers_see_the_stored_note(tmp_path):
    note = oversize_message(40 * 1024 * 1024)
    assert note_in_language(note) == note
    assert note.startswith("The file is 40 MB, over the 30 MB limit")


def test_a_refusal_with_a_remark_after_it(chinese, tmp_path):
    allowance = UnreadableAllowance(ImageStore(tmp_path / "store"), max_bytes=2**21)
    sha, note = allowance.put(b"\x89PNG\r\n\x1a\n" + b"\x00" * 2**21)  # over the allowance
    assert sha is None and note is not None
    verdict, remark, _ = note.partition(" (the file was not kept")  # stored in English
    assert remark and verdict in (MSG_TRUNCATED, MSG_DAMAGED)
    assert note_in_language(note) == (
        i18n._(verdict) + "（未保留檔案：本次匯入保留無法開啟之檔案的額度 2.0 MB 已用完）"
    )
    i18n.set_language("en")
    assert message_code("unreadable_image", note) in ("truncated", "damaged")


def test_what_intake_stores_does_not_follow_the_language(chinese, tmp_path):
    (tmp_path / "images").mkdir()
    with pytest.raises(MissingImage) as refused:
        FolderSource(tmp_path / "images").read("missing.jpg")
    assert str(refused.value) == "The image “missing.jpg” is not in the images folder"
    assert note_in_language(str(refused.value)) == "圖檔資料夾中沒有「missing.jpg」"


@pytest.mark.parametrize(
    ("note", "chinese"),
    [
        ("This is a HEIC photo from an iPhone — accepted", "這是iPhone 的 HEIC 照片，可以受理"),
        ("This is an AVIF image — accepted", "這是AVIF 圖片，可以受理"),
        (
            "This is a PDF e-certificate (3 pages) — accepted",
            "這是PDF 電子證書（共 3 頁），可以受理",
        ),
    ],
)
def test_accepted_uploads_read_in_chinese(note: str, chinese: str) -> None:
    i18n.set_language("zh_TW")
    try:
        assert note_in_language(note) == chinese
    finally:
        i18n.set_language(None)
