"""Explanations (zh, en) and allowed actions, checked on every golden scenario: the right
deadlines, the right parties, and the same facts as status()."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import e, log, t

import tradeclock as tc
from tradeclock._explain import stop_words
from tradeclock._time import format_short
from tradeclock.sources import citations, cite
from tradeclock.words import term

GOLDEN = Path(__file__).parent / "golden"
CASES = [
    (path.stem, scenario["order"], expect["now"])
    for path in sorted(GOLDEN.glob("*.json"))
    for scenario in [json.loads(path.read_text(encoding="utf-8"))]
    for expect in scenario.get("expect", [])
]
IDS = [f"{name}@{now[:16]}" for name, _, now in CASES]


@pytest.mark.parametrize(("name", "data", "now"), CASES, ids=IDS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_explanation_names_every_deadline_and_who_can_stop_it(
    name: str, data: dict, now: str, lang: str
) -> None:
    order = tc.load(data)
    status = order.status(now)
    text = order.explain(now, lang=lang)
    assert data["id"] in text
    for d in status.upcoming:
        lines = [x for x in text.splitlines() if x.startswith(f"- {format_short(d.at, status.tz)}")]
        what = term("auto_long", d.event, lang)
        assert any(what in line for line in lines)  # deadlines may share a time
        assert d.rule in text and cite(d.source, lang) in text
        # the source is cited by its title in the reader's language, never by its register id
        assert not any(f"{c.source} " in text for c in citations(d.source) or () if "-" in c.source)
        if d.stoppable_by:  # how it is stopped, naming each party who can
            how = stop_words(d.rule, order.rules, lang)
            assert how in text
            for party in d.stoppable_by:
                assert term("party", party, lang).removeprefix("the ") in how
    for f in status.fired:
        assert f.rule in text


@pytest.mark.parametrize(("name", "data", "now"), CASES, ids=IDS)
def test_every_stoppable_deadline_has_an_action_of_its_party_that_stops_it(
    name: str, data: dict, now: str
) -> None:
    order = tc.load(data)
    status = order.status(now)
    acts = order.allowed_actions(now)
    assert all(a.allowed for a in acts)
    for d in status.upcoming:
        stoppers = {
            a.actor
            for a in acts
            if (d.event, d.rule, d.at) in {(s.event, s.rule, s.at) for s in a.stops}
        }
        assert stoppers >= set(d.stoppable_by), (d.event, stoppers, d.stoppable_by)
        if not d.stoppable_by:
            assert d.informational


@pytest.mark.parametrize(("name", "data", "now"), CASES, ids=IDS)
def test_actions_agree_with_applying_the_event(name: str, data: dict, now: str) -> None:
    order = tc.load(data)
    at = order.status(now).now
    for a in order.allowed_actions(now, include_refused=True):
        if a.allowed:
            after = order._at(at).apply(a.fields).status(at)
            assert after.state == a.state[1]
        else:
            assert a.reason and a.rule
            with pytest.raises(tc.TradeclockError):
                order._at(at).apply(a.fields)


def test_seller_actions_on_an_unshipped_refund() -> None:
    # the example: refund_agreed -> refund success now; no refuse before shipping
    order = tc.load(
        log(
            e("placed", "2026-11-11 00:05", amount="199.00"),
            e("paid", "2026-11-11 00:06"),
            e("refund_requested", "2026-11-11 09:00"),
        )
    )
    now = t("2026-11-11 10:00")
    seller = {a.label: a for a in order.allowed_actions(now, actor="seller", include_refused=True)}
    agreed = seller["refund_agreed"]
    assert agreed.allowed and agreed.refund == ("wait_seller_agree", "success")
    assert agreed.state == ("paid", "closed")
    assert [d.rule for d in agreed.stops] == [
        "ship.dispatch_due",
        "refund.unshipped_seller_timeout",
    ]
    refused = seller["refund_refused"]
    assert not refused.allowed and refused.rule == "refund.no_refuse_before_shipping"
    assert "before shipping" in refused.reason
    shipped = seller["shipped"]
    assert shipped.allowed and shipped.refund == ("wait_seller_agree", "closed")
    assert [d.event for d in shipped.starts] == ["auto_confirm"]


def test_refusal_starts_the_buyers_seven_days() -> None:
    order = tc.load(
        log(
            e("placed", "2026-11-01 10:00"),
            e("paid", "2026-11-01 10:05"),
            e("shipped", "2026-11-02 09:00"),
            e("refund_requested", "2026-11-03 09:00", reason="quality"),
        )
    )
    (refused,) = [
        a
        for a in order.allowed_actions(t("2026-11-03 10:00"), actor="seller")
        if a.event == "refund_refused"
    ]
    assert [(d.event, d.rule, d.at) for d in refused.starts] == [
        ("refund_close", "refund.refused_buyer_timeout", t("2026-11-10 10:00"))
    ]
    assert "refund_refused -> refund seller_refused now; starts refund_close" in refused.summary(
        order.rules.tz
    )


def test_unknown_actor_and_language() -> None:
    order = tc.load(log(e("placed", "2026-11-01 10:00")))
    with pytest.raises(tc.InvalidInput, match="unknown actor"):
        order.allowed_actions(t("2026-11-01 10:00"), actor="courier")
    with pytest.raises(tc.InvalidInput, match="unknown language"):
        order.explain(t("2026-11-01 10:00"), lang="fr")


def test_explain_zh_wording() -> None:
    order = tc.load(ROOT_ORDER)
    text = order.explain("2026-11-08T12:00:00+08:00", "zh")
    # English unless asked, as every other text of the library and the command line
    assert order.explain("2026-11-08T12:00:00+08:00").startswith("Order TB-2026-1106-0042")
    assert "自动确认收货已暂停" in text and "剩余 6 天" in text
    assert "- 2026-11-14 16:20（6 天 4 小时 20 分钟后）：退款自动关闭。" in text
    assert "七天无理由退货期结束" in text


ROOT_ORDER = Path(__file__).resolve().parents[1] / "examples" / "order.json"
