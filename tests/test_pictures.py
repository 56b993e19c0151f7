"""State diagrams (generated from the machine definition, checked for staleness) and timeline
pictures of one order."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import t

import tradeclock as tc
from tradeclock._cli import main
from tradeclock._docs import DIAGRAM_FILES, diagrams_markdown
from tradeclock._machine import ORDER_TABLE, REFUND_TABLE
from tradeclock.diagram import GRAPHS, TIMERS, dot, draw, edges, mermaid
from tradeclock.timeline import paused_spans

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "order.json"
PNG = b"\x89PNG\r\n\x1a\n"


def test_docs_diagrams_page_is_generated_from_the_machines() -> None:
    page = (ROOT / "docs" / "diagrams.md").read_text(encoding="utf-8")
    assert page == diagrams_markdown(), "docs/diagrams.md is stale: tradeclock diagram --markdown"


@pytest.mark.parametrize(("graph", "table"), [("order", ORDER_TABLE), ("refund", REFUND_TABLE)])
def test_the_diagram_shows_every_transition_the_engine_knows(graph: str, table: dict) -> None:
    text = mermaid(graph)
    assert text.startswith("stateDiagram-v2\n")
    drawn = set(re.findall(r"^\s*(\w+) --> (\w+): (.*)$", text, re.M))
    pairs = {(src, dst) for src, dst, _ in drawn}
    for (trigger, source), candidates in table.items():
        for cand in candidates:
            dest = cand.dest or source
            assert (source, str(dest)) in pairs, (trigger, source, dest)
            labels = next(lab for s, d, lab in drawn if (s, d) == (source, str(dest)))
            assert re.search(rf"(^| \| ){trigger}\b", labels), (trigger, labels)


def test_every_timer_rule_labels_an_edge() -> None:
    on_edges = {rule for ids in TIMERS.values() for rule in ids}
    # every timer of the order graphs (money arrival and service clocks are not state events)
    fire_events = {
        r.id for r in tc.TAOBAO if r.event and not r.id.startswith(("money.", "service."))
    }
    assert on_edges == fire_events
    for (graph, trigger, source), ids in TIMERS.items():
        assert all(tc.TAOBAO[i].event == trigger for i in ids)
        table = ORDER_TABLE if graph == "order" else REFUND_TABLE
        assert (trigger, source) in table


def test_timer_labels_follow_the_rule_set() -> None:
    assert ("paid", "paid", "dispatch_due after P2D") in edges("order", tc.TAOBAO)
    assert ("paid", "paid", "dispatch_due after P3D") in edges("order", tc.TMALL)
    shop = tc.TAOBAO.with_overrides({"confirm.auto_confirm": "P7D"}, name="shop")
    assert "auto_confirm after P7D/P30D" in mermaid("order", shop)


def _needs_dot() -> None:
    """Skip where Graphviz's dot is missing, except where tools are required (.ci/run)."""
    if shutil.which("dot") is None:
        if os.environ.get("TRADECLOCK_REQUIRE_TOOLS"):
            pytest.fail("Graphviz's dot is missing: apt-get install graphviz")
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")


@pytest.mark.parametrize("graph", ["order", "refund"])
def test_the_docs_pictures_are_drawn_from_the_current_graph(graph: str) -> None:
    committed = (ROOT / "docs" / f"{DIAGRAM_FILES[graph]}.dot").read_text(encoding="utf-8")
    assert committed == dot(graph), (
        f"docs/{DIAGRAM_FILES[graph]}.dot is stale: tradeclock diagram {graph} --format dot > "
        f"docs/{DIAGRAM_FILES[graph]}.dot, then --format svg -o docs/{DIAGRAM_FILES[graph]}.svg"
    )
    svg = (ROOT / "docs" / f"{DIAGRAM_FILES[graph]}.svg").read_text(encoding="utf-8")
    _needs_dot()
    texts = re.compile(r"<text[^>]*>([^<]*)</text>")
    fresh = draw(committed, "svg").decode()
    assert sorted(texts.findall(svg)) == sorted(texts.findall(fresh)), "re-draw the SVG"


@pytest.mark.parametrize(("graph", "table"), [("order", ORDER_TABLE), ("refund", REFUND_TABLE)])
def test_the_picture_shows_every_transition(graph: str, table: dict) -> None:
    text = dot(graph)
    arrows = dict(
        ((src, dst), labels.split("\\l"))
        for src, dst, labels in re.findall(r'^\s*(\w+) -> (\w+) \[label="([^"]*)"\]$', text, re.M)
    )
    boxes = dict(re.findall(r'^\s*(\w+) \[label="([^"]*)"', text, re.M))
    for (trigger, source), candidates in table.items():
        for cand in candidates:
            dest = str(cand.dest or source)
            words = arrows[(source, dest)] if dest != source else boxes[source].split("\\l")
            assert any(re.match(rf"{trigger}( after |$)", w) for w in words), (trigger, source)
    assert "color=red" not in text  # no "current state" in a diagram of rules


def test_picture_labels_say_durations_in_words() -> None:
    assert "auto_confirm after 10 days / 30 days" in dot("order")
    assert "dispatch_due after 3 days" in dot("order", tc.TMALL)
    assert "P10D" not in dot("order") and "week" not in dot("order")


