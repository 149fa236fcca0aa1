"""Check the files of new uploads and find copies of earlier uploads, without writing anything.

Both steps are slow (decoding photos, comparing thumbnails) and only read the database, so an
import runs them before it writes: a reviewer's decision meanwhile never waits for it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from certreview.images.neardup import same_picture, thumbnail_array
from certreview.images.phash import NEAR_DUPLICATE_DISTANCE
from certreview.images.pool import inspect_many
from certreview.store.imagestore import ImageStore
from certreview.store.models import ImageFile, Submission


@dataclass
class Upload:
    """One new submission row of an import, with the flags it collects on its way in."""

    line: int
    submission: Submission  # not yet in the session
    flags: set[str] = field(default_factory=set)
    previous: Submission | None = None  # the version this one replaces, if any
    changed: tuple[str, ...] = ()  # the fields that differ from that version


def check_files(
    session: Session,
    store: ImageStore,
    shas: Collection[str | None],
    workers: int | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> dict[str, ImageFile]:
    """Return the file record of every stored hash, inspecting files not checked before.

    Records of newly checked files are new objects outside the session: `session.merge` them
    when writing.
    """
    wanted = sorted({s for s in shas if s})
    files = {
        f.sha256: f for f in session.scalars(select(ImageFile).where(ImageFile.sha256.in_(wanted)))
    }
    # A file checked while its stored copy was damaged (a crash left it empty) is checked again.
    todo = [sha for sha in wanted if sha not in files or sha in store.repaired]
    items = [(sha, store.original_path(sha)) for sha in todo]
    for sha, report in inspect_many(items, workers=workers, progress=progress):
        if report.thumbnail is not None:
            store.save_thumbnail(sha, report.thumbnail)
        files[sha] = ImageFile(
            sha256=sha,
            byte_size=store.original_path(sha).stat().st_size,
            format=report.format,
            width=report.width,
            height=report.height,
            pixels=report.pixels,
            pages=report.pages,
            phash=report.phash,
            flag=report.flag,
            message=report.message,
        )
    return files


def find_copies(
    session: Session, store: ImageStore, new: list[Upload], files: dict[str, ImageFile]
) -> list[Submission]:
    """Flag unreadable files and copies on NEW; return the earlier submissions now shared."""
    replaced = {u.previous.id for u in new if u.previous is not None}
    earlier = session.execute(
        select(Submission, ImageFile)
        .join(ImageFile, Submission.image_sha256 == ImageFile.sha256)
        # A submission's older versions are its own history, not copies of it.
        .where(Submission.live)
        .order_by(Submission.id)
    ).all()
    shared: dict[int, Submission] = {}
    seen = _Seen(store)
    for old, image in earlier:
        if not image.flag and old.id not in replaced:
            seen.add(old, image)
    for upload in new:
        submission = upload.submission
        image = files.get(submission.image_sha256 or "")
        if image is None:
            continue
        if image.flag:
            # A file nobody can read is not a copy of anything: empty files all share one hash.
            upload.flags.add(image.flag)
            submission.image_note = image.message
            continue
        for match in seen.matches(image):
            owner = match.submission if isinstance(match, Upload) else match
            if owner.student_key == submission.student_key:
                upload.flags.add("duplicate_image")
                continue
            upload.flags.add("shared_image")
            # The earlier upload is just as suspect: the office must see both sides.
            if isinstance(match, Upload):
                match.flags.add("shared_image")
            else:
                shared[match.id] = match
        seen.add(upload, image)
    return list(shared.values())


class _Seen:
    """Earlier uploads, searchable by content hash and by perceptual hash, checked by eye."""

    def __init__(self, store: ImageStore) -> None:
        self.store = store
        self.by_sha: dict[str, list[Submission | Upload]] = {}
        self.entries: list[tuple[Submission | Upload, ImageFile]] = []
        self.hashes: list[int] = []
        self._array: np.ndarray | None = None
        self._thumbs: dict[str, np.ndarray | None] = {}

    def add(self, owner: Submission | Upload, image: ImageFile) -> None:
        self.by_sha.setdefault(image.sha256, []).append(owner)
        if image.phash:
            self.entries.append((owner, image))
            self.hashes.append(int(image.phash, 16))
            self._array = None

    def matches(self, image: ImageFile) -> list[Submission | Upload]:
        """Return earlier uploads of the same file or, after a pixel check, the same picture."""
        found = {id(s): s for s in self.by_sha.get(image.sha256, [])}
        if image.phash and self.hashes:
            if self._array is None:
                self._array = np.array(self.hashes, dtype=np.uint64)
            distance = np.bitwise_count(self._array ^ np.uint64(int(image.phash, 16)))
            for i in np.flatnonzero(distance <= NEAR_DUPLICATE_DISTANCE):
                other, other_image = self.entries[i]
                if id(other) not in found and self._same_picture(image, other_image):
                    found[id(other)] = other
        return list(found.values())

    def _same_picture(self, a: ImageFile, b: ImageFile) -> bool:
        if a.sha256 == b.sha256:
            return True
        ta, tb = self._thumb(a.sha256), self._thumb(b.sha256)
        # A perceptual-hash match is only a candidate. It cannot tell certificates of one
        # template apart (benchmarks/bench_copies.py: on a realistic set it flagged 102 of 160
        # uploads nobody copied, 2,102 of its 2,105 wrong pairs decided by the hash alone), so
        # a pair whose frames differ, or that cannot be compared, is not flagged.
        if ta is None or tb is None or not (a.width and a.height and b.width and b.height):
            return False
        return bool(same_picture(ta, (a.width, a.height), tb, (b.width, b.height)))

    def _thumb(self, sha: str) -> np.ndarray | None:
        if sha not in self._thumbs:
            jpeg = self.store.thumbnail(sha)
            self._thumbs[sha] = thumbnail_array(jpeg) if jpeg else None
        return self._thumbs[sha]
