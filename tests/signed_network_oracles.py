"""Small networks for the tests of the network solvers and nulls (THEORY §6.1), built directly
from edge blocks, and the literal oracles on their adjacency matrix.

``cnn(rng, ...)``: input (c0, h, h) -> 3x3 convolution -> depthwise 3x3 convolution ->
residual addition -> strided 3x3 convolution -> global average pooling -> dense layer. With
``planted=True`` every learnable weight is ``s_out s_in |w|`` for random channel signs ``s``
(the addition's tensors share one sign per channel), so the network is balanced; ``flip``
then flips that fraction of each kernel's entries.
"""

import itertools

import numpy as np
import scipy.sparse as sp

from landscape.signed.convolution import ConvBlock
from landscape.signed.network import DenseBlock, SparseBlock, network_of_parts


def planted_kernel(rng, shape, s_out, s_in, groups=1):
    """``s_out[o] s_in[c] |K|`` with ``c`` the input channel of kernel column ``c`` in its group."""
    K = np.abs(rng.standard_normal(shape)) + 0.05
    c_out, cin_g = shape[:2]
    cin = (np.arange(c_out)[:, None] // (c_out // groups)) * cin_g + np.arange(cin_g)[None, :]
    signs = s_out[:, None] * s_in[cin]
    return K * signs.reshape(signs.shape + (1,) * (len(shape) - 2))


def flip_fraction(rng, K, fraction):
    """``K`` with ``round(fraction * K.size)`` (at least one) entries' signs flipped."""
    K = K.copy()
    k = max(1, int(round(fraction * K.size)))
    K.ravel()[rng.choice(K.size, size=k, replace=False)] *= -1.0
    return K


def cnn(rng, c=(2, 4, 6), h=6, classes=3, planted=False, flip=0.0):
    """The small residual CNN of the module docstring; returns ``(net, planted channel signs per
    tensor or None)``."""
    c0, c1, c2 = c
    h2 = (h + 2 - 3) // 2 + 1
    s = [rng.choice([-1.0, 1.0], size=k) for k in (c0, c1, c2, classes)]
    s_in, s_mid, s_out, s_cls = s
    shapes = [("input", (c0, h, h)), ("conv1", (c1, h, h)), ("dw", (c1, h, h)),
              ("add", (c1, h, h)), ("conv2", (c2, h2, h2)), ("pool", (c2, 1, 1)),
              ("fc", (classes,))]
    same, half = ((1, 1), (1, 1)), ((1, 1), (1, 1))

    def kernel(shape, so, si, groups=1):
        K = planted_kernel(rng, shape, so, si, groups) if planted else rng.standard_normal(shape)
        return flip_fraction(rng, K, flip) if flip else K

    K1 = kernel((c1, c0, 3, 3), s_mid, s_in)
    Kd = kernel((c1, 1, 3, 3), s_mid, s_mid, groups=c1)
    K2 = kernel((c2, c1, 3, 3), s_out, s_mid)
    W = kernel((classes, c2), s_cls, s_out)
    identity = sp.identity(c1 * h * h, format="csr")
    pool = np.full((c2, 1, h2, h2), 1.0 / h2 ** 2)
    blocks = [ConvBlock(0, 1, "conv1", K1, (c0, h, h), (c1, h, h), (1, 1), same, (1, 1), 1),
              ConvBlock(1, 2, "dw", Kd, (c1, h, h), (c1, h, h), (1, 1), same, (1, 1), c1),
              SparseBlock(1, 3, "add", "add", identity),
              SparseBlock(2, 3, "add", "add", identity),
              ConvBlock(3, 4, "conv2", K2, (c1, h, h), (c2, h2, h2), (2, 2), half, (1, 1), 1),
              ConvBlock(4, 5, "pool", pool, (c2, h2, h2), (c2, 1, 1), (1, 1), ((0, 0), (0, 0)),
                        (1, 1), c2, kind="avg_pool", learnable=False),
              DenseBlock(5, 6, "fc", W)]
    net = network_of_parts(shapes, blocks, (6,))
    if not planted:
        return net, None
    per_tensor = [s_in, s_mid, s_mid, s_mid, s_out, s_out, s_cls]
    signs = np.concatenate([np.repeat(u, t.size // u.size)
                            for u, t in zip(per_tensor, net.tensors)])
    return net, signs.astype(np.int8)


def dense_chain(rng, widths, planted=False, flip=0.0):
    """Dense layers as a network (planted and flipped as in :func:`cnn`)."""
    s = [rng.choice([-1.0, 1.0], size=d) for d in widths]
    shapes = [("input", (widths[0],))] + [(f"layer{j}", (d,)) for j, d in
                                          enumerate(widths[1:], start=1)]
    blocks = []
    for j in range(1, len(widths)):
        W = planted_kernel(rng, (widths[j], widths[j - 1]), s[j], s[j - 1]) if planted else \
            rng.standard_normal((widths[j], widths[j - 1]))
        blocks.append(DenseBlock(j - 1, j, f"layer{j}", flip_fraction(rng, W, flip)
                                 if flip else W))
    net = network_of_parts(shapes, blocks, (len(widths) - 1,))
    return net, (np.concatenate(s).astype(np.int8) if planted else None)


def switched_weight(A, s):
    """``sum |A_ij| [s_i A_ij s_j < 0]`` on a dense adjacency matrix, literally."""
    s = np.asarray(s, dtype=float)
    return float(np.sum(np.abs(A)[s[:, None] * A * s[None, :] < 0]))


def brute_force(A, free=None):
    """The least ``switched_weight`` over every switching of the ``free`` nodes (all by default;
    the first free node fixed to ``+1`` when every node is free)."""
    n = A.shape[0]
    free = np.ones(n, dtype=bool) if free is None else np.asarray(free)
    idx = np.flatnonzero(free)
    if free.all():
        idx = idx[1:]
    absA = np.abs(A)
    best = np.inf
    patterns = np.array(list(itertools.product((1.0, -1.0), repeat=idx.size)))
    for chunk in np.array_split(patterns, max(1, len(patterns) // 1024)):
        S = np.ones((len(chunk), n))
        S[:, idx] = chunk
        D = S[:, :, None] * A[None] * S[:, None, :]
        best = min(best, float(np.min(np.sum(np.where(D < 0, absA, 0.0), axis=(1, 2)))))
    return best
