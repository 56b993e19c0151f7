"""Rule-mutation check: change each rule a little and show that some test fails.

    python scripts/mutants.py [--jobs 2] [--only SUBSTRING] [--markdown]

For every timer rule of both presets: its duration (or an extension's allowed values) one hour
and one day longer and shorter. For every automatic event: a different target state. For every
timer the Taobao preset declares: never started, never stopped (``stop_on`` and ``runs_in``
emptied), its variant ignored (``when`` emptied), the other resume modes; and no timer paused
by an open refund. Each mutant runs the suite in its own pytest process, stopping at
the first failure, which is the test that "caught" it. The table's id column is the mutant's
name. Exit status 1 if any mutant survives.

The same file is the pytest plugin that applies a mutant: ``TRADECLOCK_MUTANT=NAME pytest
-p mutants`` (with this folder on PYTHONPATH) changes the library in memory before any test
runs. The table-value tests (tests/test_rules.py::test_rule_table_values, test_money_windows)
are left out of the run, so that behaviour, not a copy of the table, has to catch each change.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType

ROOT = Path(__file__).resolve().parents[1]
TESTS = [
    "tests/test_rules.py",
    "tests/test_engine.py",
    "tests/test_service.py",
    "tests/test_money.py",
    "tests/test_after_success.py",
    "tests/test_law.py",
    "tests/test_intervention.py",
    "tests/test_golden.py",
    "tests/test_errors.py",
    "tests/test_properties.py",
    "tests/test_stateful.py",
]
SKIP = [
    "tests/test_rules.py::test_rule_table_values",
    "tests/test_rules.py::test_money_windows",
]
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
SHIFTS = {"+1h": HOUR, "-1h": -HOUR, "+1d": DAY, "-1d": -DAY}

# automatic (or internal) event -> (its machine, the wrong destination it is sent to)
TARGETS = {
    "auto_close": ("order", "paid"),
    "pay_reminder": ("order", "closed"),
    "dispatch_due": ("order", "closed"),
    "auto_confirm": ("order", "closed"),
    "return_window_end": ("order", "success"),
    "full_refund": ("order", "success"),
    "auto_refund": ("refund", "closed"),
    "auto_agree": ("refund", "success"),
    "refund_close": ("refund", "success"),
    "evidence_due": ("refund", "closed"),
    "closed_by_shipment": ("refund", "success"),
    "rating_window_end": ("order", "closed"),
    "after_sale_window_end": ("order", "closed"),
    "legal_return_window_end": ("order", "closed"),
    "seller_evidence_due": ("refund", "closed"),
    "legal_address_due": ("refund", "closed"),
    "legal_refund_due": ("refund", "closed"),
    "legal_refund_overdue": ("refund", "closed"),
}


def mutants() -> dict[str, Callable[[], None]]:
    """Every mutant by name, as a function that applies it to the imported library."""
    import tradeclock as tc

    out: dict[str, Callable[[], None]] = {}
    for preset in (tc.TAOBAO, tc.TMALL):
        for rule in preset:
            for label, shift in SHIFTS.items():
                name = f"{preset.name}:{rule.id}:{label}"
                out[name] = _shift(preset, rule.id, shift)
    for trigger, (machine, dest) in TARGETS.items():
        out[f"target:{trigger}->{dest}"] = _retarget(machine, trigger, dest)
    # the timer declarations (engine v2): each field changed on the Taobao preset
    pausing = [r.id for r in tc.TAOBAO if r.resume is not None]
    out["pause:removed"] = _evolve_all([(tc.TAOBAO, rid, {"resume": None}) for rid in pausing])
    for rule in tc.TAOBAO:
        if not rule.start_on:
            continue
        out[f"start:{rule.id}:never"] = _evolve(tc.TAOBAO, rule.id, start_on=())
        # a timer that only runs in success with nothing to stop it: no state leaves success,
        # so never stopping it changes nothing (an equivalent mutant, left out)
        final = set(rule.runs_in) == {"success"} and not rule.stop_on
        if (rule.stop_on or rule.runs_in) and not final:
            out[f"stop:{rule.id}:never"] = _evolve(tc.TAOBAO, rule.id, stop_on=(), runs_in=())
        if rule.when:
            out[f"when:{rule.id}:ignored"] = _evolve(tc.TAOBAO, rule.id, when=())
        if rule.resume is not None:
            for mode in ("remaining", "absolute", "restart"):
                if mode != rule.resume:
                    out[f"resume:{rule.id}:{mode}"] = _evolve(tc.TAOBAO, rule.id, resume=mode)
    for rule_id in tc._presets.AMOUNT_RULES:
        for label, cents in (("+0.01", "0.01"), ("-0.01", "-0.01")):
            out[f"amount:{rule_id}:{label}"] = _amount(rule_id, cents)
    return out


def _amount(rule_id: str, cents: str) -> Callable[[], None]:
    def apply() -> None:
        from decimal import Decimal

        import attrs

        from tradeclock import _presets as presets

        table = dict(presets.AMOUNT_RULES)
        table[rule_id] = attrs.evolve(table[rule_id], amount=table[rule_id].amount + Decimal(cents))
        presets.AMOUNT_RULES = MappingProxyType(table)  # type: ignore[misc]

    return apply


def _shift(preset: object, rule_id: str, shift: timedelta) -> Callable[[], None]:
    def apply() -> None:

        rules = dict(preset.rules)  # type: ignore[attr-defined]
        old = rules[rule_id]
        rules[rule_id] = _shifted(old, shift)
        object.__setattr__(preset, "rules", MappingProxyType(rules))
        preset.__attrs_post_init__()  # type: ignore[attr-defined]

    return apply


def _shifted(rule: object, shift: timedelta) -> object:
    """``rule`` with its duration, choices and window start all moved by ``shift``."""
    import attrs

    earliest = rule.earliest  # type: ignore[attr-defined]
    return attrs.evolve(
        rule,
        duration=rule.duration + shift,  # type: ignore[attr-defined]
        choices=tuple(c + shift for c in rule.choices),  # type: ignore[attr-defined]
        earliest=None if earliest is None else earliest + shift,
    )


def _retarget(machine: str, trigger: str, dest: str) -> Callable[[], None]:
    def apply() -> None:
        from tradeclock import _engine as engine
        from tradeclock._machine import (
            ORDER_TABLE,
            REFUND_TABLE,
            Candidate,
            OrderState,
            RefundState,
        )

        table = ORDER_TABLE if machine == "order" else REFUND_TABLE
        member = (OrderState if machine == "order" else RefundState)(dest)
        for key, cands in list(table.items()):
            if key[0] == trigger:
                new = tuple(Candidate(member, c.conditions) for c in cands)
                table[key] = new  # type: ignore[index]
                for plain in (engine._PLAIN_ORDER, engine._PLAIN_REFUND):
                    if key in plain:
                        plain[key] = member

    return apply


def _evolve(preset: object, rule_id: str, **changes: object) -> Callable[[], None]:
    return _evolve_all([(preset, rule_id, changes)])


def _evolve_all(edits: list[tuple[object, str, dict[str, object]]]) -> Callable[[], None]:
    """Change fields of rules of a preset in place (its engine index is rebuilt)."""

    def apply() -> None:
        import attrs

        for preset, rule_id, changes in edits:
            rules = dict(preset.rules)  # type: ignore[attr-defined]
            rules[rule_id] = attrs.evolve(rules[rule_id], **changes)
            object.__setattr__(preset, "rules", MappingProxyType(rules))
            preset.__attrs_post_init__()  # type: ignore[attr-defined]

    return apply


# ---------------------------------------------------------------------------- pytest plugin


def pytest_configure(config: object) -> None:
    name = os.environ.get("TRADECLOCK_MUTANT")
    if name:
        mutants()[name]()


# ---------------------------------------------------------------------------- runner


REFUSED = "refused by RuleSet itself (not a valid rule)"


def _impossible(name: str) -> bool:
    """A shift the library refuses to build (a duration not positive, a working-day count not
    whole days, a time of day past 24 h): ``RuleSet`` raises, so no test has to catch it."""
    import tradeclock as tc

    preset, rule_id, label = [*name.split(":"), "", ""][:3]
    if preset not in tc.PRESETS or label not in SHIFTS:
        return False
    rs = tc.PRESETS[preset]
    rules = dict(rs.rules)
    rules[rule_id] = _shifted(rules[rule_id], SHIFTS[label])  # type: ignore[assignment]
    try:
        tc.RuleSet(rs.name, rs.timezone, rules)
    except tc.InvalidInput:
        return True
    return False


def _run(name: str) -> tuple[str, str, float]:
    env = dict(
        os.environ,
        TRADECLOCK_MUTANT=name,
        PYTHONPATH=str(ROOT / "scripts"),
        HYPOTHESIS_PROFILE="ci",
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    args = [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "mutants",
        "-p",
        "no:cacheprovider",
        "--no-header",
        "-o",
        "addopts=",
        *TESTS,
    ]
    for test in SKIP:
        args += ["--deselect", test]
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    if proc.returncode == 0:
        return name, "", took
    failed = re.search(r"^FAILED (.+?)(?: - .*)?$", proc.stdout, re.M)
    if failed:
        return name, failed.group(1), took
    error = re.search(r"^ERROR (.+?)(?: - .*)?$", proc.stdout, re.M)
    return name, f"(error) {error.group(1) if error else proc.stdout.strip()[-200:]}", took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", default="", help="run the mutants whose name contains this")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    names = [n for n in mutants() if args.only in n]
    start = time.perf_counter()
    refused = [(n, REFUSED, 0.0) for n in names if _impossible(n)]
    with ThreadPoolExecutor(args.jobs) as pool:
        results = refused + list(pool.map(_run, [n for n in names if not _impossible(n)]))
    results.sort(key=lambda r: names.index(r[0]))
    survivors = [name for name, caught, _ in results if not caught]
    if args.markdown:
        print("| mutant | caught by |\n|---|---|")
        for name, caught, _ in results:
            print(f"| `{name}` | {caught or '**SURVIVED**'} |")
    else:
        width = max(len(n) for n in names)
        for name, caught, took in results:
            print(f"{name:<{width}}  {caught or 'SURVIVED'}  ({took:.1f} s)")
    print(
        f"\n{len(results)} mutants, {len(results) - len(survivors)} caught, "
        f"{len(survivors)} survived, {time.perf_counter() - start:.0f} s"
    )
    return 1 if survivors else 0


if __name__ == "__main__":
    raise SystemExit(main())
