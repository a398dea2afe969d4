"""Start-up: what ``import landscape``, the first use of its names and ``landscape --help`` cost
in a fresh interpreter, and which heavy libraries each loads.

``import landscape`` loads the package's ``__init__`` alone; a name loads its layer and the
layers below it on first use (``ls.Landscape``: the problem; ``ls.saddle_graph``: every layer
up to the connections); no layer imports scipy's integrators, optimisers or sparse matrices,
networkx, scikit-learn, matplotlib, torch or onnx, which load inside the functions that use them.
``landscape --help`` runs the console command, which builds the parser from every layer
below the command line (numpy, nothing heavier).

Target: ``import landscape`` and ``landscape --help`` under 0.5 s wall on a quiet machine,
so that a Ctrl-C rarely meets the import (the console command catches it there too:
``landscape_console``). The best of ``--repeat`` runs is printed; on a busy machine the CPU
column is the steadier figure. Run: ``python benchmarks/import_time.py [--repeat 5]``.
"""

import argparse
import shutil
import subprocess
import sys
import time

#: The libraries reported when a run loaded them.
HEAVY = ("numpy", "networkx", "scipy.integrate", "scipy.optimize", "scipy.sparse", "sklearn",
         "matplotlib", "torch", "onnx")

PROBE = f"""
import sys, time
wall, cpu = time.perf_counter(), time.process_time()
{{code}}
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(wall, cpu, *[name for name in {HEAVY!r} if name in sys.modules])
"""

#: What is timed: a label and the code run in a fresh interpreter.
CASES = (
    ("numpy", "import numpy"),
    ("scipy.integrate", "import scipy.integrate"),
    ("import landscape", "import landscape"),
    ("ls.Landscape", "import landscape as ls\nls.Landscape"),
    ("ls.gradient_flow", "import landscape as ls\nls.gradient_flow"),
    ("ls.saddle_graph", "import landscape as ls\nls.saddle_graph"),
    ("every layer", "import landscape as ls\nfor layer in ('connections', 'forecast', 'report',"
                    " 'plot'):\n    getattr(ls, layer)"),
    ("landscape.cli", "import landscape.cli"),
)


def timed(code: str, repeat: int) -> tuple[float, float, list[str]]:
    """Best wall and CPU seconds of ``code`` over ``repeat`` fresh interpreters, and the heavy
    libraries it loaded."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", PROBE.format(code=code)], check=True,
                             capture_output=True, text=True).stdout.split()
        runs.append((float(out[0]), float(out[1]), out[2:]))
    return min(r[0] for r in runs), min(r[1] for r in runs), runs[0][2]


def process_time(command: list[str], repeat: int) -> float:
    """Best wall seconds of the whole process ``command`` (interpreter start included)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{'':<18} {'wall s':>8} {'cpu s':>8}  libraries loaded")
    for label, code in CASES:
        wall, cpu, heavy = timed(code, args.repeat)
        print(f"{label:<18} {wall:>8.3f} {cpu:>8.3f}  {', '.join(heavy) or 'none'}")
    command = shutil.which("landscape")
    if command is not None:
        wall = process_time([command, "--help"], args.repeat)
        empty = process_time([sys.executable, "-c", "pass"], args.repeat)
        print(f"{'landscape --help':<18} {wall:>8.3f} {'':>8}  the whole process (an empty "
              f"interpreter: {empty:.3f} s)")


if __name__ == "__main__":
    main()
