"""Data and weights files: read back exactly, rejected with a message naming the problem."""

import sys

import numpy as np
import pytest

import landscape as ls
from landscape import load_data_file, load_network_file, load_weights_file, save_weights_file


def write_csv(path, text):
    path.write_text(text)
    return path


def test_npz_and_csv_give_the_same_samples(tmp_path):
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((7, 3)), rng.standard_normal((7, 2))
    np.savez(tmp_path / "d.npz", X=X, Y=Y)
    lines = ["a,b,c,y1,y2"] + [",".join(repr(float(v)) for v in row) for row in np.hstack([X, Y])]
    write_csv(tmp_path / "d.csv", "\n".join(lines) + "\n")
    Xn, Yn = load_data_file(tmp_path / "d.npz")
    Xc, Yc = load_data_file(tmp_path / "d.csv", y_cols=["y1", "y2"])
    np.testing.assert_array_equal(Xn, X)
    np.testing.assert_array_equal(Yn, Y)
    np.testing.assert_array_equal(Xc, X)
    np.testing.assert_array_equal(Yc, Y)
    Xs, Ys = load_data_file(tmp_path / "d.csv", x_cols=["c", "a"], y_cols=["y2"])
    np.testing.assert_array_equal(Xs, X[:, [2, 0]])
    np.testing.assert_array_equal(Ys, Y[:, [1]])


def test_npz_one_dimensional_target_is_one_column(tmp_path):
    np.savez(tmp_path / "d.npz", X=np.eye(3), Y=np.arange(3.0))
    assert load_data_file(tmp_path / "d.npz")[1].shape == (3, 1)


@pytest.mark.parametrize("text, kwargs, match", [
    ("a,y\n1,2\n", {"y_cols": ["z"]}, r"no column\(s\) \['z'\]"),
    ("a,y\n1,oops\n", {"y_cols": ["y"]}, r"line 2, column 'y' must be numeric, got 'oops'"),
    ("a,y\n1,nan\n", {"y_cols": ["y"]}, r"line 2, column 'y' must be finite"),
    ("a,y\n1\n", {"y_cols": ["y"]}, r"line 2 must have 2 cells, got 1"),
    ("a,y\n", {"y_cols": ["y"]}, r"header row and at least one data row"),
    ("a,y\n1,2\n", {}, r"y_cols must name the target columns"),
])
def test_bad_csv_files_are_rejected(tmp_path, text, kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_data_file(write_csv(tmp_path / "d.csv", text), **kwargs)


def test_bad_npz_files_are_rejected(tmp_path):
    np.savez(tmp_path / "only_x.npz", X=np.eye(2))
    with pytest.raises(ValueError, match=r"must hold arrays 'X' and 'Y', missing \['Y'\]"):
        load_data_file(tmp_path / "only_x.npz")
    np.savez(tmp_path / "nan.npz", X=np.array([[np.nan, 1.0]]), Y=np.ones((1, 1)))
    with pytest.raises(ValueError, match="finite"):
        load_data_file(tmp_path / "nan.npz")
    np.savez(tmp_path / "obj.npz", X=np.array([{"a": 1}], dtype=object), Y=np.ones((1, 1)))
    with pytest.raises(ValueError, match="readable .npz"):
        load_data_file(tmp_path / "obj.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match=r"must be a \.npz archive .*got not a zip archive"):
        load_data_file(tmp_path / "junk.npz")
    with pytest.raises(ValueError, match="must end in .npz or .csv"):
        load_data_file(write_csv(tmp_path / "d.txt", "1"))
    with pytest.raises(ValueError, match="must exist"):
        load_data_file(tmp_path / "missing.npz")


def test_weights_round_trip_and_validation(tmp_path):
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal((3, 2)), rng.standard_normal((4, 3))]
    path = save_weights_file(tmp_path / "w.npz", weights)
    back = load_weights_file(path)
    assert len(back) == 2 and all(np.array_equal(a, b) for a, b in zip(weights, back))
    assert [p.name for p in tmp_path.iterdir()] == ["w.npz"]  # no temporary file left
    np.savez(tmp_path / "bad.npz", W1=np.eye(2), W3=np.eye(2))
    with pytest.raises(ValueError, match=r"named W1..Wh"):
        load_weights_file(tmp_path / "bad.npz")


# ---------------------------------------------------------------------- framework weights
def test_framework_names_are_read_in_layer_order(tmp_path):
    rng = np.random.default_rng(2)
    widths = list(rng.integers(1, 5, 13))
    layers = {f"layers.{j}.weight": rng.standard_normal((widths[j + 1], widths[j]))
              for j in range(12)}
    names = list(layers)
    rng.shuffle(names)                       # file order is not layer order
    np.savez(tmp_path / "net.npz", **{name: layers[name] for name in names})
    net = load_network_file(tmp_path / "net.npz")
    assert net.names == tuple(f"layers.{j}.weight" for j in range(12))   # 10 after 2
    assert net.widths == tuple(widths) and not net.has_biases
    assert all(np.array_equal(w, layers[f"layers.{j}.weight"]) for j, w in enumerate(net.weights))
    # names without numbers: the file's order
    np.savez(tmp_path / "named.npz", **{"encoder.weight": np.ones((2, 3)),
                                         "encoder.bias": np.zeros(2),
                                         "decoder.weight": np.ones((1, 2))})
    net = load_network_file(tmp_path / "named.npz")
    assert net.names == ("encoder.weight", "decoder.weight") and net.widths == (3, 2, 1)
    assert net.biases[0].tolist() == [0.0, 0.0] and net.biases[1] is None
    assert [w.shape for w in load_weights_file(tmp_path / "named.npz")] == [(2, 3), (1, 2)]
    assert "widths=(3, 2, 1)" in repr(net)


@pytest.mark.parametrize("arrays, match", [
    ({"0.weight": np.ones((2, 3)), "bn.running_mean": np.ones(2)}, r"\['bn.running_mean'\]"),
    ({"0.weight": np.ones((2, 3)), "1.weight": np.ones((2, 3))},
     r"layer '1.weight' must have 2 columns \(the outputs of .*layer '0.weight'"),
    ({"0.weight": np.ones((2, 3)), "0.bias": np.ones(3)}, "must have 2 entries, got 3"),
    ({"0.bias": np.ones(3)}, r"missing \['0.weight'\]"),
    ({"0.weight": np.ones(3)}, "2-D"),
    ({}, "at least one layer"),
])
def test_bad_framework_files_are_refused(tmp_path, arrays, match):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match=match):
        load_network_file(tmp_path / "bad.npz")


