"""The replay engine: apply events, fire timers, and answer "what happens next, and when".

The engine has no code per timer. Each timer rule of the rule table declares what starts it,
the states it runs in, what stops it, its variants, whether an open refund pauses it and how
it resumes, and its expiry event (:class:`tradeclock._rules.Rule`); the engine keeps the running
ones keyed by rule id (``running`` and ``ended`` of the order and of its refund) and derives
the status from them. ``deadline = anchor + duration`` is :meth:`tradeclock._rules.Rule.deadline`
(the compiled handlers write its two forms out); nothing is scheduled, so nothing can be lost.

Each rule set's declarations are compiled, when first needed, into straight-line Python (as
attrs writes ``__init__``): one step per event type and state it happens in (its effect, the
state it enters, the timers that stop and start), so an event costs one dictionary look-up
and one call.

Signals drive the timers: every event gives its type (and ``type:party`` when it names one),
every state entered gives ``order.<state>`` or ``refund.<state>``. A signal stops the timers
that name it in ``stop_on`` and (re)starts those that name it in ``start_on`` when their
``when`` facts hold; entering a state stops every timer whose ``runs_in`` leaves it out.

Order of things at an event at time ``t``: every timer due at or before ``t`` fires first, in
time order (ties in rule-table order); then the event is judged against the state it finds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import msgspec

from . import _presets as presets
from . import _rules as rules
from ._errors import InvalidInput, OutOfOrder, TradeclockError
from ._events import Channel, Event
from ._guards import choose, no_open_refund, order_not_in_graph, refund_not_in_graph, refuse, when
from ._law import ART7, legal_window_end
from ._machine import (
    ORDER_TABLE,
    ORDER_TRIGGERS,
    REFUND_TABLE,
    REFUND_TRIGGERS,
    OrderState,
    RefundState,
)
from ._rules import Anchor, Rule, RuleSet, Spec
from ._state import (
    APPROXIMATE,
    AT,
    ET_CANCELLED,
    ET_CONFIRMED,
    ET_EVIDENCE_ADDED,
    ET_INTERVENTION_REQUESTED,
    ET_INTERVENTION_RULED,
    ET_PAID,
    ET_PLACED,
    ET_RATED,
    ET_RECEIPT_EXTENDED,
    ET_REFUND_AGREED,
    ET_REFUND_CANCELLED,
    ET_REFUND_MODIFIED,
    ET_REFUND_REFUSED,
    ET_REFUND_REQUESTED,
    ET_RETURN_ARRIVED,
    ET_RETURN_RECEIVED,
    ET_RETURN_SHIPPED,
    ET_SHIPPED,
    ET_SIGNED,
    FIRED,
    LEFT,
    M_EXPRESS,
    O_PAID,
    O_PLACED,
    O_SUCCESS,
    OPEN_REFUND,
    P_BUYER,
    PAUSED_AT,
    R_CLOSED,
    R_SUCCESS,
    Cause,
    Clock,
    Refund,
    State,
    Table,
    Timer,
)
from ._status import Deadline, Fired, LineStatus, Ratings, RefundView, Status
from ._time import next_local_midnight
from ._topcodes import REFUND_CODES, trade_status
from .money import arrival, arrival_rule
from .words import say, text


def _at(item: Fired | Deadline) -> datetime:
    return item.at


__all__ = [
    "advance",
    "apply",
    "apply_event",
    "build_status",
    "money",
    "timers",
]

# --------------------------------------------------------------------------- timers

Holder = State | Refund
_REFUND_REQUESTED = Anchor.REFUND_REQUESTED
_replace = msgspec.structs.replace  # a result with some fields changed


def timers(st: State) -> list[Timer]:
    """Every running timer of ``st``, sorted by time (ties in rule-table order), read afresh
    from the clocks (the status builds its list in one pass; tests compare with this one)."""
    rs = st.rs
    rank, table = rs.rank, rs.rules
    out: list[Timer] = []
    for tm in (st, st.refund):
        if tm is not None:
            out += [
                (c[0], rank[rid], table[rid].event, rid)  # type: ignore[misc]
                for rid, c in tm.running.items()
                if c[0] is not None
            ]
    out.sort()
    return out


def _earliest(st: State) -> Timer | None:
    """The running timer due first (ties in rule-table order), found without sorting."""
    rs = st.rs
    rank = rs.rank
    best_at: datetime | None = None
    best_rank = 0
    best_id = ""
    for clocks in (st.running, st.refund.running if st.refund is not None else None):
        if not clocks:
            continue
        for rid, c in clocks.items():
            at = c[0]  # Clock.at (an index: NamedTuple fields are slow to read)
            if at is None:
                continue
            if best_at is None or at < best_at or (at == best_at and rank[rid] < best_rank):
                best_at, best_rank, best_id = at, rank[rid], rid
    if best_at is None:
        return None
    return (best_at, best_rank, rs.rules[best_id].event, best_id)  # type: ignore[return-value]


def advance(st: State, t: datetime) -> None:
    """Fire, in time order, every timer of ``st`` due at or before ``t`` (mutates ``st``).

    Nothing is computed while ``t`` is before ``st.next_due`` (a lower bound of every running
    deadline: starting a timer lowers it); past it, due timers fire in time order and
    ``next_due`` becomes the exact next deadline.
    """
    if st.next_due is None or st.next_due > t:
        return
    while True:
        first = _earliest(st)
        if first is None or first[0] > t:
            st.next_due = None if first is None else first[0]
            return
        _fire(st, first)


def compile_handlers(rs: RuleSet) -> None:
    """Compile each signal of ``rs.plan`` into one Python function (as attrs writes
    ``__init__``): the declarations unrolled, no loop over rules at run time.

    Only names this module chooses go into the source: rule ids, durations and every other
    value of the table are passed in the function's namespace, and fact attributes come from
    :data:`tradeclock._rules.FACTS`. Nothing a rule set file says is ever executed.

    An event type's entry runs the type's signal, then its ``type:party`` signal for the party
    the event names. A state entered is compiled when first entered, once for each state it is
    entered from (:func:`_entry`); an event that moves the order or refund along a transition
    without a guard is compiled, with the state it enters and its own signals, into one step
    per state it happens in (:func:`_step`).
    """
    out: dict[Any, Any] = {"": None}  # never empty once compiled
    for etype in {name.partition(":")[0] for name in rs.plan if name not in _ENTRY_SIGNALS}:
        out[etype] = _compile(_event_signals(rs, etype, None), etype, rs.tz)
    rs.handlers.update(out)


def _event_signals(rs: RuleSet, etype: str, known: tuple[str, str] | None) -> list[_Signal]:
    """An event type's own signals: its type's, then each ``type:party`` (compiled with a
    check of the party that acted); ``known``: the holder's state while they run, if known."""
    own = [
        _Signal(name, found, (), "ev", known)
        for name, found in rs.plan.items()
        if name.partition(":")[0] == etype
    ]
    return sorted(own, key=lambda signal: ":" in signal.name)  # the type's first


