"""Null models of a network's signed graph, and its frustration against them.

Three null models keep part of each layer ``W_j`` and randomise the rest (J. Wendin,
E. G. Larsson, C. Altafini, *Computing frustration and near-monotonicity in deep neural
networks*, arXiv:2510.05286): the signs of the nonzero entries shuffled among them
(``"sign_shuffle"``), the entries permuted (``"weight_permutation"``), or independent fair
signs (``"random_signs"``). A network is compared with ``m`` null samples by the z-score
``(F/W - mean) / std`` of the null's normalised frustration and the empirical one-sided
p-value

    p = (1 + #{samples <= F/W}) / (m + 1),

small when the network is less frustrated than its null (docs/theory.md §6).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._base.parallel import Executor
from .._base.validation import DEFAULT_SEED, check_choice, check_int, check_seed
from .._base.validation import check_bool
from .minimum import MAX_ENUMERATION, SolverOptions
from .network import SignedNetwork
from .network_solve import solve_network
from .results import FrustrationResult, NetworkNullComparison, NullComparison
from .signed_graph import layers_of

__all__ = ["MAX_NULL_SAMPLES", "NETWORK_NULL_MODELS", "NULL_MODELS", "frustration_vs_null",
           "null_network"]

#: Most null samples :func:`frustration_vs_null` draws: each holds its own generator (about
#: 1 KB, all made before the first solve) and solves one frustration problem; a p-value
#: resolves ``1 / (samples + 1)``, ``1e-5`` here.
MAX_NULL_SAMPLES = 100_000

#: Null models of :func:`null_network`: signs shuffled within a layer, weights permuted
#: within a layer, independent fair signs.
NULL_MODELS = ("sign_shuffle", "weight_permutation", "random_signs")

#: Every null model: those of :data:`NULL_MODELS` and ``"initialisation"``, the same
#: architecture at PyTorch's default initialisation of its Conv/Linear layers,
#: ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, batch norm at identity.
NETWORK_NULL_MODELS = (*NULL_MODELS, "initialisation")


def null_array(w: np.ndarray, null: str, rng: np.random.Generator, fan_in: int) -> np.ndarray:
    """One draw of the null model ``null`` of one layer's shared weights ``w``."""
    if null == "weight_permutation":
        return rng.permutation(w.ravel()).reshape(w.shape)
    if null == "initialisation":
        bound = 1.0 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, size=w.shape)
    new = w.copy()
    nz = np.flatnonzero(w)
    signs = np.sign(w.ravel()[nz])
    signs = rng.permutation(signs) if null == "sign_shuffle" else \
        np.where(rng.random(nz.size) < 0.5, -1.0, 1.0)
    new.ravel()[nz] = np.abs(w.ravel()[nz]) * signs
    return new


def null_layers(layers: list[np.ndarray], null: str, rng: np.random.Generator
                ) -> list[np.ndarray]:
    """One draw of the null model ``null`` (already checked) of validated ``layers``."""
    return [null_array(w, null, rng, w.shape[1]) for w in layers]


def null_blocks(net: SignedNetwork, null: str, rng: np.random.Generator) -> SignedNetwork:
    """One draw of the null model ``null`` (already checked) of a network: every learnable
    block's shared weights (its kernel, not its unrolled edges) drawn anew, fixed-weight blocks
    (pooling, addition, concatenation) kept."""
    return net.with_blocks([b if b.parameters is None else
                            b.with_parameters(null_array(np.asarray(b.parameters), null, rng,
                                                         b.fan_in))
                            for b in net.blocks])


def null_network(weights, null: str = "sign_shuffle", *, seed=DEFAULT_SEED,
                 widths=None) -> list[np.ndarray]:
    """One network drawn from a null model of ``weights`` (arXiv:2510.05286).

    Parameters
    ----------
    weights : SignedNetwork, sequence of ndarray or adjacency matrix
        As in :func:`~landscape.signed.minimum.frustration` (``widths`` with an adjacency
        matrix). A network keeps its architecture and weight sharing: the null acts on each
        learnable block's shared weights (a convolution's kernel, not its unrolled edges,
        docs/theory.md §6.1), and fixed-weight blocks (pooling, addition, concatenation) stay.
    null : {"sign_shuffle", "weight_permutation", "random_signs", "initialisation"}
        ``"sign_shuffle"``: in each layer, the signs of the nonzero entries are permuted
        among them, magnitudes stay in place. ``"weight_permutation"``: the entries of each
        layer are permuted. ``"random_signs"``: every nonzero entry gets an independent fair
        sign, magnitudes stay in place. ``"initialisation"``: every entry drawn from
        PyTorch's default initialisation of Conv and Linear layers,
        ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` (batch norm at identity: nothing to fold).
    seed : int, numpy Generator or None
    widths : sequence of int, optional
        As in :func:`~landscape.signed.minimum.frustration`.

    Returns
    -------
    list of ndarray or SignedNetwork
        ``W_1..W_h`` of the null network, or the null network of a ``SignedNetwork``.

    Examples
    --------
    Random signs keep every magnitude and usually frustrate a balanced network.

    >>> from landscape import frustration
    >>> rng = np.random.default_rng(0)
    >>> layers = [np.abs(rng.standard_normal((3, 2))), -np.abs(rng.standard_normal((2, 3)))]
    >>> null = null_network(layers, "random_signs", seed=1)
    >>> all(np.array_equal(np.abs(a), np.abs(b)) for a, b in zip(null, layers))
    True
    >>> frustration(layers).value, frustration(null).value > 0
    (0.0, True)
    """
    check_choice(null, "null", NETWORK_NULL_MODELS)
    if isinstance(weights, SignedNetwork):
        return null_blocks(weights, null, check_seed(seed))
    return null_layers(layers_of(weights, widths, "weights"), null, check_seed(seed))


