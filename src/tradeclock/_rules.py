"""The rule model: a :class:`RuleSet` is a named table of :class:`Rule` entries (each timer of
the order and refund life cycle as data, with its source) plus the time zone rules are reckoned
in; :class:`Constraint`, :class:`AmountRule` and :class:`CompensationRule` are the other rows.
A shop or platform builds its own rule set with :meth:`RuleSet.with_overrides` or from a TOML
file (:func:`load_rules`). The presets' tables are data, in :mod:`tradeclock._presets`.

>>> from tradeclock import TAOBAO, TMALL
>>> TMALL["ship.dispatch_due"].duration - TAOBAO["ship.dispatch_due"].duration
datetime.timedelta(days=1)
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs

from ._errors import InvalidInput
from ._events import AutoEvent, EventType, Method, Party, Reason
from ._limits import MIN_INSTANT
from ._machine import OrderState, RefundState
from ._strenum import ContractEnum
from ._time import duration_words, format_duration_iso, next_local_midnight, parse_duration, zone
from .workdays import Calendar, ChinaCalendar

__all__ = [
    "CHECKED_ON",
    "AmountRule",
    "Anchor",
    "CompensationRule",
    "Constraint",
    "Rule",
    "RuleRegistry",
    "RuleSet",
    "load_rules",
]

#: The day every rule of the tables was last compared, rule by rule, with its sources (each
#: rule's ``source`` cites the source register, :mod:`tradeclock.sources`).
CHECKED_ON = date(2026, 11, 23)
_BETWEEN = "compared with the section or document its source names"


class Anchor(ContractEnum):
    """Where a timer's duration is counted from."""

    #: the instant of the event that starts it
    EVENT = "event"
    #: 00:00 local time of the day after the event (the no-reason return window)
    NEXT_LOCAL_MIDNIGHT = "next_local_midnight"
    #: the instant the refund was requested, whatever restarted it since (the law's clocks)
    REFUND_REQUESTED = "refund_requested"


_MIDNIGHT = Anchor.NEXT_LOCAL_MIDNIGHT  # a module constant: enum lookups cost on the hot path


@attrs.frozen
class Rule:
    """One timer (or one bounded action) of a rule set.

    ``event`` is the automatic event that happens at expiry (``None`` for a bounded action such
    as an extension); ``informational`` timers change no state when they fire (the seller is
    overdue, a window has ended). ``confirmed`` is ``False`` for values no reachable source
    confirms: they are kept, configurable and flagged in the docs.
    """

    id: str
    duration: timedelta
    starts: str
    event: str | None
    effect: str
    stoppable_by: tuple[str, ...]
    stopped_how: str
    source: str
    confirmed: bool = True
    informational: bool = False
    anchor: Anchor = Anchor.EVENT
    #: for extensions: the only values allowed (empty: just ``duration``)
    choices: tuple[timedelta, ...] = ()
    #: for extensions: allowed only when at most this much time remains
    only_within: timedelta | None = None
    #: for extensions: how many times one order may use it (``None``: no limit)
    max_uses: int | None = None
    #: for a window (money arrival): its start; ``duration`` is then its end ("at the latest")
    earliest: timedelta | None = None
    #: ``duration`` (and ``earliest``) count whole working days on the rule set's calendar
    working_days: bool = False
    #: ``False``: the rule set does not apply this rule (the after-sale window in the presets)
    enabled: bool = True
    #: for a timer that pauses: how it resumes (``remaining``: the time it had left;
    #: ``absolute``: its deadline as if never paused; ``restart``: the full duration again)
    resume: str | None = None
    #: for a timer that pauses: the least time it has after resuming (``None``: no floor)
    resume_floor: timedelta | None = None
    #: a last day on a statutory rest day moves to the day after the rest ends (the law's
    #: reckoning, Civil Code art. 203); counted in whole calendar days on the rule set's calendar
    extends_over_rest_days: bool = False
    #: when this value was last compared with its source (``None``: never, e.g. a shop's own)
    checked: date | None = None
    #: what it was compared with, and what that source is
    checked_note: str = ""
    # -- how the timer runs: read by the engine, which has no code per timer (docs/adr/0005) --
    #: what starts (or restarts) it: an event type (``"paid"``), an event by one party
    #: (``"evidence_added:buyer"``) or a state entered (``"order.success"``,
    #: ``"refund.wait_seller_agree"``); empty: the engine never starts it (a bounded action,
    #: a money window)
    start_on: tuple[str, ...] = ()
    #: the facts that must hold when it starts, as ``(fact, value)`` pairs (``"!value"``: any
    #: other value): the variants of one timer by shipping method, refund kind, ...
    when: tuple[tuple[str, str], ...] = ()
    #: the states of its order (or refund) it runs in: leaving them stops it (empty: any state)
    runs_in: tuple[str, ...] = ()
    #: what else stops it: event types, or an event by one party (``"rated:buyer"``)
    stop_on: tuple[str, ...] = ()
    #: whose clock it is: the ``order``'s or its open ``refund``'s
    scope: str = "order"
    #: it fires at most once per order (or refund), however often its start comes again
    once: bool = False
    #: a field of the starting event that, when given, replaces the duration
    #: (``placed.pay_within``)
    duration_from: str | None = None
    #: it starts only when due before the running timer of this rule (a reminder before the
    #: order closes)
    only_before: str | None = None
    #: a named effect at expiry beside the graph's transition (``default_rating``: the side
    #: that has not rated gets the default; ``bar_reason``: a new refund for the same reason
    #: needs the seller's consent)
    on_expiry: str | None = None
    #: for an extension: the automatic event of the timer it moves later
    extends: str | None = None
    #: ``when``, compiled for the engine
    checks: tuple[Check, ...] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "checks", _compile_when(self.when))

    def value_text(self) -> str:
        """The rule's value as the docs and the CLI show it: ``P10D``, ``P3D, P5D`` (an
        extension's choices), ``P2D..P3D working days`` (a window)."""
        if self.choices:
            text = ", ".join(format_duration_iso(c) for c in self.choices)
        elif self.earliest is not None:
            text = f"{format_duration_iso(self.earliest)}..{format_duration_iso(self.duration)}"
        else:
            text = format_duration_iso(self.duration)
        return text + " working days" if self.working_days else text

    def value_words(self, lang: str = "en") -> str:
        """The rule's value in words: ``10 days``, ``3 days, 5 days`` (choices), ``2-3 working
        days`` (a window), ``within 3 days``, ``15 seconds``, in English or Chinese (``"zh"``).

        >>> from tradeclock import TAOBAO, TMALL
        >>> TAOBAO["confirm.auto_confirm"].value_words(), TAOBAO["pay.reminder"].value_words("zh")
        ('10 days', '12 小时')
        >>> TAOBAO["money.credit_card.boc"].value_words(), TAOBAO["money.credit_card"].value_words()
        ('5-10 working days', 'within 3 days')
        """
        zh = lang == "zh"
        if self.choices:
            return ("、" if zh else ", ").join(_span_words(c, lang) for c in self.choices)
        high = _span_words(self.duration, lang)
        if self.earliest is not None and self.earliest != self.duration:
            low = _span_words(self.earliest, lang)
            if not self.earliest:
                text = f"{high}内" if zh else f"within {high}"
            elif low.split(" ")[-1] == high.split(" ")[-1] and low.count(" ") == 1:
                text = f"{low.split(' ')[0]}-{high}"  # 2-3 days, not 2 days-3 days
            else:
                text = f"{low}-{high}"
        else:
            text = high
        if self.working_days:
            text = text.replace(" 天", " 个工作日") if zh else re.sub(r"\bday", "working day", text)
        return text

    def deadline(self, start: datetime, tz: tzinfo) -> datetime:
        """The instant this timer expires when started at ``start`` (UTC), in zone ``tz``.

        This is the one place where "deadline = anchor + duration" is computed.

        >>> from tradeclock import TAOBAO, TMALL
        >>> from tradeclock._time import parse_instant
        >>> w = TAOBAO["return.no_reason_window"]
        >>> w.deadline(parse_instant("2026-11-14T21:47:00+08:00"), TAOBAO.tz).isoformat()
        '2026-11-21T16:00:00+00:00'
        """
        if self.anchor is _MIDNIGHT:
            return next_local_midnight(start, tz) + self.duration
        return start + self.duration


