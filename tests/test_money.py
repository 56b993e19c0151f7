"""Money arrival after a refund, and withdrawals: every channel's window, the processing day
and its cut-off, the 2025 and 2026 Spring Festival and National Day seasons with their make-up
working weekends, a year without calendar data, and money_arrival in the order's status.

Rules: seed 002 § 四.常見問題.3 (Alipay balance at once, credit card within 3 days),
§ 四.常見問題.4 (withdrawals 2-3 working days), § 四.常見問題.5.2 (Bank of China 5-10, other
banks 2-3 working days).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import SH, e, log, t
from hypothesis import event, given
from hypothesis import strategies as st

import tradeclock as tc
from tradeclock._cli import main
from tradeclock._engine import advance
from tradeclock.money import arrival, money_arrival, withdrawal
from tradeclock.testing import event_logs, instants
from tradeclock.workdays import CalendarDataMissing, ChinaCalendar, FileCalendar

PRESETS = {"taobao": tc.TAOBAO, "tmall": tc.TMALL}


@pytest.fixture(params=["taobao", "tmall"])
def rs(request: pytest.FixtureRequest) -> tc.RuleSet:
    """Every money test runs under each preset (a changed value in either one fails a test)."""
    return PRESETS[request.param]


def window(a: object) -> tuple[datetime, datetime]:
    """(earliest, latest) in local time, to compare with the dates worked out by hand."""
    return a.earliest.astimezone(SH), a.latest.astimezone(SH)  # type: ignore[attr-defined]


def midnight(day: str) -> datetime:
    return t(f"{day} 00:00")


# ---------------------------------------------------------------------------- each channel


@pytest.mark.parametrize("channel", ["alipay_balance", "online_banking"])
def test_back_in_the_alipay_balance_at_once(rs: tc.RuleSet, channel: str) -> None:
    # § 四.常見問題.3: "退回支付宝不是银行"
    a = money_arrival(channel, t("2026-02-16 03:00"), rules=rs)  # a holiday: no matter
    assert window(a) == (t("2026-02-16 03:00"), t("2026-02-16 03:00"))
    assert (a.rule, a.approximate) == ("money.alipay_balance", False)


def test_credit_card_bank_unknown_within_three_days(rs: tc.RuleSet) -> None:
    # § 四.常見問題.3: "信用卡(3天内到帐)", counted in days, not working days
    a = money_arrival("credit_card", t("2025-09-30 10:00"), rules=rs)
    assert window(a) == (t("2025-09-30 10:00"), t("2025-10-03 10:00"))
    assert a.rule == "money.credit_card"


@pytest.mark.parametrize(
    ("bank", "paid_out", "earliest", "latest", "rule"),
    [
        # Spring Festival 2025 (28 Jan - 4 Feb off; Sunday 26 Jan and Saturday 8 Feb worked)
        ("icbc", "2025-01-24 10:00", "2025-01-27", "2025-02-06", "other_bank"),
        ("boc", "2025-01-27 12:00", "2025-02-10", "2025-02-18", "boc"),
        # National Day 2025 (1-8 Oct off; Sunday 28 Sep and Saturday 11 Oct worked)
        ("cmb", "2025-09-30 10:00", "2025-10-10", "2025-10-12", "other_bank"),
        ("boc", "2025-09-26 17:00", "2025-10-10", "2025-10-17", "boc"),
        ("icbc", "2025-10-03 15:00", "2025-10-11", "2025-10-14", "other_bank"),  # on a holiday
        # Spring Festival 2026 (15-23 Feb off; Saturdays 14 and 28 Feb worked)
        ("boc", "2026-02-13 20:00", "2026-02-27", "2026-03-06", "boc"),
        ("icbc", "2026-02-14 09:00", "2026-02-25", "2026-02-27", "other_bank"),  # make-up day
        # Mid-Autumn and National Day 2026 (25 Sep, 1-7 Oct off; 20 Sep and 10 Oct worked)
        ("icbc", "2026-09-30 09:00", "2026-10-09", "2026-10-11", "other_bank"),
        ("boc", "2026-09-24 18:00", "2026-10-09", "2026-10-16", "boc"),
    ],
)
def test_credit_card_working_days_across_holidays(
    rs: tc.RuleSet, bank: str, paid_out: str, earliest: str, latest: str, rule: str
) -> None:
    # from 00:00 of the first day of the window to 24:00 of its last, worked out by hand from
    # the State Council schedules (the window's last day is the day before ``latest``)
    a = money_arrival("credit_card", t(paid_out), bank=bank, rules=rs)
    assert window(a) == (midnight(earliest), midnight(latest))
    assert (a.rule, a.approximate) == (f"money.credit_card.{rule}", False)


@pytest.mark.parametrize(
    ("made", "earliest", "latest"),
    [
        ("2026-09-24 18:00", "2026-09-29", "2026-10-01"),  # Friday 25 Sep is Mid-Autumn
        ("2026-09-20 10:00", "2026-09-22", "2026-09-24"),  # a make-up working Sunday counts
        ("2026-11-21 10:00", "2026-11-25", "2026-11-27"),  # an ordinary Saturday: from Monday
    ],
)
def test_withdrawal_two_to_three_working_days(
    rs: tc.RuleSet, made: str, earliest: str, latest: str
) -> None:
    # § 四.常見問題.4: "提现 ... 2-3个工作日到帐"
    a = withdrawal(t(made), rules=rs)
    assert window(a) == (midnight(earliest), midnight(latest))
    assert a.rule == "money.withdrawal"


# ---------------------------------------------------------------------------- processing day


def test_no_cut_off_by_default(rs: tc.RuleSet) -> None:
    # paid out at 23:30 on a working Friday: processed that Friday
    a = money_arrival("credit_card", t("2026-11-20 23:30"), bank="icbc", rules=rs)
    assert window(a) == (midnight("2026-11-24"), midnight("2026-11-26"))


def test_a_cut_off_moves_processing_to_the_next_working_day() -> None:
    shop = tc.TAOBAO.with_overrides({"money.processing_cutoff": "PT16H"}, name="shop")
    before = money_arrival("credit_card", t("2026-11-20 15:59"), bank="icbc", rules=shop)
    at_cutoff = money_arrival("credit_card", t("2026-11-20 16:00"), bank="icbc", rules=shop)
    assert window(before) == (midnight("2026-11-24"), midnight("2026-11-26"))
    assert window(at_cutoff) == (midnight("2026-11-25"), midnight("2026-11-27"))


def test_a_cut_off_is_a_time_of_day() -> None:
    with pytest.raises(tc.InvalidInput, match=r"money\.processing_cutoff is a time of day"):
        tc.TAOBAO.with_overrides({"money.processing_cutoff": "PT25H"})


# ---------------------------------------------------------------------------- a year without data


def test_a_year_without_data_is_refused_by_default() -> None:
    with pytest.raises(CalendarDataMissing, match="2027"):
        money_arrival("credit_card", t("2026-12-20 10:00"), bank="boc")


def test_an_approximation_is_asked_for_and_flagged() -> None:
    a = money_arrival("credit_card", t("2026-12-20 10:00"), bank="boc", approximate=True)
    # Sunday: processed Monday 21st; 5th working day 28 Dec; 10th by weekends alone 4 Jan 2027
    assert window(a) == (midnight("2026-12-28"), midnight("2027-01-05"))
    assert a.approximate
    inside = money_arrival("credit_card", t("2026-12-01 10:00"), bank="boc", approximate=True)
    assert not inside.approximate  # only a result that used the approximation says so


def test_a_calendar_file_answers_the_year() -> None:
    cal = FileCalendar({2026, 2027}, holidays={date(2027, 1, 1)}, working_days=set())
    shop = tc.TAOBAO.with_calendar(cal)
    a = money_arrival("credit_card", t("2026-12-31 10:00"), bank="icbc", rules=shop)
    assert window(a) == (midnight("2027-01-05"), midnight("2027-01-07"))
    assert not a.approximate
    assert shop == tc.TAOBAO  # the same rules; only where working days come from changed


def test_bad_calendar_and_bad_arguments() -> None:
    with pytest.raises(tc.InvalidInput, match="is_working_day"):
        tc.TAOBAO.with_calendar(object())  # type: ignore[arg-type]
    with pytest.raises(tc.InvalidInput, match="only with channel credit_card"):
        money_arrival("alipay_balance", t("2026-11-20 10:00"), bank="boc")
    with pytest.raises(tc.InvalidInput, match="unknown payment channel"):
        money_arrival("cash", t("2026-11-20 10:00"))
    with pytest.raises(tc.InvalidInput, match="not a money-arrival window"):
        arrival(tc.TAOBAO, "confirm.auto_confirm", t("2026-11-20 10:00"))
    with pytest.raises(tc.InvalidInput, match="naive"):
        withdrawal("2026-11-20T10:00:00")


@pytest.mark.parametrize(
    ("override", "match"),
    [
        ({"money.credit_card.boc": "P10D"}, r"is a window: give \[earliest, latest\]"),
        ({"money.credit_card.boc": ["P10D", "P5D"]}, "must be a window from 0 up"),
        ({"money.credit_card.boc": ["P5D", "PT240H1M"]}, "counts working days: give whole days"),
    ],
)
def test_bad_window_overrides(override: dict, match: str) -> None:
    with pytest.raises(tc.InvalidInput, match=match):
        tc.TAOBAO.with_overrides(override)


def test_a_window_override_round_trips_through_toml() -> None:
    shop = tc.TAOBAO.with_overrides({"money.credit_card.boc": ["P3D", "P7D"]}, name="shop")
    again = tc.load_rules(shop.to_toml())
    assert [r.value_text() for r in again] == [r.value_text() for r in shop]
    assert again["money.credit_card.boc"].value_text() == "P3D..P7D working days"
    assert "was P5D..P10D working days" in shop["money.credit_card.boc"].source


# ---------------------------------------------------------------------------- in the status


def _refunded(rules: str, **paid: str) -> tc.Order:
    """Paid with ``paid``; a refund before shipping that the seller never answers: auto_refund
    2 days later, on Saturday 21 November 2026 at 09:00."""
    return tc.load(
        log(
            e("placed", "2026-11-18 10:00", amount="300.00"),
            e("paid", "2026-11-18 10:05", **paid),
            e("refund_requested", "2026-11-19 09:00"),
            rules=rules,
        )
    )


def test_status_shows_money_arrival_after_an_automatic_refund(rs: tc.RuleSet) -> None:
    order = _refunded(rs.name, channel="credit_card", bank="icbc")
    status = order.status(t("2026-11-22 12:00"))
    assert status.state == "closed"
    d = status.deadline("money_arrival")
    assert d is not None
    # paid out on a Saturday: processed Monday 23rd; 2-3 working days: 25th 00:00 - 27th 00:00
    assert (d.earliest, d.at) == (midnight("2026-11-25"), midnight("2026-11-27"))
    assert (d.rule, d.informational, d.approximate) == ("money.credit_card.other_bank", True, False)
    assert order.when("money_arrival", t("2026-11-22 12:00")) == midnight("2026-11-27")
    row = status.to_dict()["upcoming"][0]
    assert (row["earliest"], row["at"]) == (
        "2026-11-25T00:00:00+08:00",
        "2026-11-27T00:00:00+08:00",
    )
    # once the window has ended it is among what happened, at its latest instant
    later = order.status(t("2026-11-27 00:00"))
    assert later.deadline("money_arrival") is None
    assert [(f.event, f.at) for f in later.fired][-1] == ("money_arrival", midnight("2026-11-27"))


def test_status_alipay_balance_is_back_at_the_refund(rs: tc.RuleSet) -> None:
    order = _refunded(rs.name, channel="alipay_balance")
    status = order.status(t("2026-11-21 09:00"))
    assert [(f.event, f.at) for f in status.fired if f.event != "dispatch_due"] == [
        ("auto_refund", t("2026-11-21 09:00")),
        ("money_arrival", t("2026-11-21 09:00")),
    ]
    assert "already happened" in status.why_not("money_arrival")


def test_each_successful_refund_has_its_own_arrival(rs: tc.RuleSet) -> None:
    order = tc.load(
        log(
            e("placed", "2026-11-18 10:00", amount="100.00"),
            e("paid", "2026-11-18 10:05", channel="credit_card"),
            e("refund_requested", "2026-11-18 11:00", amount="30.00"),
            e("refund_agreed", "2026-11-18 12:00"),
            e("refund_requested", "2026-11-19 11:00", amount="20.00"),
            e("refund_agreed", "2026-11-19 12:00"),
            rules=rs.name,
        )
    )
    status = order.status(t("2026-11-19 13:00"))
    assert status.state == "paid" and status.refunded == 50
    money = [(d.earliest, d.at) for d in status.upcoming if d.event == "money_arrival"]
    assert money == [
        (t("2026-11-18 12:00"), t("2026-11-21 12:00")),
        (t("2026-11-19 12:00"), t("2026-11-22 12:00")),
    ]


def test_without_a_channel_there_is_no_arrival_and_it_says_why() -> None:
    order = _refunded("taobao")
    status = order.status(t("2026-11-22 12:00"))
    assert status.deadline("money_arrival") is None
    assert "gives its channel" in status.why_not("money_arrival")


def test_status_never_fails_for_a_year_without_data() -> None:
    # BOC after a refund in late December 2026 runs into 2027: shown, flagged approximate
    order = tc.load(
        log(
            e("placed", "2026-12-18 10:00"),
            e("paid", "2026-12-18 10:05", channel="credit_card", bank="boc"),
            e("refund_requested", "2026-12-18 11:00"),
            e("refund_agreed", "2026-12-18 12:00"),
        )
    )
    d = order.status(t("2026-12-19 00:00")).deadline("money_arrival")
    assert d is not None and d.approximate
    assert (d.earliest, d.at) == (midnight("2026-12-25"), midnight("2027-01-02"))
    assert "approximate" in order.explain(t("2026-12-19 00:00"), "en")
    assert "估算" in order.explain(t("2026-12-19 00:00"), "zh")


@pytest.mark.parametrize(
    ("paid", "match"),
    [
        ({"bank": "boc"}, "only with channel credit_card, not no channel"),
        ({"channel": "alipay_balance", "bank": "boc"}, "only with channel credit_card"),
    ],
)
def test_a_bank_needs_a_credit_card(paid: dict, match: str) -> None:
    with pytest.raises(tc.InvalidInput, match=match) as err:
        tc.load(log(e("placed", "2026-11-18 10:00"), e("paid", "2026-11-18 10:05", **paid)))
    assert (err.value.order_id, err.value.event_index, err.value.event_type) == ("T1", 1, "paid")
    assert err.value.rule == "money.credit_card"
    assert err.value.message.startswith("order T1, event 1 (paid): ")


@pytest.mark.parametrize(
    ("paid", "match"),
    [
        ({"channel": "cash"}, "paid.channel 'cash' is not one of"),
        ({"channel": "credit_card", "bank": "BOC"}, "is not a bank code"),
        ({"channel": "credit_card", "bank": 7}, "is not a bank code"),
    ],
)
def test_bad_channel_or_bank_fields(paid: dict, match: str) -> None:
    with pytest.raises(tc.InvalidInput, match=match) as err:
        tc.load(log(e("placed", "2026-11-18 10:00"), e("paid", "2026-11-18 10:05", **paid)))
    assert (err.value.order_id, err.value.event_index) == ("T1", 1)


def test_an_event_built_in_python_is_checked_like_json() -> None:
    order = tc.load(log(e("placed", "2026-11-18 10:00")))
    paid = tc.Event(tc.EventType.PAID, t("2026-11-18 10:05"), channel="credit_card", bank="B O C")
    with pytest.raises(tc.InvalidInput, match="is not a bank code"):
        order.apply(paid)
    shipped = tc.Event(tc.EventType.SHIPPED, t("2026-11-18 10:05"), method="express")
    with pytest.raises(tc.InvalidInput, match="longer than"):
        order.apply(shipped._replace(tracking_no="x" * 1000))


# ---------------------------------------------------------------------------- properties

RULE_IDS = ["money.alipay_balance", "money.credit_card", "money.credit_card.boc",
            "money.credit_card.other_bank", "money.withdrawal"]  # fmt: skip
CAL = ChinaCalendar()


@given(
    at=instants(datetime(2025, 1, 1, tzinfo=SH), days=700),
    rule_id=st.sampled_from(RULE_IDS),
    cutoff_minutes=st.integers(1, 24 * 60),
)
def test_money_never_arrives_before_it_was_paid_out(
    at: datetime, rule_id: str, cutoff_minutes: int
) -> None:
    rules = tc.TAOBAO.with_overrides(
        {"money.processing_cutoff": timedelta(minutes=cutoff_minutes)}, name="p"
    )
    a = arrival(rules, rule_id, at)
    assert at <= a.earliest <= a.latest
    rule = rules[rule_id]
    if rule.working_days:
        # the window starts at 00:00 of a working day and ends at 24:00 of one
        first = a.earliest.astimezone(SH)
        last = (a.latest - timedelta(microseconds=1)).astimezone(SH)
        assert first.time().hour == 0 and first.time().minute == 0
        assert CAL.is_working_day(first.date()) and CAL.is_working_day(last.date())
        # and it is as long as the rule says, counted in working days
        days = [first.date() + timedelta(days=i) for i in range((last.date() - first.date()).days)]
        assert sum(CAL.is_working_day(d) for d in days) == (rule.duration - rule.earliest).days
    else:
        assert (a.earliest, a.latest) == (at + rule.earliest, at + rule.duration)


CHANNELS = st.sampled_from(
    [
        {"channel": "alipay_balance"},
        {"channel": "online_banking"},
        {"channel": "credit_card"},
        {"channel": "credit_card", "bank": "boc"},
        {"channel": "credit_card", "bank": "icbc"},
    ]
)


@given(log=event_logs(), paid=CHANNELS, extra=st.integers(0, 40 * 24 * 3600))
def test_every_arrival_follows_its_refund_in_any_log(log: dict, paid: dict, extra: int) -> None:
    events = [
        {"type": "paid", "at": ev["at"], **paid} if ev["type"] == "paid" else ev
        for ev in log["events"]
    ]
    order = tc.load({**log, "events": events})
    now = order.events[-1].at + timedelta(seconds=extra)
    status = order.status(now)
    state = order._state_at(now)
    advance(state, now)
    payouts = [at for _, at in state.payouts]
    event(f"successful refunds: {min(len(payouts), 2)}")  # --hypothesis-show-statistics
    money_fired = [f for f in status.fired if f.event == "money_arrival"]
    money_ahead = [d for d in status.upcoming if d.event == "money_arrival"]
    assert len(money_fired) + len(money_ahead) == len(payouts)  # one per successful refund
    starts = sorted([*(f.at for f in money_fired), *(d.earliest for d in money_ahead)])
    assert all(start is not None for start in starts)
    for paid_out, start in zip(sorted(payouts), starts, strict=True):
        assert start >= paid_out
    for d in money_ahead:
        assert d.earliest is not None and d.earliest <= d.at and d.at > now
    assert all(f.at <= now for f in money_fired)


def test_the_cli_timeline_shows_the_window(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "m.json"
    order = _refunded("taobao", channel="credit_card", bank="boc")
    path.write_text(json.dumps(order.to_dict()), encoding="utf-8")
    assert main(["status", str(path), "--now", "2026-11-22T12:00:00+08:00"]) == 0
    out = capsys.readouterr().out
    # BOC, processed Monday 23rd: 5th working day 30 Nov, 10th 7 Dec
    assert "2026-12-08 00:00  money_arrival" in out
    assert "not before 2026-11-30 00:00, at the latest then" in out
    assert "approximate" not in out
    now = ["--now", "2026-11-22T12:00:00+08:00"]
    assert main(["when", str(path), "money_arrival", *now, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["earliest"], answer["at"], answer["rule"]) == (
        "2026-11-30T00:00:00+08:00",
        "2026-12-08T00:00:00+08:00",
        "money.credit_card.boc",
    )
    assert main(["when", str(path), "money_arrival", *now]) == 0
    assert "not before 2026-11-30T00:00:00+08:00" in capsys.readouterr().out
    assert main(["status", str(path), "--now", "2026-12-31T12:00:00+08:00"]) == 0
    out = capsys.readouterr().out
    assert "money_arrival (refunded money arrives), automatic, money.credit_card.boc" in out
