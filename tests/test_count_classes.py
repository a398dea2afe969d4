"""count_classes is a counting formula: exact against brute force (every learnt set, keyed
per tie group) on random tied spectra and widths, and cheap at 10^4 modes."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import landscape as ls
from landscape.problem.ties import canonical_subset, tie_groups


def _brute_force(land):
    """Distinct canonical keys among all admissible learnt sets."""
    groups = tie_groups(land.spectrum.sigma)
    modes = sum(len(g) for g in groups)
    sizes = [modes] if land.h == 1 else range(min(land.bottleneck, modes) + 1)
    return len({canonical_subset(s, groups) for k in sizes
                for s in itertools.combinations(range(modes), k)})


@settings(max_examples=150, deadline=None)
@given(levels=st.lists(st.integers(0, 4), min_size=1, max_size=9),
       hidden=st.lists(st.integers(1, 10), min_size=0, max_size=3))
def test_count_matches_brute_force(levels, hidden):
    sigma = np.sort(np.array(levels, dtype=float))[::-1]
    sigma[0] = max(sigma[0], 1.0)
    d = sigma.size
    land = ls.Landscape(ls.DataSpectrum.from_singular_values(sigma), (d, *hidden, d))
    assert ls.count_classes(land) == _brute_force(land)


def test_count_at_ten_thousand_modes_is_the_binomial_sum():
    """Distinct values: sum_{k <= r} C(m, k), at m = 10^4 (once 52 s, now milliseconds)."""
    m = 10 ** 4
    spec = ls.DataSpectrum.from_singular_values(np.linspace(2.0, 1.0, m))
    partial, binomial = [], 1  # partial[k] = sum_{j <= k} C(m, j)
    for k in range(m + 1):
        partial.append(binomial + (partial[-1] if partial else 0))
        binomial = binomial * (m - k) // (k + 1)
    assert partial[-1] == 2 ** m
    for r in (3, 4999, 5000, 5001, m - 1, m):
        assert ls.count_classes(ls.Landscape(spec, (m, r, m))) == partial[r]
