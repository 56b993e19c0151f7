"""One order's life, as a picture or as text: what happened, what fired, what comes next.

:func:`render_text` is the text ``tradeclock status`` prints, in English or Chinese.
:func:`plot` and :func:`figure` draw it on a time axis.

Rows, from the top: the people's events, the automatic events that fired, and the deadlines
ahead (a money-arrival window as a bar from its earliest to its latest instant). Spans during
which the auto-confirm countdown was paused by an open refund are shaded; ``now`` is a red line.
Times are shown in the rule set's zone. Everything drawn comes from :meth:`Order.status` (at
``now``, and at each instant the pause could have changed), never computed here. Needs
matplotlib (``tradeclock[plot]``); drawing is headless (Agg).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ._errors import InvalidInput
from ._explain import stop_words
from ._order import Order
from ._status import Status
from ._time import format_short, parse_instant
from .sources import cite
from .words import TERMS, join, rules_name, say, term, text, zone_words

__all__ = ["figure", "paused_spans", "plot", "render_text"]


def paused_spans(
    order: Order, now: datetime | str, line: str | None = None
) -> list[tuple[datetime, datetime]]:
    """The spans up to ``now`` during which the auto-confirm countdown was paused (with
    ``line``: that line's countdown, in a trade of several lines).

    The pause can only start or end at an event or a fired automatic event, so the status at
    each of those instants tells it exactly.
    """
    t = parse_instant(now, "now")
    status = order.status(t)
    points = sorted(
        {ev.at for ev in order.events if ev.at <= t} | {f.at for f in status.fired if f.at <= t}
    )
    spans: list[tuple[datetime, datetime]] = []
    for i, at in enumerate(points):
        then = order.status(at)
        if line is not None:
            left = next(x for x in then.lines if x.id == line).auto_confirm_paused_left
        else:
            left = then.auto_confirm_paused_left
        if left is None:
            continue
        end = points[i + 1] if i + 1 < len(points) else t
        if spans and spans[-1][1] == at:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((at, end))
    return spans


def plot(order: Order, now: datetime | str, path: str | Path) -> Path:
    """Draw ``order``'s timeline as of ``now`` to ``path`` (``.png`` or ``.svg``)."""
    path = Path(path)
    if path.suffix not in (".svg", ".png"):
        raise InvalidInput(
            f"a timeline is written as .svg or .png, not {path.suffix or path.name!r}"
        )
    fig = figure(order, now)
    fig.savefig(path)
    _pyplot().close(fig)
    return path


def figure(order: Order, now: datetime | str) -> Any:
    """The timeline as a matplotlib ``Figure`` (to show in a notebook or save yourself)."""
    t = parse_instant(now, "now")
    status = order.status(t)
    tz = order.rules.tz
    plt = _pyplot()
    import matplotlib.dates as mdates

    several = len(status.lines) > 1
    past = [ev for ev in order.events if ev.at <= t]
    if several:  # a trade: a row per line (fired filled, upcoming hollow), and the trade's own
        ids = [x.id for x in status.lines]
        names = ["events", "trade", *(f"line {x}" for x in ids)]
        rows = {name: float(len(names) - 1 - i) for i, name in enumerate(names)}
        top = rows["events"]
        fig, ax = plt.subplots(figsize=(13, 1.4 + 0.9 * len(names)))
        for x in ids:
            y = rows[f"line {x}"]
            for start, end in paused_spans(order, t, x):
                ax.fill_between([start, end], y - 0.4, y + 0.4, color="#f6d7a7", alpha=0.6, lw=0)
        _row(ax, [(ev.at, _label(ev)) for ev in past], top, "o", "#336699")
        for key, who in (("trade", None), *((f"line {x}", x) for x in ids)):
            y = rows[key]
            _row(ax, [(f.at, f.event) for f in status.fired if f.line == who], y, "D", "#2e8b57")
            ahead = [d for d in status.upcoming if d.line == who]
            _bars(ax, ahead, y)
            _row(ax, [(d.at, d.event) for d in ahead], y, "s", "#8a2be2", hollow=True)
        labels = names
    else:
        rows = {"events": 2.0, "automatic": 1.0, "upcoming": 0.0}
        top = rows["events"]
        fig, ax = plt.subplots(figsize=(13, 4.8))
        for start, end in paused_spans(order, t):
            ax.axvspan(start, end, color="#f6d7a7", alpha=0.6, lw=0)
        _row(ax, [(ev.at, ev.type) for ev in past], rows["events"], "o", "#336699")
        _row(ax, [(f.at, f.event) for f in status.fired], rows["automatic"], "D", "#2e8b57")
        _bars(ax, list(status.upcoming), rows["upcoming"])
        upcoming = [(d.at, d.event) for d in status.upcoming]
        _row(ax, upcoming, rows["upcoming"], "s", "#8a2be2", hollow=True)
        labels = ["events", "fired", "upcoming"]
    ax.axvline(t, color="#cc0000", lw=1.5)
    now_label = ax.annotate(
        f"now {format_short(t, tz)}",
        (t, top + 0.75),
        color="#cc0000",
        fontsize=8,
        ha="center",
        annotation_clip=False,
    )
    times = [ev.at for ev in past] + [d.at for d in status.upcoming] + [t]
    times += [d.earliest for d in status.upcoming if d.earliest is not None]
    lo, hi = min(times), max(times)
    pad = (hi - lo) * 0.06 or timedelta(days=1)  # a margin of the picture, not a rule
    ax.set_xlim(lo - pad, hi + pad * 2.5)  # room for the last labels
    ax.set_ylim(-0.8, top + 1.0)
    ax.set_yticks(list(rows.values()), labels)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d", tz=tz))  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(tz=tz, maxticks=14))  # type: ignore[no-untyped-call]
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    refund = status.refund
    rs = order.rules
    state = term("order_short", status.state, "en")
    if refund is not None and not several:
        state += f", refund {refund.number} {term('refund_short', refund.state, 'en')}"
    ax.set_title(
        f"Order {order.id} ({rules_name(rs.name, 'en')}, {zone_words(rs.timezone, 'en')}): {state}",
        fontsize=10,
    )
    ax.set_xlabel(
        "shaded: auto-confirm paused by an open refund; bar: money-arrival window"
        + ("; filled: fired, hollow: upcoming" if several else "")
    )
    fig.tight_layout()
    _untangle(fig, [now_label], [a for a in ax.texts if a is not now_label])
    return fig


#: Where a label may sit, in points from its marker: above, below, then further out; and
#: when those are taken (events minutes apart), the same lanes further right, with a leader.
_LANES = (6, -15, 17, -26, 28, -37)
_SHIFTS = (4, 70, 140, 210, 280)


def _untangle(fig: Any, fixed: list[Any], labels: list[Any]) -> None:
    """Move each label (in time order) to the first place where it overlaps no label placed
    before it, no marker, nor the figure's edge; a label moved right gets a leader line."""
    from matplotlib.dates import date2num
    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()
    edge = fig.bbox
    taken = [a.get_window_extent(renderer) for a in fixed]
    r = 4 * fig.dpi / 72  # a marker's half size (7 points across), in pixels
    for a in labels:  # every marker, so that no label covers another's point
        x, y = a.axes.transData.transform((date2num(a.xy[0]), a.xy[1]))  # type: ignore[no-untyped-call]
        taken.append(Bbox([[x - r, y - r], [x + r, y + r]]))
    places = [(dx, dy) for dx in _SHIFTS for dy in _LANES]
    for label in sorted(labels, key=lambda a: (a.xy[0], -a.xy[1])):
        for dx, dy in places:
            label.xyann = (dx, dy)
            box = label.get_window_extent(renderer)
            inside = box.x1 <= edge.x1 and box.y0 >= edge.y0 and box.y1 <= edge.y1
            if inside and not any(box.overlaps(other) for other in taken):
                break
        gap = 3  # pixels between two labels, so that two names never read as one
        taken.append(Bbox([[box.x0 - gap, box.y0], [box.x1 + gap, box.y1]]))
        if label.xyann[0] != _SHIFTS[0]:  # moved right: a line back to its marker
            label.axes.annotate(
                "",
                label.xy,
                xytext=(label.xyann[0], label.xyann[1] + 3),
                textcoords="offset points",
                arrowprops={"arrowstyle": "-", "color": label.get_color(), "lw": 0.5},
            )


def _label(ev: Any) -> str:
    """An event's label in a trade's picture: its type, and the line(s) it names."""
    if ev.line is not None:
        return f"{ev.type} {ev.line}"
    if ev.lines is not None and ev.type != "placed":
        return f"{ev.type} {','.join(x.id for x in ev.lines)}"
    return str(ev.type)


def _bars(ax: Any, deadlines: list[Any], y: float) -> None:
    """Money-arrival windows: a bar from the earliest instant to the latest."""
    for d in deadlines:
        if d.earliest is not None and d.earliest < d.at:
            ax.plot([d.earliest, d.at], [y] * 2, color="#8a2be2", lw=6, alpha=0.4)


def _row(
    ax: object,
    items: list[tuple[datetime, str]],
    y: float,
    marker: str,
    color: str,
    hollow: bool = False,
) -> None:
    for at, label in items:
        ax.plot(  # type: ignore[attr-defined]
            [at], [y], marker=marker, ms=7, color=color, mfc="white" if hollow else color, ls=""
        )
        ax.annotate(  # type: ignore[attr-defined]
            label,
            (at, y),
            xytext=(_SHIFTS[0], _LANES[0]),  # moved to a free place once all are drawn
            textcoords="offset points",
            fontsize=7.5,
            color=color,
            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85},
        )


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise InvalidInput("pictures need matplotlib: pip install 'tradeclock[plot]'") from None
    matplotlib.use("Agg")  # headless: no display on servers and in CI
    import matplotlib.pyplot as plt

    return plt


