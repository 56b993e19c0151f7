"""Inputs without guessing: a mapping, a Path, JSON (or TOML) text or bytes; a str that is not
the document is a path only when it names an existing file; the CLI's ``-`` is always the
document on standard input, never a path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tradeclock as tc
from tradeclock._input import json_looks_like, parse_json, read_document, read_json
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


def test_a_lone_surrogate_in_text_is_refused_by_name() -> None:
    """A ``str`` log holding a lone surrogate (not an escape: the character itself) cannot be
    UTF-8, which msgspec needs: it is read by ``json`` and refused by the field's own check,
    a typed error naming the field, not a ``UnicodeEncodeError``."""
    with pytest.raises(tc.InvalidInput, match="the order id 'A\\\\ud800' has control or unpaired"):
        tc.load('{"id": "A\ud800", "rules": "taobao", "events": []}')
    head = '{"id": "A", "rules": "taobao", "events": [{"type": "shipped", '
    with pytest.raises(tc.InvalidInput, match=r"event 0 \(shipped\): shipped.tracking_no"):
        tc.load(head + '"at": "2026-11-01T10:00:00+08:00", "tracking_no": "x\ud800"}]}')
    # a TOP payload is read as the standard library reads it (its trade's id kept as written)
    assert read_payload('{"trade": {"tid": "1\ud800"}}')[0] == {"tid": "1\ud800"}


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=8,
)


def _read_either(reader: Any, doc: str | bytes) -> object:
    try:
        return ("value", reader(doc))
    except tc.InvalidInput as exc:
        return ("refused", exc.message)


@settings(max_examples=300, deadline=None)
@given(
    value=_JSON_VALUES,
    cut=st.integers(min_value=0, max_value=40),
    noise=st.binary(max_size=3),
    as_bytes=st.booleans(),
)
def test_the_quick_json_read_is_the_long_one(
    value: object, cut: int, noise: bytes, as_bytes: bool
) -> None:
    """``read_json`` reads short bytes and text at once with msgspec, and everything it
    refuses the long way: a document (often broken by a cut or stray bytes, which may not be
    UTF-8) reads to the same value, or is refused with the same message, both ways."""
    encoded = json.dumps(value).encode()
    raw = encoded[: len(encoded) - cut] + noise if cut or noise else encoded
    doc: str | bytes = raw
    if not as_bytes:
        doc = raw.decode("utf-8", "surrogateescape")  # lone surrogates where bytes are not UTF-8
    quick = _read_either(lambda d: read_json(d, "event log"), doc)
    long_way = _read_either(
        lambda d: read_document(d, "event log", "JSON", parse_json, json_looks_like), doc
    )
    if quick[0] == "value" and long_way[0] == "value":
        assert json.dumps(quick[1]) == json.dumps(long_way[1])  # (NaN != NaN)
    else:
        assert quick == long_way
