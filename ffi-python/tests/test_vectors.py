"""Every case of every shared vector file (tests/conformance/vectors/*.json) through the Python API."""

from __future__ import annotations

import collections
import json
from typing import Any, Dict

import pytest

import vectors

CASES = vectors.load_cases()


def test_every_vector_file_is_loaded() -> None:
    files = {p.name for p in vectors.vector_files()}
    assert files, "no vector files found"
    assert "server-admit.json" in files
    assert files == {c[0] for c in CASES}
    assert len(CASES) > 3000


def test_every_op_in_the_vectors_is_mapped() -> None:
    ops = collections.Counter(c[2]["op"] for c in CASES)
    unknown = sorted(set(ops) - set(vectors.OPS) - set(vectors.NOT_EXPOSED))
    assert not unknown, f"unsupported ops in vectors: {unknown}"


def test_skipped_ops_are_named_and_not_also_mapped() -> None:
    # A skipped op is one the binding lacks: once mapped, it must leave NOT_EXPOSED.
    assert not set(vectors.NOT_EXPOSED) & set(vectors.OPS)
    assert all(reason for reason in vectors.NOT_EXPOSED.values())


def test_an_unknown_op_fails_instead_of_being_skipped() -> None:
    got = vectors.run("nope.op", {})
    with pytest.raises(AssertionError, match="unsupported op"):
        vectors.check({"ok": {}}, got)


@pytest.mark.parametrize(
    "file,case_id,case,raw_input",
    CASES,
    ids=[f"{c[1]}:{c[2].get('name', '')[:60]}" for c in CASES],
)
def test_vector(file: str, case_id: str, case: Dict[str, Any], raw_input: Any) -> None:
    reason = vectors.NOT_EXPOSED.get(case["op"])
    if reason is not None:
        pytest.skip(f"{case['op']}: {reason}")
    got = vectors.run(case["op"], case["input"], raw_input)
    try:
        vectors.check(case["expect"], got)
    except AssertionError as e:
        raise AssertionError(f"FAIL {case_id} ({case.get('name')}): {e}") from None
