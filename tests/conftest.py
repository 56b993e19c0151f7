"""Shared helpers and hypothesis profiles.

HYPOTHESIS_PROFILE selects: ``ci`` (default: every CI run, deterministic, a failure prints the
blob that replays it), ``dev`` (random, more examples), ``long`` (on demand; docs/verification.md).
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
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


# -- the due-queue's two stores: one suite runs on an SQLite file and on a real PostgreSQL --

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def postgres_cluster(durable: bool = False) -> Any:
    """A started throw-away cluster (scripts/pgcluster.py); skips, with the reason, only where
    this machine has no PostgreSQL binaries, and fails instead in CI
    (``TRADECLOCK_REQUIRE_TOOLS``)."""
    sys.path.insert(0, str(SCRIPTS))
    from pgcluster import Cluster, bindir

    missing = None
    if bindir() is None:
        missing = "no PostgreSQL binaries (initdb, pg_ctl) on this machine"
    else:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            missing = "psycopg is not installed (pip install -e '.[test]')"
    if missing is not None:
        if os.environ.get("TRADECLOCK_REQUIRE_TOOLS"):
            pytest.fail(f"the PostgreSQL queue tests cannot run: {missing}")
        pytest.skip(f"the PostgreSQL queue tests need a server: {missing}")
    return Cluster(durable=durable).start()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Any]:
    """One throw-away cluster for the session (fsync off), removed afterwards."""
    cluster = postgres_cluster()
    yield cluster
    cluster.remove()


_DATABASES = itertools.count()


@pytest.fixture
def pg_url(pg_cluster: Any) -> str:
    """A new, empty database on the session's cluster."""
    return str(pg_cluster.createdb(f"test_{os.getpid()}_{next(_DATABASES)}"))


@pytest.fixture(params=["sqlite", "postgresql"])
def queue_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a queue test keeps its queue: an SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "q.db")
    return str(request.getfixturevalue("pg_url"))
