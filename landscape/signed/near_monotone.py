"""Near-monotonicity of a network along the order of a switching: :func:`near_monotonicity`.

If a switching ``D`` makes ``D A D >= 0`` and every activation is non-decreasing, the network
is monotone for the orthant orders of its input and output signs ``D_x``, ``D_y``:
``D_x (x' - x) >= 0  =>  D_y (f(x') - f(x)) >= 0``. The test (THEORY §6.1; J. Wendin,
E. G. Larsson, C. Altafini, *Computing frustration and near-monotonicity in deep neural
networks*, arXiv:2510.05286): for inputs ``x``, perturbations ``delta = eps D_x |eta|`` with
``eta`` standard Gaussian, the fraction of output coordinates with
``D_y (f(x + delta) - f(x)) >= 0``; exactly 1 for a balanced network.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from .._base.validation import check_int, check_positive, check_seed
from .active import checked_inputs, evaluate, outputs_of
from .minimum import frustration
from .network import is_torch_module, read_model
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
    """

    score: float
    per_input: np.ndarray
    epsilon: float
    perturbations: int
    frustration: float | None


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


def near_monotonicity(model, X, input_shape, result=None, *, epsilon: float = 1e-3,
                      perturbations: int = 8, seed=None) -> NearMonotonicity:
    """Near-monotonicity of ``model`` along the orthant order of a switching (THEORY §6.1).

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
        Randomness of the perturbations (and of the default frustration).

    Returns
    -------
    NearMonotonicity
        ``.score``: the fraction of output coordinates with ``D_y (f(x + delta) - f(x)) >= 0``;
        exactly 1 for a balanced network and its balancing switching.
    """
    graph = read_model(model, input_shape)
    X = checked_inputs(X, graph.input_shape, "X")
    epsilon = check_positive(epsilon, "epsilon")
    perturbations = check_int(perturbations, "perturbations", minimum=1)
    rng = check_seed(seed)
    net = build_network(graph)
    if result is None:
        result = frustration(net, seed=rng)
    signs = np.asarray(getattr(result, "signs", None) if result is not None else None)
    if signs.shape != (net.n_nodes,) or not np.all(np.isin(signs, (-1, 1))):
        raise ValueError(f"result must have .signs of n_nodes = {net.n_nodes} entries, each "
                         f"+1 or -1, got shape {signs.shape}")
    if len(net.outputs) != len(graph.outputs):
        raise ValueError("model must return distinct output tensors, got one tensor twice")
    d_x = signs[:net.tensors[0].stop].reshape(graph.input_shape)
    d_y = np.concatenate([signs[net.tensors[t].start:net.tensors[t].stop]
                          for t in net.outputs])
    if is_torch_module(model):
        f = _torch_function(model)
    else:
        def f(Z):
            return outputs_of(graph, evaluate(graph, Z))
    base = f(X)
    agree = np.zeros(len(X))
    for _ in range(perturbations):
        delta = epsilon * d_x * np.abs(rng.standard_normal(X.shape))
        change = d_y * (f(X + delta) - base)
        agree += np.mean(change >= 0, axis=1)
    per_input = agree / perturbations
    value = getattr(result, "normalized", None)
    return NearMonotonicity(float(np.mean(per_input)), per_input, epsilon, perturbations,
                            None if value is None else float(value))
