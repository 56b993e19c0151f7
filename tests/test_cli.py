"""The command line: the readable timeline, the JSON contract, and bad input (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import e, log

from tradeclock._cli import main

ROOT = Path(__file__).resolve().parents[1]
ORDER = ROOT / "examples" / "order.json"
NOW = "2026-11-08T12:00:00+08:00"


def test_status_prints_a_timeline(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", str(ORDER), "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "State: signed for" in out and "Refund 1: waiting for the buyer's return" in out
    assert "2026-11-14 16:20  refund_close (refund closes by itself)" in out
    assert "in 6 days 4 hours 20 minutes" in out
    assert "refund.buyer_return_timeout" in out
    assert "paused while the refund is open, with 6 days left" in out


def test_status_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", str(ORDER), "--now", NOW, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"id", "now", "state", "refund", "fired", "upcoming"} <= data.keys()
    assert data["now"] == NOW and data["state"] == "signed"
    assert data["refund"]["state"] == "wait_buyer_return"
    first = data["upcoming"][0]
    assert set(first) >= {"event", "at", "rule", "stoppable_by", "source"}
    assert first["at"].endswith("+08:00")


def test_status_reads_stdin() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tradeclock", "status", "-", "--now", NOW, "--json"],
        input=ORDER.read_text(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and json.loads(proc.stdout)["state"] == "signed"


def test_now_defaults_to_the_wall_clock(capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import UTC, datetime, timedelta

    before = datetime.now(UTC)
    assert main(["status", str(ORDER), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    now = datetime.fromisoformat(data["now"])
    assert before <= now <= datetime.now(UTC) + timedelta(seconds=1)


@pytest.mark.parametrize(
    ("args", "kind"),
    [
        (["status", "/nonexistent.json"], "invalid_input"),
        (["status", str(ORDER), "--now", "2026-11-08T12:00:00"], "invalid_input"),
        (["status", str(ORDER), "--rules", "/nonexistent.toml"], "invalid_input"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    args: list[str], kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*args, "--json"]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["error"]["kind"] == kind
    assert captured.err.count("\n") == 1 and captured.err.startswith(f"tradeclock: {kind}:")


def test_bad_log_through_the_console_script(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(log(e("placed", "2026-11-01 10:00"), e("signed", "2026-11-01 11:00")))
    )
    proc = subprocess.run(
        [sys.executable, "-m", "tradeclock", "status", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert "order T1: signed at 2026-11-01 11:00 is not allowed" in proc.stderr


def test_malformed_json_via_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["status", str(bad), "--json"]) == 2
    err = json.loads(capsys.readouterr().out)["error"]
    assert err["kind"] == "invalid_input" and err["event_index"] is None


def test_custom_rules_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    order = tmp_path / "o.json"
    order.write_text(json.dumps(log(e("placed", "2026-11-01 10:00"), rules="flash")))
    rules = ROOT / "examples" / "flash-sale.toml"
    assert (
        main(
            [
                "status",
                str(order),
                "--rules",
                str(rules),
                "--now",
                "2026-11-01T10:01:00+08:00",
                "--json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["upcoming"][0]["at"] == "2026-11-01T10:15:00+08:00"
    assert data["rules"] == "flash"


@pytest.mark.parametrize("fmt", [[], ["--toml"], ["--json"]])
def test_rules_command(fmt: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "tmall", *fmt]) == 0
    out = capsys.readouterr().out
    assert "ship.dispatch_due" in out
    if fmt == ["--json"]:
        rows = {r["id"]: r for r in json.loads(out)["rules"]}
        assert rows["ship.dispatch_due"]["duration"] == "P3D"


def test_rules_unknown_preset(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "jd"]) == 2
    assert "unknown rule set 'jd'" in capsys.readouterr().err


def test_usage_error_exits_2() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["status"])
    assert exc.value.code == 2


def test_docs_rules_page_is_generated_from_the_tables() -> None:
    from tradeclock._docs import rules_markdown

    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert page == rules_markdown(), "docs/rules.md is stale: tradeclock rules --markdown"
    for rule in __import__("tradeclock").TAOBAO:
        assert f"`{rule.id}`" in page


@pytest.mark.parametrize(
    ("event", "expect"),
    [
        (
            "refund_close",
            "2026-11-14T16:20:00+08:00  (refund.buyer_return_timeout; in 6 days 4 hours",
        ),
        (
            "auto_confirm",
            "auto_confirm is paused while refund 1 is open (waiting for the buyer's return), "
            "with 6 days left",
        ),
        (
            "auto_close",
            "auto_close is not running: the order is signed for, refund 1 is waiting for the "
            "buyer's return",
        ),
    ],
)
def test_when(event: str, expect: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["when", str(ORDER), event, "--now", NOW]) == 0
    assert capsys.readouterr().out.startswith(expect)


@pytest.mark.parametrize(
    ("event", "expect"),
    [
        ("refund_close", "2026-11-14T16:20:00+08:00（refund.buyer_return_timeout；6 天 4 小时"),
        (
            "auto_confirm",
            "退款 1 进行中（卖家已同意，等待买家退货），自动确认收货暂停计时，剩余 6 天",
        ),
        ("auto_close", "交易自动关闭没有在计时：订单已签收，退款 1：待买家退货"),
    ],
)
def test_when_in_chinese(event: str, expect: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["when", str(ORDER), event, "--now", NOW, "--lang", "zh"]) == 0
    assert capsys.readouterr().out.startswith(expect)


def test_when_json_and_already_happened(capsys: pytest.CaptureFixture[str]) -> None:
    later = "2026-11-21T00:00:00+08:00"
    assert main(["when", str(ORDER), "refund_close", "--now", later, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["at"] is None
    assert data["reason"] == (
        "refund_close already happened at 2026-11-14 16:20 (refund.buyer_return_timeout)"
    )
    assert main(["when", str(ORDER), "refund_close", "--now", NOW, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["at"], data["rule"], data["reason"]) == (
        "2026-11-14T16:20:00+08:00",
        "refund.buyer_return_timeout",
        "",
    )


def test_when_unknown_event_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # judged once the order's rule set is known (it may declare timers of its own)
    assert main(["when", str(ORDER), "explode"]) == 2
    err = capsys.readouterr().err
    assert "unknown automatic event 'explode'" in err and "auto_confirm" in err


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_explain_command(lang: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(ORDER), "--now", NOW, "--lang", lang]) == 0
    out = capsys.readouterr().out
    assert "TB-2026-1106-0042" in out and "2026-11-14 16:20" in out
    assert main(["explain", str(ORDER), "--now", NOW, "--lang", lang, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["lang"] == lang and data["status"]["state"] == "signed"


def test_actions_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["actions", str(ORDER), "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "buyer:\n  confirmed -> order success, refund closed now" in out
    assert "return_shipped -> refund wait_seller_confirm now; starts auto_refund" in out
    assert main(["actions", str(ORDER), "--now", NOW, "--actor", "seller", "--all", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["actor"] for r in rows} == {"seller"}
    refused = {r["label"]: r for r in rows if not r["allowed"]}
    assert refused["refund_agreed"]["rule"] == "refund.graph"


@pytest.mark.parametrize("command", ["status", "when", "explain", "actions"])
def test_every_command_gives_the_typed_error(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(log(e("placed", "2026-11-01 10:00"), e("paid", "2026-10-01 10:00"))))
    args = [command, str(bad), "--json", "--now", NOW]
    if command == "when":
        args.insert(2, "auto_close")
    assert main(args) == 2
    captured = capsys.readouterr()
    err = json.loads(captured.out)["error"]
    assert (err["kind"], err["event_index"]) == ("out_of_order", 1)
    # the error in the command's language: English unless told otherwise, on every command
    assert captured.err.startswith("tradeclock: out_of_order: order T1: paid at")
    assert main([*args, "--lang", "zh"]) == 2
    said = "订单 T1，事件 #1：2026-10-01 10:00 的付款（paid）早于"
    assert capsys.readouterr().err.startswith(f"tradeclock: out_of_order: {said}")


def test_closed_pipe_is_not_a_traceback() -> None:
    # the reader closes the pipe before the command writes (| head on a long output)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tradeclock", "rules", "--markdown"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() == 0
    assert "Traceback" not in err and "BrokenPipe" not in err


@pytest.mark.parametrize(
    "command", ["status", "when", "explain", "actions", "schema", "mcp", "rules"]
)
def test_every_subcommand_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: tradeclock {command}")


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("status", "when", "explain", "actions", "schema", "mcp", "rules"):
        assert f"\n    {command} " in out
