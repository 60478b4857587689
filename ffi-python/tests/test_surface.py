"""The Python binding against the one written-down surface (tests/conformance/binding-surface.json): every
operation exists under its Python name with the listed parameters and defaults, every record
it returns carries the listed fields, and pay402 exports nothing beyond the operations, their
records and the documented extras."""
import inspect
import json
from pathlib import Path

import pytest

import pay402

SURFACE = json.loads((Path(__file__).resolve().parents[2] / "tests" / "conformance" / "binding-surface.json").read_text("utf-8"))
OPERATIONS = [op for op in SURFACE["operations"] if op["python"]]


def resolve(dotted):
    obj = pay402
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
        assert obj is not None, f"pay402.{dotted} does not exist"
    return obj


def parameters(fn):
    return [p for p in inspect.signature(fn).parameters.values() if p.name not in ("self", "cls")]


@pytest.mark.parametrize("op", OPERATIONS, ids=[op["name"] for op in OPERATIONS])
def test_operation_exists_with_the_listed_parameters_and_defaults(op):
    fn = resolve(op["python"])
    assert callable(fn)
    want = op["inputs"]["python"]
    got = parameters(fn)
    assert [p.name for p in got] == [w["name"] for w in want], op["python"]
    for p, w in zip(got, want):
        keyword_only = p.kind is inspect.Parameter.KEYWORD_ONLY
        assert keyword_only == w.get("keyword", False), f"{op['python']}({p.name}): keyword-only"
        if "default" in w:
            assert p.default is not inspect.Parameter.empty, f"{op['python']}({p.name}) has no default"
            assert p.default == w["default"], f"{op['python']}({p.name}) default {p.default!r}"
        else:
            assert p.default is inspect.Parameter.empty, f"{op['python']}({p.name}) has a default"


def record_types():
    for op in OPERATIONS:
        returns = op["returns"] if isinstance(op["returns"], list) else [op["returns"]]
        for name in returns:
            name = name.removesuffix("[]") if hasattr(name, "removesuffix") else name.rstrip("[]")
            if name in SURFACE["types"] and SURFACE["types"][name]["python"]:
                yield op["name"], name
    for name, t in SURFACE["types"].items():
        if t["python"]:
            yield "type", name


@pytest.mark.parametrize("where,type_name", sorted(set(record_types())))
def test_result_records_carry_the_listed_fields(where, type_name):
    t = SURFACE["types"][type_name]
    cls = resolve(t["python"])
    renames = t.get("field_names", {}).get("python", {})
    missing = [f for f in t["fields"] if not hasattr(cls, renames.get(f, f))]
    assert not missing, f"{t['python']} lacks {missing}"


def test_classes_exist():
    for c in SURFACE["classes"]:
        if c["python"]:
            assert inspect.isclass(resolve(c["python"])), c["python"]
        else:
            assert c["absent"]["python"]


def test_absent_operations_say_why():
    for op in SURFACE["operations"]:
        for lang in ("python", "js", "kotlin"):
            if op[lang] is None:
                assert op.get("absent", {}).get(lang), f"{op['name']}: {lang} absent without a reason"


def test_deprecated_names_are_the_same_objects():
    for old, new in SURFACE["deprecated_aliases"]["python"].items():
        assert getattr(pay402, old) is getattr(pay402, new), old


def test_nothing_public_beyond_the_surface():
    documented = {op["python"].split(".")[0] for op in OPERATIONS}
    documented |= {t["python"] for t in SURFACE["types"].values() if t["python"]}
    documented |= {c["python"] for c in SURFACE["classes"] if c["python"]}
    documented |= {n for g in SURFACE["extras"]["python"] for n in g["names"]}
    documented |= set(SURFACE["deprecated_aliases"]["python"])
    public = set(pay402.__all__) | {
        n for n, v in vars(pay402).items() if not n.startswith("_") and not inspect.ismodule(v)
    }
    assert sorted(public - documented) == [], "public in pay402 but not in tests/conformance/binding-surface.json"
    assert sorted(documented - public) == [], "in tests/conformance/binding-surface.json but not public in pay402"
