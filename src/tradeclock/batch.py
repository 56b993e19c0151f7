"""Event tables in, status tables out: the same engine over many orders, serial, on all cores,
or partition-wise on Dask.

The input is long-form, one row per event: ``order_id``, ``type``, ``at`` and the JSON log's
event fields as columns (:data:`tradeclock.generate.COLUMNS`; a missing column is all-null), and
optionally ``rules`` naming each order's rule set. The rows of one order are taken in the order
they appear (as in its log). Anything with ``to_arrow()`` (Polars), a pandas ``DataFrame`` or a
``pyarrow.Table`` is accepted.

The output has one row per order, in the order of their first rows: ``order_id``, ``rules``,
``state``, ``refund_state``, ``next_event``, ``next_at``, ``next_rule``, ``upcoming`` (a list of
``{event, at, rule}``), ``amount``, ``refunded``, ``error_kind`` and ``error_message``. An order
whose log the engine refuses keeps its row, with the error and nothing else; the batch goes on.
Times are timestamps in the rule set's zone (``Asia/Shanghai`` for the presets).

With ``lines=True`` the output has one row per line (sub-order) instead, with a ``line`` column
after ``order_id`` (:data:`LINE_COLUMNS`): ``state``, ``refund_state``, ``amount`` and
``refunded`` are the line's, and ``upcoming`` (so ``next_*``) holds the line's deadlines and the
trade-wide ones that would end it (an unpaid trade's close). A one-line order has one row, its
line's id being the order's; a refused order keeps one row, with a null ``line``.

>>> from tradeclock.generate import events_table
>>> events, _ = events_table(50, seed=7, bad_share=0)
>>> out = status(events, "2026-11-01T00:00:00+08:00")
>>> out.num_rows, summary(out)["errors"]
(50, 0)
"""

from __future__ import annotations

import gc
import os
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from operator import attrgetter
from typing import Any

from ._errors import InvalidInput, RulesMismatch, TradeclockError, storage_error
from ._events import (
    OPTIONAL_FIELDS,
    TYPES_BY_NAME,
    Event,
    arrow_kind,
    aware_utc,
    event_from_values,
    field_parser,
    utc_instant,
)
from ._limits import MAX_INSTANT, MIN_INSTANT
from ._order import Order, spent_status_row
from ._presets import TAOBAO, get_rules
from ._rules import RuleSet, load_rules
from ._status import Deadline
from ._time import DATETIME_PATTERN, parse_instant

__all__ = [
    "LINE_COLUMNS",
    "OUTPUT_COLUMNS",
    "due",
    "from_logs",
    "output_schema",
    "read_events",
    "read_partitioned",
    "status",
    "status_dask",
    "summary",
    "to_arrow",
    "write_partitioned",
    "write_table",
]

OUTPUT_COLUMNS = (
    "order_id",
    "rules",
    "state",
    "refund_state",
    "next_event",
    "next_at",
    "next_rule",
    "upcoming",
    "amount",
    "refunded",
    "error_kind",
    "error_message",
)
#: The columns of a status table with one row per line (``status(..., lines=True)``).
LINE_COLUMNS = ("order_id", "line", *OUTPUT_COLUMNS[1:])
_FIELDS = ("type", "at", *OPTIONAL_FIELDS)


