"""Shared helpers and hypothesis profiles.

HYPOTHESIS_PROFILE selects: ``ci`` (default: every CI run, deterministic, a failure prints the
blob that replays it), ``dev`` (random, more examples), ``long`` (on demand; docs/verification.md).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=150,
    stateful_step_count=40,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=300, deadline=None, print_blob=True)
settings.register_profile(
    "long",
    max_examples=4000,
    stateful_step_count=60,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SH = ZoneInfo("Asia/Shanghai")


def t(text: str) -> datetime:
    """'2026-11-11 09:00' read as Asia/Shanghai local time."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def e(etype: str, when: str, **fields: Any) -> dict[str, Any]:
    """One JSON event at local time ``when``."""
    return {"type": etype, "at": t(when).isoformat(), **fields}


def log(*events: dict[str, Any], rules: str = "taobao", id: str = "T1") -> dict[str, Any]:
    return {"id": id, "rules": rules, "events": list(events)}


def upcoming(status: Any) -> dict[str, datetime]:
    return {d.event: d.at for d in status.upcoming}


def fired(status: Any) -> dict[str, datetime]:
    return {f.event: f.at for f in status.fired}
