"""The MCP server: in process through the SDK's client, and once through a real stdio process.
The tools answer what the CLI answers, for every golden scenario."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mcp")

from mcp import Client, StdioServerParameters

from tradeclock._cli import main
from tradeclock._mcp_server import build_server

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.json"))
SERVER = build_server()


def _cli_json(args: list[str], log: dict[str, Any]) -> tuple[int, Any]:
    out = io.StringIO()
    stdin = sys.stdin
    sys.stdin = io.StringIO(json.dumps(log))
    try:
        with redirect_stdout(out), redirect_stderr(io.StringIO()):
            code = main([args[0], "-", *args[1:], "--json"])
    finally:
        sys.stdin = stdin
    return code, json.loads(out.getvalue())


async def _calls(calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    async with Client(SERVER) as client:
        return [await client.call_tool(name, args) for name, args in calls]


def _run(calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    return asyncio.run(_calls(calls))


def _error(result: Any) -> Any:
    """The JSON error of a tool error; the SDK puts 'Error executing tool NAME: ' before it."""
    text = result.content[0].text
    return json.loads(text[text.index("{") :])


def test_the_seven_tools_are_listed() -> None:
    async def names() -> set[str]:
        async with Client(SERVER) as client:
            return {t.name for t in (await client.list_tools()).tools}

    assert asyncio.run(names()) == {
        "order_status",
        "order_when",
        "order_explain",
        "order_actions",
        "simulate",
        "top_import",
        "top_check",
    }


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_tools_answer_like_the_cli(path: Path) -> None:
    scenario = json.loads(path.read_text(encoding="utf-8"))
    log = scenario["order"]
    nows = [e["now"] for e in scenario.get("expect", [])] or ["2026-12-31T00:00:00+08:00"]
    calls: list[tuple[str, dict[str, Any]]] = []
    for now in nows:
        calls += [
            ("order_status", {"log": log, "now": now}),
            ("order_explain", {"log": log, "now": now, "lang": "en"}),
            ("order_actions", {"log": log, "now": now}),
            ("order_when", {"log": log, "now": now, "event": "auto_confirm"}),
        ]
    results = _run(calls)
    for i, now in enumerate(nows):
        status, explained, acts, when = results[4 * i : 4 * i + 4]
        code, cli = _cli_json(["status", "--now", now], log)
        if code == 2:
            for r in (status, explained, acts, when):
                assert r.is_error
                assert _error(r) == cli
            assert cli["error"]["kind"] == scenario["expect_error"]["kind"]
            continue
        assert not status.is_error and status.structured_content == cli
        assert (
            explained.structured_content
            == _cli_json(["explain", "--now", now, "--lang", "en"], log)[1]
        )
        assert acts.structured_content == {"actions": _cli_json(["actions", "--now", now], log)[1]}
        assert when.structured_content == _cli_json(["when", "auto_confirm", "--now", now], log)[1]


def test_tools_speak_the_language_asked_like_the_cli() -> None:
    log = json.loads((ROOT / "examples" / "order.json").read_text())
    now = "2026-11-08T12:00:00+08:00"
    when, acts = _run(
        [
            ("order_when", {"log": log, "now": now, "event": "auto_confirm", "lang": "zh"}),
            ("order_actions", {"log": log, "now": now, "include_refused": True, "lang": "zh"}),
        ]
    )
    cli_when = _cli_json(["when", "auto_confirm", "--now", now, "--lang", "zh"], log)[1]
    assert when.structured_content == cli_when and "暂停计时" in cli_when["reason"]
    cli_acts = _cli_json(["actions", "--all", "--now", now, "--lang", "zh"], log)[1]
    assert acts.structured_content == {"actions": cli_acts}
    refused = [a["reason"] for a in cli_acts if not a["allowed"]]
    assert refused and all(
        "同一时间只能有一个退款" in r or "需要" in r or "剩余" in r for r in refused
    )


def test_simulate_applies_hypothetical_events_and_stores_nothing() -> None:
    log = json.loads((ROOT / "examples" / "order.json").read_text())
    now = "2026-11-08T12:00:00+08:00"
    ship_back = {"type": "return_shipped", "at": now, "tracking_no": "SF123"}
    (result, again) = _run(
        [
            ("simulate", {"log": log, "events": [ship_back], "now": now}),
            ("order_status", {"log": log, "now": now}),
        ]
    )
    data = result.structured_content
    assert data["before"]["refund"]["state"] == "wait_buyer_return"
    assert data["after"]["refund"]["state"] == "wait_seller_confirm"
    assert again.structured_content == data["before"]


def test_errors_carry_the_librarys_kind_and_message() -> None:
    bad = {"id": "X", "rules": "taobao", "events": [{"type": "placed", "at": "2026-11-11"}]}
    (r,) = _run([("order_status", {"log": bad, "now": "2026-11-12T00:00:00+08:00"})])
    assert r.is_error
    err = _error(r)["error"]
    assert err["kind"] == "invalid_input" and err["event_index"] == 0
    (w,) = _run(
        [
            (
                "order_when",
                {
                    "log": bad | {"events": [{"type": "placed", "at": "2026-11-11T00:00:00Z"}]},
                    "event": "explode",
                },
            )
        ]
    )
    assert w.is_error and "unknown automatic event" in w.content[0].text


def test_top_tools_answer_like_the_cli() -> None:
    top = ROOT / "examples" / "top"
    good = top / "12-return-wait-seller-confirm.json"
    bad = top / "disagree" / "x04-seller-receipt-7-days.json"
    payloads = [json.loads(p.read_text(encoding="utf-8")) for p in (good, bad)]
    imported, checked, broken = _run(
        [
            ("top_import", {"payload": payloads[0]}),
            ("top_check", {"payload": payloads[1]}),
            ("top_import", {"payload": {"trade": {"tid": 1, "status": "PAY_PENDING"}}}),
        ]
    )
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["import-top", str(good)]) == 0
    assert imported.structured_content == {"log": json.loads(out.getvalue())}
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["check-top", str(bad), "--json"]) == 1
    cli = json.loads(out.getvalue())
    assert checked.structured_content == {
        "findings": cli["files"][str(bad)],
        "summary": cli["summary"],
        "by_rule": cli["by_rule"],
    }
    assert cli["summary"]["disagree"] == 1
    assert broken.is_error and "PAY_PENDING" in _error(broken)["error"]["message"]


def test_a_real_stdio_server() -> None:
    log = json.loads((ROOT / "examples" / "order.json").read_text())
    params = StdioServerParameters(command=sys.executable, args=["-m", "tradeclock", "mcp"])

    async def talk() -> Any:
        async with Client(params) as client:
            return await client.call_tool(
                "order_when",
                {"log": log, "event": "refund_close", "now": "2026-11-08T12:00:00+08:00"},
            )

    result = asyncio.run(talk())
    assert result.structured_content["at"] == "2026-11-14T16:20:00+08:00"
