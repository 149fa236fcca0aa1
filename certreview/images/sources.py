"""Read uploaded image files from an images folder or ZIP, refusing anything outside it."""

from __future__ import annotations

import errno
import os
import re
import stat as stat_module
import struct
import unicodedata
import zipfile
import zlib
from collections import Counter
from pathlib import Path
from types import TracebackType

from certreview.i18n import N_, _
from certreview.images.limits import MAX_BYTES, oversize_message

MAX_ENTRIES = 100_000  # a department's year of uploads is a few thousand files
MAX_TOTAL_BYTES = 50 * 1024**3  # declared, uncompressed
MAX_RATIO = 100  # JPEG, PNG, HEIC and PDF hardly compress; a bomb compresses a thousandfold
RATIO_FLOOR = 1024 * 1024  # small entries (text, tiny icons) may compress well without harm

_DRIVE = re.compile(r"^[A-Za-z]:")
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_UNICODE_PATH_EXTRA = 0x7075  # Info-ZIP: the UTF-8 name some Windows tools add
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class ImageSourceError(Exception):
    """Base of every refusal to read from an images folder or ZIP; str() is one plain line."""


class UnsafePath(ImageSourceError):
    """Raised for a path that is absolute, climbs out with `..`, or is a link."""


class MissingImage(ImageSourceError):
    """Raised when no file of that name is in the folder or ZIP."""


class ImageTooLarge(ImageSourceError):
    """Raised, before reading, for a file over the byte limit."""


class UnsafeArchive(ImageSourceError):
    """Raised when opening a ZIP whose entry count, total size or compression ratio is a bomb's."""


class UnreadableFile(ImageSourceError):
    """Raised when a file is there but cannot be read (damaged or password-protected ZIP entry)."""


def clean_relative(relative: str) -> str:
    """Return `relative` as a safe NFC path with `/` separators, or raise UnsafePath/MissingImage.

    >>> clean_relative("images\\\\王小明.JPG")
    'images/王小明.JPG'
    """
    if not isinstance(relative, str) or not relative.strip():
        raise MissingImage(N_("No image file name was given"))
    name = unicodedata.normalize("NFC", relative.strip().replace("\\", "/"))
    if "\x00" in name or name.startswith("/") or _DRIVE.match(name):
        raise UnsafePath(
            N_("The image path “{path}” is absolute — it was not read").format(path=relative)
        )
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafePath(
            N_("The image path “{path}” points outside the images folder — it was not read").format(
                path=relative
            )
        )
    if not parts:
        raise MissingImage(N_("The image path “{path}” names no file").format(path=relative))
    return "/".join(parts)


def _human(n: int) -> str:
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= size:
            return f"{n / size:.0f} {unit}"
    return f"{n} bytes"


def _too_large(relative: str, size: int, max_bytes: int) -> ImageTooLarge:
    # The same words as every other refusal: they reach the student in the notices.
    return ImageTooLarge(oversize_message(size, max_bytes))


class ImageSource:
    """A folder or ZIP of uploaded images, read by the relative paths the submissions name."""

    def __init__(self, path: Path, max_bytes: int = MAX_BYTES) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes

    def __enter__(self) -> ImageSource:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r})"

    def close(self) -> None:
        """Release the source (a ZIP's open file)."""

    def names(self) -> list[str]:
        """Return the relative paths of all files, sorted."""
        raise NotImplementedError

    def read(self, relative: str) -> bytes:
        """Return the bytes of one file, or raise an ImageSourceError saying why not."""
        raise NotImplementedError


