"""Is the database migrated? Command-line tools ask before they touch it.

On the embedded database (a desk on this machine, no ``DATABASE_URL``) a fresh checkout's
first command migrates it, saying so in one line on stderr. Elsewhere an unmigrated
database is refused with one line naming the command to run.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


class SchemaNotReady(Exception):
    pass


def schema_ensure(*, say: Callable[[str], None]) -> None:
    executor = MigrationExecutor(connection)
    if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return
    if not settings.LOCAL_DESK:
        raise SchemaNotReady("The database is not migrated: run `.venv/bin/python manage.py migrate` first.")
    say("Migrating the embedded database first (a new checkout).")
    call_command("migrate", interactive=False, verbosity=0)
