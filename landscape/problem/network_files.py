"""Reading a user's network: an ``.npz``, ``.safetensors`` or torch ``.pt``/``.pth`` file, a
checkpoint holding one, an in-memory state dict or ``torch.nn.Module``; validated on load,
never unpickled (:func:`load_network_file`)."""

from __future__ import annotations

import os
import pickle
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._base.files import atomic_write
from .._base.validation import check_layers, describe_value
from .datafiles import _load_npz
from .layer_order import PARAMETER_SUFFIXES, framework_layers
from .torch_modules import module_layers

__all__ = ["NETWORK_SUFFIXES", "NetworkFile", "PARAMETER_SUFFIXES", "load_network_file",
           "load_weights_file", "save_weights_file"]

#: Suffixes of the network files :func:`load_network_file` reads.
NETWORK_SUFFIXES = (".npz", ".safetensors", ".pt", ".pth")


@dataclass(frozen=True, eq=False)
class NetworkFile:
    """A network read by :func:`load_network_file`: its layers in order, biases and source.

    Attributes
    ----------
    weights : list of ndarray
        ``W_1..W_h``, ``W_j`` of shape ``(d_j, d_{j-1})`` (a torch ``Linear``'s ``weight``).
    biases : list of ndarray or None
        ``b_1..b_h`` (``None`` for a layer without one).
    names : tuple of str
        The source's name of each ``W_j``, in layer order.
    path : Path or None
        The file read; ``None`` for an in-memory state dict or module.

    Notes
    -----
    An affine network ``f(x) = W_h(...(W_1 x + b_1)...) + b_h`` computes
    ``W_{1:h} x + c``; on centred data (the default of
    :meth:`~landscape.DataSpectrum.from_data`) its weights are judged as the bias-free network
    ``W_{1:h} x`` plus a constant. At the best constant ``c = y_mean - W_{1:h} x_mean`` (where
    training with a free output bias brings it: its gradient is the mean residual) the affine
    loss on the raw data equals the bias-free loss on the centred data, and so do the
    gradients in every ``W_j``: the layers' class, value and kind are those of the bias-free
    network. The biases are kept here, never used by the landscape.
    """

    weights: list = field(repr=False)
    biases: list = field(repr=False)
    names: tuple[str, ...]
    path: Path | None

    @property
    def widths(self) -> tuple[int, ...]:
        """``(d_0, ..., d_h)`` from the shapes."""
        return (self.weights[0].shape[1], *(w.shape[0] for w in self.weights))

    @property
    def has_biases(self) -> bool:
        return any(b is not None for b in self.biases)

    def __repr__(self) -> str:
        source = None if self.path is None else str(self.path)
        return (f"NetworkFile(path={source!r}, widths={self.widths}, names={self.names}, "
                f"biases={[None if b is None else b.shape[0] for b in self.biases]})")


