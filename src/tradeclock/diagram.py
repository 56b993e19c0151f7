"""State diagrams of the order and refund graphs, generated from the machine definition.

The Mermaid text comes from ``transitions``' own diagram support (``GraphMachine`` with the
Mermaid engine: no Graphviz binary needed), built from the same transition lists the engine
compiles; each automatic event on an edge is labelled with the timers that fire it, read from a
rule set. :func:`render` draws the same graph as SVG or PNG with matplotlib (extra
``tradeclock[plot]``).

>>> print(mermaid("order").splitlines()[0])
stateDiagram-v2
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._time import format_duration_iso
from .errors import InvalidInput
from .machine import ORDER_TRANSITIONS, REFUND_TRANSITIONS, OrderState, RefundState
from .rules import TAOBAO, RuleSet

__all__ = ["GRAPHS", "TIMERS", "edges", "mermaid", "render"]

#: Each graph: its transitions, states and initial state, as the engine's machines declare them.
GRAPHS: Mapping[str, tuple[list[dict[str, Any]], list[str], str]] = {
    "order": (ORDER_TRANSITIONS, [s.value for s in OrderState], OrderState.PLACED.value),
    "refund": (REFUND_TRANSITIONS, [s.value for s in RefundState], RefundState.WAIT_SELLER_AGREE),
}

#: The timers behind each automatic transition: (graph, trigger, source state) -> rule ids, in
#: the order the engine chooses among them (tests check every timer rule appears here).
TIMERS: Mapping[tuple[str, str, str], tuple[str, ...]] = {
    ("order", "auto_close", "placed"): ("pay.unpaid_close",),
    ("order", "pay_reminder", "placed"): ("pay.reminder", "pay.reminder.campaign"),
    ("order", "dispatch_due", "paid"): ("ship.dispatch_due",),
    ("order", "auto_confirm", "shipped"): (
        "confirm.auto_confirm",
        "confirm.auto_confirm.surface_mail",
    ),
    ("order", "auto_confirm", "signed"): (
        "confirm.auto_confirm",
        "confirm.auto_confirm.surface_mail",
    ),
    ("order", "return_window_end", "signed"): ("return.no_reason_window",),
    ("refund", "auto_refund", "wait_seller_agree"): (
        "refund.unshipped_seller_timeout",
        "refund.refund_only_seller_timeout",
    ),
    ("refund", "auto_refund", "wait_seller_confirm"): (
        "refund.seller_receipt_timeout",
        "refund.seller_receipt_timeout.surface_mail",
    ),
    ("refund", "auto_agree", "wait_seller_agree"): ("refund.return_seller_timeout",),
    ("refund", "refund_close", "wait_buyer_return"): ("refund.buyer_return_timeout",),
    ("refund", "refund_close", "seller_refused"): ("refund.refused_buyer_timeout",),
    ("refund", "evidence_due", "seller_refused"): ("refund.intervention_evidence",),
    ("refund", "seller_evidence_due", "seller_refused"): ("refund.intervention_seller_reply",),
    ("refund", "legal_address_due", "wait_seller_agree"): ("law.return_address",),
    ("refund", "legal_refund_due", "wait_seller_confirm"): ("law.refund_after_return",),
    ("refund", "legal_refund_overdue", "wait_seller_confirm"): (
        "law.refund_after_return.punishable",
    ),
    ("order", "rating_window_end", "success"): ("rate.window.buyer", "rate.window.seller"),
    ("order", "after_sale_window_end", "success"): ("aftersale.window",),
    ("order", "legal_return_window_end", "signed"): ("law.no_reason_window",),
    ("order", "legal_return_window_end", "success"): ("law.no_reason_window",),
}


def _graph(name: str) -> tuple[list[dict[str, Any]], list[str], str]:
    if name not in GRAPHS:
        raise InvalidInput(f"unknown graph {name!r} (order, refund)")
    return GRAPHS[name]


def _label(graph: str, trigger: str, source: str, rules: RuleSet) -> str:
    ids = TIMERS.get((graph, trigger, source))
    if not ids:
        return trigger
    values = "/".join(format_duration_iso(rules[i].duration) for i in ids)
    return f"{trigger} after {values}"


def edges(graph: str, rules: RuleSet = TAOBAO) -> list[tuple[str, str, str]]:
    """``(source, dest, label)`` for every transition (``dest == source`` for an internal one),
    automatic ones labelled with their timers' durations."""
    transitions, _, _ = _graph(graph)
    out: list[tuple[str, str, str]] = []
    for tr in transitions:
        sources = tr["source"] if isinstance(tr["source"], list) else [tr["source"]]
        for src in sources:
            dest = tr["dest"] or src
            item = (src, dest, _label(graph, tr["trigger"], src, rules))
            if item not in out:
                out.append(item)
    return out


