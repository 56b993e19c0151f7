"""The state graphs, declared once with ``transitions`` and compiled into lookup tables.

Two shared machines (no model registered, ``auto_transitions=False``): the order's and the
refund's. Triggers are event names (what people do and what timers do); conditions name
guards that the engine evaluates. The engine never creates a ``Machine`` per order: it reads
the compiled table ``(trigger, state) -> candidates``, which is built from these machines'
own ``events`` so the two can never disagree.

>>> ORDER_TABLE[("paid", "placed")]
(Candidate(dest='paid', conditions=()),)
>>> [c.dest for c in REFUND_TABLE[("refund_agreed", "wait_seller_agree")]]
['wait_buyer_return', 'success']
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import attrs
from transitions import Machine

from ._strenum import ContractEnum

__all__ = [
    "ORDER_MACHINE",
    "ORDER_TABLE",
    "REFUND_MACHINE",
    "REFUND_TABLE",
    "Candidate",
    "OrderState",
    "RefundState",
    "compile_table",
]


class OrderState(ContractEnum):
    """The order (trade) states; Open Platform statuses in the docs."""

    PLACED = "placed"
    PAID = "paid"
    SHIPPED = "shipped"
    SIGNED = "signed"
    SUCCESS = "success"
    CLOSED = "closed"


class RefundState(ContractEnum):
    """The refund states (one refund open at a time)."""

    WAIT_SELLER_AGREE = "wait_seller_agree"
    WAIT_BUYER_RETURN = "wait_buyer_return"
    WAIT_SELLER_CONFIRM = "wait_seller_confirm"
    SELLER_REFUSED = "seller_refused"
    SUCCESS = "success"
    CLOSED = "closed"


_O = OrderState
_R = RefundState
_DELIVERING = [_O.SHIPPED.value, _O.SIGNED.value]
_REFUNDABLE = [_O.PAID.value, *_DELIVERING]
_OPEN_REFUND = [
    _R.WAIT_SELLER_AGREE.value,
    _R.WAIT_BUYER_RETURN.value,
    _R.WAIT_SELLER_CONFIRM.value,
    _R.SELLER_REFUSED.value,
]


def _t(trigger: str, source: str | list[str], dest: str | None, **kw: Any) -> dict[str, Any]:
    # plain strings: transitions would name an enum member by its .name, not its value
    src = [str(s) for s in source] if isinstance(source, list) else str(source)
    return {"trigger": trigger, "source": src, "dest": None if dest is None else str(dest), **kw}


#: The order graph. ``dest=None`` is an internal transition (the state stays).
ORDER_TRANSITIONS = [
    _t("paid", _O.PLACED, _O.PAID),
    _t("cancelled", _O.PLACED, _O.CLOSED),
    _t("auto_close", _O.PLACED, _O.CLOSED),
    _t("pay_reminder", _O.PLACED, None),
    _t("dispatch_due", _O.PAID, None),
    _t("shipped", _O.PAID, _O.SHIPPED),
    _t("signed", _O.SHIPPED, _O.SIGNED),
    _t("confirmed", _DELIVERING, _O.SUCCESS),
    _t("auto_confirm", _DELIVERING, _O.SUCCESS),
    _t("receipt_extended", _DELIVERING, None, conditions=["extension_allowed"]),
    _t("return_window_end", _O.SIGNED, None),
    _t("legal_return_window_end", [_O.SIGNED.value, _O.SUCCESS.value], None),
    _t(
        "refund_requested",
        _REFUNDABLE,
        None,
        conditions=[
            "no_open_refund",
            "return_after_shipment",
            "no_reason_in_window",
            "reason_not_barred",
            "amount_refundable",
        ],
    ),
    # after success: only inside an after-sale window a rule set enables (off in the presets)
    _t(
        "refund_requested",
        _O.SUCCESS,
        None,
        conditions=[
            "after_sale_open",
            "no_open_refund",
            "no_reason_in_window",
            "reason_not_barred",
            "amount_refundable",
        ],
    ),
    _t("full_refund", _REFUNDABLE, _O.CLOSED),
    _t("rated", _O.SUCCESS, None, conditions=["rating_open"]),
    _t("rating_window_end", _O.SUCCESS, None),
    _t("after_sale_window_end", _O.SUCCESS, None),
]

#: The refund graph. ``return_goods`` and ``ruled_refund`` choose between destinations.
REFUND_TRANSITIONS = [
    _t(
        "refund_agreed",
        [_R.WAIT_SELLER_AGREE, _R.SELLER_REFUSED],
        _R.WAIT_BUYER_RETURN,
        conditions=["return_goods"],
    ),
    _t(
        "refund_agreed",
        [_R.WAIT_SELLER_AGREE, _R.SELLER_REFUSED],
        _R.SUCCESS,
        unless=["return_goods"],
    ),
    _t("refund_refused", _R.WAIT_SELLER_AGREE, _R.SELLER_REFUSED, conditions=["order_shipped"]),
    _t("refund_refused", _R.WAIT_SELLER_CONFIRM, _R.SELLER_REFUSED),
    _t(
        "refund_modified",
        [_R.WAIT_SELLER_AGREE, _R.SELLER_REFUSED],
        _R.WAIT_SELLER_AGREE,
        conditions=["modification_valid"],
        unless=["intervention_open"],
    ),
    _t("refund_cancelled", _OPEN_REFUND, _R.CLOSED),
    _t("return_shipped", _R.WAIT_BUYER_RETURN, _R.WAIT_SELLER_CONFIRM),
    _t("return_received", _R.WAIT_SELLER_CONFIRM, _R.SUCCESS),
    # the carrier delivered the return to the seller: the law's refund clock starts
    _t("return_arrived", _R.WAIT_SELLER_CONFIRM, None),
    _t("legal_refund_due", _R.WAIT_SELLER_CONFIRM, None),
    _t("legal_refund_overdue", _R.WAIT_SELLER_CONFIRM, None),
    _t("legal_address_due", _R.WAIT_SELLER_AGREE, None),
    _t("intervention_requested", _R.SELLER_REFUSED, None, unless=["intervention_open"]),
    _t(
        "intervention_ruled",
        _R.SELLER_REFUSED,
        _R.SUCCESS,
        conditions=["intervention_open", "ruled_refund"],
    ),
    _t(
        "intervention_ruled",
        _R.SELLER_REFUSED,
        _R.CLOSED,
        conditions=["intervention_open"],
        unless=["ruled_refund"],
    ),
    _t("auto_refund", [_R.WAIT_SELLER_AGREE, _R.WAIT_SELLER_CONFIRM], _R.SUCCESS),
    _t("auto_agree", _R.WAIT_SELLER_AGREE, _R.WAIT_BUYER_RETURN),
    _t("refund_close", [_R.WAIT_BUYER_RETURN, _R.SELLER_REFUSED], _R.CLOSED),
    _t("evidence_due", _R.SELLER_REFUSED, None),
    _t("evidence_added", _R.SELLER_REFUSED, None, conditions=["evidence_open"]),
    _t("seller_evidence_due", _R.SELLER_REFUSED, None),
    # the order's own events that end a refund: shipping closes an unshipped refund (cs-lifecycle
    # § 四.常見問題.1); confirming receipt closes an open refund (the money goes to the seller)
    _t("closed_by_shipment", _R.WAIT_SELLER_AGREE, _R.CLOSED),
    _t("closed_by_confirmation", _OPEN_REFUND, _R.CLOSED),
]

ORDER_MACHINE = Machine(
    model=None,
    states=[s.value for s in OrderState],
    transitions=ORDER_TRANSITIONS,
    initial=_O.PLACED.value,
    auto_transitions=False,
    send_event=True,
)
REFUND_MACHINE = Machine(
    model=None,
    states=[s.value for s in RefundState],
    transitions=REFUND_TRANSITIONS,
    initial=_R.WAIT_SELLER_AGREE.value,
    auto_transitions=False,
    send_event=True,
)


@attrs.frozen
class Candidate:
    """One way a trigger can go from a state: its destination and guards.

    ``conditions`` holds ``(guard name, required value)`` pairs, ``True`` for transitions'
    ``conditions`` and ``False`` for its ``unless``; ``dest`` ``None`` keeps the state.
    """

    dest: str | None
    conditions: tuple[tuple[str, bool], ...]


def compile_table(machine: Machine) -> Mapping[tuple[str, str], tuple[Candidate, ...]]:
    """Compile a machine's transitions into ``{(trigger, source): candidates}``, in order."""
    table: dict[tuple[str, str], list[Candidate]] = {}
    for name, event in machine.events.items():
        for source, transitions in event.transitions.items():
            for tr in transitions:
                conds = tuple((str(c.func), bool(c.target)) for c in tr.conditions)
                table.setdefault((name, source), []).append(Candidate(tr.dest, conds))
    return {key: tuple(value) for key, value in table.items()}


def _typed(
    table: Mapping[tuple[str, str], tuple[Candidate, ...]], states: type[enum.StrEnum]
) -> Mapping[tuple[str, str], tuple[Candidate, ...]]:
    # destinations as enum members, so the engine assigns them without a conversion
    return {
        key: tuple(Candidate(None if c.dest is None else states(c.dest), c.conditions) for c in cs)
        for key, cs in table.items()
    }


ORDER_TABLE = _typed(compile_table(ORDER_MACHINE), OrderState)
REFUND_TABLE = _typed(compile_table(REFUND_MACHINE), RefundState)
#: Every trigger of each machine.
ORDER_TRIGGERS = frozenset(trigger for trigger, _ in ORDER_TABLE)
REFUND_TRIGGERS = frozenset(trigger for trigger, _ in REFUND_TABLE)
