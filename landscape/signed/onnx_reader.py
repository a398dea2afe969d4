"""Reading an ONNX model into the operation graph (extra ``onnx``).

The graph's nodes are sorted topologically (a cycle is refused), screened against the
supported operations before any work, and read in order. Exported models compute shapes at
run time (``Shape``, ``Gather``, ``Concat``, ``ConstantOfShape``, ``Cast``, ``Slice``,
``Unsqueeze``, integer arithmetic, a ``Pad`` whose pads are computed): every node whose
inputs are all known is evaluated with numpy into a constant, the input's shape standing for
``Shape``. A zero ``Pad`` is folded into the convolution or average pooling that reads it;
an addition of a constant is a bias, left out of the graph and kept for evaluation.
"""

from __future__ import annotations

import os

import numpy as np

from .reader_graph import NON_MONOTONE, Operation, OperationGraph, check_graph, output_shape, \
    refuse

__all__ = ["read_onnx"]

_ACTIVATIONS = ("Relu", "Clip", "LeakyRelu", "PRelu", "Sigmoid", "Tanh")
_TENSOR_OPS = _ACTIVATIONS + (
    "Conv", "Gemm", "MatMul", "Add", "Sub", "BatchNormalization", "MaxPool", "AveragePool",
    "GlobalAveragePool", "GlobalMaxPool", "Concat", "Flatten", "Reshape", "Squeeze",
    "Unsqueeze", "Identity", "Dropout", "Pad", "ReduceMean")
_CONSTANT_OPS = ("Constant", "Shape", "Gather", "Concat", "ConstantOfShape", "Cast", "Slice",
                 "Unsqueeze", "Squeeze", "Identity", "Reshape", "Add", "Sub", "Mul", "Div",
                 "Floor", "Ceil", "Range", "Equal", "Where", "Max", "Min", "Transpose")


def _load(model):
    import onnx
    if isinstance(model, onnx.ModelProto):
        return model
    try:
        return onnx.load(os.fspath(model))
    except Exception as exc:  # onnx raises several kinds for unreadable files
        raise ValueError(f"model: the ONNX file {os.fspath(model)!r} does not parse: "
                         f"{type(exc).__name__}: {exc}") from exc


def _attrs(node) -> dict:
    import onnx
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _sorted(nodes, known: set) -> list:
    """The nodes in topological order, or a ValueError for a cycle or an undefined input."""
    order, done, pending = [], set(known), list(nodes)
    while pending:
        ready = [n for n in pending if all(i == "" or i in done for i in n.input)]
        if not ready:
            n = pending[0]
            raise ValueError(f"model: operation {n.op_type} at node {n.name!r} reads a value "
                             f"never computed before it (a cyclic or recurrent graph)")
        ids = {id(n) for n in ready}
        pending = [n for n in pending if id(n) not in ids]
        order += ready
        done.update(o for n in ready for o in n.output)
    return order


def _screen(node, consts) -> None:
    """Refuse, before any work, an operation outside the list or a non-monotone one."""
    op, a = node.op_type, _attrs(node)
    if op.lower() in NON_MONOTONE:
        raise refuse(op, node.name, "is not monotone (docs/theory.md §6.1): its signed graph does not "
                     "bound the network's monotonicity")
    if op not in _TENSOR_OPS + _CONSTANT_OPS:
        raise refuse(op, node.name, "is not supported")
    if op == "LeakyRelu" and a.get("alpha", 0.01) < 0 or (
            op == "PRelu" and node.input[1] in consts and np.any(consts[node.input[1]] < 0)):
        raise refuse(op, node.name, "has a negative slope: it is not monotone")