@attrs.frozen
class Constraint:
    """A rule between timers that can refuse an event (no duration of its own)."""

    id: str
    text: str
    source: str
    #: when the rule was last compared with its source, and with what
    checked: date | None = CHECKED_ON
    checked_note: str = _BETWEEN


#: How a paused timer may resume (docs/adr/0003-resume-semantics.md).
RESUME_MODES = ("remaining", "absolute", "restart")

#: The facts a timer's ``when`` may test: name -> (scope, the record's attribute, the values
#: it can take, the value when the attribute is unset).
FACTS: Mapping[str, tuple[str, str, tuple[str, ...], str]] = MappingProxyType(
    {
        "campaign": ("order", "campaign", ("true", "false"), "false"),
        "method": ("order", "method", tuple(m.value for m in Method), "express"),
        "before_shipment": ("refund", "before_shipment", ("true", "false"), "false"),
        "return_goods": ("refund", "return_goods", ("true", "false"), "false"),
        "return_method": ("refund", "return_method", tuple(m.value for m in Method), "express"),
        "reason": ("refund", "reason", tuple(r.value for r in Reason), "other"),
        "intervention": ("refund", "intervention", ("true", "false"), "false"),
    }
)
_BOOLS = {"true": True, "false": False}
#: A compiled ``when`` test: (attribute, wanted value, negated, value when unset).
Check = tuple[str, object, bool, object]


#: A timer rule compiled for the engine: (rule id, order scope?, once, runs_in (``None``: any
#: state), the compiled ``when``, only_before, the rule).
Spec = tuple[str, bool, bool, "tuple[str, ...] | None", "tuple[Check, ...]", "str | None", "Rule"]


def _spec(rule: Rule) -> Spec:
    return (
        rule.id,
        rule.scope == "order",
        rule.once,
        rule.runs_in or None,
        rule.checks,
        rule.only_before,
        rule,
    )


def _compile_when(when: tuple[tuple[str, str], ...]) -> tuple[Check, ...]:
    out = []
    for fact, want in when:
        known = FACTS.get(fact)
        if known is None:
            continue  # refused with its name when the rule set is built
        negated = want.startswith("!")
        value = want[1:] if negated else want
        out.append((known[1], _BOOLS.get(value, value), negated, _BOOLS.get(known[3], known[3])))
    return tuple(out)


#: The named effects a timer may have at expiry (``on_expiry``).
EXPIRY_EFFECTS = ("default_rating", "bar_reason")
SCOPES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "order": frozenset(s.value for s in OrderState),
        "refund": frozenset(s.value for s in RefundState),
    }
)


def signals(custom_events: Mapping[str, object] = MappingProxyType({})) -> frozenset[str]:
    """Every signal a timer may start or stop on: event types (also ``type:party``) and
    states entered (``order.<state>``, ``refund.<state>``)."""
    types = [t.value for t in EventType] + list(custom_events)
    return frozenset(
        [
            *types,
            *(f"{t}:{p.value}" for t in types for p in Party),
            *(f"{scope}.{state}" for scope, states in SCOPES.items() for state in states),
        ]
    )


_SIGNALS = signals()


def _check_signals(
    what: str, rule_id: str, keys: Mapping[str, tuple[str, ...]], known: frozenset[str]
) -> None:
    """Refuse a signal no event or state gives, naming the key as the caller's reader has it."""
    for key, names in keys.items():
        for signal in names:
            if signal not in known:
                raise InvalidInput(
                    f"{what}: {key} names {signal!r}, which is no event type (nor type:party, "
                    "e.g. rated:buyer) and no state entered (order.<state>, refund.<state>)",
                    rule=rule_id,
                )


