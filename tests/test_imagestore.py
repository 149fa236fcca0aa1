"""The image store (originals, cached thumbnails and previews) and parallel inspection."""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from certreview.demo import pictures
from certreview.images.inspect import inspect_image
from certreview.images.limits import MSG_CRASHED, MSG_MEMORY, ImageRefused
from certreview.images.pool import IN_PROCESS_BELOW, WorkerPool, inspect_many
from certreview.store.imagestore import ImageStore
from tests.test_inspect import flate_bomb_pdf, zlib_zeros


@pytest.fixture
def store(tmp_path: Path) -> ImageStore:
    return ImageStore(tmp_path / "images")


@pytest.fixture(scope="module")
def jpeg() -> bytes:
    return pictures.sample("jpeg")


def test_put_keeps_the_original_once(store: ImageStore, jpeg: bytes) -> None:
    sha = store.put(jpeg)
    assert sha == hashlib.sha256(jpeg).hexdigest()
    path = store.original_path(sha)
    assert path == store.root / "originals" / sha[:2] / sha
    assert store.read_original(sha) == jpeg
    stamp = path.stat().st_mtime_ns
    assert store.put(jpeg) == sha
    assert path.stat().st_mtime_ns == stamp  # not rewritten
    assert [p.name for p in path.parent.iterdir()] == [sha]  # no temporary files left
    assert store.has(sha)


def test_hash_must_be_a_hash(store: ImageStore) -> None:
    with pytest.raises(ValueError):
        store.original_path("../../etc/passwd")
    with pytest.raises(ValueError):
        store.thumbnail_path("AB" * 32)


def test_deleted_thumbnail_is_regenerated(store: ImageStore, jpeg: bytes) -> None:
    sha = store.put(jpeg)
    report = inspect_image(jpeg)
    assert report.thumbnail is not None
    store.save_thumbnail(sha, report.thumbnail)
    assert store.thumbnail(sha) == report.thumbnail
    store.thumbnail_path(sha).unlink()
    assert store.thumbnail(sha) == report.thumbnail
    assert store.thumbnail_path(sha).read_bytes() == report.thumbnail


def test_thumbnail_of_unreadable_or_unknown_original_is_none(store: ImageStore) -> None:
    sha = store.put(b"not an image")
    assert store.thumbnail(sha) is None
    assert not store.thumbnail_path(sha).exists()
    assert store.thumbnail("0" * 64) is None


def test_preview_is_made_on_first_view_and_cached(store: ImageStore) -> None:
    sha = store.put(pictures.sample("pdf"))
    assert not store.preview_path(sha, 1).exists()
    page2 = store.preview(sha, page=1)
    assert Image.open(io.BytesIO(page2)).format == "JPEG"
    assert store.preview_path(sha, 1).read_bytes() == page2
    store.preview_path(sha, 1).unlink()
    assert store.preview(sha, page=1) == page2
    with pytest.raises(IndexError):
        store.preview(sha, page=5)


def test_preview_of_unreadable_original_raises(store: ImageStore) -> None:
    sha = store.put(pictures.sample("pdf_encrypted"))
    with pytest.raises(ImageRefused):
        store.preview(sha)
    with pytest.raises(FileNotFoundError):
        store.preview("0" * 64)


def test_originals_are_never_changed_by_viewing(store: ImageStore) -> None:
    photo = pictures.phone_photo(seed=3, megapixels=0.3)
    sha = store.put(photo)
    store.thumbnail(sha)
    store.preview(sha)
    assert store.read_original(sha) == photo  # GPS and all: the evidence is kept as uploaded


# --- parallel inspection ---

KINDS = [
    "jpeg",
    "png",
    "pdf",
    "text",
    "heic",
    "empty",
    "webp",
    "truncated_jpeg",
    "gif_animated",
    "bmp",
]


@pytest.mark.parametrize("workers", [1, 2])
def test_inspect_many_in_order_from_paths_and_bytes(store: ImageStore, workers: int) -> None:
    datas = {kind: pictures.sample(kind, size=(300, 200)) for kind in KINDS}
    shas = {kind: store.put(data) for kind, data in datas.items()}
    items = [(kind, store.original_path(sha)) for kind, sha in shas.items()]
    items += [(f"{kind}-bytes", datas[kind]) for kind in KINDS[:3]]
    calls: list[tuple[int, int | None]] = []
    results = list(inspect_many(items, workers=workers, progress=lambda d, t: calls.append((d, t))))
    assert [key for key, _ in results] == [key for key, _ in items]
    assert calls == [(i, len(items)) for i in range(1, len(items) + 1)]
    by_key = dict(results)
    for kind in KINDS:
        assert by_key[kind] == inspect_image(datas[kind])
    assert by_key["jpeg-bytes"] == by_key["jpeg"]


def test_inspect_many_from_a_generator_without_length(store: ImageStore) -> None:
    data = pictures.sample("jpeg", size=(200, 150))
    results = list(inspect_many(((i, data) for i in range(IN_PROCESS_BELOW - 1)), progress=None))
    assert [key for key, _ in results] == list(range(IN_PROCESS_BELOW - 1))
    assert all(report.flag is None for _, report in results)


def test_inspect_many_refuses_oversize_paths_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    path.write_bytes(b"\xff\xd8" + b"\x00" * 2000)
    [(_, report)] = inspect_many([("big", path)], max_bytes=1000)
    assert report.flag == "image_too_large"
    [(_, missing)] = inspect_many([("gone", tmp_path / "gone.jpg")])
    assert missing.flag == "unreadable_image"


