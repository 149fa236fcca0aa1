"""Images folders and ZIPs: names from Windows and macOS, traversal, symlinks and ZIP bombs."""

from __future__ import annotations

import os
import unicodedata
import zipfile
from pathlib import Path

import pytest

from certreview.images import sources
from certreview.images.sources import (
    ImageSourceError,
    ImageTooLarge,
    MissingImage,
    UnreadableFile,
    UnsafeArchive,
    UnsafePath,
    clean_relative,
    open_source,
)

JPEG = b"\xff\xd8\xff\xe0 pretend jpeg bytes \xff\xd9"


class RawNameInfo(zipfile.ZipInfo):
    """A ZIP entry whose name is written as raw bytes without the UTF-8 flag, as Windows does."""

    def __init__(self, raw: bytes) -> None:
        super().__init__(raw.decode("cp437"))
        self._raw = raw

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # zipfile's own hook
        return self._raw, self.flag_bits & ~0x800


def make_zip(
    path: Path, entries: dict[str | bytes, bytes], method: int = zipfile.ZIP_STORED
) -> Path:
    """Write a ZIP; bytes names are stored raw without the UTF-8 flag."""
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        for name, data in entries.items():
            info = RawNameInfo(name) if isinstance(name, bytes) else zipfile.ZipInfo(name)
            info.compress_type = method
            zf.writestr(info, data)
    return path


@pytest.mark.parametrize(
    ("given", "clean"),
    [
        ("a.jpg", "a.jpg"),
        ("  sub\\a.jpg ", "sub/a.jpg"),
        ("./sub//a.jpg", "sub/a.jpg"),
        (unicodedata.normalize("NFD", "陳怡婷/é.jpg"), "陳怡婷/é.jpg"),
    ],
)
def test_clean_relative(given: str, clean: str) -> None:
    assert clean_relative(given) == clean


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            "../x.jpg",
            "The image path “../x.jpg” points outside the images folder — it was not read",
        ),
        (
            "a/../../x.jpg",
            "The image path “a/../../x.jpg” points outside the images folder — it was not read",
        ),
        (
            "..\\x.jpg",
            "The image path “..\\x.jpg” points outside the images folder — it was not read",
        ),
        ("/etc/passwd", "The image path “/etc/passwd” is absolute — it was not read"),
        (
            "\\\\server\\share\\x.jpg",
            "The image path “\\\\server\\share\\x.jpg” is absolute — it was not read",
        ),
        ("C:\\Users\\x.jpg", "The image path “C:\\Users\\x.jpg” is absolute — it was not read"),
        ("c:x.jpg", "The image path “c:x.jpg” is absolute — it was not read"),
        ("a\x00.jpg", "The image path “a\x00.jpg” is absolute — it was not read"),
    ],
)
def test_unsafe_paths_are_refused(given: str, message: str) -> None:
    with pytest.raises(UnsafePath) as caught:
        clean_relative(given)
    assert str(caught.value) == message
    assert isinstance(caught.value, ImageSourceError)


# --- folders ---


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "images"
    (root / "B10912345").mkdir(parents=True)
    (root / "B10912345" / "toeic.jpg").write_bytes(JPEG)
    (root / "Photo.JPG").write_bytes(JPEG)
    # macOS stores decomposed names; the export names them composed.
    (root / unicodedata.normalize("NFD", "café.jpg")).write_bytes(JPEG)
    (tmp_path / "secret.txt").write_bytes(b"outside")
    return root


def test_folder_reads_by_relative_path(folder: Path) -> None:
    with open_source(folder) as images:
        assert images.read("B10912345/toeic.jpg") == JPEG
        assert images.read("B10912345\\toeic.jpg") == JPEG
        assert images.read("photo.jpg") == JPEG  # case-insensitive fallback
        assert images.read("café.jpg") == JPEG
        assert images.names() == ["B10912345/toeic.jpg", "Photo.JPG", "café.jpg"]


def test_folder_refuses_traversal(folder: Path) -> None:
    with open_source(folder) as images, pytest.raises(UnsafePath):
        images.read("../secret.txt")


