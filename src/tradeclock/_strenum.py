"""The base of every enum here: its members are the JSON contract's strings."""

from __future__ import annotations

import enum

__all__ = ["ContractEnum"]


class ContractEnum(enum.StrEnum):
    """A ``StrEnum`` that shows as its string: ``repr(OrderState.PAID) == "'paid'"``.

    Members compare, hash and serialise as their values already; showing them that way too
    keeps statuses and events readable where they are printed (tuples, logs, agents).
    """

    __repr__ = str.__repr__