def from_logs(logs: Iterable[Mapping[str, Any]]) -> Any:
    """An event table (a ``pyarrow.Table`` with :data:`tradeclock.generate.COLUMNS`) of JSON
    event logs (``{"id", "rules", "events"}`` mappings, as :func:`tradeclock.load` takes them):
    one row per event, a list (``placed.lines``, ``shipped.lines``) as JSON text.

    >>> table = from_logs([{"id": "T1", "events": [
    ...     {"type": "placed", "at": "2026-11-01T10:00:00+08:00", "amount": "9.90"}]}])
    >>> table.num_rows, table.column("rules").to_pylist()
    (1, ['taobao'])
    """
    import json

    import pyarrow as pa

    from .generate import COLUMNS, schema

    def cell(value: Any) -> Any:
        if isinstance(value, list):
            return json.dumps(value)
        return value.isoformat() if isinstance(value, datetime) else value

    sch = schema()
    per_order: list[tuple[str, list[dict[str, Any]]]] = []
    for n, log in enumerate(logs):
        if not isinstance(log, Mapping) or "id" not in log or "events" not in log:
            raise InvalidInput(f"log {n}: an event log is a mapping with 'id' and 'events'")
        order_id, rows = str(log["id"]), []
        for i, ev in enumerate(log["events"]):
            unknown = ", ".join(sorted(set(ev) - set(COLUMNS)))
            if unknown:
                raise InvalidInput(
                    f"order {order_id}, event {i}: no table column for {unknown}",
                    order_id=order_id,
                    event_index=i,
                )
            row = dict.fromkeys(COLUMNS)
            row.update({k: cell(v) for k, v in ev.items()}, order_id=order_id)
            row["rules"] = log.get("rules", "taobao")
            rows.append(row)
        per_order.append((order_id, rows))
    try:
        return pa.Table.from_pylist([r for _, rows in per_order for r in rows], schema=sch)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        for order_id, rows in per_order:  # find the order whose values do not fit their column
            try:
                pa.Table.from_pylist(rows, schema=sch)
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                raise InvalidInput(
                    f"order {order_id}: a value does not fit its table column ({exc})",
                    order_id=order_id,
                ) from None
        raise  # pragma: no cover - every row fits alone


def to_arrow(events: Any) -> Any:
    """``events`` as a ``pyarrow.Table``: a Table, anything with ``to_arrow()``, or pandas."""
    import pyarrow as pa

    if isinstance(events, pa.Table):
        return events
    if hasattr(events, "to_arrow"):
        return events.to_arrow()
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is optional
        pd = None
    if pd is not None and isinstance(events, pd.DataFrame):
        return pa.Table.from_pandas(events, preserve_index=False)
    raise InvalidInput(
        f"an event table must be a pyarrow Table, a Polars or pandas DataFrame, "
        f"got {type(events).__name__}"
    )


#: The flag and count columns (every bool and integer field of events.FIELD_DEFS).
_TYPED = tuple(
    (name, kind) for name in OPTIONAL_FIELDS if (kind := arrow_kind(name)) in ("bool", "int64")
)