def render_text(order: Order, status: Status, lang: str = "en") -> str:
    """The timeline as text, in ``lang`` (``en`` or ``zh``): what ``tradeclock status``
    prints. ``status`` is ``order.status(now)``."""

    def t(key: str, **args: Any) -> str:
        return text(say(key, **args), lang)

    rs = order.rules
    tz = rs.tz
    now = status.now
    head = t(
        "t.head",
        id=order.id,
        rules=rules_name(rs.name, lang),
        zone=zone_words(rs.timezone, lang),
        now=format_short(now, tz),
    )
    state = t("t.state", state=status.state)
    if status.amount:
        state += t("t.amount", amount=status.amount)
    if status.refunded:
        state += t("t.refunded", amount=status.refunded)
    lines = [head, state]
    several = len(status.lines) > 1
    for x in status.lines if several else ():  # a trade: each line's own state and refund
        line = t("t.line", id=x.id, state=x.state)
        if x.amount is not None:
            line += t("t.line_amount", amount=x.amount)
        if x.refund is not None:
            line += t("t.line_refund", n=x.refund.number, state=x.refund.state)
        lines.append(line)
    r = status.refund
    if r is not None and not several:
        amount = str(r.amount) if r.amount is not None else t("t.full")
        kind = "return" if r.return_goods else "only"
        lines.append(
            t("t.refund", n=r.number, state=r.state, kind=kind, reason=r.reason, amount=amount)
        )
    lines += ["", t("t.history")]
    rows: list[tuple[datetime, int, str]] = []
    later = 0
    for ev in order.events:
        if ev.at > now:
            later += 1
            continue
        what = term("event", ev.type, lang)
        details = []
        if ev.method is not None:
            details.append(term("method", ev.method, lang))
        elif ev.type == "refund_requested":
            details.append(term("kind", "return" if ev.return_goods else "only", lang))
            details.append(term("reason", ev.reason, lang))
        if details:
            what += f" ({join(details, lang)})" if lang == "en" else f"（{join(details, lang)}）"
        if several and ev.line is not None:
            what += t("t.on_line", line=ev.line)
        elif several and ev.lines is not None and ev.type != "placed":
            what += t("t.on_lines", lines=join((x.id for x in ev.lines), lang))
        rows.append((ev.at, 1, what))
    for f in status.fired:
        on = t("t.on_line", line=f.line) if several and f.line is not None else ""
        rows.append((f.at, 0, t("t.auto", what=f.event, rule=f.rule) + on))
    for at, _, what in sorted(rows, key=lambda row: (row[0], row[1])):
        lines.append(f"  {format_short(at, tz)}  {what}")
    if later:
        lines.append(t("t.later", n=later))
    lines += ["", t("t.upcoming") if status.upcoming else t("t.upcoming_none")]
    for d in status.upcoming:
        on = t("t.on_line", line=d.line) if several and d.line is not None else ""
        due = format_short(d.at, tz)
        lines.append(t("t.item", at=due, what=d.event, left=d.at - now, rule=d.rule) + on)
        own = lang == "en" or d.event not in TERMS["auto_long"]  # a shop's timer: its words
        lines.append(t("t.then", effect=d.effect if own else term("auto_long", d.event, lang)))
        how = stop_words(d.rule, rs, lang) if d.stoppable_by else ""
        lines.append(t("t.stop", how=how) if how else t("t.nobody"))
        if d.earliest is not None and d.earliest != d.at:
            lines.append(t("t.window", earliest=format_short(d.earliest, tz)))
        if d.approximate:
            lines.append(t("t.approximate"))
        lines.append(t("t.source", source=cite(d.source, lang)))
    if status.auto_confirm_paused_left is not None:
        lines += ["", t("t.paused", left=status.auto_confirm_paused_left)]
    return "\n".join(lines)
