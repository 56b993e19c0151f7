"""A shop's own events and timers, declared in TOML (or with_overrides) without code.

The example is the one the engine-v2 issue gives: an invoice due 7 days after payment, which the
seller stops by recording ``invoice_issued``.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
from conftest import e, log, t
from hypothesis import given
from hypothesis import strategies as st

import tradeclock as tc
from tradeclock._cli import main
from tradeclock._schema import schema
from tradeclock.queue import Queue

SHOP = """
name = "myshop"
base = "taobao"
[events.invoice_issued]          # a shop's own event: no state change
by = "seller"
[timers."shop.invoice_due"]
duration = "P7D"
starts = "paid"                  # an event type
stops = ["invoice_issued"]       # event types
event = "invoice_due"            # the automatic event at expiry (informational)
stoppable_by = "seller"
source = "shop policy"
"""
RS = tc.load_rules(SHOP)
PLACED = e("placed", "2026-11-01 10:00", amount="99.00")
PAID = e("paid", "2026-11-01 10:05")
DUE = t("2026-11-08 10:05")


def shop_log(*events: dict[str, object]) -> dict[str, object]:
    return log(PLACED, PAID, *events, rules="myshop", id="S1")


def test_the_shop_timer_runs_beside_the_platform_s() -> None:
    order = tc.load(shop_log(), rules=RS)
    status = order.status(t("2026-11-02 12:00"))
    deadline = status.deadline("invoice_due")
    assert deadline is not None
    assert (deadline.at, deadline.rule, deadline.source) == (DUE, "shop.invoice_due", "shop policy")
    assert deadline.informational and deadline.stoppable_by == ("seller",)
    assert status.deadline("dispatch_due") is not None  # the platform's clock is untouched
    assert order.when("invoice_due", t("2026-11-02 12:00")) == DUE
    later = order.status(t("2026-11-09 00:00"))
    assert ("invoice_due", DUE, "shop.invoice_due") in {
        (f.event, f.at, f.rule) for f in later.fired
    }
    assert later.state == "paid"  # informational: no state change


def test_the_shop_event_stops_its_timer_and_changes_nothing_else() -> None:
    issued = e("invoice_issued", "2026-11-03 09:00", by="seller")
    order = tc.load(shop_log(issued), rules=RS)
    status = order.status(t("2026-11-09 00:00"))
    assert "invoice_due" not in {d.event for d in status.upcoming}
    assert "invoice_due" not in {f.event for f in status.fired}
    assert status.state == "paid" and order.events[-1].type == "invoice_issued"
    why = status.when_dict("invoice_due", RS)
    assert why["at"] is None and "not running" in why["reason"]
    assert tc.load(order.to_dict(), rules=RS).status(t("2026-11-09 00:00")) == status


def test_who_may_record_a_shop_event() -> None:
    with pytest.raises(tc.InvalidInput, match="lets only seller record it"):
        tc.load(shop_log(e("invoice_issued", "2026-11-03 09:00", by="buyer")), rules=RS)
    with pytest.raises(tc.InvalidInput, match="unknown field 'amount'"):
        tc.load(shop_log(e("invoice_issued", "2026-11-03 09:00", amount="1.00")), rules=RS)


def test_a_shop_event_needs_its_rule_set() -> None:
    with pytest.raises(tc.InvalidInput, match="unknown event type 'invoice_issued'"):
        tc.load(log(PLACED, PAID, e("invoice_issued", "2026-11-03 09:00")))


def test_explain_and_actions_speak_of_the_shop_timer() -> None:
    order = tc.load(shop_log(), rules=RS)
    for lang in ("en", "zh"):
        text = order.explain(t("2026-11-02 12:00"), lang=lang)
        assert "invoice_due" in text and "shop policy" in text and "shop.invoice_due" in text
    [action] = [
        a for a in order.allowed_actions(t("2026-11-02 12:00")) if a.event == "invoice_issued"
    ]
    assert action.actor == "seller" and action.allowed
    assert [d.event for d in action.stops] == ["invoice_due"]


def test_the_rule_set_s_schema_admits_its_events() -> None:
    validator = jsonschema.Draft202012Validator(schema("event-log", RS))
    good = shop_log(e("invoice_issued", "2026-11-03 09:00", by="seller"))
    assert validator.is_valid(good)
    assert not jsonschema.Draft202012Validator(schema("event-log")).is_valid(good)
    assert not validator.is_valid(shop_log(e("invoice_issued", "2026-11-03 09:00", by="buyer")))


def test_the_cli_reads_the_shop_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules, order = tmp_path / "shop.toml", tmp_path / "order.json"
    rules.write_text(SHOP, encoding="utf-8")
    order.write_text(json.dumps(shop_log()), encoding="utf-8")
    now = ["--now", "2026-11-02T12:00:00+08:00", "--rules", str(rules)]
    assert main(["when", str(order), "invoice_due", *now, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["at"] == "2026-11-08T10:05:00+08:00"
    assert main(["rules", str(rules)]) == 0
    assert "shop.invoice_due" in capsys.readouterr().out
    assert main(["schema", "event-log", "--rules", str(rules)]) == 0
    assert '"invoice_issued"' in capsys.readouterr().out


def test_batch_and_the_due_queue_fire_the_shop_timer(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    from tradeclock import batch

    events = shop_log()["events"]
    table = pa.Table.from_pylist([{"order_id": "S1", **ev} for ev in events])  # type: ignore[dict-item]
    for workers in (1, 2):
        [row] = batch.status(table, t("2026-11-02 12:00"), rules=RS, workers=workers).to_pylist()
        assert {"event": "invoice_due", "at": DUE, "rule": "shop.invoice_due"} in row["upcoming"]
    with Queue(tmp_path / "q.db", rules=RS) as q:
        q.put("S1", events, rules="myshop")  # type: ignore[arg-type]
        records = q.fire_due(t("2026-11-09 00:00"))
    assert ("invoice_due", DUE) in {(r.event, r.fired_at) for r in records}


def test_a_shop_rule_set_round_trips_through_toml() -> None:
    again = tc.load_rules(RS.to_toml())
    assert again.fingerprint == RS.fingerprint and again.events == RS.events
    python = tc.TAOBAO.with_overrides(
        {},
        name="myshop",
        events={"invoice_issued": {"by": "seller"}},
        timers={
            "shop.invoice_due": {
                "duration": "P7D",
                "starts": "paid",
                "stops": ["invoice_issued"],
                "event": "invoice_due",
                "stoppable_by": "seller",
                "source": "shop policy",
            }
        },
    )
    assert python.fingerprint == RS.fingerprint  # the Python and file forms are one rule set


BAD = [
    ('[timers."s.x"]\nduration = "P1D"\nstarts = "payed"\nevent = "x_due"', "starts names 'payed'"),
    (
        '[timers."s.x"]\nduration = "P1D"\nstarts = "paid"\nevent = "x_due"\nstops = ["nope"]',
        "stops names 'nope'",
    ),
    (
        '[timers."s.x"]\nduration = "P1D"\nstarts = "paid"\nevent = "x_due"\nruns_in = ["gone"]',
        "runs_in names 'gone'",
    ),
    (
        '[timers."s.x"]\nduration = "P1D"\nstarts = "paid"\nevent = "x_due"\nanchor = "dawn"',
        "anchor: 'dawn' is no anchor kind",
    ),
    (
        '[timers."s.x"]\nduration = "P1D"\nstarts = "paid"\nevent = "auto_confirm"',
        "'auto_confirm' is already an event",
    ),
    (
        '[timers."s.x"]\nduration = "P1D"\nstarts = "paid"\nevent = "x_due"\n'
        'when = {colour = "red"}',
        "when names 'colour'",
    ),
    ('[timers."s.x"]\nstarts = "paid"\nevent = "x_due"', "timers.s.x needs duration"),
    (
        '[timers."s.x"]\nduration = "P1D"\nstarts = "paid"\nevent = "x_due"\ncolor = 1',
        "unknown keys \\['color'\\]",
    ),
    (
        '[timers."s.x"]\nduration = "P1D"\nstarts = "paid"\nevent = "x_due"\nscope = "cart"',
        "scope must be order or refund",
    ),
    (
        '[timers."pay.unpaid_close"]\nduration = "P1D"\nstarts = "paid"\nevent = "x_due"',
        "redefines a rule of the rule set",
    ),
    ('[events.paid]\nby = "seller"', "'paid' is an event of the platform"),
    ('[events.invoice]\nby = "clerk"', "'clerk' is none of"),
    ('[events.invoice]\nwho = "seller"', "unknown keys \\['who'\\]"),
    ("[events.Invoice]", "an event name is"),
    ('timers = "x"', "\\[timers\\] must be a table"),
]


@pytest.mark.parametrize(("toml", "message"), BAD, ids=[m for _, m in BAD])
def test_a_bad_shop_file_is_refused_naming_the_key(toml: str, message: str) -> None:
    with pytest.raises(tc.InvalidInput, match=message):
        tc.load_rules('name = "s"\nbase = "taobao"\n' + toml)


def test_a_shop_file_holds_data_only() -> None:
    # a value that looks like code stays a string, never run (and is refused where it matters)
    with pytest.raises(tc.InvalidInput, match="starts names"):
        tc.load_rules(
            'name = "s"\n[timers."s.x"]\nduration = "P1D"\nevent = "x_due"\n'
            "starts = \"__import__('os').system('true')\""
        )


@given(
    paid_after=st.integers(min_value=0, max_value=60 * 71),  # paid before it closes itself
    days=st.integers(min_value=1, max_value=30),
    issued_after=st.one_of(st.none(), st.integers(min_value=0, max_value=60 * 24 * 40)),
)
def test_a_shop_timer_is_start_plus_duration_unless_stopped_first(
    paid_after: int, days: int, issued_after: int | None
) -> None:
    rs = RS.with_overrides({"shop.invoice_due": f"P{days}D"}, name="myshop")
    paid_at = t("2026-11-01 10:00") + timedelta(minutes=paid_after)
    events = [PLACED, {"type": "paid", "at": paid_at.isoformat()}]
    due = paid_at + timedelta(days=days)
    if issued_after is not None:
        issued = paid_at + timedelta(minutes=issued_after)
        events.append({"type": "invoice_issued", "at": issued.isoformat(), "by": "seller"})
    order = tc.load(log(*events, rules="myshop"), rules=rs)
    after = order.status(due + timedelta(days=50))
    fired = [f.at for f in after.fired if f.event == "invoice_due"]
    stopped = issued_after is not None and paid_at + timedelta(minutes=issued_after) < due
    assert fired == ([] if stopped else [due])


def test_code_in_a_rule_set_file_is_never_run_by_the_compiled_handlers(tmp_path: Path) -> None:
    # the engine compiles each rule set's signals into Python; ids and texts travel as values
    marker = tmp_path / "ran"
    hostile = f'x"\nimport pathlib; pathlib.Path({str(marker)!r}).touch()\n"'
    rs = tc.TAOBAO.with_overrides(
        {},
        name="hostile",
        timers={
            hostile: {
                "duration": "P1D",
                "starts": "paid",
                "event": "hostile_due",
                "source": hostile,
                "effect": hostile,
            }
        },
    )
    order = tc.load(log(PLACED, PAID, rules="hostile"), rules=rs)
    assert order.status(t("2026-11-03 00:00")).fired[-1].rule == hostile
    assert not marker.exists()
