"""Results rebuilt from a recorded switching: the catalog's frustration column is exact, saved,
loaded and validated against the weight its signs leave negative.
"""

import json

import numpy as np
import pytest
from signed_oracles import brute_force, switched_weight

from landscape import Catalog, DataSpectrum, Landscape, enumerate_critical_points


def test_catalog_frustration_column_is_exact_saved_and_validated(tmp_path):
    land = Landscape(DataSpectrum.from_dataset("linnerud"), (3, 2, 2, 3))
    catalog = enumerate_critical_points(land, frustration=True)
    column = catalog.frustration
    assert len(column) == len(catalog) == 7
    for point, res in zip(catalog, column):
        assert res.exact
        assert res.value == pytest.approx(brute_force(point.weights), abs=1e-12)
        assert switched_weight(point.weights, res.signs) == pytest.approx(res.value, abs=1e-12)
        if point.rank <= 1:  # zero network or an aligned rank-one chain: balanced
            assert res.value == 0.0
    assert max(res.value for res in column) > 0  # raw coordinates: rank-2 classes frustrated
    path = catalog.save(tmp_path / "linnerud.json")
    loaded = Catalog.load(path)
    for a, b in zip(column, loaded.frustration):
        assert (a.value, a.normalized, a.exact, a.method) == (b.value, b.normalized, b.exact,
                                                              b.method)
        np.testing.assert_array_equal(a.signs, b.signs)
        np.testing.assert_allclose(a.per_layer, b.per_layer)

    # without the column, the file format is the one before the column existed
    plain = enumerate_critical_points(land).save(tmp_path / "plain.json")
    assert "frustration" not in plain.read_text()
    assert Catalog.load(plain).frustration == [None] * 7

    frustrated = int(np.argmax([res.value for res in column]))

    def corrupt(edit):
        document = json.loads(path.read_text())
        edit(document["classes"][frustrated]["frustration"])
        broken = tmp_path / "broken.json"
        broken.write_text(json.dumps(document))
        return broken

    cases = [
        (lambda f: f.update(value=f["value"] / 2), "frustration.value must be the weight"),
        (lambda f: f.update(signs=f["signs"][:-1]), "signs must be a vector of n = 10"),
        (lambda f: f.update(method="best"), "method must be one of"),
        (lambda f: f.update(lower_bound=2 * f["value"]), "lower_bound must be in"),
        (lambda f: f.update(normalized=0.5), "normalized must be value / total weight"),
        (lambda f: f.pop("exact"), "must be null or hold the keys"),
    ]
    for edit, message in cases:
        with pytest.raises(ValueError, match=message):
            Catalog.load(corrupt(edit))
    with pytest.raises(TypeError, match="frustration must be True or False"):
        enumerate_critical_points(land, frustration="yes")
