"""The plain-install check: build the wheel, install it (not editable) in a fresh environment,
import every subpackage of the source tree from it, and run ``landscape --help``.

An editable install reads the package from the checkout and hides a wheel that lacks a
subpackage; this check runs from a temporary directory, so only the installed wheel is seen.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    packages = sorted(".".join(p.parent.relative_to(ROOT).parts)
                      for p in (ROOT / "landscape").rglob("__init__.py"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                        "--wheel-dir", str(tmp / "dist"), str(ROOT)], check=True)
        wheel = next((tmp / "dist").glob("landscape-*.whl"))
        subprocess.run([sys.executable, "-m", "venv", str(tmp / "venv")], check=True)
        python = tmp / "venv" / "bin" / "python"
        subprocess.run([python, "-m", "pip", "install", "--quiet", str(wheel)], check=True)
        imports = "; ".join(f"import {name}" for name in packages)
        subprocess.run([python, "-c", f"{imports}; import landscape; "
                        f"assert 'site-packages' in landscape.__file__, landscape.__file__"],
                       cwd=tmp, check=True)
        subprocess.run([tmp / "venv" / "bin" / "landscape", "--help"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
    print(f"wheel check: {wheel.name} imports {len(packages)} packages and runs landscape --help")
    return 0


if __name__ == "__main__":
    sys.exit(main())
