"""Keep uploaded originals by content hash, with cached thumbnails, previews and copy features."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from certreview.i18n import N_
from certreview.images.features import Features
from certreview.images.inspect import PREVIEW_SIZE, inspect_image, quick_verdict, render_preview
from certreview.store.private import make_private_dir

_SHA = re.compile(r"[0-9a-f]{64}")
# What one import may add to the store in files that do not even open as pictures: enough
# for every honest mistake of a year, not a disk filled by 1,000 junk files in a small ZIP.
MAX_UNREADABLE_BYTES = 50 * 1024 * 1024


def _sync_folder(folder: Path) -> None:
    # A rename is only durable once its folder is written; Windows cannot open folders.
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems (and all of Windows) refuse fsync on a folder
    finally:
        os.close(fd)


def _write_atomically(
    path: Path, data: bytes, *, cache: bool = False, checked: bool = False
) -> None:
    """Write DATA to PATH whole or not at all; CACHE files may be lost, CHECKED ones torn too."""
    created = [p for p in path.parents if not p.is_dir()]
    make_private_dir(path.parent)
    # A reader (or a crash) never sees half a file: write beside it, then rename over.
    # mkstemp's mode 0600 is kept: uploads are personal data, readable by this user only.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            # Without fsync a power cut can leave an empty or cut-off file under the new name;
            # a CHECKED file is validated when read (and remade), so it needs none.
            if not checked:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if cache:
        return  # a cached file lost with its folder's update is simply made again
    _sync_folder(path.parent)
    for folder in created:  # a new folder's own name lives in its parent
        _sync_folder(folder.parent)


def _holds(path: Path, data: bytes) -> bool:
    """Return whether the file at `path` holds exactly `data` (False if absent or unreadable)."""
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _cached_jpeg(path: Path) -> bytes | None:
    """Return a cached JPEG, or None if it is absent or was cut off (it is then made again)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    # Every JPEG we write ends with its end marker; a crash can leave one empty or cut off.
    return data if data.endswith(b"\xff\xd9") else None