def test_a_missing_dot_says_how_to_install_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on it
    assert main(["diagram", "--format", "svg", "-o", str(tmp_path / "x.svg")]) == 2
    err = capsys.readouterr().err
    assert "apt-get install graphviz" in err and "Traceback" not in err
    assert not (tmp_path / "x.svg").exists()
    assert main(["diagram", "--format", "dot"]) == 0  # text needs no binary
    assert capsys.readouterr().out == dot("order")


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_diagram_pictures(tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    _needs_dot()
    out = tmp_path / f"refund.{fmt}"
    assert main(["diagram", "refund", "--format", fmt, "-o", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(PNG) if fmt == "png" else b"<svg" in data[:2000]
    assert str(out) in capsys.readouterr().out


def test_diagram_cli_text_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", "refund", "--rules", "tmall"]) == 0
    assert "auto_refund after P2D/P5D" in capsys.readouterr().out
    out = tmp_path / "order.mmd"
    assert main(["diagram", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == mermaid("order") + "\n"
    assert main(["diagram", "--format", "png"]) == 2
    assert "give -o FILE.png" in capsys.readouterr().err
    assert main(["diagram", "--format", "png", "-o", str(tmp_path / "x.svg")]) == 2
    assert "needs a file ending in .png" in capsys.readouterr().err


def test_unknown_graph() -> None:
    with pytest.raises(tc.InvalidInput, match="unknown graph"):
        mermaid("payment")
    assert set(GRAPHS) == {"order", "refund"}


# ---------------------------------------------------------------------------- timelines


def test_paused_spans_follow_the_open_refund() -> None:
    order = tc.load(EXAMPLE)
    # the refund was requested on 11-06 09:00 and closed on 11-14 16:20 (the buyer never
    # shipped the goods back): the countdown was paused exactly then
    spans = paused_spans(order, t("2026-11-21 00:00"))
    assert spans == [(t("2026-11-06 09:00"), t("2026-11-14 16:20"))]
    # as of 11-08 12:00 the pause is still running: the span ends at now
    assert paused_spans(order, t("2026-11-08 12:00")) == [
        (t("2026-11-06 09:00"), t("2026-11-08 12:00"))
    ]
    assert paused_spans(order, t("2026-11-05 00:00")) == []


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_timeline_plot(tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"timeline.{suffix}"
    now = "2026-11-08T12:00:00+08:00"
    assert main(["timeline", str(EXAMPLE), "--now", now, "--plot", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(PNG) if suffix == "png" else b"<svg" in data[:2000]
    if suffix == "svg":  # the picture carries what status says, by name
        text = data.decode()
        for name in ("refund_requested", "return_window_end", "refund_close", "now 2026-11-08"):
            assert name in text


def test_timeline_text_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    now = ["--now", "2026-11-08T12:00:00+08:00"]
    assert main(["timeline", str(EXAMPLE), *now]) == 0
    assert "refund_close" in capsys.readouterr().out
    assert main(["timeline", str(EXAMPLE), *now, "--plot", str(tmp_path / "t.pdf")]) == 2
    assert "as .svg or .png" in capsys.readouterr().err


def _overlaps(fig: object) -> list[tuple[str, str]]:
    """Pairs of texts on the picture whose boxes overlap, and texts past its edge."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    ax = fig.axes[0]  # type: ignore[attr-defined]
    boxes = [(a.get_text(), a.get_window_extent(renderer)) for a in ax.texts if a.get_text()]
    out = [
        (a, b)
        for i, (a, box) in enumerate(boxes)
        for b, other in boxes[i + 1 :]
        if box.overlaps(other)
    ]
    edge = fig.bbox  # type: ignore[attr-defined]
    out += [(a, "edge") for a, box in boxes if box.x1 > edge.x1 or box.y0 < edge.y0]
    return out


CROWDED = {  # a busy afternoon: events minutes apart, and deadlines that share an instant
    "id": "BUSY",
    "rules": "taobao",
    "events": [
        {"type": "placed", "at": "2026-11-01T10:00:00+08:00", "amount": "100.00"},
        {"type": "paid", "at": "2026-11-01T10:01:00+08:00"},
        {"type": "shipped", "at": "2026-11-01T10:02:00+08:00", "method": "express"},
        {"type": "signed", "at": "2026-11-01T10:03:00+08:00"},
        {
            "type": "refund_requested",
            "at": "2026-11-01T10:04:00+08:00",
            "reason": "quality",
            "return_goods": True,
        },
        {"type": "refund_agreed", "at": "2026-11-01T10:05:00+08:00"},
        {"type": "receipt_extended", "at": "2026-11-01T10:06:00+08:00", "by": "seller", "days": 3},
    ],
}
PICTURES = {
    "order": ("examples/order.json", "2026-11-08T12:00:00+08:00"),
    "trade": ("examples/trade.json", "2026-11-06T00:00:00+08:00"),
    "national-day": ("examples/law-national-day.json", "2025-09-27T10:00:00+08:00"),
    "crowded": (CROWDED, "2026-11-01T12:00:00+08:00"),
}


@pytest.mark.parametrize("name", list(PICTURES))
def test_timeline_labels_never_overlap(name: str) -> None:
    pytest.importorskip("matplotlib")
    from tradeclock.timeline import _pyplot, figure

    source, now = PICTURES[name]
    fig = figure(tc.load(source), now)
    try:
        assert _overlaps(fig) == []
        assert len(fig.axes[0].texts) > 4
    finally:
        _pyplot().close(fig)


def test_the_overlap_check_sees_labels_left_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    # the control: without moving the labels, the crowded picture's labels collide
    pytest.importorskip("matplotlib")
    from tradeclock import timeline

    monkeypatch.setattr(timeline, "_untangle", lambda fig, fixed, labels: None)
    fig = timeline.figure(tc.load(CROWDED), PICTURES["crowded"][1])
    try:
        assert _overlaps(fig)
    finally:
        timeline._pyplot().close(fig)
