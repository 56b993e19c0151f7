"""Batch status over event tables: equal to per-order status() on a generated 100k-order table,
the same on several processes and on a Dask LocalCluster, bad rows reported and not fatal."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tradeclock as tc
from tradeclock import batch
from tradeclock._cli import main
from tradeclock._events import utc_instant
from tradeclock._time import DATETIME_PATTERN, DATETIME_RE
from tradeclock.generate import COLUMNS, events_table, generate_rows

pa = pytest.importorskip("pyarrow")
pytest.importorskip("pyarrow.csv")
NOW = "2026-11-01T00:00:00+08:00"


@pytest.fixture(scope="module")
def big() -> tuple[Any, list[str]]:
    return events_table(100_000, seed=11)


@pytest.fixture(scope="module")
def small() -> tuple[Any, list[str]]:
    return events_table(3_000, seed=12, bad_share=0.01)


def _logs(table: Any) -> dict[str, dict[str, Any]]:
    """Each order's JSON log, rebuilt from the rows (the per-order path)."""
    logs: dict[str, dict[str, Any]] = {}
    for row in table.to_pylist():
        log = logs.setdefault(
            row["order_id"], {"id": row["order_id"], "rules": row["rules"], "events": []}
        )
        log["events"].append(
            {k: v for k, v in row.items() if v is not None and k not in ("order_id", "rules")}
        )
    return logs


def _expected(log: dict[str, Any]) -> dict[str, Any]:
    try:
        status = tc.load(log).status(NOW)
    except tc.TradeclockError as exc:
        return {"state": None, "error_kind": exc.kind, "error_message": exc.message, "upcoming": []}
    return {
        "state": status.state,
        "refund_state": None if status.refund is None else status.refund.state,
        "next_event": status.upcoming[0].event if status.upcoming else None,
        "next_at": status.upcoming[0].at if status.upcoming else None,
        "upcoming": [{"event": d.event, "at": d.at, "rule": d.rule} for d in status.upcoming],
        "amount": None if status.amount is None else str(status.amount),
        "refunded": str(status.refunded),
        "error_kind": None,
        "error_message": None,
    }


def test_batch_equals_per_order_status_on_100k_generated_orders(big: tuple[Any, list[str]]) -> None:
    table, spoiled = big
    out = batch.status(table, NOW)
    logs = _logs(table)
    assert out.num_rows == len(logs) == 100_000
    assert out.column("order_id").to_pylist() == list(logs)  # first-appearance order
    for row in out.to_pylist():
        want = _expected(logs[row["order_id"]])
        got = {k: row[k] for k in want}
        assert got == want, row["order_id"]
    errors = {r["order_id"] for r in out.to_pylist() if r["error_kind"]}
    assert errors == set(spoiled) and spoiled  # exactly the spoiled orders, and the rest ran
    counts = batch.summary(out)
    assert counts["orders"] == 100_000 and counts["errors"] == len(spoiled)
    assert sum(counts["states"].values()) == 100_000 - len(spoiled)
    assert set(counts["states"]) == {"placed", "paid", "shipped", "signed", "success", "closed"}


def test_several_processes_give_the_same_table(small: tuple[Any, list[str]]) -> None:
    table, _ = small
    serial = batch.status(table, NOW)
    assert batch.status(table, NOW, workers=2).equals(serial)
    assert batch.status(table, NOW, workers=0).equals(serial)  # every core


def test_interleaved_orders_on_several_processes(small: tuple[Any, list[str]]) -> None:
    # rows of different orders interleaved: every order's first event, then every second one...
    table, _ = small
    ids = table.column("order_id").to_pylist()
    seen: dict[str, int] = {}
    position = []
    for i, order_id in enumerate(ids):
        position.append((seen.get(order_id, 0), i))
        seen[order_id] = seen.get(order_id, 0) + 1
    stream = table.take(pa.array([i for _, i in sorted(position)]))
    assert stream.column("order_id")[0] != stream.column("order_id")[1] or len(seen) == 1
    serial = batch.status(stream, NOW)
    assert batch.status(stream, NOW, workers=2).equals(serial)
    by_order = serial.sort_by("order_id")
    assert by_order.equals(batch.status(table, NOW).sort_by("order_id"))
    # orders in order of first appearance, whatever the chunk (each chunk gathers its rows)
    first_seen = list(dict.fromkeys(stream.column("order_id").to_pylist()))
    assert serial.column("order_id").to_pylist() == first_seen


