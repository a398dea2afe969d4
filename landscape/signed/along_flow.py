"""The frustration of a network's signed graph along a recorded gradient flow.

At each recorded time ``t`` of :func:`~landscape.flow.gradient_flow` (run with
``record_weights=True``) the weights ``W(t)`` give a signed graph and its normalised
frustration ``F(t) / W(t)`` (docs/theory.md §6; J. Wendin, E. G. Larsson, C. Altafini, *Computing
frustration and near-monotonicity in deep neural networks*, arXiv:2510.05286), optionally with
a null band: the mean and standard deviation of the null models'
``F / W`` at the same time (:mod:`~landscape.signed.nulls`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._base.parallel import Executor
from .._base.validation import DEFAULT_SEED, check_choice, check_int, check_seed
from ..flow import FlowResult
from ..problem.network import Landscape, check_landscape
from .minimum import MAX_ENUMERATION, SolverOptions
from .nulls import NULL_MODELS, check_progress, compare_with_null
from .results import FrustrationTrajectory

__all__ = ["frustration_along_flow"]


def _time_task(task):
    layers, null, null_samples, rng, options = task
    if null is None:
        return options.run(layers, rng), None
    return compare_with_null(layers, null, null_samples, rng, options, Executor(), False)


def frustration_along_flow(flow_result: FlowResult, land: Landscape, *, every: int = 1,
                           weighted: bool = True, method: str = "auto", restarts: int = 20,
                           seed=DEFAULT_SEED, fix_io_signs: bool = False,
                           max_enumeration: int = MAX_ENUMERATION, time_limit: float = 60.0,
                           polish: bool = True, null: str | None = None,
                           null_samples: int = 20, n_jobs: int | None = None,
                           client: Any = None,
                           progress: bool | None = None) -> FrustrationTrajectory:
    """Frustration at the recorded times of a gradient flow, with an optional null band.

    Parameters
    ----------
    flow_result : FlowResult
        From :func:`~landscape.flow.gradient_flow` with ``record_weights=True`` (its
        ``trajectory`` rows are the flat weights, read with ``land.unflatten``).
    land : Landscape
        The landscape the flow ran on.
    every : int
        Use every ``every``-th record (the last record is always used).
    null : str or None
        A null model of :data:`~landscape.signed.nulls.NULL_MODELS` to compare with at every
        time (``null_samples`` draws each, as in
        :func:`~landscape.signed.nulls.frustration_vs_null`).
    null_samples : int
        Null draws per time (>= 2).
    n_jobs : int or None
        Evaluate the times in ``n_jobs`` ``joblib`` processes (``-1``: one per core;
        ``None`` or 1: serially), as :class:`landscape.Executor`.
    client : dask.distributed.Client or None
        Evaluate the times on this Dask client instead (``n_jobs`` left ``None``).
    progress : bool or None
        Show a progress bar over the times (None: only on a terminal).
    weighted, method, restarts, seed, fix_io_signs, max_enumeration, time_limit, polish
        As in :func:`~landscape.signed.minimum.frustration`; same seed, same result, whichever
        backend runs the times.

    Returns
    -------
    FrustrationTrajectory

    Examples
    --------
    >>> from landscape.problem import DataSpectrum
    >>> from landscape.flow import gradient_flow
    >>> land = Landscape(DataSpectrum.from_singular_values([4.0, 1.0]), widths=(2, 2, 2, 2))
    >>> result = gradient_flow(land, land.random_weights(scale=1e-3, seed=0),
    ...                        record_weights=True)
    >>> along = frustration_along_flow(result, land, every=50)
    >>> along.t.size == len(range(0, result.t.size, 50)) + 1, bool(along.normalized.max() < 0.5)
    (True, True)
    """
    if not isinstance(flow_result, FlowResult):
        raise TypeError(f"flow_result must be a FlowResult, got {type(flow_result).__name__}")
    check_landscape(land)
    if flow_result.trajectory is None:
        raise ValueError("flow_result.trajectory must hold the recorded weights: run "
                         "gradient_flow(..., record_weights=True), got None")
    if flow_result.trajectory.shape[1] != land.n_params:
        raise ValueError(f"flow_result.trajectory must have land.n_params = {land.n_params} "
                         f"columns, got {flow_result.trajectory.shape[1]}")
    every = check_int(every, "every", minimum=1)
    options = SolverOptions.checked(weighted, fix_io_signs, method, restarts, max_enumeration,
                                    time_limit, polish)
    if null is not None:
        check_choice(null, "null", NULL_MODELS)
        null_samples = check_int(null_samples, "null_samples", minimum=2)
    executor = Executor(n_jobs=n_jobs, client=client)
    progress = check_progress(progress)
    index = np.arange(0, flow_result.t.size, every)
    if index[-1] != flow_result.t.size - 1:
        index = np.append(index, flow_result.t.size - 1)
    children = check_seed(seed).spawn(index.size)
    tasks = [(land.unflatten(flow_result.trajectory[i]), null, null_samples, child, options)
             for i, child in zip(index, children)]
    results, bands = [None] * index.size, [None] * index.size
    for k, (res, band) in executor.map(_time_task, tasks, progress=progress,
                                       desc="frustration along flow"):
        results[k], bands[k] = res, band
    extra = {}
    if null is not None:
        extra = {"null": null, "null_mean": np.array([b.mean for b in bands]),
                 "null_std": np.array([b.std for b in bands])}
    return FrustrationTrajectory(
        t=flow_result.t[index].copy(), value=np.array([r.value for r in results]),
        normalized=np.array([r.normalized for r in results]),
        exact=np.array([r.exact for r in results]),
        lower_bound=np.array([r.lower_bound for r in results]),
        upper_bound=np.array([r.upper_bound for r in results]),
        method=tuple(r.method for r in results),
        total_weight=np.array([r.total_weight for r in results]), **extra)