def test_safetensors_files(tmp_path, monkeypatch):
    weights = {"fc1.weight": np.arange(6.0).reshape(2, 3), "fc1.bias": np.ones(2),
               "fc2.weight": np.ones((1, 2))}
    safetensors = pytest.importorskip("safetensors.numpy")
    safetensors.save_file(weights, str(tmp_path / "net.safetensors"))
    net = load_network_file(tmp_path / "net.safetensors")
    assert net.names == ("fc1.weight", "fc2.weight") and net.widths == (3, 2, 1)
    assert np.array_equal(net.weights[0], weights["fc1.weight"])
    (tmp_path / "junk.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{not json")
    with pytest.raises(ValueError, match="readable .safetensors"):
        load_network_file(tmp_path / "junk.safetensors")


def test_safetensors_without_the_package_says_how_to_install_it(tmp_path, monkeypatch):
    (tmp_path / "net.safetensors").write_bytes(b"")
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match=r"pip install 'landscape\[safetensors\]'"):
        load_network_file(tmp_path / "net.safetensors")
    with pytest.raises(ValueError, match=r"\.npz or \.safetensors"):
        load_network_file(tmp_path / "net.pt")


def _train_affine(X, Y, widths, *, seed, steps, step):
    """Gradient descent on the affine network W_h(...(W_1 x + b_1)...) + b_h, raw data."""
    rng = np.random.default_rng(seed)
    weights = [0.3 * rng.standard_normal((d_out, d_in)) for d_in, d_out in zip(widths, widths[1:])]
    biases = [np.zeros(d) for d in widths[1:]]
    n = X.shape[0]
    for _ in range(steps):
        outputs = [X]
        for w, b in zip(weights, biases):
            outputs.append(outputs[-1] @ w.T + b)
        grad = (outputs[-1] - Y) / n
        for j in reversed(range(len(weights))):
            grad_w, grad_b = grad.T @ outputs[j], grad.sum(axis=0)
            grad = grad @ weights[j]
            weights[j] = weights[j] - step * grad_w
            biases[j] = biases[j] - step * grad_b
    return weights, biases