def test_folder_refuses_symlinks_out(folder: Path) -> None:
    (folder / "link.jpg").symlink_to(folder.parent / "secret.txt")
    (folder / "linkdir").symlink_to(folder.parent, target_is_directory=True)
    with open_source(folder) as images:
        with pytest.raises(UnsafePath) as caught:
            images.read("link.jpg")
        assert str(caught.value) == (
            "The image “link.jpg” is a link to another file, not a file in the images folder "
            "— it was not read"
        )
        with pytest.raises(UnsafePath):
            images.read("linkdir/secret.txt")


def test_folder_refuses_symlinks_even_inside(folder: Path) -> None:
    # Where a link points is checked and then followed: in between it can be changed.
    (folder / "inside.jpg").symlink_to(folder / "Photo.JPG")
    (folder / "dirlink").symlink_to(folder / "B10912345", target_is_directory=True)
    with open_source(folder) as images:
        with pytest.raises(UnsafePath):
            images.read("inside.jpg")
        with pytest.raises(UnsafePath):
            images.read("dirlink/toeic.jpg")
        assert images.read("Photo.JPG") == JPEG


def test_folder_symlink_loops_are_refused_not_fatal(folder: Path) -> None:
    (folder / "self.jpg").symlink_to(folder / "self.jpg")
    (folder / "a.jpg").symlink_to(folder / "b.jpg")
    (folder / "b.jpg").symlink_to(folder / "a.jpg")
    (folder / "loopdir").symlink_to(folder / "loopdir", target_is_directory=True)
    with open_source(folder) as images:
        for name in ("self.jpg", "a.jpg", "b.jpg", "loopdir/x.jpg", "SELF.JPG"):
            with pytest.raises(UnsafePath):
                images.read(name)
        assert "self.jpg" in images.names()
        assert images.read("photo.jpg") == JPEG


def test_folder_refuses_a_hard_link_to_a_file_outside(folder: Path) -> None:
    os.link(folder.parent / "secret.txt", folder / "secret.jpg")
    with open_source(folder) as images, pytest.raises(UnsafePath) as caught:
        images.read("secret.jpg")
    assert str(caught.value) == (
        "The image “secret.jpg” is also linked from outside the images folder (a hard link) "
        "— it was not read"
    )


def test_folder_reads_hard_links_that_all_stay_inside(folder: Path) -> None:
    os.link(folder / "Photo.JPG", folder / "B10912345" / "copy.jpg")
    with open_source(folder) as images:
        assert images.read("B10912345/copy.jpg") == JPEG
        assert images.read("Photo.JPG") == JPEG


def test_folder_refuses_a_named_pipe_without_waiting(folder: Path) -> None:
    os.mkfifo(folder / "pipe.jpg")
    with open_source(folder) as images, pytest.raises(MissingImage) as caught:
        images.read("pipe.jpg")
    assert str(caught.value) == "The image “pipe.jpg” is not a file"


def test_folder_missing_and_too_large(folder: Path) -> None:
    with open_source(folder, max_bytes=10) as images:
        with pytest.raises(MissingImage) as missing:
            images.read("B10912345/gept.jpg")
        assert str(missing.value) == "The image “B10912345/gept.jpg” is not in the images folder"
        with pytest.raises(MissingImage):
            images.read("B10912345")
        with pytest.raises(MissingImage) as blank:
            images.read("  ")
        assert str(blank.value) == "No image file name was given"
        with pytest.raises(ImageTooLarge) as large:
            images.read("Photo.JPG")
        # The student-facing words (a 10-byte limit makes the sizes round to 0.0 MB).
        assert str(large.value) == (
            "The file is 0.0 MB, over the 0.0 MB limit — please upload a smaller copy "
            "(a phone photo or a 300 dpi scan is enough)"
        )


# --- ZIPs ---

CP950_NAME = "王小明/許功蓋證照.jpg"  # 許 and 功 end in byte 0x5C ("\") in CP950


