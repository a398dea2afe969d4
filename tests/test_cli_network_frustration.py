"""``landscape frustration --model``: near-monotonicity on the command line, against the library
called directly, the torch model itself and a planted balanced network."""

import json
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

import landscape as ls
from landscape.cli import main

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
nn = torch.nn

from test_signed_active import SHAPE, planted_cnn  # noqa: E402

ARGS = ["--input-shape", ",".join(map(str, SHAPE)), "--quiet"]


def export(model, path):
    """The ONNX export (TorchScript exporter) of ``model`` in float64, inference mode."""
    model = model.double().eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros((1,) + SHAPE, dtype=torch.float64),), str(path),
                          dynamo=False)
    return str(path)


def relu_cnn(seed):
    """A small random ReLU CNN: convolution, max pooling, convolution, linear read-out."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(3, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))


def run(tmp_path, path, *extra):
    """The command's JSON."""
    out = tmp_path / "out.json"
    assert main(["frustration", "--model", path, *ARGS, "--json", str(out), *extra]) == 0
    return json.loads(out.read_text())


def torch_score(model, X, signs, seed, epsilon=1e-3, perturbations=8):
    """Near-monotonicity by torch itself: the perturbations drawn as THEORY §6.1 says,
    ``delta = eps D_x |eta|``, one standard Gaussian ``eta`` per perturbation."""
    d_x = signs[:int(np.prod(SHAPE))].reshape(SHAPE)
    model = model.double().eval()
    f = lambda Z: model(torch.from_numpy(Z)).detach().numpy()  # noqa: E731
    d_y = signs[-f(X[:1]).shape[1]:]
    rng, base, agree = np.random.default_rng(seed), f(X), np.zeros(len(X))
    for _ in range(perturbations):
        delta = epsilon * d_x * np.abs(rng.standard_normal(X.shape))
        agree += np.mean(d_y * (f(X + delta) - base) >= 0, axis=1)
    return agree / perturbations


def test_json_score_is_the_library_s_with_the_same_inputs_and_switching(tmp_path):
    for seed in range(3):
        model = relu_cnn(seed)
        path = export(model, tmp_path / f"net{seed}.onnx")
        X = np.random.default_rng(seed + 10).standard_normal((5,) + SHAPE)
        np.savez(tmp_path / "x.npz", X=X)
        payload = run(tmp_path, path, "--inputs", str(tmp_path / "x.npz"), "--seed", str(seed))
        result = ls.frustration(ls.signed_network(path, SHAPE), seed=seed)
        assert payload["value"] == result.value
        expected = ls.near_monotonicity(path, X, SHAPE, result=result, seed=seed)
        record = payload["near_monotonicity"]
        assert record["score"] == expected.score and record["n_inputs"] == 5
        assert record["per_input"] == expected.per_input.tolist()
        assert record["inputs"] == str(tmp_path / "x.npz") and "null" not in record
        # a second formulation: the torch module itself, perturbed the same way; rounding
        # could flip an output change that is exactly 0 in one evaluation, so within one
        n_out = 3 * 8
        np.testing.assert_allclose(record["per_input"], torch_score(model, X, result.signs,
                                                                     seed), atol=1.01 / n_out)


def test_default_inputs_are_gaussian_from_the_seed_and_compared_with_the_null(tmp_path):
    seed = 3
    path = export(relu_cnn(seed), tmp_path / "net.onnx")
    payload = run(tmp_path, path, "--seed", str(seed), "--monotonicity-inputs", "4", "--null",
                  "sign_shuffle", "--samples", "3", "--figure", str(tmp_path / "f.png"))
    X = np.random.default_rng(seed).spawn(1)[0].standard_normal((4,) + SHAPE)
    null = ls.frustration_vs_null(ls.signed_network(path, SHAPE), "sign_shuffle", 3, seed=seed)
    expected = ls.near_monotonicity(path, X, SHAPE, result=null.result, seed=seed,
                                    null="sign_shuffle", samples=3)
    record = payload["near_monotonicity"]
    assert record["inputs"] == "gaussian" and record["score"] == expected.score
    assert record["null"]["scores"] == expected.null_scores.tolist()
    assert record["null"]["p_value"] == expected.p_value
    assert record["null"]["mean"] == pytest.approx(np.mean(record["null"]["scores"]))
    assert (tmp_path / "f.png").stat().st_size > 5_000
    assert "near_monotonicity" not in run(tmp_path, path, "--monotonicity-inputs", "0")


