"""The forward pass of a read model and its active subnetwork at an input.

At an input ``x`` a network of monotone activations is locally linear: each unit passes its
pre-activation on with the factor ``phi'(z)`` (ReLU: ``[z > 0]``; clip: ``[lo < z < hi]``;
LeakyReLU/PReLU: ``1`` or the slope; sigmoid, tanh: their derivatives) and a max pooling
passes on only its arg-max. The **active subnetwork** is the signed graph with these edges:
``A_x`` keeps each in-edge of a unit scaled by its factor and the arg-max edge of each max
pooling (weight 1). ``A_x`` is nilpotent (the graph is acyclic), and its input-to-output map
``[(I - A_x)^{-1}]_{out,in}``, the sum over paths, is the network's Jacobian at ``x``
(docs/theory.md §6.1; J. Wendin, E. G. Larsson, C. Altafini, arXiv:2510.05286).
"""

from __future__ import annotations


import dataclasses

import numpy as np

from .._base.validation import describe_value
from .convolution import convolve
from .network import read_model
from .reader_graph import OperationGraph, build_network, folded_batch_norms, max_pool_argmax, \
    pool_block

__all__ = ["active_subnetwork"]


def _channel(values, ndim):
    """A per-channel array (or scalar) broadcast against ``(N, C, *spatial)``."""
    values = np.asarray(values, dtype=float)
    return values.reshape((1, -1) + (1,) * (ndim - 2)) if values.size > 1 else values


def activate(op, z):
    """The activation of ``op`` applied to ``z`` (batch axis first)."""
    a, fn = op.attrs, op.attrs["fn"]
    if fn == "relu":
        return np.maximum(z, 0.0)
    if fn == "clip":
        return np.clip(z, a["lo"], a["hi"])
    if fn in ("leaky_relu", "prelu"):
        return np.where(z > 0, z, _channel(a["slope"], z.ndim) * z)
    if fn == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * z))
    return np.tanh(z)


def derivative(op, z):
    """``phi'(z)`` of the activation of ``op`` at one pre-activation ``z`` (no batch axis):
    ReLU ``[z > 0]``, clip ``[lo < z < hi]`` (strictly inside its bounds)."""
    a, fn = op.attrs, op.attrs["fn"]
    if fn == "relu":
        return (z > 0).astype(float)
    if fn == "clip":
        return ((z > a["lo"]) & (z < a["hi"])).astype(float)
    if fn in ("leaky_relu", "prelu"):
        slope = _channel(a["slope"], z.ndim + 1)
        return np.where(z > 0, 1.0, (slope[0] if slope.ndim else slope) * np.ones_like(z))
    if fn == "sigmoid":
        s = 0.5 * (1.0 + np.tanh(0.5 * z))
        return s * (1.0 - s)
    return 1.0 - np.tanh(z) ** 2


def evaluate(graph: OperationGraph, x: np.ndarray) -> dict:
    """Every value of the forward pass of ``graph`` (biases and batch-norm shifts included) on
    the batch ``x`` (``(N, *input_shape)``), in float64."""
    values = {graph.input: np.asarray(x, dtype=float)}
    for op in graph.operations:
        ins = [values[v] for v in op.inputs]
        z, a, n = ins[0], op.attrs, ins[0].shape[0]
        shape = graph.shapes[op.inputs[0]]
        out_shape = graph.shapes[op.output]
        if op.kind == "conv":
            y = convolve(z, a["weight"], a["stride"], a["pads"], a["dilation"], a["groups"],
                         out_shape[1:])
            y = y + _channel(a["bias"], y.ndim) if a.get("bias") is not None else y
        elif op.kind == "dense":
            y = z @ a["weight"].T + (a["bias"] if a.get("bias") is not None else 0.0)
        elif op.kind == "avg_pool":
            y = pool_block(op, 0, 1, shape, out_shape).matvec(z.reshape(n, -1))
        elif op.kind == "max_pool":
            y = max_pool_argmax(op, z, shape)[1]
        elif op.kind == "add":
            y = sum(ins[1:], ins[0])
        elif op.kind == "concat":
            y = np.concatenate(ins, axis=a["axis"] + 1)
        elif op.kind == "activation":
            y = activate(op, z)
        elif op.kind == "batch_norm":
            y = z * _channel(a["scale"], z.ndim) + _channel(a["shift"], z.ndim)
        else:
            y = z + a["shift"] if a.get("shift") is not None else z
        values[op.output] = np.asarray(y, dtype=float).reshape((n,) + out_shape)
    return values