def test_zip_cp950_names_without_utf8_flag(tmp_path: Path) -> None:
    raw = CP950_NAME.encode("cp950")
    assert b"\\" in raw
    path = make_zip(
        tmp_path / "u.zip", {raw: JPEG, "utf8/陳怡婷.jpg": b"utf8", b"plain.jpg": b"ascii"}
    )
    with open_source(path) as images:
        assert images.names() == ["plain.jpg", "utf8/陳怡婷.jpg", CP950_NAME]
        assert images.read(CP950_NAME) == JPEG
        assert images.read("utf8\\陳怡婷.jpg") == b"utf8"
        assert images.read("PLAIN.JPG") == b"ascii"


def test_zip_windows_backslash_entries_and_nfd(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "dir\\café.jpg").encode("utf-8")
    path = make_zip(tmp_path / "w.zip", {nfd: JPEG})
    with open_source(path) as images:
        assert images.read("dir/café.jpg") == JPEG


def test_zip_refuses_traversal_and_hides_unsafe_entries(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "t.zip", {"../x.jpg": JPEG, "/abs.jpg": JPEG, "ok.jpg": JPEG})
    with open_source(path) as images:
        assert images.names() == ["ok.jpg"]
        with pytest.raises(UnsafePath):
            images.read("../x.jpg")
        with pytest.raises(UnsafePath):
            images.read("/abs.jpg")
        with pytest.raises(MissingImage) as missing:
            images.read("x.jpg")
        assert str(missing.value) == "The image “x.jpg” is not in the ZIP"


def test_zip_bomb_by_ratio_is_refused_up_front(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "bomb.zip",
        {"a.jpg": JPEG, "b.jpg": b"\x00" * (4 * 1024 * 1024)},
        zipfile.ZIP_DEFLATED,
    )
    with pytest.raises(UnsafeArchive) as caught:
        open_source(path)
    assert (
        str(caught.value)
        == "“bomb.zip” contains “b.jpg”, compressed over 100 times like a ZIP bomb — it was not opened"
    )


def test_zip_with_too_many_entries_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "MAX_ENTRIES", 10)
    path = make_zip(tmp_path / "many.zip", {f"{i}.jpg": JPEG for i in range(11)})
    with pytest.raises(UnsafeArchive) as caught:
        open_source(path)
    assert (
        str(caught.value) == "“many.zip” holds 11 files, over the limit of 10 — it was not opened"
    )


def test_zip_with_too_much_data_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_TOTAL_BYTES", 2048)
    path = make_zip(tmp_path / "big.zip", {f"{i}.jpg": bytes(range(256)) * 4 for i in range(3)})
    with pytest.raises(UnsafeArchive) as caught:
        open_source(path)
    assert (
        str(caught.value) == "“big.zip” unpacks to 3 KB, over the limit of 2 KB — it was not opened"
    )


def test_zip_entry_over_the_byte_limit_is_not_read(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "l.zip", {"big.jpg": b"\x01" * 5000})
    with open_source(path, max_bytes=1000) as images, pytest.raises(ImageTooLarge):
        images.read("big.jpg")


def test_zip_damaged_entry(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "d.zip", {"a.jpg": JPEG})
    data = bytearray(path.read_bytes())
    at = data.index(JPEG)
    data[at + 5] ^= 0xFF  # the CRC no longer matches
    path.write_bytes(bytes(data))
    with open_source(path) as images, pytest.raises(UnreadableFile) as caught:
        images.read("a.jpg")
    assert str(caught.value) == "The image “a.jpg” is damaged inside the ZIP"


def test_not_a_source(tmp_path: Path) -> None:
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    with pytest.raises(ImageSourceError) as caught:
        open_source(tmp_path / "x.zip")
    assert str(caught.value) == "“x.zip” is not a ZIP file that can be opened"
    with pytest.raises(ImageSourceError):
        open_source(tmp_path / "nowhere")


def test_zip_never_writes_anything(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "n.zip", {"../../escape.jpg": JPEG, "ok.jpg": JPEG})
    before = sorted(os.listdir(tmp_path))
    with open_source(path) as images:
        images.read("ok.jpg")
    assert sorted(os.listdir(tmp_path)) == before
