"""The Taobao Open Platform's status codes for tradeclock's states (re-exported by
:mod:`tradeclock.top`; kept apart so the engine needs nothing else from it)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["REFUND_CODES", "TRADE_CODES", "refund_status", "trade_status"]

#: Order state -> TOP trade status (``closed`` depends on whether it was paid).
TRADE_CODES: Mapping[str, str] = MappingProxyType(
    {
        "placed": "WAIT_BUYER_PAY",
        "paid": "WAIT_SELLER_SEND_GOODS",
        "shipped": "WAIT_BUYER_CONFIRM_GOODS",
        "signed": "WAIT_BUYER_CONFIRM_GOODS",
        "success": "TRADE_FINISHED",
        "closed": "TRADE_CLOSED",
    }
)
#: Refund state -> TOP refund status.
REFUND_CODES: Mapping[str, str] = MappingProxyType(
    {
        "wait_seller_agree": "WAIT_SELLER_AGREE",
        "wait_buyer_return": "WAIT_BUYER_RETURN_GOODS",
        "wait_seller_confirm": "WAIT_SELLER_CONFIRM_GOODS",
        "seller_refused": "SELLER_REFUSE_BUYER",
        "success": "SUCCESS",
        "closed": "CLOSED",
    }
)


def trade_status(state: str, paid: bool) -> str:
    """The TOP trade status of an order in ``state`` (``paid``: whether it was ever paid)."""
    if state == "closed" and not paid:
        return "TRADE_CLOSED_BY_TAOBAO"
    return TRADE_CODES[state]


def refund_status(state: str | None) -> str | None:
    """The TOP refund status of a refund in ``state`` (``None``: no refund)."""
    return None if state is None else REFUND_CODES[state]
