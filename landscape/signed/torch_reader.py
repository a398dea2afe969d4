"""Reading a ``torch.nn.Module`` into the operation graph (extra ``torch``).

The module is traced symbolically (``torch.fx``) and its shapes propagated on a zero batch of
two inputs, in inference mode (batch norm uses its running statistics; the module's training
flags are restored afterwards). Every node becomes an operation of
:mod:`~landscape.signed.reader_graph`, or is refused by name: an operation outside the list,
a non-monotone activation (SiLU, GELU, Hardswish, Mish; LeakyReLU or PReLU with a negative
slope), shape arithmetic aside (``size``, ``shape``, integer arithmetic), which only the
shapes recorded by the propagation resolve. A zero padding of the spatial axes (``F.pad``,
``ZeroPad*``, ``ConstantPad*`` with value 0) is folded into the convolution or average pooling
that reads it (padded zeros are not nodes); a linear layer acts on the last axis of its input.
"""

from __future__ import annotations

import functools
import operator
from types import SimpleNamespace

import numpy as np

from .reader_graph import NON_MONOTONE, Operation, OperationGraph, check_graph, output_shape, \
    refuse

__all__ = ["read_torch"]

_RESHAPES = ("view", "reshape", "flatten", "squeeze", "unsqueeze", "contiguous", "view_as",
             "reshape_as")


@functools.cache
def _tables() -> SimpleNamespace:
    """The torch classes and functions the reader knows (torch is imported on first use)."""
    import torch
    import torch.fx
    from torch import nn
    from torch.fx.passes.shape_prop import ShapeProp
    F = nn.functional
    _CONV = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
    _BN = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)
    _AVG = (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)
    _MAX = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)
    _ADAPTIVE = (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d,
                 nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d)
    _VIEW = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.Identity,
             nn.Flatten, nn.Unflatten)
    _ACT = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.Sigmoid, nn.Tanh, nn.Hardtanh)
    _PAD = (nn.ConstantPad1d, nn.ConstantPad2d, nn.ConstantPad3d)
    _LEAF = _CONV + _BN + _AVG + _MAX + _ADAPTIVE + _VIEW + _ACT + _PAD + (nn.Linear,)

    # torch functions read as the module they compute
    _FUNCTION_MODULES = {
        F.relu: nn.ReLU, torch.relu: nn.ReLU, F.relu6: nn.ReLU6, F.leaky_relu: nn.LeakyReLU,
        F.hardtanh: nn.Hardtanh, torch.sigmoid: nn.Sigmoid, F.sigmoid: nn.Sigmoid,
        torch.tanh: nn.Tanh, F.tanh: nn.Tanh, F.dropout: nn.Dropout, torch.flatten: nn.Flatten,
        F.avg_pool1d: nn.AvgPool1d, F.avg_pool2d: nn.AvgPool2d, F.avg_pool3d: nn.AvgPool3d,
        F.max_pool1d: nn.MaxPool1d, F.max_pool2d: nn.MaxPool2d, F.max_pool3d: nn.MaxPool3d,
        F.adaptive_avg_pool1d: nn.AdaptiveAvgPool1d, F.adaptive_avg_pool2d: nn.AdaptiveAvgPool2d,
        F.adaptive_max_pool1d: nn.AdaptiveMaxPool1d, F.adaptive_max_pool2d: nn.AdaptiveMaxPool2d,
    }
    _METHOD_MODULES = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
                       "flatten": nn.Flatten}
    _ADDS = (operator.add, operator.iadd, torch.add)
    _CATS = (torch.cat, torch.concat)
    _MEANS = (torch.mean,)
    return SimpleNamespace(torch=torch, nn=nn, F=F, ShapeProp=ShapeProp, CONV=_CONV, BN=_BN,
                           AVG=_AVG, MAX=_MAX, ADAPTIVE=_ADAPTIVE, VIEW=_VIEW, ACT=_ACT, PAD=_PAD,
                           LEAF=_LEAF, FUNCTION_MODULES=_FUNCTION_MODULES,
                           METHOD_MODULES=_METHOD_MODULES, ADDS=_ADDS, CATS=_CATS,
                           MEANS=_MEANS)


