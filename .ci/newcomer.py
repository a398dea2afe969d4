"""The newcomer check: a fresh virtual environment, the README's first command, its promises.

Runs the first ``bash`` block of README.md verbatim in a new virtual environment from the
checkout's root, then checks that every file the README says ``landscape report`` writes
exists and that ``report.html`` links and embeds only files that exist.
"""

import re
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


class References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found += [v for k, v in attrs if k in ("href", "src") and v]


def main() -> int:
    command = re.search(r"```bash\n(.*?)\n```", README, re.S).group(1).strip()
    out = ROOT / re.search(r"--out (\S+)", command).group(1)
    promise = re.search(r"`landscape report --out DIR` writes(.*?)\n\n", README, re.S).group(1)
    promised = re.findall(r"`([\w.]+\.(?:json|npz|graphml|png|html))`", promise)
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        print(f"newcomer: {command}", flush=True)
        subprocess.run(["bash", "-c", f"source {venv}/bin/activate && {command}"], cwd=ROOT,
                       check=True)
    missing = [name for name in promised if not (out / name).is_file()]
    parser = References()
    parser.feed((out / "report.html").read_text())
    broken = [ref for ref in parser.found
              if not ref.startswith(("data:", "http://", "https://", "#"))
              and not (out / ref).is_file()]
    if not promised or missing or broken:
        print(f"newcomer: promised {promised}, missing {missing}, broken links {broken}")
        return 1
    print(f"newcomer: {len(promised)} promised files present; report.html references "
          f"{len(parser.found)} existing files or embedded images")
    return 0


if __name__ == "__main__":
    sys.exit(main())
