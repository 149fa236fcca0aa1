"""Keep uploaded originals by content hash, with cached thumbnails and previews beside them."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from certreview.images import PREVIEW_SIZE, inspect_image, render_preview
from certreview.private import make_private_dir

_SHA = re.compile(r"[0-9a-f]{64}")


def _write_atomically(path: Path, data: bytes) -> None:
    make_private_dir(path.parent)
    # A reader (or a crash) never sees half a file: write beside it, then rename over.
    # mkstemp's mode 0600 is kept: uploads are personal data, readable by this user only.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ImageStore:
    """Store originals under root/originals by SHA-256, never changing or deleting them.

    >>> store = ImageStore(Path("data/images"))  # doctest: +SKIP
    >>> sha = store.put(b"...jpeg bytes...")  # doctest: +SKIP
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

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

    def preview_path(self, sha: str, page: int = 0) -> Path:
        """Return where the cached preview of one page of this original is (or would be) kept."""
        sha = self._check(sha)
        return self.root / "previews" / sha[:2] / f"{sha}-p{int(page)}.jpg"

    def put(self, data: bytes) -> str:
        """Store `data` once and return its SHA-256 hex digest; an existing copy is left as is."""
        sha = hashlib.sha256(data).hexdigest()
        path = self.original_path(sha)
        if not path.exists():
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
        _write_atomically(self.thumbnail_path(sha), jpeg)

    def thumbnail(self, sha: str) -> bytes | None:
        """Return the cached thumbnail, remaking it from the original if the cache was deleted."""
        path = self.thumbnail_path(sha)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        try:
            data = self.read_original(sha)
        except FileNotFoundError:
            return None
        jpeg = inspect_image(data).thumbnail
        if jpeg is not None:
            self.save_thumbnail(sha, jpeg)
        return jpeg

    def preview(self, sha: str, page: int = 0) -> bytes:
        """Return a metadata-free JPEG of one page, made on first view and cached.

        Raise FileNotFoundError without the original, ImageRefused if it cannot be shown and
        IndexError for a page it does not have.
        """
        path = self.preview_path(sha, page)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        jpeg = render_preview(self.read_original(sha), page=page, max_side=PREVIEW_SIZE)
        _write_atomically(path, jpeg)
        return jpeg
