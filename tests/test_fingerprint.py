"""A rule set's identity is its content: the fingerprint, and orders pinned to it.

A custom rule set that kept its preset's name used to judge (and, in the due-queue, fire) by the
preset's durations without a word; now it carries a name of its own and every order and queue
row pins the fingerprint it was judged by.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import attrs
import pytest
from conftest import e, log, t

import tradeclock as tc
from tradeclock.queue import Queue

PLACED = e("placed", "2026-11-11 10:00", amount="99.00")


def test_the_fingerprint_follows_the_content() -> None:
    same = tc.TAOBAO.with_overrides({"confirm.auto_confirm": "P10D"})  # its own value
    assert same.fingerprint == tc.TAOBAO.fingerprint and same.name == "taobao"
    assert tc.TAOBAO.fingerprint != tc.TMALL.fingerprint
    shorter = tc.TAOBAO.with_overrides({"confirm.auto_confirm": "P7D"}, name="shop")
    assert shorter.fingerprint != tc.TAOBAO.fingerprint
    # a renamed copy judges alike: same fingerprint
    assert tc.TAOBAO.with_overrides({}, name="copy").fingerprint == tc.TAOBAO.fingerprint


@pytest.mark.parametrize(
    "change",
    [
        {"resume": "absolute"},
        {"start_on": ("signed",)},
        {"runs_in": ("shipped",)},
        {"when": ()},
        {"source": "another source"},
    ],
)
def test_every_timer_field_is_in_the_fingerprint(change: dict[str, object]) -> None:
    rules = dict(tc.TAOBAO.rules)
    rules["confirm.auto_confirm"] = attrs.evolve(rules["confirm.auto_confirm"], **change)
    other = tc.RuleSet("taobao", "Asia/Shanghai", rules)
    assert other.fingerprint != tc.TAOBAO.fingerprint


def test_the_check_date_is_not_content() -> None:
    rules = dict(tc.TAOBAO.rules)
    rules["pay.unpaid_close"] = attrs.evolve(rules["pay.unpaid_close"], checked=None)
    assert tc.RuleSet("taobao", "Asia/Shanghai", rules).fingerprint == tc.TAOBAO.fingerprint


def test_a_changed_rule_set_without_a_name_does_not_pass_for_its_preset() -> None:
    shop = tc.TAOBAO.with_overrides({"confirm.auto_confirm": "P7D"})
    assert shop.name == f"taobao+{shop.fingerprint[:8]}"
    again = shop.with_overrides({"pay.unpaid_close": "PT1H"})
    assert again.name == f"taobao+{again.fingerprint[:8]}"  # not taobao+...+...
    toml = tc.load_rules('base = "tmall"\n[durations]\n"pay.unpaid_close" = "PT15M"')
    assert toml.name == f"tmall+{toml.fingerprint[:8]}"
    status = tc.load(log(PLACED, rules=shop.name), rules=shop).status(t("2026-11-11 11:00"))
    assert status.rules == shop.name and status.rules_fingerprint == shop.fingerprint
    assert status.to_dict()["rules_fingerprint"] == shop.fingerprint


def test_a_log_pinned_to_other_content_is_refused() -> None:
    mine = tc.TAOBAO.with_overrides({"pay.unpaid_close": "PT1H"}, name="shop")
    written = tc.load(log(PLACED, rules="shop"), rules=mine).to_dict()
    assert written["rules_fingerprint"] == mine.fingerprint
    assert tc.load(written, rules=mine).status(t("2026-11-11 10:30")).state == "placed"
    changed = tc.TAOBAO.with_overrides({"pay.unpaid_close": "PT2H"}, name="shop")
    with pytest.raises(tc.RulesMismatch, match="order T1 is pinned to rule set 'shop'") as err:
        tc.load(written, rules=changed)
    assert err.value.kind == "rules_mismatch" and err.value.order_id == "T1"
    assert isinstance(err.value, tc.InvalidInput)  # callers that catch bad input still do


def test_a_pinned_fingerprint_must_be_text() -> None:
    with pytest.raises(tc.InvalidInput, match="rules_fingerprint must be a string"):
        tc.load({**log(PLACED), "rules_fingerprint": 7})


def test_the_queue_never_fires_by_rules_other_than_the_order_was_stored_under(
    queue_db: str,
) -> None:
    path = queue_db
    hour = tc.TAOBAO.with_overrides({"pay.unpaid_close": "PT1H"}, name="shop")
    with Queue(path, rules=hour) as q:
        q.put("A", [PLACED], rules="shop")
    # the shop changed its TOML but kept the name: the stored order is not judged by it
    three_days = tc.TAOBAO.with_overrides({"pay.unpaid_close": "P3D"}, name="shop")
    with Queue(path, rules=three_days) as q:
        # the order is kept as failed with its typed error, and nothing fires for it
        assert q.fire_due(t("2026-11-11 12:00")) == []
        (failure,) = q.failures()
        assert failure.kind == "rules_mismatch" and "order A is pinned" in failure.message
        with pytest.raises(tc.RulesMismatch):
            q.get("A")
    with Queue(path, rules=hour) as q:  # the rule set it was stored under: fires on time
        [record] = q.fire_due(t("2026-11-11 12:00"))
        assert (record.event, record.fired_at) == ("auto_close", t("2026-11-11 11:00"))
        assert q.failures() == []  # judged at last: the failure is gone


def test_a_queue_written_before_pinning_opens_and_pins_on_the_next_write(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE orders (order_id TEXT PRIMARY KEY, rules TEXT NOT NULL, log TEXT NOT NULL,"
        " version INTEGER NOT NULL, next_due TEXT, fired_upto TEXT);"
    )
    db.close()
    with Queue(path) as q:
        q.put("A", [PLACED])
        assert q.get("A").rules.fingerprint == tc.TAOBAO.fingerprint
    stored = sqlite3.connect(path).execute("SELECT rules_fingerprint FROM orders").fetchone()
    assert stored == (tc.TAOBAO.fingerprint,)


def test_a_field_left_at_its_default_is_not_in_the_fingerprint() -> None:
    # so that a field added to Rule in a later release keeps stored orders' fingerprints
    rules = dict(tc.TAOBAO.rules)
    rule = rules["pay.unpaid_close"]
    assert attrs.evolve(rule, once=False) == rule
    before = tc.RuleSet("taobao", "Asia/Shanghai", rules).fingerprint
    rules["pay.unpaid_close"] = attrs.evolve(rule, once=True)
    assert (
        tc.RuleSet("taobao", "Asia/Shanghai", rules).fingerprint != before == tc.TAOBAO.fingerprint
    )


def test_the_rules_command_shows_the_fingerprint_and_how_each_timer_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from tradeclock._cli import main

    assert main(["rules", "taobao"]) == 0
    assert f"fingerprint {tc.TAOBAO.fingerprint}" in capsys.readouterr().out.splitlines()[0]
    assert main(["rules", "taobao", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["fingerprint"] == tc.TAOBAO.fingerprint and data["events"] == []
    rows = {r["id"]: r for r in data["rules"]}
    assert rows["confirm.auto_confirm"]["timer"] == {
        "scope": "order",
        "starts_on": ["shipped"],
        "when": {"method": "!surface_mail"},
        "runs_in": ["shipped", "signed"],
        "stops_on": [],
        "paused_by_open_refund": True,
        "resume": "remaining",
        "once": False,
        "anchor": "event",
    }
    assert rows["confirm.buyer_extension"]["timer"] is None  # an action, not a timer
