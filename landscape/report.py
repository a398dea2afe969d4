"""The whole map of one problem in one directory: catalog, saddle graph, flows, figures, HTML.

:func:`write_report` runs the library's pipeline end to end (docs/theory.md §2-§5) and writes

``catalog.json`` + ``catalog.npz``
    every critical class with its value, kind, Hessian inertia, orbit and centre dimensions,
    witness kind and the frustration of its representative
    (:func:`landscape.critical.enumerate_critical_points` with ``curvature=True`` and
    ``frustration=True``; format in :mod:`landscape.critical.catalog_files`);
``saddle_graph.graphml`` + ``saddle_graph.json``
    the connections found by perturbed integration (:func:`landscape.connections.saddle_graph`);
``flows.json``
    a small-start and a large-start gradient flow: status, final loss, the classes visited;
``sequential_learning.png``, ``saddle_graph.png``, ``hessian_spectra.png``
    loss and singular values against time with the critical values of the top-``k`` sets
    (Saxe, McClelland & Ganguli, ICLR 2014), the graph drawn at height = critical value
    (up to 60 classes; the heat map of transition probabilities beside it up to 240, alone
    above), the Hessian spectra of the saddles the small start met;
``report.html``
    one page (images embedded): summary tables, the small start's forecast plateaus, links.

The report is written into a fresh directory beside ``out`` and swapped in as a whole
(:func:`landscape._base.files.atomic_directory`), so a failure or a kill at any instant leaves
either the old complete report or the new one, never a mix; what a killed run left is removed
on the next run. ``out`` must therefore be new, empty or an earlier report: other files in it
are refused before any work.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import io
import json
import re
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from ._base.files import atomic_directory, atomic_write, atomic_write_text
from ._base.parallel import Executor
from ._base.progress import format_duration
from ._base.validation import DEFAULT_SEED, check_int, check_positive, check_seed
from .connections import (check_saddle_graph, save_saddle_graph, saddle_graph, subset_label,
                          trajectory_visits, MAX_GRAPH_CLASSES, check_graph_size)
from .critical import Catalog, enumerate_critical_points
from .flow import FlowResult, flow_time, weight_unit
from .flow.recorded import recorded_flow
from .forecast import forecast_section
from .geometry import classify
from .plot import plot_hessian_spectrum, plot_loss_curve, plot_singular_value_curve
from .plot.figures import saddle_graph_figure
from .problem.criticality import CriticalKind
from .problem.network import Landscape, check_landscape

__all__ = ["Report", "write_report"]

FILES = {
    "catalog": "catalog.json",
    "catalog_arrays": "catalog.npz",
    "graph_graphml": "saddle_graph.graphml",
    "graph_json": "saddle_graph.json",
    "flows": "flows.json",
    "sequential_png": "sequential_learning.png",
    "graph_png": "saddle_graph.png",
    "hessian_png": "hessian_spectra.png",
    "html": "report.html",
}


@dataclass(frozen=True, eq=False)
class Report:
    """What :func:`write_report` computed and where it wrote it.

    Attributes
    ----------
    out : Path
        The output directory.
    files : dict of str to Path
        Every file written, by role (the keys of ``landscape.report.FILES``).
    catalog : Catalog
    graph : networkx.DiGraph
    flows : dict of str to FlowResult
        ``"small_start"`` and ``"large_start"``.
    visited : dict of str to list of tuple
        The classes each flow visited, in order (:func:`landscape.connections.trajectory_visits`).
    saddles_met : dict of tuple to Classification
        The classification of every saddle the small start visited.
    """

    out: Path
    files: dict
    catalog: Catalog
    graph: object = field(repr=False)
    flows: dict = field(repr=False)
    visited: dict = field(repr=False)
    saddles_met: dict = field(repr=False)


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def _write_bytes(path: Path, data: bytes) -> None:
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))


#: Rows of the HTML table of connections (the rest are in ``saddle_graph.json``).
GRAPH_TABLE_MAX_ROWS = 500


def _figures(land, catalog, graph, flows, saddles_met) -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    images = {}
    fig, (ax_loss, ax_sv) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    plot_loss_curve(list(flows.values()), land, labels=[k.replace("_", " ") for k in flows],
                    ax=ax_loss)
    plot_singular_value_curve(flows["small_start"], land, ax=ax_sv)
    plot_singular_value_curve(flows["large_start"], land, ax=ax_sv, style=":")
    fig.tight_layout()
    images["sequential_png"] = _png(fig)
    plt.close(fig)

    fig = saddle_graph_figure(graph)
    images["graph_png"] = _png(fig)
    plt.close(fig)

    n = max(len(saddles_met), 1)
    fig, axes = plt.subplots(n, 1, figsize=(8, 2.6 * n), squeeze=False)
    for ax, (subset, found) in zip(axes[:, 0], saddles_met.items()):
        plot_hessian_spectrum(found, ax=ax)
        ax.set_title(f"S = {subset_label(subset)}: {found.kind.value}, inertia {found.inertia}")
    if not saddles_met:
        axes[0, 0].text(0.5, 0.5, "the small start met no saddle", ha="center")
    fig.tight_layout()
    images["hessian_png"] = _png(fig)
    plt.close(fig)
    return images


def _timed_flow(land: Landscape, t_max: float, progress, start) -> tuple[FlowResult, float]:
    """:func:`~landscape.flow.recorded.recorded_flow` (with ``progress``: the time reached and
    the loss) and its duration in seconds (one task of the executor)."""
    began = time.monotonic()
    return recorded_flow(land, start, t_max, progress), time.monotonic() - began


def _flow_summary(result: FlowResult, visited) -> dict:
    return {"status": result.status.value, "t_final": float(result.t[-1]),
            "loss_final": float(result.loss[-1]),
            "max_invariant_drift": float(np.max(result.invariant_drift)),
            "visited": [list(s) for s in visited]}


def _table(header, rows) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _edge_table(graph) -> str:
    """The connections, highest source first: hop, probability with its interval, loss drop."""
    rows = sorted(graph.edges(data=True),
                  key=lambda e: (-graph.nodes[e[0]]["value"], e[2].get("hop") != "one_hop",
                                 -e[2].get("probability", 1.0), e[1]))
    table = _table(
        ["from", "to", "hop", "escape", "probability", "interval", "random probes",
         "loss drop"],
        [[subset_label(a), subset_label(b), d.get("hop", "").replace("_", "-"),
          d.get("escape", ""),
          f"{d['probability']:.2f}" if "probability" in d else "not sampled",
          f"[{d['ci_low']:.2f}, {d['ci_high']:.2f}]" if "probability" in d else "",
          d.get("random_probes", 0), f"{d['loss_drop']:.6g}"]
         for a, b, d in rows[:GRAPH_TABLE_MAX_ROWS]])
    if len(rows) > GRAPH_TABLE_MAX_ROWS:
        table += (f"<p>… {len(rows) - GRAPH_TABLE_MAX_ROWS} more connections in "
                  f"{FILES['graph_json']}</p>")
    return table


def _html(land, catalog, graph, checks, flows, visited, images, files) -> str:
    spec = land.spectrum
    problem = _table(["data", "widths", "sigma", "L0", "parameters", "minimum"],
                     [[spec.name or "singular values", land.widths,
                       ", ".join(f"{s:.6g}" for s in spec.sigma), f"{spec.loss_offset:.10g}",
                       land.n_params, f"{land.minimum_value():.10g}"]])
    classes = _table(
        ["S", "value", "kind", "witness kind", "inertia (-, 0, +)", "orbit", "centre",
         "frustration F/W", "out-edges"],
        [[subset_label(r["subset"]), f"{r['value']:.10g}", r["kind"], r["witness_kind"],
          tuple(r["inertia"]), r["n_orbit"], r["centre_dim"], f"{f.normalized:.4g}",
          graph.out_degree(tuple(r["subset"]))]
         for r, f in zip(catalog.records(), catalog.frustration)])
    edges = _edge_table(graph)
    runs = _table(["start", "status", "final loss", "time", "classes visited"],
                  [[name.replace("_", " "), r.status.value, f"{r.loss[-1]:.10g}",
                    f"{r.t[-1]:.4g}", " → ".join(subset_label(s) for s in visited[name])]
                   for name, r in flows.items()])
    figures = "".join(
        f'<figure><img alt="{key}" src="data:image/png;base64,'
        f'{base64.b64encode(data).decode()}"><figcaption><a href="{files[key].name}">'
        f"{files[key].name}</a></figcaption></figure>" for key, data in images.items())
    links = "".join(f'<li><a href="{files[k].name}">{files[k].name}</a></li>'
                    for k in ("catalog", "catalog_arrays", "graph_graphml", "graph_json",
                              "flows"))
    style = ("body{font-family:sans-serif;max-width:60em;margin:auto}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;"
             "text-align:right}img{max-width:100%}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>landscape report"
            f"</title><style>{style}</style></head><body><h1>Loss landscape of a deep linear "
            f"network</h1><h2>Problem</h2>{problem}<h2>Critical classes</h2>{classes}"
            f"<h2>Saddle connections</h2><p>{html.escape(checks.summary)}</p>{edges}"
            f"<h2>Gradient flows</h2>{runs}<h2>Figures</h2>{figures}<h2>Files</h2>"
            f"<ul>{links}</ul></body></html>\n")


def write_report(land: Landscape, out, *, seed: int = DEFAULT_SEED, small_scale: float = 1e-3,
                 large_scale: float = 1.0, t_max: float = 1e9, graph_options=None,
                 n_jobs: int | None = None, client=None, progress: bool | None = None,
                 log=None) -> Report:
    """Map ``land`` and write the files listed in the module docstring to ``out``.

    Parameters
    ----------
    land : Landscape
    out : str or Path
        Output directory: new, empty or an earlier report, replaced as a whole (see the
        module docstring).
    seed : int
        Seeds the saddle graph's probes and the two random starts.
    small_scale, large_scale : float
        Sizes of the two random starts (:meth:`Landscape.random_weights`), in the flow's
        weight unit ``(sigma_1 / ||Sxx||^{1/2})^{1/h}`` (``sigma_1^{1/h}`` in reduced
        coordinates, :func:`landscape.flow.units.weight_unit`), so that every layer starts at
        the same size whatever the units of the data: a small start learns mode by mode
        through the top-``k`` saddles, a large one does not (Saxe, McClelland & Ganguli,
        ICLR 2014). A plateau is seen where the
        gradient is below ``1e-3 sigma_1^{(2h-1)/h}`` (:func:`landscape.flow.plateaus`); near
        the origin the gradient is about ``small_scale^{h-1}`` times that scale, so the
        default start is small enough to show the plateau at the origin too.
    t_max : float
        Time limit of the two flows, in the flow's time unit
        ``1 / (sigma_1^{2-2/h} ||Sxx||^{1/h})`` (:func:`landscape.flow.units.time_unit`).
    graph_options : dict, optional
        Keywords of :func:`landscape.saddle_graph` (its defaults, those of
        :class:`landscape.GraphOptions`, where not given; ``seed`` defaults to ``seed``).
    n_jobs : int, optional
        Run the saddle graph's blocks and classes and the two flows in ``n_jobs`` ``joblib``
        processes (``-1``: every core); serial by default. The report is the same.
    client : dask.distributed.Client, optional
        Run them on this Dask client instead (:class:`landscape._base.parallel.Executor`).
    progress : bool or None
        Progress of the long steps: ``True`` bars, ``False`` none, ``None`` (default) a bar on
        a terminal, else a plain line on standard error every 10 s.
    log : callable, optional
        Called with one line per step and one when it ends, with its duration (e.g.
        ``print``); silent by default.

    Returns
    -------
    Report

    Examples
    --------
    >>> import tempfile
    >>> from landscape import DataSpectrum
    >>> land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), widths=(2, 2, 2, 2))
    >>> report = write_report(land, tempfile.mkdtemp(), progress=False)
    >>> report.visited["small_start"]
    [(), (0,), (0, 1)]
    >>> sorted(edge for *edge, hop in report.graph.edges(data="hop") if hop == "one_hop")
    [[(), (0,)], [(), (1,)], [(0,), (0, 1)], [(1,), (0,)], [(1,), (0, 1)]]
    """
    check_landscape(land)
    small_scale = check_positive(small_scale, "small_scale")
    large_scale = check_positive(large_scale, "large_scale")
    t_max = flow_time(land, t_max, "t_max")  # the flow's own time from here on
    seed = check_int(seed, "seed", minimum=0)  # an integer: it also seeds the graph's options
    options = {"seed": seed, **(graph_options or {})}
    if {"n_jobs", "client"} & set(options):
        raise ValueError(f"graph_options must not hold n_jobs or client (arguments of "
                         f"write_report itself), got {sorted(options)}")
    executor = Executor(n_jobs=n_jobs, client=client)
    check_graph_size(land, max_classes=options.get("max_classes", MAX_GRAPH_CLASSES),
                     report=True, progress=progress)  # refused or announced before any work
    out, log, written = _report_directory(out), log or (lambda line: None), []

    def write(stage):
        written.append(_write_into(land, Path(stage), seed=seed, small_scale=small_scale,
                                   large_scale=large_scale, t_max=t_max, options=options,
                                   executor=executor, progress=progress, log=log))

    atomic_directory(out, write)
    files = {key: out / name for key, name in FILES.items()}
    log(f"      {files['html']}")
    return dataclasses.replace(written[0], out=out, files=files)


def _report_directory(out) -> Path:
    """``out`` as a report directory: absent, empty, or holding only a report's files."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out must be a directory, got the file {str(out)!r}")
    if out.is_dir():
        names = "|".join(re.escape(name) for name in FILES.values())
        ours = re.compile(rf"(?:{names})|\.(?:{names})\.[a-z0-9_]{{8}}(?:\.tmp)?(?:\.\w+)?")
        foreign = sorted(p.name for p in out.iterdir() if not ours.fullmatch(p.name)
                         or not p.is_file() or p.is_symlink())
        if foreign:
            raise ValueError(
                f"out must be a new or empty directory or an earlier report (it is replaced "
                f"as a whole), but {str(out)!r} also holds {', '.join(foreign[:5])}"
                f"{' ...' if len(foreign) > 5 else ''}; nothing was written")
    return out