def _check_timer(what: str, rule: Rule, known: frozenset[str], rules: Mapping[str, Rule]) -> None:
    """Refuse a timer declaration the engine cannot run (names the rule set and the rule)."""
    states = SCOPES.get(rule.scope)
    if states is None:
        raise InvalidInput(
            f"{what}: scope must be order or refund, not {rule.scope!r}", rule=rule.id
        )
    _check_signals(what, rule.id, {"start_on": rule.start_on, "stop_on": rule.stop_on}, known)
    for state in rule.runs_in:
        if state not in states:
            raise InvalidInput(
                f"{what}: runs_in names {state!r}, which is no {rule.scope} state "
                f"(known: {', '.join(sorted(states))})",
                rule=rule.id,
            )
    for fact, value in rule.when:
        known_fact = FACTS.get(fact)
        if known_fact is None or known_fact[0] != rule.scope:
            facts = ", ".join(f for f, (scope, *_) in FACTS.items() if scope == rule.scope)
            raise InvalidInput(
                f"{what}: when names {fact!r}, which is no fact of the {rule.scope} "
                f"(known: {facts})",
                rule=rule.id,
            )
        if value.removeprefix("!") not in known_fact[2]:
            raise InvalidInput(
                f"{what}: when {fact} = {value!r} is none of {', '.join(known_fact[2])} "
                "(a leading ! means any other)",
                rule=rule.id,
            )
    if rule.on_expiry is not None and rule.on_expiry not in EXPIRY_EFFECTS:
        raise InvalidInput(
            f"{what}: on_expiry {rule.on_expiry!r} is none of {', '.join(EXPIRY_EFFECTS)}",
            rule=rule.id,
        )
    if rule.only_before is not None and rule.only_before not in rules:
        raise InvalidInput(f"{what}: only_before names no rule {rule.only_before!r}", rule=rule.id)
    if rule.anchor is Anchor.REFUND_REQUESTED and rule.scope != "refund":
        raise InvalidInput(f"{what}: anchor refund_requested needs scope refund", rule=rule.id)
    if rule.start_on and rule.event is None:
        raise InvalidInput(f"{what}: a timer that starts needs an event at expiry", rule=rule.id)


def _check_rule(name: str, rule: Rule) -> None:
    """Refuse a rule no timer can run on (``InvalidInput`` naming the rule set and rule)."""
    what = f"rule set {name!r}: {rule.id}"
    if rule.earliest is not None:  # a window: 0 <= earliest <= duration ("at once" is 0)
        if not timedelta(0) <= rule.earliest <= rule.duration:
            raise InvalidInput(
                f"{what} must be a window from 0 up: earliest "
                f"{format_duration_iso(rule.earliest)} to latest "
                f"{format_duration_iso(rule.duration)}",
                rule=rule.id,
            )
    elif rule.duration <= timedelta(0) or any(c <= timedelta(0) for c in rule.choices):
        raise InvalidInput(
            f"{what} must have a positive duration, got {format_duration_iso(rule.duration)}",
            rule=rule.id,
        )
    if rule.working_days and any(
        d % timedelta(days=1) for d in (rule.duration, rule.earliest or timedelta(0))
    ):
        raise InvalidInput(f"{what} counts working days: give whole days", rule=rule.id)
    if rule.resume not in (None, *RESUME_MODES):
        raise InvalidInput(
            f"{what} resumes 'remaining', 'absolute' or 'restart', not {rule.resume!r}",
            rule=rule.id,
        )
    if rule.resume_floor is not None and (rule.resume is None or rule.resume_floor < timedelta(0)):
        raise InvalidInput(f"{what}: a resume floor needs a pausing timer and >= 0", rule=rule.id)
    if rule.extends_over_rest_days and rule.duration % timedelta(days=1):
        raise InvalidInput(f"{what} counts calendar days: give whole days", rule=rule.id)
    if rule.id == "money.processing_cutoff" and rule.duration > timedelta(hours=24):
        raise InvalidInput(
            f"{what} is a time of day: at most 24 hours after midnight, got "
            f"{format_duration_iso(rule.duration)}",
            rule=rule.id,
        )


def _window(value: object, what: str, rule_id: str) -> tuple[timedelta, timedelta]:
    """A window override: ``[earliest, latest]`` as two durations."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise InvalidInput(
            f'{what} is a window: give [earliest, latest], e.g. ["P2D", "P3D"]',
            rule=rule_id,
        )
    return parse_duration(value[0], what), parse_duration(value[1], what)


@attrs.frozen
class CustomEvent:
    """A shop's (or platform's) own event type: it changes no state; timers start and stop on
    it. ``by`` lists the parties who record it (empty: anyone)."""

    name: str
    by: tuple[str, ...] = ()
    #: the sentence that documents it (docs, schema, explanations)
    text: str = ""


_EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_TIMER_KEYS = {
    "duration",
    "starts",
    "stops",
    "runs_in",
    "when",
    "scope",
    "anchor",
    "event",
    "effect",
    "stoppable_by",
    "stopped_how",
    "source",
    "once",
    "resume",
}
_EVENT_KEYS = {"by", "text"}
_BUILT_IN_EVENTS = frozenset(t.value for t in EventType) | frozenset(a.value for a in AutoEvent)


def _names(value: object, what: str, rule: str | None = None) -> tuple[str, ...]:
    """A string or a list of strings, as a tuple (``what`` names the key in errors)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise InvalidInput(f"{what} must be a string or a list of strings", rule=rule)


