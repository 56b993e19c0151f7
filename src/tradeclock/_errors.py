"""Typed errors: every refusal names the order, the event, the state it met and the rule.

All errors derive from :class:`TradeclockError` and carry structured fields a caller can act
on (``kind``, ``event_index``, ``rule``...) besides the message. They pickle, so the bulk path
can send them across processes.

>>> err = NotAllowed("no", order_id="A1", event_index=3, event_type="refund_refused",
...                  rule="refund.no_refuse_before_shipping", state="paid")
>>> err.to_dict()["kind"], err.event_index
('not_allowed', 3)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "InvalidInput",
    "NotAllowed",
    "OutOfOrder",
    "StorageError",
    "TradeclockError",
    "VersionConflict",
    "storage_error",
]


class TradeclockError(Exception):
    """Base class of every error tradeclock raises on purpose.

    ``kind`` is the machine-readable class name used in the CLI's JSON (``invalid_input``,
    ``out_of_order``, ``not_allowed``); ``event_index`` is the 0-based position of the event
    in the log that was refused, or ``None`` when the error is about the log as a whole.
    """

    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        order_id: str | None = None,
        event_index: int | None = None,
        event_type: str | None = None,
        rule: str | None = None,
        state: str | None = None,
        line: str | None = None,
        said: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.order_id = order_id
        self.event_index = event_index
        self.event_type = event_type
        self.rule = rule
        self.state = state
        #: the line (sub-order) of a multi-line trade the error concerns
        self.line = line
        #: for a refusal: what it says, as facts (a :class:`tradeclock.words.Say`), so that
        #: :meth:`text` can say it in another language
        self.said = said

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self._fields()))

    def _fields(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "event_index": self.event_index,
            "event_type": self.event_type,
            "rule": self.rule,
            "state": self.state,
            "line": self.line,
            "said": self.said,
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"kind", "message", "event_index", ...}``."""
        fields = self._fields()
        del fields["said"]
        return {"kind": self.kind, "message": self.message, **fields}

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` (``zh`` or ``en``): a refusal is said in either; an error
        about the input itself (malformed JSON, a missing field) is in English.

        >>> import tradeclock
        >>> order = tradeclock.load("examples/order.json")
        >>> try:
        ...     order.apply({"type": "placed", "at": "2026-11-09T10:00:00+08:00"})
        ... except tradeclock.NotAllowed as err:
        ...     print(err.text("zh").replace("：", "：\\n"))
        订单 TB-2026-1106-0042，事件 #6：
        2026-11-09 10:00 的拍下（placed）不被允许：
        订单已于 2026-11-01 10:00 拍下（规则 order.first_event）
        """
        if self.said is None or lang == "en":
            return self.message
        from .words import Say, say, text

        why, at, rule = self.said
        order = self.order_id or "?"
        if self.event_index is None:
            where = text(say("located", order=order), lang)
        else:
            where = text(say("located_index", order=order, index=self.event_index), lang)
        if self.line is not None:
            where += text(say("located_line", line=self.line), lang)
        if why.key == "out_of_order":
            return text(Say(why.key, {**why.args, "where": where}), lang)
        key = "refused" if isinstance(self, NotAllowed) else "invalid"
        return text(
            say(key, where=where, event=self.event_type, at=at, why=text(why, lang), rule=rule),
            lang,
        )

    def located(self, *, order_id: str | None, event_index: int | None) -> TradeclockError:
        """Return a copy that names the order and event position (used by the replay)."""
        fields = self._fields()
        message = self.message
        if fields["order_id"] is None and order_id is not None:
            fields["order_id"] = order_id
        if fields["event_index"] is None and event_index is not None:
            fields["event_index"] = event_index
        if not message.startswith("order "):
            where = f"order {fields['order_id'] or '?'}"
            if fields["event_index"] is not None:
                where += f", event {fields['event_index']}"
                if fields["event_type"]:
                    where += f" ({fields['event_type']})"
            if fields["line"] is not None:
                where += f", line {fields['line']}"
            message = f"{where}: {message}"
        return type(self)(message, **fields)


def _rebuild(cls: type[TradeclockError], message: str, fields: dict[str, Any]) -> TradeclockError:
    return cls(message, **fields)


class InvalidInput(TradeclockError):
    """The input is malformed: bad JSON, a missing or unknown field, a naive time, a bad amount."""

    kind = "invalid_input"


class OutOfOrder(TradeclockError):
    """An event is earlier than the event before it in the log."""

    kind = "out_of_order"


class NotAllowed(TradeclockError):
    """An event the order's current state (or a rule) does not allow."""

    kind = "not_allowed"


class VersionConflict(TradeclockError):
    """The order has a different number of events than the writer expected (compare-and-set)."""

    kind = "version_conflict"


class StorageError(TradeclockError):
    """A file, directory or database could not be read or written: it is missing, not
    writable, not a database, or not the format its name says."""

    kind = "storage_error"


def storage_error(exc: BaseException, what: str = "") -> StorageError | None:
    """``exc`` (an ``OSError``, a SQLite or Arrow error, undecodable text) as a
    :class:`StorageError` naming the file, or ``None`` for any other exception.

    >>> storage_error(FileNotFoundError(2, "No such file or directory", "x.csv")).message
    "'x.csv': No such file or directory"
    """
    import sqlite3

    name = f"{what}: " if what else ""
    if isinstance(exc, OSError):
        if exc.strerror is None:  # raised with the path alone (pyarrow does)
            reason = "not found" if isinstance(exc, FileNotFoundError) else "cannot be used"
            return StorageError(f"{what or exc}: {reason}")
        where = what or (repr(exc.filename) if exc.filename is not None else "")
        return StorageError(f"{where}: {exc.strerror}" if where else exc.strerror)
    if isinstance(exc, sqlite3.Error):
        return StorageError(f"{name}not a usable SQLite database ({exc})")
    if isinstance(exc, UnicodeDecodeError):
        return StorageError(f"{name}not UTF-8 text ({exc.reason} at byte {exc.start})")
    if type(exc).__module__.startswith("pyarrow"):  # ArrowInvalid, ArrowIOError, ...
        return StorageError(f"{name}{str(exc).splitlines()[0]}")
    return None


class RulesMismatch(InvalidInput):
    """An order pinned to one rule set (by its fingerprint) met a rule set with other content:
    judging it would give answers by rules it was never under."""

    kind = "rules_mismatch"
