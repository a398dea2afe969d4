"""Start-up: the time ``import landscape`` takes in a fresh interpreter, and the heavy
libraries it leaves unimported (scikit-learn, matplotlib and ``scipy.stats`` load on first
use: the estimator, a plot, a data set).

Target: well under 1 s, so that a Ctrl-C rarely meets the import (the console command
catches it there too: ``landscape_console``). Run: ``python benchmarks/import_time.py``.
"""

import subprocess
import sys

HEAVY = ("sklearn", "matplotlib", "scipy.stats", "torch")

PROBE = f"""
import sys, time
wall, cpu = time.perf_counter(), time.process_time()
import {{module}}
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(wall, cpu, *[name for name in {HEAVY!r} if name in sys.modules])
"""


def import_time(module: str, repeat: int = 5) -> tuple[float, float, list[str]]:
    """Best wall and CPU seconds of ``import module`` over ``repeat`` fresh interpreters,
    and the heavy libraries it imported."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], check=True,
                             capture_output=True, text=True).stdout.split()
        runs.append((float(out[0]), float(out[1]), out[2:]))
    return min(r[0] for r in runs), min(r[1] for r in runs), runs[0][2]


def main():
    print(f"{'import':<16} {'wall s':>8} {'cpu s':>8}  heavy libraries loaded")
    for module in ("numpy", "scipy.integrate", "landscape", "landscape.cli"):
        wall, cpu, heavy = import_time(module)
        print(f"{module:<16} {wall:>8.3f} {cpu:>8.3f}  {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