def _array(t) -> np.ndarray:
    T = _tables()
    return t.detach().cpu().to(T.torch.float64).numpy().copy()


def _tuple(value, d: int) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * d


def _module_of(gm, node):
    """The module a node computes (``call_module``, or a function read as its module), or
    None for other nodes."""
    T = _tables()
    if node.op == "call_module":
        return gm.get_submodule(node.target)
    if node.op == "call_function" and node.target in T.FUNCTION_MODULES:
        kwargs = {k: v for k, v in node.kwargs.items() if k not in ("inplace", "training")}
        cls = T.FUNCTION_MODULES[node.target]
        return cls() if cls in (T.nn.ReLU, T.nn.Sigmoid, T.nn.Tanh, T.nn.ReLU6) else cls(
            *node.args[1:], **kwargs)
    if node.op == "call_method" and node.target in T.METHOD_MODULES:
        return T.METHOD_MODULES[node.target](*node.args[1:], **node.kwargs)
    return None


def _screen(gm, node) -> None:
    """Refuse, before any work, a node outside the supported list or a non-monotone one."""
    T = _tables()
    name = type(gm.get_submodule(node.target)).__name__ if node.op == "call_module" else \
        getattr(node.target, "__name__", str(node.target))
    if name.lower() in NON_MONOTONE:
        raise refuse(name, node.name, "is not monotone (docs/theory.md §6.1): its signed graph "
                     "does not bound the network's monotonicity")
    if node.op == "call_module":
        m = gm.get_submodule(node.target)
        if not isinstance(m, T.LEAF):
            raise refuse(name, node.name, "is not supported")
        if isinstance(m, (T.nn.LeakyReLU, T.nn.PReLU)):
            slope = m.negative_slope if isinstance(m, T.nn.LeakyReLU) else _array(m.weight)
            if np.any(np.asarray(slope) < 0):
                raise refuse(name, node.name, "has a negative slope: it is not monotone")
        if isinstance(m, T.CONV) and m.padding_mode != "zeros":
            raise refuse(name, node.name, f"pads with {m.padding_mode!r}, not zeros")
    elif node.op == "call_function":
        known = (T.ADDS + T.CATS + T.MEANS + tuple(T.FUNCTION_MODULES)
                 + (operator.getitem, getattr, operator.mul, operator.floordiv, T.F.pad))
        if node.target not in known:
            raise refuse(name, node.name, "is not supported")
    elif node.op == "call_method":
        if node.target not in (_RESHAPES + tuple(T.METHOD_MODULES) + ("size", "dim", "mean",
                                                                      "add", "clamp", "clip")):
            raise refuse(name, node.name, "is not supported")
    elif node.op == "get_attr":
        raise refuse("get_attr", node.name, "uses a parameter as a tensor: not supported")