class FolderSource(ImageSource):
    """Images in a folder, read only as plain files that no link leads into or out of.

    Any symlink on the way is refused, even one pointing inside: a link can be changed to
    point elsewhere between the check and the read, and a loop of links must not end the
    import. A file with several hard links is read only when all of them are inside the
    folder (counted by device and inode), so a hard link to a file elsewhere is refused.
    """

    def __init__(self, path: Path, max_bytes: int = MAX_BYTES) -> None:
        super().__init__(path, max_bytes)
        self.root = self.path.resolve(strict=True)
        self._exact: dict[str, Path] | None = None
        self._folded: dict[str, Path] = {}
        self._links: Counter[tuple[int, int]] | None = None

    def _index(self) -> dict[str, Path]:
        # Built on the first miss only: exact names are the common case and cost one stat.
        if self._exact is None:
            self._exact = {}
            for dirpath, dirnames, filenames in os.walk(self.root):
                dirnames.sort()
                for filename in sorted(filenames):
                    full = Path(dirpath, filename)
                    key = unicodedata.normalize("NFC", full.relative_to(self.root).as_posix())
                    self._exact.setdefault(key, full)
                    self._folded.setdefault(key.casefold(), full)
        return self._exact

    def names(self) -> list[str]:
        """Return the relative paths of all files, sorted (NFC)."""
        return sorted(self._index())

    def _find(self, clean: str) -> Path:
        candidate = self.root.joinpath(*clean.split("/"))
        if os.path.lexists(candidate) or self._through_link(clean):
            return candidate  # a link on the way is refused when it is opened
        # macOS writes decomposed (NFD) names and Windows users ignore case: match loosely.
        found = self._index().get(clean) or self._folded.get(clean.casefold())
        if found is None:
            raise MissingImage(
                N_("The image “{name}” is not in the images folder").format(name=clean)
            )
        return found

    def _through_link(self, clean: str) -> bool:
        parts = clean.split("/")
        return any(self.root.joinpath(*parts[:i]).is_symlink() for i in range(1, len(parts)))

    def _links_inside(self, stat: os.stat_result) -> bool:
        """Return whether every hard link of the file with `stat` is inside the folder."""
        if self._links is None:
            # Walked once, and only when a file with several links turns up.
            self._links = Counter()
            for dirpath, _, filenames in os.walk(self.root):
                for filename in filenames:
                    try:
                        st = os.lstat(os.path.join(dirpath, filename))
                    except OSError:
                        continue
                    if stat_module.S_ISREG(st.st_mode) and st.st_nlink > 1:
                        self._links[st.st_dev, st.st_ino] += 1
        return self._links[stat.st_dev, stat.st_ino] >= stat.st_nlink

    def _open(self, parts: tuple[str, ...]) -> int:
        """Return a descriptor of the file at `parts` below the root, following no link."""
        if os.open in os.supports_dir_fd:
            # One component at a time with O_NOFOLLOW: nothing can be swapped in between.
            fd = os.open(self.root, os.O_RDONLY | _O_DIRECTORY)
            try:
                for part in parts[:-1]:
                    try:
                        inner = os.open(part, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW, dir_fd=fd)
                    except NotADirectoryError:
                        # Linux says "not a folder" for a link to one: tell the two apart.
                        st = os.stat(part, dir_fd=fd, follow_symlinks=False)
                        if stat_module.S_ISLNK(st.st_mode):
                            raise OSError(errno.ELOOP, "symbolic link") from None
                        raise
                    os.close(fd)
                    fd = inner
                # O_NONBLOCK: a named pipe must not hang the import; it is refused below.
                return os.open(parts[-1], os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK, dir_fd=fd)
            finally:
                os.close(fd)
        for i in range(1, len(parts) + 1):  # Windows: check each component, then open
            if self.root.joinpath(*parts[:i]).is_symlink():
                raise OSError(errno.ELOOP, "symbolic link")
        return os.open(self.root.joinpath(*parts), os.O_RDONLY | getattr(os, "O_BINARY", 0))

    def read(self, relative: str) -> bytes:
        """Return the bytes of one file in the folder, or raise an ImageSourceError saying why not."""
        clean = clean_relative(relative)
        parts = self._find(clean).relative_to(self.root).parts
        try:
            fd = self._open(parts)
        except FileNotFoundError:
            raise MissingImage(
                N_("The image “{name}” is not in the images folder").format(name=clean)
            ) from None
        except NotADirectoryError:
            raise MissingImage(N_("The image “{name}” is not a file").format(name=clean)) from None
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.EMLINK):  # EMLINK: FreeBSD's O_NOFOLLOW
                raise UnsafePath(
                    N_(
                        "The image “{name}” is a link to another file, not a file in the images "
                        "folder — it was not read"
                    ).format(name=clean)
                ) from None
            raise UnreadableFile(
                N_("The image “{name}” could not be read ({reason})").format(
                    name=clean, reason=exc.strerror
                )
            ) from None
        try:
            st = os.fstat(fd)
            if not stat_module.S_ISREG(st.st_mode):
                raise MissingImage(N_("The image “{name}” is not a file").format(name=clean))
            if st.st_nlink > 1 and not self._links_inside(st):
                raise UnsafePath(
                    N_(
                        "The image “{name}” is also linked from outside the images folder (a hard "
                        "link) — it was not read"
                    ).format(name=clean)
                )
            if st.st_size > self.max_bytes:
                raise _too_large(clean, st.st_size, self.max_bytes)
            with os.fdopen(fd, "rb", closefd=False) as f:
                data = f.read(self.max_bytes + 1)  # the file may grow after fstat()
        except OSError as exc:
            raise UnreadableFile(
                N_("The image “{name}” could not be read ({reason})").format(
                    name=clean, reason=exc.strerror
                )
            ) from None
        finally:
            os.close(fd)
        if len(data) > self.max_bytes:
            raise _too_large(clean, len(data), self.max_bytes)
        return data