def _typed(table: Any) -> Any:
    """Flags and day counts that arrive as text (dask turns pandas object columns into strings:
    ``"True"``, ``"3"``) back to booleans and integers; anything else is left to the parser."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for name, kind in _TYPED:
        if name not in table.column_names:
            continue
        column = table.column(name)
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        missing = pc.is_null(column)
        if kind == "bool":
            lowered = pc.utf8_lower(column)
            known = pc.is_in(lowered, value_set=pa.array(["true", "false"]))
            if not pc.all(pc.or_(known, missing)).as_py():
                continue
            column = pc.equal(lowered, "true")
        else:
            digits = pc.match_substring_regex(column, r"^\d+$")
            if not pc.all(pc.or_(digits, missing)).as_py():
                continue
            column = pc.cast(column, pa.int64())
        table = table.set_column(table.column_names.index(name), name, column)
    return table


def _rule_sets(rules: RuleSet | str | Mapping[str, RuleSet]) -> tuple[RuleSet, dict[str, RuleSet]]:
    """The default rule set and the known ones by name."""
    if isinstance(rules, RuleSet):
        return rules, {rules.name: rules}
    if isinstance(rules, str):
        rs = get_rules(rules)
        return rs, {rs.name: rs}
    known = dict(rules)
    if not known:
        raise InvalidInput("no rule set given")
    return next(iter(known.values())), known


def _check_columns(table: Any) -> None:
    for needed in ("order_id", "type", "at"):
        if needed not in table.column_names:
            raise InvalidInput(f"the event table has no {needed!r} column")


class _Orders:
    """The orders of an event table, found by Arrow (no Python object per row): their ids in
    first-appearance order, and their rows, each order's together and in table order."""

    def __init__(self, table: Any) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        _check_columns(table)
        column = table.column("order_id")
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            ids = pc.fill_null(column, "None").combine_chunks()  # as str(None) named it
        else:  # numbers, say: the text str() gives, as ever
            ids = pa.array([str(x) for x in column.to_pylist()], pa.string())
        encoded = pc.dictionary_encode(ids)
        codes = encoded.indices  # each order's number, in order of first appearance
        #: the order ids, in order of first appearance
        self.ids = encoded.dictionary
        n = len(codes)
        together = n < 2 or pc.all(pc.less_equal(codes.slice(0, n - 1), codes.slice(1))).as_py()
        #: the row numbers in the table, order by order (``None``: the table's own order)
        self.rows = None if together else pc.sort_indices(codes)  # a stable sort
        #: where each order's rows start (and, last, where they end), in :attr:`rows` order
        self.bounds: list[int] = [0]
        if n:
            grouped = codes if self.rows is None else codes.take(self.rows)
            changes = pc.not_equal(grouped.slice(1), grouped.slice(0, n - 1))
            self.bounds += [i + 1 for i in pc.indices_nonzero(changes).to_pylist()] + [n]
        self.table = table

    def __len__(self) -> int:
        return len(self.ids)

    def part(self, start: int, stop: int) -> tuple[Any, list[str], list[int]]:
        """Orders ``start`` to ``stop``: their rows (a table), ids, and where each starts."""
        a, b = self.bounds[start], self.bounds[stop]
        if self.rows is None:
            table = self.table.slice(a, b - a)
        else:
            table = self.table.take(self.rows.slice(a, b - a))
        starts = [x - a for x in self.bounds[start : stop + 1]]
        return table, self.ids.slice(start, stop - start).to_pylist(), starts


def _prepared(table: Any) -> list[Event | None]:
    """Each row's event built from the table's typed columns, column by column: times checked
    against the date-time pattern and parsed by Arrow, each distinct field value parsed once
    by the parser the JSON path uses, no dictionary per event. ``None`` for a row the fast way
    does not settle (an unknown or custom type, a value its parser refuses, ``lines``): that
    row goes through :func:`tradeclock.parse_event`, which judges it and says what is wrong."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = table.num_rows
    types = [
        TYPES_BY_NAME.get(t) if type(t) is str else None for t in table.column("type").to_pylist()
    ]
    at = _instants(table.column("at"))
    fields: list[list[tuple[int, Any]] | None] = [None] * n  # a list for a row with any
    slow = bytearray(n)
    names = set(table.column_names)
    for name in OPTIONAL_FIELDS:
        if name not in names:
            continue
        column = table.column(name)
        if column.null_count == n:
            continue
        rows = pc.indices_nonzero(pc.is_valid(column)).to_pylist()
        values = column.drop_null().to_pylist()
        if name == "lines" or pa.types.is_nested(column.type):
            for i in rows:
                slow[i] = 1
            continue
        position, parse = field_parser(name)
        seen: dict[Any, Any] = {}
        for i, value in zip(rows, values, strict=True):
            parsed = seen.get(value, _UNSEEN)
            if parsed is _UNSEEN:
                try:
                    parsed = parse(value, name)
                except TradeclockError:
                    parsed = _REFUSED
                seen[value] = parsed
            if parsed is _REFUSED:
                slow[i] = 1
            else:
                have = fields[i]
                if have is None:
                    fields[i] = [(position, parsed)]
                else:
                    have.append((position, parsed))
    return [
        None
        if slow[i] or types[i] is None or at[i] is None
        else event_from_values(types[i], at[i], fields[i] or ())  # type: ignore[arg-type]
        for i in range(n)
    ]


_UNSEEN = object()
_REFUSED = object()


def _instants(column: Any) -> list[datetime | None]:
    """The ``at`` column as UTC instants (``None`` where the JSON reader would refuse one):
    a timestamp column with a zone as it is; text matched against the date-time pattern and
    parsed by Arrow, the whole column at once (the JSON reader's range kept: a written year from
    1970 to 2999). Should Arrow refuse a form the pattern takes (a lowercase ``t``, an offset of
    ``+08:60``), each row is read as :func:`tradeclock.parse_event` reads it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_timestamp(column.type):
        if column.type.tz is None:
            return [None] * len(column)  # naive: refused, with the reason, by parse_event
        try:  # the UTC wall time, to the microsecond
            naive = pc.cast(column, pa.timestamp("us")).to_pylist()
        except pa.ArrowInvalid:  # finer than a microsecond: the per-row reader decides
            return [None] * len(column)
        return [None if x is None else aware_utc(x.replace(tzinfo=UTC)) for x in naive]
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return [None] * len(column)
    matched = pc.match_substring_regex(column, DATETIME_PATTERN)
    # the JSON reader's range: a written year from 1970 to 2999, an instant in the range
    year = pc.cast(pc.utf8_slice_codeunits(pc.if_else(matched, column, "0000"), 0, 4), pa.int32())
    kept = pc.and_(matched, pc.and_(pc.greater(year, 1969), pc.less(year, 3000)))
    try:  # read by Arrow, in C, all at once, as microseconds since the epoch in UTC
        micros = pc.cast(
            pc.cast(pc.if_else(kept, column, pa.scalar(None, column.type)), _utc_us()), pa.int64()
        ).to_pylist()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # a form Arrow does not read
        # (a lowercase t, an offset of +08:60, which the pattern takes): the JSON reader's way
        return [
            utc_instant(raw) if ok else None
            for raw, ok in zip(column.to_pylist(), matched.to_pylist(), strict=True)
        ]
    out: list[datetime | None] = []
    add = out.append
    instant = datetime.fromtimestamp
    for x in micros:
        if x is None or not _MIN_US <= x < _MAX_US:
            add(None)  # refused, with the reason, by parse_event
        else:
            seconds, us = divmod(x, 1_000_000)
            add(instant(seconds, UTC).replace(microsecond=us) if us else instant(seconds, UTC))
    return out


