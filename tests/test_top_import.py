"""Taobao Open Platform payloads: import (from_trade, import-top), the round trip back to TOP's
status codes, and the conformance report (check, check-top) against the platform's own timeouts.

The fixtures in examples/top/ were written from the Open Platform's field definitions, with the
platform's times worked out by hand from RULES.md; examples/top/disagree/ holds payloads whose
timeouts differ from RULES.md on purpose."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import SH
from hypothesis import given
from hypothesis import strategies as st

import tradeclock as tc
from tradeclock._cli import main
from tradeclock._errors import InvalidInput
from tradeclock._presets import PRESETS, TAOBAO
from tradeclock._rules import CHECKED_ON, load_rules
from tradeclock.sources import cite
from tradeclock.top import check, from_trade, parse_top_time, read_payload

ROOT = Path(__file__).resolve().parent.parent
TOP = ROOT / "examples" / "top"
AFTERSALE = load_rules(TOP / "after-sale" / "taobao-aftersale.toml")
CONSISTENT = sorted(TOP.glob("*.json"))
DISAGREE = sorted((TOP / "disagree").glob("*.json"))
ALL = [*CONSISTENT, *sorted((TOP / "after-sale").glob("*.json")), *DISAGREE]


def rules_for(path: Path) -> Any:
    return AFTERSALE if "after-sale" in path.parts else None


def snapshot(trade: dict[str, Any], refunds: list[dict[str, Any]]) -> datetime:
    times = [
        v
        for obj in (trade, *trade.get("orders", {}).get("order", []), *refunds)
        for k, v in obj.items()
        if k != "timeout_action_time" and isinstance(v, str) and v[:2] == "20" and v[10:11] == " "
    ]
    return max(datetime.strptime(v, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SH) for v in times)


def events_of(log: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["type"], e["at"][:16].replace("T", " ")) for e in log["events"]]


# --- every fixture imports, and the round trip keeps the status codes -------------------------


def test_the_fixtures_cover_every_trade_and_refund_status() -> None:
    trades, refunds = set(), set()
    for path in ALL:
        trade, rs = read_payload(path)
        trades.add(trade["status"])
        refunds |= {r["status"] for r in rs}
    # SELLER_CONSIGNED_PART: a trade of several lines, some shipped (21-split-shipment)
    assert trades == {
        *tc.top.TRADE_CODES.values(),
        "TRADE_CLOSED_BY_TAOBAO",
        "SELLER_CONSIGNED_PART",
    }
    assert refunds == set(tc.top.REFUND_CODES.values())


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_round_trip_keeps_the_status_codes(path: Path) -> None:
    trade, refunds = read_payload(path)
    log = from_trade(trade, refunds, rules=rules_for(path))
    # the log is an ordinary event log: it survives JSON and loads again
    order = tc.load(json.loads(json.dumps(log)), rules=rules_for(path))
    status = order.status(snapshot(trade, refunds))
    if path in DISAGREE and path.stem.startswith("x06"):
        assert status.top_status != trade["status"]  # the point of that fixture
        return
    assert status.top_status == trade["status"]
    lines = trade["orders"]["order"]
    if len(lines) > 1:  # a trade of several lines: each line's refund on that line
        mine = {x.id: x for x in status.lines}
        for line in lines:
            got = mine[str(line["oid"])].top_refund_status
            assert (got or "NO_REFUND") == line["refund_status"], line["oid"]
        return
    if refunds:
        latest = max(refunds, key=lambda r: r["created"])
        assert status.top_refund_status == latest["status"]
    for line in lines:
        if line["refund_status"] != "NO_REFUND":
            assert line["refund_status"] == status.top_refund_status


# --- the conformance report ---------------------------------------------------------------


@pytest.mark.parametrize("path", [*CONSISTENT, *(TOP / "after-sale").glob("*.json")])
def test_report_agrees_on_consistent_fixtures(path: Path) -> None:
    findings = check(path, rules=rules_for(path))
    assert findings and {f.verdict for f in findings} == {"agree"}, findings


def test_every_platform_timeout_in_the_consistent_fixtures_is_compared() -> None:
    compared = 0
    for path in CONSISTENT:
        trade, refunds = read_payload(path)
        lines = trade["orders"]["order"]
        given_ = sum("timeout_action_time" in x for x in (trade, *lines))
        given_ += sum(r["refund_remind_timeout"]["exist_timeout"] for r in refunds)
        timed = [f for f in check(path) if f.field.startswith(("timeout", "refund_remind"))]
        assert len([f for f in timed if f.platform != "false"]) == given_, path.name
        compared += given_
    assert compared >= 10


EXPECTED = {
    "x01-auto-confirm-7-days": ("timeout_action_time", "confirm.auto_confirm", "3 days earlier"),
    "x02-surface-mail-10-days": (
        "timeout_action_time",
        "confirm.auto_confirm.surface_mail",
        "20 days earlier",
    ),
    "x03-virtual-goods-refund-3-days": (
        "refund_remind_timeout.timeout",
        "refund.refund_only_seller_timeout",
        "2 days earlier",
    ),
    "x04-seller-receipt-7-days": (
        "refund_remind_timeout.timeout",
        "refund.seller_receipt_timeout",
        "3 days earlier",
    ),
    "x05-pause-not-counted": ("timeout_action_time", "confirm.auto_confirm", "2 days earlier"),
    "x07-auto-confirmed-12-days": ("end_time", "confirm.auto_confirm", "2 days later"),
    "x08-return-refunded-after-12-days": (
        "modified",
        "refund.seller_receipt_timeout",
        "2 days later",
    ),
    "x06-unshipped-refund-still-waiting": (
        "status",
        "refund.unshipped_seller_timeout",
        "fired at 2026-11-03 09:00:00",
    ),
}


@pytest.mark.parametrize("path", DISAGREE, ids=lambda p: p.stem)
def test_report_flags_inconsistent_fixtures_with_the_right_rule(path: Path) -> None:
    field, rule, words = EXPECTED[path.stem]
    bad = [f for f in check(path) if f.verdict == "disagree"]
    assert bad
    first = bad[0]
    assert (first.field, first.rule) == (field, rule)
    assert words in first.note
    # the note carries the rule's value, source and check date
    assert f"checked {CHECKED_ON}" in first.note and cite(TAOBAO[rule].source) in first.note
    assert {f.rule for f in bad} == {rule}


def test_x06_every_view_of_the_stale_refund_disagrees() -> None:
    path = TOP / "disagree" / "x06-unshipped-refund-still-waiting.json"
    bad = {(f.subject.split()[0], f.field) for f in check(path) if f.verdict == "disagree"}
    assert ("refund", "refund_remind_timeout.timeout") in bad
    assert ("trade", "status") in bad and ("refund", "status") in bad


def test_unjudgeable_payloads_are_reported_not_raised(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"trade": {"tid": 1, "status": "SELLER_CONSIGNED_PART"}}')
    [finding] = check(bad)
    assert finding.verdict == "unjudged" and finding.subject == str(bad)
    assert "SELLER_CONSIGNED_PART" in finding.note
    # an after-sale refund judged by a rule set without the after-sale window
    [finding] = check(TOP / "after-sale" / "17-after-sale-refund.json")
    assert finding.verdict == "unjudged" and "aftersale.window" in finding.note


def test_a_missing_or_malformed_remind_timeout_is_unjudged() -> None:
    trade, refunds = read_payload(TOP / "09-refund-unshipped-wait-seller-agree.json")
    refunds[0] = {**refunds[0], "refund_remind_timeout": {"exist_timeout": True}}
    found = [f for f in check({"trade": trade, "refunds": refunds}) if f.verdict == "unjudged"]
    assert [f.note for f in found] == ["exist_timeout is true but 'timeout' is missing"]
    refunds[0] = {**refunds[0], "refund_remind_timeout": {"timeout": "x"}}
    found = [f for f in check({"trade": trade, "refunds": refunds}) if f.verdict == "unjudged"]
    assert "exist_timeout" in found[0].note
    refunds[0] = {**refunds[0], "refund_remind_timeout": {"exist_timeout": True, "timeout": "x"}}
    found = [f for f in check({"trade": trade, "refunds": refunds}) if f.verdict == "unjudged"]
    assert "not a TOP time" in found[0].note


def test_platform_shows_no_timeout_where_tradeclock_has_one() -> None:
    trade, refunds = read_payload(TOP / "10-refund-only-wait-seller-agree.json")
    refunds[0]["refund_remind_timeout"] = {"exist_timeout": False}
    [bad] = [f for f in check({"trade": trade, "refunds": refunds}) if f.verdict == "disagree"]
    assert bad.field == "refund_remind_timeout.exist_timeout"
    assert (bad.tradeclock, bad.rule) == (
        "2026-11-14 08:45:00",
        "refund.refund_only_seller_timeout",
    )


@pytest.mark.parametrize(
    ("days", "who"), [(3, ["seller", "buyer"]), (5, ["seller"]), (10, ["seller"]), (4, [])]
)
def test_a_later_auto_confirm_that_an_extension_explains(days: int, who: list[str]) -> None:
    trade, _ = read_payload(TOP / "03-shipped-express.json")
    later = datetime(2026, 11, 22, 15, 30) + timedelta(days=days)
    trade["timeout_action_time"] = later.strftime("%Y-%m-%d %H:%M:%S")
    [bad] = [f for f in check({"trade": trade}) if f.verdict == "disagree"]
    assert f"{days} days later" in bad.note
    for party in who:
        assert f"a {party} extension of {days} days (confirm.{party}_extension)" in bad.note
    assert ("log one as receipt_extended" in bad.note) == bool(who)
    assert ("buyer extension" in bad.note) == ("buyer" in who)


def test_steps_a_timer_took_are_compared_with_the_payloads_time() -> None:
    auto = {f.field: f for f in check(TOP / "06-finished-auto-confirmed.json")}["end_time"]
    assert (auto.verdict, auto.rule, auto.tradeclock) == (
        "agree",
        "confirm.auto_confirm",
        "2026-10-30 14:00:00",
    )
    closed = {f.field: f for f in check(TOP / "07-closed-unpaid.json")}["end_time"]
    assert (closed.verdict, closed.rule) == ("agree", "pay.unpaid_close")
    refund = [
        f for f in check(TOP / "19-return-refunded-automatically.json") if f.field == "modified"
    ]
    assert [(f.verdict, f.rule) for f in refund] == [("agree", "refund.seller_receipt_timeout")]
    # a person's step is not a timer's: nothing to compare
    assert all(f.field != "end_time" for f in check(TOP / "05-finished-buyer-confirmed.json"))


def test_a_timeout_before_shipping_is_unjudged() -> None:
    trade, _ = read_payload(TOP / "02-wait-seller-send-goods.json")
    trade["timeout_action_time"] = "2026-11-24 10:03:40"
    trade["orders"]["order"][0]["timeout_action_time"] = "2026-11-24 10:03:40"
    found = [f for f in check({"trade": trade}) if f.field == "timeout_action_time"]
    assert [f.verdict for f in found] == ["unjudged", "unjudged"]
    assert "defined only while WAIT_BUYER_CONFIRM_GOODS" in found[0].note


def test_now_moves_the_judgement() -> None:
    path = TOP / "03-shipped-express.json"
    later = check(path, now="2026-11-23T00:00:00+08:00")  # after tradeclock's auto-confirm
    bad = [f for f in later if f.verdict == "disagree"]
    assert bad[0].field == "status" and bad[0].tradeclock == "TRADE_FINISHED"
    assert "auto_confirm" in bad[0].note


@given(
    shipped=st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
    post=st.booleans(),
    shift=st.one_of(st.just(0), st.integers(-86400 * 40, 86400 * 40)),
)
def test_property_the_report_agrees_exactly_when_the_platform_counts_like_rules_md(
    shipped: datetime, post: bool, shift: int
) -> None:
    """A shipped trade: the platform's timeout agrees iff it is consign_time + 10 d (30 d for
    surface mail), to the second, and a disagreement names that rule."""
    fmt = "%Y-%m-%d %H:%M:%S"
    days = 30 if post else 10
    timeout = shipped + timedelta(days=days, seconds=shift)
    trade = {
        "tid": 77,
        "status": "WAIT_BUYER_CONFIRM_GOODS",
        "payment": "10.00",
        "shipping_type": "post" if post else "express",
        "created": (shipped - timedelta(hours=5)).strftime(fmt),
        "pay_time": (shipped - timedelta(hours=4)).strftime(fmt),
        "consign_time": shipped.strftime(fmt),
        "timeout_action_time": timeout.strftime(fmt),
    }
    [status, finding] = check({"trade": trade})
    assert status.verdict == "agree"
    assert finding.verdict == ("agree" if shift == 0 else "disagree")
    assert finding.rule == "confirm.auto_confirm" + (".surface_mail" if post else "")
    local = (shipped + timedelta(days=days)).strftime(fmt)
    assert finding.tradeclock == local


# --- what the import reconstructs ----------------------------------------------------------


def imported(name: str) -> dict[str, Any]:
    trade, refunds = read_payload(TOP / name)
    return from_trade(trade, refunds)


def test_a_timer_step_is_not_logged_a_persons_step_is() -> None:
    assert events_of(imported("06-finished-auto-confirmed.json"))[-1][0] == "shipped"
    assert events_of(imported("05-finished-buyer-confirmed.json"))[-1] == (
        "confirmed",
        "2026-11-01 18:20",
    )
    assert [e for e, _ in events_of(imported("07-closed-unpaid.json"))] == ["placed"]
    assert events_of(imported("08-closed-cancelled.json"))[-1] == ("cancelled", "2026-11-15 13:20")


def test_refund_steps_are_rebuilt_from_status_and_times() -> None:
    log = imported("12-return-wait-seller-confirm.json")
    assert events_of(log)[-3:] == [
        ("refund_requested", "2026-11-03 14:00"),
        ("refund_agreed", "2026-11-04 17:30"),  # not in the payload: before the return
        ("return_shipped", "2026-11-04 17:30"),
    ]
    assert log["events"][-1]["tracking_no"] == "SF1234567890123"
    assert events_of(imported("11-return-wait-buyer-return.json"))[-1] == (
        "refund_agreed",
        "2026-11-07 09:12",
    )
    assert events_of(imported("13-refund-seller-refused.json"))[-1][0] == "refund_refused"
    assert events_of(imported("15-refund-closed-confirm-resumes.json"))[-1][0] == (
        "refund_cancelled"
    )
    closed = imported("14-refund-success-trade-closed.json")
    assert events_of(closed)[-1] == ("refund_agreed", "2026-11-16 15:30")


def test_an_auto_agreed_return_logs_no_agreement() -> None:
    trade, refunds = read_payload(TOP / "12-return-wait-seller-confirm.json")
    r = refunds[0]
    # the buyer shipped the return 6 days after asking: the seller's 5 days had run out
    r["good_return_time"] = r["modified"] = "2026-11-09 15:00:00"
    log = from_trade(trade, [r])
    assert [e for e, _ in events_of(log)][-2:] == ["refund_requested", "return_shipped"]
    status = tc.load(log).status(datetime(2026, 11, 9, 16, tzinfo=SH))
    assert [f.event for f in status.fired][-1] == "auto_agree"


def test_a_full_refund_at_shipping_closes_itself() -> None:
    trade, refunds = read_payload(TOP / "09-refund-unshipped-wait-seller-agree.json")
    trade.update(status="WAIT_BUYER_CONFIRM_GOODS", consign_time="2026-11-12 10:00:00")
    refunds[0].update(status="CLOSED", modified="2026-11-12 10:00:00")
    trade["orders"]["order"][0]["refund_status"] = "CLOSED"
    log = from_trade(trade, refunds)
    assert [e for e, _ in events_of(log)][-2:] == ["refund_requested", "shipped"]


def test_shipping_types_and_amounts() -> None:
    assert imported("04-shipped-surface-mail.json")["events"][-1]["method"] == "surface_mail"
    partial = imported("16-two-lines-partial-refund.json")
    assert partial["events"][0]["amount"] == "149.00"
    assert partial["events"][3]["amount"] == "29.00"
    trade, _ = read_payload(TOP / "03-shipped-express.json")
    free = from_trade({**trade, "shipping_type": "free"})
    assert free["events"][0]["free_shipping"] is True
    assert free["events"][-1]["method"] == "express"
    virtual = from_trade({**trade, "shipping_type": "virtual"})
    assert virtual["events"][-1]["method"] == "none"


def test_mall_sellers_get_tmall_rules_unless_told() -> None:
    trade, _ = read_payload(TOP / "18-tmall-shipped.json")
    assert from_trade(trade)["rules"] == "tmall"
    assert from_trade(trade, rules="taobao")["rules"] == "taobao"
    assert imported("03-shipped-express.json")["rules"] == "taobao"


def test_responses_as_the_api_wraps_them() -> None:
    trade, refunds = read_payload(TOP / "09-refund-unshipped-wait-seller-agree.json")
    wrapped = {
        "trade_fullinfo_get_response": {"trade": trade},
        "refunds": [{"refund_get_response": {"refund": r}} for r in refunds],
    }
    assert read_payload(wrapped) == (trade, refunds)
    assert read_payload(json.dumps(wrapped)) == (trade, refunds)
    assert read_payload(trade) == (trade, [])  # a bare trade


def test_a_whole_payload_passed_as_the_trade_is_named() -> None:
    payload = json.loads((TOP / "03-shipped-express.json").read_text(encoding="utf-8"))
    with pytest.raises(InvalidInput, match="read it with read_payload"):
        from_trade(payload)


# --- TOP times ----------------------------------------------------------------------------


def test_top_times_are_shanghai_local() -> None:
    assert parse_top_time("2026-11-11 00:06:30", "x") == datetime(2026, 11, 11, 0, 6, 30, tzinfo=SH)


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-11T00:06:30+08:00",  # ISO with an offset
        "2026-11-11 00:06:30+08:00",
        "2026-11-11T00:06:30",
        "2026-11-11 00:06",  # no seconds
        "2026/11/11 00:06:30",
        "2026-02-30 10:00:00",  # no such day
        "1969-12-31 23:59:59",
        1762790790000,  # epoch milliseconds
        None,
    ],
)
def test_other_time_forms_are_refused(value: object) -> None:
    with pytest.raises(InvalidInput, match="pay_time"):
        parse_top_time(value, "pay_time")


@given(st.datetimes(datetime(1970, 1, 2), datetime(2099, 12, 30)))
def test_property_top_time_round_trip(local: datetime) -> None:
    local = local.replace(microsecond=0)
    instant = parse_top_time(local.strftime("%Y-%m-%d %H:%M:%S"), "t")
    assert instant.astimezone(SH).replace(tzinfo=None) == local


# --- bad payloads: clear errors naming the trade and the field --------------------------------


def base() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    trade, refunds = read_payload(TOP / "12-return-wait-seller-confirm.json")
    return copy.deepcopy(dict(trade)), copy.deepcopy([dict(r) for r in refunds])


def broken(change: Any) -> InvalidInput:
    trade, refunds = base()
    change(trade, refunds)
    with pytest.raises(InvalidInput) as info:
        from_trade(trade, refunds)
    return info.value


def _set(obj: dict[str, Any], **kw: Any) -> None:
    for k, v in kw.items():
        if v is None:
            obj.pop(k, None)
        else:
            obj[k] = v


TID = "3901000000000000112"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda t, r: _set(t, pay_time=None), "'pay_time' is missing"),
        (lambda t, r: _set(t, consign_time=None), "'consign_time' is missing"),
        (lambda t, r: _set(t, created=None), "'created' is missing"),
        (lambda t, r: _set(t, created="2026-10-30T11:00:00+08:00"), "'created'"),
        (lambda t, r: _set(t, status="WAIT_SOMETHING"), "'WAIT_SOMETHING' is not a TOP trade"),
        (lambda t, r: _set(t, status="TRADE_BUYER_SIGNED"), "cash on delivery"),
        (lambda t, r: _set(t, type="cod"), "type cod (cash on delivery) is not modelled"),
        (lambda t, r: _set(t, status="WAIT_BUYER_PAY"), "was never paid"),
        (lambda t, r: _set(t, shipping_type="25"), "'shipping_type' '25' is not one of"),
        (lambda t, r: _set(t, payment=399.0), "a float is not exact"),
        (lambda t, r: _set(t, payment=None), "'payment' is missing"),
        (lambda t, r: _set(r[0], good_return_time=None), "'good_return_time' is missing"),
        (lambda t, r: _set(r[0], sid=None), "'sid' is missing"),
        (lambda t, r: _set(r[0], status="DONE"), "'status' 'DONE' is not one of"),
        (lambda t, r: _set(r[0], has_good_return="true"), "'has_good_return' must be true"),
        (lambda t, r: _set(r[0], tid=1), "'tid' 1 is not this trade's"),
        (lambda t, r: _set(r[0], oid=42), "'oid' 42 is not a line"),
        (lambda t, r: _set(r[0], modified="2026-11-01 00:00:00"), "earlier than 'created'"),
        (lambda t, r: _set(r[0], refund_phase="aftersale"), "aftersale.window"),
        (lambda t, r: _set(r[0], good_status="LOST"), "'good_status' 'LOST' is not one of"),
        (lambda t, r: _set(r[0], refund_version="v2"), "'refund_version' 'v2' is not a version"),
        (
            lambda t, r: r.append({**r[0], "refund_version": -1}),
            "'refund_version' -1 is not a version",
        ),
        (lambda t, r: r.clear(), "no refund payload for line"),
        (lambda t, r: _set(r[0], status="SUCCESS"), "differs from refund"),
        (
            lambda t, r: t["orders"]["order"][0].update(refund_status="PENDING"),
            "'refund_status' 'PENDING' is not a TOP refund status",
        ),
    ],
)
def test_bad_payloads_name_the_trade_and_the_field(change: Any, words: str) -> None:
    err = broken(change)
    assert words in err.message
    assert err.order_id == TID and TID in err.message


def test_of_several_versions_of_a_refund_the_newest_counts() -> None:
    trade, refunds = read_payload(TOP / "11-return-wait-buyer-return.json")
    newer = refunds[0]
    older = {
        **newer,
        "status": "WAIT_SELLER_AGREE",
        "modified": newer["created"],
        "refund_version": newer["refund_version"] - 1,
    }
    for given_ in ([older, newer], [newer, older]):
        log = from_trade(trade, given_)
        assert events_of(log)[-1] == ("refund_agreed", "2026-11-07 09:12")
    # without refund_version, modified decides
    plain = [{k: v for k, v in r.items() if k != "refund_version"} for r in (newer, older)]
    assert events_of(from_trade(trade, plain))[-1][0] == "refund_agreed"


def test_a_returned_good_status_needs_the_return_time() -> None:
    def returned(t: dict[str, Any], r: list[dict[str, Any]]) -> None:
        t["orders"]["order"][0]["refund_status"] = "WAIT_BUYER_RETURN_GOODS"
        _set(r[0], status="WAIT_BUYER_RETURN_GOODS", good_return_time=None)

    assert "good_status says the buyer returned" in broken(returned).message


def test_refunds_that_overlap_are_refused() -> None:
    def two(t: dict[str, Any], r: list[dict[str, Any]]) -> None:
        r.append({**r[0], "refund_id": 77, "created": "2026-11-04 09:00:00"})

    err = broken(two)
    assert "one refund at a time" in err.message and "refund 77" in err.message


def test_a_trade_closed_needs_its_refunds() -> None:
    trade, _ = read_payload(TOP / "14-refund-success-trade-closed.json")
    trade["orders"]["order"][0]["refund_status"] = "NO_REFUND"
    with pytest.raises(InvalidInput, match="do not refund the whole payment"):
        from_trade(trade)


def test_a_step_the_rules_forbid_is_an_error_naming_the_refund_and_rule() -> None:
    # a seller cannot refuse a refund asked for before shipping (RULES.md § Timers)
    trade, refunds = read_payload(TOP / "09-refund-unshipped-wait-seller-agree.json")
    refunds[0].update(status="SELLER_REFUSE_BUYER", modified="2026-11-11 12:00:00")
    trade["orders"]["order"][0]["refund_status"] = "SELLER_REFUSE_BUYER"
    with pytest.raises(InvalidInput) as info:
        from_trade(trade, refunds)
    assert "refund 5901000000000000109" in info.value.message
    assert info.value.rule is not None


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ([], "must be a JSON object"),
        ({"refunds": []}, "needs a 'trade' object"),
        ({"trade": {"tid": 1}, "refunds": {}}, "'refunds' must be a list"),
        ({"trade": {"tid": 1}, "refunds": [3]}, "refunds[0] must be a TOP refund object"),
        ('{"trade": ', "malformed JSON"),
        ({"trade": {"status": "WAIT_BUYER_PAY"}}, "'tid' is missing"),
        ({"trade": {"tid": 1, "status": "WAIT_BUYER_PAY"}}, "'created' is missing"),
        (
            {"trade": {"tid": 1, "status": "WAIT_BUYER_PAY", "orders": []}},
            "'orders' must be {\"order\": [...]}",
        ),
        (
            {"trade": {"tid": 1, "status": "WAIT_BUYER_PAY", "orders": {"order": [1]}}},
            "orders.order[0] must be a TOP order object",
        ),
        ({"trade": {"tid": "12a"}}, "'tid' '12a' is not a TOP id"),
    ],
)
def test_malformed_payloads(payload: object, words: str) -> None:
    with pytest.raises(InvalidInput) as info:
        trade, refunds = read_payload(payload)
        from_trade(trade, refunds)
    assert words in info.value.message


def test_an_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read TOP payload"):
        read_payload(tmp_path / "nope.json")
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"trade": {"tid": 1, "buyer_nick": "é"}}'.encode("latin-1"))
    with pytest.raises(InvalidInput, match="is not UTF-8 text"):
        read_payload(latin)
    with pytest.raises(InvalidInput, match="must be a JSON object, got int"):
        read_payload(3)


# --- the CLI ------------------------------------------------------------------------------


def test_import_top_writes_a_log_that_status_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = TOP / "12-return-wait-seller-confirm.json"
    assert main(["import-top", str(path)]) == 0
    log = json.loads(capsys.readouterr().out)
    assert log == imported(path.name)
    out = tmp_path / "log.json"
    out.write_text(json.dumps(log))
    assert main(["when", str(out), "auto_refund", "--now", "2026-11-05T00:00:00+08:00"]) == 0
    assert "2026-11-14T17:30:00+08:00" in capsys.readouterr().out


def test_import_top_bad_payload_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    path = TOP / "after-sale" / "17-after-sale-refund.json"
    assert main(["import-top", str(path)]) == 2
    assert "aftersale.window" in capsys.readouterr().err
    rules = str(TOP / "after-sale" / "taobao-aftersale.toml")
    assert main(["import-top", str(path), "--rules", rules]) == 0
    assert json.loads(capsys.readouterr().out)["rules"] == "taobao-aftersale"


def test_check_top_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-top", *map(str, CONSISTENT)]) == 0
    out = capsys.readouterr().out
    assert f"54 agree, 0 disagree, 0 unjudged, in {len(CONSISTENT)} payloads" in out.splitlines()
    assert main(["check-top", *map(str, DISAGREE)]) == 1
    out = capsys.readouterr().out
    assert "disagree  trade 3901000000000000201 timeout_action_time" in out
    assert "confirm.auto_confirm = P10D" in out
    # where an audit should look first: per rule, agreements and disagreements
    assert "  refund.seller_receipt_timeout: 0 agree, 2 disagree" in out.splitlines()
    assert main(["check-top", *map(str, CONSISTENT)]) == 0
    assert "  confirm.auto_confirm: 8 agree, 0 disagree" in capsys.readouterr().out.splitlines()


def test_check_top_json(capsys: pytest.CaptureFixture[str]) -> None:
    x01 = str(DISAGREE[0])
    assert main(["check-top", "--json", x01, str(CONSISTENT[0])]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["summary"] == {"agree": 2, "disagree": 1, "unjudged": 0}
    assert data["by_rule"] == {"confirm.auto_confirm": {"agree": 0, "disagree": 1}}
    [bad] = [f for f in data["files"][x01] if f["verdict"] == "disagree"]
    assert bad["rule"] == "confirm.auto_confirm" and bad["tradeclock"] == "2026-11-24 09:00:00"


def test_check_top_lists_unjudged_files_without_failing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    good = ROOT / "examples" / "top" / "12-return-wait-seller-confirm.json"
    # every payload is judged; an unreadable one is listed, and the exit status says so
    assert main(["check-top", str(bad), str(good)]) == 2
    out, err = capsys.readouterr()
    assert "unjudged  " + str(bad) in out and "malformed JSON" in out
    assert str(good) + "\n  agree" in out  # the readable one is judged
    assert err.startswith("tradeclock: invalid_input: ") and str(bad) in err


# --- rules carry the date they were checked -------------------------------------------------


def test_every_preset_rule_has_a_check_date_and_note() -> None:
    for rs in PRESETS.values():
        for rule in rs:
            assert rule.checked == CHECKED_ON and rule.checked_note, (rs.name, rule.id)
    assert "unconfirmed" in TAOBAO["pay.unpaid_close"].checked_note
    assert TAOBAO["law.no_reason_window"].checked_note.endswith("its sources: law")


def test_the_other_tables_carry_a_check_date_too() -> None:
    rows = [*tc._presets.CONSTRAINTS.values(), *tc._presets.AMOUNT_RULES.values()]
    rows += [r for versions in tc._presets.LATE_SHIPMENT.values() for r in versions]
    assert rows and all(r.checked == CHECKED_ON and r.checked_note for r in rows)


def test_a_changed_value_is_no_longer_checked() -> None:
    shop = TAOBAO.with_overrides({"confirm.auto_confirm": "P7D"}, name="myshop")
    rule = shop["confirm.auto_confirm"]
    assert rule.checked is None and "myshop" in rule.checked_note
    assert shop["refund.buyer_return_timeout"].checked == CHECKED_ON
    window = TAOBAO.with_overrides({"money.credit_card": ["P1D", "P2D"]}, name="bank")
    assert window["money.credit_card"].checked is None


def test_rules_json_shows_the_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "taobao", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)["rules"]}
    assert rows["confirm.auto_confirm"]["checked"] == CHECKED_ON.isoformat()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)
FIELDS = [
    "tid",
    "status",
    "payment",
    "shipping_type",
    "created",
    "pay_time",
    "consign_time",
    "end_time",
    "orders",
]
REFUND_FIELDS = [
    "refund_id",
    "tid",
    "oid",
    "status",
    "created",
    "modified",
    "has_good_return",
    "good_return_time",
    "sid",
    "refund_fee",
    "refund_phase",
    "refund_remind_timeout",
]


@given(
    name=st.sampled_from([p.name for p in CONSISTENT]),
    field=st.sampled_from(FIELDS + [f"refund.{f}" for f in REFUND_FIELDS]),
    value=JSON | st.sampled_from(["2026-11-11 00:00:00", "WAIT_SELLER_AGREE", "1.00", "post"]),
)
def test_property_any_bad_field_is_a_typed_error_never_a_crash(
    name: str, field: str, value: object
) -> None:
    """One field of a good payload replaced by any JSON value: the import gives a log that
    loads, or InvalidInput; the report never raises."""
    trade, refunds = read_payload(TOP / name)
    if field.startswith("refund."):
        if not refunds:
            return
        refunds[0][field[7:]] = value
    else:
        trade[field] = value
    try:
        log = from_trade(trade, refunds)
    except InvalidInput as exc:
        assert exc.message.startswith(("TOP trade", "refunds[")), exc.message
    else:
        tc.load(log)
    for finding in check({"trade": trade, "refunds": refunds}):
        assert finding.verdict in ("agree", "disagree", "unjudged")


def test_a_trade_of_several_lines_imports_line_by_line() -> None:
    # two refunds open at once, one per line: no longer refused, each judged on its line
    trade, refunds = read_payload(TOP / "20-two-lines-concurrent-refunds.json")
    log = from_trade(trade, refunds)
    placed, *rest = log["events"]
    assert [x["id"] for x in placed["lines"]] == ["3901000000000001201", "3901000000000001202"]
    assert {e["line"] for e in rest if e["type"].startswith("refund")} == {
        "3901000000000001201",
        "3901000000000001202",
    }
    findings = check(TOP / "20-two-lines-concurrent-refunds.json")
    assert {f.verdict for f in findings} == {"agree"}
    assert {f.rule for f in findings if f.rule} == {
        "refund.refund_only_seller_timeout",
        "refund.buyer_return_timeout",
    }


def test_a_split_shipment_ships_each_line_at_its_own_time() -> None:
    trade, refunds = read_payload(TOP / "21-split-shipment.json")
    log = from_trade(trade, refunds)
    shipped = [e for e in log["events"] if e["type"] == "shipped"]
    assert [e["lines"] for e in shipped] == [["3901000000000001211"]]
    status = tc.load(log).status(snapshot(trade, refunds))
    assert status.state == "partly_shipped" and status.top_status == "SELLER_CONSIGNED_PART"
    [line] = [f for f in check(TOP / "21-split-shipment.json") if "line" in f.subject]
    assert (line.verdict, line.rule) == ("agree", "confirm.auto_confirm")


def test_refunds_that_overlap_on_one_line_of_a_trade_are_refused() -> None:
    trade, refunds = read_payload(TOP / "20-two-lines-concurrent-refunds.json")
    again = {**refunds[0], "refund_id": 78, "created": "2026-11-12 10:00:00"}
    with pytest.raises(InvalidInput, match="one refund at a time on its line"):
        from_trade(trade, [*refunds, again])
    lost = {k: v for k, v in refunds[0].items() if k != "oid"}
    with pytest.raises(InvalidInput, match="'oid' is missing"):
        from_trade(trade, [lost, refunds[1]])
