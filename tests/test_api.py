"""Guard rails: the public surface, docstrings, optional dependencies, and the clock."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import tradeclock

SRC = Path(tradeclock.__file__).parent

DOCUMENTED = {
    "CONSTRAINTS",
    "PRESETS",
    "TAOBAO",
    "TMALL",
    "AutoEvent",
    "Constraint",
    "Deadline",
    "Event",
    "EventType",
    "Fired",
    "InvalidInput",
    "Line",
    "LineStatus",
    "Method",
    "NotAllowed",
    "Order",
    "OrderState",
    "OutOfOrder",
    "Outcome",
    "Party",
    "Reason",
    "Receipt",
    "RefundState",
    "RefundView",
    "Rule",
    "RuleRegistry",
    "RuleSet",
    "Status",
    "StorageError",
    "TradeclockError",
    "RulesMismatch",
    "VersionConflict",
    "get_rules",
    "load",
    "load_rules",
    "parse_event",
}


def test_all_is_the_documented_api() -> None:
    assert set(tradeclock.__all__) == DOCUMENTED
    for name in tradeclock.__all__:
        assert getattr(tradeclock, name) is not None


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
        if path.name in ("cli.py", "mcp_server.py"):  # the edges that may default `now`
            continue
        assert not pattern.search(path.read_text(encoding="utf-8")), path.name


def test_no_duration_literal_outside_the_rule_tables() -> None:
    # every rule's number of days or hours lives in rules.py; elsewhere only the unit "1 day"
    # (the next local day) may appear as a literal. The test kit and the data generator draw
    # sample times (UTC offsets, spans between events), which are not rules.
    for path in SRC.glob("*.py"):
        if path.name in ("rules.py", "testing.py", "generate.py"):
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
    from tradeclock.machine import ORDER_MACHINE, REFUND_MACHINE

    for machine in (ORDER_MACHINE, REFUND_MACHINE):
        assert not any(name.startswith("to_") for name in machine.events)
        assert machine.models == []  # one shared definition, no order registered on it


def test_py_typed_is_shipped() -> None:
    assert (SRC / "py.typed").is_file()
