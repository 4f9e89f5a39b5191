"""``manage.py restore_db PATH --yes``: replace the configured database's contents with a backup.

Runs ``pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error`` with
the ``pg_restore`` matching the server (see ``backup_db``): every object in the backup is
dropped and recreated in one transaction, so a failed restore changes nothing. It refuses to
run without ``--yes``. Stop the web and worker processes first (their open transactions
would block the drops); the desk's connections reconnect by themselves afterwards
(``CONN_HEALTH_CHECKS``). A failure exits 1 with one line on stderr.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from newsroom.management.commands.backup_db import connection_args, one_line, pg_tool, server_major


class Command(BaseCommand):
    help = "Restore a backup_db file into the configured database (replaces its contents; needs --yes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="a file written by backup_db")
        parser.add_argument("--yes", action="store_true", help="really replace the database's contents")

    def fail(self, message: object) -> NoReturn:
        self.stderr.write(one_line(message), style_func=lambda s: s)
        raise SystemExit(1)

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["path"])
        name = connections["default"].settings_dict["NAME"]
        if not options["yes"]:
            self.fail(f"Refusing to replace the contents of database {name} without --yes.")
        if not source.is_file():
            self.fail(f"Restore failed: {source} is not a file.")
        try:
            tool = pg_tool("pg_restore", major=server_major())
        except Exception as exc:
            self.fail(f"Restore failed: {exc}")
        # Our own connection must not hold locks on the tables pg_restore drops.
        connections.close_all()
        conn_args, env = connection_args()
        command = [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            *conn_args,
            str(source),
        ]
        try:
            result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)  # noqa: S603
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.fail(f"Restore failed: {exc}")
        if result.returncode != 0:
            lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
            self.fail(f"Restore failed (nothing was changed): {lines[-1] if lines else result.returncode}")
        self.stdout.write(f"Restored {source} into {name}")
