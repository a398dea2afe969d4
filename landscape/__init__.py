"""landscape: exact maps of the loss landscape of deep linear neural networks.

A network ``W_h ... W_1`` trained on a square loss is a block-shift adjacency matrix ``A``
with ``L(A) = 1/2 ||E - A^h||^2`` (Wendin & Altafini, SIAM Review 2025). The library computes
its spectrum, exact derivatives, gradient flow, critical points, their second-order type,
saddle connections and the frustration of its signed graph. The mathematics, with the
formulas and the papers they come from, is in the repository's ``docs/theory.md`` (also
in the source distribution), which docstrings cite by section: ``docs/theory.md §4.1``.

The names a study needs are here (``__all__``, by topic):

- the problem: ``DataSpectrum``, ``Landscape`` and the kinds of critical points; ``locate``
  (the class any network is near); networks and data from files;
- flows: ``gradient_flow``, ``end_to_end_flow``, their results and ``plateaus``;
- critical points: ``enumerate_critical_points``, ``Catalog``, ``CriticalPoint``,
  ``canonicalize``, ``classify``, ``escape_directions``, ``hessian_inertia``;
- the saddle graph: ``saddle_graph``, ``check_saddle_graph``, its files;
- frustration: ``frustration``, ``frustration_vs_null``, ``signed_network``,
  ``active_subnetwork``, ``near_monotonicity``;
- the forecast ``predict_training``, the estimator ``DeepLinearRegressor``, the report
  ``write_report`` and the main plots.

Everything else lives in the package's layers (README, Layout), each documenting its own
names: :mod:`landscape.problem`, :mod:`landscape.flow`, :mod:`landscape.signed`,
:mod:`landscape.geometry`, :mod:`landscape.forecast`, :mod:`landscape.critical`,
:mod:`landscape.connections` and the application layer (:mod:`landscape.estimator`,
:mod:`landscape.report`, :mod:`landscape.cli`, :mod:`landscape.plot`). Every public name of
a layer stays reachable as ``landscape.<name>`` too (``landscape.TIE_TOL`` is
``landscape.problem.TIE_TOL``), without being listed here.

Nothing is imported until it is used: ``import landscape`` loads this module alone, and a
name loads its layer (and the layers below it) on first use, so that the command line and a
script start fast (``benchmarks/import_time.py``); heavy dependencies (scipy's integrators
and optimisers, scikit-learn, matplotlib, torch, onnx) load inside the functions that use
them.
"""

import importlib

__version__ = "0.1.0"

#: The top-level names (``__all__``), by the layer whose ``__all__`` holds them.
_TOP_LEVEL = {
    "problem": ("DataSpectrum", "Landscape", "CriticalKind", "NotCriticalError", "locate",
                "Location", "load_data_file", "load_network_file", "load_weights_file",
                "save_weights_file"),
    "flow": ("gradient_flow", "FlowResult", "FlowStatus", "FlowError", "end_to_end_flow",
             "EndToEndResult", "plateaus", "Plateau"),
    "signed": ("frustration", "FrustrationResult", "frustration_vs_null", "signed_network",
               "SignedNetwork", "active_subnetwork", "near_monotonicity"),
    "geometry": ("classify", "Classification", "escape_directions", "Escape",
                 "hessian_inertia"),
    "forecast": ("predict_training", "TrainingForecast"),
    "critical": ("enumerate_critical_points", "count_classes", "Catalog", "CriticalPoint",
                 "canonicalize", "canonical_representative"),
    "connections": ("saddle_graph", "check_saddle_graph", "load_saddle_graph",
                    "save_saddle_graph"),
    "report": ("write_report",),
    "plot": ("plot_loss_curve", "plot_singular_value_curve", "plot_hessian_spectrum",
             "plot_saddle_graph", "plot_frustration_curve", "plot_forecast"),
    "estimator": ("DeepLinearRegressor",),
}

#: The layers whose public names are reachable as ``landscape.<name>``, searched bottom first.
#: A name of the estimator is looked up in ``_ESTIMATOR_NAMES`` instead, so that a
#: search never imports scikit-learn (a second).
_LAYERS = ("problem", "flow", "signed", "geometry", "forecast", "critical", "connections",
           "report", "plot")

#: ``landscape.estimator.__all__`` (a test checks that the two agree).
_ESTIMATOR_NAMES = ("DeepLinearRegressor", "default_widths")

#: Helpers of ``landscape._base`` that the top level once listed, still reachable there.
_BASE_NAMES = {"atomic_write": "_base.files", "Backend": "_base.parallel",
               "Executor": "_base.parallel"}

#: Submodules reachable as ``landscape.<name>`` before they are imported.
_SUBMODULES = (*_LAYERS, "estimator", "cli")

__all__ = sorted(name for names in _TOP_LEVEL.values() for name in names)

_HOME = {name: layer for layer, names in _TOP_LEVEL.items() for name in names}


def _home(name: str) -> str | None:
    """The module (relative to the package) whose ``__all__`` holds ``name``, or ``None``."""
    if name in _HOME:
        return _HOME[name]
    if name in _ESTIMATOR_NAMES:
        return "estimator"
    if name in _BASE_NAMES:
        return _BASE_NAMES[name]
    for layer in _LAYERS:
        if name in importlib.import_module(f"{__name__}.{layer}").__all__:
            return layer
    return None


def __getattr__(name: str):
    """Import a submodule, or the layer of a public name, when it is first used."""
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    home = None if name.startswith("_") else _home(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # later uses read the module's own attribute
    return value


def __dir__() -> list[str]:
    """The top-level names and the layers (the rest: ``dir(landscape.flow)``, ...)."""
    return sorted({*__all__, *_SUBMODULES, *(n for n in globals() if n.startswith("__"))})