def test_chunks_gather_interleaved_orders(
    small: tuple[Any, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch is judged a chunk of orders at a time; with orders interleaved, each chunk
    gathers its orders' rows from across the table, in log order. Ids that are not text are
    named as ``str`` writes them; a missing id is ``"None"``, as it always was."""
    table, _ = small
    whole = batch.status(table, NOW)
    reversed_rows = table.take(pa.array(range(table.num_rows - 1, -1, -1)))
    monkeypatch.setattr(batch, "_CHUNK", 7)
    # reversed: each order's rows run backwards, so its log is out of order: the same errors
    # as the per-order path gives for the reversed log
    back = batch.status(reversed_rows, NOW)
    logs = _logs(reversed_rows)
    assert back.column("order_id").to_pylist() == list(logs)
    for row in back.to_pylist()[:300]:
        want = _expected(logs[row["order_id"]])
        assert (row["state"], row["error_message"]) == (want["state"], want["error_message"])
    assert batch.status(table, NOW).equals(whole)  # chunks of 7 give what one chunk gives
    numbered = pa.table(
        {
            "order_id": pa.array([7, 8, 7, None, None], pa.int64()),
            "type": ["placed", "placed", "paid", "placed", "paid"],
            "at": ["2026-10-01T10:00:00+08:00"] * 5,
        }
    )
    rows = batch.status(numbered, NOW).to_pylist()
    assert [(r["order_id"], r["state"]) for r in rows] == [
        ("7", "paid"),
        ("8", "closed"),  # never paid: closed by its pay timer
        ("None", "paid"),
    ]
    named = numbered.set_column(0, "order_id", pa.array(["7", "8", "7", None, None]))
    assert batch.status(named, NOW).equals(batch.status(numbered, NOW))


def test_polars_pandas_and_arrow_inputs_agree(small: tuple[Any, list[str]]) -> None:
    pl = pytest.importorskip("polars")
    pytest.importorskip("pandas")
    table, _ = small
    serial = batch.status(table, NOW)
    assert batch.status(pl.from_arrow(table), NOW).equals(serial)
    assert batch.status(table.to_pandas(), NOW).equals(serial)


def test_bad_rows_are_reported_with_order_event_and_rule(small: tuple[Any, list[str]]) -> None:
    table, spoiled = small
    out = batch.status(table, NOW)
    rows = {r["order_id"]: r for r in out.to_pylist()}
    for order_id in spoiled:
        row = rows[order_id]
        assert row["error_kind"] in ("invalid_input", "out_of_order")
        assert row["error_message"].startswith(f"order {order_id}")
        assert row["state"] is None and row["upcoming"] == []
    assert batch.summary(out)["errors"] == len(spoiled) > 0


def test_typed_columns_give_what_the_per_order_path_gives(small: tuple[Any, list[str]]) -> None:
    """The column reader settles most rows itself and hands the rest to the JSON parser; every
    row's answer (errors and their messages included) equals the per-order path's, whatever
    the type of the ``at`` column."""
    import pyarrow.compute as pc

    table, _ = small
    expected = {log["id"]: _expected(log) for log in _logs(table).values()}
    as_text = batch.status(table, NOW).to_pylist()

    def stamp(text: str | None) -> datetime | None:
        try:
            at = datetime.fromisoformat(text or "")
        except ValueError:
            return None
        return at if at.tzinfo is not None and 1970 < at.year < 2999 else None

    stamps = pa.array(
        [stamp(x) for x in table.column("at").to_pylist()],
        type=pa.timestamp("us", "Asia/Shanghai"),
    )
    typed = table.set_column(table.column_names.index("at"), "at", stamps)
    as_stamps = batch.status(typed, NOW).to_pylist()
    for text_row, stamp_row in zip(as_text, as_stamps, strict=True):
        want = expected[text_row["order_id"]]
        assert text_row["error_message"] == want["error_message"], text_row["order_id"]
        assert text_row["state"] == want["state"]
        if text_row["error_kind"] is None:  # a spoiled time may be text no timestamp can hold
            assert stamp_row == text_row
    # a naive timestamp column is refused row by row, as a naive time in JSON
    naive = table.set_column(
        table.column_names.index("at"), "at", pc.cast(stamps, pa.timestamp("us"))
    )
    rows = batch.status(naive.slice(0, 40), NOW).to_pylist()
    assert {r["error_kind"] for r in rows} == {"invalid_input"}
    assert all("no UTC offset" in r["error_message"] for r in rows)


def test_a_shops_own_events_and_refused_values_in_a_table() -> None:
    shop = tc.load_rules(Path(__file__).parents[1] / "examples" / "invoice-shop.toml")
    log = json.loads((Path(__file__).parents[1] / "examples" / "invoice-order.json").read_text())
    own = {"type": "invoice_issued", "at": "2026-11-02T10:00:00+08:00", "by": "seller"}
    good = dict(log, events=[*log["events"], own])  # the shop's own event: the slow reader's
    bad = dict(log, id="S-2", events=[dict(log["events"][0], amount="1.001")])
    now = "2026-11-05T00:00:00+08:00"
    out = {
        r["order_id"]: r
        for r in batch.status(batch.from_logs([good, bad]), now, {shop.name: shop}).to_pylist()
    }
    want = tc.load(good, rules=shop).status(now)
    assert out["S-1"]["error_kind"] is None and out["S-1"]["state"] == want.state
    assert [u["event"] for u in out["S-1"]["upcoming"]] == [d.event for d in want.upcoming]
    with pytest.raises(tc.InvalidInput) as refused:
        tc.load(bad, rules=shop)
    assert out["S-2"]["error_kind"] == "invalid_input"
    assert out["S-2"]["error_message"] == refused.value.message


def test_missing_columns_and_bad_arguments() -> None:
    with pytest.raises(tc.InvalidInput, match="no 'at' column"):
        batch.status(pa.table({"order_id": ["A"], "type": ["placed"]}), NOW)
    with pytest.raises(tc.InvalidInput, match="pyarrow Table, a Polars or pandas DataFrame"):
        batch.status([{"order_id": "A"}], NOW)
    table, _ = events_table(5, seed=1)
    with pytest.raises(tc.InvalidInput, match="workers must be"):
        batch.status(table, NOW, workers=-1)
    with pytest.raises(tc.InvalidInput, match="naive"):
        batch.status(table, "2026-11-01T00:00:00")


def test_only_the_columns_an_order_needs() -> None:
    # a minimal table: no rules column (the given rule set), no optional fields
    table = pa.table(
        {
            "order_id": ["A", "B", "A"],
            "type": ["placed", "placed", "paid"],
            "at": [
                "2026-10-30T10:00:00+08:00",
                "2026-10-30T11:00:00+08:00",
                "2026-10-30T10:05:00+08:00",
            ],
        }
    )
    out = batch.status(table, NOW, tc.TMALL)
    assert out.column("state").to_pylist() == ["paid", "placed"]
    assert out.column("rules").to_pylist() == ["tmall", "tmall"]
    # Tmall's 72 h dispatch: due 2026-11-02 10:05 local
    assert out.column("next_event").to_pylist()[0] == "dispatch_due"
    assert out.column("next_at").to_pylist()[0].isoformat() == "2026-11-02T10:05:00+08:00"


def test_a_custom_rule_set_by_name_also_in_worker_processes() -> None:
    shop = tc.TAOBAO.with_overrides({"pay.unpaid_close": "PT15M"}, name="flash")
    table = pa.table(
        {
            "order_id": ["A", "B"],
            "rules": ["flash", "taobao"],
            "type": ["placed", "placed"],
            "at": ["2026-10-31T23:50:00+08:00", "2026-10-31T23:50:00+08:00"],
        }
    )
    for workers in (1, 2):
        out = batch.status(table, NOW, {"flash": shop}, workers=workers)
        assert out.column("state").to_pylist() == ["placed", "placed"]
        at = [a.isoformat() for a in out.column("next_at").to_pylist()]
        assert at == ["2026-11-01T00:05:00+08:00", "2026-11-01T11:50:00+08:00"]


def test_only_the_rule_sets_given_judge_when_asked() -> None:
    shop = tc.TAOBAO.with_overrides({"pay.unpaid_close": "PT15M"}, name="flash")
    table = pa.table(
        {
            "order_id": ["A", "B", "C"],
            "rules": ["flash", "tmall", None],
            "type": ["placed"] * 3,
            "at": ["2026-10-31T23:50:00+08:00"] * 3,
        }
    )
    for workers in (1, 2):
        # by default a preset a row names is known: tmall judges B
        out = batch.status(table, NOW, {"flash": shop}, workers=workers)
        assert out.column("state").to_pylist() == ["placed"] * 3
        strict = batch.status(table, NOW, {"flash": shop}, workers=workers, only=True)
        assert strict.column("state").to_pylist() == ["placed", None, "placed"]
        assert strict.column("error_kind").to_pylist() == [None, "rules_mismatch", None]
        (message,) = [m for m in strict.column("error_message").to_pylist() if m]
        assert message == "order B names rule set 'tmall', and the batch judges by 'flash' only"
        # C names none: judged by the first rule set given
        assert strict.column("rules").to_pylist()[2] == "flash"


def test_cli_batch_rules_judges_by_those_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events, out = str(tmp_path / "e.csv"), str(tmp_path / "o.csv")
    assert (
        main(["generate", "--orders", "300", "--seed", "5", "--bad-share", "0", "-o", events]) == 0
    )
    capsys.readouterr()
    names = pa.csv.read_csv(events).column("rules").to_pylist()
    tmall = len(
        {
            o
            for o, r in zip(
                pa.csv.read_csv(events).column("order_id").to_pylist(), names, strict=True
            )
            if r == "tmall"
        }
    )
    assert tmall > 0
    args = ["batch", events, "-o", out, "--now", NOW, "--json"]
    assert main(args) == 0  # no --rules: each order by the preset it names
    assert json.loads(capsys.readouterr().out)["errors"] == 0
    assert main([*args, "--rules", "taobao"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["error_kinds"] == {"rules_mismatch": tmall}
    assert main([*args, "--rules", "taobao", "--rules", "tmall"]) == 0
    assert json.loads(capsys.readouterr().out)["errors"] == 0


def test_due_within_keeps_only_what_falls_due(small: tuple[Any, list[str]]) -> None:
    table, _ = small
    out = batch.status(table, NOW)
    soon = batch.status(table, NOW, due_within=timedelta(days=1))
    limit = (
        tc.load({"id": "x", "rules": "taobao", "events": [{"type": "placed", "at": NOW}]})
        .status(NOW)
        .now
    )
    expected = [
        r["order_id"]
        for r in out.to_pylist()
        if r["next_at"] and r["next_at"] <= limit + timedelta(days=1)
    ]
    assert soon.column("order_id").to_pylist() == expected and 0 < len(expected) < out.num_rows


def test_the_generator_is_seeded_and_realistic() -> None:
    a, bad_a = generate_rows(500, seed=4)
    b, bad_b = generate_rows(500, seed=4)
    c, _ = generate_rows(500, seed=5)
    assert (a, bad_a) == (b, bad_b) and a != c
    assert set(a[0]) == set(COLUMNS)
    types = {r["type"] for r in a}
    assert {"placed", "paid", "shipped", "signed", "confirmed", "refund_requested"} <= types
    offsets = {r["at"][-6:] for r in a if isinstance(r["at"], str)}
    assert len(offsets) >= 3  # times written in several UTC offsets
    methods = {r["method"] for r in a if r["method"]}
    assert "surface_mail" in methods


def test_cli_generate_and_batch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for suffix in ("parquet", "csv"):
        events = tmp_path / f"events.{suffix}"
        assert (
            main(
                [
                    "generate",
                    "--orders",
                    "400",
                    "--seed",
                    "3",
                    "--bad-share",
                    "0.02",
                    "-o",
                    str(events),
                ]
            )
            == 0
        )
        assert "400 orders" in capsys.readouterr().out
        out = tmp_path / f"status-{suffix}.parquet"
        argv = ["batch", str(events), "--now", NOW, "-o", str(out), "--json"]
        assert main(argv) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["orders"] == report["written"] == 400
        assert report["errors"] > 0 and report["orders_per_second"] > 0
        import pyarrow.parquet as pq

        written = pq.read_table(out)
        table, _ = events_table(400, seed=3, bad_share=0.02)
        assert written.equals(batch.status(table, NOW))  # CSV and Parquet read back the same
    assert (
        main(
            [
                "batch",
                str(events),
                "--now",
                NOW,
                "-o",
                str(tmp_path / "s.csv"),
                "--due-within",
                "PT6H",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "400 orders in" in text and "states: " in text
    assert main(["batch", str(tmp_path / "events.json"), "--now", NOW, "-o", str(out)]) == 2
    assert "a .parquet or .csv file" in capsys.readouterr().err


def test_dask_local_cluster_gives_the_serial_result(
    small: tuple[Any, list[str]], tmp_path: Path
) -> None:
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    table, _ = small
    serial = batch.status(table, NOW).to_pandas().sort_values("order_id").reset_index(drop=True)
    files = batch.write_partitioned(table, str(tmp_path / "events"), 5)
    assert len(files) == 5
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        ddf = dd.from_pandas(table.to_pandas(), npartitions=5)
        shuffled = batch.status_dask(ddf, NOW).compute()
        # written partitioned by order: read and judged with no shuffle
        stored = batch.read_partitioned(str(tmp_path / "events"))
        assert stored.npartitions == 5
        judged = batch.status_dask(stored, NOW, partitioned=True)
        assert "shuffle" not in repr(judged.dask.keys()).lower()
        in_place = judged.compute()
    import pandas as pd

    for result in (shuffled, in_place):
        result = result.sort_values("order_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(result, serial)


def test_write_partitioned_keeps_each_order_in_one_file_in_log_order(
    small: tuple[Any, list[str]], tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    table, _ = small
    files = batch.write_partitioned(table, str(tmp_path), 7)
    seen: dict[str, str] = {}
    for path in files:
        part = pq.read_table(path)
        assert pq.ParquetFile(path).num_row_groups == 1
        for order_id in set(part.column("order_id").to_pylist()):
            assert order_id not in seen, "an order in two files"
            seen[order_id] = path
    assert len(seen) == len(set(table.column("order_id").to_pylist()))
    # each order's rows in the order of the table
    first = pq.read_table(files[0]).to_pylist()
    order_id = first[0]["order_id"]
    mine = [r for r in table.to_pylist() if r["order_id"] == order_id]
    assert [r for r in first if r["order_id"] == order_id] == mine
    with pytest.raises(tc.InvalidInput, match="parts must be 1 or more"):
        batch.write_partitioned(table, str(tmp_path), 0)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(tc.StorageError, match="a-file"):
        batch.write_partitioned(table, str(blocker / "events"), 2)


def test_progress_counts_every_order_once(small: tuple[Any, list[str]]) -> None:
    table, _ = small
    orders = len(set(table.column("order_id").to_pylist()))
    for workers in (1, 2):
        done: list[int] = []
        batch.status(table, NOW, workers=workers, progress=done.append)
        assert sum(done) == orders and all(n > 0 for n in done), workers
    done = []
    batch.status(table, NOW, progress=done.append, lines=True)
    assert sum(done) == orders


def test_the_command_shows_a_bar_only_on_a_terminal(
    small: tuple[Any, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from tradeclock._cli import _progress

    table, _ = small
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert _progress(table) is None  # quiet in a pipe or a log file
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    bar = _progress(table)
    assert bar is not None and bar.total == len(set(table.column("order_id").to_pylist()))
    bar.close()


def test_timestamp_columns_of_any_unit() -> None:
    at = [1_762_000_000_000_000_000, 1_762_000_100_000_000_000]  # ns since 1970, UTC
    now = "2026-11-10T00:00:00+08:00"
    for unit, scale in (("s", 10**9), ("ms", 10**6), ("us", 10**3), ("ns", 1)):
        table = pa.table(
            {
                "order_id": ["A", "A"],
                "type": ["placed", "paid"],
                "at": pa.array([x // scale for x in at], type=pa.timestamp(unit, "UTC")),
            }
        )
        (row,) = batch.status(table, now).to_pylist()
        assert (row["state"], row["error_kind"]) == ("paid", None), unit
    # a time finer than a microsecond cannot be an event's time: refused as the JSON path does
    finer = pa.table(
        {
            "order_id": ["A"],
            "type": ["placed"],
            "at": pa.array([at[0] + 1], type=pa.timestamp("ns", "UTC")),
        }
    )
    (row,) = batch.status(finer, now).to_pylist()
    assert row["error_kind"] == "invalid_input" and "placed.at" in row["error_message"]


#: Forms at the edges of what the date-time pattern takes: some Arrow's parser refuses (then
#: the whole column is read row by row), some the JSON reader refuses or takes oddly.
EDGE_TIMES = [
    "2026-11-01T10:00:00+08:00",
    "2026-11-01 10:00:00.5Z",
    "2026-11-01t10:00:00+08:00",  # the pattern takes a lowercase t; Arrow does not
    "2026-11-01T10:00:00z",
    "2026-11-01T10:00:00+08:60",  # Python reads a 60-minute offset; Arrow does not
    "2026-11-01T23:59:60+08:00",  # no leap seconds
    "2026-02-30T10:00:00+08:00",
    "1969-12-31T23:00:00-02:00",  # a written year before 1970, an instant after it
    "1970-01-01T01:00:00+02:00",  # before 1970 in UTC
    "2999-12-31T23:00:00-05:00",  # from 3000 in UTC
    "2026-11-01T10:00:00.123456-00:00",
    "2026-11-01T10:00:00",  # naive
    "2026-11-01",
    "",
]


def _json_reader(texts: list[str | None]) -> list[datetime | None]:
    return [utc_instant(x) if x is not None and DATETIME_RE.match(x) else None for x in texts]


@pytest.mark.parametrize("edge", EDGE_TIMES)
def test_a_text_time_column_reads_as_the_json_reader_reads_it(edge: str) -> None:
    """Each ``at`` the column reader takes is the instant the JSON reader gives (a UTC
    ``datetime``), and it takes none the JSON reader refuses; one odd form among plain ones
    makes it read that column row by row, still alike."""
    column = pa.chunked_array([["2026-11-01T10:00:00+08:00", edge, None, "2026-11-02T09:30:00Z"]])
    got = batch._instants(column)
    want = _json_reader(column.to_pylist())
    assert got == want
    assert all(x is None or x.tzinfo is UTC for x in got)
    assert batch._instants(column.cast(pa.large_string())) == want


@settings(max_examples=200, deadline=None)
@given(st.lists(st.from_regex(DATETIME_PATTERN, fullmatch=True) | st.sampled_from(EDGE_TIMES)))
def test_any_text_the_pattern_takes_reads_as_the_json_reader_reads_it(texts: list[str]) -> None:
    got = batch._instants(pa.chunked_array([texts], type=pa.string()))
    assert got == _json_reader(list(texts))


@st.composite
def _written_times(draw: st.DrawFn) -> str:
    """A date-time as a log may write it, in forms Arrow reads too: either separator, 0 to 6
    fractional digits, ``Z`` or an offset; years around the range's ends included."""
    local = draw(st.datetimes(min_value=datetime(1960, 1, 1), max_value=datetime(3009, 12, 31)))
    offset = draw(st.integers(-(23 * 60 + 59), 23 * 60 + 59))
    digits = draw(st.integers(0, 6))
    text = local.strftime("%Y-%m-%d") + draw(st.sampled_from("T ")) + local.strftime("%H:%M:%S")
    if digits:
        text += "." + f"{local.microsecond:06d}"[:digits]
    if offset == 0 and draw(st.booleans()):
        return text + "Z"
    sign, rest = ("+" if offset >= 0 else "-"), abs(offset)
    return text + f"{sign}{rest // 60:02d}:{rest % 60:02d}"


@settings(max_examples=200, deadline=None)
@given(st.lists(_written_times(), min_size=1))
def test_times_arrow_reads_are_the_instants_the_json_reader_gives(texts: list[str]) -> None:
    """The whole column read by Arrow (no odd form in it): the same instants, the same
    refusals at the range's ends."""
    got = batch._instants(pa.chunked_array([texts], type=pa.string()))
    assert got == _json_reader(list(texts))


@pytest.mark.parametrize("was_on", [True, False])
def test_a_batch_leaves_no_cycles_and_the_collector_as_it_found_it(
    small: tuple[Any, list[str]], was_on: bool
) -> None:
    """The cyclic collector is off while a chunk is judged (it would walk the chunk's events
    over and over), which loses nothing only because judging leaves no reference cycles: bad
    rows, refunds and their errors included. The collector is left as it was found, also when
    the batch fails."""
    import gc

    table, _ = small
    gc.collect()
    (gc.enable if was_on else gc.disable)()
    try:
        out = batch.status(table, NOW)
        assert out.num_rows and gc.isenabled() is was_on
        assert any(r is not None for r in out.column("error_kind").to_pylist())
        assert gc.collect() == 0  # nothing was left for the collector
        batch.status(table, NOW, lines=True)
        assert gc.collect() == 0

        def stop(done: int) -> None:
            raise KeyboardInterrupt  # the person watching the bar gave up

        with pytest.raises(KeyboardInterrupt):
            batch.status(table, NOW, progress=stop)
        assert gc.isenabled() is was_on
    finally:
        gc.enable()