class ImageStore:
    """Store originals under root/originals by SHA-256, never changing or deleting them.

    >>> store = ImageStore(Path("data/images"))  # doctest: +SKIP
    >>> sha = store.put(b"...jpeg bytes...")  # doctest: +SKIP
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.repaired: set[str] = set()  # originals found damaged and rewritten by put()

    def __repr__(self) -> str:
        return f"ImageStore({str(self.root)!r})"

    @staticmethod
    def _check(sha: str) -> str:
        # The hash becomes a path: anything but 64 hex digits could point elsewhere.
        if not isinstance(sha, str) or not _SHA.fullmatch(sha):
            raise ValueError(f"not a SHA-256 hex digest: {sha!r}")
        return sha

    def original_path(self, sha: str) -> Path:
        """Return where the original with this hash is (or would be) kept."""
        sha = self._check(sha)
        return self.root / "originals" / sha[:2] / sha

    def thumbnail_path(self, sha: str) -> Path:
        """Return where the cached thumbnail of this original is (or would be) kept."""
        sha = self._check(sha)
        return self.root / "thumbs" / sha[:2] / f"{sha}.jpg"

    def features_path(self, sha: str) -> Path:
        """Return where the copy-check features of this original are (or would be) kept."""
        sha = self._check(sha)
        return self.root / "features" / sha[:2] / f"{sha}.orb"

    def preview_path(self, sha: str, page: int = 0) -> Path:
        """Return where the cached preview of one page of this original is (or would be) kept."""
        sha = self._check(sha)
        return self.root / "previews" / sha[:2] / f"{sha}-p{int(page)}.jpg"

    def put(self, data: bytes) -> str:
        """Store `data` once and return its SHA-256 hex digest; a damaged copy is rewritten."""
        sha = hashlib.sha256(data).hexdigest()
        path = self.original_path(sha)
        # The name promises the content: a copy a crash left empty or cut off is repaired
        # from these bytes instead of being trusted (a good copy is left untouched).
        if not _holds(path, data):
            if path.exists():
                self.repaired.add(sha)  # what was learnt from the damaged copy must be redone
            _write_atomically(path, data)
        return sha

    def has(self, sha: str) -> bool:
        """Return whether the original with this hash is stored."""
        return self.original_path(sha).is_file()

    def read_original(self, sha: str) -> bytes:
        """Return the original bytes, exactly as uploaded; raise FileNotFoundError if absent."""
        return self.original_path(sha).read_bytes()

    def save_thumbnail(self, sha: str, jpeg: bytes) -> None:
        """Cache the thumbnail made at intake."""
        _write_atomically(self.thumbnail_path(sha), jpeg, cache=True)

    def thumbnail(self, sha: str) -> bytes | None:
        """Return the cached thumbnail, remaking it from the original if the cache was deleted."""
        cached = _cached_jpeg(self.thumbnail_path(sha))
        if cached is not None:
            return cached
        try:
            data = self.read_original(sha)
        except FileNotFoundError:
            return None
        jpeg = inspect_image(data).thumbnail
        if jpeg is not None:
            self.save_thumbnail(sha, jpeg)
        return jpeg

    def save_features(self, sha: str, data: bytes) -> None:
        """Cache the copy-check features computed at intake (`Features.to_bytes`)."""
        _write_atomically(self.features_path(sha), data, cache=True, checked=True)

    def features(self, sha: str) -> Features | None:
        """Return the copy-check features, remaking them from the original if the cache is gone."""
        try:
            return Features.from_bytes(self.features_path(sha).read_bytes())
        except (OSError, ValueError):
            pass  # not made yet (a file stored before features were kept), deleted or damaged
        try:
            data = self.read_original(sha)
        except FileNotFoundError:
            return None
        made = inspect_image(data, features=True).features
        if made is None:
            return None
        self.save_features(sha, made)
        return Features.from_bytes(made)

    def preview(self, sha: str, page: int = 0) -> bytes:
        """Return a metadata-free JPEG of one page, made on first view and cached.

        Raise FileNotFoundError without the original, ImageRefused if it cannot be shown and
        IndexError for a page it does not have.
        """
        path = self.preview_path(sha, page)
        cached = _cached_jpeg(path)
        if cached is not None:
            return cached
        jpeg = render_preview(self.read_original(sha), page=page, max_side=PREVIEW_SIZE)
        _write_atomically(path, jpeg, cache=True)
        return jpeg


class UnreadableAllowance:
    """Store the files of one import, keeping only so many bytes of files that do not open.

    >>> allowance = UnreadableAllowance(store, max_bytes=50 * 1024 * 1024)  # doctest: +SKIP
    >>> sha, note = allowance.put(data)  # doctest: +SKIP
    """

    def __init__(self, store: ImageStore, max_bytes: int = MAX_UNREADABLE_BYTES) -> None:
        self.store = store
        self.max_bytes = max_bytes
        self.used = 0

    def __repr__(self) -> str:
        return f"UnreadableAllowance({self.store!r}, used={self.used}, max_bytes={self.max_bytes})"

    def put(self, data: bytes) -> tuple[str | None, str | None]:
        """Store `data` and return `(sha, None)`, or `(None, message)` when it is not kept."""
        verdict = quick_verdict(data)
        if verdict is None:
            return self.store.put(data), None
        sha = hashlib.sha256(data).hexdigest()
        if _holds(self.store.original_path(sha), data):
            return sha, None  # already kept: it adds nothing
        if self.used + len(data) > self.max_bytes:
            return None, (
                N_(
                    "{verdict} (the file was not kept: this import has already stored its limit of "
                    "{megabytes} of files that do not open)"
                ).format(verdict=verdict, megabytes=_megabytes(self.max_bytes))
            )
        self.used += len(data)
        return self.store.put(data), None


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"
