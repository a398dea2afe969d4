"""Oracles shared by the tests of :mod:`landscape.signed` (THEORY §6; arXiv:2510.05286).

Brute force over every switching with the literal definition
``sum |A_ab| [s_a A_ab s_b < 0]`` on the adjacency matrix, and the random layered networks
the tests draw. Test modules import these helpers (``from signed_oracles import ...``).
"""

import itertools

import numpy as np


def random_layers(rng, widths, *, zeros=0.0):
    layers = [rng.standard_normal((widths[j + 1], widths[j])) for j in range(len(widths) - 1)]
    return [w * (rng.random(w.shape) >= zeros) for w in layers]


def adjacency(layers):
    widths = [layers[0].shape[1]] + [w.shape[0] for w in layers]
    o = np.concatenate([[0], np.cumsum(widths)])
    A = np.zeros((o[-1], o[-1]))
    for j, w in enumerate(layers, start=1):
        A[o[j]:o[j + 1], o[j - 1]:o[j]] = w
    return A, widths


def brute_force(layers, *, fix_io_signs=False, weighted=True):
    """min over all switchings of sum |A_ab| over entries with (D A D)_ab < 0, literally."""
    A, widths = adjacency(layers)
    if not weighted:
        A = np.sign(A)
    n = A.shape[0]
    free = np.arange(n)
    if fix_io_signs:
        free = np.arange(widths[0], n - widths[-1])
    best = np.inf
    patterns = np.array(list(itertools.product((1.0, -1.0), repeat=free.size)))
    for chunk in np.array_split(patterns, max(1, len(patterns) // 2048)):
        S = np.ones((len(chunk), n))
        S[:, free] = chunk
        DAD = S[:, :, None] * A[None] * S[:, None, :]
        best = min(best, float(np.min(np.sum(np.where(DAD < 0, np.abs(A), 0.0), axis=(1, 2)))))
    return best


def switched_weight(layers, signs, weighted=True):
    A, _ = adjacency(layers)
    if not weighted:
        A = np.sign(A)
    s = np.asarray(signs, dtype=float)
    DAD = s[:, None] * A * s[None, :]
    return float(np.sum(np.abs(A)[DAD < 0]))


def random_widths(rng, max_nodes):
    while True:
        h = int(rng.integers(1, 6))
        widths = [int(d) for d in rng.integers(1, 5, size=h + 1)]
        if sum(widths) <= max_nodes:
            return widths