def _null_task(task) -> tuple[float, bool, np.ndarray | None]:
    network, null, rng, options = task
    if isinstance(network, SignedNetwork):
        res = solve_network(null_blocks(network, null, rng), options, rng)
        return res.normalized, res.exact, res.block_normalized()
    res = options.run(null_layers(network, null, rng), rng)
    return res.normalized, res.exact, None


def compare_with_null(network, null: str, samples: int, rng: np.random.Generator,
                      options: SolverOptions, executor: Executor, progress: bool | None
                      ) -> tuple[FrustrationResult, NullComparison]:
    """The network's own result and its comparison with ``samples`` null networks.

    ``network`` is validated layers or a :class:`SignedNetwork` (then the comparison is a
    :class:`NetworkNullComparison`, block by block too); all arguments are already checked.
    ``rng`` is split into ``samples + 1`` independent children (the network's greedy
    restarts, then one per null draw), so the result does not depend on where ``executor``
    runs the draws.
    """
    children = rng.spawn(samples + 1)
    is_network = isinstance(network, SignedNetwork)
    observed = solve_network(network, options, children[0]) if is_network else \
        options.run(network, children[0])
    tasks = [(network, null, child, options) for child in children[1:]]
    values = np.empty(samples)
    exact = np.empty(samples, dtype=bool)
    blocks = np.empty((samples, len(network.blocks))) if is_network else None
    for i, (value, proven, per_block) in executor.map(_null_task, tasks, progress=progress,
                                                      desc=f"null {null}"):
        values[i], exact[i] = value, proven
        if is_network:
            blocks[i] = per_block
    mean = float(np.mean(values))
    std = float(np.std(values, ddof=1)) if samples > 1 else 0.0
    z = (observed.normalized - mean) / std if std > 0 else None
    p = (1.0 + np.sum(values <= observed.normalized)) / (samples + 1.0)
    fields = dict(value=observed.normalized, samples=values, mean=mean, std=std, z_score=z,
                  p_value=float(p), null=null, exact=bool(observed.exact and exact.all()),
                  result=observed)
    if is_network:
        return observed, NetworkNullComparison(**fields, block_samples=blocks)
    return observed, NullComparison(**fields)


def check_progress(progress) -> bool | None:
    """``None`` (a bar only on a terminal) or a bool."""
    return None if progress is None else check_bool(progress, "progress")


def frustration_vs_null(weights, null: str = "sign_shuffle", samples: int = 100, *,
                        seed=DEFAULT_SEED, widths=None, weighted: bool = True, method: str = "auto",
                        restarts: int = 20, fix_io_signs: bool = False,
                        max_enumeration: int = MAX_ENUMERATION, time_limit: float = 60.0,
                        polish: bool = True, n_jobs: int | None = None, client: Any = None,
                        progress: bool | None = None) -> NullComparison:
    """Normalised frustration of a network against a null model (arXiv:2510.05286).

    The network and each of ``samples`` null networks (:func:`null_network`) go through
    the same method with the same options and budget. The z-score is
    ``(F/W - mean) / std`` of the null's ``F/W``, the p-value the empirical one-sided
    ``(1 + #{null <= network}) / (samples + 1)``: small when the network is less frustrated
    than its null.

    Parameters
    ----------
    weights : SignedNetwork, sequence of ndarray or adjacency matrix
        As in :func:`~landscape.signed.minimum.frustration`; a network gives a
        :class:`~landscape.signed.results.NetworkNullComparison` (each block's normalised
        frustration in every sample too).
    null : {"sign_shuffle", "weight_permutation", "random_signs", "initialisation"}
        As in :func:`null_network`.
    samples : int
        Number of null networks (>= 1).
    seed : int, numpy Generator or None
        Drives the null draws and the greedy restarts; same seed, same result, whichever
        backend runs the samples.
    n_jobs : int or None
        Run the null samples in ``n_jobs`` ``joblib`` processes (``-1``: one per core;
        ``None`` or 1: serially), as :class:`landscape.Executor`.
    client : dask.distributed.Client or None
        Run the null samples on this Dask client instead (``n_jobs`` left ``None``).
    progress : bool or None
        Show a progress bar (None: only on a terminal).
    widths, weighted, method, restarts, fix_io_signs, max_enumeration, time_limit, polish
        As in :func:`~landscape.signed.minimum.frustration`.

    Returns
    -------
    NullComparison

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> balanced = [np.abs(rng.standard_normal((3, 3))) for _ in range(3)]
    >>> cmp = frustration_vs_null(balanced, "random_signs", samples=19, seed=1)
    >>> cmp.value, cmp.p_value
    (0.0, 0.05)
    """
    network = weights if isinstance(weights, SignedNetwork) else \
        layers_of(weights, widths, "weights")
    check_choice(null, "null", NETWORK_NULL_MODELS)
    samples = check_int(samples, "samples", minimum=1)
    if samples > MAX_NULL_SAMPLES:
        raise ValueError(f"samples must be at most MAX_NULL_SAMPLES = {MAX_NULL_SAMPLES:,} (each "
                         f"holds a generator of about 1 KB, {samples * 1e3 / 2 ** 30:.3g} GiB "
                         f"here, and solves a frustration problem; a p-value of "
                         f"1/(samples + 1) = {1 / (MAX_NULL_SAMPLES + 1):.1g} needs no more), "
                         f"got {samples:,}")
    options = SolverOptions.checked(weighted, fix_io_signs, method, restarts, max_enumeration,
                                    time_limit, polish)
    executor = Executor(n_jobs=n_jobs, client=client)
    return compare_with_null(network, null, samples, check_seed(seed), options,
                             executor, check_progress(progress))[1]