def load_network_file(source, *, key=None, layer_order=None,
                      gaps_are_linear: bool = False) -> NetworkFile:
    """Read a network's layers (and biases) from a file, a checkpoint, a state dict or a module.

    Parameters
    ----------
    source : str, Path, Mapping or torch.nn.Module
        * an ``.npz`` file (read with ``allow_pickle=False``), a ``.safetensors`` file (the
          optional ``safetensors`` package) or a torch ``.pt``/``.pth`` file (the optional
          ``torch`` package, read only with ``torch.load(weights_only=True,
          map_location="cpu")``: a file that needs full unpickling, e.g. ``torch.save(model)``,
          is refused, since unpickling can run any code);
        * an in-memory state dict: a mapping of names to torch tensors or numpy arrays;
        * a checkpoint (file or mapping) whose entries hold the model's state dict beside other
          things (``{"model": ..., "optimizer": ..., "epoch": 3}``);
        * a ``torch.nn.Module``: its forward is traced and must apply ``nn.Linear`` layers only,
          with ``Dropout``/``Identity``/``Flatten`` between (an activation is refused by name).
    key : str, optional
        The checkpoint's entry holding the model's state dict; by default the one entry that
        is a state dict of tensors (refused, naming the candidates, when there are several).
    layer_order : sequence of str, optional
        Layer names (or prefixes: ``["encoder", "decoder"]``) in the order the network applies
        them, for names that carry no order.
    gaps_are_linear : bool
        Accept a gap in a ``Sequential``'s indices (parameters ``0`` and ``2``: module ``1``
        holds none), for a user who knows that module is linear (``Dropout``, ``Identity``).

    Notes
    -----
    The arrays are ``W1..Wh`` (what :func:`save_weights_file` writes) or a framework's
    parameters by name: ``<layer>.weight`` (2-D, ``(d_out, d_in)`` as in torch's ``Linear``)
    with an optional ``<layer>.bias`` (1-D): ``0.weight``, ``layers.4.weight``,
    ``fc1.weight``... Any other array (batch-norm statistics...) is refused: only linear
    layers make a deep linear network. Order: ``layer_order``, else the integers in the names
    (``layers.10`` after ``layers.2``) when every layer has a distinct tuple of them, else the
    source's order if the shapes chain in it (a ``.safetensors`` file has none: its keys come
    back sorted), else the one order in which the shapes chain (refused when ambiguous). A gap
    in a ``Sequential``'s indices is a parameter-free module between two layers, an activation
    most likely, and is refused unless ``gaps_are_linear``; a state dict cannot show modules
    before the first or after the last layer, nor activations written as functions in a
    forward: pass the module itself to have those checked. The widths come from the shapes,
    which must chain (``W_{j+1}`` takes the ``d_j`` outputs of ``W_j``). Biases: see
    :class:`NetworkFile`.

    Raises
    ------
    ValueError
        For a missing file, another suffix, unreadable or non-numeric arrays, a file needing
        unpickling, names that are neither ``W1..Wh`` nor ``.weight``/``.bias`` parameters, a
        checkpoint without one clear state dict, a parameter-free module or an activation
        between layers, an ambiguous order, or shapes that do not chain.
    TypeError
        For a source that is neither a path, a mapping nor a module.
    ImportError
        For a ``.safetensors`` or ``.pt`` file without its optional package.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "state_dict.npz"
    >>> np.savez(path, **{"0.weight": np.ones((4, 3)), "0.bias": np.zeros(4),
    ...                   "1.weight": np.ones((2, 4)), "1.bias": np.zeros(2)})
    >>> net = load_network_file(path)
    >>> net.widths, net.names, net.has_biases
    ((3, 4, 2), ('0.weight', '1.weight'), True)
    >>> checkpoint = {"model": {"fc.weight": np.ones((2, 3))}, "epoch": 3}
    >>> load_network_file(checkpoint).widths
    (3, 2)
    >>> load_network_file({"0.weight": np.ones((4, 3)), "2.weight": np.ones((2, 4))})
    Traceback (most recent call last):
    ...
    ValueError: the state dict: parameters 0 and 2 have module 1 between them, which holds no \
parameters: an activation such as ReLU makes the network nonlinear, and a deep linear network \
has none; pass gaps_are_linear=True (--gaps-are-linear) only if it is linear (Dropout, \
Identity, Flatten)
    """
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(source, torch.nn.Module):
        if key is not None or layer_order is not None:
            raise ValueError("key and layer_order must be None for a torch.nn.Module, whose "
                             f"layers run in its forward's order; got key={key!r}, "
                             f"layer_order={layer_order!r}")
        names, weights, biases = module_layers(source)
        path, label = None, type(source).__name__
    else:
        arrays, label, path, ordered = _read(source, key)
        if all(re.fullmatch(r"W\d+", k) for k in arrays):
            h = len(arrays)
            expected = [f"W{j}" for j in range(1, h + 1)]
            if sorted(arrays) != sorted(expected):
                raise ValueError(f"{label} must hold arrays named W1..Wh and nothing else, "
                                 f"got {sorted(arrays)}")
            names, weights, biases = tuple(expected), [arrays[k] for k in expected], [None] * h
        else:
            names, weights, biases = framework_layers(label, arrays, ordered=ordered,
                                                      layer_order=layer_order,
                                                      gaps_are_linear=gaps_are_linear)
    try:
        weights = check_layers(list(weights), label,
                               labels=[f"{label}: layer {n!r}" for n in names])
    except ValueError as exc:
        raise ValueError(f"{exc}; layers in order: {list(names)}") from None
    return NetworkFile(weights=weights, biases=biases, names=names, path=path)


def _read(source, key):
    """``(arrays, label, path, ordered)``: the state dict ``source`` holds, as numpy arrays."""
    path = None
    if isinstance(source, Mapping):
        label, content, ordered = "the state dict", source, True
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file() or path.suffix not in NETWORK_SUFFIXES:
            raise ValueError(f"weights file must be an existing .npz or .safetensors file, or a "
                             f"torch .pt/.pth file, got {str(path)!r}")
        label, ordered = path.name, path.suffix != ".safetensors"
        content = (_load_npz(path, ("W1", "W2", "...")) if path.suffix == ".npz"
                   else _load_safetensors(path) if path.suffix == ".safetensors"
                   else _load_torch(path))
    else:
        raise TypeError(f"the network must be a path to a {', '.join(NETWORK_SUFFIXES)} file, a "
                        f"state dict (names -> tensors or arrays) or a torch.nn.Module, got "
                        f"{describe_value(source)}")
    if not isinstance(content, Mapping) or not content:
        got = "no arrays" if isinstance(content, Mapping) else describe_value(content)
        raise ValueError(f"{label} must hold at least one layer, got {got}")
    arrays = _state_dict(content, key, label)
    return {k: _numpy(v) for k, v in arrays.items()}, label, path, ordered


def _is_array(value) -> bool:
    torch = sys.modules.get("torch")
    return isinstance(value, np.ndarray) or (torch is not None and isinstance(value, torch.Tensor))


