"""Taobao Open Platform (TOP) interop: its status codes, its payloads, its own timeouts.

**Status codes.** Every order state and refund state maps to the codes of
``taobao.trade.fullinfo.get`` and ``taobao.refund.get`` (docs/top.md):
``status()`` and its JSON carry them as ``top_status`` and ``top_refund_status``. A closed
order is ``TRADE_CLOSED_BY_TAOBAO`` when it closed before payment (unpaid, or cancelled) and
``TRADE_CLOSED`` when it closed because the whole amount was refunded.

>>> trade_status("closed", paid=False), trade_status("closed", paid=True)
('TRADE_CLOSED_BY_TAOBAO', 'TRADE_CLOSED')

**Import.** :func:`from_trade` turns a trade object and its refund objects into an event log.
TOP writes times as ``yyyy-MM-dd HH:mm:ss`` with no offset: they are read as Asia/Shanghai
local time, and any other form is refused. What a payload does not say is reconstructed from
its status (see docs/top.md); what cannot be reconstructed is an :class:`InvalidInput` naming
the field.

**Conformance.** :func:`check` compares tradeclock's next automatic action with the platform's
own ``timeout_action_time`` (trade and sub-orders) and ``refund_remind_timeout.timeout``.
"""

from ._top_check import Finding, by_rule, check, summary
from ._top_import import TOP_TIME_FORMAT, TOP_ZONE, from_trade, parse_top_time, read_payload
from ._topcodes import REFUND_CODES, TRADE_CODES, refund_status, trade_status

__all__ = [
    "REFUND_CODES",
    "TOP_TIME_FORMAT",
    "TOP_ZONE",
    "TRADE_CODES",
    "Finding",
    "by_rule",
    "check",
    "from_trade",
    "parse_top_time",
    "read_payload",
    "refund_status",
    "summary",
    "trade_status",
]
