"""Input limits: what a real order never exceeds, refused with a clear error instead of
exhausting memory or overflowing date arithmetic.

>>> MAX_EVENTS, MAX_TEXT, str(MAX_AMOUNT), MAX_DAYS
(10000, 256, '1000000000000', 365)
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

__all__ = [
    "MAX_AMOUNT",
    "MAX_DAYS",
    "MAX_EVENTS",
    "MAX_INSTANT",
    "MAX_LINES",
    "MAX_LOG_BYTES",
    "MAX_TEXT",
    "MAX_TEXT_LENGTH",
    "MIN_INSTANT",
]

#: events in one order's log
MAX_EVENTS = 10_000
#: bytes of one event log read from JSON text or a file
MAX_LOG_BYTES = 16 * 1024 * 1024
#: characters of an order id or a tracking number
MAX_TEXT = 256
#: the most lines (sub-orders) one trade may hold
MAX_LINES = 100
#: the length of a rating's text (the text itself is not kept)
MAX_TEXT_LENGTH = 100_000
#: an amount in yuan (one trillion)
MAX_AMOUNT = Decimal(10**12)
#: days of a receipt extension, and of an order's own pay window
MAX_DAYS = 365
#: the instants tradeclock reckons with: every deadline stays far inside datetime's range
MIN_INSTANT = datetime(1970, 1, 1, tzinfo=UTC)
MAX_INSTANT = datetime(3000, 1, 1, tzinfo=UTC)
