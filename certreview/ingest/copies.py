"""Check the files of new uploads and find copies of earlier uploads, without writing anything.

Both steps are slow (decoding photos, comparing pictures) and only read the database, so an
import runs them before it writes: a reviewer's decision meanwhile never waits for it.

A copy is the same file, or the same physical certificate in another capture (re-saved,
resized, cropped, a screenshot, a re-photo, another scan). Certificates of one template look
alike, so a resemblance is only a candidate: each new picture's ORB descriptors vote among the
earlier uploads of the same catalog item (`votes.VoteIndex`), and only the TOP_K most-voted
are checked geometrically (`samepaper.same_paper`); the best-voted confirmed one counts. The
features are computed once per file, in the workers that decode it, and kept in the image
store; a round of any size costs each new upload one indexed vote (about the same time at 50
or 5,000 uploads of an item) and at most TOP_K checks.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Collection
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from certreview.images.features import Features
from certreview.images.neardup import same_frame, same_picture, thumbnail_array
from certreview.images.phash import NEAR_DUPLICATE_DISTANCE
from certreview.images.pool import WORKER_NICENESS, WorkerPool, default_workers, inspect_many
from certreview.images.samepaper import MIN_INLIERS, same_paper
from certreview.images.votes import VoteIndex
from certreview.store.imagestore import ImageStore
from certreview.store.models import ImageFile, Submission

TWIN_CANDIDATES = 8  # closest perceptual hashes compared as same-frame twins per new upload
TOP_K = 2  # earlier pictures checked geometrically per new upload (a copy ranks first or second)


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
    pool: WorkerPool | None = None,
) -> dict[str, ImageFile]:
    """Return the file record of every stored hash, inspecting files not checked before.

    Records of newly checked files are new objects outside the session: `session.merge` them
    when writing. POOL keeps the workers for the next call (an import's next batch).
    """
    wanted = sorted({s for s in shas if s})
    files = {
        f.sha256: f for f in session.scalars(select(ImageFile).where(ImageFile.sha256.in_(wanted)))
    }
    # A file checked while its stored copy was damaged (a crash left it empty) is checked again.
    todo = [sha for sha in wanted if sha not in files or sha in store.repaired]
    items = [(sha, store.original_path(sha)) for sha in todo]
    for sha, report in inspect_many(
        items, workers=workers, progress=progress, features=True, pool=pool
    ):
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
    owners: dict[str, list[Submission | Upload]] = {}  # who uploaded each file, so far
    for old, image in earlier:
        if not image.flag and old.id not in replaced:
            seen.add(image, old.item_code)
            owners.setdefault(image.sha256, []).append(old)
    readable: list[tuple[Upload, ImageFile]] = []
    for upload in new:
        image = files.get(upload.submission.image_sha256 or "")
        if image is None:
            continue
        if image.flag:
            # A file nobody can read is not a copy of anything: empty files all share one hash.
            upload.flags.add(image.flag)
            upload.submission.image_note = image.message
            continue
        readable.append((upload, image))
    # The votes and pixel checks of all uploads run on all cores (OpenCV releases the GIL);
    # their verdicts are then applied in upload order, as if checked one by one.
    with ThreadPoolExecutor(default_workers(), initializer=_background) as pool:
        plans = []
        for upload, image in readable:
            plans.append(seen.plan(image, upload.submission.item_code))
            seen.add(image, upload.submission.item_code)
        # Every upload ranks only the pictures added before it, so one index per catalog item
        # serves the whole batch.
        plans = [None if p is None else pool.submit(p) for p in plans]
        checks = [
            seen.check(image, plan, pool) for (_, image), plan in zip(readable, plans, strict=True)
        ]
        for (upload, image), check in zip(readable, checks, strict=True):
            confirmed = check if check is None or isinstance(check, str) else check.result()
            matches = list(owners.get(image.sha256, []))
            if confirmed is not None:
                seen.pairs.add((min(confirmed, image.sha256), max(confirmed, image.sha256)))
                matches += owners[confirmed]
            _flag(upload, matches, shared)
            owners.setdefault(image.sha256, []).append(upload)
    return list(shared.values()), seen.pairs


def _background() -> None:
    """Run this thread at the image workers' lower priority: reviewers' work comes first."""
    # On Linux a thread is scheduled on its own: its niceness is set by its thread id.
    with contextlib.suppress(OSError, AttributeError):  # no thread niceness elsewhere
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)


def _first_confirmed(mine: Features, candidates: list[tuple[str, Features]]) -> str | None:
    """Return the first of CANDIDATES (best voted first) that shows MINE's paper, if any.

    One job per upload, checked in order: a copy is mostly confirmed by its first candidate,
    and the second is then never compared.
    """
    try:
        return next((sha for sha, theirs in candidates if same_paper(mine, theirs)), None)
    finally:
        # An import keeps every picture's features for later votes, but not their decoded
        # work images: a megabyte each, so 5,000 uploads would hold 5 GB.
        for features in (mine, *(theirs for _, theirs in candidates)):
            features.release()


def _flag(
    upload: Upload, matches: list[Submission | Upload], shared: dict[int, Submission]
) -> None:
    """Flag UPLOAD as a copy of each of MATCHES, and each match of another student too."""
    for match in matches:
        owner = match.submission if isinstance(match, Upload) else match
        if owner.student_key == upload.submission.student_key:
            upload.flags.add("duplicate_image")
            continue
        upload.flags.add("shared_image")
        # The earlier upload is just as suspect: the office must see both sides.
        if isinstance(match, Upload):
            match.flags.add("shared_image")
        else:
            shared[match.id] = match


class _Bucket:
    """The distinct earlier pictures of one catalog item, with their descriptors stacked."""

    def __init__(self) -> None:
        self.shas: list[str] = []
        self.desc = np.zeros((1024, 32), np.uint8)  # grows by doubling: adding stays cheap
        self.owner = np.zeros(1024, np.int64)
        self.rows = 0
        self._index: VoteIndex | None = None
        self._lock = threading.Lock()

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

    def ranker(self, features: Features) -> Callable[[], list[str]]:
        """Return a job that ranks the pictures added so far: the TOP_K most like FEATURES."""
        below = len(self.shas)
        return lambda: [self.shas[i] for i in self.index().rank(features.desc, below, TOP_K)]

    def index(self) -> VoteIndex:
        """Return the vote index of every picture added (built once, when first asked)."""
        with self._lock:
            if self._index is None or len(self._index) != self.rows:
                self._index = VoteIndex(self.desc[: self.rows], self.owner[: self.rows])
            return self._index


class _Seen:
    """Earlier uploads, searchable by content hash and, per catalog item, by picture."""

    def __init__(self, store: ImageStore, cache: dict[str, Features | None]) -> None:
        self.store = store
        self.images: dict[str, ImageFile] = {}
        self._phashes: list[int] = []  # of self.images in order, 0 where there is none
        self._hashed: list[bool] = []
        self.buckets: dict[str | None, _Bucket] = {}
        self.pairs: set[tuple[str, str]] = set()
        self._features = cache
        self._thumbs: dict[str, np.ndarray | None] = {}
        self._pending: dict[str | None, list[str]] = {}  # added, features not loaded yet

    def add(self, image: ImageFile, item: str | None) -> None:
        if image.sha256 not in self.images:
            self.images[image.sha256] = image
            self._phashes.append(int(image.phash, 16) if image.phash else 0)
            self._hashed.append(bool(image.phash))
            # Features are read only when an upload of the same item asks (most never do).
            self._pending.setdefault(item, []).append(image.sha256)

    def plan(
        self, image: ImageFile, item: str | None
    ) -> Callable[[], str | list[str] | None] | None:
        """Return a job finding what to check IMAGE against, or None when there is nothing.

        The job returns a thumbnail twin taken as is, the candidates for the geometric check
        (best first), or None. Only what depends on the upload order is read here; the job's
        pixel work runs on the pool.
        """
        near = [s for s in self._near(image) if s != image.sha256]
        mine = self._feature(image.sha256)
        ranker = None
        if mine is not None and len(mine.desc) >= MIN_INLIERS:
            ranker = self._bucket(item).ranker(mine)
        if ranker is None and not near:
            return None
        return lambda: self._candidates(image, near, ranker)

    def _candidates(
        self, image: ImageFile, near: list[str], ranker: Callable[[], list[str]] | None
    ) -> str | list[str] | None:
        # A thumbnail twin (same frame, same blocks) is a candidate from any catalog item; it
        # is taken as is only when either picture has too few keypoints for the geometric
        # check (tiny pictures): at 320 px the certificate numbers of two holders who share a
        # name are not legible.
        twin = next((s for s in near if self._twin(image, s)), None)
        if ranker is None:
            return twin
        if twin is None:
            return ranker()
        theirs = self._feature(twin)
        if theirs is None or len(theirs.desc) < MIN_INLIERS:
            return twin
        return [twin, *(s for s in ranker() if s != twin)]

    def check(
        self, image: ImageFile, plan: Future[str | list[str] | None] | None, pool: Executor
    ) -> str | Future[str | None] | None:
        """Return the earlier picture PLAN confirms as IMAGE's paper, or the job finding it."""
        found = None if plan is None else plan.result()
        if found is None or isinstance(found, str):
            return found
        mine = self._feature(image.sha256)
        candidates: list[tuple[str, Features]] = []
        for sha in found:
            theirs = self._feature(sha)
            if sha == image.sha256 or mine is None or theirs is None:
                continue
            if min(len(mine.desc), len(theirs.desc)) >= MIN_INLIERS:
                candidates.append((sha, theirs))
        if mine is None or not candidates:
            return None
        return pool.submit(_first_confirmed, mine, candidates)

    def _bucket(self, item: str | None) -> _Bucket:
        bucket = self.buckets.setdefault(item, _Bucket())
        for sha in self._pending.pop(item, []):
            bucket.add(sha, self._feature(sha))
        return bucket

    def _feature(self, sha: str) -> Features | None:
        if sha not in self._features:
            self._features[sha] = self.store.features(sha)
        return self._features[sha]

    def _near(self, image: ImageFile) -> list[str]:
        """Return the pictures seen so far whose perceptual hash is closest to IMAGE's."""
        if not image.phash or not self._phashes:
            return []
        mine = np.uint64(int(image.phash, 16))
        apart = np.bitwise_count(np.array(self._phashes, np.uint64) ^ mine)
        close = np.flatnonzero((apart <= NEAR_DUPLICATE_DISTANCE) & np.array(self._hashed))
        # Nearest first, and only a few: a round of one template at one size has hundreds of
        # close hashes, and a twin's hash is among the nearest.
        nearest = close[np.argsort(apart[close], kind="stable")][:TWIN_CANDIDATES]
        shas = list(self.images)
        return [shas[i] for i in nearest]

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

    def _thumb(self, sha: str) -> np.ndarray | None:
        if sha not in self._thumbs:
            jpeg = self.store.thumbnail(sha)
            self._thumbs[sha] = thumbnail_array(jpeg) if jpeg else None
        return self._thumbs[sha]
