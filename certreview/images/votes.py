"""Find, among many earlier pictures, the few worth a geometric copy check: descriptor votes.

Each ORB descriptor of a new picture votes for the pictures holding its nearest stored
descriptors (Hamming distance under VOTE_DIST, at most VOTE_NEIGHBOURS of them; a descriptor
many pictures share, like a template's border, splits its vote among them). A copy's source
then ranks first or second (`rank`).

Comparing every new descriptor with every stored one costs the round's size per upload: a
catalog item with 1,000 uploads holds 500,000 descriptors. So the stored descriptors are
indexed by multi-index hashing (Norouzi et al., "Fast search in Hamming space with multi-index
hashing", CVPR 2012): each 256-bit descriptor is cut into CHUNKS 16-bit words, and only stored
descriptors equal to a new one in at least one word are compared. A pair at distance 20 shares a
word with probability 0.99, at distance 40 0.72 — and a copy has hundreds of such pairs, so its
vote holds. A word shared by more than CROWD stored descriptors (a template's border, plain
paper) is skipped: it would tell no picture apart, and it is what made the cost grow. A query
then costs about its 500 descriptors x 16 words x a few candidates, whatever the round's size.
"""

from __future__ import annotations

import numpy as np

VOTE_DIST = 40
VOTE_NEIGHBOURS = 8
CHUNKS = 16  # 16-bit words of a 256-bit ORB descriptor
CROWD = 32  # stored descriptors sharing one word beyond which the word is skipped


class VoteIndex:
    """The descriptors of pictures 0..n-1 (OWNER gives each row's picture), indexed for votes."""

    def __init__(self, desc: np.ndarray, owner: np.ndarray) -> None:
        self.desc = np.ascontiguousarray(desc, np.uint8).reshape(-1, 32)
        self.owner = np.asarray(owner, np.int64)
        self._words = self.desc.view(np.uint64)  # (rows, 4): popcount per 64 bits
        # One row per word, each sorted (a radix sort for 16-bit keys), contiguous throughout.
        keys = np.ascontiguousarray(self.desc.view(np.uint16).T)  # (CHUNKS, rows)
        self._order = np.argsort(keys, axis=1, kind="stable").astype(np.int32)  # 64 B a row
        self._sorted = np.take_along_axis(keys, self._order, axis=1)

    def __len__(self) -> int:
        return len(self.desc)

    def nearest(self, query: np.ndarray, below: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (query row, stored row, distance) of each query row's close stored rows.

        Only rows of pictures numbered under BELOW count (the pictures uploaded before the
        query's own); for each query row, its VOTE_NEIGHBOURS nearest under VOTE_DIST.
        """
        query = np.ascontiguousarray(query, np.uint8).reshape(-1, 32)
        empty = np.zeros(0, np.int64)
        if len(query) == 0 or len(self.desc) == 0:
            return empty, empty, empty
        keys = query.view(np.uint16)
        found_q, found_r = [], []
        for c in range(CHUNKS):
            column = self._sorted[c]
            lo = np.searchsorted(column, keys[:, c], "left")
            count = np.searchsorted(column, keys[:, c], "right") - lo
            count[count > CROWD] = 0
            total = int(count.sum())
            if total == 0:
                continue
            # Positions lo..lo+count-1 of every query row, flattened without a Python loop.
            ends = np.cumsum(count)
            pos = np.arange(total) + np.repeat(lo - (ends - count), count)
            found_q.append(np.repeat(np.arange(len(query)), count))
            found_r.append(self._order[c, pos])
        if not found_q:
            return empty, empty, empty
        q, r = np.concatenate(found_q), np.concatenate(found_r).astype(np.int64)
        keep = self.owner[r] < below
        q, r = q[keep], r[keep]
        qwords = query.view(np.uint64)
        dist = np.bitwise_count(qwords[q] ^ self._words[r]).sum(axis=1, dtype=np.int64)
        close = dist < VOTE_DIST
        # A pair sharing several words was found several times: keep it once.
        pair, once = np.unique(q[close] * len(self.desc) + r[close], return_index=True)
        q, r, dist = pair // len(self.desc), pair % len(self.desc), dist[close][once]
        order = np.lexsort((r, dist, q))  # per query row, nearest first (ties: older first)
        q, r, dist = q[order], r[order], dist[order]
        first = np.searchsorted(q, q, "left")
        near = np.arange(len(q)) - first < VOTE_NEIGHBOURS
        return q[near], r[near], dist[near]

    def rank(self, query: np.ndarray, below: int, top_k: int) -> list[int]:
        """Return up to TOP_K of the pictures numbered under BELOW, best first, by QUERY's votes.

        A picture after the first is returned only with at least half the first one's votes.
        """
        q, r, _ = self.nearest(query, below)
        if len(q) == 0:
            return []
        # Each query row splits one vote among the distinct pictures it found.
        hit = np.unique(q * below + self.owner[r])  # every picture found is numbered under BELOW
        hq, ho = np.divmod(hit, below)
        shares = np.bincount(hq)[hq]
        votes = np.bincount(ho, weights=1.0 / shares, minlength=below)
        order = np.argsort(-votes, kind="stable")[:top_k]
        return [int(i) for i in order if votes[i] > 0 and votes[i] >= votes[order[0]] / 2]


def rank(query: np.ndarray, stack: np.ndarray, owner: np.ndarray, n: int, top_k: int) -> list[int]:
    """Return up to TOP_K of N pictures, best first, by the votes of QUERY's descriptors.

    STACK holds the descriptors of all N pictures, OWNER the picture of each row.

    >>> rng = np.random.default_rng(1)
    >>> stack = rng.integers(0, 256, (3000, 32), dtype=np.uint8)
    >>> rank(stack[1000:1100], stack, np.arange(3000) // 500, 6, 2)
    [2]
    """
    return VoteIndex(stack, owner).rank(query, n, top_k)
