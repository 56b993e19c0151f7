"""A seeded generator of realistic event tables, for benchmarks, demos and the batch tests.

Orders are drawn as typical lives, with people acting inside the rule set's windows (so the
engine accepts them): unpaid orders, cancellations, refunds before shipping (agreed, ignored,
or closed by shipping), shipments by express, EMS and surface mail, signed-for parcels,
confirmations, refunds after shipping with and without a return (agreed, refused, returned),
payment channels, campaign and flash-sale flags, and times written in several UTC offsets.
A few orders (``bad_share``) carry a deliberate defect (a time without an offset, an unknown
event type, an amount with three decimals, events out of order); their ids are returned.

The same ``seed`` always gives the same table.

>>> table, bad = events_table(3, seed=1)
>>> table.column_names[:4], table.num_rows > 3
(['order_id', 'rules', 'type', 'at'], True)
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from ._events import OPTIONAL_FIELDS, arrow_kind

__all__ = ["COLUMNS", "events_table", "generate_rows", "iter_rows", "schema"]

#: The long-form columns: order id, rule set name, then the JSON log's event fields.
COLUMNS = ("order_id", "rules", "type", "at", *OPTIONAL_FIELDS)

_OFFSETS = [
    (timezone(timedelta(hours=8)), 85),
    (UTC, 6),
    (timezone(timedelta(hours=9)), 4),
    (timezone(timedelta(hours=-5)), 3),
    (timezone(timedelta(hours=5, minutes=45)), 2),
]
_CHANNELS: list[dict[str, Any]] = [
    {},
    {"channel": "alipay_balance"},
    {"channel": "online_banking"},
    {"channel": "credit_card"},
    {"channel": "credit_card", "bank": "boc"},
    {"channel": "credit_card", "bank": "icbc"},
]
_H = timedelta(hours=1)
_SLICE = 200_000  # rows per Arrow slice
_D = timedelta(days=1)


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    """A random span between ``low`` and ``high`` hours, to the second."""
    return timedelta(seconds=round(rng.uniform(low, high) * 3600))


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def _life(rng: random.Random, t0: datetime) -> list[dict[str, Any]]:
    """One order's events (instants in UTC), a typical life drawn at random."""
    amount = f"{rng.randint(5, 3000)}.{rng.randint(0, 99):02d}"
    placed: dict[str, Any] = {"type": "placed", "at": t0, "amount": amount}
    if rng.random() < 0.05:
        placed["campaign"] = True
    if rng.random() < 0.03:
        placed["flash_sale"] = True
    events = [placed]
    r = rng.random()
    if r < 0.08:
        return events  # never paid: closes itself
    if r < 0.12:
        events.append({"type": "cancelled", "at": t0 + _hours(rng, 0.1, 20), "by": "buyer"})
        return events
    paid = t0 + _hours(rng, 0.02, 2)
    events.append({"type": "paid", "at": paid, **rng.choice(_CHANNELS)})
    t = paid
    if rng.random() < 0.06:  # a refund before shipping
        t += _hours(rng, 1, 30)
        events.append({"type": "refund_requested", "at": t, "reason": "out_of_stock"})
        r = rng.random()
        if r < 0.5:
            events.append({"type": "refund_agreed", "at": t + _hours(rng, 0.5, 20)})
            return events  # everything refunded: closed
        if r < 0.8:
            return events  # the seller never answers: refunded automatically after 2 days
        # the seller ships anyway, which closes the refund
    if rng.random() < 0.1:
        return events  # not shipped yet
    t += _hours(rng, 2, 40)
    method = _pick(rng, [("express", 90), ("ems", 5), ("surface_mail", 5)])
    events.append(
        {
            "type": "shipped",
            "at": t,
            "method": method,
            "tracking_no": f"SF{rng.randint(10**9, 10**10)}",
        }
    )
    if rng.random() < 0.12:
        return events  # in transit
    t += _hours(rng, 20, 90)
    events.append({"type": "signed", "at": t})
    r = rng.random()
    if r < 0.55:
        events.append({"type": "confirmed", "at": t + _hours(rng, 0.5, 120)})
        return events
    if r < 0.75:
        return events  # nobody confirms: auto-confirmed
    # a refund after shipping
    t += _hours(rng, 1, 60)
    goods = rng.random() < 0.6
    reason = _pick(rng, [("no_reason", 40), ("quality", 30), ("not_as_described", 30)])
    events.append({"type": "refund_requested", "at": t, "return_goods": goods, "reason": reason})
    r = rng.random()
    if r < 0.25:
        return events  # the seller never answers
    t += _hours(rng, 1, 60)
    if r < 0.4:
        events.append({"type": "refund_refused", "at": t})
        if rng.random() < 0.5:
            events.append({"type": "refund_cancelled", "at": t + _hours(rng, 1, 100)})
        return events
    events.append({"type": "refund_agreed", "at": t})
    if not goods:
        return events
    if rng.random() < 0.2:
        return events  # the buyer never ships the goods back
    t += _hours(rng, 2, 100)
    events.append(
        {"type": "return_shipped", "at": t, "tracking_no": f"YT{rng.randint(10**9, 10**10)}"}
    )
    if rng.random() < 0.7:
        events.append({"type": "return_received", "at": t + _hours(rng, 20, 150)})
    return events


