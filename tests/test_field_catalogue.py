"""Every documented event field goes through every door: JSON, CSV and Parquet.

The fields are defined once (``events.FIELD_DEFS``, ``events.EVENT_DEFS``); the loader, the JSON
Schema, the batch column types and the generator derive from them. A CSV with ``free_shipping``
once failed in batch while ``flash_sale`` in the same row worked: this test holds one log that
uses every field and compares what each door makes of it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import e, t

import tradeclock as tc
from tradeclock._events import EVENT_DEFS, FIELD_DEFS, FIELDS
from tradeclock._schema import FIELD_SCHEMAS, schema

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
from tradeclock import batch  # noqa: E402
from tradeclock.generate import COLUMNS  # noqa: E402
from tradeclock.generate import schema as arrow_schema  # noqa: E402

X = {name: fd.example for name, fd in FIELD_DEFS.items()}
#: one order using every field: placed with all its flags, paid by a Bank of China card, a
#: partial refund refused, taken to the platform and ruled for the buyer, then confirmed and rated
LOG = {
    "id": "CAT-1",
    "rules": "taobao",
    "events": [
        e(
            "placed",
            "2026-11-01 10:00",
            **{k: X[k] for k in EVENT_DEFS[tc.EventType.PLACED].optional},
            event_id=X["event_id"],
        ),
        e("paid", "2026-11-01 10:30", channel=X["channel"], bank=X["bank"]),
        e("shipped", "2026-11-02 09:00", method=X["method"], tracking_no=X["tracking_no"]),
        e("signed", "2026-11-03 14:00"),
        e("receipt_extended", "2026-11-04 09:00", by="seller", days=X["days"]),
        e(
            "refund_requested",
            "2026-11-05 09:00",
            return_goods=X["return_goods"],
            reason=X["reason"],
            amount="10.00",
            line=X["line"],
        ),
        e("refund_refused", "2026-11-05 18:00"),
        e("intervention_requested", "2026-11-06 09:00", by="buyer"),
        e("evidence_added", "2026-11-06 10:00", by=X["by"]),
        e("intervention_ruled", "2026-11-07 09:00", outcome=X["outcome"]),
        e("confirmed", "2026-11-08 09:00"),
        e("rated", "2026-11-08 10:00", by="buyer", score=X["score"], text_length=X["text_length"]),
    ],
}
NOW = t("2026-11-09 00:00")


def _used(log: dict[str, Any]) -> set[str]:
    return {k for ev in log["events"] for k in ev if k not in ("type", "at")}


def test_the_log_uses_every_documented_field() -> None:
    assert _used(LOG) == set(FIELD_DEFS)
    # and every field is allowed by some event type, documented, with an example
    assert set().union(*(req | opt for req, opt in FIELDS.values())) == set(FIELD_DEFS)
    assert all(fd.doc and fd.example is not None for fd in FIELD_DEFS.values())
    assert all(d.doc for d in EVENT_DEFS.values()) and set(EVENT_DEFS) == set(tc.EventType)


def test_the_schema_comes_from_the_same_definitions() -> None:
    for name, fd in FIELD_DEFS.items():
        assert FIELD_SCHEMAS[name]["description"] == fd.doc
    assert jsonschema.Draft202012Validator(schema("event-log")).is_valid(LOG)
    titles = {s["title"]: s for s in schema("event-log")["properties"]["events"]["items"]["oneOf"]}
    for etype, d in EVENT_DEFS.items():
        assert titles[etype.value]["description"] == d.doc
        assert set(titles[etype.value]["properties"]) == {
            "type",
            "at",
            *d.required,
            *d.optional,
            "event_id",
        }


def _json_status() -> tc.Status:
    return tc.load(LOG).status(NOW)


def _rows() -> list[dict[str, Any]]:
    # in a table, a list (placed.lines) is one cell of JSON text
    return [
        {
            "order_id": LOG["id"],
            "rules": LOG["rules"],
            **{k: json.dumps(v) if isinstance(v, list) else v for k, v in ev.items()},
        }
        for ev in LOG["events"]
    ]


def _expected() -> dict[str, Any]:
    status = _json_status()
    assert status.state == "success" and status.refunded == 10  # the door to compare with
    return {
        "state": status.state,
        "refund_state": status.refund.state if status.refund else None,
        "refunded": str(status.refunded),
        "upcoming": [(d.event, d.at, d.rule) for d in status.upcoming],
        "error_kind": None,
    }


def _seen(table: Any) -> dict[str, Any]:
    [row] = batch.status(table, NOW).to_pylist()
    return {
        "state": row["state"],
        "refund_state": row["refund_state"],
        "refunded": row["refunded"],
        "upcoming": [(u["event"], u["at"], u["rule"]) for u in row["upcoming"]],
        "error_kind": row["error_kind"],
    }


def test_json_keeps_every_value() -> None:
    from tradeclock._events import _PARSERS

    events = tc.load(LOG).events
    for raw, ev in zip(LOG["events"], events, strict=True):
        for name, value in raw.items():
            if name not in ("type", "at"):
                assert getattr(ev, name) == _PARSERS[name](value, name), name


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def test_csv_reads_every_field(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for row in _rows():
            writer.writerow([_csv_text(row.get(c)) for c in COLUMNS])
    assert _seen(batch.read_events(str(path))) == _expected()


def test_parquet_reads_every_field(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    full = [{c: row.get(c) for c in COLUMNS} for row in _rows()]
    pq.write_table(pa.Table.from_pylist(full, schema=arrow_schema()), path)
    assert _seen(batch.read_events(str(path))) == _expected()


def test_a_table_of_text_columns_reads_every_field() -> None:
    # what Polars, pandas object columns or a hand-made table give: every value as text
    text = [
        {c: None if row.get(c) is None else _csv_text(row.get(c)) for c in COLUMNS}
        for row in _rows()
    ]
    assert _seen(pa.Table.from_pylist(text)) == _expected()
