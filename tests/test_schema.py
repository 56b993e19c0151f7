"""The JSON Schemas: generated from the loader's own tables, published in docs/schema, and in
agreement with the loader and the outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from test_hostile import near_valid

import tradeclock as tc
from tradeclock._cli import main
from tradeclock._schema import SCHEMAS, schema
from tradeclock.testing import event_logs

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.json"))
CHECKER = jsonschema.Draft202012Validator.FORMAT_CHECKER


def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema(name), format_checker=CHECKER)


LOG = _validator("event-log")


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_published_schemas_are_current(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    jsonschema.Draft202012Validator.check_schema(schema(name))
    assert main(["schema", name]) == 0
    published = (ROOT / "docs" / "schema" / f"{name}.json").read_text(encoding="utf-8")
    assert capsys.readouterr().out == published, f"docs/schema/{name}.json is stale"


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_logs_and_outputs_validate(path: Path) -> None:
    scenario = json.loads(path.read_text(encoding="utf-8"))
    valid = LOG.is_valid(scenario["order"])
    if "expect_error" in scenario:
        # the two refused for their content: P10 and P11 are well-formed, P12 is not (no offset)
        assert valid == (scenario["expect_error"]["kind"] != "invalid_input")
        return
    assert valid
    order = tc.load(scenario["order"])
    for expect in scenario["expect"]:
        now = expect["now"]
        _validator("status").validate(order.status(now).to_dict())
        for lang in ("zh", "en"):
            from tradeclock._explain import explain_dict

            _validator("explain").validate(explain_dict(order.status(now), order.rules, lang))
        tz = order.rules.tz
        _validator("actions").validate(
            [a.to_dict(tz) for a in order.allowed_actions(now, include_refused=True)]
        )


@given(event_logs())
def test_every_generated_log_is_schema_valid(data: dict[str, Any]) -> None:
    assert LOG.is_valid(data)


@given(near_valid())
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_schema_and_loader_agree(data: dict[str, Any]) -> None:
    # what the loader accepts is schema-valid; what the schema refuses, the loader refuses
    # (it reports the first problem in log order, which may be about content, not form)
    valid = LOG.is_valid(data)
    try:
        tc.load(data)
    except tc.TradeclockError:
        return
    assert valid, list(LOG.iter_errors(data))[:1]


@pytest.mark.parametrize(
    "at",
    [
        "2026-11-11T00:05:00",
        "2026-11-11T00:05+08:00",
        "2026-13-01T00:00:00+08:00",
        "2016-12-31T23:59:60Z",
    ],
)
def test_bad_date_times_fail_both(at: str) -> None:
    data = {"id": "S", "rules": "taobao", "events": [{"type": "placed", "at": at}]}
    assert not LOG.is_valid(data)
    with pytest.raises(tc.InvalidInput):
        tc.load(data)


def test_unknown_schema_name() -> None:
    with pytest.raises(tc.InvalidInput, match="unknown schema"):
        schema("order")