_ENTRY_SIGNALS: dict[str, tuple[str, str]] = {
    **{f"order.{s.value}": ("st", s.value) for s in OrderState},
    **{f"refund.{s.value}": ("refund", s.value) for s in RefundState},
}


class _Signal(NamedTuple):
    """One signal to compile: its name, what it starts and stops, the timers a state entered
    stops (known from the state left), what the handler passes as the event, and the state
    its holder is known to be in (``("st" or "refund", state)``) while its lines run."""

    name: str
    found: tuple[tuple[tuple[str, bool], ...], tuple[Spec, ...]]
    leaving: tuple[str, ...]
    ev: str
    known: tuple[str, str] | None = None


def _leaving(rs: RuleSet, signal: str, prev: str | None) -> tuple[str, ...]:
    """The timers that stop when ``signal`` (a state entered) comes from state ``prev``:
    those that run in ``prev`` and not in the state entered. Every running timer runs in its
    holder's state (none starts elsewhere, and each entry stops the rest), so no other can be
    running."""
    table = rs.rules
    leave = rs.leave.get(signal, frozenset())
    return tuple(
        rid for rid in table if rid in leave and prev is not None and prev in table[rid].runs_in
    )


def _entry(rs: RuleSet, signal: str, prev: str | None) -> Any:
    """The handler of the state entered (``signal``, e.g. ``order.paid``) from ``prev``,
    compiled once per rule set and pair of states, when first needed."""
    found = rs.plan.get(signal, _NO_PLAN)
    handler = _compile([_Signal(signal, found, _leaving(rs, signal, prev), "ev")], signal, rs.tz)
    rs.handlers[(signal, prev)] = handler
    return handler


_NO_PLAN: tuple[tuple[tuple[str, bool], ...], tuple[Spec, ...]] = ((), ())


def _compile(
    signals: list[_Signal],
    title: str,
    tz: Any,
    head: list[str] | None = None,
    values: dict[str, Any] | None = None,
) -> Any:
    """One function ``(st, at, ev)``: the lines ``head``, then each signal's lines in turn
    (``values``: names ``head`` uses)."""
    ns: dict[str, Any] = {
        **(values or {}),
        "_stop": _stop,
        "_deadline": _deadline,
        "_exact_next_due": _exact_next_due,
        "_positive": _positive,
        "_midnight": next_local_midnight,
        "TZ": tz,
    }
    src = ["def handler(st, at, ev):", *(head or [])]
    for n, signal in enumerate(signals):
        body = _signal_source(signal, ns, f"s{n}_")
        if signal.name.partition(":")[2]:  # type:party: the party that acted
            ns[f"s{n}_BY"] = signal.name.partition(":")[2]
            src.append(f"    if ev.by == s{n}_BY:")
            body = ["    " + line for line in body] or ["        pass"]
        src += body
    if len(src) == 1:
        src.append("    pass")  # nothing starts or stops on this signal
    code = compile("\n".join(src), f"<tradeclock {title}>", "exec")
    exec(code, ns)  # the source above: this module's own text, the values in ns
    return ns["handler"]