def custom_event(name: str, spec: object, where: str) -> CustomEvent:
    """``[events.NAME]`` of a rule set file (or ``with_overrides(events=...)``)."""
    what = f"{where}: events.{name}"
    if not _EVENT_NAME.match(name):
        raise InvalidInput(f"{what}: an event name is 2-40 lowercase letters, digits or _")
    if name in _BUILT_IN_EVENTS:
        raise InvalidInput(
            f"{what}: {name!r} is an event of the platform; give yours a name of its own"
        )
    if not isinstance(spec, Mapping):
        raise InvalidInput(f"{what} must be a table (by, text)")
    unknown = set(spec) - _EVENT_KEYS
    if unknown:
        raise InvalidInput(f"{what}: unknown keys {sorted(unknown)} (allowed: by, text)")
    by = _names(spec.get("by", []), f"{what}.by")
    parties = {p.value for p in Party}
    for party in by:
        if party not in parties:
            raise InvalidInput(f"{what}.by: {party!r} is none of {', '.join(sorted(parties))}")
    text = spec.get("text", "")
    if not isinstance(text, str):
        raise InvalidInput(f"{what}.text must be a string")
    return CustomEvent(name, by, text)


def custom_timer(rule_id: str, spec: object, where: str, events: Mapping[str, CustomEvent]) -> Rule:
    """``[timers."ID"]`` of a rule set file: an informational timer of the shop's own."""
    what = f"{where}: timers.{rule_id}"
    if not isinstance(spec, Mapping):
        raise InvalidInput(f"{what} must be a table", rule=rule_id)
    unknown = set(spec) - _TIMER_KEYS
    if unknown:
        raise InvalidInput(
            f"{what}: unknown keys {sorted(unknown)} (allowed: {', '.join(sorted(_TIMER_KEYS))})",
            rule=rule_id,
        )
    for key in ("duration", "starts", "event"):
        if key not in spec:
            raise InvalidInput(f"{what} needs {key}", rule=rule_id)
    event = spec["event"]
    if not isinstance(event, str) or not _EVENT_NAME.match(event):
        raise InvalidInput(
            f"{what}.event: the automatic event's name is 2-40 lowercase letters, digits or _",
            rule=rule_id,
        )
    if event in _BUILT_IN_EVENTS or event in events:
        raise InvalidInput(
            f"{what}.event: {event!r} is already an event; name the timer's own", rule=rule_id
        )
    anchor = spec.get("anchor", "event")
    if anchor not in (Anchor.EVENT.value, Anchor.NEXT_LOCAL_MIDNIGHT.value):
        raise InvalidInput(
            f"{what}.anchor: {anchor!r} is no anchor kind for a shop's timer "
            "(event, next_local_midnight)",
            rule=rule_id,
        )
    when = spec.get("when", {})
    if not isinstance(when, Mapping) or not all(isinstance(v, str) for v in when.values()):
        raise InvalidInput(f"{what}.when must map facts to values (strings)", rule=rule_id)
    for key in ("once",):
        if not isinstance(spec.get(key, False), bool):
            raise InvalidInput(f"{what}.{key} must be true or false", rule=rule_id)
    texts = {}
    for key in ("effect", "stopped_how", "source", "scope", "resume"):
        value = spec.get(key)
        if value is not None and not isinstance(value, str):
            raise InvalidInput(f"{what}.{key} must be a string", rule=rule_id)
        texts[key] = value
    stoppable = _names(spec.get("stoppable_by", []), f"{what}.stoppable_by", rule_id)
    parties = {p.value for p in Party}
    for party in stoppable:
        if party not in parties:
            raise InvalidInput(
                f"{what}.stoppable_by: {party!r} is none of {', '.join(sorted(parties))}",
                rule=rule_id,
            )
    starts = _names(spec["starts"], f"{what}.starts", rule_id)
    stops = _names(spec.get("stops", []), f"{what}.stops", rule_id)
    _check_signals(what, rule_id, {"starts": starts, "stops": stops}, signals(events))
    return Rule(
        id=rule_id,
        duration=parse_duration(spec["duration"], f"{what}.duration"),
        starts=", ".join(starts),
        event=event,
        effect=texts["effect"] or f"{event} (a shop's own clock; no state change)",
        stoppable_by=stoppable,
        stopped_how=texts["stopped_how"] or ", ".join(stops),
        source=texts["source"] or where,
        confirmed=True,
        informational=True,
        anchor=Anchor(anchor),
        start_on=starts,
        stop_on=stops,
        runs_in=_names(spec.get("runs_in", []), f"{what}.runs_in", rule_id),
        when=tuple(when.items()),
        scope=texts["scope"] or "order",
        once=bool(spec.get("once", False)),
        resume=texts["resume"],
        checked_note="a shop's own rule: no source to compare with",
    )


#: The rule fields a fingerprint covers: all that change an answer or its wording (not when the
#: value was last compared with its source, nor what the engine compiles from the others).
_CONTENT_FIELDS = [
    f for f in attrs.fields(Rule) if f.init and f.name not in ("checked", "checked_note")
]


def _freeze(rules: Mapping[str, Rule]) -> Mapping[str, Rule]:
    return MappingProxyType(dict(rules))


def _freeze_events(events: Mapping[str, CustomEvent]) -> Mapping[str, CustomEvent]:
    return MappingProxyType(dict(events))


#: The automatic events of each rule set whose fingerprint was taken, by fingerprint: a
#: status (which names its rule set by fingerprint) tells its own events from unknown names.
OWN_AUTO_EVENTS: dict[str, frozenset[str]] = {}


