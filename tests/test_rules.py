"""Every timer row of RULES.md: its value per preset, and the engine honouring it.

Each test names the rule id it checks; the values and sources are RULES.md's.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import e, fired, log, t, upcoming

import tradeclock as tc
from tradeclock._errors import InvalidInput
from tradeclock._presets import CONSTRAINTS
from tradeclock._rules import load_rules

D = timedelta(days=1)
H = timedelta(hours=1)

# (rule id, taobao, tmall) straight from the RULES.md timer table
TABLE = [
    ("pay.unpaid_close", 72 * H, 72 * H),
    ("pay.reminder", 12 * H, 12 * H),
    ("pay.reminder.campaign", timedelta(minutes=30), timedelta(minutes=30)),
    ("service.greeting", timedelta(seconds=15), timedelta(seconds=15)),
    ("service.reply", timedelta(seconds=20), timedelta(seconds=20)),
    ("service.complaint_reply", 24 * H, 24 * H),
    ("ship.dispatch_due", 48 * H, 72 * H),
    ("confirm.auto_confirm", 10 * D, 10 * D),
    ("confirm.auto_confirm.surface_mail", 30 * D, 30 * D),
    ("confirm.buyer_extension", 3 * D, 3 * D),
    ("refund.unshipped_seller_timeout", 2 * D, 2 * D),
    ("refund.refund_only_seller_timeout", 5 * D, 5 * D),
    ("refund.return_seller_timeout", 5 * D, 5 * D),
    ("refund.buyer_return_timeout", 7 * D, 7 * D),
    ("refund.seller_receipt_timeout", 10 * D, 10 * D),
    ("refund.seller_receipt_timeout.surface_mail", 30 * D, 30 * D),
    ("refund.refused_buyer_timeout", 7 * D, 7 * D),
    ("refund.intervention_evidence", 3 * D, 3 * D),
    ("return.no_reason_window", 168 * H, 168 * H),
    # money arrival: the window's end (its start: test_money_windows)
    ("money.alipay_balance", timedelta(0), timedelta(0)),
    ("money.credit_card", 3 * D, 3 * D),
    ("money.credit_card.boc", 10 * D, 10 * D),
    ("money.credit_card.other_bank", 3 * D, 3 * D),
    ("money.withdrawal", 3 * D, 3 * D),
    ("money.processing_cutoff", 24 * H, 24 * H),
    ("rate.window.buyer", 15 * D, 15 * D),
    ("rate.window.seller", 15 * D, 15 * D),
    ("aftersale.window", 15 * D, 15 * D),  # off in both presets until a rule set enables it
    ("law.no_reason_window", 7 * D, 7 * D),  # the law, the same whatever the platform
    ("refund.intervention_seller_reply", 24 * H, 24 * H),
    ("law.return_address", 15 * D, 15 * D),
    ("law.refund_after_return", 7 * D, 7 * D),
    ("law.refund_after_return.punishable", 15 * D, 15 * D),
]


@pytest.mark.parametrize(("rule_id", "taobao", "tmall"), TABLE)
def test_rule_table_values(rule_id: str, taobao: timedelta, tmall: timedelta) -> None:
    assert tc.TAOBAO[rule_id].duration == taobao
    assert tc.TMALL[rule_id].duration == tmall
    assert tc.TAOBAO[rule_id].source and tc.TMALL[rule_id].source


def test_every_rule_has_a_test_row_and_a_source() -> None:
    tested = {row[0] for row in TABLE} | {"confirm.seller_extension"}
    assert set(tc.TAOBAO.rules) == tested
    assert set(tc.TMALL.rules) == tested
    for rule in tc.TAOBAO:
        assert rule.source and rule.effect and rule.starts


def test_unconfirmed_values_are_flagged() -> None:
    # RULES.md: not confirmed by any reachable source
    unconfirmed = {r.id for r in tc.TAOBAO if not r.confirmed}
    assert unconfirmed == {
        "pay.unpaid_close",
        "ship.dispatch_due",
        "confirm.buyer_extension",
        "refund.refused_buyer_timeout",
        # the money-arrival days: the seeds only
        "money.alipay_balance",
        "money.credit_card",
        "money.credit_card.boc",
        "money.credit_card.other_bank",
        "money.withdrawal",
        "money.processing_cutoff",
    }
    assert tc.TMALL["ship.dispatch_due"].confirmed  # seed 001 § 发货时间问题
    # RULES.md: Tmall's after-sale length was not found (Taobao's 15 d): flagged there only
    assert not tc.TMALL["aftersale.window"].confirmed
    assert not tc.TAOBAO["aftersale.window"].enabled and not tc.TMALL["aftersale.window"].enabled


@pytest.mark.parametrize(
    ("rule_id", "earliest", "working_days"),
    [
        ("money.alipay_balance", timedelta(0), False),  # at once
        ("money.credit_card", timedelta(0), False),  # within about 3 days
        ("money.credit_card.boc", 5 * D, True),  # 5-10 working days
        ("money.credit_card.other_bank", 2 * D, True),  # 2-3 working days
        ("money.withdrawal", 2 * D, True),  # 2-3 working days
    ],
)
def test_money_windows(rule_id: str, earliest: timedelta, working_days: bool) -> None:
    # seed 002 § 四.常見問題.3-5
    for preset in (tc.TAOBAO, tc.TMALL):
        rule = preset[rule_id]
        assert (rule.earliest, rule.working_days) == (earliest, working_days)


def test_seller_extension_choices() -> None:
    # rule: Open Platform taobao.trade.receivetime.delay (3/5/7/10 days)
    assert tc.TAOBAO["confirm.seller_extension"].choices == (3 * D, 5 * D, 7 * D, 10 * D)


def test_presets_reckon_in_shanghai() -> None:
    assert tc.TAOBAO.timezone == tc.TMALL.timezone == "Asia/Shanghai"


# --- the engine follows each timer, under both presets ----------------------------------


@pytest.fixture(params=["taobao", "tmall"])
def each(request: pytest.FixtureRequest) -> str:
    """Every rule test runs under each preset (a changed value in either one fails a test)."""
    return str(request.param)


def logp(preset: str, *events: dict) -> dict:
    return log(*events, rules=preset)


PLACED = e("placed", "2026-11-01 10:00", amount="100.00")
PAID = e("paid", "2026-11-01 10:05")
SHIPPED = e("shipped", "2026-11-02 09:00")
SIGNED = e("signed", "2026-11-04 14:00")


@pytest.mark.parametrize("preset", ["taobao", "tmall"])
def test_pay_unpaid_close(preset: str) -> None:
    # pay.unpaid_close: closes itself 72 h after placed (seed 001 § 关闭交易问题)
    order = tc.load(log(PLACED, rules=preset))
    assert order.when("auto_close", t("2026-11-01 11:00")) == t("2026-11-04 10:00")
    st = order.status(t("2026-11-04 10:00"))
    assert st.state == "closed" and fired(st)["auto_close"] == t("2026-11-04 10:00")
    assert order.status(t("2026-11-04 09:59")).state == "placed"


def test_pay_within_overrides_the_table() -> None:
    order = tc.load(log(e("placed", "2026-11-01 10:00", pay_within="PT30M")))
    assert order.when("auto_close", t("2026-11-01 10:00")) == t("2026-11-01 10:30")


@pytest.mark.parametrize(
    ("preset", "due"), [("taobao", "2026-11-03 10:05"), ("tmall", "2026-11-04 10:05")]
)
def test_ship_dispatch_due(preset: str, due: str) -> None:
    # ship.dispatch_due: informational, no state change
    order = tc.load(log(PLACED, PAID, rules=preset))
    assert order.when("dispatch_due", t("2026-11-01 11:00")) == t(due)
    st = order.status(t(due))
    assert st.state == "paid" and fired(st)["dispatch_due"] == t(due)
    assert upcoming(st) == {}
    # shipping stops it
    shipped = tc.load(log(PLACED, PAID, e("shipped", "2026-11-02 09:00"), rules=preset))
    assert "dispatch_due" not in fired(shipped.status(t("2026-11-10 00:00")))


@pytest.mark.parametrize(
    ("method", "days"), [("express", 10), ("ems", 10), ("none", 10), ("surface_mail", 30)]
)
def test_confirm_auto_confirm(method: str, days: int, each: str) -> None:
    # confirm.auto_confirm(.surface_mail): seed 002 § 五.1
    order = tc.load(logp(each, PLACED, PAID, e("shipped", "2026-11-02 09:00", method=method)))
    due = t("2026-11-02 09:00") + days * D
    st = order.status(t("2026-11-02 10:00"))
    rule = (
        "confirm.auto_confirm.surface_mail" if method == "surface_mail" else "confirm.auto_confirm"
    )
    assert [(d.event, d.at, d.rule) for d in st.upcoming] == [("auto_confirm", due, rule)]
    assert order.status(due).state == "success"
    assert order.status(due - timedelta(minutes=1)).state == "shipped"


def test_buyer_confirms_before_the_deadline(each: str) -> None:
    order = tc.load(logp(each, PLACED, PAID, SHIPPED, e("confirmed", "2026-11-03 09:00")))
    st = order.status(t("2026-11-17 00:00"))
    assert st.state == "success" and st.fired == ()
    # nothing ahead but each side's rating window (rate.window.*: 15 d from success)
    assert [(d.event, d.rule, d.at) for d in st.upcoming] == [
        ("rating_window_end", "rate.window.buyer", t("2026-11-18 09:00")),
        ("rating_window_end", "rate.window.seller", t("2026-11-18 09:00")),
    ]


def test_confirm_buyer_extension(each: str) -> None:
    # confirm.buyer_extension: +3 d, once, only when <= 3 d remain
    base = [PLACED, PAID, SHIPPED]
    order = tc.load(logp(each, *base, e("receipt_extended", "2026-11-09 09:00", by="buyer")))
    assert order.when("auto_confirm", t("2026-11-09 10:00")) == t("2026-11-15 09:00")
    with pytest.raises(tc.NotAllowed) as too_early:
        tc.load(logp(each, *base, e("receipt_extended", "2026-11-08 08:59", by="buyer")))
    assert too_early.value.rule == "confirm.buyer_extension"
    with pytest.raises(tc.NotAllowed, match="already extended"):
        tc.load(
            logp(
                each,
                *base,
                e("receipt_extended", "2026-11-09 09:00", by="buyer"),
                e("receipt_extended", "2026-11-13 09:00", by="buyer"),
            )
        )
    with pytest.raises(tc.NotAllowed, match="by 3 days only"):
        tc.load(logp(each, *base, e("receipt_extended", "2026-11-09 09:00", by="buyer", days=5)))


@pytest.mark.parametrize("days", [3, 5, 7, 10])
def test_confirm_seller_extension(days: int, each: str) -> None:
    # confirm.seller_extension: +3, +5, +7 or +10 d
    order = tc.load(
        logp(
            each,
            PLACED,
            PAID,
            SHIPPED,
            e("receipt_extended", "2026-11-03 09:00", by="seller", days=days),
        )
    )
    assert order.when("auto_confirm", t("2026-11-03 10:00")) == t("2026-11-12 09:00") + days * D


@pytest.mark.parametrize("days", [1, 4, 6, 11])
def test_confirm_seller_extension_other_values_refused(days: int, each: str) -> None:
    with pytest.raises(tc.NotAllowed) as exc:
        tc.load(
            logp(
                each,
                PLACED,
                PAID,
                SHIPPED,
                e("receipt_extended", "2026-11-03 09:00", by="seller", days=days),
            )
        )
    assert exc.value.rule == "confirm.seller_extension" and exc.value.event_index == 3


def test_refund_unshipped_seller_timeout(each: str) -> None:
    # refund.unshipped_seller_timeout: 2 d, then auto_refund; seed 002 § 四.1
    order = tc.load(logp(each, PLACED, PAID, e("refund_requested", "2026-11-01 12:00")))
    st = order.status(t("2026-11-01 13:00"))
    assert [(d.event, d.rule) for d in st.upcoming if d.event == "auto_refund"] == [
        ("auto_refund", "refund.unshipped_seller_timeout")
    ]
    assert upcoming(st)["auto_refund"] == t("2026-11-03 12:00")
    done = order.status(t("2026-11-03 12:00"))
    assert (done.state, done.refund.state) == ("closed", "success")


def test_refund_refund_only_seller_timeout(each: str) -> None:
    # refund.refund_only_seller_timeout: 5 d; seed 002 § 四.2.C
    order = tc.load(
        logp(
            each, PLACED, PAID, SHIPPED, e("refund_requested", "2026-11-03 12:00", reason="quality")
        )
    )
    assert order.when("auto_refund", t("2026-11-03 13:00")) == t("2026-11-08 12:00")


def test_refund_return_seller_timeout_and_buyer_return_timeout(each: str) -> None:
    # refund.return_seller_timeout 5 d -> auto_agree; refund.buyer_return_timeout 7 d -> closed
    order = tc.load(
        logp(
            each,
            PLACED,
            PAID,
            SHIPPED,
            e("refund_requested", "2026-11-03 12:00", return_goods=True, reason="quality"),
        )
    )
    assert order.when("auto_agree", t("2026-11-03 13:00")) == t("2026-11-08 12:00")
    st = order.status(t("2026-11-08 12:00"))
    assert st.refund.state == "wait_buyer_return"
    assert upcoming(st)["refund_close"] == t("2026-11-15 12:00")
    assert order.status(t("2026-11-15 12:00")).refund.state == "closed"


@pytest.mark.parametrize(
    ("method", "days", "rule"),
    [
        (None, 10, "refund.seller_receipt_timeout"),
        ("express", 10, "refund.seller_receipt_timeout"),
        ("surface_mail", 30, "refund.seller_receipt_timeout.surface_mail"),
    ],
)
def test_refund_seller_receipt_timeout(method: str | None, days: int, rule: str, each: str) -> None:
    extra = {} if method is None else {"method": method}
    order = tc.load(
        logp(
            each,
            PLACED,
            PAID,
            SHIPPED,
            e("refund_requested", "2026-11-03 12:00", return_goods=True, reason="quality"),
            e("refund_agreed", "2026-11-03 13:00"),
            e("return_shipped", "2026-11-04 08:00", tracking_no="SF1", **extra),
        )
    )
    st = order.status(t("2026-11-04 09:00"))
    (d,) = [d for d in st.upcoming if d.event == "auto_refund"]
    assert (d.at, d.rule) == (t("2026-11-04 08:00") + days * D, rule)
    assert order.status(d.at).state == "closed"


def test_refund_refused_buyer_timeout(each: str) -> None:
    # refund.refused_buyer_timeout: 7 d after the seller refused, the refund closes
    order = tc.load(
        logp(
            each,
            PLACED,
            PAID,
            SHIPPED,
            e("refund_requested", "2026-11-03 12:00", reason="quality"),
            e("refund_refused", "2026-11-04 12:00"),
        )
    )
    assert order.when("refund_close", t("2026-11-04 13:00")) == t("2026-11-11 12:00")
    assert order.status(t("2026-11-11 12:00")).refund.state == "closed"


def test_refund_intervention_evidence(each: str) -> None:
    # refund.intervention_evidence: 3 d, informational; the platform rules
    order = tc.load(
        logp(
            each,
            PLACED,
            PAID,
            SHIPPED,
            e("refund_requested", "2026-11-03 12:00", reason="quality"),
            e("refund_refused", "2026-11-04 12:00"),
            e("intervention_requested", "2026-11-05 12:00", by="buyer"),
        )
    )
    st = order.status(t("2026-11-05 13:00"))
    assert upcoming(st) == {"evidence_due": t("2026-11-08 12:00")}
    later = order.status(t("2026-12-30 00:00"))
    assert later.refund.state == "seller_refused" and later.upcoming == ()
    ruled = order.apply(e("intervention_ruled", "2026-11-09 12:00", outcome="refund"))
    assert ruled.status(t("2026-11-09 12:00")).state == "closed"


def test_return_no_reason_window_ends_at_local_midnight(each: str) -> None:
    # return.no_reason_window: 168 h from 00:00 of the day after signing
    for signed, end in [
        ("2026-11-04 00:00", "2026-11-12 00:00"),
        ("2026-11-04 23:59", "2026-11-12 00:00"),
        ("2026-12-31 12:00", "2027-01-08 00:00"),
    ]:
        shipped = e("shipped", signed[:10] + " 00:00")
        order = tc.load(logp(each, PLACED, PAID, shipped, e("signed", signed)))
        assert order.when("return_window_end", t(signed)) == t(end)


def test_no_reason_window_is_local_whatever_the_input_offset() -> None:
    # 2026-11-04 17:30 UTC is 2026-11-05 01:30 in Shanghai: the window counts from 11-06 00:00
    order = tc.load(log(PLACED, PAID, SHIPPED, {"type": "signed", "at": "2026-11-04T17:30:00Z"}))
    assert order.when("return_window_end", t("2026-11-05 02:00")) == t("2026-11-13 00:00")


# --- custom rule sets -------------------------------------------------------------------


def test_overrides_move_deadlines_and_keep_the_rest() -> None:
    shop = tc.TAOBAO.with_overrides({"confirm.auto_confirm": "P7D"}, name="shop")
    order = tc.load(log(PLACED, PAID, SHIPPED, rules="shop"), rules=shop)
    assert order.when("auto_confirm", t("2026-11-02 10:00")) == t("2026-11-09 09:00")
    assert shop["refund.return_seller_timeout"] == tc.TAOBAO["refund.return_seller_timeout"]
    assert "shop" in shop["confirm.auto_confirm"].source


def test_toml_rule_set_example_file() -> None:
    rs = load_rules(__import__("pathlib").Path(__file__).parents[1] / "examples/flash-sale.toml")
    assert rs.name == "flash" and rs.base == "tmall"
    assert rs["pay.unpaid_close"].duration == timedelta(minutes=15)
    assert rs["ship.dispatch_due"].duration == 72 * H  # from tmall


@pytest.mark.parametrize("preset", [tc.TAOBAO, tc.TMALL])
def test_toml_parity_with_python_presets(preset: tc.RuleSet) -> None:
    again = load_rules(preset.to_toml())
    assert again == preset
    events = [
        PLACED,
        PAID,
        SHIPPED,
        SIGNED,
        e("refund_requested", "2026-11-05 10:00", return_goods=True, reason="no_reason"),
    ]
    a = tc.load(log(*events, rules=preset.name))
    b = tc.load(log(*events, rules=preset.name), rules=again)
    now = t("2026-11-06 00:00")
    assert a.status(now).upcoming == b.status(now).upcoming


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('base = "taobao"\n[durations]\n"confirm.auto_confirm" = "-P1D"', "not an ISO-8601"),
        ('base = "taobao"\n[durations]\n"confirm.auto_confirm" = "PT0S"', "positive"),
        ('base = "taobao"\n[durations]\n"confirm.auto_confirm" = "P1M"', "months"),
        ('base = "taobao"\n[durations]\n"no.such_rule" = "P1D"', "no rule"),
        ('base = "jd"', "unknown rule set"),
        ('base = "taobao"\ntimezone = "Mars/Olympus"', "unknown time zone"),
        ('base = "taobao"\ncode = "__import__(\'os\')"', "unknown keys"),
        ('base = "taobao"\n[durations]\n"confirm.auto_confirm" = 10', "ISO-8601 duration strings"),
        ("base = [", "not valid TOML"),
    ],
)
def test_bad_rule_sets_are_refused(text: str, match: str) -> None:
    with pytest.raises(InvalidInput, match=match):
        load_rules(text)


def test_rule_set_files_are_data_only(tmp_path) -> None:
    # nothing executable is accepted: Python in a TOML string stays a string and is refused
    path = tmp_path / "evil.toml"
    path.write_text('base = "taobao"\n[durations]\n"pay.unpaid_close" = "__import__(\'os\')"\n')
    with pytest.raises(InvalidInput, match="not an ISO-8601 duration"):
        load_rules(path)


def test_missing_rule_file_is_invalid_input(tmp_path) -> None:
    with pytest.raises(InvalidInput, match="cannot read"):
        load_rules(tmp_path / "missing.toml")


def test_constraints_have_sources() -> None:
    for c in CONSTRAINTS.values():
        assert c.text and c.source


def test_python_override_refuses_a_negative_duration() -> None:
    with pytest.raises(InvalidInput, match="positive") as exc:
        tc.TAOBAO.with_overrides({"refund.buyer_return_timeout": timedelta(days=-1)}, name="bad")
    assert exc.value.rule == "refund.buyer_return_timeout"


def test_override_of_extension_choices() -> None:
    shop = tc.TAOBAO.with_overrides({"confirm.seller_extension": ["P1D", "P2D"]}, name="x")
    assert shop["confirm.seller_extension"].choices == (D, 2 * D)
    with pytest.raises(InvalidInput, match="empty list"):
        tc.TAOBAO.with_overrides({"confirm.seller_extension": []}, name="x")


@pytest.mark.parametrize(
    ("campaign", "due"), [(False, "2026-11-01 22:00"), (True, "2026-11-01 10:30")]
)
def test_pay_reminder(campaign: bool, due: str, each: str) -> None:
    # pay.reminder 12 h, pay.reminder.campaign 30 min: seed 001 篇1 § 八.标准催款语
    placed = e("placed", "2026-11-01 10:00", **({"campaign": True} if campaign else {}))
    order = tc.load(logp(each, placed))
    (d,) = [d for d in order.status(t("2026-11-01 10:00")).upcoming if d.event == "pay_reminder"]
    rule = "pay.reminder.campaign" if campaign else "pay.reminder"
    assert (d.at, d.rule, d.informational) == (t(due), rule, True)
    at_due = order.status(t(due))
    assert at_due.state == "placed" and fired(at_due)["pay_reminder"] == t(due)
    # it never fires once the order is paid (or closed)
    paid = tc.load(logp(each, placed, e("paid", "2026-11-01 10:10")))
    assert "pay_reminder" not in fired(paid.status(t("2026-11-05 00:00")))
    cancelled = tc.load(logp(each, placed, e("cancelled", "2026-11-01 10:10")))
    assert "pay_reminder" not in fired(cancelled.status(t("2026-11-05 00:00")))


def test_no_reminder_for_an_order_that_closes_first(each: str) -> None:
    order = tc.load(logp(each, e("placed", "2026-11-01 10:00", pay_within="PT20M")))
    assert order.when("pay_reminder", t("2026-11-01 10:00")) is None
    flash = tc.load(logp(each, e("placed", "2026-11-01 10:00", pay_within="PT2H", campaign=True)))
    assert flash.when("pay_reminder", t("2026-11-01 10:00")) == t("2026-11-01 10:30")


def test_a_rule_set_refuses_a_non_positive_duration() -> None:
    # what the mutation check reports as "refused by RuleSet itself"
    rules = dict(tc.TAOBAO.rules)
    import attrs

    rules["pay.reminder"] = attrs.evolve(rules["pay.reminder"], duration=timedelta(hours=-12))
    with pytest.raises(InvalidInput, match="positive duration"):
        tc.RuleSet("bad", "Asia/Shanghai", rules)
