"""Optional features without their extra: in a subprocess where the packages of every extra are
made unimportable, pay402 and its pure-Python modules import, each optional feature fails with
pay402.errors.MissingExtra naming its extra, and the README examples that need no extra run. (The
fresh-venv step of ffi-python/tests/run.sh does the same with each extra really installed alone.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from readme_blocks import FEATURES, blocks, distributions, extras

HIDE = sorted(distributions(frozenset(extras())) | {"starlette"})

SCRIPT = """
import importlib.abc, sys
HIDDEN = set(sys.argv[1].split(","))

class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Hide())
sys.path.insert(0, sys.argv[2])
import readme_blocks
checked = readme_blocks.check_missing_extras()
ran = readme_blocks.run(frozenset(), {"__name__": "readme"})
print(len(checked), len(ran))
"""


def test_features_without_their_extra_name_it() -> None:
    tests = str(Path(__file__).resolve().parent)
    out = subprocess.run([sys.executable, "-c", SCRIPT, ",".join(HIDE), tests], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    checked, ran = map(int, out.stdout.split())
    assert checked == len(FEATURES)
    assert ran == len([b for b in blocks() if not b.needs]) >= 8