def _constant(node, ins, a, batch_shape):
    """Numpy evaluation of a shape-arithmetic node whose inputs are all known."""
    import onnx
    from onnx import numpy_helper
    op = node.op_type
    if op == "Constant":
        if "value" in a:
            return numpy_helper.to_array(a["value"])
        key = next(iter(a))
        return np.asarray(a[key])
    if op == "Shape":
        s = np.asarray(batch_shape, dtype=np.int64)
        return s[a.get("start", 0):a.get("end", len(s))]
    if op == "Gather":
        return np.take(ins[0], ins[1], axis=a.get("axis", 0))
    if op == "Concat":
        return np.concatenate([np.atleast_1d(v) for v in ins], axis=a.get("axis", 0))
    if op == "ConstantOfShape":
        value = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
        return np.full(tuple(int(d) for d in ins[0]), value.ravel()[0], dtype=value.dtype)
    if op == "Cast":
        return ins[0].astype(onnx.helper.tensor_dtype_to_np_dtype(a["to"]))
    if op == "Slice":
        starts, ends = ins[1], ins[2]
        axes = ins[3] if len(ins) > 3 and ins[3] is not None else range(len(starts))
        steps = ins[4] if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
        index = [slice(None)] * ins[0].ndim
        for axis, s, e, st in zip(axes, starts, ends, steps):
            index[int(axis)] = slice(int(s), int(e), int(st))
        return ins[0][tuple(index)]
    if op in ("Unsqueeze", "Squeeze"):
        axes = ins[1] if len(ins) > 1 else a.get("axes")
        if op == "Unsqueeze":
            return np.expand_dims(ins[0], tuple(int(x) for x in axes))
        return np.squeeze(ins[0], None if axes is None else tuple(int(x) for x in axes))
    if op == "Reshape":
        return ins[0].reshape(_reshaped(ins[0].shape, ins[1], a.get("allowzero", 0)))
    if op == "Transpose":
        return np.transpose(ins[0], a.get("perm"))
    if op == "Div" and np.issubdtype(ins[0].dtype, np.integer):
        return ins[0] // ins[1]
    functions = {"Identity": lambda x: x, "Add": np.add, "Sub": np.subtract,
                 "Mul": np.multiply, "Div": np.divide, "Floor": np.floor, "Ceil": np.ceil,
                 "Range": lambda s, e, d: np.arange(s, e, d), "Equal": np.equal,
                 "Where": np.where, "Max": np.maximum, "Min": np.minimum}
    return np.asarray(functions[op](*ins))


def _reshaped(shape, spec, allowzero) -> tuple:
    """The shape ``Reshape`` gives ``shape`` under ``spec`` (``0`` copies, ``-1`` infers)."""
    out = [int(shape[i]) if (d == 0 and not allowzero) else int(d) for i, d in enumerate(spec)]
    if -1 in out:
        known = int(np.prod([d for d in out if d != -1]))
        out[out.index(-1)] = int(np.prod(shape)) // max(known, 1)
    return tuple(out)


def _spatial_pads(pads, d):
    """ONNX ``pads = [b_1, .., b_d, e_1, .., e_d]`` as ``((b_1, e_1), ...)``."""
    pads = list(pads) if pads is not None else [0] * (2 * d)
    return tuple((int(pads[i]), int(pads[i + d])) for i in range(d))


