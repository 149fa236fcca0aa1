"""The indexed descriptor votes (`images/votes.py`) against a brute-force comparison."""

from __future__ import annotations

import numpy as np

from certreview.images.votes import CROWD, VOTE_DIST, VoteIndex


def flip(rng: np.random.Generator, desc: np.ndarray, bits: int) -> np.ndarray:
    """Return DESC with BITS distinct random bits of each row flipped."""
    out = np.unpackbits(desc, axis=1)
    for row in out:
        row[rng.choice(256, bits, replace=False)] ^= 1
    return np.packbits(out, axis=1)


def brute(query: np.ndarray, stack: np.ndarray) -> np.ndarray:
    """Return the Hamming distance of every query row to every stack row."""
    return np.unpackbits(query[:, None, :] ^ stack[None, :, :], axis=2).sum(axis=2)


def test_a_descriptor_within_15_bits_is_always_found() -> None:
    # 16 words of 16 bits: 15 flipped bits leave at least one word whole.
    rng = np.random.default_rng(5)
    stack = rng.integers(0, 256, (2000, 32), dtype=np.uint8)
    owner = np.arange(2000) // 100
    index = VoteIndex(stack, owner)
    rows = rng.choice(2000, 200, replace=False)
    query = flip(rng, stack[rows], 15)
    q, r, dist = index.nearest(query, below=20)
    found = {(int(a), int(b)) for a, b in zip(q, r, strict=True)}
    assert all((i, int(row)) in found for i, row in enumerate(rows))
    truth = brute(query, stack)
    assert (dist == truth[q, r]).all() and (dist < VOTE_DIST).all()


def test_only_pictures_added_before_count() -> None:
    rng = np.random.default_rng(6)
    stack = rng.integers(0, 256, (1000, 32), dtype=np.uint8)
    owner = np.arange(1000) // 100  # pictures 0..9
    index = VoteIndex(stack, owner)
    query = stack[700:800]  # picture 7 itself
    assert index.rank(query, below=10, top_k=2) == [7]
    assert 7 not in index.rank(query, below=7, top_k=2)
    assert (owner[index.nearest(query, below=5)[1]] < 5).all()


def test_a_word_everybody_shares_is_skipped_but_the_picture_is_still_found() -> None:
    # Every picture has the same border descriptors (a template); picture 3 alone has the rest.
    rng = np.random.default_rng(7)
    border = rng.integers(0, 256, (50, 32), dtype=np.uint8)
    pictures = [np.concatenate([border, rng.integers(0, 256, (50, 32), dtype=np.uint8)])]
    pictures += [
        np.concatenate([border, rng.integers(0, 256, (50, 32), dtype=np.uint8)])
        for _ in range(2 * CROWD)
    ]
    stack = np.concatenate(pictures)
    owner = np.repeat(np.arange(len(pictures)), 100)
    index = VoteIndex(stack, owner)
    query = flip(rng, pictures[3], 10)
    q, r, _ = index.nearest(query, below=len(pictures))
    assert set(owner[r[q >= 50]]) == {3}  # the picture's own descriptors find only it
    assert not (q < 50).any()  # the border's words are in every picture: skipped
    assert index.rank(query, below=len(pictures), top_k=2) == [3]


def test_each_query_row_keeps_its_nearest_few() -> None:
    rng = np.random.default_rng(8)
    base = rng.integers(0, 256, (1, 32), dtype=np.uint8)
    stack = np.concatenate([flip(rng, base, b) for b in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)])
    index = VoteIndex(stack, np.arange(12))
    *_, dist = index.nearest(base, below=12)
    assert list(dist) == [1, 2, 3, 4, 5, 6, 7, 8]  # VOTE_NEIGHBOURS, nearest first
