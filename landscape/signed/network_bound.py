"""A proven lower bound on the frustration of a network from edge-disjoint negative 4-cycles.

The sign of a cycle (the product of its edges' signs) does not change under switching, so a
negative cycle keeps at least one of its edges frustrated under every switching, at least its
lightest ``|A_ij|``; over edge-disjoint negative cycles these costs add up (docs/theory.md §6;
the bound of :func:`~landscape.signed.exact.lower_bound` for dense layers). In a network the
4-cycles are found inside one block without unrolling it:

- a dense map ``W`` (repeated ``m`` times along the leading axes of its input): the disjoint
  ``2 x 2`` tiles (rows ``a, a'``, columns ``b, b'``) of ``W``, each ``m`` times;
- a convolution with kernel ``K``: for a kernel offset ``D``, output channels ``o, o'`` of one
  group and input channels ``c, c'`` of that group, and every output position ``q`` whose input
  ``p = s q + d D - b`` lies inside the input, the nodes ``(o, q), (c, p), (o', q), (c', p)``
  form a 4-cycle with weights ``K[o, c, D], K[o', c, D], K[o', c', D], K[o, c', D]``. An edge
  ``(o, q) <- (c, p)`` fixes ``D``, so cycles of distinct offsets, tiles of the channel matrix
  ``K[:, :, D]`` or positions share no edge; a negative tile counts ``N(D)`` times, the number
  of such positions.

Blocks are edge-disjoint when no two of them join the same pair of tensors (as in every
network the readers build); otherwise the bound is 0. The bound costs one pass over the
kernels, nothing over the unrolled edges; it is 0 for a balanced network and, for a network
without negative 4-cycles inside its blocks (depthwise convolutions only, say), stays 0.

Internal to :mod:`landscape.signed`.
"""

from __future__ import annotations

import itertools

import numpy as np

from .convolution import ConvBlock, _valid_pairs
from .edges import DenseBlock

__all__ = ["network_lower_bound", "tile_bound"]


def tile_bound(W: np.ndarray) -> np.ndarray:
    """``min |entry|`` of each negative ``2 x 2`` tile of the last two axes of ``W`` (disjoint
    tiles of consecutive row and column pairs), summed over the tiles: shape ``W.shape[:-2]``."""
    r, c = W.shape[-2] // 2 * 2, W.shape[-1] // 2 * 2
    lead = W.shape[:-2]
    tiles = W[..., :r, :c].reshape(lead + (r // 2, 2, c // 2, 2))
    tiles = np.moveaxis(tiles, -3, -2).reshape(lead + (r // 2, c // 2, 4))
    negative = np.prod(np.sign(tiles), axis=-1) < 0
    return np.sum(np.where(negative, np.min(np.abs(tiles), axis=-1), 0.0), axis=(-2, -1))


def _conv_bound(b: ConvBlock) -> float:
    K = b.kernel
    c_out, cin_g = K.shape[:2]
    # (groups, offsets..., c_out/groups, c_in/groups): one channel matrix per group and offset
    Kg = np.moveaxis(K.reshape((b.groups, c_out // b.groups, cin_g) + K.shape[2:]), (1, 2),
                     (-2, -1))
    per_offset = tile_bound(Kg).sum(axis=0)
    counts = [[len(_valid_pairs(n_in, n_out, k, s, p, dl, o)[0]) for o in range(k)]
              for n_in, n_out, k, s, p, dl in zip(b.in_shape[1:], b.out_shape[1:], K.shape[2:],
                                                  b.stride, b.pads, b.dilation)]
    return float(sum(per_offset[offset] * np.prod([c[o] for c, o in zip(counts, offset)])
                     for offset in itertools.product(*(range(k) for k in K.shape[2:]))))


def network_lower_bound(net) -> float:
    """A proven lower bound on the weighted frustration of the
    :class:`~landscape.signed.network.SignedNetwork` ``net`` (free or fixed input and output
    signs): the lightest edge of each of its edge-disjoint negative 4-cycles inside dense and
    convolution blocks, summed; 0 when two blocks join the same pair of tensors."""
    pairs = [(b.source, b.target) for b in net.blocks]
    if len(set(pairs)) != len(pairs):
        return 0.0
    bound = 0.0
    for b in net.blocks:
        if isinstance(b, DenseBlock):
            bound += b.repeat * float(tile_bound(np.asarray(b.parameters)))
        elif isinstance(b, ConvBlock):
            bound += _conv_bound(b)
    return bound
