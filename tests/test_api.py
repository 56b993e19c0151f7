"""Guard rails: the public surface, docstrings, optional dependencies, and the clock."""

from __future__ import annotations

import ast
import contextlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import tradeclock

SRC = Path(tradeclock.__file__).parent

API_PAGE = (SRC.parents[1] / "docs" / "api.md").read_text(encoding="utf-8")
#: what docs/api.md shows: ``::: tradeclock.NAME`` (a name of the package) or a module
SHOWN = re.findall(r"^::: tradeclock\.([A-Za-z_]+)$", API_PAGE, re.MULTILINE)
PUBLIC_MODULES = {
    "money",
    "workdays",
    "service",
    "queue",
    "batch",
    "generate",
    "top",
    "diagram",
    "timeline",
    "words",
    "sources",
    "testing",
}
DOCUMENTED = {name for name in SHOWN if name not in PUBLIC_MODULES}


def test_all_is_the_documented_api() -> None:
    assert set(tradeclock.__all__) == DOCUMENTED
    assert {name for name in SHOWN if name in PUBLIC_MODULES} == PUBLIC_MODULES
    assert len(SHOWN) == len(set(SHOWN))  # each once
    for name in tradeclock.__all__:
        assert getattr(tradeclock, name) is not None


def _public_ids() -> set[int]:
    import importlib

    ids = {id(getattr(tradeclock, n)) for n in tradeclock.__all__}
    for module in PUBLIC_MODULES:
        mod = importlib.import_module(f"tradeclock.{module}")
        ids |= {id(getattr(mod, n)) for n in mod.__all__}
    return ids


def _classes(tp: object, out: set[type]) -> None:
    import typing

    if typing.get_origin(tp) is not None:
        for arg in typing.get_args(tp):
            _classes(arg, out)
    elif isinstance(tp, type) and tp.__module__.startswith("tradeclock"):
        out.add(tp)


def test_every_type_a_public_name_returns_or_holds_is_public() -> None:
    import enum
    import typing

    public = _public_ids()
    found: dict[str, str] = {}
    todo = [getattr(tradeclock, n) for n in tradeclock.__all__]
    seen: set[int] = set()
    while todo:
        obj = todo.pop()
        if id(obj) in seen or (not callable(obj) and not isinstance(obj, property)):
            continue
        seen.add(id(obj))
        fn = obj.fget if isinstance(obj, property) else obj
        hints: dict[str, object] = {}
        with contextlib.suppress(NameError, TypeError):
            hints = typing.get_type_hints(fn)  # a class: its fields; a function: its return
        wanted = hints if isinstance(fn, type) else {"return": hints.get("return")}
        classes: set[type] = set()
        for name, tp in wanted.items():
            if not name.startswith("_"):
                _classes(tp, classes)
        for cls in classes:
            if id(cls) not in public:
                found[f"{cls.__module__}.{cls.__name__}"] = getattr(fn, "__qualname__", "?")
            todo.append(cls)
        if isinstance(fn, type) and not issubclass(fn, enum.Enum):
            todo += [
                member
                for attr, member in vars(fn).items()
                if not attr.startswith("_") and (callable(member) or isinstance(member, property))
            ]
    assert found == {}


def test_every_public_name_has_a_docstring() -> None:
    for name in tradeclock.__all__:
        obj = getattr(tradeclock, name)
        if callable(obj) and not isinstance(obj, type(tradeclock.TAOBAO)):
            assert (obj.__doc__ or "").strip(), name
    for cls in (tradeclock.Order, tradeclock.RuleSet, tradeclock.Status):
        for attr, member in vars(cls).items():
            if callable(member) and not attr.startswith("_"):
                assert (member.__doc__ or "").strip(), f"{cls.__name__}.{attr}"


def test_import_loads_no_optional_or_edge_dependency() -> None:
    code = (
        "import sys, tradeclock; "
        "optional = ('hypothesis', 'pendulum', 'tomllib', 'mcp', 'jsonschema'); "
        "print(sorted(m for m in optional if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    # pendulum is imported only to parse ISO durations and to word the CLI's "time left"
    assert out == "['tomllib']" or out == "[]"


def test_library_code_never_reads_the_wall_clock() -> None:
    pattern = re.compile(
        r"datetime\.now|datetime\.utcnow|pendulum\.now|pendulum\.today|"
        r"time\.time\(|date\.today"
    )
    for path in SRC.glob("*.py"):
        if path.name in ("_cli.py", "_mcp_server.py"):  # the edges that may default `now`
            continue
        assert not pattern.search(path.read_text(encoding="utf-8")), path.name


def test_no_duration_literal_outside_the_rule_tables() -> None:
    # every rule's number of days or hours lives in _presets.py; elsewhere only the unit "1 day"
    # (the next local day) may appear as a literal. The test kit and the data generator draw
    # sample times (UTC offsets, spans between events), which are not rules.
    for path in SRC.glob("*.py"):
        if path.name in ("_presets.py", "_rules.py", "testing.py", "generate.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "timedelta":
                for kw in node.keywords:
                    if isinstance(kw.value, ast.Constant) and kw.arg in (
                        "days",
                        "hours",
                        "minutes",
                    ):
                        assert kw.value.value == 1, f"{path.name}:{node.lineno}"


def test_machines_are_declared_without_auto_transitions() -> None:
    from tradeclock._machine import ORDER_MACHINE, REFUND_MACHINE

    for machine in (ORDER_MACHINE, REFUND_MACHINE):
        assert not any(name.startswith("to_") for name in machine.events)
        assert machine.models == []  # one shared definition, no order registered on it


def test_py_typed_is_shipped() -> None:
    assert (SRC / "py.typed").is_file()


def test_the_type_check_sees_a_type_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    # the control: without Ratings in __all__, Status.ratings holds a type that is not public
    monkeypatch.setattr(tradeclock, "__all__", [n for n in tradeclock.__all__ if n != "Ratings"])
    with pytest.raises(AssertionError, match="Ratings"):
        test_every_type_a_public_name_returns_or_holds_is_public()


def test_no_module_imports_another_modules_underscore_names() -> None:
    found = []
    for path in sorted(SRC.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            # a private module may be imported (``from . import _rules``); a name may not
            if isinstance(node, ast.ImportFrom) and node.level >= 1 and node.module:
                found += [
                    f"{path.name}: from .{node.module} import {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_")
                ]
    assert found == []


def test_every_module_is_private_or_documented() -> None:
    modules = {p.stem for p in SRC.glob("*.py")} - {"__init__", "__main__"}
    assert {m for m in modules if not m.startswith("_")} == PUBLIC_MODULES


def test_a_traceback_names_an_error_as_it_is_imported() -> None:
    import pickle

    err = tradeclock.NotAllowed("no", order_id="A1")
    assert type(err).__module__ == "tradeclock"  # tradeclock.NotAllowed: ..., not a private path
    assert type(pickle.loads(pickle.dumps(err))) is tradeclock.NotAllowed
