"""Data and weights files: read back exactly, rejected with a message naming the problem."""

import numpy as np
import pytest

from landscape import load_data_file, load_weights_file, save_weights_file


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
    with pytest.raises(ValueError, match="readable .npz"):
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