def _pool(kind, name, x, m, shape):
    T = _tables()
    if isinstance(m, T.ADAPTIVE):
        d = len(shape) - 1
        size = _tuple(m.output_size, d)
        size = tuple(n if s is None else s for s, n in zip(size, shape[1:]))
        if any(n % s for n, s in zip(shape[1:], size)):
            raise refuse(type(m).__name__, name, f"maps {shape[1:]} to {size}: only whole "
                         f"windows are supported")
        k = tuple(n // s for n, s in zip(shape[1:], size))
        kind = "avg_pool" if "Avg" in type(m).__name__ else "max_pool"
        return Operation(kind, name, (x,), name, {"kernel": k, "stride": k,
                                                  "pads": ((0, 0),) * d})
    d = len(shape) - 1
    k = _tuple(m.kernel_size, d)
    attrs = {"kernel": k, "stride": _tuple(m.stride or m.kernel_size, d),
             "pads": tuple((p, p) for p in _tuple(m.padding, d)), "ceil_mode": m.ceil_mode}
    if isinstance(m, T.MAX):
        if m.return_indices:
            raise refuse(type(m).__name__, name, "returns indices: not supported")
        attrs["dilation"] = _tuple(m.dilation, d)
    else:
        if getattr(m, "divisor_override", None):
            raise refuse(type(m).__name__, name, "has a divisor override: not supported")
        attrs["count_include_pad"] = m.count_include_pad
    return Operation(kind, name, (x,), name, attrs)


def _conv_pads(m, d):
    if m.padding == "valid":
        return ((0, 0),) * d
    if m.padding == "same":
        total = [dl * (k - 1) for dl, k in zip(m.dilation, m.kernel_size)]
        return tuple((t // 2, t - t // 2) for t in total)
    return tuple((p, p) for p in m.padding)


def _module_operation(m, name, x, shape, out_shape):
    """The operation of a leaf module applied to the value ``x``."""
    T = _tables()
    bias = _array(m.bias) if getattr(m, "bias", None) is not None else None
    if isinstance(m, T.CONV):
        d = m.weight.ndim - 2
        return Operation("conv", name, (x,), name, {
            "weight": _array(m.weight), "bias": bias, "stride": tuple(m.stride),
            "pads": _conv_pads(m, d), "dilation": tuple(m.dilation), "groups": m.groups})
    if isinstance(m, T.nn.Linear):
        return Operation("dense", name, (x,), name, {"weight": _array(m.weight), "bias": bias})
    if isinstance(m, T.BN):
        if m.running_mean is None:
            raise refuse(type(m).__name__, name, "keeps no running statistics")
        scale = 1.0 / np.sqrt(_array(m.running_var) + m.eps)
        if m.weight is not None:
            scale = scale * _array(m.weight)
        shift = (bias if bias is not None else 0.0) - _array(m.running_mean) * scale
        return Operation("batch_norm", name, (x,), name, {"scale": scale, "shift": shift})
    if isinstance(m, T.AVG + T.MAX + T.ADAPTIVE):
        return _pool("max_pool" if isinstance(m, T.MAX) else "avg_pool", name, x, m, shape)
    if isinstance(m, T.VIEW):
        return Operation("reshape", name, (x,), name, {"shape": out_shape})
    if isinstance(m, (T.nn.ReLU6, T.nn.Hardtanh)):
        lo, hi = (0.0, 6.0) if isinstance(m, T.nn.ReLU6) else (m.min_val, m.max_val)
        return _activation(name, x, "clip", lo=lo, hi=hi)
    if isinstance(m, T.nn.LeakyReLU):
        return _activation(name, x, "leaky_relu", slope=m.negative_slope)
    if isinstance(m, T.nn.PReLU):
        return _activation(name, x, "prelu", slope=_array(m.weight))
    fn = {T.nn.ReLU: "relu", T.nn.Sigmoid: "sigmoid", T.nn.Tanh: "tanh"}[type(m)]
    return _activation(name, x, fn)


def _activation(name, x, fn, **attrs):
    lo, hi = attrs.get("lo"), attrs.get("hi")
    if fn == "clip" and lo is not None and hi is not None and hi < lo:
        raise refuse("clip", name, f"has bounds {lo} > {hi}")
    if fn == "clip":
        attrs = {"lo": -np.inf if lo is None else lo, "hi": np.inf if hi is None else hi}
    return Operation("activation", name, (x,), name, {"fn": fn, **attrs})


def _padding(gm, node, shape):
    """``(begin, end)`` per spatial axis of a zero padding node (``F.pad`` or a
    ``ConstantPad*``/``ZeroPad*`` module) of an input of ``shape`` (no batch axis), or None
    for another node; a padding that is not constant zero, crops or pads the channel or
    batch axis is refused."""
    T = _tables()
    if node.op == "call_module" and isinstance(gm.get_submodule(node.target), T.PAD):
        m = gm.get_submodule(node.target)
        flat, mode, value = tuple(m.padding), "constant", m.value
    elif node.op == "call_function" and node.target is T.F.pad:
        flat = node.kwargs.get("pad", node.args[1] if len(node.args) > 1 else None)
        mode = node.kwargs.get("mode", node.args[2] if len(node.args) > 2 else "constant")
        value = node.kwargs.get("value", node.args[3] if len(node.args) > 3 else None)
    else:
        return None
    if mode != "constant" or (value or 0.0) != 0.0 or not isinstance(flat, (tuple, list)) \
            or not all(isinstance(p, int) for p in flat):
        raise refuse("pad", node.name, f"must be a zero padding with constant pads, got mode "
                     f"{mode!r}, value {value!r}, pads {flat!r}")
    pairs = [tuple(flat[i:i + 2]) for i in range(0, len(flat), 2)][::-1]  # first axis first
    spatial = len(shape) - 1
    if len(flat) % 2 or any(min(p) < 0 for p in pairs) or (
            len(pairs) > spatial and any(map(any, pairs[:len(pairs) - spatial]))):
        raise refuse("pad", node.name, f"pads the batch or channel axis, or crops: pads "
                     f"{tuple(flat)} of an input of shape {shape}")
    pairs = pairs[max(0, len(pairs) - spatial):]
    return ((0, 0),) * (spatial - len(pairs)) + tuple(pairs)


def _fold_padding(op, padded, name):
    """``op`` (a convolution or an average pooling) reading, instead of a zero-padded value,
    the value before the padding ``padded = (value, pads)`` with the pads added to its own."""
    x, extra = padded
    if op.kind not in ("conv", "avg_pool") or op.attrs.get("ceil_mode"):
        raise refuse("pad", name, f"feeds {op.kind} {op.name!r}: only a convolution or an "
                     f"average pooling without ceil_mode may read a zero-padded tensor")
    attrs = dict(op.attrs)
    own = attrs["pads"]
    attrs["pads"] = tuple((b + eb, e + ee) for (b, e), (eb, ee) in zip(own, extra))
    if op.kind == "avg_pool":
        include = attrs.pop("count_include_pad")
        attrs["counted"] = tuple((eb + (b if include else 0), ee + (e if include else 0))
                                 for (b, e), (eb, ee) in zip(own, extra))
    return Operation(op.kind, op.name, (x,), op.output, attrs)


def _trace(model):
    T = _tables()
    try:
        return T.torch.fx.symbolic_trace(model)
    except Exception as exc:  # any tracing failure: the model is not a static graph
        raise ValueError(f"model must be traceable by T.torch.fx (a feed-forward graph without "
                         f"data-dependent control flow), got {type(exc).__name__}: {exc}") \
            from exc


def _propagate(gm, model, shape):
    T = _tables()
    flags = {m: m.training for m in model.modules()}
    param = next(model.parameters(), None)
    dtype = param.dtype if param is not None and param.is_floating_point() else T.torch.float32
    try:
        gm.eval()
        with T.torch.no_grad():
            T.ShapeProp(gm).propagate(T.torch.zeros((2,) + shape, dtype=dtype))
    except Exception as exc:  # the module's own error for a misfitting input
        raise ValueError(f"input_shape does not fit the model: {shape} gives "
                         f"{type(exc).__name__}: {exc}") from exc
    finally:
        for m, flag in flags.items():
            m.training = flag


def read_torch(model, input_shape: tuple) -> OperationGraph:
    """The operation graph of a torch module on inputs of ``input_shape`` (no batch axis)."""
    T = _tables()
    if isinstance(model, T.LEAF):  # a lone layer: traced as the module it is
        model = T.nn.Sequential(model)
    gm = _trace(model)
    nodes = list(gm.graph.nodes)
    inputs = [n for n in nodes if n.op == "placeholder"]
    if len(inputs) != 1:
        raise ValueError(f"model must take one input tensor, got {len(inputs)}")
    for node in nodes:
        _screen(gm, node)
    _propagate(gm, model, input_shape)
    shapes = {inputs[0].name: input_shape}
    operations, outputs, pads = [], (), {}

    def is_tensor(a):
        return isinstance(a, T.torch.fx.Node) and a.name in shapes
    for node in nodes:
        meta = node.meta.get("tensor_meta")
        if node.op == "output":
            result = node.args[0]
            flat = result if isinstance(result, (tuple, list)) else (
                tuple(result.values()) if isinstance(result, dict) else (result,))
            outputs = tuple(a.name for a in flat if is_tensor(a))
            continue
        tensors = [a for a in node.all_input_nodes if is_tensor(a)]
        if node.op == "placeholder" or not tensors:
            continue
        if not hasattr(meta, "shape") and (node.target in ("size", "dim", getattr)):
            continue
        if not hasattr(meta, "shape") or len(meta.shape) == 0 or meta.shape[0] != 2:
            raise refuse(str(node.target), node.name, "mixes samples of the batch or returns "
                         "no tensor: not supported")
        out_shape = tuple(meta.shape[1:])
        x, shape = tensors[0].name, shapes[tensors[0].name]
        m = _module_of(gm, node)
        padding = _padding(gm, node, shape)
        if padding is not None:
            if x in pads:
                raise refuse("pad", node.name, "pads a tensor padded before: not supported")
            pads[node.name], shapes[node.name] = (x, padding), out_shape
            continue
        padded = [a.name for a in tensors if a.name in pads]
        if padded and not (isinstance(m, T.CONV + T.AVG + T.ADAPTIVE) and len(tensors) == 1):
            raise refuse("pad", padded[0], f"feeds {node.name!r}: only a convolution or an "
                         f"average pooling may read a zero-padded tensor")
        if m is not None:
            op = _module_operation(m, node.name, x, shape, out_shape)
        elif node.target in T.ADDS or node.target == "add":
            addends = tuple(a.name for a in node.args if is_tensor(a))
            op = Operation("add", node.name, addends, node.name) if len(addends) > 1 else \
                Operation("reshape", node.name, addends, node.name, {"shape": out_shape})
        elif node.target in T.CATS:
            dim = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else 0)
            dim = dim % (len(shape) + 1)
            if dim == 0:
                raise refuse("cat", node.name, "concatenates along the batch axis")
            op = Operation("concat", node.name, tuple(a.name for a in node.args[0]), node.name,
                           {"axis": dim - 1})
        elif node.target in ("clamp", "clip"):
            bounds = list(node.args[1:3]) + [None] * 2
            op = _activation(node.name, x, "clip", lo=node.kwargs.get("min", bounds[0]),
                             hi=node.kwargs.get("max", bounds[1]))
        elif node.target in T.MEANS or node.target == "mean":
            dims = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else None)
            dims = sorted(d % (len(shape) + 1) for d in _tuple(dims, 1)) if dims is not None \
                else []
            if dims != list(range(2, len(shape) + 1)):
                raise refuse("mean", node.name, "averages over other axes than the spatial "
                             "ones")
            pooled = node.name + ".pool"
            operations.append(Operation("avg_pool", pooled, (x,), pooled, {"global": True}))
            shapes[pooled] = (shape[0],) + (1,) * (len(shape) - 1)
            op = Operation("reshape", node.name, (pooled,), node.name, {"shape": out_shape})
        elif node.target in _RESHAPES:
            op = Operation("reshape", node.name, (x,), node.name, {"shape": out_shape})
        else:
            raise refuse(str(getattr(node.target, "__name__", node.target)), node.name,
                         "is not supported on tensors")
        if padded:
            op = _fold_padding(op, pads[x], x)
        mine = output_shape(op, [shapes[v] for v in op.inputs])
        if mine != out_shape:
            raise refuse(op.kind, node.name, f"gives shape {mine} where torch gives {out_shape}")
        operations.append(op)
        shapes[node.name] = out_shape
    if any(v in pads for v in outputs):
        raise refuse("pad", next(v for v in outputs if v in pads), "is an output: padded zeros "
                     "are not nodes")
    graph = OperationGraph(inputs[0].name, input_shape, tuple(operations), outputs, shapes)
    check_graph(graph)
    return graph