def _signal_source(signal: _Signal, ns: dict[str, Any], p: str) -> list[str]:
    """The lines (in a function of ``st``, ``at``, ``ev``) that stop and start the timers of
    one signal; the values they use go into ``ns``, under names that start with ``p``."""
    stops, specs = signal.found
    name = signal.name
    # a state entered (or an event's signals in a step): the holder is in a known state while
    # these lines run, so each timer's runs_in is decided here, once
    entered = signal.known or _ENTRY_SIGNALS.get(name)
    src = ["    refund = st.refund"]
    if signal.leaving:  # a state entered: the holder's timers that do not run there stop
        holder = "st" if name.startswith("order.") else "refund"
        src += [f"    tm = {holder}", "    running = tm.running", "    first = False"]
        for i, rid in enumerate(signal.leaving):
            ns[f"{p}L{i}"] = rid
            src += [
                f"    if {p}L{i} in running:",
                f"        was = running.pop({p}L{i})[0]",
                f"        tm.ended[{p}L{i}] = (was, False)",
                "        first = first or was == st.next_due",
            ]
        src += [
            "    if first:  # the next deadline stopped: find the one after, if any runs",
            "        r = st.refund",
            "        if st.running or (r is not None and r.running):",
            "            _exact_next_due(st)",
            "        else:",
            "            st.next_due = None",
        ]
    for i, (rid, order_scope) in enumerate(stops):
        ns[f"{p}S{i}"] = rid
        if order_scope:
            src.append(f"    _stop(st, {p}S{i})")
        else:
            src.append(f"    if refund is not None: _stop(refund, {p}S{i})")
    kept = []
    nfacts = 0
    for i, spec in enumerate(specs):
        rid, order_scope, once, runs_in, checks, only_before, rule = spec
        gate_state = runs_in is not None
        if entered is not None and entered[0] == ("st" if order_scope else "refund") and runs_in:
            if entered[1] not in runs_in:
                continue  # never runs in the state entered
            gate_state = False
        kept.append((i, spec, gate_state))
    for k, (i, spec, gate_state) in enumerate(kept):
        rid, order_scope, once, runs_in, checks, only_before, rule = spec
        h = "st" if order_scope else "refund"
        base = "    " if order_scope else "        "
        if k == 0 or kept[k - 1][1][1] != order_scope:  # a run of one holder's timers
            if order_scope:
                src.append("    tm = st")
            else:
                src += ["    if refund is not None:", "        tm = refund"]
            facts: dict[tuple[str, Any], str] = {}  # (attribute, unset) -> local, read once
            run = []  # this run's specs: up to the next of the other holder
            for _, later, _ in kept[k:]:
                if later[1] != order_scope:
                    break
                run.append(later)
            for later in run:
                for attr, _, _, unset in later[4]:  # Spec: checks
                    if not attr.isidentifier():  # rules.FACTS names attributes, nothing else
                        raise ValueError(f"not an attribute name: {attr!r}")
                    if (attr, unset) not in facts:
                        nfacts += 1
                        local = facts[(attr, unset)] = f"F{nfacts}"
                        ns[f"{p}U_{local}"] = unset
                        src.append(f"{base}{local} = {h}.{attr}")
                        src.append(f"{base}if {local} is None: {local} = {p}U_{local}")
        q = f"{p}{i}_"  # this timer's names
        ns.update({f"{q}R": rid, f"{q}IN": runs_in, f"{q}RULE": rule, f"{q}D": rule.duration})
        ns[f"{q}DF"] = rule.duration_from
        ns[f"{q}OB"] = only_before
        pad = base
        gates = []
        if gate_state:
            gates.append(f"{h}.state in {q}IN")
        if once:
            gates.append(f"not ((done := tm.ended.get({q}R)) is not None and done[1])")
        if gates:
            src.append(f"{pad}if {' and '.join(gates)}:")
            pad += "    "
        tests = []
        for j, (attr, want, negated, unset) in enumerate(checks):
            ns[f"{q}W{j}"] = want
            tests.append(f"{facts[(attr, unset)]} {'!=' if negated else '=='} {q}W{j}")
        body = pad
        if tests:
            src.append(f"{pad}if {' and '.join(tests)}:")
            body += "    "
        src += [body + line for line in _due_source(q, rule, signal.ev)]
        if only_before is not None:
            src.append(f"{body}other = tm.running.get({q}OB)")
            src.append(f"{body}if other is not None and other[0] is not None and due < other[0]:")
            body += "    "
        src.append(f"{body}tm.running[{q}R] = (due, None, None, approximate)")
        src.append(f"{body}nd = st.next_due")
        src.append(f"{body}if nd is None or due < nd:")
        src.append(f"{body}    st.next_due = due")
        if tests:  # a restart whose variant no longer holds stops it
            src.append(f"{pad}elif {q}R in tm.running:")
            src.append(f"{pad}    _stop(tm, {q}R)")
    if not any("refund" in line for line in src[1:]):
        del src[0]  # the open refund is not read
    return src


def _due_source(q: str, rule: Rule, ev: str) -> list[str]:
    """The lines of a compiled handler that compute ``due`` and ``approximate``: the two
    forms of :meth:`tradeclock._rules.Rule.deadline` written out (a test holds them equal),
    a duration the starting event gives (``duration_from``), or :func:`_deadline` for the
    law's rest-day roll-over. ``ev`` is what the handler passes as the starting event."""
    if rule.extends_over_rest_days:
        return [f"due, approximate = _deadline(st, {q}RULE, at, {ev})"]
    start = "refund.requested_at" if rule.anchor is _REFUND_REQUESTED else "at"
    anchor = f"_midnight({start}, TZ)" if rule.anchor is Anchor.NEXT_LOCAL_MIDNIGHT else start
    lines = [f"due = {anchor} + {q}D", "approximate = False"]
    if rule.duration_from is None:
        return lines
    return [
        f"given = None if {ev} is None else getattr({ev}, {q}DF, None)",
        "if given is None:",
        f"    {lines[0]}",
        "else:",
        f"    due = {start} + _positive(given, {ev}, {q}RULE)",  # instead of anchor + duration
        lines[1],
    ]


