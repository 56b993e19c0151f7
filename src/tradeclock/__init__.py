"""tradeclock: what happens next to an escrow-marketplace order, and when.

Orders are replayed from their event logs; every query takes ``now``; every duration lives in
a rule table (:data:`TAOBAO`, :data:`TMALL`, or your own).
"""

from ._actions import Action
from ._errors import (
    InvalidInput,
    NotAllowed,
    OutOfOrder,
    RulesMismatch,
    StorageError,
    TradeclockError,
    VersionConflict,
)
from ._events import (
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
from ._machine import OrderState, RefundState
from ._order import Compensation, Order, Receipt, ShippingSplit, load
from ._presets import CONSTRAINTS, PRESETS, TAOBAO, TMALL, WECHAT_SHOP, get_rules
from ._rules import Anchor, Constraint, CustomEvent, Rule, RuleRegistry, RuleSet, load_rules
from ._status import Deadline, Fired, Instalments, LineStatus, Ratings, RefundView, Status
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

# The errors live in a private module; a traceback names them as a caller imports them:
# ``tradeclock.NotAllowed``. (Only the exceptions: a class with annotations keeps its module, where
# ``typing.get_type_hints`` resolves them.)
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and issubclass(_obj, Exception):
        _obj.__module__ = __name__
del _name, _obj
