"""The operation graph both model readers produce, and the signed network built from it.

A torch module (:mod:`~landscape.signed.torch_reader`) and an ONNX model
(:mod:`~landscape.signed.onnx_reader`) are first read into one small representation: a list
of :class:`Operation` in topological order, each a convolution, dense map, pooling, addition,
concatenation, reshape, monotone activation or batch norm, with its weights and biases.
:func:`build_network` turns it into a :class:`~landscape.signed.network.SignedNetwork` under
the conventions of docs/theory.md §6.1 (batch norm folded into its producer, biases left
out, monotone activations mapping a node to itself); given the values of a forward pass at
one input, it builds the active subnetwork at that input instead (edges into a unit scaled by its
activation's derivative, max pooling reduced to its arg-max edge).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from .convolution import ConvBlock, conv_output_size
from .edges import DenseBlock, ScaledBlock, SparseBlock, network_of_parts

__all__ = ["ACTIVATIONS", "Operation", "OperationGraph", "build_network", "folded_batch_norms",
           "max_pool_argmax", "output_shape", "pool_geometry"]

#: Monotone non-decreasing activations and their parameters.
ACTIVATIONS = ("relu", "clip", "leaky_relu", "prelu", "sigmoid", "tanh")

#: Non-monotone activations, refused by name.
NON_MONOTONE = ("silu", "swish", "gelu", "hardswish", "mish")


@dataclass(frozen=True)
class Operation:
    """One operation: ``kind`` in ``conv, dense, avg_pool, max_pool, add, concat, reshape,
    activation, batch_norm``, its name in the model, input and output value names, and its
    attributes (weights, biases, strides, pads ``((begin, end), ...)``, ...)."""

    kind: str
    name: str
    inputs: tuple
    output: str
    attrs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class OperationGraph:
    """The operations of a model in topological order, its input and output value names, and
    the shape (without the batch axis) of every value."""

    input: str
    input_shape: tuple
    operations: tuple
    outputs: tuple
    shapes: dict


def refuse(op_type: str, name: str, why: str) -> ValueError:
    """The error for an operation outside the supported list."""
    return ValueError(f"model: operation {op_type} at node {name!r} {why}")


def pool_geometry(op: Operation, shape: tuple):
    """``(kernel, stride, pads, dilation, counted)`` of a pooling on an input of ``shape``
    (``(C, *spatial)``): global pooling takes the whole spatial extent; ``ceil_mode`` adds end
    padding for the last window (a window starting in the end padding is dropped, as in torch);
    ``counted`` is the region ``(begin, end)`` per axis whose entries count in an average."""
    spatial = shape[1:]
    a = op.attrs
    if a.get("global"):
        d = len(spatial)
        return spatial, (1,) * d, ((0, 0),) * d, (1,) * d, ((0, 0),) * d
    kernel, stride, dilation = a["kernel"], a["stride"], a.get("dilation", (1,) * len(spatial))
    pads = [tuple(p) for p in a["pads"]]
    if len(kernel) != len(spatial):
        raise ValueError(f"input_shape does not fit: {op.kind} {op.name!r} has a "
                         f"{len(kernel)}-D window, its input has shape {shape}")
    if a.get("ceil_mode"):
        for i, (n, k, s, dl) in enumerate(zip(spatial, kernel, stride, dilation)):
            span = n + pads[i][0] + pads[i][1] - dl * (k - 1) - 1
            out = -(-span // s) + 1
            if (out - 1) * s >= n + pads[i][0]:
                out -= 1
            pads[i] = (pads[i][0], pads[i][1] + max(0, (out - 1) * s - span))
    counted = a.get("counted") or (a["pads"] if a.get("count_include_pad")
                                   else ((0, 0),) * len(spatial))
    return tuple(kernel), tuple(stride), tuple(pads), tuple(dilation), tuple(counted)


def output_shape(op: Operation, shapes: list[tuple]) -> tuple:
    """The shape of ``op``'s output, or a ValueError naming the operation when its inputs do
    not fit it."""
    a, s = op.attrs, shapes[0]

    def misfit(rule):
        return ValueError(f"input_shape does not fit: {op.kind} {op.name!r} {rule}, got an "
                          f"input of shape {s}")
    if op.kind in ("activation", "batch_norm"):
        if op.kind == "batch_norm" and (len(s) < 1 or s[0] != a["scale"].size):
            raise misfit(f"needs {a['scale'].size} channels")
        return s
    if op.kind == "reshape":
        if math.prod(a["shape"]) != math.prod(s):
            raise misfit(f"cannot take shape {tuple(a['shape'])}")
        return tuple(a["shape"])
    if op.kind == "dense":
        if len(s) < 1 or s[-1] != a["weight"].shape[1]:
            raise misfit(f"needs {a['weight'].shape[1]} features on its last axis")
        return s[:-1] + (a["weight"].shape[0],)
    if op.kind == "conv":
        w = a["weight"]
        if len(s) != w.ndim - 1 or s[0] != w.shape[1] * a["groups"]:
            raise misfit(f"needs {w.shape[1] * a['groups']} channels and {w.ndim - 2} "
                         f"spatial axes")
        geometry = (w.shape[2:], a["stride"], a["pads"], a["dilation"])
    elif op.kind in ("avg_pool", "max_pool"):
        if len(s) < 2:
            raise misfit("needs a channel axis and spatial axes")
        kernel, stride, pads, dilation, _ = pool_geometry(op, s)
        geometry, w = (kernel, stride, pads, dilation), None
    elif op.kind == "add":
        if any(t != s for t in shapes):
            raise misfit(f"adds tensors of different shapes {shapes} (no broadcasting)")
        return s
    elif op.kind == "concat":
        axis = a["axis"]
        if not 0 <= axis < len(s) or any(len(t) != len(s) or t[:axis] + t[axis + 1:]
                                         != s[:axis] + s[axis + 1:] for t in shapes):
            raise misfit(f"concatenates shapes {shapes} along axis {axis}")
        return s[:axis] + (sum(t[axis] for t in shapes),) + s[axis + 1:]
    else:
        raise refuse(op.kind, op.name, "is not supported")
    out = tuple(conv_output_size(n, *g) for n, *g in zip(s[1:], *geometry))
    if any(n < 1 for n in out):
        raise misfit(f"leaves an empty output {out}")
    return ((w.shape[0] if w is not None else s[0]),) + out


def check_graph(graph: OperationGraph) -> None:
    """Every operation reads values defined before it (no cycle, nothing undefined) and every
    weight is finite."""
    defined = {graph.input}
    for op in graph.operations:
        for v in op.inputs:
            if v not in defined:
                raise ValueError(f"model: operation {op.kind} at node {op.name!r} reads {v!r} "
                                 f"before it is computed (a cyclic or recurrent graph)")
        defined.add(op.output)
        for key, value in op.attrs.items():
            if isinstance(value, np.ndarray) and not np.all(np.isfinite(value)):
                raise ValueError(f"model: the {key} of {op.kind} {op.name!r} must be finite, "
                                 f"got NaN or infinite entries")


def _axis_counts(n, n_out, k, s, pad, dl, region):
    """Entries of each window along one axis that fall in ``[-region[0], n + region[1])``."""
    q = np.arange(n_out)[:, None] * s + dl * np.arange(k)[None, :] - pad[0]
    return np.sum((q >= -region[0]) & (q < n + region[1]), axis=1)


def pool_block(op, source, target, shape, out_shape):
    """The full-graph block of a pooling: ``1/k`` per window entry, ``k`` the number of entries
    that count (inside the input for max pooling)."""
    kernel, stride, pads, dilation, counted = pool_geometry(op, shape)
    if op.kind == "max_pool":
        counted = ((0, 0),) * len(kernel)
    counts = [_axis_counts(n, m, k, s, p, d, r) for n, m, k, s, p, d, r in
              zip(shape[1:], out_shape[1:], kernel, stride, pads, dilation, counted)]
    count = np.ones(())
    for c in counts:
        count = np.multiply.outer(count, c)
    ones = np.ones((shape[0], 1) + tuple(kernel))
    block = ConvBlock(source, target, op.name, ones, shape, out_shape, stride, pads, dilation,
                      shape[0], op.kind, learnable=False)
    scale = np.broadcast_to(1.0 / count, out_shape)
    return ScaledBlock(block, scale) if np.ptp(count) else ConvBlock(
        source, target, op.name, ones / count.flat[0], shape, out_shape, stride, pads,
        dilation, shape[0], op.kind, learnable=False)


def _uses(graph: OperationGraph) -> dict:
    """Number of non-reshape consumers (and graph outputs) of each value's root, the value it
    re-indexes."""
    root, uses = {graph.input: graph.input}, {}
    for op in graph.operations:
        if op.kind == "reshape":
            root[op.output] = root[op.inputs[0]]
            continue
        root[op.output] = op.output
        for v in op.inputs:
            uses[root[v]] = uses.get(root[v], 0) + 1
    for v in graph.outputs:
        uses[root[v]] = uses.get(root[v], 0) + 1
    return {v: uses.get(r, 0) for v, r in root.items()}


def _diagonal(op, source, target, shape, kernel, learnable):
    """A one-to-one block (per-channel factors) from a tensor into a new one of the same
    shape."""
    k = np.asarray(kernel, dtype=float).reshape((shape[0], 1) + (1,) * (len(shape) - 1))
    d = len(shape) - 1
    return ConvBlock(source, target, op.name, k, shape, shape, (1,) * d, ((0, 0),) * d,
                     (1,) * d, shape[0], op.kind, learnable=learnable)


def folded_batch_norms(graph: OperationGraph) -> dict:
    """``{batch-norm name: name of the convolution or dense operation it folds into}``: a batch
    norm folds into its producer when it reads that producer's output (possibly re-indexed to
    the same shape, or through batch norms folded before it) and is its only consumer."""
    uses = _uses(graph)
    producer, shape_of, folds = {}, {}, {}
    for op in graph.operations:
        source = op.inputs[0]
        if op.kind in ("conv", "dense"):
            producer[op.output] = op.name
            shape_of[op.name] = graph.shapes[op.output]
        elif op.kind == "reshape" and source in producer and \
                graph.shapes[op.output] == shape_of[producer[source]]:
            producer[op.output] = producer[source]
        elif op.kind == "batch_norm" and source in producer and uses[source] == 1:
            folds[op.name] = producer[op.output] = producer[source]
    return folds


def build_network(graph: OperationGraph, values: dict | None = None, derivative=None):
    """The signed network of ``graph`` (docs/theory.md §6.1); with the forward ``values`` at one
    input (batch of one) and ``derivative(op, pre_activation)``, its active subnetwork there."""
    uses = _uses(graph)
    folds = folded_batch_norms(graph)
    tensors = [("input", graph.input_shape)]
    blocks, gates, block_of = [], {}, {}
    where = {graph.input: (0, graph.input_shape)}

    def new_tensor(name, shape):
        tensors.append((name, shape))
        return len(tensors) - 1

    def gate(t, factor):
        gates[t] = gates.get(t, 1.0) * factor.ravel()

    for op in graph.operations:
        ins = [where[v] for v in op.inputs]
        t, shape = ins[0]
        out_shape = graph.shapes[op.output]
        if op.kind == "reshape":
            where[op.output] = (t, out_shape)
            continue
        if op.name in folds:
            i = block_of[folds[op.name]]
            scale = op.attrs["scale"].reshape((-1,) + (1,) * (blocks[i].parameters.ndim - 1))
            blocks[i] = blocks[i].with_parameters(blocks[i].parameters * scale)
            where[op.output] = (t, shape)
            continue
        if op.kind == "activation" and t != 0 and uses[op.inputs[0]] == 1:
            where[op.output] = (t, shape)
            if values is not None:
                gate(t, derivative(op, values[op.inputs[0]][0]))
            continue
        target = new_tensor(op.name, out_shape)
        where[op.output] = (target, out_shape)
        if op.kind == "activation":
            blocks.append(_diagonal(op, t, target, shape, np.ones(shape[0]), False))
            if values is not None:
                gate(target, derivative(op, values[op.inputs[0]][0]))
        elif op.kind == "batch_norm":
            blocks.append(_diagonal(op, t, target, shape, op.attrs["scale"], True))
        elif op.kind == "conv":
            a = op.attrs
            blocks.append(ConvBlock(t, target, op.name, a["weight"], shape, out_shape,
                                    a["stride"], a["pads"], a["dilation"], a["groups"]))
        elif op.kind == "dense":
            blocks.append(DenseBlock(t, target, op.name, op.attrs["weight"],
                                     repeat=math.prod(shape[:-1])))
        elif op.kind == "max_pool" and values is not None:
            import scipy.sparse as sp  # imported where used: ``import landscape`` stays light

            index = max_pool_argmax(op, values[op.inputs[0]][:1], shape)[0].ravel()
            m = sp.coo_matrix((np.ones(index.size), (np.arange(index.size), index)),
                              shape=(index.size, math.prod(shape)))
            blocks.append(SparseBlock(t, target, op.kind, op.name, m))
        elif op.kind in ("avg_pool", "max_pool"):
            blocks.append(pool_block(op, t, target, shape, out_shape))
        else:
            blocks.extend(_gather_blocks(op, ins, target, out_shape))
        block_of[op.name] = len(blocks) - 1
    blocks = [ScaledBlock(b, gates[b.target]) if b.target in gates else b for b in blocks]
    outputs = tuple(dict.fromkeys(where[v][0] for v in graph.outputs))
    return network_of_parts(tensors, blocks, outputs)


def _gather_blocks(op, ins, target, out_shape):
    """Addition (``+1`` per addend, summed for an addend used twice) and concatenation
    (re-indexing into the target), one block per source tensor."""
    import scipy.sparse as sp  # imported where used: ``import landscape`` stays light

    size = math.prod(out_shape)
    index = np.arange(size).reshape(out_shape)
    matrices, offset = {}, 0
    for t, shape in ins:
        n = math.prod(shape)
        if op.kind == "add":
            rows = np.arange(size)
        else:
            axis = op.attrs["axis"]
            part = (slice(None),) * axis + (slice(offset, offset + shape[axis]),)
            rows, offset = index[part].ravel(), offset + shape[axis]
        m = sp.coo_matrix((np.ones(n), (rows, np.arange(n))), shape=(size, n)).tocsr()
        matrices[t] = matrices[t] + m if t in matrices else m
    return [SparseBlock(t, target, op.kind, op.name, m) for t, m in matrices.items()]


def max_pool_argmax(op, x, shape):
    """``(index, value)`` of each window's maximum of a max pooling of the batch ``x``
    (``(N, *shape)``): ``index`` is the flat position of the arg-max in the input tensor."""
    kernel, stride, pads, dilation, _ = pool_geometry(op, shape)
    spatial = shape[1:]
    n, c = x.shape[:2]
    xp = np.pad(x, [(0, 0), (0, 0)] + [tuple(p) for p in pads], constant_values=-np.inf)
    out = [(m + p[0] + p[1] - d * (k - 1) - 1) // s + 1
           for m, p, d, k, s in zip(spatial, pads, dilation, kernel, stride)]
    best = np.full((n, c) + tuple(out), -np.inf)
    index = np.zeros(best.shape, dtype=np.int64)
    for offset in itertools.product(*(range(k) for k in kernel)):
        cut = tuple(slice(d * o, d * o + s * (m - 1) + 1, s)
                    for m, s, d, o in zip(out, stride, dilation, offset))
        vals = xp[(slice(None), slice(None)) + cut]
        pos = [np.clip(np.arange(m) * s + d * o - p[0], 0, size - 1)
               for m, s, d, o, p, size in zip(out, stride, dilation, offset, pads, spatial)]
        flat = np.ravel_multi_index(np.ix_(*pos), spatial) if pos else np.zeros((), np.int64)
        better = vals > best
        best = np.where(better, vals, best)
        index = np.where(better, flat, index)
    index += (np.arange(c) * math.prod(spatial)).reshape((1, c) + (1,) * len(spatial))
    return index, best
