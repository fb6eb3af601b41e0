"""Prepared statements: a Core statement compiled once per dialect, then run on the driver's cursor.

The busiest paths of a hall (issue a ticket, call next, complete) run a handful of small statements
each. SQLAlchemy writes their SQL, but executing a compiled statement through a `Connection` still costs
~60 µs of Python per statement here (cache key, execution context, parameter and result processing),
against ~10 µs for the driver itself (docs/benchmarks/issue.md). A `Prepared` statement does that work
once: it keeps the dialect's SQL, the order of its parameters, their literal values and the type
processors, and runs it on the session's own DB-API connection, inside the session's transaction.

What it accepts is checked when it is compiled, so a statement it cannot run exactly as SQLAlchemy
would fails at once, not with wrong data: no IN (...) (SQLAlchemy expands it per execution), no
Python-side defaults other than plain values. Driver errors come out as the driver's own exceptions.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

_MISSING = object()


class Rows(list[Any]):
    """The fetched rows (named tuples), with the few accessors the hot paths use."""

    def first(self) -> Any:
        return self[0] if self else None

    def one(self) -> Any:
        if len(self) != 1:
            raise LookupError(f"expected one row, got {len(self)}")
        return self[0]

    def scalar(self) -> Any:
        return self[0][0] if self else None

    def scalar_one(self) -> Any:
        return self.one()[0]


@dataclass(frozen=True)
class _Plan:
    """One statement compiled for one dialect (and, for an INSERT, one set of given columns)."""

    sql: str
    names: tuple[str, ...]  # parameter names as the SQL uses them, in order
    keys: tuple[str, ...]  # the caller's key for each name
    fixed: tuple[Any, ...]  # the value when the caller does not give it (_MISSING: the caller must)
    binders: tuple[Callable[[Any], Any] | None, ...]
    positional: bool
    row: type | None  # the named tuple of a row, None for a statement that returns nothing
    readers: tuple[Callable[[Any], Any] | None, ...]

    def parameters(self, given: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        values = []
        for key, fixed, bind in zip(self.keys, self.fixed, self.binders, strict=True):
            value = given.get(key, fixed)
            if value is _MISSING:
                raise KeyError(f"the statement needs the parameter {key!r}")
            values.append(bind(value) if bind is not None and value is not None else value)
        return values if self.positional else dict(zip(self.names, values, strict=True))

    def rows(self, cursor: Any) -> Rows:
        if self.row is None:
            return Rows()
        make, readers = self.row._make, self.readers  # type: ignore[attr-defined]
        if not any(readers):
            return Rows(make(raw) for raw in cursor.fetchall())
        return Rows(
            make(value if read is None else read(value) for read, value in zip(readers, raw, strict=True))
            for raw in cursor.fetchall()
        )


_DRIVER_KEY = "tabour_driver_connection"


def _driver_connection(session: Session) -> tuple[Any, Dialect]:
    """The DB-API connection of the session's transaction, and its dialect. Asking the session for it
    costs ~10 µs, and a call-next runs seven statements, so it is kept in `session.info` for as long as
    the same transaction lasts (the transaction object itself is the key)."""
    transaction = session.get_transaction()
    cached = session.info.get(_DRIVER_KEY)
    if cached is not None and transaction is not None and cached[0] is transaction:
        return cached[1], cached[2]
    connection = session.connection()
    session.info[_DRIVER_KEY] = (session.get_transaction(), connection.connection, connection.dialect)
    return connection.connection, connection.dialect


class Prepared:
    """A Core statement to run many times with different parameters (module-level, built once)."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, str, frozenset[str]], _Plan] = {}  # per dialect, driver (and columns)
        self._is_insert = getattr(statement, "is_insert", False)

    def execute(self, session: Session, parameters: Mapping[str, Any] | None = None) -> Rows:
        """Run in the session's transaction; returns every row the statement returns (fetched at once)."""
        given = parameters or {}
        driver, dialect = _driver_connection(session)
        key = (dialect.name, dialect.driver, frozenset(given) if self._is_insert else frozenset())
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._compile(dialect, given)
        cursor = driver.cursor()
        try:
            cursor.execute(plan.sql, plan.parameters(given))
            return plan.rows(cursor)
        finally:
            cursor.close()

    def _compile(self, dialect: Dialect, given: Mapping[str, Any]) -> _Plan:
        columns = sorted(given) if self._is_insert else None
        compiled = self.statement.compile(dialect=dialect, column_keys=columns)  # type: ignore[attr-defined]
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError(
                "a prepared statement cannot take expanding IN parameters (write status = a OR status = b)"
            )
        defaults = {}
        prefetch = [(c, c.default) for c in compiled.insert_prefetch] + [
            (c, c.onupdate) for c in compiled.update_prefetch
        ]
        for column, default in prefetch:
            if default is None or not default.is_scalar:
                raise ValueError(f"column {column.key}: only plain-value defaults can be prepared")
            defaults[column.key] = default.arg
        names = tuple(compiled.positiontup) if compiled.positiontup is not None else tuple(compiled.bind_names.values())
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        keys, fixed, binders = [], [], []
        for name in names:
            bind = binds[name]
            keys.append(bind.key)
            if bind.key in defaults:
                fixed.append(defaults[bind.key])
            else:
                fixed.append(_MISSING if bind.required else bind.effective_value)
            binders.append(bind.type.dialect_impl(dialect).bind_processor(dialect))
        returned = list(getattr(self.statement, "exported_columns", ()))
        row: type | None = None
        readers: tuple[Callable[[Any], Any] | None, ...] = ()
        if returned:
            fields = [column.key if column.key else f"c{i}" for i, column in enumerate(returned)]
            if len(set(fields)) != len(fields):
                raise ValueError(f"returned columns share a name, label them: {fields}")
            row = namedtuple("Row", fields)  # type: ignore[misc,no-redef]
            readers = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in returned)
        return _Plan(
            sql=compiled.string,
            names=names,
            keys=tuple(keys),
            fixed=tuple(fixed),
            binders=tuple(binders),
            positional=compiled.positiontup is not None,
            row=row,
            readers=readers,
        )
