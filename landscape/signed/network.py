"""Any feed-forward network as one signed graph: :class:`SignedNetwork` and :func:`signed_network`.

The nodes are the input tensor and the output of every linear operation, tensor by tensor in
topological order, each in C order without the batch axis; the edges are the entries of each
operation's linear map, ``A[i, j]`` the weight of the edge from node ``j`` to node ``i``
(docs/theory.md §6.1; J. Wendin, E. G. Larsson, C. Altafini, *Computing frustration and
near-monotonicity in deep neural networks*, arXiv:2510.05286). A network holds its edges as
:class:`EdgeBlock` objects, one per (operation, source tensor), that apply their block of
``A`` without forming it (a convolution is a convolution, its transpose a transposed
convolution); :meth:`SignedNetwork.adjacency` builds the sparse matrix only on request.

The frustrated weight of a switching ``s`` is
``F(s) = 1/2 (sum |A_ij| - sum_blocks s_target . matvec(s_source))``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import numpy as np

from .._base.validation import check_int, describe_value
from .edges import (DenseBlock, EdgeBlock, ScaledBlock, SignedNetwork, SparseBlock,  # noqa: F401
                    TensorNodes, dense_network, network_of_parts)
from .onnx_reader import read_onnx
from .reader_graph import build_network
from .signed_graph import layers_of
from .torch_reader import read_torch

__all__ = ["SignedNetwork", "signed_network"]


def is_torch_module(model) -> bool:
    """Whether ``model`` is a ``torch.nn.Module`` (without importing torch when it is absent)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(model, torch.nn.Module)


def is_onnx_model(model) -> bool:
    """Whether ``model`` is an ONNX file path or an ``onnx.ModelProto``."""
    if isinstance(model, (str, os.PathLike)):
        return True
    onnx = sys.modules.get("onnx")
    return onnx is not None and isinstance(model, onnx.ModelProto)


def signed_network(model, input_shape=None, *, widths=None) -> SignedNetwork:
    """The signed graph of a feed-forward network (docs/theory.md §6.1).

    Parameters
    ----------
    model : torch.nn.Module, str or path-like, onnx.ModelProto, or sequence of ndarray
        A torch module (extra ``torch``; read by symbolic tracing), an ONNX file or model
        (extra ``onnx``), or dense layers ``W_1..W_h`` (``W_j`` of shape ``(d_j, d_{j-1})``)
        or their square block-shift adjacency matrix with ``widths``.
    input_shape : sequence of int
        The input's shape without the batch axis, e.g. ``(3, 224, 224)``; required for torch
        and ONNX models, checked against dense layers.
    widths : sequence of int, optional
        Layer widths of an adjacency matrix given as ``model``.

    Returns
    -------
    SignedNetwork
        Convolutions of every kind, linear layers, average/max/global pooling, residual
        additions and concatenations become edge blocks; batch norm (inference mode) is folded
        into its producer; biases and dropout are left out; monotone activations map nodes to
        themselves. Anything else, and non-monotone activations (SiLU, GELU, Hardswish, Mish),
        raise a ``ValueError`` naming the operation and the node before any work.
    """
    if is_torch_module(model) or is_onnx_model(model):
        return build_network(read_model(model, input_shape))
    layers = layers_of(model, widths, "model")
    if input_shape is not None:
        shape = check_input_shape(input_shape)
        if shape != (layers[0].shape[1],):
            raise ValueError(f"input_shape must be ({layers[0].shape[1]},) for these dense "
                             f"layers, got {shape}")
    return dense_network(layers)


def check_input_shape(input_shape) -> tuple[int, ...]:
    """``input_shape`` as a tuple of positive ints (no batch axis)."""
    if input_shape is None:
        raise ValueError("input_shape must be given for a torch or ONNX model (the input's "
                         "shape without the batch axis, e.g. (3, 224, 224)), got None")
    if isinstance(input_shape, (int, np.integer)):
        input_shape = (input_shape,)
    if isinstance(input_shape, (str, bytes)) or not isinstance(input_shape,
                                                               Sequence | np.ndarray):
        raise TypeError(f"input_shape must be a sequence of integers, got "
                        f"{describe_value(input_shape)}")
    return tuple(check_int(d, f"input_shape[{i}]", minimum=1) for i, d in enumerate(input_shape))


def read_model(model, input_shape):
    """The internal operation graph of a torch module or an ONNX model."""
    shape = check_input_shape(input_shape)
    if is_torch_module(model):
        return read_torch(model, shape)
    return read_onnx(model, shape)
