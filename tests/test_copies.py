"""Copies told from look-alikes, on realistic certificates of one template (tests/realistic_certs.py)."""

from __future__ import annotations

import io
from functools import cache

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from certreview.images.features import Features, compute_features
from certreview.images.inspect import inspect_image
from certreview.images.samepaper import same_paper
from certreview.ingest.reference import import_catalog, import_roster, import_standards
from certreview.review.queries import copy_partners
from certreview.store.models import ImageMatch, Submission
from tests.conftest import SAMPLES
from tests.realistic_certs import capture, make_copy, papers, render
from tests.test_submissions import report, run

COPY_FLAGS = {"duplicate_image", "shared_image"}


@pytest.fixture
def department(workspace):
    """Return a workspace holding the sample roster, catalog and standards."""
    with workspace.Session.begin() as s:
        import_roster(s, SAMPLES / "roster.csv")
        import_catalog(s, SAMPLES / "catalog.csv")
        import_standards(s, SAMPLES / "standards.toml")
    return workspace


@cache
def uploads(kind: str) -> tuple[bytes, bytes, bytes]:
    """Return a scan of one holder's certificate, a look-alike of another holder, and a copy."""
    rng = np.random.default_rng(11)
    first, second = papers(11, 2, ("CCNA",))[:2]
    assert first.name != second.name or first.number != second.number
    master = render(first)
    original = capture(master, "scan", rng)
    look_alike = capture(render(second), "scan", rng)
    return original, look_alike, make_copy(kind, original, master, rng)


def features(data: bytes) -> Features:
    with Image.open(io.BytesIO(data)) as img:
        return compute_features(img)


@pytest.mark.parametrize(
    "kind", ["crop_uniform", "screenshot_desktop", "rephoto_of_scan", "second_scan"]
)
def test_a_copy_is_the_same_paper_and_a_look_alike_is_not(kind):
    original, look_alike, copy = uploads(kind)
    assert same_paper(features(copy), features(original))
    assert not same_paper(features(look_alike), features(original))
    assert not same_paper(features(copy), features(look_alike))


@pytest.mark.parametrize("kind", ["crop_uniform", "screenshot_phone", "second_photo"])
def test_the_half_size_pass_rejects_look_alikes_and_leaves_copies_to_the_full_one(kind):
    from certreview.images.samepaper import _clearly_other, _match, compare

    original, look_alike, copy = uploads(kind)
    a, other, b = features(original), features(look_alike), features(copy)
    alike = _match(other, a)
    assert alike is not None  # one template: the look-alike matches geometrically
    assert _clearly_other(other, a, alike)  # and differs, already at half size, in the name
    assert compare(other, a, alike)["bad"] > 0  # as the full comparison finds too
    same = _match(b, a)
    assert same is not None and not _clearly_other(b, a, same)


def test_a_check_confirms_in_vote_order_and_keeps_no_decoded_pictures():
    from certreview.ingest.copies import _first_confirmed

    original, look_alike, copy = uploads("second_scan")
    mine, first, second = features(copy), features(look_alike), features(original)
    stored = Features.from_bytes(second.to_bytes()).gray()  # as an import reads it back
    # The look-alike ranked first is refused, the paper's own scan second is confirmed.
    assert _first_confirmed(mine, [("alike", first), ("source", second)]) == "source"
    assert _first_confirmed(mine, [("alike", first)]) is None
    # A round's features stay in memory for later votes; their decoded pictures (1 MB each) do not.
    assert all(f._gray is None for f in (mine, first, second))
    assert np.array_equal(second.gray(), stored)  # decoded again when asked


def test_features_survive_the_store_and_are_remade_when_lost(workspace):
    original, _, _ = uploads("crop_uniform")
    report_ = inspect_image(original, features=True)
    assert report_.features is not None
    kept = Features.from_bytes(report_.features)
    assert 300 <= len(kept.desc) <= 500 and 700_000 <= kept.size[0] * kept.size[1] <= 1_400_000
    sha = workspace.store.put(original)
    assert workspace.store.features(sha) is not None  # never saved: made from the original
    path = workspace.store.features_path(sha)
    path.write_bytes(b"damaged")
    again = workspace.store.features(sha)
    assert again is not None and np.array_equal(again.desc, kept.desc)
    with pytest.raises(ValueError):
        Features.from_bytes(b"damaged")


