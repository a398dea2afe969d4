"""Start-up and the public surface: ``import landscape`` loads nothing but the package's own
``__init__``; a name loads its layer on first use and no layer loads the heavy libraries
(scipy's integrators, optimisers and sparse matrices, scikit-learn, matplotlib, torch, onnx:
they load inside the functions that use them); about fifty names are listed at the top level
and every name that was public before still resolves, as ``landscape.NAME`` and from its
layer; the console command turns a Ctrl-C during its imports into the same clean message as
during the work. No timed assertion: ``benchmarks/import_time.py`` measures."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import landscape
import landscape_console
from landscape import estimator

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(
    [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}

#: The layers whose public names are reachable as ``landscape.NAME``.
LAYERS = ("problem", "flow", "signed", "geometry", "forecast", "critical", "connections",
          "report", "plot", "estimator")

#: Libraries no layer imports when it is imported (the command line's parser included).
HEAVY = ("sklearn", "matplotlib", "torch", "onnx", "scipy.integrate", "scipy.optimize",
         "scipy.special", "scipy.sparse", "scipy.linalg", "scipy.stats", "networkx", "tqdm",
         "joblib")

#: ``landscape.__all__`` before the top level was narrowed (every name of every layer, and
#: three of ``landscape._base``): each must keep resolving as ``landscape.NAME``.
EARLIER_PUBLIC = ("BALANCE_TOL", "Backend", "CONTINUATION_ROUNDS", "CRITICAL_TOL", "Catalog",
                  "Classification", "Continuation", "CriticalClass", "CriticalKind",
                  "CriticalPoint", "DATASETS", "DENSE_ESCAPE_LIMIT", "DENSE_HESSIAN_LIMIT",
                  "DataSpectrum", "DeepLinearRegressor", "END_TO_END_METHODS", "EndToEndResult",
                  "EnsembleRun", "Escape", "Executor", "FLOW_METHODS", "FRUSTRATION_METHODS",
                  "FiberConstruction", "FiberCoordinates", "FiberSample", "FlowError",
                  "FlowResult", "FlowStatus", "ForecastCheck", "ForecastPlateau",
                  "ForecastWarning", "FrustrationResult", "FrustrationTrajectory",
                  "GRAPH_OPTION_HELP", "GraphChecks", "GraphOptions", "HALFWAY_MARGIN",
                  "HOP_STYLES", "HessianSpectrum", "INPUT_SPACES", "IOMonotonicity", "Inertia",
                  "KIND_COLORS", "Landscape", "LearntModes", "Location", "MAX_CRITICAL_TOL",
                  "MAX_FIBER_WIDTH", "MAX_GRAPH_CLASSES", "MAX_NULL_SAMPLES", "MAX_SPREAD",
                  "MAX_ZERO_TOL", "MIN_SPREAD", "MIN_ZERO_TOL", "NEAR_DISTANCE",
                  "NEAR_GRADIENT", "NETWORK_NULL_MODELS", "NETWORK_SUFFIXES", "NULL_MODELS",
                  "NearMonotonicity", "NetworkFile", "NetworkFrustrationResult",
                  "NetworkNullComparison", "NotCriticalError", "NullComparison", "OFF_CRITICAL",
                  "PARAMETER_SUFFIXES", "Plateau", "RESOLVABLE_TIME", "Report",
                  "SCHEMA_VERSION", "SignedNetwork", "TIE_TOL", "TrainingForecast", "Visit",
                  "Witness", "ZERO_TOL", "active_subnetwork", "adjacency_gradient",
                  "adjacency_invariants", "adjacency_loss", "atomic_write",
                  "balance_hidden_layers", "balance_layers", "balanced_factorization",
                  "canonical_representative", "canonical_subset", "canonicalize",
                  "check_balanced", "check_critical", "check_critical_tol", "check_flow_memory",
                  "check_forecast", "check_graph_size", "check_saddle_graph", "check_sigma",
                  "check_spreads", "check_subset", "check_tie_tol", "check_zero_tol",
                  "classify", "continue_to_critical", "count_classes", "critical_point",
                  "crossing_time", "curvature_scale", "default_widths", "end_to_end_flow",
                  "enumerate_critical_points", "escape_directions", "example_start",
                  "fiber_coordinates", "flow_plateau_exits", "flow_time", "forecast_section",
                  "frustration", "frustration_along_flow", "frustration_vs_null",
                  "gradient_flow", "gradient_unit", "grassmannian_dimension", "hessian_inertia",
                  "hessian_spectrum", "imbalance", "integrate_ensemble", "io_monotonicity",
                  "is_rank_minimum", "is_top", "iter_classes", "iter_critical_points",
                  "learnt_counts", "learnt_modes", "load_data_file", "load_network_file",
                  "load_saddle_graph", "load_weights_file", "locate", "mode_count",
                  "narrow_widths", "near_monotonicity", "null_network", "numerical_rank",
                  "one_mode_time", "one_mode_weight", "orbit_dimension", "orbit_tangent",
                  "plateau_records", "plateaus", "plot_forecast", "plot_frustration_curve",
                  "plot_frustration_null", "plot_hessian_spectrum", "plot_loss_curve",
                  "plot_network_frustration", "plot_saddle_graph", "plot_singular_value_curve",
                  "plot_transition_matrix", "predict_training", "rank_minimum_value",
                  "reduce_start", "relative_gradient_norm", "representative_frustration",
                  "saddle_graph", "saddle_graph_figure", "saddle_graph_layout", "same_class",
                  "sample_fiber", "sample_reduced_start", "save_saddle_graph",
                  "save_weights_file", "second_moments", "signed_network", "subset_label",
                  "subset_of_counts", "subsets_of_counts", "tie_counts", "tie_groups",
                  "time_unit", "top_of_counts", "trajectory_visits", "transition_matrix",
                  "weight_unit", "witness_kind", "witness_strengths", "witness_test",
                  "write_report")


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=ENV, cwd=ROOT, timeout=120)


def _loaded_after(code: str, modules) -> list[str]:
    """Which of ``modules`` a fresh interpreter holds after running ``code``."""
    run = _python(f"import sys\n{code}\nprint(*[m for m in {tuple(modules)!r} "
                  f"if m in sys.modules])")
    assert run.returncode == 0, run.stderr
    return run.stdout.split()


def test_import_loads_only_the_package_itself():
    run = _python("import sys, landscape\n"
                  "print(*sorted(m for m in sys.modules if m.startswith('landscape.')"
                  " or m in ('numpy', 'scipy', 'networkx')))")
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == []


def test_no_layer_imports_the_heavy_libraries():
    imports = "\n".join(f"import landscape.{layer}" for layer in LAYERS if layer != "estimator")
    assert _loaded_after(imports, HEAVY) == []


def test_the_command_line_help_imports_no_heavy_library():
    code = "from landscape.cli import build_parser\nbuild_parser().format_help()"
    assert _loaded_after(code, HEAVY) == []


def test_a_name_loads_its_layer_and_those_below_only():
    layers = [f"landscape.{layer}" for layer in LAYERS]
    assert _loaded_after("import landscape\nlandscape.Landscape", layers) \
        == ["landscape.problem"]
    assert _loaded_after("import landscape\nlandscape.gradient_flow", layers) \
        == ["landscape.problem", "landscape.flow"]


def test_the_estimator_loads_on_first_use():
    run = _python("import sys, landscape\n"
                  "cls = landscape.DeepLinearRegressor\n"
                  "print(cls.__module__, 'sklearn' in sys.modules)")
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["landscape.estimator", "True"]


def test_the_estimators_names_are_known_without_importing_it():
    assert set(landscape._ESTIMATOR_NAMES) == set(estimator.__all__)
    for name in estimator.__all__:
        assert getattr(landscape, name) is getattr(estimator, name)
    assert landscape.estimator is estimator
    unknown = "import landscape\ntry:\n    landscape.not_a_name\nexcept AttributeError:\n    pass"
    assert _loaded_after(unknown, ("sklearn",)) == []


def test_the_top_level_lists_about_fifty_names_from_their_layers():
    names = landscape.__all__
    assert 40 <= len(names) <= 55
    assert names == sorted(set(names))
    for layer, listed in landscape._TOP_LEVEL.items():
        module = getattr(landscape, layer)
        for name in listed:
            assert name in module.__all__, f"{name} is not public in landscape.{layer}"
            assert getattr(landscape, name) is getattr(module, name)
    assert sorted(n for names in landscape._TOP_LEVEL.values() for n in names) == names


def test_the_names_of_the_public_contract_are_at_the_top_level():
    """Every function and class that the design's public contract calls as ``ls.NAME``."""
    contract = {"DataSpectrum", "Landscape", "gradient_flow", "FlowResult",
                "enumerate_critical_points", "Catalog", "CriticalPoint", "canonicalize",
                "NotCriticalError", "classify", "Classification", "escape_directions", "Escape",
                "saddle_graph", "frustration", "FrustrationResult", "end_to_end_flow",
                "signed_network", "SignedNetwork", "frustration_vs_null", "active_subnetwork",
                "near_monotonicity", "predict_training", "DeepLinearRegressor", "write_report"}
    assert contract <= set(landscape.__all__), sorted(contract - set(landscape.__all__))


