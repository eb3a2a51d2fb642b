"""Shipment contents of one order, enumerated, and the dynamic programme's steps over them.

A content is a vector of item units (see `order_problem.Item`), at most each item's quantity;
contents are numbered in mixed radix (item 0 fastest), so content `r - u` is row `r - u` when
`u <= r` item by item. Shared by the per-order solver (`order_solver`) and its variant for
orders that hold a current allocation (`order_current`).
"""

from __future__ import annotations

from itertools import product

import numpy as np


def enumerate_contents(qty: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every content `0 <= u <= qty` (row r = the content of mixed-radix index r), and the
    radix strides."""
    strides = np.concatenate(([1], np.cumprod(qty + 1)[:-1])).astype(np.int64)
    contents = np.array(list(product(*(range(q + 1) for q in qty[::-1]))), dtype=np.int64)[:, ::-1]
    index = contents @ strides
    order_ix = np.argsort(index)
    return contents[order_ix], strides


def sub_content_pairs(qty: np.ndarray, strides: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices of every (r, u) with 0 < u <= r item by item, built item by item."""
    pair_r = np.zeros(1, dtype=np.int64)
    pair_u = np.zeros(1, dtype=np.int64)
    for q, stride in zip(qty, strides, strict=True):
        a, b = np.array([(a, b) for a in range(q + 1) for b in range(a + 1)]).T
        pair_r = (pair_r[:, None] + a[None, :] * stride).ravel()
        pair_u = (pair_u[:, None] + b[None, :] * stride).ravel()
    nonzero = pair_u > 0
    return pair_r[nonzero], pair_u[nonzero]


def backtrack(
    layers: list[np.ndarray],
    k: int,
    state: int,
    pair_r: np.ndarray,
    pair_u: np.ndarray,
    pair_cost: np.ndarray,
) -> list[int]:
    """The `k` parts (content rows) of the cheapest way to `state` in `layers[k]`, where
    `layers[j][r] = min over pairs (r, u) of pair_cost + layers[j - 1][r - u]`."""
    parts = []
    for layer in range(k, 0, -1):
        seg = np.flatnonzero(pair_r == state)
        vals = pair_cost[seg] + layers[layer - 1][state - pair_u[seg]]
        u = int(pair_u[seg[int(np.argmin(vals))]])
        parts.append(u)
        state -= u
    return parts


def min_plus_layer(
    pair_r: np.ndarray, pair_u: np.ndarray, part_cost: np.ndarray, previous: np.ndarray
) -> np.ndarray:
    """`layer[r] = min over pairs (r, u) of part_cost[u] + previous[r - u]` (inf where none);
    the pairs must be sorted by `pair_r`."""
    layer = np.full(len(previous), np.inf)
    if len(pair_r) == 0:
        return layer
    starts = np.flatnonzero(np.r_[True, pair_r[1:] != pair_r[:-1]])
    values = part_cost[pair_u] + previous[pair_r - pair_u]
    layer[pair_r[starts]] = np.minimum.reduceat(values, starts)
    return layer