def test_planted_balanced_network_scores_exactly_one(tmp_path):
    for seed in range(3):
        model, net, s = planted_cnn(seed)
        path = export(model, tmp_path / f"planted{seed}.onnx")
        payload = run(tmp_path, path, "--seed", str(seed), "--monotonicity-inputs", "6")
        assert payload["value"] == 0.0 and payload["exact"]
        record = payload["near_monotonicity"]
        assert record["score"] == 1.0 and record["per_input"] == [1.0] * 6


def test_table_has_a_near_monotonicity_section(tmp_path, capsys):
    path = export(relu_cnn(0), tmp_path / "net.onnx")
    assert main(["frustration", "--model", path, *ARGS, "--monotonicity-inputs", "2"]) == 0
    out = capsys.readouterr().out
    assert "near-monotonicity" in out and "perturbations" in out and "/Conv" in out


@pytest.mark.parametrize("extra, named", [
    (["--monotonicity-inputs", "-1"], "--monotonicity-inputs"),
    (["--monotonicity-inputs", "two"], "--monotonicity-inputs"),
    (["--inputs", "{x}", "--monotonicity-inputs", "4"], "not both"),
    (["--inputs", "{missing}"], "--inputs"),
    (["--inputs", "{no_x}"], "must hold an array X"),
    (["--inputs", "{wrong_shape}"], "--inputs"),
    (["--inputs", "{nan}"], "finite"),
    (["--inputs", "{objects}"], "--inputs"),
    (["--inputs", "{npy}"], "--inputs"),
])
def test_bad_options_exit_2_before_any_work(tmp_path, capsys, monkeypatch, extra, named):
    path = export(relu_cnn(0), tmp_path / "net.onnx")
    files = {"x": tmp_path / "x.npz", "missing": tmp_path / "none.npz",
             "no_x": tmp_path / "y.npz", "wrong_shape": tmp_path / "shape.npz",
             "nan": tmp_path / "nan.npz", "objects": tmp_path / "objects.npz",
             "npy": tmp_path / "x.npy"}
    good = np.zeros((2,) + SHAPE)
    np.savez(files["x"], X=good)
    np.savez(files["no_x"], Y=good)
    np.savez(files["wrong_shape"], X=np.zeros((2, 3, 8, 8)))
    np.savez(files["nan"], X=np.full((2,) + SHAPE, np.nan))
    np.savez(files["objects"], X=np.array([SimpleNamespace()], dtype=object))
    np.save(files["npy"], good)
    import landscape.cli.network_frustration as command

    def no_work(*args, **kwargs):
        raise AssertionError("the network was read before the options were checked")
    monkeypatch.setattr(command, "signed_network", no_work)
    extra = [a.format(**files) for a in extra]
    with pytest.raises(SystemExit) as exit_:
        main(["frustration", "--model", path, *ARGS, *extra, "--json", str(tmp_path / "o.json"),
              "--figure", str(tmp_path / "f.png")])
    assert exit_.value.code == 2 and named in capsys.readouterr().err
    assert not (tmp_path / "o.json").exists() and not (tmp_path / "f.png").exists()


def test_plot_near_monotonicity_draws_the_scores():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result = ls.NearMonotonicity(score=0.75, per_input=np.array([0.5, 1.0]), epsilon=1e-3,
                                 perturbations=8, frustration=0.2, null="random_signs",
                                 null_scores=np.array([0.25, 0.5, 0.5]), null_mean=0.4,
                                 null_std=0.1, z_score=3.5, p_value=0.25)
    ax = ls.plot_near_monotonicity(result)
    drawn = np.concatenate([line.get_ydata() for line in ax.get_lines()])
    assert {0.75, 0.5, 1.0, 0.25}.issubset(set(drawn.tolist()))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["network", "random signs null"]
    plt.close(ax.figure)
    with pytest.raises(TypeError, match="NearMonotonicity"):
        ls.plot_near_monotonicity(0.75)
