"""The hottest fixed reads run on the DB-API cursor, with the statement compiled once.

SQLAlchemy's execution path costs about 50–130 µs a statement against SQLite's own 7–15 µs
for a one-row index read (building the execution context, the parameters, the result and its
rows, every time), and a resolution runs four such statements. :class:`PreparedRead` compiles
a Core ``select`` once for a dialect, keeps the order of its parameters (the defaults of those
the statement binds itself, such as a stage literal or a ``LIMIT``) and the result processors
of its columns, and then runs it with the DB-API connection's own ``execute``: the same SQL,
the same parameters, the same values in the rows (dates parsed, JSON decoded by SQLAlchemy's
own processors), inside the same transaction.

Only for statements that are fixed (built once, at import or by a cache) and whose parameters
need no expanding or processing beyond what SQLAlchemy's types do; used on SQLite only, where
the statement's cost is all in the process. A database error is raised as SQLAlchemy's own
wrapper (:class:`sqlalchemy.exc.DBAPIError` and its subclasses), as through ``execute``.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select

from modelsteward.store.compiled import learn_likeness


class PreparedRead:
    """``statement`` compiled for ``dialect`` (a positional paramstyle: SQLite's), run on the
    DB-API connection of an open SQLAlchemy connection by :meth:`rows`. Raises ValueError for
    another paramstyle, or for a statement with parameters SQLAlchemy renders into the SQL at
    each execution (an IN list, expanding or literal)."""

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if not compiled.positional or compiled.positiontup is None:
            raise ValueError(f"{dialect.name} has no positional parameters")
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("the statement has parameters rendered at each execution (an IN "
                             "list): run it with execute")
        self.sql = compiled.string
        names = tuple(compiled.positiontup)
        # the parameters with the statement's own values (a literal, a LIMIT) filled in, the
        # places of each name, and the names every call must give
        self._template: list[object] = [None] * len(names)
        self._places: dict[str, tuple[int, ...]] = {}
        self._bind: dict[str, Callable[[Any], Any]] = {}
        required = set()
        for place, name in enumerate(names):
            self._places[name] = (*self._places.get(name, ()), place)
            bind = compiled.binds[name]
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                self._bind[name] = process
            if bind.value is not None or bind.callable is not None:
                value = bind.effective_value
                self._template[place] = process(value) if process is not None else value
            else:
                required.add(name)
        self._required = frozenset(required)
        columns = list(statement.selected_columns)
        row: Any = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]
        self._make: Callable[[Any], Any] = row._make
        self._results = tuple(
            (index, process) for index, column in enumerate(columns)
            if (process := column.type.dialect_impl(dialect).result_processor(dialect, None))
            is not None)

    def parameters(self, values: Mapping[str, object]) -> list[object]:
        """The positional parameters for ``values`` (the statement's own values for the names
        not in them; names it does not have are ignored); raises KeyError naming a parameter
        that has neither."""
        if not self._required <= values.keys():
            raise KeyError(sorted(self._required - values.keys()))
        found = self._template.copy()
        for name, value in values.items():
            places = self._places.get(name)
            if places is None:
                continue
            process = self._bind.get(name)
            given = process(value) if process is not None else value
            for place in places:
                found[place] = given
        return found

    def rows(self, connection: Connection, values: Mapping[str, object]) -> list[Any]:
        """Every row of the statement for ``values``, read in ``connection``'s transaction:
        named tuples with the values SQLAlchemy's ``execute`` would give."""
        parameters = self.parameters(values)
        dbapi = connection.connection.dbapi_connection
        try:
            raw = dbapi.execute(self.sql, parameters).fetchall()  # type: ignore[union-attr]
        except connection.dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(self.sql, parameters, exc,
                                      connection.dialect.loaded_dbapi.Error) from exc
        make = self._make
        if not self._results:
            return [make(row) for row in raw]
        found = []
        for row in raw:
            values_of = list(row)
            for index, process in self._results:
                values_of[index] = process(values_of[index])
            found.append(make(values_of))
        return found


# by the dialect's likeness (store/compiled.py) once known: alike dialects share them
_prepared: dict[Hashable, dict[Select[Any], PreparedRead]] = {}


def hot_rows(connection: Connection, statement: Select[Any],
             values: Mapping[str, object]) -> list[Any]:
    """The rows of the fixed ``statement`` for ``values`` in ``connection``'s transaction: on
    SQLite through a :class:`PreparedRead` made once per dialect likeness and statement, elsewhere
    through ``connection.execute`` (rows with the same attributes either way)."""
    dialect = connection.dialect
    if dialect.name != "sqlite":
        return list(connection.execute(statement, dict(values)).all())
    # learnt already for an engine of make_engine's; any other's is set up, being connected
    alike = learn_likeness(dialect)
    by_statement = _prepared.get(alike)
    if by_statement is None:
        by_statement = _prepared.setdefault(alike, {})
    prepared = by_statement.get(statement)
    if prepared is None:
        prepared = by_statement[statement] = PreparedRead(statement, dialect)
    return prepared.rows(connection, values)
