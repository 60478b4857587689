"""Runs every ```python block of ffi-python/README.md, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "ffi-python" / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_verify_sign_and_l402_examples() -> None:
    assert len(BLOCKS) >= 2
    assert any("verify_payment" in b for b in BLOCKS)
    assert any("sign_payment" in b and "with_wallet_signature" in b for b in BLOCKS)
    assert any("l402_verify_authorization" in b and "l402_check_challenge" in b for b in BLOCKS)


def test_readme_examples_run() -> None:
    for n, block in enumerate(BLOCKS):
        exec(compile(block, f"README.md[python block {n}]", "exec"), {"__name__": f"readme_{n}"})
