"""Writing many new rows of one model with PostgreSQL's ``COPY`` (psycopg's ``Cursor.copy``).

``QuerySet.bulk_create`` sends a row of a model with JSON or array columns as SQL literals in one
``INSERT … VALUES`` (an ``Article`` batch of 500 is ~50,000 quoted values the client escapes
and the server parses) and reads back every generated column (an article's six search vectors).
:func:`rows_copy` sends the same values, prepared by the same fields, as one ``COPY`` stream and
reads nothing back: about half the client's time for the statement and less of the server's
(measured on an archive import, docs/DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model
from psycopg import sql


def ids_take(model: type[Model], count: int) -> list[int]:
    """``count`` new primary keys of ``model`` from its sequence (rows written later by
    :func:`rows_copy` or pointing at each other before they are)."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],  # type: ignore[union-attr]
        )
        return [row[0] for row in cursor.fetchall()]


def rows_copy(objs: Sequence[Model]) -> None:
    """Insert ``objs`` (new rows of one model, each with its primary key set) with ``COPY``.

    What ``bulk_create`` would write: each concrete field's ``pre_save(add=True)`` (``auto_now_add``
    times) then its ``get_db_prep_save``, generated columns left to the database (not read
    back: they stay deferred on the objects). The rows are then saved objects, as
    ``bulk_create`` leaves them. Constraints and foreign keys are checked as for an ``INSERT``.
    """
    if not objs:
        return
    model = type(objs[0])
    opts = model._meta
    if any(type(obj) is not model or obj.pk is None for obj in objs):
        raise ValueError("rows_copy takes new rows of one model, each with its primary key")
    fields = [f for f in opts.concrete_fields if not getattr(f, "generated", False)]
    columns: list[sql.Composable] = [sql.Identifier(str(f.column)) for f in fields]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(opts.db_table), sql.SQL(", ").join(columns))
    with connection.cursor() as cursor:
        raw: Any = cursor.cursor  # psycopg's own cursor under Django's wrapper
        with raw.copy(statement) as copy:
            for obj in objs:
                copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