def _spoil(rng: random.Random, events: list[dict[str, Any]]) -> None:
    """One deliberate defect a batch must report, not choke on."""
    kind = rng.randrange(4)
    if kind == 0:
        events[-1]["at"] = "2026-11-01T10:00:00"  # no UTC offset
    elif kind == 1:
        events.append({"type": "refund_granted", "at": events[-1]["at"]})  # unknown type
    elif kind == 2:
        events[0]["amount"] = "12.345"  # three decimals
    else:
        events.append({"type": "paid", "at": events[0]["at"] - _D})  # out of order


def iter_rows(
    orders: int,
    bad: list[str],
    *,
    seed: int = 0,
    start: datetime | None = None,
    bad_share: float = 0.001,
) -> Iterator[dict[str, Any]]:
    """The event rows of ``orders`` generated orders, one at a time; spoiled ids go to ``bad``."""
    rng = random.Random(seed)
    base = start or datetime(2026, 8, 31, 16, tzinfo=UTC)
    for i in range(orders):
        order_id = f"G{seed}-{i:07d}"
        rules = "tmall" if rng.random() < 0.2 else "taobao"
        events = _life(rng, base + timedelta(seconds=rng.randrange(60 * 86400)))
        if rng.random() < bad_share:
            _spoil(rng, events)
            bad.append(order_id)
        offset = _pick(rng, _OFFSETS)
        for ev in events:
            at = ev["at"]
            text = at if isinstance(at, str) else at.astimezone(offset).isoformat()
            row = dict.fromkeys(COLUMNS)
            row.update(ev, order_id=order_id, rules=rules, at=text)
            yield row


def generate_rows(
    orders: int, *, seed: int = 0, start: datetime | None = None, bad_share: float = 0.001
) -> tuple[list[dict[str, Any]], list[str]]:
    """``orders`` orders as event rows (dicts with :data:`COLUMNS`), and the spoiled orders' ids.

    Orders are placed over the 60 days after ``start`` (default 2026-09-01 00:00 +08:00).
    """
    bad: list[str] = []
    rows = list(iter_rows(orders, bad, seed=seed, start=start, bad_share=bad_share))
    return rows, bad


def events_table(orders: int, *, seed: int = 0, bad_share: float = 0.001) -> tuple[Any, list[str]]:
    """The generated rows as a ``pyarrow.Table`` (the batch input), and the spoiled orders' ids.

    Built in slices, so that a million orders never exist as a million Python dicts at once.
    """
    import pyarrow as pa

    sch = schema()
    bad: list[str] = []
    parts, chunk = [], []
    for row in iter_rows(orders, bad, seed=seed, bad_share=bad_share):
        chunk.append(row)
        if len(chunk) == _SLICE:
            parts.append(pa.Table.from_pylist(chunk, schema=sch))
            chunk = []
    if chunk or not parts:
        parts.append(pa.Table.from_pylist(chunk, schema=sch))
    return pa.concat_tables(parts), bad


def schema() -> Any:
    """The Arrow schema of an event table (every field nullable but ``order_id``, ``type``,
    ``at``; amounts and durations as the JSON log's strings)."""
    import pyarrow as pa

    types = {"bool": pa.bool_(), "int64": pa.int64(), "string": pa.string()}
    return pa.schema(
        [
            pa.field(name, types[arrow_kind(name)], nullable=name not in ("order_id", "type", "at"))
            for name in COLUMNS
        ]
    )
