"""`landscape report`: the numbers it writes are those of the library calls it wraps."""

import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest

import landscape as ls
from landscape import report as report_module
from landscape.cli import main
from landscape.problem.spectrum import load_dataset
from landscape.report import FILES, write_report

SIGMA = (2.0, 1.0, 0.5)
WIDTHS = (3, 3, 3, 3)


class References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found += [v for k, v in attrs if k in ("href", "src")]


@pytest.fixture(scope="module")
def land():
    return ls.Landscape(ls.DataSpectrum.from_singular_values(SIGMA), WIDTHS)


@pytest.fixture(scope="module")
def written(land, tmp_path_factory):
    return write_report(land, tmp_path_factory.mktemp("report"), seed=2, progress=False)


def test_every_file_is_written_and_the_html_references_only_them(written):
    assert sorted(written.files) == sorted(FILES)
    for path in written.files.values():
        assert path.is_file() and path.stat().st_size > 0
    parser = References()
    parser.feed(written.files["html"].read_text())
    local = [ref for ref in parser.found if not ref.startswith("data:image/png;base64,")]
    assert len(parser.found) - len(local) == 3  # the three figures, embedded
    assert local and all((written.out / ref).is_file() for ref in local)
    assert not list(written.out.glob(".*"))  # no temporary file left behind


def test_catalog_and_graph_are_the_library_results(land, written):
    expected = ls.enumerate_critical_points(land, curvature=True, frustration=True)
    loaded = ls.Catalog.load(written.files["catalog"])
    assert loaded.records() == expected.records()
    assert [f.value for f in loaded.frustration] == [
        ls.frustration(point.weights).value for point in expected]
    graph = ls.saddle_graph(land, catalog=expected, seed=2, progress=False)
    for key in ("graph_graphml", "graph_json"):
        loaded = ls.load_saddle_graph(written.files[key])
        assert sorted(loaded.edges) == sorted(graph.edges)
        for a, b in graph.edges:
            assert loaded.edges[a, b] == graph.edges[a, b]
    # the theory's connections S -> S + {i} are all there (THEORY §5)
    for subset in graph.nodes:
        for i in set(range(len(SIGMA))) - set(subset):
            assert (subset, tuple(sorted((*subset, i)))) in graph.edges


def test_small_start_visits_the_top_k_chain_and_the_html_says_so(land, written):
    top_k = [tuple(range(k)) for k in range(len(SIGMA) + 1)]
    assert written.visited["small_start"] == top_k
    flows = json.loads(written.files["flows"].read_text())
    assert [tuple(s) for s in flows["small_start"]["visited"]] == top_k
    assert flows["small_start"]["loss_final"] == pytest.approx(0.0, abs=1e-9)
    assert flows["large_start"]["status"] == "converged"
    # the saddles met are classified as the library classifies their representatives
    assert sorted(written.saddles_met) == top_k[:-1]
    for subset, found in written.saddles_met.items():
        point = written.catalog.lookup(subset)
        assert found.inertia == ls.classify(land, point.weights).inertia
    text = written.files["html"].read_text()
    for point in written.catalog:
        assert f"{point.value:.10g}" in text
    assert "{} → {0} → {0,1} → {0,1,2}" in text


def test_an_interrupted_report_leaves_the_old_directory(land, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    out = tmp_path / "report"
    out.mkdir()
    monkeypatch.setattr(report_module, "recorded_flow", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_report(land, out, progress=False)
    # the catalog and graph were written into the staging directory only, which is gone
    assert list(out.iterdir()) == [] and list(tmp_path.iterdir()) == [out]


def test_command_line_report(tmp_path, capsys):
    assert main(["report", "--sigma", "2,1", "--widths", "2,2,2", "--out", str(tmp_path),
                 "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    land = ls.Landscape(ls.DataSpectrum.from_singular_values([2, 1]), (2, 2, 2))
    catalog = ls.Catalog.load(tmp_path / FILES["catalog"])
    assert catalog.values.tolist() == [land.critical_value(s) for s in catalog.subsets]
    assert (tmp_path / FILES["html"]).is_file()


@pytest.mark.parametrize("scale", [1e150, 1e-150])
def test_report_of_rescaled_inputs_is_the_report_of_the_data(tmp_path, scale):
    """Starts and t_max in the flow's units: ``X`` scaled by ``1e+-150`` gives the same flows
    (times divided by ``scale^{2/h}``, the inputs' part of the time unit) and the same visits."""
    X, Y = load_dataset("linnerud")
    flows = []
    for factor in (1.0, scale):
        land = ls.Landscape(ls.DataSpectrum.from_data(factor * X, Y), (3, 3, 3, 3))
        report = write_report(land, tmp_path / f"{factor:g}", seed=1, progress=False,
                              graph_options={"random_probes": 1})
        flows.append(json.loads((report.out / FILES["flows"]).read_text()))
    for name in ("small_start", "large_start"):
        plain, scaled = flows[0][name], flows[1][name]
        assert plain["status"] == scaled["status"] == "converged"
        assert scaled["visited"] == plain["visited"]
        assert scaled["t_final"] * scale ** (2 / 3) == pytest.approx(plain["t_final"], rel=1e-3)
        assert scaled["loss_final"] == pytest.approx(plain["loss_final"], rel=1e-9)


@pytest.mark.parametrize("kwargs, match", [
    ({"small_scale": 0.0}, "small_scale must be"),
    ({"seed": -1}, "seed must be >= 0, got -1"),
    ({"t_max": np.nan}, "t_max must be"),
])
def test_bad_arguments_are_rejected_before_any_work(land, tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        write_report(land, tmp_path / "never", **kwargs)
    assert not (tmp_path / "never").exists()


def test_out_must_be_a_directory(land, tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("")
    with pytest.raises(ValueError, match=re.escape("out must be a directory, got the file")):
        write_report(land, target)