def with_network_weights(graph: OperationGraph, net) -> OperationGraph:
    """``graph`` carrying the shared weights of the learnable blocks of ``net``, a network of
    the same architecture (a null network of ``build_network(graph)``), so that
    ``build_network`` of the result gives ``net`` again.

    A convolution or dense map takes its block's kernel, in which the batch norms folded into
    it are already multiplied; each of those batch norms keeps its shift and takes scale 1, and
    the producer's bias (and the shifts of batch norms folded before it) is multiplied by the
    scale it loses, so that every unit keeps its additive constant; a batch norm of its own
    takes its block's scale. Biases and shifts, which the signed graph leaves out, stay as they
    are.
    """
    learnable = {b.name: np.asarray(b.parameters) for b in net.blocks
                 if b.parameters is not None}
    folds = folded_batch_norms(graph)
    attrs = {op.name: dict(op.attrs) for op in graph.operations}
    before = {}
    for op in graph.operations:
        a = attrs[op.name]
        if op.name in folds:
            producer = attrs[folds[op.name]]
            if producer.get("bias") is not None:
                producer["bias"] = producer["bias"] * a["scale"]
            for earlier in before.setdefault(folds[op.name], []):
                attrs[earlier]["shift"] = attrs[earlier]["shift"] * a["scale"]
            before[folds[op.name]].append(op.name)
            a["scale"] = np.ones_like(a["scale"])
        elif op.kind in ("conv", "dense"):
            a["weight"] = learnable[op.name].reshape(a["weight"].shape)
        elif op.kind == "batch_norm":
            a["scale"] = learnable[op.name].reshape(a["scale"].shape)
    operations = tuple(dataclasses.replace(op, attrs=attrs[op.name]) for op in graph.operations)
    return dataclasses.replace(graph, operations=operations)


def outputs_of(graph: OperationGraph, values: dict) -> np.ndarray:
    """The model's outputs, flattened and concatenated per sample: ``(N, n_out)``."""
    return np.concatenate([values[v].reshape(len(values[v]), -1) for v in graph.outputs],
                          axis=1)


def checked_inputs(X, input_shape, name: str) -> np.ndarray:
    """``X`` as a finite float batch ``(N, *input_shape)`` (one input without the batch axis
    becomes a batch of one)."""
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of numbers, got {describe_value(X)}") from exc
    if X.shape == tuple(input_shape):
        X = X[None]
    if X.shape[1:] != tuple(input_shape) or X.shape[0] < 1:
        raise ValueError(f"{name} must have shape {tuple(input_shape)} or (N, "
                         f"{', '.join(map(str, input_shape))}), got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} must hold finite values only")
    return X


def active_subnetwork(model, x, input_shape):
    """The active subnetwork of a model at the input ``x`` (docs/theory.md §6.1).

    Parameters
    ----------
    model : torch.nn.Module, str or path-like, or onnx.ModelProto
        The network, read as by :func:`~landscape.signed.network.signed_network`.
    x : array_like, shape ``input_shape`` (or a batch of one)
        The input.
    input_shape : sequence of int
        The input's shape without the batch axis.

    Returns
    -------
    SignedNetwork
        The same tensors as ``signed_network(model, input_shape)``; the edges into each unit
        scaled by its activation's derivative at ``x`` (ReLU units with pre-activation
        ``> 0`` keep them, clip units strictly inside their bounds), each max pooling reduced
        to the edge of its arg-max with weight 1. ``[(I - A_x)^{-1}]_{out,in}`` is the
        Jacobian of the model (without its biases' constant) at ``x``.
    """
    graph = read_model(model, input_shape)
    x = checked_inputs(x, graph.input_shape, "x")
    if len(x) != 1:
        raise ValueError(f"x must be one input of shape {graph.input_shape}, got a batch of "
                         f"{len(x)}")
    return build_network(graph, evaluate(graph, x), derivative)