def _positive(given: timedelta, ev: Event, rule: Rule) -> timedelta:
    """A duration the starting event gives (``placed.pay_within``), refused unless positive."""
    if given <= timedelta(0):
        raise InvalidInput(f"{ev.type}.{rule.duration_from} must be positive", rule=rule.id)
    return given


def _deadline(st: State, rule: Rule, at: datetime, ev: Event | None) -> tuple[datetime, bool]:
    """When ``rule`` expires, started at ``at``; and whether a day was judged approximately."""
    rs = st.rs
    if rule.anchor is _REFUND_REQUESTED:
        assert st.refund is not None
        at = st.refund.requested_at
    if rule.duration_from is not None and ev is not None:
        given = getattr(ev, rule.duration_from, None)
        if given is not None:
            if given <= timedelta(0):
                raise InvalidInput(f"{ev.type}.{rule.duration_from} must be positive", rule=rule.id)
            return at + given, False
    if rule.extends_over_rest_days:
        return legal_window_end(rs, at, rule.id)
    return rule.deadline(at, rs.tz), False


def _stop(tm: Holder, rule_id: str) -> None:
    clock = tm.running.pop(rule_id, None)
    if clock is not None:
        tm.ended[rule_id] = (clock[0], False)


def _pause(st: State, at: datetime) -> None:
    """A refund opened: the order's timers that an open refund pauses keep the time they had."""
    running = st.running
    for rid in st.rs.pausing:
        c = running.get(rid)
        if c is not None and c[0] is not None:  # running (Clock at), not already paused
            running[rid] = (None, c[0] - at, at, c[3])


def _resume(st: State, at: datetime) -> None:
    """A refund ended without closing the order: paused timers resume by their rule's mode."""
    table = st.rs.rules
    for rid, c in list(st.running.items()):
        if c[AT] is not None:
            continue
        left, paused_at = c[LEFT], c[PAUSED_AT]
        assert left is not None and paused_at is not None
        rule = table[rid]
        mode = rule.resume
        if mode == "absolute":  # as if never paused; at once if that has passed
            due = max(at, paused_at + left)
        elif mode == "restart":  # the full duration again
            due = at + rule.duration
        else:  # "remaining": the time it had left (the platform's rule)
            due = at + left
        if rule.resume_floor is not None:
            due = max(due, at + rule.resume_floor)
        st.running[rid] = (due, None, None, c[APPROXIMATE])
        if st.next_due is None or due < st.next_due:
            st.next_due = due


def _fire(st: State, timer: Timer) -> None:
    at, _, event, rule_id = timer
    rs = st.rs
    rule = rs.rules[rule_id]
    holder: Holder | None = st if rule.scope == "order" else st.refund
    assert holder is not None
    holder.running.pop(rule_id)
    holder.ended[rule_id] = (at, True)
    # a record in the rule set's zone (the arithmetic stays in UTC)
    local = at.astimezone(rs.tz)
    st.fired.append(Fired(event, local, rule_id, None if rule_id in rs.trade_wide else st.line))
    cause: Cause = (event, at, rule_id)
    effect = rule.on_expiry
    if effect is not None:
        _EXPIRY[effect](st, rule, at)
    if holder is st:
        assert st.state is not None
        dest = _dest(ORDER_TABLE, event, st.state)
        if dest is not None:
            _enter_order(st, dest, cause, at, None)  # type: ignore[arg-type]
        return
    r = st.refund
    assert r is not None
    dest = _dest(REFUND_TABLE, event, r.state)
    if dest is not None:
        _enter_refund(st, r, dest, cause, at)  # type: ignore[arg-type]


def _default_rating(st: State, rule: Rule, at: datetime) -> None:
    """A side's rating window ended: a side without a rating gets the preset's default."""
    side = rule.stoppable_by[0] if rule.stoppable_by else ""
    default = presets.RATING_DEFAULTS.get(side)
    if default is not None and side not in st.rated:
        st.rated = {**st.rated, side: (default, True)}
        st.fired.append(Fired("default_rating", at.astimezone(st.rs.tz), rule.id, st.line))


def _bar_reason(st: State, rule: Rule, at: datetime) -> None:
    """The return was not shipped in time: a new refund for the same reason needs consent."""
    r = st.refund
    assert r is not None
    st.barred = st.barred | {r.reason}


_EXPIRY: dict[str, Callable[[State, Rule, datetime], None]] = {
    "default_rating": _default_rating,
    "bar_reason": _bar_reason,
}
assert set(_EXPIRY) == set(rules.EXPIRY_EFFECTS)


def _dest(table: Table, trigger: str, state: str) -> str | None:
    """Destination of an automatic or internal event from ``state`` (``None``: it stays, also
    for an informational event the graph does not know)."""
    cands = table.get((trigger, state))
    return None if cands is None else cands[0].dest


_ENTER_ORDER = {s: f"order.{s.value}" for s in OrderState}
_ENTER_REFUND = {s: f"refund.{s.value}" for s in RefundState}
#: the first states: entered from none
_REQUESTED_ENTRY = (_ENTER_REFUND[RefundState.WAIT_SELLER_AGREE], None)


