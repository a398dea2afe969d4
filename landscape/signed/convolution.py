"""Convolutions as matrix-free edge blocks: :class:`ConvBlock`.

A convolution with kernel ``K`` (shape ``(c_out, c_in/groups, *kernel)``), stride ``s``,
dilation ``d`` and zero padding ``(b, e)`` per spatial axis is the multibanded (generalised
Toeplitz) linear map whose entry ``K[o, c, D]`` sits on every edge from input element
``(c, p)`` to output element ``(o, q)`` with ``p = s q + d D - b`` inside the input (padded
zeros are not nodes; docs/theory.md §6.1). Applying the block to a batch of node vectors is the
convolution of that batch; applying its transpose is the transposed convolution. Both run in
float64 through ``torch.nn.functional`` when torch is importable and through numpy otherwise
(one strided slice per kernel offset), with the same result. Torch runs each one on as many
threads as its size merits (one for a small tensor, whose cost intra-op threads only raise on a
loaded machine) and restores its setting afterwards.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import sys

import numpy as np

from .edges import EdgeBlock

__all__ = ["ConvBlock", "conv_output_size", "convolve", "convolve_transpose"]

#: Multiply-accumulates per torch thread: a convolution of ``w`` of them runs on
#: ``min(torch threads, max(1, w // WORK_PER_THREAD))`` threads.
WORK_PER_THREAD = 1 << 22


def conv_output_size(size: int, kernel: int, stride: int, pad: tuple, dilation: int) -> int:
    """Output length of one spatial axis: ``floor((n + b + e - d (k - 1) - 1) / s) + 1``."""
    return (size + pad[0] + pad[1] - dilation * (kernel - 1) - 1) // stride + 1


def _torch():
    """The torch module when it is importable, else None."""
    if "torch" in sys.modules:
        return sys.modules["torch"]
    try:
        import torch
    except ImportError:  # pragma: no cover - the numpy path is tested directly
        return None
    return torch


@contextlib.contextmanager
def _threads(torch, work: int):
    """Run torch on at most ``max(1, work // WORK_PER_THREAD)`` intra-op threads, then restore
    the number it had."""
    previous = torch.get_num_threads()
    wanted = min(previous, max(1, work // WORK_PER_THREAD))
    if wanted == previous:
        yield
        return
    torch.set_num_threads(wanted)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _work(batch: int, K, spatial) -> int:
    """Multiply-accumulates of a convolution with kernel ``K`` on ``batch`` vectors, ``spatial``
    the output's (or, transposed, the input's) spatial shape."""
    return batch * K.size * math.prod(spatial)


def _windows(out_spatial, stride, dilation, offset):
    """The strided slices of the padded input that kernel offset ``offset`` reads."""
    return tuple(slice(d * o, d * o + s * (n - 1) + 1, s)
                 for n, s, d, o in zip(out_spatial, stride, dilation, offset))


def _numpy_convolve(x, K, stride, pads, dilation, groups, out_spatial):
    k, c_in = x.shape[:2]
    c_out, cin_g = K.shape[:2]
    xp = np.pad(x, [(0, 0), (0, 0)] + [tuple(p) for p in pads])
    y = np.zeros((k, groups, c_out // groups) + tuple(out_spatial))
    Kg = K.reshape((groups, c_out // groups, cin_g) + K.shape[2:])
    for offset in itertools.product(*(range(n) for n in K.shape[2:])):
        window = xp[(slice(None), slice(None)) + _windows(out_spatial, stride, dilation, offset)]
        window = window.reshape((k, groups, cin_g) + tuple(out_spatial))
        y += np.einsum("kgc...,goc->kgo...", window, Kg[(Ellipsis,) + offset])
    return y.reshape((k, c_out) + tuple(out_spatial))


def _numpy_transpose(y, K, stride, pads, dilation, groups, in_spatial):
    k, c_out = y.shape[:2]
    cin_g = K.shape[1]
    padded = [n + p[0] + p[1] for n, p in zip(in_spatial, pads)]
    xp = np.zeros((k, groups, cin_g) + tuple(padded))
    yg = y.reshape((k, groups, c_out // groups) + y.shape[2:])
    Kg = K.reshape((groups, c_out // groups, cin_g) + K.shape[2:])
    for offset in itertools.product(*(range(n) for n in K.shape[2:])):
        index = (slice(None),) * 3 + _windows(y.shape[2:], stride, dilation, offset)
        xp[index] += np.einsum("kgo...,goc->kgc...", yg, Kg[(Ellipsis,) + offset])
    crop = tuple(slice(p[0], p[0] + n) for n, p in zip(in_spatial, pads))
    return xp.reshape((k, groups * cin_g) + tuple(padded))[(slice(None), slice(None)) + crop]


def _as_torch(torch, x, K, spatial_dims):
    """Tensors for ``torch.nn.functional``: a trailing axis of length 1 when there is no
    spatial axis (a grouped matrix product as a 1-D convolution)."""
    x, K = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(np.ascontiguousarray(K))
    if spatial_dims == 0:
        x, K = x[..., None], K[..., None]
    return x, K


def _flat_pads(pads):
    """``torch.nn.functional.pad`` order: last axis first."""
    return [int(v) for p in reversed(pads) for v in p]


def convolve(x, K, stride, pads, dilation, groups, out_spatial, use_torch=True):
    """The convolution of the batch ``x`` (``(k, c_in, *spatial)``) with ``K``, padded by
    ``pads`` (``(begin, end)`` per spatial axis): shape ``(k, c_out, *out_spatial)``."""
    torch = _torch() if use_torch else None
    d = K.ndim - 2
    if torch is None or d > 3:
        return _numpy_convolve(x, K, stride, pads, dilation, groups, out_spatial)
    xt, Kt = _as_torch(torch, x, K, d)
    if d:
        xt = torch.nn.functional.pad(xt, _flat_pads(pads))
    fn = getattr(torch.nn.functional, f"conv{max(d, 1)}d")
    with _threads(torch, _work(len(x), K, out_spatial)):
        y = fn(xt, Kt, stride=tuple(stride) or 1, dilation=tuple(dilation) or 1,
               groups=groups).numpy()
    return y[..., 0] if d == 0 else y


def convolve_transpose(y, K, stride, pads, dilation, groups, in_spatial, use_torch=True):
    """The transpose of :func:`convolve`: shape ``(k, c_in, *in_spatial)``."""
    torch = _torch() if use_torch else None
    d = K.ndim - 2
    if torch is None or d > 3:
        return _numpy_transpose(y, K, stride, pads, dilation, groups, in_spatial)
    yt, Kt = _as_torch(torch, y, K, d)
    spans = [(n - 1) * s + dl * (k - 1) + 1
             for n, s, dl, k in zip(y.shape[2:], stride, dilation, K.shape[2:])]
    extra = [n + p[0] + p[1] - span for n, p, span in zip(in_spatial, pads, spans)]
    fn = getattr(torch.nn.functional, f"conv_transpose{max(d, 1)}d")
    with _threads(torch, _work(len(y), K, y.shape[2:])):
        x = fn(yt, Kt, stride=tuple(stride) or 1, dilation=tuple(dilation) or 1,
               groups=groups, output_padding=tuple(extra) or 0).numpy()
    if d == 0:
        return x[..., 0]
    crop = tuple(slice(p[0], p[0] + n) for n, p in zip(in_spatial, pads))
    return x[(slice(None), slice(None)) + crop]


def _valid_pairs(n_in, n_out, kernel, stride, pad, dilation, offset):
    """Output positions ``q`` and input positions ``p = s q + d D - b`` inside the input for the
    kernel offset ``D`` along one axis."""
    q = np.arange(n_out)
    p = stride * q + dilation * offset - pad[0]
    keep = (p >= 0) & (p < n_in)
    return q[keep], p[keep]


class ConvBlock(EdgeBlock):
    """A convolution of any kind (strides, zero padding, dilation, groups, depthwise) as an
    :class:`~landscape.signed.network.EdgeBlock`; with ``learnable=False`` a fixed-weight
    stencil (average and max pooling, one-to-one channel scalings)."""

    def __init__(self, source: int, target: int, name: str, kernel, in_shape, out_shape,
                 stride, pads, dilation, groups: int, kind: str = "conv",
                 learnable: bool = True):
        self.kernel = np.asarray(kernel, dtype=float)
        self.in_shape, self.out_shape = tuple(in_shape), tuple(out_shape)
        self.stride, self.dilation = tuple(stride), tuple(dilation)
        self.pads, self.groups = tuple(tuple(p) for p in pads), int(groups)
        counts = self._axis_counts()
        n_edges = self.kernel.shape[0] * self.kernel.shape[1] * int(np.prod(counts))
        fan_in = int(np.prod(self.kernel.shape[1:]))
        super().__init__(source, target, kind, name, self.kernel if learnable else None,
                         fan_in if learnable else None, n_edges)
        self._abs = np.abs(self.kernel)

    def _axis_counts(self) -> list[int]:
        """Edges per axis: the pairs (output position, kernel offset) that land in the input."""
        return [sum(len(_valid_pairs(n_in, n_out, k, s, p, dl, o)[0]) for o in range(k))
                for n_in, n_out, k, s, p, dl in zip(self.in_shape[1:], self.out_shape[1:],
                                                    self.kernel.shape[2:], self.stride,
                                                    self.pads, self.dilation)]

    @property
    def target_size(self) -> int:
        return int(np.prod(self.out_shape))

    def _apply(self, K, x):
        x = x.reshape((x.shape[0],) + self.in_shape)
        y = convolve(x, K, self.stride, self.pads, self.dilation, self.groups,
                     self.out_shape[1:])
        return y.reshape(x.shape[0], -1)

    def _apply_transpose(self, K, y):
        y = y.reshape((y.shape[0],) + self.out_shape)
        x = convolve_transpose(y, K, self.stride, self.pads, self.dilation, self.groups,
                               self.in_shape[1:])
        return x.reshape(y.shape[0], -1)

    def matvec(self, x):
        return self._apply(self.kernel, x)

    def rmatvec(self, y):
        return self._apply_transpose(self.kernel, y)

    def abs_matvec(self, x):
        return self._apply(self._abs, x)

    def abs_rmatvec(self, y):
        return self._apply_transpose(self._abs, y)

    def to_sparse(self):
        import scipy.sparse as sp  # imported where used: ``import landscape`` stays light

        c_out, cin_g = self.kernel.shape[:2]
        cout_g = c_out // self.groups
        in_sp, out_sp = self.in_shape[1:], self.out_shape[1:]
        n_in, n_out = int(np.prod(in_sp)), int(np.prod(out_sp))
        o = np.arange(c_out)[:, None]
        c = (o // cout_g) * cin_g + np.arange(cin_g)[None, :]
        rows, cols, data = [], [], []
        for offset in itertools.product(*(range(k) for k in self.kernel.shape[2:])):
            pairs = [_valid_pairs(a, b, k, s, p, dl, off) for a, b, k, s, p, dl, off in
                     zip(in_sp, out_sp, self.kernel.shape[2:], self.stride, self.pads,
                         self.dilation, offset)]
            q = np.ravel_multi_index(np.ix_(*[pq[0] for pq in pairs]), out_sp).ravel() \
                if pairs else np.zeros(1, dtype=np.int64)
            p = np.ravel_multi_index(np.ix_(*[pq[1] for pq in pairs]), in_sp).ravel() \
                if pairs else np.zeros(1, dtype=np.int64)
            shape = (c_out, cin_g, q.size)
            rows.append(np.broadcast_to(o[:, :, None] * n_out + q, shape).ravel())
            cols.append(np.broadcast_to(c[:, :, None] * n_in + p, shape).ravel())
            w = self.kernel[(slice(None), slice(None)) + offset]
            data.append(np.broadcast_to(w[:, :, None], shape).ravel())
        return sp.coo_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
                             shape=(c_out * n_out, self.in_shape[0] * n_in))

    def with_parameters(self, parameters):
        if self.parameters is None:
            return super().with_parameters(parameters)
        return ConvBlock(self.source, self.target, self.name, self._checked(parameters),
                         self.in_shape, self.out_shape, self.stride, self.pads, self.dilation,
                         self.groups, self.kind)