def _utc_us() -> Any:
    import pyarrow as pa

    return pa.timestamp("us", tz="UTC")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MIN_US = (MIN_INSTANT - _EPOCH) // timedelta(microseconds=1)
_MAX_US = (MAX_INSTANT - _EPOCH) // timedelta(microseconds=1)


def _event(table: Any, i: int) -> dict[str, Any]:
    """Row ``i`` as the JSON event :func:`tradeclock.parse_event` reads (for the rows the
    column reader leaves to it: few, so read one at a time)."""
    row = table.slice(i, 1).to_pylist()[0]
    ev = {}
    for name in _FIELDS:
        value = row.get(name)
        if value is not None:
            if name == "at" and isinstance(value, datetime):
                value = value.isoformat()
            ev[name] = value
    return ev


def _rows(
    order_id: str,
    rs_name: str,
    order: Order | None,
    now: datetime,
    error: TradeclockError | None,
    lines: bool,
) -> list[tuple[Any, ...]]:
    """The status rows of one order: one, or one per line when ``lines``."""
    if order is None:
        assert error is not None
        head: tuple[Any, ...] = (order_id, None) if lines else (order_id,)
        return [
            (
                *head,
                rs_name,
                None,
                None,
                None,
                None,
                None,
                [],
                None,
                None,
                error.kind,
                error.message,
            )
        ]
    if not lines:
        row = spent_status_row(order, now)  # the order is dropped after: no copy of its state
        if row is None:
            st = order.status(now)
            refund = None if st.refund is None else st.refund.state
            row = (st.state, refund, st.upcoming, st.amount, st.refunded)
        return [_record((order_id,), rs_name, *row)]
    st = order.status(now)
    trade_wide = [d for d in st.upcoming if d.line is None]
    return [
        _record(
            (order_id, line.id),
            rs_name,
            line.state,
            None if line.refund is None else line.refund.state,
            sorted([*line.upcoming, *trade_wide], key=attrgetter("at"))
            if trade_wide
            else line.upcoming,
            line.amount,
            line.refunded,
        )
        for line in st.lines
    ]