def _exact_next_due(st: State) -> None:
    """``next_due`` made exact again after timers stopped (so the next event need not look)."""
    best: datetime | None = None
    for c in st.running.values():
        if c[0] is not None and (best is None or c[0] < best):
            best = c[0]
    if st.refund is not None:
        for c in st.refund.running.values():
            if c[0] is not None and (best is None or c[0] < best):
                best = c[0]
    st.next_due = best


def _enter_order(st: State, dest: OrderState, cause: Cause, at: datetime, ev: Event | None) -> None:
    """The order entered a state: its timers that do not run there stop, then the timers the
    state's signal names stop and start (one compiled handler per pair of states, compiled
    when first needed by :func:`_entry`; written inline where it runs: a call costs)."""
    key = (_ENTER_ORDER[dest], st.state)
    st.state = dest
    st.cause = cause
    if dest is O_SUCCESS:
        st.success_at = at
    (st.rs.handlers.get(key) or _entry(st.rs, *key))(st, at, ev)


def _enter_refund(st: State, r: Refund, dest: RefundState, cause: Cause, at: datetime) -> None:
    key = (_ENTER_REFUND[dest], r.state)
    r.state = dest
    r.cause = cause
    if dest is R_SUCCESS:
        _refund_succeeded(st, at, cause)
    elif dest is R_CLOSED:
        _resume(st, at)
    (st.rs.handlers.get(key) or _entry(st.rs, *key))(st, at, None)  # as _enter_order


def _refund_succeeded(st: State, at: datetime, cause: Cause) -> None:
    r = st.refund
    assert r is not None
    refundable = st.refundable
    paid_out = r.amount if r.amount is not None else refundable
    if paid_out is not None:
        st.refunded += paid_out
    st.payouts = (*st.payouts, (r.number, at))
    if st.state is O_SUCCESS:
        return  # an after-sale refund: the trade stays done, money goes back
    if r.amount is None or st.refunded == st.amount:
        # the whole paid amount: the order closes (cs-lifecycle § 四.4.B)
        assert st.state is not None
        dest = _dest(ORDER_TABLE, "full_refund", st.state)
        _enter_order(st, dest, cause, at, None)  # type: ignore[arg-type]
    else:
        _resume(st, at)


def _close_open_refund(st: State, trigger: str, ev: Event) -> None:
    """An order event ends the open refund (``closed_by_shipment``/``closed_by_confirmation``)."""
    r = st.refund
    if r is not None and r.state in OPEN_REFUND:
        dest = _dest(REFUND_TABLE, trigger, r.state)
        key = (_ENTER_REFUND[dest], r.state)  # type: ignore[index]
        r.state = dest  # type: ignore[assignment]
        r.cause = (ev.type, ev.at, None)
        (st.rs.handlers.get(key) or _entry(st.rs, *key))(st, ev.at, None)


# --------------------------------------------------------------------------- applying events


def apply_event(st: State, ev: Event, index: int) -> None:
    """Apply one validated event to ``st`` (mutates it; on error ``st`` may be partly advanced,
    so callers pass a copy and drop it on failure)."""
    try:
        apply(st, ev)
    except TradeclockError as exc:
        raise exc.located(order_id=st.order_id, event_index=index) from None


def apply(st: State, ev: Event) -> None:
    """Apply one validated event to ``st`` (mutates it); errors do not name the position."""
    at = ev.at
    etype = ev.type
    last = st.last_at
    if last is None:
        if etype is not ET_PLACED:
            raise refuse(st, ev, say("order.first_event"), "order.first_event")
        rs = st.rs
        if not rs.handlers:
            compile_handlers(rs)
        steps = rs.steps.get(None)
        step = None if steps is None else steps.get(ET_PLACED)
        if step is None:
            step = _step(rs, _PLACED_STEP, False)
        step(st, at, ev)
        st.last_at = at
        return
    if at < last:
        said = say(
            "out_of_order",
            where=f"order {st.order_id}",
            event=etype,
            at=when(st, at),
            last=when(st, last),
        )
        raise OutOfOrder(
            text(said),
            event_type=etype,
            state=st.state,
            rule="order.graph",
            said=(said, when(st, at), "order.graph"),
        )
    if etype is ET_PLACED:
        placed = when(st, st.placed_at)  # type: ignore[arg-type]
        raise refuse(st, ev, say("order.placed_again", at=placed), "order.first_event")
    # line or lines given (both None otherwise; one identity test, by index: the cheapest)
    if ev[23] is not ev[22]:  # type: ignore[comparison-overlap]
        _check_line(st, ev)
    if st.next_due is not None and st.next_due <= at:
        advance(st, at)
    rs = st.rs
    if etype in ORDER_TRIGGERS:
        steps = rs.steps.get(st.state)
        step = None if steps is None else steps.get(etype)
        if step is None:
            step = _step(rs, (etype, st.state), False)
        step(st, at, ev)
    elif etype in REFUND_TRIGGERS:
        r = st.refund
        if r is None or r.state not in OPEN_REFUND:
            raise refuse(st, ev, *no_open_refund(st))
        steps = rs.refund_steps.get(r.state)
        step = None if steps is None else steps.get(etype)
        if step is None:
            step = _step(rs, (etype, r.state), True)
        step(st, at, ev)
    elif etype not in rs.events:  # parsing refuses it first: a check, not a path
        raise refuse(st, ev, say("order.no_event", event=etype, rules=rs.name), "order.graph")
    else:  # a shop's own event changes no state; its signals start and stop its timers
        handler = rs.handlers.get(etype)
        if handler is not None:
            handler(st, at, ev)
    st.last_at = at


