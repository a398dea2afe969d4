"""The linear layers of an in-memory ``torch.nn.Module``, checked to be all its forward does.

:func:`module_layers` traces the module's ``forward`` with ``torch.fx`` (symbolically: no data
flows) and walks the operations in the order they run: ``nn.Linear`` layers are the network's
layers; ``Dropout``, ``Identity`` and ``Flatten`` pass their input on (at evaluation; on the
rows of a batch ``(N, d)``); any other operation (an activation, a normalisation, a sum of two
branches, a parameter used directly) makes the network something other than a deep linear
network and is refused by name. torch is imported only by the caller that holds a module.
"""

from __future__ import annotations

__all__ = ["module_layers"]

#: Operations that pass a batch ``(N, d)`` on unchanged, wherever they stand.
_PASS_FUNCTIONS = frozenset({"dropout", "flatten", "contiguous", "alpha_dropout",
                             "feature_alpha_dropout"})
#: Shape operations allowed before the first layer (reshaping the input to ``(N, d_x)``).
_INPUT_SHAPING = frozenset({"view", "reshape"})


def module_layers(module):
    """``(names, weights, biases)`` of the ``nn.Linear`` layers ``module`` applies, in order.

    Parameters
    ----------
    module : torch.nn.Module
        A network whose forward applies only ``nn.Linear`` layers, one after the other, with
        ``Dropout``/``Identity``/``Flatten`` (or ``x.view``/``x.reshape`` of the input) between.

    Raises
    ------
    ValueError
        Naming the first operation of another kind (``ReLU``, ``F.relu``, ``LayerNorm``...),
        a forward that ``torch.fx`` cannot trace, a layer applied twice, or a forward that is
        not one chain of layers.
    """
    import torch

    name = type(module).__name__
    try:
        graph = torch.fx.symbolic_trace(module).graph
    except Exception as exc:  # tracing runs the user's forward: any error is theirs
        raise ValueError(f"the forward of {name} must be traceable by torch.fx to check that it "
                         f"applies linear layers only, got {type(exc).__name__}: {exc}; pass "
                         f"its state_dict() instead (then activations written in forward "
                         f"cannot be checked)") from None
    names, weights, biases = [], [], []
    current = None
    nn = torch.nn
    passing = (nn.Identity, nn.Flatten, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d,
               nn.AlphaDropout, nn.FeatureAlphaDropout)
    for node in graph.nodes:
        if node.op == "placeholder":
            if current is not None:
                raise ValueError(f"the forward of {name} must take one input, got a second, "
                                 f"{node.target!r}")
            current = node
            continue
        if node.op == "output":
            if node.args[0] is not current:
                raise ValueError(f"the forward of {name} must return the output of its last "
                                 f"layer, got {node.args[0]}")
            break
        what = _describe(module, node)
        inputs = [a for a in (*node.args, *node.kwargs.values()) if isinstance(a, torch.fx.Node)]
        if node.op == "get_attr" or inputs != [current]:
            reason = ("uses a parameter outside nn.Linear" if node.op == "get_attr"
                      else "does not take the previous output alone")
            raise ValueError(f"the forward of {name} must apply its layers one after the other, "
                             f"got {what} that {reason}")
        if node.op == "call_module":
            sub = module.get_submodule(node.target)
            if isinstance(sub, torch.nn.Linear):
                if f"{node.target}.weight" in names:
                    raise ValueError(f"{what} of {name} is applied twice (tied weights); a "
                                     f"deep linear network has its own matrix per layer")
                names.append(f"{node.target}.weight")
                weights.append(_numpy(torch, sub.weight))
                biases.append(None if sub.bias is None else _numpy(torch, sub.bias))
            elif not isinstance(sub, passing):
                raise _nonlinear(name, what)
        else:
            op = node.target if node.op == "call_method" else getattr(node.target, "__name__", "")
            if op not in _PASS_FUNCTIONS and not (op in _INPUT_SHAPING and not names):
                raise _nonlinear(name, what)
        current = node
    if not names:
        raise ValueError(f"{name} must apply at least one nn.Linear layer, got none")
    return tuple(names), weights, biases


def _describe(module, node) -> str:
    if node.op == "call_module":
        return f"module {node.target!r} ({type(module.get_submodule(node.target)).__name__})"
    if node.op == "call_method":
        return f"method .{node.target}()"
    if node.op == "get_attr":
        return f"attribute {node.target!r}"
    return f"function {getattr(node.target, '__name__', node.target)}()"


def _nonlinear(name: str, what: str) -> ValueError:
    return ValueError(f"{name} applies {what}, which a deep linear network does not have: an "
                      f"activation makes the network nonlinear; only nn.Linear layers with "
                      f"Dropout, Identity or Flatten between them are read")


def _numpy(torch, parameter):
    return parameter.detach().to(device="cpu", dtype=torch.float64).numpy()
