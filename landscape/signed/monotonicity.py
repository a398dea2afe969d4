"""How far the end-to-end map of a network is from monotone.

The measure is the fraction of ``|P|`` mass of ``P = W_h ... W_1`` with the wrong sign after
the best sign flips of inputs and outputs,

    m(P) = min_{D_y, D_x} sum_{(D_y P D_x)_ik < 0} |P_ik| / sum_ik |P_ik|,

the normalised frustration of the bipartite signed graph inputs -> outputs with weights
``P`` (J. Wendin, E. G. Larsson, C. Altafini, *Computing frustration and near-monotonicity
in deep neural networks*, arXiv:2510.05286; docs/theory.md §6).
"""

from __future__ import annotations

import numpy as np

from .._base.products import chain_product
from .._base.validation import DEFAULT_SEED, check_seed
from .minimum import MAX_ENUMERATION, SolverOptions, solve
from .results import IOMonotonicity
from .signed_graph import layers_of, signed_layers

__all__ = ["io_monotonicity"]


def io_monotonicity(weights, *, widths=None, method: str = "auto", restarts: int = 20,
                    seed=DEFAULT_SEED, max_enumeration: int = MAX_ENUMERATION) -> IOMonotonicity:
    """Distance of the end-to-end map ``P = W_h ... W_1`` from a monotone map.

    The measure is the fraction of ``|P|`` mass with the wrong sign after the best sign
    flips of inputs and outputs,

        m(P) = min_{D_y, D_x} sum_{(D_y P D_x)_ik < 0} |P_ik| / sum_ik |P_ik|,

    the normalised frustration of the bipartite signed graph inputs -> outputs with weights
    ``P``, computed by the same switching machinery as
    :func:`~landscape.signed.minimum.frustration` (exact by enumeration over the smaller of
    ``d_x``, ``d_y`` when ``method`` allows). ``m(P) = 0`` exactly when ``D_y P D_x >= 0``
    for some flips: then every output is monotone in every input in the orthant order of the
    flips (arXiv:2510.05286). A balanced network has a switching with ``D A D >= 0``, so
    ``D_h W_h ... W_1 D_0 >= 0`` and ``m(P) = 0``.

    Parameters
    ----------
    weights : sequence of ndarray or adjacency matrix
        As in :func:`~landscape.signed.minimum.frustration`.
    widths, method, restarts, seed, max_enumeration
        As in :func:`~landscape.signed.minimum.frustration`.

    Returns
    -------
    IOMonotonicity

    Examples
    --------
    >>> import numpy as np
    >>> io_monotonicity([np.array([[1.0, -2.0], [-3.0, 4.0]])]).value
    0.0
    >>> round(io_monotonicity([np.array([[1.0, 1.0], [1.0, -2.0]])]).value, 6)
    0.2
    """
    layers = layers_of(weights, widths, "weights")
    options = SolverOptions.checked(True, False, method, restarts, max_enumeration, 60.0, True)
    product = chain_product(layers)
    g = signed_layers([product], True, False)
    res = solve(g, options, check_seed(seed), np.ones(g.n))
    d_x = product.shape[1]
    return IOMonotonicity(value=res.normalized, wrong_mass=res.value, total_mass=g.total,
                          input_signs=res.signs[:d_x].copy(), output_signs=res.signs[d_x:].copy(),
                          exact=res.exact, end_to_end=product)