def _unicode_extra(info: zipfile.ZipInfo, raw: bytes) -> str | None:
    extra, i = info.extra, 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, i)
        body = extra[i + 4 : i + 4 + size]
        # Valid only while it still describes the same raw name (tools may rename later).
        if (
            tag == _UNICODE_PATH_EXTRA
            and len(body) >= 5
            and body[0] == 1
            and struct.unpack_from("<I", body, 1)[0] == zlib.crc32(raw)
        ):
            try:
                return body[5:].decode("utf-8")
            except UnicodeDecodeError:
                return None
        i += 4 + size
    return None


def entry_name(info: zipfile.ZipInfo) -> str:
    """Return the real name of a ZIP entry: UTF-8 if flagged, else UTF-8 or CP950 (Taiwan Windows)."""
    if info.flag_bits & _UTF8_FLAG:
        return info.orig_filename
    raw = info.orig_filename.encode("cp437")  # zipfile decoded the raw bytes as CP437
    unicode_name = _unicode_extra(info, raw)
    if unicode_name is not None:
        return unicode_name
    for encoding in ("utf-8", "cp950"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.orig_filename


def _safe_key(name: str) -> str | None:
    try:
        return clean_relative(name)
    except ImageSourceError:
        return None  # unsafe or empty entry names are simply not reachable


class ZipSource(ImageSource):
    """Images in a ZIP, checked for bombs when opened and never read past declared sizes."""

    def __init__(self, path: Path, max_bytes: int = MAX_BYTES) -> None:
        super().__init__(path, max_bytes)
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise ImageSourceError(
                _("“{name}” is not a ZIP file that can be opened").format(name=self.path.name)
            ) from None
        try:
            infos = [i for i in self._zip.infolist() if not i.is_dir()]
            self._refuse_bombs(infos)
        except BaseException:
            self._zip.close()
            raise
        self._exact: dict[str, zipfile.ZipInfo] = {}
        self._folded: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            key = _safe_key(entry_name(info))
            if key is not None:
                self._exact.setdefault(key, info)
                self._folded.setdefault(key.casefold(), info)

    def _refuse_bombs(self, infos: list[zipfile.ZipInfo]) -> None:
        name = self.path.name
        if len(infos) > MAX_ENTRIES:
            raise UnsafeArchive(
                _(
                    "“{name}” holds {count} files, over the limit of {max_entries} — it was not "
                    "opened"
                ).format(name=name, count=len(infos), max_entries=MAX_ENTRIES)
            )
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES:
            raise UnsafeArchive(
                _(
                    "“{name}” unpacks to {size}, over the limit of {limit} — it was not opened"
                ).format(name=name, size=_human(total), limit=_human(MAX_TOTAL_BYTES))
            )
        for info in infos:
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(
                1, info.compress_size
            ):
                raise UnsafeArchive(
                    _(
                        "“{name}” contains “{entry_name}”, compressed over {max_ratio} times like a "
                        "ZIP bomb — it was not opened"
                    ).format(name=name, entry_name=entry_name(info), max_ratio=MAX_RATIO)
                )

    def close(self) -> None:
        """Close the ZIP file."""
        self._zip.close()

    def names(self) -> list[str]:
        """Return the safe relative paths of all entries, sorted (NFC, `/` separators)."""
        return sorted(self._exact)

    def read(self, relative: str) -> bytes:
        """Return the bytes of one entry, or raise an ImageSourceError saying why not."""
        clean = clean_relative(relative)
        info = self._exact.get(clean) or self._folded.get(clean.casefold())
        if info is None:
            raise MissingImage(N_("The image “{name}” is not in the ZIP").format(name=clean))
        if info.file_size > self.max_bytes:
            raise _too_large(clean, info.file_size, self.max_bytes)
        if info.flag_bits & _ENCRYPTED_FLAG:
            raise UnreadableFile(
                N_("The image “{name}” is password-protected inside the ZIP").format(name=clean)
            )
        try:
            with self._zip.open(info) as f:
                # zipfile stops at the declared size and checks the CRC on reaching the end.
                data = f.read(info.file_size + 1)
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            OSError,
            NotImplementedError,
            RuntimeError,
        ):
            raise UnreadableFile(
                N_("The image “{name}” is damaged inside the ZIP").format(name=clean)
            ) from None
        if len(data) != info.file_size:
            raise UnreadableFile(
                N_("The image “{name}” is damaged inside the ZIP").format(name=clean)
            )
        return data


def open_source(path: Path, max_bytes: int = MAX_BYTES) -> ImageSource:
    """Return the images folder or ZIP at `path`, to be used as a context manager.

    >>> with open_source(Path("uploads.zip")) as images:  # doctest: +SKIP
    ...     data = images.read("B10912345/toeic.jpg")
    """
    path = Path(path)
    if path.is_dir():
        return FolderSource(path, max_bytes)
    if path.is_file():
        return ZipSource(path, max_bytes)
    raise ImageSourceError(_("There is no images folder or ZIP at “{path}”").format(path=path))
