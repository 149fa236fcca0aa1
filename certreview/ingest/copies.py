"""Check the files of new uploads and find copies of earlier uploads, without writing anything.

Both steps are slow (decoding photos, comparing pictures) and only read the database, so an
import runs them before it writes: a reviewer's decision meanwhile never waits for it.

A copy is the same file, or the same physical certificate in another capture (re-saved,
resized, cropped, a screenshot, a re-photo, another scan). Certificates of one template look
alike, so a resemblance is only a candidate: each new picture's ORB descriptors vote among the
earlier uploads of the same catalog item (`samepaper.rank`), and only the TOP_K most-voted
are checked geometrically (`samepaper.same_paper`), stopping at the first confirmed one. The
features are computed once per file, in the workers that decode it, and kept in the image
store; a round of any size costs each new upload one descriptor vote and at most TOP_K checks.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from certreview.images.features import Features
from certreview.images.neardup import same_frame, same_picture, thumbnail_array
from certreview.images.phash import NEAR_DUPLICATE_DISTANCE
from certreview.images.pool import inspect_many
from certreview.images.samepaper import MIN_INLIERS, rank, same_paper
from certreview.store.imagestore import ImageStore
from certreview.store.models import ImageFile, Submission

TOP_K = 4  # earlier pictures checked geometrically per new upload (a copy ranks first or second)


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
    for sha, report in inspect_many(items, workers=workers, progress=progress, features=True):
        if report.thumbnail is not None:
            store.save_thumbnail(sha, report.thumbnail)
        if report.features is not None:
            store.save_features(sha, report.features)
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
    session: Session,
    store: ImageStore,
    new: list[Upload],
    files: dict[str, ImageFile],
    cache: dict[str, Features | None] | None = None,
) -> tuple[list[Submission], set[tuple[str, str]]]:
    """Flag unreadable files and copies on NEW; return the earlier submissions now shared.

    Also return the pairs of different files found to show one certificate, each sorted, for
    `ImageMatch`. CACHE keeps loaded features between the batches of one import.
    """
    replaced = {u.previous.id for u in new if u.previous is not None}
    earlier = session.execute(
        select(Submission, ImageFile)
        .join(ImageFile, Submission.image_sha256 == ImageFile.sha256)
        # A submission's older versions are its own history, not copies of it.
        .where(Submission.live)
        .order_by(Submission.id)
    ).all()
    shared: dict[int, Submission] = {}
    seen = _Seen(store, {} if cache is None else cache)
    for old, image in earlier:
        if not image.flag and old.id not in replaced:
            seen.add(old, image, old.item_code)
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
        for match in seen.matches(image, submission.item_code):
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
        seen.add(upload, image, submission.item_code)
    return list(shared.values()), seen.pairs


class _Bucket:
    """The distinct earlier pictures of one catalog item, with their descriptors stacked."""

    def __init__(self) -> None:
        self.shas: list[str] = []
        self.desc = np.zeros((1024, 32), np.uint8)  # grows by doubling: adding stays cheap
        self.owner = np.zeros(1024, np.int64)
        self.rows = 0

    def add(self, sha: str, features: Features | None) -> None:
        self.shas.append(sha)
        if features is None or len(features.desc) == 0:
            return
        n = len(features.desc)
        while self.rows + n > len(self.desc):
            self.desc = np.concatenate([self.desc, np.zeros_like(self.desc)])
            self.owner = np.concatenate([self.owner, np.zeros_like(self.owner)])
        self.desc[self.rows : self.rows + n] = features.desc
        self.owner[self.rows : self.rows + n] = len(self.shas) - 1
        self.rows += n

    def ranked(self, features: Features) -> list[str]:
        """Return the TOP_K pictures most like FEATURES, best first."""
        order = rank(
            features.desc, self.desc[: self.rows], self.owner[: self.rows], len(self.shas), TOP_K
        )
        return [self.shas[i] for i in order]


class _Seen:
    """Earlier uploads, searchable by content hash and, per catalog item, by picture."""

    def __init__(self, store: ImageStore, cache: dict[str, Features | None]) -> None:
        self.store = store
        self.by_sha: dict[str, list[Submission | Upload]] = {}
        self.images: dict[str, ImageFile] = {}
        self.buckets: dict[str | None, _Bucket] = {}
        self.pairs: set[tuple[str, str]] = set()
        self._features = cache
        self._thumbs: dict[str, np.ndarray | None] = {}
        self._pending: dict[str | None, list[str]] = {}  # added, features not loaded yet

    def add(self, owner: Submission | Upload, image: ImageFile, item: str | None) -> None:
        if image.sha256 not in self.by_sha:
            self.images[image.sha256] = image
            # Features are read only when an upload of the same item asks (most never do).
            self._pending.setdefault(item, []).append(image.sha256)
        self.by_sha.setdefault(image.sha256, []).append(owner)

    def matches(self, image: ImageFile, item: str | None) -> list[Submission | Upload]:
        """Return earlier uploads of the same file or, once checked, of the same certificate."""
        found = {id(s): s for s in self.by_sha.get(image.sha256, [])}
        # A thumbnail twin (same frame, same blocks: re-saved, resized) needs no geometry, and
        # tiny pictures have too few keypoints for it.
        twins = [sha for sha in self.images if sha != image.sha256 and self._twin(image, sha)]
        mine = self._feature(image.sha256)
        if twins:
            confirmed = twins[0]
        else:
            ranked = self._bucket(item).ranked(mine) if mine is not None else []
            confirmed = next(
                (sha for sha in ranked if sha != image.sha256 and self._same(mine, sha)), None
            )  # the best-voted confirmed picture is enough: stop there
        if confirmed is not None:
            self.pairs.add((min(confirmed, image.sha256), max(confirmed, image.sha256)))
            found.update((id(s), s) for s in self.by_sha[confirmed])
        return list(found.values())

    def _bucket(self, item: str | None) -> _Bucket:
        bucket = self.buckets.setdefault(item, _Bucket())
        for sha in self._pending.pop(item, []):
            bucket.add(sha, self._feature(sha))
        return bucket

    def _feature(self, sha: str) -> Features | None:
        if sha not in self._features:
            self._features[sha] = self.store.features(sha)
        return self._features[sha]

    def _twin(self, image: ImageFile, sha: str) -> bool:
        other = self.images[sha]
        if not (other.phash and image.phash):
            return False
        if (int(image.phash, 16) ^ int(other.phash, 16)).bit_count() > NEAR_DUPLICATE_DISTANCE:
            return False
        # A perceptual-hash match is only a candidate: it cannot tell certificates of one
        # template apart, so only a pair with the same frame is compared here, block by block.
        sizes = [(f.width, f.height) for f in (image, other)]
        if not all(w and h for w, h in sizes) or not same_frame(*sizes):  # type: ignore[arg-type]
            return False
        ta, tb = self._thumb(image.sha256), self._thumb(sha)
        return ta is not None and tb is not None and bool(same_picture(ta, sizes[0], tb, sizes[1]))  # type: ignore[arg-type]

    def _same(self, mine: Features | None, sha: str) -> bool:
        theirs = self._feature(sha)
        if mine is None or theirs is None or min(len(mine.desc), len(theirs.desc)) < MIN_INLIERS:
            return False
        return same_paper(mine, theirs)

    def _thumb(self, sha: str) -> np.ndarray | None:
        if sha not in self._thumbs:
            jpeg = self.store.thumbnail(sha)
            self._thumbs[sha] = thumbnail_array(jpeg) if jpeg else None
        return self._thumbs[sha]
