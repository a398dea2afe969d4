"""The README's Python API block runs as written (on a small data set of the test's own)."""

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parent.parent / "README.md"


def test_python_api_block_runs(tmp_path, monkeypatch):
    block = re.search(r"## Python API\n\n```python\n(.*?)```", README.read_text(), re.S).group(1)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 4))
    Y = X @ rng.standard_normal((4, 2)) + 0.1 * rng.standard_normal((40, 2))
    monkeypatch.chdir(tmp_path)
    namespace = {"X": X, "Y": Y}
    exec(compile(block, str(README), "exec"), namespace)
    assert (tmp_path / "graph.graphml").is_file()
    assert namespace["point"].subset == (0, 1)  # the small start ends at the global minimum
    assert namespace["model"].critical_path_[-1] == (0, 1)