def test_dir_shows_the_top_level_and_the_layers():
    shown = set(dir(landscape))
    assert set(landscape.__all__) | set(LAYERS) | {"cli", "__version__"} <= shown
    public = {n for n in shown if not n.startswith("_")}
    assert public == set(landscape.__all__) | set(LAYERS) | {"cli"}
    landscape.KIND_COLORS  # noqa: B018  (once resolved, still not listed)
    assert "KIND_COLORS" not in dir(landscape)


def _public_names() -> dict[str, str]:
    """Every public name of every layer, with its layer."""
    return {name: layer for layer in LAYERS for name in getattr(landscape, layer).__all__}


def test_every_public_name_resolves_from_the_top_and_from_its_layer():
    homes = _public_names()
    assert len(homes) == sum(len(getattr(landscape, layer).__all__) for layer in LAYERS), \
        "a name is public in two layers"
    for name, layer in homes.items():
        assert getattr(landscape, name) is getattr(getattr(landscape, layer), name)


@pytest.mark.parametrize("name", EARLIER_PUBLIC)
def test_every_earlier_public_name_still_resolves(name):
    value = getattr(landscape, name)
    homes = _public_names()
    if name in landscape._BASE_NAMES:
        assert value is getattr(sys.modules[f"landscape.{landscape._BASE_NAMES[name]}"], name)
    else:
        assert name in homes, f"{name} is public in no layer"
        assert value is getattr(getattr(landscape, homes[name]), name)