def _record(
    head: tuple[Any, ...],
    rs_name: str,
    state: str,
    refund_state: str | None,
    upcoming: Sequence[Deadline],
    amount: Decimal | None,
    refunded: Decimal,
) -> tuple[Any, ...]:
    nxt = upcoming[0] if upcoming else None
    return (
        *head,
        rs_name,
        state,
        refund_state,
        None if nxt is None else nxt.event,
        None if nxt is None else nxt.at,
        None if nxt is None else nxt.rule,
        [{"event": d.event, "at": d.at, "rule": d.rule} for d in upcoming],
        None if amount is None else str(amount),
        str(refunded),
        None,
        None,
    )


#: Orders converted to Python objects at a time (bounds the memory a batch needs).
_CHUNK = 50_000


@contextmanager
def _no_cycle_collector() -> Iterator[None]:
    """Python's cyclic collector off, then as it was (also on failure). Judging leaves no
    reference cycles; run every few hundred allocations, the collector would only walk a
    chunk's events again and again (29 % of the wall time on 100,000 orders)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _serial(
    table: Any,
    now: datetime,
    rules: RuleSet | str | Mapping[str, RuleSet],
    progress: Callable[[int], None] | None = None,
    lines: bool = False,
    only: bool = False,
) -> Any:
    import pyarrow as pa

    default, known = _rule_sets(rules)
    orders = _Orders(table)
    parts = []
    for start in range(0, len(orders), _CHUNK):  # a chunk's Python objects at a time
        chunk = orders.part(start, min(start + _CHUNK, len(orders)))
        with _no_cycle_collector():
            parts.append(_run(*chunk, now, default, known, progress, lines, only))
    if not parts:
        return _table([], default.timezone, lines)
    return pa.concat_tables(parts) if len(parts) > 1 else parts[0]


def _run(
    table: Any,
    ids: list[str],
    starts: list[int],
    now: datetime,
    default: RuleSet,
    known: dict[str, RuleSet],
    progress: Callable[[int], None] | None,
    lines: bool,
    only: bool = False,
) -> Any:
    """Status rows of the orders ``ids``, whose rows ``table`` holds, order by order (order
    ``n``'s from row ``starts[n]`` to ``starts[n + 1]``); with ``only``, an order naming a rule
    set other than ``known`` is an error row."""
    prepared = _prepared(table)
    names = table.column("rules").to_pylist() if "rules" in table.column_names else None
    out = []
    for n, order_id in enumerate(ids):
        first, end = starts[n], starts[n + 1]
        name = names[first] if names is not None and names[first] is not None else default.name
        events: list[Any] = prepared[first:end]
        if None in events:
            events = [
                ev if ev is not None else _event(table, i)
                for ev, i in zip(events, range(first, end), strict=True)
            ]
        try:
            rs = known.get(name) or _other(order_id, name, known, only)
            order: Order | None = Order.from_events(order_id, rs, events)
            # an order whose status cannot be taken (nothing by now) is an error row too
            records = _rows(order_id, name, order, now, None, lines)
        except TradeclockError as exc:
            records = _rows(order_id, name, None, now, exc, lines)
        out.extend(records)
        if progress is not None and n % 1000 == 999:
            progress(1000)
    if progress is not None and len(ids) % 1000:
        progress(len(ids) % 1000)
    return _table(out, default.timezone, lines)


def _other(order_id: str, name: str, known: dict[str, RuleSet], only: bool) -> RuleSet:
    """The rule set ``name`` an order names, not among those given: a preset, unless the batch
    judges by the given ones ``only``."""
    if only:
        raise RulesMismatch(
            f"order {order_id} names rule set {name!r}, and the batch judges by "
            f"{', '.join(map(repr, known))} only",
            order_id=order_id,
        )
    return get_rules(name, known)


def output_schema(timezone: str, lines: bool = False) -> Any:
    """The Arrow schema of a status table, times in ``timezone``; with a ``line`` column
    when ``lines`` (one row per line)."""
    import pyarrow as pa

    ts = pa.timestamp("us", tz=timezone)
    return pa.schema(
        [
            pa.field("order_id", pa.string(), nullable=False),
            *([("line", pa.string())] if lines else []),
            ("rules", pa.string()),
            ("state", pa.string()),
            ("refund_state", pa.string()),
            ("next_event", pa.string()),
            ("next_at", ts),
            ("next_rule", pa.string()),
            (
                "upcoming",
                pa.list_(pa.struct([("event", pa.string()), ("at", ts), ("rule", pa.string())])),
            ),
            ("amount", pa.string()),
            ("refunded", pa.string()),
            ("error_kind", pa.string()),
            ("error_message", pa.string()),
        ]
    )


def _table(records: list[tuple[Any, ...]], timezone: str, lines: bool = False) -> Any:
    import pyarrow as pa

    schema = output_schema(timezone, lines)
    arrays = (
        [
            pa.array(list(col), type=field.type)
            for col, field in zip(zip(*records, strict=True), schema, strict=True)
        ]
        if records
        else [pa.array([], type=f.type) for f in schema]
    )
    return pa.Table.from_arrays(arrays, schema=schema)


def _portable(rules: RuleSet | str | Mapping[str, RuleSet]) -> Any:
    """Rule sets in a form that crosses to a worker process (presets by name, others as TOML;
    a custom calendar object goes along if it pickles)."""
    if isinstance(rules, str):
        return rules
    sets = [rules] if isinstance(rules, RuleSet) else list(rules.values())
    return [(rs.to_toml(), rs.calendar) for rs in sets]


def _restore(portable: Any) -> RuleSet | str | dict[str, RuleSet]:
    if isinstance(portable, str):
        return portable
    out = {}
    for toml, calendar in portable:
        rs = load_rules(toml).with_calendar(calendar)
        out[rs.name] = rs
    return out


def _work(args: tuple[bytes, datetime, Any, bool, bool]) -> Any:
    import pyarrow as pa

    data, now, portable, lines, only = args
    table = pa.ipc.open_stream(pa.py_buffer(data)).read_all()
    return _serial(table, now, _restore(portable), lines=lines, only=only)


def status(
    events: Any,
    now: datetime | str,
    rules: RuleSet | str | Mapping[str, RuleSet] = TAOBAO,
    *,
    workers: int = 1,
    due_within: timedelta | None = None,
    progress: Callable[[int], None] | None = None,
    lines: bool = False,
    only: bool = False,
) -> Any:
    """One status row per order of the event table ``events`` at ``now``.

    ``rules``: the rule set for orders without a ``rules`` column value, or a mapping of the
    rule sets the column names (presets are always known). With ``only``, the rule sets given
    are the only ones to judge by: an order naming another is an error row (``rules_mismatch``),
    as ``tradeclock batch --rules`` does. ``workers``: processes to spread the
    orders over (0: every core); the result is the same as with one. ``due_within``: keep only
    orders whose next deadline is at most that far after ``now``. ``progress`` is called with
    the number of orders done since its last call. ``lines``: one row per line (sub-order)
    instead, with a ``line`` column (:data:`LINE_COLUMNS`).
    """
    t = parse_instant(now, "now")
    table = _typed(to_arrow(events))  # flags and counts written as text read as such
    if workers == 0:
        workers = os.cpu_count() or 1
    if workers < 0:
        raise InvalidInput(f"workers must be 0 (every core) or more, got {workers}")
    if workers == 1:
        out = _serial(table, t, rules, progress, lines, only)
    else:
        out = _parallel(table, t, rules, workers, progress, lines, only)
    if due_within is not None:
        out = due(out, t, due_within)
    return out


def _parallel(
    table: Any,
    now: datetime,
    rules: Any,
    workers: int,
    progress: Callable[[int], None] | None,
    lines: bool,
    only: bool = False,
) -> Any:
    import pyarrow as pa

    orders = _Orders(table)  # each part holds whole orders: slices when they lie together
    size = -(-len(orders) // max(workers * 4, 1)) or 1
    starts = range(0, len(orders), size)
    portable = _portable(rules)
    default, _ = _rule_sets(rules)

    def send(start: int) -> Any:  # made when sent: a part for each worker and one waiting
        part = _ipc(orders.part(start, min(start + size, len(orders)))[0])
        return pool.submit(_work, (part, now, portable, lines, only))

    results = []
    with ProcessPoolExecutor(workers) as pool:
        waiting = deque(send(start) for start in starts[: workers + 1])
        later = iter(starts[workers + 1 :])
        while waiting:
            result = waiting.popleft().result()  # in order: parts are of a size
            results.append(result)
            start = next(later, None)
            if start is not None:
                waiting.append(send(start))
            if progress is not None:  # orders done (a table of lines has more rows)
                progress(
                    len(set(result.column("order_id").to_pylist())) if lines else result.num_rows
                )
    if not results:
        return _table([], default.timezone, lines)
    return pa.concat_tables(results)


def _ipc(table: Any) -> bytes:
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue())


def due(out: Any, now: datetime | str, within: timedelta) -> Any:
    """The rows of a status table whose next deadline is at most ``within`` after ``now``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    limit = pa.scalar(parse_instant(now, "now") + within, type=out.schema.field("next_at").type)
    mask = pc.less_equal(out.column("next_at"), limit)
    return out.filter(pc.fill_null(mask, False))


def summary(out: Any, seconds: float | None = None) -> dict[str, Any]:
    """Counts of a status table: orders, errors (by kind), orders per state; and throughput
    when ``seconds`` (the time the batch took) is given. On a table with one row per line,
    ``lines`` counts the lines judged and ``states`` counts lines, not orders."""
    import pyarrow.compute as pc

    states = Counter(s for s in out.column("state").to_pylist() if s is not None)
    kinds = Counter(k for k in out.column("error_kind").to_pylist() if k is not None)
    per_line = "line" in out.column_names
    orders = pc.count_distinct(out.column("order_id")).as_py() if per_line else out.num_rows
    result: dict[str, Any] = {
        "orders": orders,
        **({"lines": out.num_rows - sum(kinds.values())} if per_line else {}),
        "errors": sum(kinds.values()),
        "error_kinds": dict(sorted(kinds.items())),
        "states": dict(sorted(states.items())),
    }
    if seconds is not None:
        result["seconds"] = round(seconds, 3)
        result["orders_per_second"] = round(orders / seconds) if seconds > 0 else None
    return result


def write_partitioned(events: Any, directory: str, parts: int) -> list[str]:
    """Write an event table as ``parts`` Parquet files in ``directory``, each order's rows in
    one file and in log order (orders split by their first appearance, one row group a file):
    a dataset :func:`read_partitioned` reads and :func:`status_dask` judges with
    ``partitioned=True``, without a shuffle. Returns the files written."""
    import pyarrow.parquet as pq

    if parts < 1:
        raise InvalidInput(f"parts must be 1 or more, got {parts}")
    table = to_arrow(events)
    orders = _Orders(table)
    size = -(-len(orders) // parts) or 1
    written = []
    try:
        os.makedirs(directory, exist_ok=True)
        for k, start in enumerate(range(0, max(len(orders), 1), size)):
            part = orders.part(start, min(start + size, len(orders)))[0]
            path = os.path.join(directory, f"part-{k:05d}.parquet")
            pq.write_table(part, path, row_group_size=max(part.num_rows, 1))
            written.append(path)
    except Exception as exc:
        typed = storage_error(exc, f"directory {directory!r}")
        if typed is None:
            raise
        raise typed from None
    return written


def read_partitioned(directory: str) -> Any:
    """The dataset :func:`write_partitioned` wrote, as a Dask DataFrame of one partition per
    file (row groups never split, so no order spans two partitions)."""
    import dask.dataframe as dd

    return dd.read_parquet(directory, split_row_groups=False)


def status_dask(
    ddf: Any,
    now: datetime | str,
    rules: RuleSet | str | Mapping[str, RuleSet] = TAOBAO,
    *,
    lines: bool = False,
    only: bool = False,
    partitioned: bool = False,
) -> Any:
    """The same, partition-wise on a Dask DataFrame (``dask.dataframe``, pandas-backed).

    Each order must lie in one partition, its rows in log order. With ``partitioned`` the
    caller says they already do (:func:`write_partitioned` then :func:`read_partitioned`):
    each partition runs :func:`status` as it is, with no data moved between workers.
    Otherwise the rows are numbered and shuffled by order id first (a shuffle moves every row
    across the cluster: on two workers it costs more than the second worker wins).
    Returns a Dask DataFrame with one row per order, or per line with ``lines``.
    """
    import pandas as pd

    t = parse_instant(now, "now")
    portable = _portable(rules)
    default, _ = _rule_sets(rules)
    meta = output_schema(default.timezone, lines).empty_table().to_pandas()
    if partitioned:

        def judge(part: pd.DataFrame) -> pd.DataFrame:
            table = _typed(to_arrow(part.reset_index(drop=True)))
            return _serial(table, t, _restore(portable), lines=lines, only=only).to_pandas()

        return ddf.map_partitions(judge, meta=meta)
    lengths = ddf.map_partitions(len).compute().tolist()
    offsets = [sum(lengths[:i]) for i in range(len(lengths))]

    def number(part: pd.DataFrame, partition_info: dict[str, Any] | None = None) -> pd.DataFrame:
        start = offsets[partition_info["number"]] if partition_info else 0
        return part.assign(_seq=range(start, start + len(part)))

    numbered = ddf.map_partitions(number, meta={**ddf.dtypes.to_dict(), "_seq": "int64"})
    shuffled = numbered.shuffle(on="order_id")

    def run(part: pd.DataFrame) -> pd.DataFrame:
        part = part.sort_values("_seq", kind="stable").drop(columns="_seq")
        table = _typed(to_arrow(part))
        return _serial(table, t, _restore(portable), lines=lines, only=only).to_pandas()

    return shuffled.map_partitions(run, meta=meta)


def read_events(path: str) -> Any:
    """An event table from a ``.parquet`` or ``.csv`` file (every column read as written); a
    file that is missing or not what its name says is :class:`StorageError` naming it."""
    if not path.endswith((".parquet", ".csv")):
        raise InvalidInput(f"an event table is a .parquet or .csv file, not {path!r}")
    try:
        return _read_events(path)
    except Exception as exc:
        typed = storage_error(exc, f"event table {path!r}")
        if typed is None:
            raise
        raise typed from None


def _read_events(path: str) -> Any:
    from .generate import schema

    if path.endswith(".parquet"):
        import pyarrow.parquet as pq

        return pq.read_table(path)
    import pyarrow.csv as pcsv

    wanted = schema()
    with open(path, encoding="utf-8") as f:
        header = [name.strip().strip('"') for name in f.readline().split(",")]
    types = {f.name: f.type for f in wanted if f.name in header}
    return pcsv.read_csv(
        path, convert_options=pcsv.ConvertOptions(column_types=types, strings_can_be_null=True)
    )


def write_table(table: Any, path: str) -> None:
    """Write a table to ``.parquet`` or ``.csv``; an unwritable place is
    :class:`StorageError` naming it."""
    if not path.endswith((".parquet", ".csv")):
        raise InvalidInput(f"write a table as .parquet or .csv, not {path!r}")
    try:
        _write_table(table, path)
    except Exception as exc:
        typed = storage_error(exc, f"table {path!r}")
        if typed is None:
            raise
        raise typed from None


def _write_table(table: Any, path: str) -> None:
    if path.endswith(".parquet"):
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    else:
        import pyarrow.csv as pcsv

        if any(str(f.type).startswith("list") for f in table.schema):
            table = table.drop_columns(
                [f.name for f in table.schema if str(f.type).startswith("list")]
            )
        pcsv.write_csv(table, path)