assert Event._fields[22:] == ("lines", "line")  # apply reads them by index


class IsTrade(Exception):
    """The first event placed a trade of several lines: :func:`tradeclock._order.replay`
    replays each line (one state follows one line)."""


def _check_line(st: State, ev: Event) -> None:
    """An order of one line: an event may name that line, and no other."""
    named = [ev.line] if ev.line is not None else [x.id for x in ev.lines or ()]
    for line in named:
        if line != st.line:
            raise InvalidInput(
                f"{ev.type} names line {line!r}, and this order's one line is {st.line!r}",
                event_type=ev.type,
                line=line,
            )


def _step(rs: RuleSet, key: tuple[str, Any], refund: bool) -> Any:
    """What the event type ``key[0]`` does in state ``key[1]`` (of the order, or with
    ``refund`` of the open refund), found once per rule set and kept: for a transition
    without a guard, its compiled step (:func:`_compile_step`); else :func:`_guarded_order` or
    :func:`_guarded_refund`, which choose the transition, then run its step."""
    plain = _PLAIN_REFUND if refund else _STEPS_ORDER
    if key in plain:
        step = _compile_step(rs, (*key, plain[key]), refund)
    else:
        step = _guarded_refund if refund else _guarded_order
    (rs.refund_steps if refund else rs.steps).setdefault(key[1], {})[key[0]] = step
    return step


def _compile_step(rs: RuleSet, key: tuple[str, Any, Any], refund: bool) -> Any:
    """The step of event type ``key[0]`` in state ``key[1]`` to state ``key[2]`` (``None``:
    it stays), compiled into one function: the event's effect, the state it enters with that
    state's timers, then the event's own signals. Kept in ``rs.handlers`` under ``key``."""
    etype, state, dest = key
    effects = _REFUND_EFFECTS if refund else _STEP_EFFECTS
    head = ["    EFFECT(st, ev)"]
    signals: list[_Signal] = []
    if dest is not None:
        signal = (_ENTER_REFUND if refund else _ENTER_ORDER)[dest]
        found = rs.plan.get(signal, _NO_PLAN)
        if refund:  # as _enter_refund
            head += ["    r = st.refund", "    r.state = DEST", "    r.cause = (ETYPE, at, None)"]
            if dest is R_SUCCESS:
                head.append("    _refund_succeeded(st, at, r.cause)")
            elif dest is R_CLOSED:
                head.append("    _resume(st, at)")
            signals.append(_Signal(signal, found, _leaving(rs, signal, state), "None"))
        else:  # as _enter_order
            head += ["    st.state = DEST", "    st.cause = (ETYPE, at, None)"]
            if dest is O_SUCCESS:
                head.append("    st.success_at = at")
            signals.append(_Signal(signal, found, _leaving(rs, signal, state), "ev"))
    after = str(dest or state)  # the holder's state once the step has moved it
    signals += _event_signals(rs, etype, ("refund" if refund else "st", after))
    step = _compile(
        signals,
        f"step {etype!r} in {state!r} to {dest!r}",
        rs.tz,
        head,
        {
            "EFFECT": effects[etype],
            "DEST": dest,
            "ETYPE": etype,
            "_refund_succeeded": _refund_succeeded,
            "_resume": _resume,
        },
    )
    rs.handlers[key] = step
    return step


def _guarded_order(st: State, at: datetime, ev: Event) -> None:
    """An order event whose transition has a guard (or none from this state): the guards
    choose the transition (or refuse the event), then its step runs."""
    dest = choose(st, ev, ORDER_TABLE, st.state, order_not_in_graph)  # type: ignore[arg-type]
    key = (ev.type, st.state, dest)
    step = st.rs.handlers.get(key) or _compile_step(st.rs, key, False)
    step(st, at, ev)


def _guarded_refund(st: State, at: datetime, ev: Event) -> None:
    """As :func:`_guarded_order`, for a refund event."""
    r = st.refund
    assert r is not None
    dest = choose(st, ev, REFUND_TABLE, r.state, refund_not_in_graph)
    key = (ev.type, r.state, dest)
    step = st.rs.handlers.get(key) or _compile_step(st.rs, key, True)
    step(st, at, ev)


def _plain(table: Table) -> dict[tuple[str, str | None], object]:
    """Transitions with one candidate and no guard: (trigger, state) -> destination."""
    return {
        key: cands[0].dest
        for key, cands in table.items()
        if len(cands) == 1 and not cands[0].conditions
    }


_PLAIN_ORDER = _plain(ORDER_TABLE)
_PLAIN_REFUND = _plain(REFUND_TABLE)
#: the first event: placed, from no state (apply refuses it anywhere else)
_PLACED_STEP = (ET_PLACED, None)
_STEPS_ORDER = {**_PLAIN_ORDER, _PLACED_STEP: O_PLACED}


def _on_placed(st: State, ev: Event) -> None:
    """The facts a placed event gives (the step then enters ``placed``)."""
    st.placed_at = ev.at
    st.amount = ev.amount
    if ev.lines is not None:
        if len(ev.lines) != 1:  # the trade's replay gives each line its own state
            raise IsTrade
        st.line = ev.lines[0].id
        if ev.amount is None:  # the one line's amount is the order's
            st.amount = ev.lines[0].amount
    st.flash_sale = bool(ev.flash_sale)
    st.campaign = bool(ev.campaign)
    if ev.category is not None:
        # an art. 7 category counts only with the buyer's confirmation at purchase
        confirmed = ev.category.value not in ART7 or bool(ev.buyer_confirmed_exclusion)
        st.category = ev.category.value if confirmed else None