@attrs.frozen
class RuleSet:
    """A named rule table and the time zone its rules are reckoned in."""

    name: str
    timezone: str
    rules: Mapping[str, Rule] = attrs.field(converter=_freeze)
    #: the preset this rule set was built from (its own name for a preset)
    base: str = attrs.field(default="")
    #: the working-day calendar for rules counted in working days (mainland China by default)
    calendar: Calendar = attrs.field(factory=ChinaCalendar, eq=False, repr=False)
    #: from when this version of the rule set applies to newly placed orders (``None``: always)
    effective_from: datetime | None = attrs.field(default=None)
    #: the shop's own event types (no state change; its timers start and stop on them)
    events: Mapping[str, CustomEvent] = attrs.field(factory=dict, converter=_freeze_events)
    tz: tzinfo = attrs.field(init=False, repr=False, eq=False)
    rank: Mapping[str, int] = attrs.field(init=False, repr=False, eq=False)
    #: per rule id: the rest of a Deadline after (event, at, rule): stoppable_by, source,
    #: effect, informational, earliest (None) and approximate (False)
    deadline_info: Mapping[str, tuple[tuple[str, ...], str, str, bool, None, bool]] = attrs.field(
        init=False, repr=False, eq=False
    )
    #: the engine's index of the timer declarations: signal -> (the timers it stops, the
    #: timers it starts, in rule table order, compiled)
    plan: Mapping[str, tuple[tuple[tuple[str, bool], ...], tuple[Spec, ...]]] = attrs.field(
        init=False, repr=False, eq=False
    )
    #: the content's fingerprint, computed when first asked (see :attr:`fingerprint`)
    _fingerprint: str = attrs.field(init=False, repr=False, eq=False, default="")
    #: the engine's compiled signal handlers, built on first use (tradeclock._engine): by
    #: signal name, and by (state entered, state left) for the entries
    handlers: dict[Any, Any] = attrs.field(init=False, repr=False, eq=False, factory=dict)
    #: the engine's compiled steps, built on first use: order state -> event type -> step,
    #: and the same for the open refund's state
    steps: dict[Any, dict[str, Any]] = attrs.field(init=False, repr=False, eq=False, factory=dict)
    refund_steps: dict[Any, dict[str, Any]] = attrs.field(
        init=False, repr=False, eq=False, factory=dict
    )
    #: the timers an open refund pauses (those with a resume mode)
    pausing: frozenset[str] = attrs.field(init=False, repr=False, eq=False)
    #: the timers of a trade as a whole, not of one line: those that run only before payment
    #: (the lines of a trade cannot differ before it is paid)
    trade_wide: frozenset[str] = attrs.field(init=False, repr=False, eq=False)
    #: a state entered (``order.<state>``, ``refund.<state>``) -> the timers of that scope
    #: that do not run in it (their ``runs_in`` leaves it out)
    leave: Mapping[str, frozenset[str]] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "tz", zone(self.timezone))
        if not self.base:
            object.__setattr__(self, "base", self.name)
        object.__setattr__(self, "rank", {rid: i for i, rid in enumerate(self.rules)})
        object.__setattr__(
            self,
            "deadline_info",
            {
                r.id: (r.stoppable_by, r.source, r.effect, r.informational, None, False)
                for r in self.rules.values()
            },
        )
        starts: dict[str, list[Rule]] = {}
        stops: dict[str, list[Rule]] = {}
        known = signals(self.events) if self.events else _SIGNALS
        for rule in self.rules.values():
            _check_rule(self.name, rule)
            _check_timer(f"rule set {self.name!r}: {rule.id}", rule, known, self.rules)
            if rule.enabled:
                for signal in rule.start_on:
                    starts.setdefault(signal, []).append(rule)
            for signal in rule.stop_on:
                stops.setdefault(signal, []).append(rule)
        object.__setattr__(self, "handlers", {})  # compiled again from the new index
        object.__setattr__(self, "steps", {})
        object.__setattr__(self, "refund_steps", {})
        object.__setattr__(
            self, "pausing", frozenset(r.id for r in self.rules.values() if r.resume is not None)
        )
        object.__setattr__(
            self,
            "trade_wide",
            frozenset(
                r.id
                for r in self.rules.values()
                if r.scope == "order" and r.runs_in and set(r.runs_in) <= {"placed"}
            ),
        )
        object.__setattr__(
            self,
            "leave",
            {
                f"{scope}.{state}": frozenset(
                    r.id
                    for r in self.rules.values()
                    if r.scope == scope and r.runs_in and state not in r.runs_in
                )
                for scope, states in SCOPES.items()
                for state in states
            },
        )
        object.__setattr__(
            self,
            "plan",
            {
                k: (
                    tuple((r.id, r.scope == "order") for r in stops.get(k, ())),
                    tuple(_spec(r) for r in starts.get(k, ())),
                )
                for k in (*starts, *stops)
            },
        )

    def __repr__(self) -> str:
        since = "" if self.effective_from is None else f", effective_from={self.version!r}"
        return (
            f"RuleSet(name={self.name!r}, timezone={self.timezone!r}, "
            f"rules=<{len(self.rules)} rules>, base={self.base!r}{since})"
        )

    @property
    def fingerprint(self) -> str:
        """A digest of everything that decides an answer (the zone, the calendar, the
        effective-from instant and every rule's fields but its check date): two rule sets with
        the same fingerprint judge every order alike. Orders and the due-queue pin it.

        >>> from tradeclock import TAOBAO, TMALL
        >>> TAOBAO.fingerprint == TAOBAO.with_overrides({}).fingerprint
        True
        >>> TAOBAO.fingerprint == TAOBAO.with_overrides({"pay.unpaid_close": "PT1H"}).fingerprint
        False
        """
        if not self._fingerprint:
            content = (
                self.timezone,
                type(self.calendar).__qualname__,
                getattr(self.calendar, "fingerprint", ""),
                self.version,
                *(
                    [sorted((e.name, e.by, e.text) for e in self.events.values())]
                    if self.events
                    else []
                ),
                [
                    # a field at its default is left out: a field added in a later release
                    # does not change the fingerprints of the rule sets stored before it
                    [
                        (f.name, repr(getattr(rule, f.name)))
                        for f in _CONTENT_FIELDS
                        if f.default is attrs.NOTHING or getattr(rule, f.name) != f.default
                    ]
                    for rule in self.rules.values()
                ],
            )
            digest = hashlib.sha256(repr(content).encode()).hexdigest()[:16]
            object.__setattr__(self, "_fingerprint", digest)
            OWN_AUTO_EVENTS[digest] = frozenset(r.event for r in self.rules.values() if r.event)
        return self._fingerprint

    @property
    def version(self) -> str | None:
        """This version's effective-from instant in the rule set's zone (``None``: the only one)."""
        if self.effective_from is None:
            return None
        return self.effective_from.astimezone(self.tz).isoformat()

    def effective(self, since: datetime | str) -> RuleSet:
        """This rule set as a version that applies to orders placed from ``since`` on."""
        from ._time import parse_instant

        return attrs.evolve(self, effective_from=parse_instant(since, "effective_from"))

    def __getitem__(self, rule_id: str) -> Rule:
        return self.rules[rule_id]

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules.values())

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.rules

    def with_overrides(
        self,
        durations: Mapping[str, timedelta | str | list[str] | tuple[timedelta, ...]],
        *,
        name: str | None = None,
        timezone: str | None = None,
        source: str | None = None,
        enable: tuple[str, ...] | list[str] = (),
        resume: Mapping[str, str] | None = None,
        resume_floor: Mapping[str, timedelta | str] | None = None,
        events: Mapping[str, Mapping[str, Any]] | None = None,
        timers: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> RuleSet:
        """A new rule set with some durations replaced (ISO-8601 strings or timedeltas).

        A list replaces an extension's allowed ``choices`` (its first value becomes the
        duration). Overridden rules keep their id and say where the new value came from;
        a value equal to the current one leaves the rule untouched.

        ``events`` adds the shop's own event types and ``timers`` its own (informational)
        timers, in the form of a rule set file's ``[events.NAME]`` and ``[timers."ID"]``
        tables.

        >>> from tradeclock import TAOBAO, TMALL
        >>> shop = TAOBAO.with_overrides({"confirm.auto_confirm": "P7D"}, name="myshop")
        >>> shop["confirm.auto_confirm"].duration.days, shop["confirm.auto_confirm"].source
        (7, "rule set 'myshop' (was P10D: cs-lifecycle § 五.1)")
        >>> shop = TAOBAO.with_overrides({}, name="myshop",
        ...     events={"invoice_issued": {"by": "seller"}},
        ...     timers={"shop.invoice_due": {"duration": "P7D", "starts": "paid",
        ...             "stops": "invoice_issued", "event": "invoice_due"}})
        >>> shop["shop.invoice_due"].start_on, shop["shop.invoice_due"].stop_on
        (('paid',), ('invoice_issued',))
        """
        new_name = name or self.name
        rules = dict(self.rules)
        where = f"rule set {new_name!r}"
        new_events = dict(self.events)
        for event_name, spec in (events or {}).items():
            if event_name in new_events:
                raise InvalidInput(f"{where}: events.{event_name} is already defined")
            new_events[event_name] = custom_event(event_name, spec, where)
        for rule_id, spec in (timers or {}).items():
            if rule_id in rules:
                raise InvalidInput(
                    f"{where}: timers.{rule_id} redefines a rule of the rule set (change its "
                    "duration under [durations]; give a timer of your own an id of its own)",
                    rule=rule_id,
                )
            rules[rule_id] = custom_timer(rule_id, spec, where, new_events)
        for rule_id, mode in (resume or {}).items():
            if rule_id not in rules or rules[rule_id].resume is None:
                raise InvalidInput(
                    f"rule set {new_name!r}: {rule_id!r} is not a timer that pauses", rule=rule_id
                )
            rules[rule_id] = attrs.evolve(rules[rule_id], resume=mode)
        for rule_id, floor in (resume_floor or {}).items():
            if rule_id not in rules or rules[rule_id].resume is None:
                raise InvalidInput(
                    f"rule set {new_name!r}: {rule_id!r} is not a timer that pauses", rule=rule_id
                )
            least = parse_duration(floor, f"rule set {new_name!r}: {rule_id} resume floor")
            rules[rule_id] = attrs.evolve(rules[rule_id], resume_floor=least)
        for rule_id in enable:
            if rule_id not in rules:
                raise InvalidInput(
                    f"rule set {new_name!r}: no rule {rule_id!r} to enable", rule=rule_id
                )
            if not rules[rule_id].enabled:
                rules[rule_id] = attrs.evolve(rules[rule_id], enabled=True)
        for rule_id, value in durations.items():
            if rule_id not in rules:
                raise InvalidInput(
                    f"rule set {new_name!r}: no rule {rule_id!r} to override "
                    f"(known: {', '.join(rules)})",
                    rule=rule_id,
                )
            old = rules[rule_id]
            what = f"rule set {new_name!r}: {rule_id}"
            if old.earliest is not None:
                window = _window(value, what, rule_id)
                if window == (old.earliest, old.duration):
                    continue
                rules[rule_id] = attrs.evolve(
                    old,
                    earliest=window[0],
                    duration=window[1],
                    source=source
                    or f"rule set {new_name!r} (was {old.value_text()}: {old.source})",
                    confirmed=True,
                    checked=None,
                    checked_note=changed_by(new_name),
                )
                continue
            if isinstance(value, list | tuple):
                choices = tuple(parse_duration(v, what) for v in value)
                if not choices:
                    raise InvalidInput(f"{what}: an empty list of choices", rule=rule_id)
                duration = choices[0]
            else:
                duration = parse_duration(value, what)
                choices = old.choices if duration == old.duration else ()
            if duration == old.duration and choices == old.choices:
                continue
            rules[rule_id] = attrs.evolve(
                old,
                duration=duration,
                choices=choices,
                source=source
                or f"rule set {new_name!r} (was {format_duration_iso(old.duration)}: {old.source})",
                confirmed=True,
                checked=None,
                checked_note=changed_by(new_name),
            )
        out = RuleSet(
            new_name,
            timezone or self.timezone,
            rules,
            base=self.base,
            calendar=self.calendar,
            effective_from=self.effective_from,
            events=new_events,
        )
        if name is None and out.fingerprint != self.fingerprint:
            # a changed rule set never passes for the one it came from: "taobao+<fingerprint>"
            out = attrs.evolve(out, name=f"{self.name.split('+')[0]}+{out.fingerprint[:8]}")
        return out

    def with_calendar(self, calendar: Calendar) -> RuleSet:
        """The same rule set counting working days on ``calendar`` (any object with
        ``is_working_day(day)``, e.g. :class:`tradeclock.workdays.FileCalendar`)."""
        if not callable(getattr(calendar, "is_working_day", None)):
            raise InvalidInput(
                f"rule set {self.name!r}: a calendar needs is_working_day(day), "
                f"got {type(calendar).__name__}"
            )
        return attrs.evolve(self, calendar=calendar)

    def to_toml(self) -> str:
        """This rule set as a TOML document that :func:`load_rules` reads back exactly."""
        lines = [
            f'name = "{self.name}"',
            f'base = "{self.base}"',
            f'timezone = "{self.timezone}"',
        ]
        from ._presets import PRESETS

        base = PRESETS.get(self.base)
        enabled = [
            r.id
            for r in self
            if r.enabled and base is not None and r.id in base and not base[r.id].enabled
        ]
        if enabled:
            lines.append("enable = [" + ", ".join(f'"{i}"' for i in enabled) + "]")
        if self.version is not None:
            lines.append(f"effective_from = {self.version}")
        changed = [
            r for r in self if base is not None and r.id in base and r.resume != base[r.id].resume
        ]
        floors = [r for r in self if r.resume_floor is not None]
        lines += ["", "[durations]"]
        own = [r for r in self if base is not None and r.id not in base]
        for r in self:
            if r in own:
                continue
            if r.earliest is not None:
                window = (r.earliest, r.duration)
                value = "[" + ", ".join(f'"{format_duration_iso(c)}"' for c in window) + "]"
            elif r.choices:
                value = "[" + ", ".join(f'"{format_duration_iso(c)}"' for c in r.choices) + "]"
            else:
                value = f'"{format_duration_iso(r.duration)}"'
            lines.append(f'"{r.id}" = {value}')
        if changed:
            lines += ["", "[resume]"] + [f'"{r.id}" = "{r.resume}"' for r in changed]
        if floors:
            lines += ["", "[resume_floor]"]
            lines += [
                f'"{r.id}" = "{format_duration_iso(r.resume_floor)}"'
                for r in floors
                if r.resume_floor
            ]
        q = json.dumps  # a JSON string is a TOML basic string
        for e in self.events.values():
            lines += ["", f"[events.{e.name}]", f"by = {q(list(e.by))}", f"text = {q(e.text)}"]
        for r in own:
            lines += [
                "",
                f"[timers.{q(r.id)}]",
                f"duration = {q(format_duration_iso(r.duration))}",
                f"starts = {q(list(r.start_on))}",
                f"stops = {q(list(r.stop_on))}",
                f"runs_in = {q(list(r.runs_in))}",
                f"scope = {q(r.scope)}",
                f"anchor = {q(r.anchor.value)}",
                f"event = {q(r.event)}",
                f"effect = {q(r.effect)}",
                f"stoppable_by = {q(list(r.stoppable_by))}",
                f"stopped_how = {q(r.stopped_how)}",
                f"source = {q(r.source)}",
                f"once = {q(r.once)}",
            ]
            if r.when:
                lines.append("when = {" + ", ".join(f"{k} = {q(v)}" for k, v in r.when) + "}")
            if r.resume is not None:
                lines.append(f"resume = {q(r.resume)}")
        return "\n".join(lines) + "\n"


def _span_words(span: timedelta, lang: str) -> str:
    """A rule's span in words: ``at once``, ``15 seconds``, else :func:`duration_words`."""
    seconds = int(span.total_seconds())
    if seconds == 0:
        return "立即" if lang == "zh" else "at once"
    if seconds < 60:
        return f"{seconds} 秒" if lang == "zh" else f"{seconds} seconds"
    return duration_words(span, lang)


def changed_by(name: str) -> str:
    return f"not checked: rule set {name!r} changed the value"


@attrs.frozen
class AmountRule:
    """A rule that is an amount of money, not a duration."""

    id: str
    amount: Decimal
    text: str
    source: str
    #: when the amount was last compared with its source, and with what
    checked: date | None = CHECKED_ON
    checked_note: str = _BETWEEN


@attrs.frozen
class CompensationRule:
    """Money a seller owes the buyer for shipping late: a share of the price, within bounds,
    for orders paid from ``effective_from`` on (until the next version)."""

    id: str
    effective_from: datetime
    rate: Decimal
    minimum: Decimal
    maximum: Decimal
    #: the minimum for the categories the platform lists (lower)
    minimum_listed: Decimal
    source: str
    #: when the amounts were last compared with their source, and with what
    checked: date | None = CHECKED_ON
    checked_note: str = _BETWEEN


_TOML_KEYS = {
    "name",
    "base",
    "timezone",
    "durations",
    "enable",
    "effective_from",
    "resume",
    "resume_floor",
    "events",
    "timers",
}


class RuleRegistry:
    """Versions of rule sets by name: an order is judged by the version in force when it was
    placed, so adding or changing a version never moves an order already placed.

    >>> from tradeclock import TAOBAO, TMALL
    >>> stricter = TAOBAO.with_overrides(  # a new version keeps the name: say so
    ...     {"confirm.auto_confirm": "P7D"}, name="taobao").effective("2026-12-01T00:00:00+08:00")
    >>> registry = RuleRegistry(stricter)
    >>> from tradeclock._time import parse_instant
    >>> registry.resolve("taobao", parse_instant("2026-11-30T23:59:00+08:00")) is TAOBAO
    True
    >>> registry.resolve("taobao", parse_instant("2026-12-01T00:00:00+08:00")).version
    '2026-12-01T00:00:00+08:00'
    """

    def __init__(self, *versions: RuleSet, presets: bool = True) -> None:
        self._versions: dict[str, list[RuleSet]] = {}
        from ._presets import PRESETS

        for rs in [*(PRESETS.values() if presets else ()), *versions]:
            same = self._versions.setdefault(rs.name, [])
            same[:] = [v for v in same if v.effective_from != rs.effective_from]  # replaced
            same.append(rs)
            same.sort(key=_since)

    def add(self, *versions: RuleSet) -> RuleRegistry:
        """A new registry with these versions too (a version with the same name and
        effective-from instant replaces the old one)."""
        out = RuleRegistry(presets=False)
        out._versions = {k: list(v) for k, v in self._versions.items()}
        for rs in versions:
            same = out._versions.setdefault(rs.name, [])
            same[:] = [v for v in same if v.effective_from != rs.effective_from]
            same.append(rs)
            same.sort(key=_since)
        return out

    def names(self) -> list[str]:
        """The rule set names it knows."""
        return sorted(self._versions)

    def versions(self, name: str) -> list[RuleSet]:
        """Every version of ``name``, oldest first."""
        return list(self._versions.get(name, []))

    def resolve(self, name: str, placed_at: datetime) -> RuleSet:
        """The version of ``name`` in force at ``placed_at``."""
        found = self._versions.get(name)
        if not found:
            raise InvalidInput(f"unknown rule set {name!r} (known: {', '.join(self.names())})")
        in_force = [v for v in found if v.effective_from is None or v.effective_from <= placed_at]
        if not in_force:
            first = found[0].version
            raise InvalidInput(
                f"no version of rule set {name!r} is in force at {placed_at.isoformat()} "
                f"(the first applies from {first})"
            )
        return in_force[-1]


def _since(rs: RuleSet) -> datetime:
    return rs.effective_from or MIN_INSTANT


def load_rules(source: str | bytes | Path | Mapping[str, Any]) -> RuleSet:
    """Build a rule set from TOML: a ``pathlib.Path``, TOML text (``str`` or ``bytes``) or an
    already-parsed mapping; a ``str`` that is not TOML is a path only when it names an existing
    file (the same rule as :func:`tradeclock.load`).

    The file is data only: a ``base`` preset, an optional ``name`` and ``timezone``, and a
    ``[durations]`` table of ISO-8601 durations keyed by rule id. Nothing in it is executed.

    >>> rs = load_rules('name = "flash"\\nbase = "tmall"\\n'
    ...                 '[durations]\\n"pay.unpaid_close" = "PT15M"')
    >>> rs.name, rs["pay.unpaid_close"].duration
    ('flash', datetime.timedelta(seconds=900))
    """
    if isinstance(source, Mapping):
        data: Mapping[str, Any] = source
        where = "rule set"
    else:
        data, where = _read_toml_source(source)
    unknown = set(data) - _TOML_KEYS
    if unknown:
        raise InvalidInput(
            f"{where}: unknown keys {sorted(unknown)} (allowed: {sorted(_TOML_KEYS)})"
        )
    for key in ("name", "base", "timezone"):
        if key in data and not isinstance(data[key], str):
            raise InvalidInput(f"{where}: {key} must be a string")
    from ._presets import get_rules  # (the presets are built from this module)

    base = get_rules(data.get("base", "taobao"))
    durations = data.get("durations", {})
    if not isinstance(durations, Mapping) or not all(
        isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
        for v in durations.values()
    ):
        raise InvalidInput(
            f"{where}: [durations] must map rule ids to ISO-8601 duration strings "
            "(or lists of them, for an extension's choices)"
        )
    # no name: a new version of the base when it says from when, else a rule set of its own
    name = data.get("name") or (base.name if "effective_from" in data else None)
    enable = data.get("enable", [])
    if not isinstance(enable, list) or not all(isinstance(x, str) for x in enable):
        raise InvalidInput(f'{where}: enable must be a list of rule ids, e.g. ["aftersale.window"]')
    resume = data.get("resume", {})
    floors = data.get("resume_floor", {})
    for key, table in (("resume", resume), ("resume_floor", floors)):
        if not isinstance(table, Mapping) or not all(isinstance(v, str) for v in table.values()):
            raise InvalidInput(f"{where}: [{key}] must map rule ids to strings")
    events = data.get("events", {})
    timers = data.get("timers", {})
    for key, table in (("events", events), ("timers", timers)):
        if not isinstance(table, Mapping):
            raise InvalidInput(f"{where}: [{key}] must be a table of tables")
    rs = base.with_overrides(
        durations,
        events=events,
        timers=timers,
        name=name,
        timezone=data.get("timezone"),
        source=f"rule set {name or base.name!r} ({where})",
        enable=enable,
        resume=resume,
        resume_floor=floors,
    )
    since = data.get("effective_from")
    if since is None:
        return rs
    if not isinstance(since, datetime) or since.tzinfo is None:
        raise InvalidInput(
            f"{where}: effective_from must be a date-time with its UTC offset, "
            "e.g. 2026-12-01T00:00:00+08:00"
        )
    return rs.effective(since)


def _read_toml_source(source: str | bytes | Path) -> tuple[Mapping[str, Any], str]:
    """The parsed rule set file and what to call it in errors: a ``Path`` (or a ``str`` that
    is not TOML and names an existing file) is read, TOML text or bytes parsed."""
    from ._input import read_document, toml_looks_like

    def parse(text: str) -> Mapping[str, Any]:
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"not valid TOML: {exc}") from None

    try:
        data = read_document(source, "rule set file", "TOML", parse, toml_looks_like)
    except InvalidInput as exc:
        if exc.message.startswith("not valid TOML"):  # text, not a file: say what it was
            raise InvalidInput(f"rule set: {exc.message}") from None
        raise
    named = isinstance(source, Path) or (isinstance(source, str) and not toml_looks_like(source))
    return data, str(source) if named else "rule set"