@pytest.mark.parametrize("kind", ["crop_uniform", "screenshot_phone", "rephoto_of_scan"])
def test_intake_flags_the_copy_and_its_source_but_not_the_look_alike(department, tmp_path, kind):
    original, look_alike, copy = uploads(kind)
    rows = (
        "r1,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,original.jpg,\n"
        "r2,2026-03-02 10:00,B11201003,陳大文,Information,CCNA,113,look_alike.jpg,\n"
        "r3,2026-03-03 10:00,B11001001,王小明,Information,CCNA,113,copy.jpg,\n"
    )
    images = {"original.jpg": original, "look_alike.jpg": look_alike, "copy.jpg": copy}
    result = run(department, tmp_path, rows, images)
    flags = {sid: set(f.split(";")) & COPY_FLAGS for sid, _, f in report(result)}
    assert flags["r2"] == set()  # a look-alike of the same template
    assert flags["r3"] == {"shared_image"}
    with department.Session() as s:
        pk = {sub.submission_id: sub.id for sub in s.scalars(select(Submission))}
        first = s.get(Submission, pk["r1"])
        assert first is not None and "shared_image" in first.flag_list  # both sides are told
        assert copy_partners(s, [pk["r3"], pk["r1"]]) == {
            pk["r1"]: [pk["r3"]],
            pk["r3"]: [pk["r1"]],
        }
        assert len(s.scalars(select(ImageMatch)).all()) == 1


def test_the_same_student_uploading_a_copy_again_is_a_duplicate(department, tmp_path):
    original, _, copy = uploads("screenshot_desktop")
    rows = (
        "d1,2026-03-01 10:00,B11201002,李美玲,Information,CCNA,113,original.jpg,\n"
        "d2,2026-03-02 10:00,B11201002,李美玲,Information,CCNA,113,copy.jpg,\n"
    )
    result = run(department, tmp_path, rows, {"original.jpg": original, "copy.jpg": copy})
    assert [(sid, set(f.split(";")) & COPY_FLAGS) for sid, _, f in report(result)] == [
        ("d1", set()),
        ("d2", {"duplicate_image"}),
    ]


def test_votes_reach_pictures_of_a_large_round() -> None:
    """A round with ~600 uploads of one item stacks 300,000 descriptors (past OpenCV's 2**18)."""
    from certreview.images.votes import rank

    rng = np.random.default_rng(3)
    stack = rng.integers(0, 256, size=(300_000, 32), dtype=np.uint8)
    owner = np.arange(len(stack)) // 500
    query = stack[275_000:275_060].copy()  # picture 550, in the second part of the stack
    assert rank(query, stack, owner, 600, 2) == [550]


def test_copy_check_threads_yield_the_cpu_to_reviewers() -> None:
    """The votes and pixel checks of an import run at the image workers' lower priority."""
    import os
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from certreview.images.pool import WORKER_NICENESS
    from certreview.ingest.copies import _background

    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    with ThreadPoolExecutor(1, initializer=_background) as pool:
        worker = pool.submit(niceness).result()
    assert worker >= min(niceness() + WORKER_NICENESS, 19)
    assert niceness() == os.nice(0)  # the importing thread itself keeps its priority


def _badge(spot: tuple[int, int], size: tuple[int, int] = (160, 100)) -> bytes:
    """Return a tiny, smooth picture (no corners, so no keypoints) with a soft blot at SPOT."""
    yy, xx = np.mgrid[0 : size[1], 0 : size[0]].astype(np.float32)
    ramp = 90 + 110 * xx / size[0]
    blot = 90 * np.exp(-((xx - spot[0]) ** 2 + (yy - spot[1]) ** 2) / (2 * 14.0**2))
    image = Image.fromarray(np.clip(ramp - blot, 0, 255).astype(np.uint8)).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def test_tiny_pictures_are_told_apart_by_their_thumbnails_alone(department, tmp_path):
    original = _badge((50, 50))
    smaller = io.BytesIO()
    Image.open(io.BytesIO(original)).resize((120, 75)).save(smaller, "JPEG", quality=85)
    pictures = {"a.jpg": original, "b.jpg": smaller.getvalue(), "c.jpg": _badge((110, 50))}
    assert all(len(features(p).desc) < 20 for p in pictures.values())  # no geometric check
    rows = "".join(
        f"t{n},2026-03-0{n} 10:00,{sid},{name},Information,CCNA,113,{pic},\n"
        for n, sid, name, pic in (
            (1, "B11201002", "李美玲", "a.jpg"),
            (2, "B11201003", "陳大文", "b.jpg"),  # the same picture, smaller
            (3, "B11201003", "陳大文", "c.jpg"),  # another picture of the same frame
        )
    )
    assert report(run(department, tmp_path, rows, pictures)) == [
        ("t1", "flagged", "shared_image"),
        ("t2", "flagged", "shared_image"),
        ("t3", "accepted", ""),
    ]