# --- damage a crash can leave behind (issue 15) ---


@pytest.mark.parametrize("keep", [0, 100, -1])
def test_a_damaged_original_is_rewritten_from_the_same_upload(
    store: ImageStore, jpeg: bytes, keep: int
) -> None:
    sha = hashlib.sha256(jpeg).hexdigest()
    path = store.original_path(sha)
    path.parent.mkdir(parents=True)
    path.write_bytes(jpeg[:keep])  # what a power cut leaves of an unsynced write
    assert store.put(jpeg) == sha
    assert store.read_original(sha) == jpeg
    assert [p.name for p in path.parent.iterdir()] == [sha]  # no temporary files left


@pytest.mark.parametrize("damage", [b"", b"\xff\xd8\xff\xe0 cut"])
def test_a_damaged_cached_thumbnail_or_preview_is_made_again(
    store: ImageStore, jpeg: bytes, damage: bytes
) -> None:
    sha = store.put(jpeg)
    thumb = store.thumbnail(sha)
    preview = store.preview(sha)
    store.thumbnail_path(sha).write_bytes(damage)
    store.preview_path(sha).write_bytes(damage)
    assert store.thumbnail(sha) == thumb
    assert store.preview(sha) == preview
    assert store.thumbnail_path(sha).read_bytes() == thumb


# A real worker death: the check runs in a child process whose address space is capped a
# little above what the libraries need, so pdfium aborts on the stream it unpacks (as it
# does under a container's memory limit); the bomb stays just under the stream cap.
CRASH_SCRIPT = """
import json, resource, sys
from pathlib import Path
from certreview.images.pool import WorkerPool, inspect_many

if __name__ == "__main__":
    size = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmSize"))
    cap = (size + 200 * 1024) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    paths = sorted(Path(sys.argv[1]).iterdir())
    if sys.argv[2] == "kept":  # two batches of one import, one pool: it recovers for the second
        with WorkerPool(2) as pool:
            reports = [*inspect_many([(p.name, p) for p in paths], pool=pool)]
            reports += inspect_many([("again-" + p.name, p) for p in paths], pool=pool)
    else:
        reports = inspect_many([(p.name, p) for p in paths], workers=2)
    print(json.dumps([[key, report.flag, report.message] for key, report in reports]))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("pool", ["per-call", "kept"])
def test_a_worker_killed_by_a_file_costs_only_that_file(tmp_path: Path, pool: str) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    jpeg = pictures.sample("jpeg", size=(300, 200))
    for n in range(9):
        (folder / f"c{n}.jpg").write_bytes(jpeg)
    (folder / "c4-bomb.pdf").write_bytes(flate_bomb_pdf(250))  # under the 256 MB stream cap
    done = subprocess.run(
        [sys.executable, "-c", CRASH_SCRIPT, str(folder), pool],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    reports = {key: (flag, message) for key, flag, message in json.loads(done.stdout)}
    assert reports.pop("c4-bomb.pdf") == ("unreadable_image", MSG_CRASHED)
    accepted = (None, "This is a JPEG photo or scan — accepted")
    expected = {f"c{n}.jpg": accepted for n in range(9)}
    if pool == "kept":  # the second batch, after a worker died in the first
        assert reports.pop("again-c4-bomb.pdf") == ("unreadable_image", MSG_CRASHED)
        expected |= {f"again-c{n}.jpg": accepted for n in range(9)}
    assert reports == expected


def test_a_kept_pool_keeps_its_workers_between_calls(store: ImageStore) -> None:
    data = pictures.sample("jpeg", size=(120, 80))
    items = [(i, data) for i in range(IN_PROCESS_BELOW)]
    with WorkerPool(2) as pool:
        first = [r.flag for _, r in inspect_many(items, pool=pool)]
        started = pool.executor()
        pids = set(started._processes)  # the worker processes' ids
        second = [r.flag for _, r in inspect_many(items, pool=pool)]
        assert pool.executor() is started and set(started._processes) == pids
    assert first == second == [None] * IN_PROCESS_BELOW
    assert pool._executor is None  # closed with the block


MEMORY_SCRIPT = """
import json, resource, sys
from pathlib import Path
from certreview.images.inspect import inspect_image

datas = [Path(name).read_bytes() for name in sys.argv[1:]]
size = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmSize"))
cap = (size + 64 * 1024) * 1024
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
print(json.dumps([[r.flag, r.message] for r in map(inspect_image, datas)]))
"""


def _png(width: int, height: int, idat: bytes) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_running_out_of_memory_says_so_rather_than_damaged(tmp_path: Path) -> None:
    # 59 megapixels each, under the pixel cap, in a process with only 64 MB to spare: the RGB
    # picture fails as Pillow allocates it, the 1-bit one when it is converted to RGB.
    rgb, one_bit = tmp_path / "rgb.png", tmp_path / "1bit.png"
    rgb.write_bytes(_png(7700, 7700, zlib_zeros(170)))  # 170 MiB of zeros cover every row
    one_bit.write_bytes(pictures.bomb_png(7700, 7700))
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(rgb), str(one_bit)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == [["image_too_large", MSG_MEMORY]] * 2


def test_image_workers_run_below_the_reviewers_priority() -> None:
    """Imports are background work: their image workers yield the CPU to reviewers."""
    from concurrent.futures import ProcessPoolExecutor

    from certreview.images.pool import WORKER_NICENESS, process_context

    with ProcessPoolExecutor(1, mp_context=process_context()) as pool:
        worker = pool.submit(os.nice, 0).result()
    assert worker >= min(os.nice(0) + WORKER_NICENESS, 19)
