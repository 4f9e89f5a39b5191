"""An embedded PostgreSQL for development and tests, so one command runs the desk.

When no ``DATABASE_URL`` is set, settings call :func:`database_url`, which starts (or
joins) a PostgreSQL server whose data lives in ``.data/postgres`` and which listens on a
unix socket only. We use the ``pgserver`` package for the life cycle (initdb, pg_ctl,
running as an unprivileged ``pgserver`` user when we are root), but point it at the
machine's Debian PostgreSQL when that is installed: pgserver's bundled build lacks the
contrib extensions, and translation memory needs ``pg_trgm``. ``make install`` installs
Debian's ``postgresql`` and ``postgresql-contrib`` when it runs as root.

The server is left running when a process exits (``cleanup_mode=None``) because the web
server, the Celery worker and beat all share it; ``make run`` and ``make test`` stop it
with ``python -m newsroom.core.embedded_db stop``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("DESK_DATA_DIR", BASE_DIR / ".data"))
PGDATA = DATA_DIR / "postgres"
DEBIAN_PG_ROOT = Path("/usr/lib/postgresql")


def _debian_bin_dir() -> Path | None:
    """The newest Debian PostgreSQL whose contrib (pg_trgm) is installed, if any."""
    if not DEBIAN_PG_ROOT.is_dir():
        return None
    for version_dir in sorted(DEBIAN_PG_ROOT.iterdir(), key=lambda p: p.name, reverse=True):
        contrib = Path("/usr/share/postgresql") / version_dir.name / "extension" / "pg_trgm.control"
        if (version_dir / "bin" / "postgres").exists() and contrib.exists():
            return version_dir / "bin"
    return None


def _server_env() -> None:
    # pgserver reads the runtime dir when it is imported: give it one of ours first.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(DATA_DIR / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)


def _server():  # type: ignore[no-untyped-def]
    _server_env()
    import pgserver._commands as commands
    import pgserver.postgres_server as postgres_server

    bin_dir = _debian_bin_dir()
    if bin_dir is not None:
        commands.POSTGRES_BIN_PATH = bin_dir
        postgres_server.POSTGRES_BIN_PATH = bin_dir  # type: ignore[attr-defined]
    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    return postgres_server.get_server(PGDATA, cleanup_mode=None)


def database_url(name: str = "newsroom") -> str:
    """Start the embedded server if needed, make sure database ``name`` exists, return its URL."""
    server = _server()
    socket_dir = server.get_postmaster_info().socket_dir
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"postgres://postgres@/{name}?host={socket_dir}"


def stop() -> None:
    """Stop the embedded server if it runs (used when ``make run`` or ``make test`` ends)."""
    if not (PGDATA / "postmaster.pid").exists():
        return
    _server_env()
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(PGDATA)
    if info is not None and info.is_running():
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]  # generated at import

        _server()  # points pgserver at the right binaries
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user="pgserver" if os.geteuid() == 0 else None)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "url"
    if command == "stop":
        stop()
    else:
        print(database_url())