def test_presentation_constants_leave_the_top_level():
    for name in ("KIND_COLORS", "HOP_STYLES"):
        assert name not in landscape.__all__
        assert getattr(landscape, name) is getattr(landscape.plot, name)


@pytest.mark.parametrize("package", ["landscape", *(f"landscape.{layer}" for layer in LAYERS
                                                   if (ROOT / "landscape" / layer).is_dir())])
def test_no_submodule_shadows_a_reachable_name(package):
    """A submodule named like a name reachable as ``landscape.NAME`` would replace it on
    import (``landscape.frustration`` once shadowed the function)."""
    reachable = set(_public_names()) | set(EARLIER_PUBLIC)
    folder = ROOT / Path(*package.split("."))
    submodules = {p.stem for p in folder.glob("*.py")} | {p.parent.name
                                                         for p in folder.glob("*/__init__.py")}
    assert not submodules & reachable, sorted(submodules & reachable)


def test_star_import_and_unknown_names():
    namespace: dict = {}
    exec("from landscape import *", namespace)
    assert namespace["DeepLinearRegressor"] is estimator.DeepLinearRegressor
    assert set(landscape.__all__) <= set(namespace)
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        landscape.not_a_name  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute '_TIE_TOL'"):
        landscape._TIE_TOL  # noqa: B018


#: A child that receives a real SIGINT while it imports the package's command line (the way
#: a Ctrl-C meets the console command's start-up), then runs the console entry point.
SIGINT_DURING_IMPORT = """
import importlib.abc, os, signal, sys

class Interrupt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "landscape.connections":
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, Interrupt())
sys.argv = ["landscape", "catalog", "--sigma", "3,2,1", "--widths", "3,2,3"]
import landscape_console
sys.exit(landscape_console.main())
"""


def test_ctrl_c_during_the_imports_is_the_clean_message():
    run = _python(SIGINT_DURING_IMPORT)
    assert run.returncode == 130
    assert run.stderr == landscape_console.INTERRUPTED
    assert "Traceback" not in run.stderr


def test_the_message_is_the_one_of_an_interrupted_command(monkeypatch, capsys):
    from landscape.cli import main

    def interrupted(self, copies=1):
        raise KeyboardInterrupt

    # every subcommand checks the weights' memory once the work has begun
    monkeypatch.setattr(landscape.Landscape, "check_weight_memory", interrupted)
    with pytest.raises(SystemExit) as exit_:
        main(["catalog", "--sigma", "3,2,1", "--widths", "3,2,3"])
    assert exit_.value.code == 130
    assert capsys.readouterr().err == landscape_console.INTERRUPTED


def test_the_console_entry_runs_the_command_line(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["landscape", "catalog", "--sigma", "3,2,1",
                                      "--widths", "3,2,3"])
    assert landscape_console.main() == 0
    assert "global_minimum" in capsys.readouterr().out


def test_the_console_script_points_at_the_entry():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'landscape = "landscape_console:main"' in text
