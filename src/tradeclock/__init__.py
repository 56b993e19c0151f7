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
from .actions import Action
from .events import (
    AutoEvent,
    Category,
    Channel,
    Event,
    EventType,
    Line,
    Method,
    Outcome,
    Party,
    Reason,
    Score,
    parse_event,
)
from .machine import OrderState, RefundState
from .order import Compensation, Order, Receipt, ShippingSplit, load
from .rules import (
    CONSTRAINTS,
    PRESETS,
    TAOBAO,
    TMALL,
    WECHAT_SHOP,
    Anchor,
    Constraint,
    CustomEvent,
    Rule,
    RuleRegistry,
    RuleSet,
    get_rules,
    load_rules,
)
from .status import Deadline, Fired, Instalments, LineStatus, Ratings, RefundView, Status
from .workdays import CalendarDataMissing

__version__ = "0.1.0"

__all__ = [
    "CONSTRAINTS",
    "PRESETS",
    "TAOBAO",
    "TMALL",
    "WECHAT_SHOP",
    "Action",
    "Anchor",
    "AutoEvent",
    "CalendarDataMissing",
    "Category",
    "Channel",
    "Compensation",
    "Constraint",
    "CustomEvent",
    "Deadline",
    "Event",
    "EventType",
    "Fired",
    "Instalments",
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
    "Ratings",
    "Reason",
    "Receipt",
    "RefundState",
    "RefundView",
    "Rule",
    "RuleRegistry",
    "RuleSet",
    "RulesMismatch",
    "Score",
    "ShippingSplit",
    "Status",
    "StorageError",
    "TradeclockError",
    "VersionConflict",
    "get_rules",
    "load",
    "load_rules",
    "parse_event",
]
