"""A throw-away PostgreSQL cluster for the tests, the benchmarks and a first try of the
PostgreSQL due-queue: ``initdb`` into a new directory (run as the ``postgres`` system user when
this runs as root: ``initdb`` refuses root), ``pg_ctl start`` on a free port on 127.0.0.1 with
trust authentication, and everything removed by :meth:`Cluster.remove`.

From the command line (docs/production.md)::

    python scripts/pgcluster.py start /tmp/tc-pg    # prints the URL to pass to --db
    python scripts/pgcluster.py stop /tmp/tc-pg     # stops it and removes the directory

Never point it at a directory you care about: ``stop`` deletes it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["Cluster", "bindir"]


def bindir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` are: ``$TRADECLOCK_PG_BIN``, the newest
    ``/usr/lib/postgresql/*/bin`` (Debian), or the ``PATH``; ``None`` when nowhere."""
    if os.environ.get("TRADECLOCK_PG_BIN"):
        return Path(os.environ["TRADECLOCK_PG_BIN"])
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if debian:
        return debian[-1].parent
    found = shutil.which("initdb")
    return None if found is None else Path(found).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """One cluster in ``directory`` (created when missing), owned by the ``postgres`` user when
    run as root."""

    def __init__(self, directory: Path | None = None, *, durable: bool = True) -> None:
        found = bindir()
        if found is None:
            raise FileNotFoundError("no PostgreSQL binaries (initdb, pg_ctl) on this machine")
        self.bin = found
        self.dir = Path(directory or tempfile.mkdtemp(prefix="tradeclock-pg-"))
        self.data = self.dir / "data"
        self.port_file = self.dir / "port"
        self.durable = durable  # False: fsync off (tests; a crash may lose the cluster)
        self.port = int(self.port_file.read_text()) if self.port_file.exists() else 0

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / argv[0]), *argv[1:]]
        if os.geteuid() == 0:  # initdb and postgres refuse root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True)

    def init(self) -> Cluster:
        self.dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            reach = ["runuser", "-u", "postgres", "--", "test", "-x", str(self.dir)]
            if subprocess.run(reach, check=False).returncode:
                self.dir.rmdir()
                raise PermissionError(
                    f"the postgres user cannot reach {self.dir}: a folder above it is private "
                    "to root; choose one under /tmp"
                )
        self.dir.chmod(0o700)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        return self

    def start(self) -> Cluster:
        """Start on a free port (the same one again after a stop)."""
        if not self.data.exists():
            self.init()
        self.port = self.port or _free_port()
        self.port_file.write_text(str(self.port))
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        options += " -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        log = self.dir / "log"
        result = self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(log), "-w",
                           "start", check=False)  # fmt: skip
        if result.returncode:
            text = log.read_text() if log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {result.stderr}{result.stdout}\n{text}")
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self, pause: float = 0.0) -> None:
        """Stop (``fast``: every connection is cut, open transactions roll back), wait
        ``pause`` seconds, and start on the same port."""
        self.stop("fast")
        time.sleep(pause)
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def createdb(self, name: str) -> str:
        """A new, empty database; its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        """Stop at once and delete the directory."""
        if self.data.exists():
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    cluster = Cluster(Path(argv[1]))
    if argv[0] == "start":
        print(cluster.start().url())
    else:
        cluster.remove()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
