"""``manage.py backup_db PATH``: a consistent custom-format dump of the configured database.

``pg_dump`` reads everything in one snapshot (a repeatable-read transaction), so the file is
consistent while the desk keeps working. The dump is written next to ``PATH`` and renamed
into place only when complete, so a failure never leaves a half-written backup behind.
The ``pg_dump`` used matches the server's major version (Debian's
``/usr/lib/postgresql/<major>/bin``, the same binaries the embedded server runs), falling
back to the one on ``PATH``. Connection parameters come from ``settings.DATABASES``; for
the embedded server ``HOST`` is its socket directory. A failure exits 1 with one line on
stderr. Restore with ``manage.py restore_db PATH --yes``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

DEBIAN_PG_ROOT = Path("/usr/lib/postgresql")


def one_line(message: object) -> str:
    return " ".join(str(message).split()) or "failed"


def server_major(alias: str = "default") -> int:
    """The PostgreSQL server's major version (e.g. 15), asked over the normal connection."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        row = cursor.fetchone()
    return int(row[0]) // 10000 if row else 0


def pg_tool(name: str, *, major: int) -> str:
    """Path of ``pg_dump``/``pg_restore`` for a server of ``major`` version, or raise FileNotFoundError."""
    candidates = [DEBIAN_PG_ROOT / str(major) / "bin" / name]
    from newsroom.core import embedded_db

    bin_dir = embedded_db._debian_bin_dir()
    if bin_dir is not None:
        candidates.append(bin_dir / name)
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError(
        f"{name} for PostgreSQL {major} is not installed (apt-get install postgresql-client-{major})"
    )


def connection_args(alias: str = "default") -> tuple[list[str], dict[str, str]]:
    """Command-line arguments and environment for libpq tools from ``settings.DATABASES``."""
    db = connections[alias].settings_dict
    args: list[str] = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    args += ["--dbname", str(db["NAME"]), "--no-password"]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    options = db.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    if options.get("host") and not db.get("HOST"):
        args[:0] = ["--host", str(options["host"])]
    return args, env


class Command(BaseCommand):
    help = "Write a consistent pg_dump (custom format) of the configured database to PATH."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="file to write (replaced only once the dump is complete)")

    def fail(self, message: object) -> NoReturn:
        self.stderr.write(one_line(message), style_func=lambda s: s)
        raise SystemExit(1)

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["path"]).resolve()
        if not target.parent.is_dir():
            self.fail(f"Backup failed: the folder {target.parent} does not exist.")
        try:
            tool = pg_tool("pg_dump", major=server_major())
        except Exception as exc:  # no server, no binary: one line either way
            self.fail(f"Backup failed: {exc}")
        conn_args, env = connection_args()
        partial = target.with_name(f".{target.name}.partial")
        command = [tool, "--format=custom", "--file", str(partial), *conn_args]
        try:
            result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)  # noqa: S603
        except (OSError, subprocess.TimeoutExpired) as exc:
            partial.unlink(missing_ok=True)
            self.fail(f"Backup failed: {exc}")
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            self.fail(
                f"Backup failed: {result.stderr.strip().splitlines()[-1] if result.stderr.strip() else result.returncode}"
            )
        partial.replace(target)
        self.stdout.write(
            f"Backed up {connections['default'].settings_dict['NAME']} to {target} ({target.stat().st_size} bytes)"
        )