def test_a_network_with_biases_on_uncentred_data_is_its_bias_free_equivalent(tmp_path):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((80, 4)) + [2.0, -1.0, 0.5, 1.5]           # uncentred
    Y = X @ rng.standard_normal((4, 3)) + [4.0, -2.0, 1.0] + 0.1 * rng.standard_normal((80, 3))
    widths = (4, 2, 2, 3)
    weights, biases = _train_affine(X, Y, widths, seed=5, steps=6000, step=0.02)
    np.savez(tmp_path / "torch.npz", **{f"{k}.{j}.{name}": value
                                        for j, (w, b) in enumerate(zip(weights, biases))
                                        for k, name, value in (("net", "weight", w),
                                                               ("net", "bias", b))})
    net = load_network_file(tmp_path / "torch.npz")
    assert net.widths == widths and net.has_biases
    land = ls.Landscape(ls.DataSpectrum.from_data(X, Y), net.widths)    # centred
    # the affine loss on raw data is the bias-free loss on centred data plus the constant's
    # share 1/2 ||mean residual||^2, which training the output bias drives to zero
    outputs = X
    for w, b in zip(weights, biases):
        outputs = outputs @ w.T + b
    affine_loss = 0.5 * np.sum((Y - outputs) ** 2) / X.shape[0]
    mean_residual = np.mean(Y - outputs, axis=0)
    where = ls.locate(land, net.weights)
    assert where.loss + 0.5 * mean_residual @ mean_residual == pytest.approx(affine_loss,
                                                                             rel=1e-12)
    assert 0.5 * mean_residual @ mean_residual < 1e-4 * affine_loss
    # its class: the bias-free network trained on centred data from the same start
    Xc, Yc = X - X.mean(axis=0), Y - Y.mean(axis=0)
    plain, _ = _train_affine(Xc, Yc, widths, seed=5, steps=6000, step=0.02)
    assert where.subset == ls.locate(land, plain).subset == (0, 1)
    found = ls.classify(land, net.weights)
    assert found.kind is ls.CriticalKind.GLOBAL_MINIMUM and found.subset == (0, 1)
    assert found.value == pytest.approx(land.minimum_value(), abs=1e-9)


# ---------------------------------------------------------------------- unbounded inputs
def npz_claiming(path, shape, payload=b"\0" * 64):
    """An .npz whose X.npy header claims ``shape`` (float64) over a short body: what a
    compressed bomb looks like before decompression."""
    import io
    import zipfile

    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": shape})
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("X.npy", header.getvalue() + payload)
        archive.writestr("Y.npy", header.getvalue() + payload)
    return path


def test_an_npz_bomb_is_refused_from_its_header(tmp_path):
    path = npz_claiming(tmp_path / "bomb.npz", (1_000_000, 1_000))
    with pytest.raises(ValueError, match=r"bomb\.npz:X must hold at most MAX_ARRAY_BYTES = 4 "
                                         r"GiB once decompressed, got shape \(1000000, 1000\) of "
                                         r"float64 \(7\.45 GiB"):
        load_data_file(path)


def test_arrays_over_the_limit_are_refused_before_decompression(tmp_path, monkeypatch):
    import landscape.problem.datafiles as datafiles

    X = np.zeros((1000, 20))
    np.savez_compressed(tmp_path / "d.npz", X=X, Y=X[:, :2])
    monkeypatch.setattr(datafiles, "MAX_ARRAY_BYTES", X.nbytes - 1)
    monkeypatch.setattr(np, "load", lambda *a, **k: pytest.fail("decompressed"))
    with pytest.raises(ValueError, match=r"d\.npz:X must hold at most"):
        load_data_file(tmp_path / "d.npz")


def test_a_wide_csv_header_reads_in_linear_time(tmp_path):
    n = 100_000
    names = [f"c{k}" for k in range(n)]
    path = write_csv(tmp_path / "wide.csv", ",".join(names) + "\n" + ",".join("1" * n) + "\n")
    X, Y = load_data_file(path, y_cols=["c7"])  # quadratic name checks would take minutes
    assert X.shape == (1, n - 1) and Y.shape == (1, 1)
    with pytest.raises(ValueError, match=r"has no column\(s\) \['zz'\]; columns are \['c0', "
                                         r".* and 99,980 more"):
        load_data_file(path, y_cols=["zz"])


@pytest.mark.parametrize("where", ["header", "field"])
def test_a_field_beyond_the_csv_limit_is_a_clear_error(tmp_path, where):
    long = "x" * 200_000
    text = f"{long},y\n1,2\n" if where == "header" else f"a,y\n{long},2\n"
    path = write_csv(tmp_path / "long.csv", text)
    line = 1 if where == "header" else 2
    with pytest.raises(ValueError, match=rf"long\.csv line {line} must be a CSV row of fields "
                                         rf"of at most 131,072 characters"):
        load_data_file(path, y_cols=["y"])


def test_a_long_column_name_is_cut_in_messages(tmp_path):
    long = "n" * 100_000
    path = write_csv(tmp_path / "names.csv", f"{long},y\n1,2\n")
    with pytest.raises(ValueError) as error:
        load_data_file(path, y_cols=["q"])
    assert len(str(error.value)) < 300 and "nnnn..." in str(error.value)
