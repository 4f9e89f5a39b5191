"""Django's PostgreSQL backend that starts the embedded server when a process first connects.

Settings name this engine when no ``DATABASE_URL`` is set, so importing them starts nothing;
the first query of ``migrate``, ``run_desk``, a web or Celery process or the tests does.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base

from newsroom.core import embedded_db


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        name = self.settings_dict.get("NAME") or "postgres"
        # Test databases are created by Django itself, through the "postgres" database.
        embedded_db.ensure_database(name if not name.startswith("test_") else "postgres")
        return super().get_new_connection(conn_params)