def _is_state_dict(value) -> bool:
    return (isinstance(value, Mapping) and len(value) > 0
            and all(isinstance(k, str) and _is_array(v) for k, v in value.items()))


def _state_dict(content: Mapping, key, label: str) -> Mapping:
    """The model's state dict in ``content``: itself, its entry ``key``, or its one state dict."""
    entries = [k[:60] if isinstance(k, str) else k for k in list(content)[:20]]
    if key is not None:
        if key not in content:
            raise ValueError(f"key must be an entry of {label}, got {key!r}; entries are "
                             f"{entries}")
        if not _is_state_dict(content[key]):
            raise ValueError(f"{label}[{key!r}] must be a state dict (parameter names -> "
                             f"tensors), got {describe_value(content[key])}")
        return content[key]
    if _is_state_dict(content):
        return content
    candidates = [k for k, v in content.items() if _is_state_dict(v)]
    if len(candidates) == 1:
        return content[candidates[0]]
    if candidates:
        raise ValueError(f"{label} holds several state dicts, {candidates}: pick the model's "
                         f"with key= (--checkpoint-key)")
    raise ValueError(f"{label} must be a state dict (parameter names -> tensors or arrays) or a "
                     f"checkpoint with one among its entries, got entries {entries}")


def _numpy(value):
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        return (value.to(torch.float64) if value.is_floating_point() else value).numpy()
    return value


def _load_safetensors(path: Path) -> dict:
    try:
        from safetensors.numpy import load_file
    except ImportError:
        raise ImportError(f"reading {path.name} needs the optional package 'safetensors': "
                          f"pip install 'landscape[safetensors]' (or save the weights as .npz)"
                          ) from None
    try:
        return dict(load_file(str(path)))
    except Exception as exc:  # the package raises its own error types for bad files
        if "bfloat16" not in str(exc):
            raise ValueError(f"{path} must be a readable .safetensors file of numeric arrays: "
                             f"{exc}") from exc
    try:  # numpy has no bfloat16: torch reads it
        from safetensors.torch import load_file as load_tensors
    except ImportError:
        raise ImportError(f"reading the bfloat16 arrays of {path.name} needs the optional "
                          f"package 'torch': pip install torch") from None
    return load_tensors(str(path), device="cpu")


def _load_torch(path: Path):
    """``torch.load(path, weights_only=True, map_location="cpu")``: tensors and plain
    containers only; a file whose objects need full unpickling is refused."""
    try:
        import torch
    except ImportError:
        raise ImportError(f"reading {path.name} needs the optional package 'torch': "
                          f"pip install torch (or save the weights as .npz or .safetensors)"
                          ) from None
    try:
        return torch.load(path, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as exc:
        found = re.search(r"unsupported (?:global: )?GLOBAL (\S+)", str(exc), re.IGNORECASE)
        if not found:
            reason = re.search(r"WeightsUnpickler error:\s*(.+)", str(exc))
            raise ValueError(f"{path} must be a readable torch file of tensors and plain "
                             f"containers (read with torch.load(weights_only=True)), got: "
                             f"{reason.group(1) if reason else str(exc).splitlines()[0]}"
                             ) from None
        raise ValueError(f"{path.name} needs full unpickling to be read (it holds "
                         f"{found.group(1)}), which can run "
                         f"any code: landscape reads torch files only with "
                         f"torch.load(weights_only=True); save model.state_dict() instead of "
                         f"the model (torch.save(model.state_dict(), path))") from None
    except Exception as exc:  # torch raises many error types for files it cannot read
        raise ValueError(f"{path} must be a readable torch file: "
                         f"{type(exc).__name__}: {exc}") from None


def load_weights_file(source, **options) -> list[np.ndarray]:
    """Read layer matrices ``W_1..W_h`` from a network file, checkpoint, state dict or module.

    Arrays ``W1, W2, ...`` or a framework's parameter names (``0.weight``,
    ``layers.2.weight``...; sources, keywords, order and rules in :func:`load_network_file`).
    Biases are dropped: on centred data an affine network is the bias-free network plus a
    constant (:class:`NetworkFile`); :func:`load_network_file` returns them too.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from pathlib import Path
    >>> path = save_weights_file(Path(tempfile.mkdtemp()) / "net.npz",
    ...                          [np.ones((2, 3)), np.ones((1, 2))])
    >>> [w.shape for w in load_weights_file(path)]
    [(2, 3), (1, 2)]
    """
    return load_network_file(source, **options).weights


def save_weights_file(path, weights) -> Path:
    """Write ``W_1..W_h`` as arrays ``W1, W2, ...`` of an ``.npz`` (atomically).

    Returns the path written; :func:`load_weights_file` reads it back (example there).
    """
    arrays = {f"W{j}": np.asarray(w, dtype=float) for j, w in enumerate(weights, start=1)}

    def write(tmp):
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)

    return atomic_write(path, write)
