"""The one-pass reader (JSON straight into checked events) against the long way (JSON to
Python values, then ``parse_event``): on generated logs, and on logs broken one field, one
key or one byte at a time, both ways give the same order or the same error. The one-pass
reader only ever settles a log; what it does not settle, the long way reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tradeclock as tc
from tradeclock._events import FIELD_DEFS, Parsed, parse_event
from tradeclock._typed import read_events, read_log
from tradeclock.testing import event_logs, trade_logs

_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, 3, 365, 366, 2000, 1.0, 2.5, float("inf")]),
    st.text(max_size=4),
    st.sampled_from(
        [
            *(fd.example for fd in FIELD_DEFS.values()),
            *(m.value for fd in FIELD_DEFS.values() if fd.choices for m in fd.choices),
            "2026-11-01T10:00:00+08:00",
            "2026-11-01t10:00:00z",
            "1970-01-01T07:59:59+08:00",
            "259.001",
            "1000000000000.01",
            "P1D",
            "P1M",
            "PT0S",
            "boc",
            "BOC",
            " ",
            "x\u0007",
            "placed",
            "paid",
            "my_own_event",
        ]
    ),
    st.lists(st.text(max_size=2), max_size=2),
    st.dictionaries(st.sampled_from(["id", "amount", "x"]), st.text(max_size=3), max_size=2),
)
_EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "order.json"
_KEYS = st.sampled_from([*FIELD_DEFS, "type", "at", "event_id", "unknown", "Type"])


@st.composite
def _logs(draw: st.DrawFn) -> dict[str, Any]:
    """A generated log (of one line or a trade), often broken in one place."""
    log = dict(
        draw(st.one_of(event_logs(rules=tc.TAOBAO), event_logs(rules=tc.TMALL), trade_logs()))
    )
    events = [dict(ev) for ev in log["events"]]
    log["events"] = events
    how = draw(st.sampled_from(["as is", "set a field", "drop a key", "the log's keys"]))
    i = draw(st.integers(min_value=0, max_value=len(events) - 1))
    if how == "set a field":
        events[i][draw(_KEYS)] = draw(_VALUES)
    elif how == "drop a key" and events[i]:
        del events[i][draw(st.sampled_from(sorted(events[i])))]
    elif how == "the log's keys":
        log[draw(st.sampled_from(["id", "rules", "rules_fingerprint", "events", "extra"]))] = draw(
            _VALUES
        )
    return log


def _outcome(read: Any) -> tuple[Any, ...]:
    try:
        order = read()
    except tc.TradeclockError as exc:
        return ("refused", type(exc).__name__, str(exc), exc.order_id, exc.event_index)
    return ("read", order.id, order.rules.name, order.events, order.version)


def _long_way(doc: str | bytes | Path) -> tuple[Any, ...]:
    with mock.patch("tradeclock._order.read_log", return_value=None):
        return _outcome(lambda: tc.load(doc))


@settings(max_examples=400, deadline=None)
@given(log=_logs(), as_bytes=st.booleans(), ascii_only=st.booleans())
def test_one_pass_reads_as_the_long_way(
    log: dict[str, Any], as_bytes: bool, ascii_only: bool
) -> None:
    text = json.dumps(log, ensure_ascii=ascii_only)
    doc: str | bytes = text.encode() if as_bytes else text
    assert _outcome(lambda: tc.load(doc)) == _long_way(doc)


@settings(max_examples=200, deadline=None)
@given(log=_logs(), cut=st.integers(min_value=1, max_value=30), noise=st.binary(max_size=2))
def test_a_broken_document_reads_as_the_long_way(
    log: dict[str, Any], cut: int, noise: bytes
) -> None:
    raw = json.dumps(log).encode()
    doc = raw[:-cut] + noise
    assert _outcome(lambda: tc.load(doc)) == _long_way(doc)


@settings(max_examples=300, deadline=None)
@given(log=_logs())
def test_a_stored_list_of_events_reads_as_each_event_parsed(log: dict[str, Any]) -> None:
    """The due-queue's stored events: what the one-pass reader gives is what ``parse_event``
    gives each; where it gives nothing, the long way decides."""
    events = log["events"] if isinstance(log.get("events"), list) else []
    got = read_events(json.dumps(events))
    if got is None:
        return
    assert got == [parse_event(ev) for ev in events]
    assert all(type(ev) is Parsed for ev in got)  # checked: replay reads them as they are


def test_it_settles_the_common_log_and_leaves_the_rest() -> None:
    """The example log is read in one pass (a test that would fail if the reader declined
    everything); a trade's lines, a shop's own event type, a byte-order mark and a log that
    is not JSON are left to the long way."""
    text = _EXAMPLE.read_text(encoding="utf-8")
    data = read_log(text)
    assert data is not None and [ev.type for ev in data["events"]][:2] == ["placed", "paid"]
    assert read_log(text.encode()) == data
    lines = json.loads(text)
    lines["events"][0]["lines"] = [{"id": "L1", "amount": "259.00"}]
    assert read_log(json.dumps(lines)) is None
    own = json.loads(text)
    own["events"].append({"type": "my_own_event", "at": "2026-11-08T00:00:00+08:00"})
    assert read_log(json.dumps(own)) is None
    assert read_log("\ufeff" + text) is None
    assert read_log("examples/order.json") is None
    assert read_log(json.loads(text)) is None  # a mapping: read as it is


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("days", 366),
        ("days", 0),
        ("days", True),
        ("days", 3.0),
        ("method", "EMS"),
        ("return_goods", 1),
        ("amount", 19.9),
        ("amount", None),
        ("event_id", ""),
    ],
)
def test_values_the_log_refuses_are_refused_with_the_long_ways_message(
    field: str, value: object
) -> None:
    """A value the field's parser refuses never passes the one-pass reader: the error is the
    long way's, naming the order, the event and the field."""
    log = json.loads(_EXAMPLE.read_text(encoding="utf-8"))
    kind = {"days": "receipt_extended", "method": "shipped", "return_goods": "refund_requested"}
    target = next((ev for ev in log["events"] if ev["type"] == kind.get(field)), None)
    if target is None:
        target = log["events"][0]
        if field == "days":
            target = {"type": "receipt_extended", "at": "2026-11-05T00:00:00+08:00", "by": "buyer"}
            log["events"].insert(4, target)
    target[field] = value
    with pytest.raises(tc.InvalidInput) as caught:
        tc.load(json.dumps(log))
    assert f"{field}" in str(caught.value) and caught.value.order_id == log["id"]
    assert _outcome(lambda: tc.load(json.dumps(log))) == _long_way(json.dumps(log))


@pytest.mark.parametrize(
    "content",
    [
        _EXAMPLE.read_bytes(),
        b"\xef\xbb\xbf" + _EXAMPLE.read_bytes(),  # a byte-order mark: the long way
        _EXAMPLE.read_bytes().replace(b'"259.00"', b'"259.001"'),
        _EXAMPLE.read_bytes()[:-40],
        b"\xff\xfe",
        b"",
    ],
)
def test_a_file_reads_as_the_long_way(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "order.json"
    path.write_bytes(content)
    assert _outcome(lambda: tc.load(path)) == _long_way(path)
    assert _outcome(lambda: tc.load(tmp_path / "missing.json")) == _long_way(
        tmp_path / "missing.json"
    )
