"""Inputs without guessing: a mapping, a Path, JSON (or TOML) text or bytes; a str that is not
the document is a path only when it names an existing file; the CLI's ``-`` is always the
document on standard input, never a path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import tradeclock as tc
from tradeclock.top import read_payload

ROOT = Path(__file__).resolve().parents[1]
ORDER = ROOT / "examples" / "order.json"
SHOP = ROOT / "examples" / "invoice-shop.toml"
TEXT = ORDER.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "source",
    [
        TEXT,
        "\ufeff" + TEXT,
        "\n  " + TEXT + "\n",
        TEXT.encode(),
        b"\xef\xbb\xbf" + TEXT.encode(),
        bytearray(TEXT.encode()),
        ORDER,
        str(ORDER),
        json.loads(TEXT),
    ],
    ids=[
        "str",
        "str-bom",
        "whitespace",
        "bytes",
        "bytes-bom",
        "bytearray",
        "path",
        "str-path",
        "dict",
    ],
)
def test_every_form_of_the_same_log_loads_alike(source: object) -> None:
    assert tc.load(source).status("2026-11-08T12:00:00+08:00") == tc.load(ORDER).status(
        "2026-11-08T12:00:00+08:00"
    )


@pytest.mark.parametrize(
    ("source", "match"),
    [
        ("", "the event log is empty"),
        ("  \n", "the event log is empty"),
        (b"", "the event log is empty"),
        ("null", "must be a JSON object, got NoneType"),
        ("[]", "must be a JSON object, got list"),
        ("nope.json", "'nope.json' is neither JSON nor the path of an existing file"),
        ("orders/A1", "is neither JSON nor the path of an existing file"),
        ('{"id": "A1", ', "malformed JSON"),
        (b"\xff\xfe", "is not UTF-8 text"),
        (Path("/nonexistent/x.json"), "cannot read event log '/nonexistent/x.json'"),
        (5, "given as a mapping, JSON text .* not int"),
    ],
)
def test_what_is_neither_says_so(source: object, match: str) -> None:
    with pytest.raises(tc.InvalidInput, match=match):
        tc.load(source)  # type: ignore[arg-type]


def test_bytes_are_never_a_path(tmp_path: Path) -> None:
    log = tmp_path / "log.json"
    log.write_text(TEXT, encoding="utf-8")
    assert tc.load(str(log)).id == "TB-2026-1106-0042"  # a str naming a file: the file
    with pytest.raises(tc.InvalidInput, match="malformed JSON"):
        tc.load(str(log).encode())  # bytes: the document itself


def test_a_file_that_is_not_json_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("not json", encoding="utf-8")
    with pytest.raises(tc.InvalidInput, match=r"event log '.*bad.json': malformed JSON"):
        tc.load(bad)


def _stdin(data: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tradeclock",
            "status",
            "-",
            "--now",
            "2026-11-08T12:00:00+08:00",
            *args,
        ],
        input=data,
        capture_output=True,
        check=False,
    )


def test_the_cli_dash_is_always_json_from_stdin(tmp_path: Path) -> None:
    log = tmp_path / "log.json"
    log.write_text(TEXT, encoding="utf-8")
    proc = _stdin(str(log).encode())  # a path on stdin is not followed
    assert proc.returncode == 2 and b"malformed JSON" in proc.stderr
    assert b"Traceback" not in proc.stderr
    proc = _stdin(b"\xef\xbb\xbf" + TEXT.encode(), "--json")  # a BOM is fine
    assert proc.returncode == 0 and json.loads(proc.stdout)["state"] == "signed"
    proc = _stdin(b"", "--json")
    assert proc.returncode == 2 and json.loads(proc.stdout)["error"]["kind"] == "invalid_input"
    assert b"the event log is empty" in proc.stderr


@pytest.mark.parametrize(
    "source",
    [
        SHOP,
        str(SHOP),
        SHOP.read_text(encoding="utf-8"),
        SHOP.read_bytes(),
        b"\xef\xbb\xbf" + SHOP.read_bytes(),
    ],
    ids=["path", "str-path", "text", "bytes", "bytes-bom"],
)
def test_rule_set_files_follow_the_same_rule(source: object) -> None:
    assert tc.load_rules(source).fingerprint == tc.load_rules(SHOP).fingerprint  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source", "match"),
    [
        ("shop.toml", "'shop.toml' is neither TOML nor the path of an existing file"),
        ("base = [", "rule set: not valid TOML"),
        (Path("/nonexistent/shop.toml"), "cannot read rule set file"),
        (str(ROOT / "README.md"), "rule set file '.*README.md': not valid TOML"),
    ],
)
def test_rule_set_files_that_are_neither(source: object, match: str) -> None:
    with pytest.raises(tc.InvalidInput, match=match):
        tc.load_rules(source)  # type: ignore[arg-type]


def test_top_payloads_read_alike() -> None:
    path = ROOT / "examples" / "top" / "12-return-wait-seller-confirm.json"
    expected = read_payload(path)
    assert read_payload(path.read_bytes()) == expected == read_payload(str(path))
    with pytest.raises(tc.InvalidInput, match="neither JSON nor the path"):
        read_payload("no-such-payload.json")


def test_what_the_fast_json_reader_refuses_reads_as_the_standard_library_does() -> None:
    """JSON is read by msgspec; what it refuses (NaN, a number out of range, a lone
    surrogate escape) is read again by ``json``, whose answer is the one given: the same
    documents accepted, the same messages, with line and column for malformed JSON."""
    head = '{"id": "A", "rules": "taobao", "events": [{"type": "placed", '
    at = '"at": "2026-11-01T10:00:00+08:00"'
    with pytest.raises(tc.InvalidInput, match=r"amount must be a decimal string .* got nan"):
        tc.load(head + at + ', "amount": NaN}]}')
    with pytest.raises(tc.InvalidInput, match=r"tracking_no|unknown field 'tracking_no'"):
        tc.load(head + at + ', "tracking_no": "\\ud800"}]}')
    with pytest.raises(
        tc.InvalidInput, match=r"malformed JSON: Expecting value at line 2 column 11"
    ):
        tc.load('{"id": "A",\n "rules": ]')
    # a huge integer is a number to both readers: refused by the field's own check
    with pytest.raises(tc.InvalidInput, match="amount is more than"):
        tc.load(head + at + ', "amount": 123456789012345678901234567890}]}')