def _write_into(land: Landscape, out: Path, *, seed, small_scale, large_scale, t_max, options,
                executor, progress, log) -> Report:
    """The steps of :func:`write_report`, every file written into the directory ``out``."""
    files = {key: out / name for key, name in FILES.items()}
    began = [time.monotonic()]

    def step(line):
        log(line)
        began[0] = time.monotonic()

    def done(line):  # the step's result and its duration
        log(f"      {line} ({format_duration(time.monotonic() - began[0])})")

    step(f"[1/5] critical classes of widths {land.widths}, with their curvature")
    catalog = enumerate_critical_points(land, curvature=True, frustration=True,
                                        progress=progress)
    done(f"{len(catalog)} classes")

    step("[2/5] saddle connections by perturbed integration")
    graph = saddle_graph(land, catalog=catalog, progress=progress, n_jobs=executor.n_jobs,
                         client=executor.client, **options)
    checks = check_saddle_graph(graph)
    catalog.save(files["catalog"])
    save_saddle_graph(graph, files["graph_graphml"])
    save_saddle_graph(graph, files["graph_json"])
    done(checks.summary)

    step("[3/5] gradient flows from a small and a large start")
    rng = check_seed(seed)
    names = ("small_start", "large_start")
    starts = [land.random_weights(scale=scale * weight_unit(land), seed=rng)
              for scale in (small_scale, large_scale)]
    flows, visited = dict.fromkeys(names), {}
    for index, (result, seconds) in executor.map(partial(_timed_flow, land, t_max, progress),
                                                 starts,
                                                 progress=progress, desc="gradient flows"):
        name = names[index]
        flows[name] = result
        visited[name] = [v.subset for v in trajectory_visits(land, result)[0]]
        log(f"      {name.replace('_', ' ')}: " + " -> ".join(map(subset_label, visited[name]))
            + f" ({format_duration(seconds)})")
    atomic_write_text(files["flows"], json.dumps(
        {name: _flow_summary(flows[name], visited[name]) for name in flows},
        indent=2, allow_nan=False) + "\n")
    step("[4/5] Hessian spectra of the saddles met")
    points = [catalog.lookup(subset) for subset in visited["small_start"]]
    saddles_met = {p.subset: classify(land, p.weights) for p in points
                   if p.kind is not CriticalKind.GLOBAL_MINIMUM}
    done(f"{len(saddles_met)} saddles")
    step("[5/5] figures, the training forecast of the small start and report.html")
    images = _figures(land, catalog, graph, flows, saddles_met)
    for key, data in images.items():
        _write_bytes(files[key], data)
    page = _html(land, catalog, graph, checks, flows, visited, images, files)
    atomic_write_text(files["html"], page.replace("<h2>Figures</h2>", forecast_section(
        land, starts[0], flows["small_start"]) + "<h2>Figures</h2>"))
    return Report(out=out, files=files, catalog=catalog, graph=graph, flows=flows,
                  visited=visited, saddles_met=saddles_met)