def _auto_pads(a, spatial, kernel, stride, dilation, name, op):
    mode = a.get("auto_pad", b"NOTSET")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    d = len(kernel)
    if mode in ("NOTSET", ""):
        return _spatial_pads(a.get("pads"), d)
    if mode == "VALID":
        return ((0, 0),) * d
    pads = []
    for n, k, s, dl in zip(spatial, kernel, stride, dilation):
        total = max(0, (-(-n // s) - 1) * s + dl * (k - 1) + 1 - n)
        small = total // 2
        pads.append((total - small, small) if mode == "SAME_LOWER" else (small, total - small))
    return tuple(pads)


def read_onnx(model, input_shape: tuple) -> OperationGraph:
    """The operation graph of an ONNX model on inputs of ``input_shape`` (no batch axis)."""
    from onnx import numpy_helper
    proto = _load(model)
    g = proto.graph
    consts = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    inputs = [i for i in g.input if i.name not in consts]
    if len(inputs) != 1:
        raise ValueError(f"model must take one input tensor, got {len(inputs)}")
    dims = inputs[0].type.tensor_type.shape.dim
    batch = dims[0].dim_value if dims and dims[0].dim_value > 0 else 1
    declared = tuple(d.dim_value for d in dims[1:])
    if dims and (len(declared) != len(input_shape) or any(
            d and d != n for d, n in zip(declared, input_shape))):
        raise ValueError(f"input_shape does not fit the model: it declares inputs of shape "
                         f"{declared} (0 = free), got {input_shape}")
    nodes = _sorted(g.node, set(consts) | {inputs[0].name})
    for node in nodes:
        _screen(node, consts)
    name = inputs[0].name
    shapes, operations, pads = {name: tuple(input_shape)}, [], {}
    for node in nodes:
        a = _attrs(node)
        label = node.name or node.output[0]
        ins = [consts.get(i) if i else None for i in node.input]
        tensor_in = [i for i in node.input if i in shapes or i in pads]
        if not tensor_in:
            if node.op_type not in _CONSTANT_OPS:
                raise refuse(node.op_type, label, "computes on constants only: not supported")
            consts[node.output[0]] = _constant(node, ins, a, None)
            continue
        if node.op_type == "Shape":
            consts[node.output[0]] = _constant(node, ins, a, (batch,) + shapes[tensor_in[0]])
            continue
        ops = _operation(node, label, a, ins, tensor_in, shapes, pads, consts, batch)
        for op in [] if ops is None else ops if isinstance(ops, list) else [ops]:
            for v in op.inputs:
                if v in pads:
                    raise refuse("Pad", label, f"feeds {node.op_type}: only a convolution or "
                                 f"an average pooling may read a padded tensor")
            shapes[op.output] = output_shape(op, [shapes[v] for v in op.inputs])
            operations.append(op)
    outputs = tuple(o.name for o in g.output)
    for o in outputs:
        if o not in shapes:
            raise ValueError(f"model: the output {o!r} is not a tensor the graph computes "
                             f"from its input")
    graph = OperationGraph(name, tuple(input_shape), tuple(operations), outputs, shapes)
    check_graph(graph)
    return graph


def _operation(node, label, a, ins, tensor_in, shapes, pads, consts, batch):
    """The operation of one tensor node, or None for a folded ``Pad``."""
    op, out, x = node.op_type, node.output[0], tensor_in[0]
    if op == "Pad":
        mode = a.get("mode", b"constant")
        value = ins[2] if len(ins) > 2 and ins[2] is not None else 0.0
        spec = ins[1] if len(ins) > 1 else a.get("pads")
        if spec is None or (mode not in (b"constant", "constant")) or np.any(value != 0) \
                or x in pads:
            raise refuse(op, label, "is not a zero padding with known pads")
        d = len(spec) // 2
        if any(int(spec[i]) or int(spec[i + d]) for i in range(2)) or np.any(spec < 0):
            raise refuse(op, label, "pads the batch or channel axis, or crops")
        pads[out] = (x, _spatial_pads(spec, d)[2:])
        return None
    extra = None
    if x in pads:
        x, extra = pads[x]
    shape = shapes[x]
    if op == "Conv":
        if len(ins) < 2 or ins[1] is None:
            raise refuse(op, label, "has a kernel computed at run time: not supported")
        w, d = ins[1], ins[1].ndim - 2
        stride, dilation = tuple(a.get("strides", (1,) * d)), tuple(a.get("dilations", (1,) * d))
        p = _auto_pads(a, shape[1:], w.shape[2:], stride, dilation, label, op)
        if extra:
            p = tuple((b + eb, e + ee) for (b, e), (eb, ee) in zip(p, extra))
        return Operation("conv", label, (x,), out, {
            "weight": w.astype(float), "bias": ins[2] if len(ins) > 2 else None,
            "stride": stride, "pads": p, "dilation": dilation, "groups": a.get("group", 1)})
    if op in ("MaxPool", "AveragePool"):
        k = tuple(a["kernel_shape"])
        d = len(k)
        stride, dilation = tuple(a.get("strides", (1,) * d)), tuple(a.get("dilations", (1,) * d))
        p = _auto_pads(a, shape[1:], k, stride, dilation, label, op)
        attrs = {"kernel": k, "stride": stride, "dilation": dilation, "pads": p,
                 "ceil_mode": bool(a.get("ceil_mode", 0)),
                 "count_include_pad": bool(a.get("count_include_pad", 0))}
        if extra:
            if op == "MaxPool":
                raise refuse("Pad", label, "feeds MaxPool: zero padding changes a maximum")
            attrs["counted"] = tuple((eb + (b if attrs["count_include_pad"] else 0),
                                      ee + (e if attrs["count_include_pad"] else 0))
                                     for (b, e), (eb, ee) in zip(p, extra))
            attrs["pads"] = tuple((b + eb, e + ee) for (b, e), (eb, ee) in zip(p, extra))
        return Operation("max_pool" if op == "MaxPool" else "avg_pool", label, (x,), out, attrs)
    if extra:
        raise refuse("Pad", label, f"feeds {op}: only a convolution or an average pooling may "
                     f"read a padded tensor")
    if op in ("GlobalAveragePool", "GlobalMaxPool"):
        kind = "avg_pool" if op == "GlobalAveragePool" else "max_pool"
        return Operation(kind, label, (x,), out, {"global": True})
    if op == "ReduceMean":
        axes = ins[1] if len(ins) > 1 and ins[1] is not None else a.get("axes")
        if axes is None or sorted(int(v) % (len(shape) + 1) for v in axes) != list(
                range(2, len(shape) + 1)):
            raise refuse(op, label, "averages over other axes than the spatial ones")
        if a.get("keepdims", 1):
            return Operation("avg_pool", label, (x,), out, {"global": True})
        pooled = label + ".pool"
        shapes[pooled] = (shape[0],) + (1,) * (len(shape) - 1)
        return [Operation("avg_pool", pooled, (x,), pooled, {"global": True}),
                Operation("reshape", label, (pooled,), out, {"shape": shape[:1]})]
    if op in ("Gemm", "MatMul"):
        if node.input[0] != x or len(ins) < 2 or ins[1] is None or ins[1].ndim != 2 \
                or a.get("transA", 0):
            raise refuse(op, label, "is supported only as input times a constant matrix")
        w = ins[1].T if op == "MatMul" or not a.get("transB", 0) else ins[1]
        bias = ins[2] * a.get("beta", 1.0) if len(ins) > 2 and ins[2] is not None else None
        return Operation("dense", label, (x,), out, {"weight": a.get("alpha", 1.0) *
                                                     w.astype(float), "bias": bias})
    if op in ("Add", "Sub"):
        if len(tensor_in) == 2:
            if op == "Sub":
                raise refuse(op, label, "subtracts two tensors: not monotone in both")
            return Operation("add", label, tuple(node.input), out)
        const = ins[1] if node.input[0] == x else ins[0]
        if op == "Sub" and node.input[0] != x:
            raise refuse(op, label, "subtracts a tensor from a constant: not monotone")
        shift = np.asarray(-const if op == "Sub" else const, dtype=float)
        if np.broadcast_shapes(shift.shape, (batch,) + shape) != (batch,) + shape:
            raise refuse(op, label, f"broadcasts {shape} to a larger shape")
        return Operation("reshape", label, (x,), out, {"shape": shape, "shift": shift})
    if op == "BatchNormalization":
        scale = ins[1] / np.sqrt(ins[4] + a.get("epsilon", 1e-5))
        return Operation("batch_norm", label, (x,), out, {"scale": scale.astype(float),
                                                          "shift": ins[2] - ins[3] * scale})
    if op in _ACTIVATIONS:
        return _activation(op, label, x, out, a, ins, shape)
    if op == "Concat":
        if len(tensor_in) != len(node.input):
            raise refuse(op, label, "concatenates a tensor with constants")
        axis = a["axis"] % (len(shape) + 1)
        if axis == 0:
            raise refuse(op, label, "concatenates along the batch axis")
        return Operation("concat", label, tuple(node.input), out, {"axis": axis - 1})
    full = (batch,) + shape
    if op == "Flatten":
        axis = a.get("axis", 1) % (len(full) + 1)
        new = (int(np.prod(full[:axis])), int(np.prod(full[axis:])))
    elif op == "Reshape":
        new = _reshaped(full, ins[1], a.get("allowzero", 0))
    elif op in ("Squeeze", "Unsqueeze"):
        axes = ins[1] if len(ins) > 1 else a.get("axes")
        new = _squeezed(full, axes, op)
    else:
        new = full
    if new[0] != batch:
        raise refuse(op, label, f"mixes samples of the batch (shape {full} to {new})")
    return Operation("reshape", label, (x,), out, {"shape": tuple(new[1:])})


def _squeezed(full, axes, op):
    if op == "Unsqueeze":
        out = list(full)
        for axis in sorted(int(v) % (len(full) + len(axes)) for v in axes):
            out.insert(axis, 1)
        return tuple(out)
    drop = {i for i, n in enumerate(full) if n == 1} if axes is None else \
        {int(v) % len(full) for v in axes}
    return tuple(n for i, n in enumerate(full) if i not in drop)


def _activation(op, label, x, out, a, ins, shape):
    attrs = {"fn": {"Relu": "relu", "Clip": "clip", "LeakyRelu": "leaky_relu",
                    "PRelu": "prelu", "Sigmoid": "sigmoid", "Tanh": "tanh"}[op]}
    if op == "Clip":
        lo = ins[1] if len(ins) > 1 and ins[1] is not None else a.get("min", -np.inf)
        hi = ins[2] if len(ins) > 2 and ins[2] is not None else a.get("max", np.inf)
        attrs.update(lo=float(lo), hi=float(hi))
    elif op == "LeakyRelu":
        attrs["slope"] = float(a.get("alpha", 0.01))
    elif op == "PRelu":
        slope = np.asarray(ins[1], dtype=float)
        if slope.size not in (1, shape[0]):
            raise refuse(op, label, f"has {slope.size} slopes for {shape[0]} channels")
        attrs["slope"] = slope.ravel()
    return Operation("activation", label, (x,), out, attrs)
