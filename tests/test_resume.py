"""How a paused countdown resumes is rule data: remaining (the platform's), absolute or
restart, with an optional floor; the anchor (paused since) is kept and shown."""

from __future__ import annotations

import pytest
from conftest import e, log, t

import tradeclock as tc

BASE = [
    e("placed", "2026-11-01 10:00"),
    e("paid", "2026-11-01 10:05"),
    e("shipped", "2026-11-02 10:00"),  # auto-confirm due 2026-11-12 10:00
    e("refund_requested", "2026-11-05 10:00", reason="quality", return_goods=True),  # 7 d left
]


def when(mode: str, cancel: str, floor: str | None = None) -> object:
    rs = tc.TAOBAO.with_overrides(
        {},
        name="shop",
        resume={"confirm.auto_confirm": mode},
        resume_floor={} if floor is None else {"confirm.auto_confirm": floor},
    )
    order = tc.load(log(*BASE, e("refund_cancelled", cancel), rules="shop"), rules=rs)
    status = order.status(t(cancel))
    d = status.deadline("auto_confirm")
    return d.at if d is not None else [f.at for f in status.fired if f.event == "auto_confirm"]


@pytest.mark.parametrize(
    ("mode", "cancel", "expected"),
    [
        ("remaining", "2026-11-08 10:00", "2026-11-15 10:00"),  # 7 days left, from the resume
        ("absolute", "2026-11-08 10:00", "2026-11-12 10:00"),  # as if never paused
        ("restart", "2026-11-08 10:00", "2026-11-18 10:00"),  # the full 10 days again
        ("remaining", "2026-11-13 10:00", "2026-11-20 10:00"),
        ("restart", "2026-11-13 10:00", "2026-11-23 10:00"),
    ],
)
def test_resume_modes(mode: str, cancel: str, expected: str) -> None:
    assert when(mode, cancel) == t(expected)


def test_absolute_fires_at_once_when_its_deadline_passed_during_the_pause() -> None:
    assert when("absolute", "2026-11-13 10:00") == [t("2026-11-13 10:00")]


def test_a_floor_gives_at_least_that_long() -> None:
    assert when("absolute", "2026-11-13 10:00", floor="P2D") == t("2026-11-15 10:00")
    assert when("absolute", "2026-11-08 10:00", floor="P2D") == t("2026-11-12 10:00")


def test_the_presets_resume_with_the_time_left_and_show_the_anchor() -> None:
    assert tc.TAOBAO["confirm.auto_confirm"].resume == "remaining"
    assert tc.TMALL["confirm.auto_confirm.surface_mail"].resume == "remaining"
    status = tc.load(log(*BASE)).status(t("2026-11-06 00:00"))
    assert status.auto_confirm_paused_since == t("2026-11-05 10:00")
    assert status.to_dict()["auto_confirm_paused_since"] == "2026-11-05T10:00:00+08:00"


def test_resume_settings_round_trip_and_are_checked() -> None:
    rs = tc.TAOBAO.with_overrides(
        {},
        name="shop",
        resume={"confirm.auto_confirm": "restart"},
        resume_floor={"confirm.auto_confirm": "PT6H"},
    )
    again = tc.load_rules(rs.to_toml())
    assert (
        again["confirm.auto_confirm"].resume,
        str(again["confirm.auto_confirm"].resume_floor),
    ) == (
        "restart",
        "6:00:00",
    )
    with pytest.raises(tc.InvalidInput, match="resumes 'remaining', 'absolute' or 'restart'"):
        tc.TAOBAO.with_overrides({}, resume={"confirm.auto_confirm": "later"})
    with pytest.raises(tc.InvalidInput, match="is not a timer that pauses"):
        tc.TAOBAO.with_overrides({}, resume={"pay.unpaid_close": "restart"})
    with pytest.raises(tc.InvalidInput, match="must map rule ids to strings"):
        tc.load_rules('base = "taobao"\n[resume]\n"confirm.auto_confirm" = 3\n')
