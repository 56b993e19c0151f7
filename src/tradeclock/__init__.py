"""tradeclock: what happens next to an escrow-marketplace order, and when.

Orders are replayed from their event logs; every query takes ``now``; every duration lives in
a rule table (:data:`TAOBAO`, :data:`TMALL`, or your own).
"""

from .errors import (
    InvalidInput,
    NotAllowed,
    OutOfOrder,
    RulesMismatch,
    StorageError,
    TradeclockError,
    VersionConflict,
)
from .events import AutoEvent, Event, EventType, Line, Method, Outcome, Party, Reason, parse_event
from .machine import OrderState, RefundState
from .order import Order, Receipt, load
from .rules import (
    CONSTRAINTS,
    PRESETS,
    TAOBAO,
    TMALL,
    Constraint,
    Rule,
    RuleRegistry,
    RuleSet,
    get_rules,
    load_rules,
)
from .status import Deadline, Fired, LineStatus, RefundView, Status

__version__ = "0.1.0"

__all__ = [
    "CONSTRAINTS",
    "PRESETS",
    "TAOBAO",
    "TMALL",
    "AutoEvent",
    "Constraint",
    "Deadline",
    "Event",
    "EventType",
    "Fired",
    "InvalidInput",
    "Line",
    "LineStatus",
    "Method",
    "NotAllowed",
    "Order",
    "OrderState",
    "OutOfOrder",
    "Outcome",
    "Party",
    "Reason",
    "Receipt",
    "RefundState",
    "RefundView",
    "Rule",
    "RuleRegistry",
    "RuleSet",
    "RulesMismatch",
    "Status",
    "StorageError",
    "TradeclockError",
    "VersionConflict",
    "get_rules",
    "load",
    "load_rules",
    "parse_event",
]