def _on_paid(st: State, ev: Event) -> None:
    if ev.bank is not None and ev.channel is not Channel.CREDIT_CARD:
        raise InvalidInput(
            f"paid.bank ({ev.bank!r}) is given only with channel credit_card, "
            f"not {ev.channel or 'no channel'}",
            event_type=ET_PAID,
            rule="money.credit_card",
        )
    st.channel = ev.channel
    st.bank = ev.bank
    st.paid_at = ev.at


def _on_nothing(st: State, ev: Event) -> None:
    return None


def _on_shipped(st: State, ev: Event) -> None:
    st.method = ev.method or M_EXPRESS
    # shipping closes a pending unshipped refund (cs-lifecycle § 四.常見問題.1)
    _close_open_refund(st, "closed_by_shipment", ev)


def _on_confirmed(st: State, ev: Event) -> None:
    # confirming receipt releases the money to the seller: an open refund closes
    _close_open_refund(st, "closed_by_confirmation", ev)


def _on_extended(st: State, ev: Event) -> None:
    table = st.rs.rules
    if ev.by is P_BUYER:
        st.buyer_extensions += 1
        rule = table["confirm.buyer_extension"]
        extra = timedelta(days=ev.days) if ev.days is not None else rule.duration
    else:
        rule = table["confirm.seller_extension"]
        extra = (
            timedelta(days=ev.days)
            if ev.days is not None
            else (rule.choices or (rule.duration,))[0]
        )
    for rid, c in list(st.running.items()):
        if table[rid].event == rule.extends:
            at, left, paused_at, approximate = c
            if at is not None:  # later: next_due stays a lower bound
                st.running[rid] = (at + extra, left, paused_at, approximate)
            elif left is not None:
                st.running[rid] = (at, left + extra, paused_at, approximate)


def _on_rated(st: State, ev: Event) -> None:
    assert ev.by is not None and ev.score is not None
    st.rated = {**st.rated, ev.by.value: (ev.score.value, False)}


def _on_refund_requested(st: State, ev: Event) -> None:
    st.refund_count += 1
    st.refund = Refund(st.refund_count, ev, before_shipment=st.state is O_PAID)
    _pause(st, ev.at)
    key = _REQUESTED_ENTRY
    (st.rs.handlers.get(key) or _entry(st.rs, *key))(st, ev.at, ev)


_ORDER_EFFECTS: dict[str, Callable[[State, Event], None]] = {
    ET_PAID: _on_paid,
    ET_CANCELLED: _on_nothing,
    ET_SHIPPED: _on_shipped,
    ET_SIGNED: _on_nothing,
    ET_CONFIRMED: _on_confirmed,
    ET_RECEIPT_EXTENDED: _on_extended,
    ET_REFUND_REQUESTED: _on_refund_requested,
    ET_RATED: _on_rated,
}
_STEP_EFFECTS = {**_ORDER_EFFECTS, ET_PLACED: _on_placed}  # placed: only as the first step


def _on_modified(st: State, ev: Event) -> None:
    r = st.refund
    assert r is not None
    if ev.return_goods is not None:
        r.return_goods = ev.return_goods
    if ev.reason is not None:
        r.reason = ev.reason
    if ev.amount is not None:
        r.amount = ev.amount


def _on_return_shipped(st: State, ev: Event) -> None:
    r = st.refund
    assert r is not None
    r.return_method = ev.method


def _on_intervention(st: State, ev: Event) -> None:
    r = st.refund
    assert r is not None
    r.intervention = True


_REFUND_EFFECTS: dict[str, Callable[[State, Event], None]] = {
    ET_REFUND_AGREED: _on_nothing,
    ET_REFUND_REFUSED: _on_nothing,
    ET_REFUND_MODIFIED: _on_modified,
    ET_REFUND_CANCELLED: _on_nothing,
    ET_RETURN_SHIPPED: _on_return_shipped,
    ET_RETURN_RECEIVED: _on_nothing,
    ET_INTERVENTION_REQUESTED: _on_intervention,
    ET_INTERVENTION_RULED: _on_nothing,
    ET_EVIDENCE_ADDED: _on_nothing,
    ET_RETURN_ARRIVED: _on_nothing,
}


# --------------------------------------------------------------------------- status


def money(st: State, now: datetime) -> tuple[list[Fired], list[Deadline]]:
    """Money arrival of each successful refund: fired once its window has ended, else upcoming.

    Never raises for a year the calendar lacks: such a window is counted by weekends alone
    and marked ``approximate``.
    """
    rule_id = arrival_rule(st.channel, st.bank)
    if rule_id is None:
        return [], []
    rs = st.rs
    info = rs.deadline_info[rule_id]
    fired: list[Fired] = []
    upcoming: list[Deadline] = []
    for _, at in st.payouts:
        a = arrival(rs, rule_id, at, approximate=True)
        if a.latest <= now:  # (the window is in the rule set's zone already)
            fired.append(Fired("money_arrival", a.latest, rule_id, st.line))
        else:
            upcoming.append(
                Deadline(
                    "money_arrival",
                    a.latest,
                    rule_id,
                    *info[:4],
                    a.earliest,
                    a.approximate,
                    st.line,
                )
            )
    return fired, upcoming