def mermaid(graph: str, rules: RuleSet = TAOBAO) -> str:
    """The graph as Mermaid ``stateDiagram-v2`` text, from ``transitions``' diagram support.

    Timers' durations are those of ``rules`` (``/`` separates the alternatives, e.g. express
    and surface mail).
    """
    from transitions.extensions import GraphMachine

    transitions, states, initial = _graph(graph)

    class _Model:
        pass

    model = _Model()
    GraphMachine(
        model=model,
        states=states,
        transitions=transitions,
        initial=str(initial),
        auto_transitions=False,
        graph_engine="mermaid",
        show_conditions=True,
        title=f"tradeclock {graph} states ({rules.name})",
    )
    source: str = model.get_graph().source  # type: ignore[attr-defined]
    lines = []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith(("classDef", "Class")):
            continue  # transitions colours the model's current state: meaningless here
        edge = re.match(r"^(\s*)(\S+) --> (\S+): (.*)$", line)
        if edge:
            indent, src, dest, labels = edge.groups()
            parts = [_relabel(graph, part, src, rules) for part in labels.split(" | ")]
            line = f"{indent}{src} --> {dest}: {' | '.join(parts)}"
        lines.append(line.rstrip())
    text = "\n".join(lines)
    text = re.sub(r"^---\n.*?\n---\n", "", text, flags=re.S)  # the title block: kept below
    return (
        f"stateDiagram-v2\n  %% {rules.name} rules; generated by `tradeclock diagram`\n"
        + (text.split("stateDiagram-v2\n", 1)[1])
    )


def _relabel(graph: str, part: str, source: str, rules: RuleSet) -> str:
    trigger, _, rest = part.partition(" ")
    label = _label(graph, trigger, source, rules)
    return f"{label} {rest}".rstrip()


#: Where each state sits in the drawing: (column, row).
_LAYOUT: Mapping[str, Mapping[str, tuple[float, float]]] = {
    "order": {
        "placed": (0, 0),
        "paid": (1, 0),
        "shipped": (2, 0),
        "signed": (3, 0),
        "success": (4, 0),
        "closed": (2, -1.6),
    },
    "refund": {
        "wait_seller_agree": (0, 0),
        "wait_buyer_return": (1.5, 1.4),
        "wait_seller_confirm": (3.0, 1.4),
        "seller_refused": (1.5, -1.4),
        "success": (4.5, 0),
        "closed": (3.0, -1.4),
    },
}


#: Refund triggers that lead from every open state to ``closed`` (drawn as a note).
_EVERYWHERE = ("refund_cancelled", "closed_by_confirmation")

#: Edges bent further so that they pass around a state in between.
_BEND: Mapping[tuple[str, str], float] = {
    ("shipped", "success"): -0.35,
    ("wait_seller_agree", "success"): 0.0,
    ("wait_seller_agree", "closed"): 0.45,
}


def render(graph: str, path: str | Path, rules: RuleSet = TAOBAO) -> Path:
    """Draw the graph to ``path`` (``.svg`` or ``.png``) with matplotlib; returns the path."""
    path = Path(path)
    if path.suffix not in (".svg", ".png"):
        raise InvalidInput(
            f"a diagram is written as .svg or .png, not {path.suffix or path.name!r}"
        )
    plt = _pyplot()
    _graph(graph)
    layout = _LAYOUT[graph]
    fig, ax = plt.subplots(figsize=(14, 6.5))
    ax.set_axis_off()
    grouped: dict[tuple[str, str], list[str]] = {}
    for src, dest, label in edges(graph, rules):
        if graph == "refund" and label in _EVERYWHERE:
            continue  # from every open state to closed: one note instead of four arrows
        grouped.setdefault((src, dest), []).append(label)
    if graph == "refund":
        ax.annotate(
            "from every open state to closed: " + ", ".join(_EVERYWHERE),
            (0, -2.3),
            ha="left",
            fontsize=8,
            color="#555555",
        )
    for (src, dest), labels in grouped.items():
        x0, y0 = layout[src]
        text = "\n".join(labels)
        if src == dest:  # internal transitions: listed under the state
            ax.annotate(text, (x0, y0 - 0.28), ha="center", va="top", fontsize=6.5, color="#555555")
            continue
        x1, y1 = layout[dest]
        bend = _BEND.get((src, dest), 0.25 if (dest, src) in grouped else 0.08)
        ax.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#336699",
                "shrinkA": 34,
                "shrinkB": 34,
                "connectionstyle": f"arc3,rad={bend}",
            },
        )
        # the label sits on the curve a third of the way along (crossing edges' midpoints meet)
        cx, cy = (x0 + x1) / 2 + bend * (y1 - y0), (y0 + y1) / 2 - bend * (x1 - x0)
        t = 0.35
        lx = (1 - t) ** 2 * x0 + 2 * t * (1 - t) * cx + t**2 * x1
        ly = (1 - t) ** 2 * y0 + 2 * t * (1 - t) * cy + t**2 * y1
        ax.annotate(
            text,
            (lx, ly + 0.05),
            ha="center",
            va="bottom",
            fontsize=7,
            color="#223344",
        )
    for state, (x, y) in layout.items():
        ax.annotate(
            state,
            (x, y),
            ha="center",
            va="center",
            fontsize=10,
            bbox={"boxstyle": "round,pad=0.5", "fc": "#eef4fb", "ec": "#336699"},
        )
    xs = [p[0] for p in layout.values()]
    ys = [p[1] for p in layout.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 1.2, max(ys) + 0.8)
    ax.set_title(f"tradeclock {graph} states ({rules.name} rules)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise InvalidInput("pictures need matplotlib: pip install 'tradeclock[plot]'") from None
    matplotlib.use("Agg")  # headless: no display on servers and in CI
    import matplotlib.pyplot as plt

    return plt
