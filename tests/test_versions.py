"""Rule versions: an order is judged by the version in force when it was placed, so a rule
change never moves an order already placed (unless it is migrated on purpose)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from conftest import e, log, t
from hypothesis import given
from hypothesis import strategies as st

import tradeclock as tc
from tradeclock._cli import main
from tradeclock.testing import event_logs, instants

#: every plain timer one day longer: a version that would move every deadline
LONGER = {
    r.id: r.duration + timedelta(days=1)
    for r in tc.TAOBAO
    if r.earliest is None and not r.choices and r.id != "money.processing_cutoff"
}


def version(since: str) -> tc.RuleSet:
    return tc.TAOBAO.with_overrides(LONGER, name="taobao").effective(since)


@given(event_logs(), instants(), st.integers(0, 60 * 86400))
def test_a_new_version_never_moves_an_order_already_placed(
    log_: dict, since: object, later: int
) -> None:
    order = tc.load(log_)
    placed = order.events[0].at
    since_at = max(placed + timedelta(microseconds=1), since)  # type: ignore[call-overload]
    registry = tc.RuleRegistry(version(since_at.isoformat()))
    again = tc.load(log_, rules=registry)
    assert again.rules is tc.TAOBAO  # pinned to the version in force when it was placed
    now = order.events[-1].at + timedelta(seconds=later)
    assert again.status(now).to_dict() == order.status(now).to_dict()


def test_an_order_placed_after_the_change_takes_the_new_version() -> None:
    registry = tc.RuleRegistry(version("2026-12-01T00:00:00+08:00"))
    before = tc.load(
        log(e("placed", "2026-11-30 23:59"), e("paid", "2026-11-30 23:59")), rules=registry
    )
    after = tc.load(
        log(e("placed", "2026-12-01 00:00"), e("paid", "2026-12-01 00:00")), rules=registry
    )
    assert before.status(t("2026-12-01 01:00")).rules_version is None
    status = after.status(t("2026-12-01 01:00"))
    assert status.rules_version == "2026-12-01T00:00:00+08:00"
    assert status.to_dict()["rules_version"] == "2026-12-01T00:00:00+08:00"
    # dispatch_due: 48 h before the change, 72 h after it
    assert before.when("dispatch_due", t("2026-12-01 01:00")) == t("2026-12-02 23:59")
    assert after.when("dispatch_due", t("2026-12-01 01:00")) == t("2026-12-04 00:00")
    # moving an order to the new rules is an explicit act
    moved = before.migrate(after.rules)
    assert moved.when("dispatch_due", t("2026-12-01 01:00")) == t("2026-12-03 23:59")


def test_registry_lookups_and_errors() -> None:
    v2 = version("2026-12-01T00:00:00+08:00")
    registry = tc.RuleRegistry(v2)
    assert [v.version for v in registry.versions("taobao")] == [None, v2.version]
    assert registry.add(v2).versions("taobao") == registry.versions(
        "taobao"
    )  # replaced, not doubled
    with pytest.raises(tc.InvalidInput, match="unknown rule set 'jd'"):
        registry.resolve("jd", t("2026-12-01 00:00"))
    alone = tc.RuleRegistry(v2, presets=False)
    with pytest.raises(tc.InvalidInput, match="no version of rule set 'taobao' is in force"):
        tc.load(log(e("placed", "2026-11-01 00:00")), rules=alone)


def test_versions_in_toml_files_and_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    newer = tc.TAOBAO.with_overrides({"ship.dispatch_due": "PT24H"}, name="taobao").effective(
        "2026-12-01T00:00:00+08:00"
    )
    text = newer.to_toml()
    assert "effective_from = 2026-12-01T00:00:00+08:00" in text
    assert tc.load_rules(text).effective_from == newer.effective_from
    with pytest.raises(
        tc.InvalidInput, match="effective_from must be a date-time with its UTC offset"
    ):
        tc.load_rules('base = "taobao"\neffective_from = 2026-12-01\n')
    path = tmp_path / "taobao-2026-12.toml"
    path.write_text(text, encoding="utf-8")
    logfile = tmp_path / "o.json"
    import json

    logfile.write_text(
        json.dumps(log(e("placed", "2026-12-02 10:00"), e("paid", "2026-12-02 10:00"))),
        encoding="utf-8",
    )
    argv = [
        "when",
        str(logfile),
        "dispatch_due",
        "--now",
        "2026-12-02T11:00:00+08:00",
        "--json",
        "--rules",
        str(path),
    ]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["at"] == "2026-12-03T10:00:00+08:00"
