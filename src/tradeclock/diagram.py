"""State diagrams of the order and refund graphs, generated from the machine definition.

The Mermaid text comes from ``transitions``' own diagram support (``GraphMachine`` with the
Mermaid engine: no Graphviz binary needed), built from the same transition lists the engine
compiles; each automatic event on an edge is labelled with the timers that fire it, read from a
rule set. :func:`dot` gives the same graph as Graphviz DOT (``GraphMachine`` with the Graphviz
engine) and :func:`render` draws it as SVG or PNG with Graphviz's ``dot`` program.

>>> mermaid("order").startswith("stateDiagram-v2")
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from ._errors import InvalidInput
from ._machine import ORDER_TRANSITIONS, REFUND_TRANSITIONS, OrderState, RefundState
from ._presets import TAOBAO
from ._rules import RuleSet
from ._time import duration_words, format_duration_iso

__all__ = ["GRAPHS", "NO_DOT", "TIMERS", "dot", "draw", "edges", "mermaid", "render"]

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


def _label(graph: str, trigger: str, source: str, rules: RuleSet, words: bool = False) -> str:
    """``trigger``, and the durations of the timers that fire it from ``source``: ISO-8601
    (``auto_confirm after P10D/P30D``) or, with ``words``, as a reader says them
    (``auto_confirm after 10 days / 30 days``); a value the variants share is given once."""
    ids = TIMERS.get((graph, trigger, source))
    if not ids:
        return trigger
    spans = dict.fromkeys(rules[i].duration for i in ids)
    if words:
        return f"{trigger} after {' / '.join(duration_words(d) for d in spans)}"
    return f"{trigger} after {'/'.join(format_duration_iso(d) for d in spans)}"


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


def _machine_source(graph: str, engine: Literal["mermaid", "graphviz"], title: str) -> str:
    """The graph's text from ``transitions``' ``GraphMachine`` with ``engine`` (``mermaid``, with
    the guards; ``graphviz``, without: a picture has no room for them)."""
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
        graph_engine=engine,
        show_conditions=engine == "mermaid",
        title=title,
    )
    return str(model.get_graph().source)  # type: ignore[attr-defined]


def mermaid(graph: str, rules: RuleSet = TAOBAO) -> str:
    """The graph as Mermaid ``stateDiagram-v2`` text, from ``transitions``' diagram support.

    Timers' durations are those of ``rules`` (``/`` separates the alternatives, e.g. express
    and surface mail).
    """
    source = _machine_source(graph, "mermaid", f"tradeclock {graph} states ({rules.name})")
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


def dot(graph: str, rules: RuleSet = TAOBAO) -> str:
    """The graph as Graphviz DOT, from ``transitions``' diagram support (``GraphMachine`` with the
    Graphviz engine), laid out top to bottom; each automatic event is labelled with its timers'
    durations in words (``auto_confirm after 10 days / 30 days``), one event per line.
    Writing the text needs no Graphviz binary; drawing it (:func:`render`) needs ``dot``."""
    title = f"tradeclock {graph} states ({rules.name} rules)"
    lines = _machine_source(graph, "graphviz", title).splitlines()
    # an event that keeps the state (internal) is listed in the state's box, not drawn as a
    # loop: Graphviz sets a loop's label over the loop and its neighbours
    stays: dict[str, list[str]] = {}
    edges_: dict[int, tuple[str, str, str, list[str]]] = {}
    for n, line in enumerate(lines):
        edge = re.match(r'^(\s*)(\S+) -> (\S+) \[label=("(?:[^"\\]|\\.)*"|\S+)\]$', line)
        if edge:
            indent, src, dest, labels = edge.groups()
            parts = [
                _label(graph, part.replace(" [internal]", ""), src, rules, words=True)
                for part in labels.strip('"').split(" | ")
            ]
            if src == dest:
                stays.setdefault(src, []).extend(parts)
            edges_[n] = (indent, src, dest, parts)
    out = []
    for n, line in enumerate(lines):
        # transitions marks the model's current state: meaningless for a diagram of rules
        line = line.replace(" color=red fillcolor=darksalmon peripheries=2", "")
        node = re.match(r'^(\s*)(\w+) \[label="\w+\\l"(.*)\]$', line)
        if n in edges_:
            indent, src, dest, parts = edges_[n]
            if src == dest:
                continue
            text = _LEFT.join(parts) + _LEFT  # each event on its own line, left-aligned
            line = f'{indent}{src} -> {dest} [label="{text}"]'
        elif node:
            indent, name, rest = node.groups()
            label = name
            if name in stays:  # the state's name, then the events that keep it
                label += "\\n" + _LEFT.join(["stays on:", *stays[name]]) + _LEFT
            line = f'{indent}{name} [label="{label}"{rest}]'
        elif line.lstrip().startswith("graph ["):
            line = line.replace("rankdir=LR", _SPACING[graph][0])
            line = line.replace("]", f" fontname=Helvetica {_SPACING[graph][1]}]")
        elif line.lstrip().startswith(("node [", "edge [")):
            line = line.replace("]", " fontname=Helvetica fontsize=11]")
        out.append(line)
    return "\n".join(out) + "\n"


#: Each graph's direction and spacing: top to bottom, so that a page column holds it legibly.
_SPACING: Mapping[str, tuple[str, str]] = {
    "order": ("rankdir=TB", "nodesep=0.5 ranksep=0.8"),
    "refund": ("rankdir=TB", "nodesep=0.9 ranksep=1.0"),
}


_LEFT = "\\l"  # DOT: end a label line, aligned left


def render(graph: str, path: str | Path, rules: RuleSet = TAOBAO) -> Path:
    """Draw the graph to ``path`` (``.svg`` or ``.png``) with Graphviz's ``dot``; returns the
    path. Raises :class:`InvalidInput` saying how to install Graphviz when ``dot`` is missing."""
    path = Path(path)
    if path.suffix not in (".svg", ".png"):
        raise InvalidInput(
            f"a diagram is written as .svg or .png, not {path.suffix or path.name!r}"
        )
    data = draw(dot(graph, rules), path.suffix[1:])
    path.write_bytes(data)
    return path


#: How to get Graphviz's ``dot`` where it is missing.
NO_DOT = (
    "drawing a diagram needs Graphviz's dot program, which is not installed: "
    "apt-get install graphviz (Debian, Ubuntu), brew install graphviz (macOS), "
    "or see https://graphviz.org/download/; the Python side comes with pip install "
    "'tradeclock[plot]'. `tradeclock diagram` without --format prints Mermaid text, "
    "which needs neither"
)


def draw(source: str, fmt: str) -> bytes:
    """DOT ``source`` drawn by ``dot`` as ``fmt`` (``svg`` or ``png``)."""
    try:
        import graphviz  # type: ignore[import-untyped]
    except ImportError:
        raise InvalidInput(NO_DOT) from None
    try:
        return bytes(graphviz.Source(source, engine="dot").pipe(format=fmt))
    except graphviz.ExecutableNotFound:
        raise InvalidInput(NO_DOT) from None
