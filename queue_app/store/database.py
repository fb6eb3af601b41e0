"""Engine and session factory, and the write discipline each engine needs.

SQLite is C code that blocks the whole gevent hub; two greenlets writing at once would stall the
process until the busy timeout. So on SQLite every write transaction takes one in-process lock
(cooperative under gevent) and the database runs in WAL mode; PostgreSQL needs no lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool


class Interrupted(Exception):
    """A request ran past its deadline (web/deadline.py), possibly in the middle of a statement: the
    connection's state is unknown, so it is dropped, never rolled back (a frozen server would hang the
    rollback as it hung the statement)."""


def was_interrupted(error: BaseException | None) -> bool:
    """`Interrupted`, or an error it caused (the driver may turn it into its own on the way out)."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, Interrupted):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def unavailable(error: BaseException) -> bool:
    """The database is away rather than the request wrong: cut at the deadline, refused or dropped
    (OperationalError), or no connection free in time (the pool's TimeoutError)."""
    return was_interrupted(error) or isinstance(error, OperationalError | PoolTimeout)


def utcnow() -> datetime:
    """Naive UTC, the form every timestamp is stored in."""
    return datetime.now(UTC).replace(tzinfo=None)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class Database:
    """One per app: the engine, a session factory and `transaction()` for writes."""

    def __init__(self, url: str, echo: bool = False, pool: int = 10) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        options: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            options["connect_args"] = {"check_same_thread": False, "timeout": 5}
        else:  # a server that does not answer fails the connect, and a request waits for a free connection
            options.update(  # only so long (web/deadline.py bounds the rest)
                # at most 2 x pool connections per process: N processes x 2 x pool must stay under the
                # server's max_connections (PostgreSQL's default 100), or it refuses (docs/operations.md)
                pool_size=pool,
                max_overflow=pool,
                pool_pre_ping=True,
                pool_timeout=10,
                connect_args={"connect_timeout": 5},
            )
        self.engine: Engine = create_engine(url, **options)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = threading.RLock() if self.is_sqlite else None
        self._probe: Engine | None = None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session for one unit of work: committed on success, rolled back on error."""
        with self._write_lock or nullcontext(), self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException as error:
                if was_interrupted(error):
                    session.invalidate()  # closes the connection in use without a word to the server
                else:
                    session.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only (no lock: WAL readers never block the writer)."""
        with self.sessions() as session:
            try:
                yield session
            except BaseException as error:
                if was_interrupted(error):
                    session.invalidate()
                raise
            session.rollback()

    def healthy(self, timeout: int = 2) -> bool:
        """`SELECT 1` within `timeout` seconds, for /healthz. On PostgreSQL through a new connection with a
        connect timeout: a frozen server must make the probe fail, not hang like a pooled connection."""
        try:
            if self.is_sqlite:
                with self.engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
                return True
            if self._probe is None:
                self._probe = create_engine(
                    self.url,
                    poolclass=NullPool,
                    connect_args={"connect_timeout": timeout, "options": f"-c statement_timeout={timeout * 1000}"},
                )
            with self._probe.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        self.engine.dispose()
        if self._probe is not None:
            self._probe.dispose()


def null_pool_engine(url: str) -> Engine:
    """An engine without pooling, for migrations and one-off admin work."""
    return create_engine(url, poolclass=NullPool)


#: keys of the transaction-level advisory locks (arbitrary, fixed; migrate.py holds 0x7AB00001)
CONFIG_SYNC_LOCK = 0x7A_B0_0002
AUDIT_CHAIN_LOCK = 0x7A_B0_0003


def serialise(session: Session, key: int) -> None:
    """Hold a lock named `key` until the session's transaction ends, across every process. On PostgreSQL
    an advisory lock; SQLite already lets one writer in at a time."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
