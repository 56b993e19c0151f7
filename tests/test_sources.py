"""The source register: every rule cites it, readers see titles in their language, and nothing
shipped or printed names a file a reader cannot look up."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import tradeclock as tc
from tradeclock._cli import main
from tradeclock._docs import sources_markdown
from tradeclock._presets import AMOUNT_RULES, CONSTRAINTS, LATE_SHIPMENT, PRESETS
from tradeclock.sources import SOURCES, Citation, citations, cite, zh_number

ROOT = Path(__file__).parents[1]
#: what must never reach a reader: the project's internal rule notes, or a training text's file
UNREADABLE = re.compile(r"RULES\.md|\b\d{3}_[0-9a-f]{16}(?:\.txt)?\b|\bseed \d{3}\b|\bSEED_\d")


def _all_sources() -> list[tuple[str, str]]:
    rows = [(f"{rs.name}:{r.id}", r.source) for rs in PRESETS.values() for r in rs]
    rows += [(c.id, c.source) for c in CONSTRAINTS.values()]
    rows += [(a.id, a.source) for a in AMOUNT_RULES.values()]
    rows += [(c.id, c.source) for versions in LATE_SHIPMENT.values() for c in versions]
    return rows


@pytest.mark.parametrize(("rule", "text"), _all_sources())
def test_every_rule_cites_the_register(rule: str, text: str) -> None:
    found = citations(text)
    assert found, f"{rule}: its source does not cite the register: {text!r}"
    assert all(c.source in SOURCES for c in found)
    assert not UNREADABLE.search(text)


def test_the_register_page_is_generated_and_every_source_is_complete() -> None:
    page = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    assert page == sources_markdown(), "docs/sources.md is stale: tradeclock sources --markdown"
    for s in SOURCES.values():
        assert s.title and s.title_en and s.short_zh and s.short_en and s.publisher and s.version
        assert f"## {s.id}" in page
    # the five training texts carry descriptive titles, not file names
    training = [s for s in SOURCES.values() if s.kind == "training"]
    assert len(training) == 5 and not any(UNREADABLE.search(s.title) for s in training)


def test_citations_are_read_with_their_sections_and_notes() -> None:
    assert citations("cs-lifecycle § 四.2.B; tb-dispute art. 43") == [
        Citation("cs-lifecycle", "§ 四.2.B", ""),
        Citation("tb-dispute", "art. 43", ""),
    ]
    # a note may hold parentheses and "; " of its own
    assert citations("tb-help (since 2015 (5 %); at most 30)") == [
        Citation("tb-help", "", "since 2015 (5 %); at most 30")
    ]
    # anything that is not the register's is a shop's own words, shown as written
    for text in ("my shop's policy", "rule set 'x' (was P10D: cs-lifecycle § 五.1)", "Default"):
        assert citations(text) is None and cite(text, "zh") == text


@pytest.mark.parametrize(
    ("text", "zh", "en"),
    [
        (
            "tb-dispute art. 43",
            "《淘宝平台争议处理规则》第四十三条",
            "Taobao dispute rules art. 43",
        ),
        (
            "law-7day art. 10; law-civil arts. 201, 203",
            "《网络购买商品七日无理由退货暂行办法》第十条；《民法典》第二百零一条、第二百零三条",
            "7-day return measures art. 10; Civil Code arts. 201, 203",
        ),
        ("law-7day arts. 6-7", "《网络购买商品七日无理由退货暂行办法》第六条至第七条", None),
        (
            "cs-lifecycle § 五.1",
            "《淘宝客服网络营销培训》§ 五.1",
            "Taobao customer-service training (order and refund life cycle) § 五.1",
        ),
        (
            "default (no source names a cut-off)",
            "tradeclock 默认值",
            "tradeclock's default (no source names a cut-off)",
        ),
        (
            "tb-open taobao.trade.receivetime.delay",
            "淘宝开放平台 taobao.trade.receivetime.delay",
            "Taobao Open Platform taobao.trade.receivetime.delay",
        ),
    ],
)
def test_a_citation_reads_in_the_readers_language(text: str, zh: str, en: str | None) -> None:
    assert cite(text, "zh") == zh
    if en is not None:
        assert cite(text, "en") == en


@pytest.mark.parametrize(
    ("n", "words"),
    [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (43, "四十三"), (100, "一百"),
     (105, "一百零五"), (110, "一百一十"), (201, "二百零一"), (1001, "一千零一"),
     (9999, "九千九百九十九")],
)  # fmt: skip
def test_article_numbers_in_chinese(n: int, words: str) -> None:
    assert zh_number(n) == words


def test_numbers_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        zh_number(10000)


def test_zh_explanations_cite_chinese_titles_and_en_english_ones() -> None:
    order = tc.load(ROOT / "examples" / "trade.json")  # line A's return is due
    now = "2026-11-06T12:00:00+08:00"
    assert any(d.rule == "refund.buyer_return_timeout" for d in order.status(now).upcoming)
    zh, en = order.explain(now, lang="zh"), order.explain(now, lang="en")
    assert "《淘宝平台争议处理规则》第四十三条" in zh and "dispute rules art." not in zh
    assert "Taobao dispute rules art. 43" in en and "《" not in en


def _shipped_files() -> list[Path]:
    roots = [ROOT / "src", ROOT / "docs", ROOT / "examples", ROOT / "notebooks"]
    files = [p for r in roots for p in r.rglob("*") if p.is_file()]
    files += [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "mkdocs.yml"]
    return [p for p in files if "__pycache__" not in p.parts and p.suffix not in (".png", ".pyc")]


def test_nothing_shipped_names_an_unreadable_source() -> None:
    found = []
    for path in _shipped_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found += [f"{path.relative_to(ROOT)}: {m[0]}" for m in UNREADABLE.finditer(text)]
    assert not found


def _commands() -> list[list[str]]:
    now = ["--now", "2026-11-08T12:00:00+08:00"]
    tops = sorted(str(p) for p in (ROOT / "examples" / "top").rglob("*.json"))
    out = [
        ["status", "examples/order.json", *now],
        ["status", "examples/order.json", *now, "--json"],
        ["status", "examples/trade.json", *now],
        ["when", "examples/order.json", "auto_confirm", *now],
        ["explain", "examples/order.json", *now, "--lang", "zh"],
        ["explain", "examples/order.json", *now, "--lang", "en"],
        ["explain", "examples/trade.json", *now, "--lang", "zh", "--json"],
        ["actions", "examples/order.json", *now],
        ["timeline", "examples/order.json", *now],
        ["sources"],
        ["sources", "cs-lifecycle", "--json"],
        ["check-top", *tops],
        ["check-top", *tops, "--json"],
        ["import-top", tops[0]],
        ["diagram"],
        ["schema", "status"],
    ]
    for name in PRESETS:
        out += [["rules", name], ["rules", name, "--json"], ["rules", name, "--toml"]]
    return out


@pytest.mark.parametrize("argv", _commands(), ids=lambda argv: " ".join(argv[:2]))
def test_no_command_prints_an_unreadable_source(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    main(argv)
    printed = capsys.readouterr()
    assert printed.out, argv
    assert not UNREADABLE.search(printed.out + printed.err)


def test_errors_name_no_unreadable_source(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(ROOT)
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "id": "B1",
                "rules": "taobao",
                "events": [
                    {"type": "placed", "at": "2026-11-01T10:00:00+08:00"},
                    {"type": "paid", "at": "2026-11-01T10:05:00+08:00"},
                    {"type": "refund_requested", "at": "2026-11-01T11:00:00+08:00"},
                    {"type": "refund_refused", "at": "2026-11-01T12:00:00+08:00"},
                ],
            }
        )
    )
    assert main(["status", str(bad), "--now", "2026-11-02T00:00:00+08:00"]) == 2
    err = capsys.readouterr().err
    assert "refund" in err and not UNREADABLE.search(err)
    assert main(["sources", "nope"]) == 2
    assert "no source 'nope'" in capsys.readouterr().err