_NO_RATINGS = Ratings(None, None, False)


def _ratings(st: State) -> Ratings:
    buyer = st.rated.get("buyer")
    seller = st.rated.get("seller")
    return Ratings(
        None if buyer is None else buyer[0],
        None if seller is None else seller[0],
        buyer is not None and buyer[1],
    )


def _visible(st: State) -> bool:
    """Ratings show once both sides rated, or the rating windows ended (cs-lifecycle § 五.2)."""
    if len(st.rated) == 2:
        return True
    ended = st.ended.items()
    closed = [e for rid, e in ended if e[FIRED] and rid.startswith("rate.window.")]
    return len(closed) == 2


def _approximate(st: State, rule_id: str) -> bool:
    clock = st.running.get(rule_id)
    return clock is not None and clock[APPROXIMATE]


def _deadlines(
    st: State, now: datetime, with_fired: bool
) -> tuple[tuple[Deadline, ...], tuple[Any, ...], Clock | None, bool]:
    """What :func:`build_status` and :func:`status_row` read of ``st`` (advanced to ``now``):
    the upcoming deadlines in time order (the money's arrivals among them), the fired events
    (``()`` unless ``with_fired``), the auto-confirm countdown an open refund paused (if any),
    and whether the trade's own timers still run."""
    rs = st.rs
    rank, table, info = rs.rank, rs.rules, rs.deadline_info
    entries: list[tuple[datetime, int, str]] = []
    approximate = False
    paused: Clock | None = None  # the auto-confirm countdown, if an open refund paused it
    for rid, c in st.running.items():
        if c[0] is None:
            if table[rid].event == "auto_confirm":
                paused = c
        else:
            entries.append((c[0], rank[rid], rid))
            approximate = approximate or c[3]  # Clock.approximate: no calendar data
    r = st.refund
    if r is not None:
        for rid, c in r.running.items():
            if c[0] is not None:
                entries.append((c[0], rank[rid], rid))
    if len(entries) > 1:
        entries.sort()  # by time, ties in rule-table order
    rows = []
    line = st.line
    tz = rs.tz  # every instant returned is in the rule set's zone (the arithmetic is in UTC)
    for at, _, rid in entries:
        event = table[rid].event  # a timer rule: its event is set
        rows.append(Deadline(event, at.astimezone(tz), rid, *info[rid], line))  # type: ignore[arg-type]
    # the trade's own timers run only before payment (the line's own list leaves them out)
    of_trade = st.paid_at is None and bool(rs.trade_wide)
    if of_trade:
        wide = rs.trade_wide
        rows = [_replace(d, line=None) if d.rule in wide else d for d in rows]
    upcoming = tuple(rows)
    if approximate:
        upcoming = tuple(
            _replace(d, approximate=True) if _approximate(st, d.rule) else d for d in upcoming
        )
    fired = tuple(st.fired) if with_fired else ()
    if st.payouts:
        paid_fired, paid_upcoming = money(st, now)
        if paid_fired and with_fired:
            fired = tuple(sorted((*fired, *paid_fired), key=_at))
        if paid_upcoming:
            upcoming = tuple(sorted((*upcoming, *paid_upcoming), key=_at))
    return upcoming, fired, paused, of_trade


def status_row(
    st: State, now: datetime
) -> tuple[str, str | None, tuple[Deadline, ...], Decimal | None, Decimal]:
    """What a batch's status row reads of ``st`` (advanced to ``now``), and nothing else of
    its status: the state, the refund's state, the upcoming deadlines, the amount and what was
    refunded (as :func:`build_status` would give them)."""
    r = st.refund
    upcoming = _deadlines(st, now, False)[0]
    assert st.state is not None
    return st.state, None if r is None else r.state, upcoming, st.amount, st.refunded


def build_status(st: State, now: datetime) -> Status:
    """The status of ``st`` (already advanced to ``now``)."""
    rs = st.rs
    upcoming, fired, paused, of_trade = _deadlines(st, now, True)
    r = st.refund
    tz = rs.tz
    line = st.line
    view = (
        None
        if r is None
        else RefundView(
            r.number,
            r.state,  # StrEnum members are the contract's strings
            r.return_goods,
            r.reason,
            r.amount,
            r.requested_at.astimezone(tz),
            r.before_shipment,
            r.intervention,
        )
    )
    assert st.state is not None
    top = trade_status(st.state, st.paid_at is not None)
    top_refund = None if r is None else REFUND_CODES[r.state]
    left = None if paused is None else paused[LEFT]
    own = tuple(d for d in upcoming if d.line is not None) if of_trade else upcoming
    one = (line, st.state, top, top_refund, view, own, st.amount, st.refunded, left)
    return Status(
        st.order_id,
        rs.name,
        None if rs.effective_from is None else rs.version,
        rs._fingerprint or rs.fingerprint,  # computed once per rule set
        now.astimezone(tz),
        st.state,
        top,
        top_refund,
        view,
        fired,
        upcoming,
        st.amount,
        st.refunded,
        left,
        None if paused is None or paused[PAUSED_AT] is None else paused[PAUSED_AT].astimezone(tz),
        st.flash_sale,
        _NO_RATINGS if not st.rated else _ratings(st),
        bool(st.rated) and _visible(st),
        rs.tz,
        (LineStatus(*one),),
    )
