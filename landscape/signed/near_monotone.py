"""Near-monotonicity of a network along the order of a switching: :func:`near_monotonicity`.

If a switching ``D`` makes ``D A D >= 0`` and every activation is non-decreasing, the network
is monotone for the orthant orders of its input and output signs ``D_x``, ``D_y``:
``D_x (x' - x) >= 0  =>  D_y (f(x') - f(x)) >= 0``. The test (docs/theory.md §6.1; J. Wendin,
E. G. Larsson, C. Altafini, *Computing frustration and near-monotonicity in deep neural
networks*, arXiv:2510.05286): for inputs ``x``, perturbations ``delta = eps D_x |eta|`` with
``eta`` standard Gaussian, the fraction of output coordinates with
``D_y (f(x + delta) - f(x)) >= 0``; exactly 1 for a balanced network.

Against a null model (``null=``): each of ``samples`` null networks keeps the architecture,
the weight sharing, the biases and the batch-norm shifts and draws the shared weights of every
learnable block as :func:`~landscape.signed.nulls.null_network` does; it is evaluated as a
function (the model's operation graph with the null's weights), scored along its own
frustration switching with the same perturbation magnitudes ``|eta|``, and the model's score is
compared with theirs by the z-score ``(score - mean) / std`` and the empirical one-sided
p-value ``(1 + #{null >= score}) / (samples + 1)``, small when the model is more monotone than
its null.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._base.parallel import Executor
from .._base.validation import DEFAULT_SEED, check_bool, check_choice, check_int, \
    check_positive, check_seed
from .active import checked_inputs, evaluate, outputs_of, with_network_weights
from .minimum import frustration
from .network import is_torch_module, read_model
from .nulls import NETWORK_NULL_MODELS, null_blocks
from .reader_graph import build_network

__all__ = ["NearMonotonicity", "near_monotonicity"]


@dataclass(frozen=True)
class NearMonotonicity:
    """The result of :func:`near_monotonicity`.

    Attributes
    ----------
    score : float
        Fraction of output coordinates, over all inputs and perturbations, whose change has
        the sign the switching predicts (``D_y (f(x + delta) - f(x)) >= 0``).
    per_input : ndarray, shape (N,)
        The same fraction for each input.
    epsilon : float
        Perturbation scale.
    perturbations : int
        Perturbations per input.
    frustration : float or None
        Normalised frustration of the switching, when the result that gave it says.
    null : str or None
        The null model the score is compared with (None: no comparison).
    null_scores : ndarray, shape (samples,), or None
        The score of each null network along its own frustration switching.
    null_mean, null_std : float or None
        Their mean and standard deviation (``ddof=1``; 0 for one sample).
    z_score : float or None
        ``(score - null_mean) / null_std`` (None when ``null_std`` is 0).
    p_value : float or None
        ``(1 + #{null_scores >= score}) / (samples + 1)``.
    """

    score: float
    per_input: np.ndarray
    epsilon: float
    perturbations: int
    frustration: float | None
    null: str | None = None
    null_scores: np.ndarray | None = None
    null_mean: float | None = None
    null_std: float | None = None
    z_score: float | None = None
    p_value: float | None = None


def _torch_function(model):
    """``f`` of a torch module: a float64 copy in inference mode, outputs flattened and
    concatenated per sample."""
    import torch
    copied = copy.deepcopy(model).to(torch.float64).eval()

    def f(X):
        with torch.no_grad():
            out = copied(torch.from_numpy(X))
        flat = out if isinstance(out, (tuple, list)) else (out,)
        return np.concatenate([t.reshape(len(X), -1).numpy() for t in flat], axis=1)
    return f


def _orthants(signs, net, graph) -> tuple[np.ndarray, np.ndarray]:
    """``(D_x, D_y)`` of a switching of ``net``: the input's signs in its shape, the outputs'
    signs flattened and concatenated."""
    signs = np.asarray(getattr(signs, "signs", None) if signs is not None else None)
    if signs.shape != (net.n_nodes,) or not np.all(np.isin(signs, (-1, 1))):
        raise ValueError(f"result must have .signs of n_nodes = {net.n_nodes} entries, each "
                         f"+1 or -1, got shape {signs.shape}")
    d_x = signs[:net.tensors[0].stop].reshape(graph.input_shape)
    d_y = np.concatenate([signs[net.tensors[t].start:net.tensors[t].stop]
                          for t in net.outputs])
    return d_x, d_y


def _agreement(f, X, d_x, d_y, epsilon, perturbations, rng) -> np.ndarray:
    """Per input, the fraction of output coordinates with ``D_y (f(x + delta) - f(x)) >= 0``
    over ``perturbations`` draws of ``delta = epsilon D_x |eta|``."""
    base = f(X)
    agree = np.zeros(len(X))
    for _ in range(perturbations):
        delta = epsilon * d_x * np.abs(rng.standard_normal(X.shape))
        change = d_y * (f(X + delta) - base)
        agree += np.mean(change >= 0, axis=1)
    return agree / perturbations


def _null_score(task) -> float:
    """The score of one null network along its own frustration switching."""
    graph, null, rng, X, epsilon, perturbations, eta = task
    net = null_blocks(build_network(graph), null, rng)
    signs = frustration(net, seed=rng)
    other = with_network_weights(graph, net)
    d_x, d_y = _orthants(signs, net, other)
    return float(np.mean(_agreement(lambda Z: outputs_of(other, evaluate(other, Z)), X, d_x,
                                    d_y, epsilon, perturbations, copy.deepcopy(eta))))


def near_monotonicity(model, X, input_shape, result=None, *, epsilon: float = 1e-3,
                      perturbations: int = 8, seed=DEFAULT_SEED, null: str | None = None,
                      samples: int = 20, n_jobs: int | None = None, client: Any = None,
                      progress: bool | None = None) -> NearMonotonicity:
    """Near-monotonicity of ``model`` along the orthant order of a switching (docs/theory.md §6.1).

    Parameters
    ----------
    model : torch.nn.Module, str or path-like, or onnx.ModelProto
        The network; a torch module is called (in float64, inference mode), an ONNX model is
        evaluated from its operation graph.
    X : array_like, shape (N, *input_shape)
        The inputs ``x``.
    input_shape : sequence of int
        The input's shape without the batch axis.
    result : object with ``.signs``, optional
        A switching of the network's signed graph (``signed_network(model, input_shape)``):
        one ``+-1`` per node, as in a :class:`~landscape.signed.results.FrustrationResult`.
        By default that of ``frustration(signed_network(model, input_shape), seed=seed)``.
    epsilon : float
        Perturbation scale: ``delta = epsilon D_x |eta|``.
    perturbations : int
        Perturbations per input.
    seed : int, numpy Generator or None
        Randomness of the perturbations, of the default frustration and of the null draws;
        same seed, same result, whichever backend runs the null samples.
    null : {"sign_shuffle", "weight_permutation", "random_signs", "initialisation"} or None
        Compare with ``samples`` null networks of this model
        (:func:`~landscape.signed.nulls.null_network`), each evaluated as a function and
        scored along its own frustration switching (``frustration(null network)``) with the
        model's perturbation magnitudes. None: no comparison.
    samples : int
        Number of null networks (>= 1), with ``null``.
    n_jobs : int or None
        Run the null samples in ``n_jobs`` ``joblib`` processes (``-1``: one per core;
        ``None`` or 1: serially), as :class:`landscape.Executor`.
    client : dask.distributed.Client or None
        Run the null samples on this Dask client instead (``n_jobs`` left ``None``).
    progress : bool or None
        Show a progress bar over the null samples (None: only on a terminal).

    Returns
    -------
    NearMonotonicity
        ``.score``: the fraction of output coordinates with ``D_y (f(x + delta) - f(x)) >= 0``;
        exactly 1 for a balanced network and its balancing switching. With ``null``, also
        ``.null_scores``, ``.null_mean``, ``.null_std``, ``.z_score`` and ``.p_value``.
    """
    graph = read_model(model, input_shape)
    X = checked_inputs(X, graph.input_shape, "X")
    epsilon = check_positive(epsilon, "epsilon")
    perturbations = check_int(perturbations, "perturbations", minimum=1)
    rng = check_seed(seed)
    if null is not None:
        check_choice(null, "null", NETWORK_NULL_MODELS)
        samples = check_int(samples, "samples", minimum=1)
        progress = None if progress is None else check_bool(progress, "progress")
        executor = Executor(n_jobs=n_jobs, client=client)
    net = build_network(graph)
    if len(net.outputs) != len(graph.outputs):
        raise ValueError("model must return distinct output tensors, got one tensor twice")
    if result is None:
        result = frustration(net, seed=rng)
    d_x, d_y = _orthants(result, net, graph)
    if is_torch_module(model):
        f = _torch_function(model)
    else:
        def f(Z):
            return outputs_of(graph, evaluate(graph, Z))
    eta = copy.deepcopy(rng)
    per_input = _agreement(f, X, d_x, d_y, epsilon, perturbations, rng)
    score = float(np.mean(per_input))
    value = getattr(result, "normalized", None)
    fields = dict(score=score, per_input=per_input, epsilon=epsilon,
                  perturbations=perturbations, frustration=None if value is None else float(value))
    if null is None:
        return NearMonotonicity(**fields)
    tasks = [(graph, null, child, X, epsilon, perturbations, eta) for child in rng.spawn(samples)]
    scores = np.empty(samples)
    for i, value in executor.map(_null_score, tasks, progress=progress, desc=f"null {null}"):
        scores[i] = value
    mean = float(np.mean(scores))
    std = float(np.std(scores, ddof=1)) if samples > 1 else 0.0
    return NearMonotonicity(**fields, null=null, null_scores=scores, null_mean=mean,
                            null_std=std, z_score=(score - mean) / std if std > 0 else None,
                            p_value=float((1.0 + np.sum(scores >= score)) / (samples + 1.0)))
