"""Oracles shared by the tests of :mod:`landscape.geometry`, written out from THEORY.

The canonical aligned points (and variants with cut paths), the closed-form spectra of
THEORY §4.1 and small random problems of depth 2-5 with ties and zeros.
"""

import itertools

import numpy as np
from conftest import sample_data

from landscape import DataSpectrum, Landscape


def aligned_point(land, subset, *, cut=None):
    """The canonical balanced aligned representative, written out as the test's own oracle.

    Path input i -> hidden unit c -> ... -> output i, every edge sigma_i^{1/h}. ``cut`` maps an
    unlearnt mode to the 0-based layers where its path (through the next free hidden unit) is
    left out; the remaining layers carry the weight sigma_i^{1/h}.
    """
    sigma = land.spectrum.sigma
    h = land.h
    weights = [np.zeros(s) for s in land.shapes]
    paths = [(i, c, range(h)) for c, i in enumerate(subset)]
    for k, (i, layers) in enumerate((cut or {}).items()):
        paths.append((i, len(subset) + k, [j for j in range(h) if j not in layers]))
    for i, c, layers in paths:
        a = sigma[i] ** (1.0 / h)
        for j in layers:
            row = i if j == h - 1 else c
            col = i if j == 0 else c
            weights[j][row, col] = a
    return weights


def closed_form_spectrum(sigma, subset, h, n_params):
    """THEORY §4.1 table at the canonical representative (whitened, distinct sigma, equal
    widths)."""
    values = [h * sigma[i] ** (2 * (h - 1) / h) for i in subset]
    for i, j in itertools.combinations(subset, 2):
        values += 2 * [sum(sigma[i] ** (2 * (l - 1) / h) * sigma[j] ** (2 * (h - l) / h)
                           for l in range(1, h + 1))]
    for i in subset:
        for j in range(len(sigma)):
            if j not in subset:
                values += [sigma[i] ** ((h - 2) / h) * (sigma[i] + sigma[j]),
                           sigma[i] ** ((h - 2) / h) * (sigma[i] - sigma[j])]
    return np.sort(values + [0.0] * (n_params - len(values)))


def is_top(sigma, subset):
    """No unlearnt positive sigma strictly larger than a learnt one (ties allowed at the cut)."""
    learnt = [sigma[i] for i in subset]
    unlearnt = [sigma[i] for i in range(len(sigma)) if i not in subset and sigma[i] > 0]
    return not learnt or not unlearnt or max(unlearnt) <= min(learnt) * (1 + 1e-9)


def whitened_landscape(seed, widths):
    X, Y = sample_data(np.random.default_rng(seed), 40, widths[0], widths[-1])
    return Landscape(DataSpectrum.from_data(X, Y, whiten=True), widths)


def fiber_problems():
    """Small problems of depth 2-5: singular values with ties and zeros, whitened, raw data."""
    rng = np.random.default_rng(2024)
    out = []
    for trial in range(48):
        h = 2 + trial % 4
        d_x, d_y = (int(d) for d in rng.integers(2, 5, size=2))
        widths = (d_x, *(int(d) for d in rng.integers(1, 5, size=h - 1)), d_y)
        kind = ("singular_values", "whitened", "raw")[(trial // 4) % 3]
        if kind == "singular_values":
            sigma = np.sort(rng.uniform(0.3, 2.0, size=min(d_x, d_y)))[::-1]
            if trial % 2 and sigma.size > 1:
                sigma[1] = sigma[0]             # a tie
            if trial % 8 < 4:
                sigma[-1] = 0.0                 # a zero mode
            spec = DataSpectrum.from_singular_values(sigma, d_x=d_x, d_y=d_y)
        else:
            X, Y = sample_data(rng, 30, d_x, d_y)
            spec = DataSpectrum.from_data(X, Y, whiten=kind == "whitened")
        out.append(Landscape(spec, widths))
    return out
