"""An embedded PostgreSQL for development and tests, so one command runs the desk.

When no ``DATABASE_URL`` is set, settings point Django at a server whose data lives in
``.data/postgres`` and which listens on a unix socket in that folder only. Importing the
settings starts nothing: the database engine ``newsroom.core.embedded_postgresql`` calls
:func:`ensure_running` when a process opens its first connection (``run_desk``, ``migrate``,
any command, the web and Celery processes, the tests), and creates the database if it is
missing.

We run the machine's Debian PostgreSQL when it is installed (``make install`` installs
``postgresql`` and ``postgresql-contrib`` as root: translation memory needs ``pg_trgm``), else
the build bundled with the ``pgserver`` package. As root, the server runs as the unprivileged
``pgserver`` user.

The server is left running when a process exits, because the web server, the Celery worker and
beat share it; ``make run`` stops it when it ends and ``make stop`` (``python -m
newsroom.core.embedded_db stop``) stops one left running.

Hard kills: the server runs in its own session, so killing ``make run``'s process group leaves
it running and the next start adopts it (:func:`ensure_running` returns ``"adopted"``). A
``postmaster.pid`` whose process is gone or is not this server's postmaster is removed, with
its socket lock, before starting (PostgreSQL then recovers from its write-ahead log). A new
data folder is made by ``initdb`` in a temporary folder and renamed into place, so a kill during
``initdb`` never leaves a half-made one. The only file of ours is the lock file serialising
starts; pgserver's ``.handle_pids.json`` is no longer used (a left-over one is ignored).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("DESK_DATA_DIR") or BASE_DIR / ".data").absolute()
PGDATA = DATA_DIR / "postgres"
DEBIAN_PG_ROOT = Path("/usr/lib/postgresql")
SUPERUSER = "postgres"
SYSTEM_USER = "pgserver"  # the unprivileged user the server runs as when we are root
_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux

_ready: set[str] = set()  # (per process) databases known to exist on a running server


class ServerError(RuntimeError):
    """initdb or pg_ctl failed; the message carries the end of its output."""


def say_on_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _debian_bin_dir() -> Path | None:
    """The newest Debian PostgreSQL whose contrib (pg_trgm) is installed, if any."""
    if not DEBIAN_PG_ROOT.is_dir():
        return None
    for version_dir in sorted(DEBIAN_PG_ROOT.iterdir(), key=lambda p: p.name, reverse=True):
        contrib = Path("/usr/share/postgresql") / version_dir.name / "extension" / "pg_trgm.control"
        if (version_dir / "bin" / "postgres").exists() and contrib.exists():
            return version_dir / "bin"
    return None


def bin_dir() -> Path:
    found = _debian_bin_dir()
    if found is not None:
        return found
    import importlib.util

    # pgserver's bundled build (without pg_trgm); found without importing pgserver.
    spec = importlib.util.find_spec("pgserver")
    assert spec is not None and spec.origin is not None, "install the pinned requirements (pgserver)"
    return Path(spec.origin).parent / "pginstall" / "bin"


def socket_dir() -> Path:
    """Where the server's unix socket lives: the data folder, or a short path under /tmp."""
    if len(str(PGDATA / ".s.PGSQL.5432")) <= _MAX_SOCKET_PATH:
        return PGDATA
    import hashlib

    return Path("/tmp") / ("desk-pg-" + hashlib.sha256(str(PGDATA).encode()).hexdigest()[:12])  # noqa: S108


def url(name: str = "newsroom") -> str:
    """The URL of database ``name`` on the embedded server. Starts nothing."""
    return f"postgres://{SUPERUSER}@/{name}?host={socket_dir()}"


def _as_root() -> bool:
    return os.geteuid() == 0


def _run(args: list[str], *, timeout: float = 120) -> None:
    result = subprocess.run(  # noqa: S603 - PostgreSQL's own programs, fixed arguments
        args, check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout, cwd="/",
        start_new_session=True,  # the server outlives the desk's process group: Ctrl-C there is ours to handle
        user=SYSTEM_USER if _as_root() else None,
    )  # fmt: skip
    if result.returncode != 0:
        output = result.stdout.decode(errors="replace").strip().splitlines()
        raise ServerError(f"{Path(args[0]).name} {args[-1]} failed ({result.returncode}): {' / '.join(output[-4:])}")


def parents_traversable(path: Path) -> None:
    """As root, the server's user must be able to reach its folder: let others traverse the parents.

    The one rule for every PostgreSQL this project starts as root (``bench/cluster.py`` too): a
    clone under a folder only root may enter (``mktemp -d``, mode 700) gains ``o+x`` on each
    parent, never read or write."""
    if not _as_root():
        return
    for parent in path.parents:
        mode = parent.stat().st_mode
        if mode & 0o011 != 0o011:
            parent.chmod(mode | 0o011)


def _system_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "-s", "/bin/false", SYSTEM_USER], check=True, capture_output=True)  # noqa: S603, S607
        return pwd.getpwnam(SYSTEM_USER)


@contextlib.contextmanager
def _start_lock() -> Iterator[None]:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    with (DATA_DIR / "postgres.lock").open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _postmaster() -> tuple[int, str] | None:
    """(pid, status) from ``postmaster.pid`` when its process is this server's postmaster."""
    try:
        lines = (PGDATA / "postmaster.pid").read_text(encoding="utf-8", errors="replace").splitlines()
        pid = int(lines[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None
    import psutil

    try:
        proc = psutil.Process(pid)
        cmdline = proc.cmdline()
        if proc.status() == psutil.STATUS_ZOMBIE or not cmdline or not cmdline[0].endswith("postgres"):
            return None
        if str(PGDATA) not in " ".join(cmdline) and Path(proc.cwd()).resolve() != PGDATA.resolve():
            return None
    except (psutil.Error, OSError):
        return None
    status = lines[7].strip() if len(lines) > 7 else ""
    return pid, status


def is_running() -> bool:
    found = _postmaster()
    return found is not None and found[1] == "ready" and (socket_dir() / ".s.PGSQL.5432").exists()


def _clean_stale(say: Callable[[str], None]) -> None:
    """Remove a ``postmaster.pid`` and socket lock left by a server that is gone."""
    pid_file = PGDATA / "postmaster.pid"
    if pid_file.exists():
        try:
            old = pid_file.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0].strip()
        except OSError:
            old = "?"
        pid_file.unlink()
        say(f"Removed a stale postmaster.pid (pid {old or '?'}) left by a database server that was killed.")
    sock = socket_dir()
    for leftover in (sock / ".s.PGSQL.5432.lock", sock / ".s.PGSQL.5432"):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()


def _initdb(say: Callable[[str], None]) -> None:
    """Make a new data folder in a temporary folder, then rename it into place."""
    for unfinished in PGDATA.parent.glob(PGDATA.name + ".init-*"):
        shutil.rmtree(unfinished, ignore_errors=True)
        say(f"Removed an unfinished database folder ({unfinished.name}) left by a killed start.")
    if PGDATA.exists():
        if any(PGDATA.iterdir()):
            aside = PGDATA.with_name(f"{PGDATA.name}.broken-{int(time.time())}")
            PGDATA.rename(aside)
            say(f"Moved an incomplete database folder aside to {aside} and made a new one.")
        else:
            PGDATA.rmdir()
    tmp = PGDATA.with_name(f"{PGDATA.name}.init-{os.getpid()}")
    tmp.mkdir(mode=0o700)
    if _as_root():
        entry = _system_user()
        parents_traversable(tmp)
        os.chown(tmp, entry.pw_uid, entry.pw_gid)
    _run(
        [str(bin_dir() / "initdb"), "-D", str(tmp), "--auth=trust", "--auth-local=trust", "--encoding=utf8",
         "-U", SUPERUSER, "--no-sync"],
    )  # fmt: skip
    with contextlib.suppress(FileNotFoundError):
        # --no-sync keeps initdb quick; make the finished folder durable before it counts.
        subprocess.run(["sync", "-f", str(tmp)], check=False, timeout=60)  # noqa: S603, S607
    tmp.rename(PGDATA)


def _start(say: Callable[[str], None]) -> None:
    _clean_stale(say)
    parents_traversable(PGDATA)
    sock = socket_dir()
    sock.mkdir(parents=True, exist_ok=True)
    if _as_root() and sock != PGDATA:
        sock.chmod(0o777)
    for attempt in range(5):
        try:
            _run(
                [str(bin_dir() / "pg_ctl"), "-D", str(PGDATA), "-w", "-t", "120", "-l", str(PGDATA / "log"),
                 "-o", f'-h "" -k {sock}', "start"],
                timeout=150,
            )  # fmt: skip
            return
        except ServerError:
            # A killed postmaster's backends can hold its shared memory for a moment: wait for them.
            if attempt == 4:
                raise
            time.sleep(1 + attempt)
            _clean_stale(lambda _line: None)


def ensure_running(*, say: Callable[[str], None] = say_on_stderr) -> str:
    """Make sure the embedded server runs: ``"running"`` (found it ready, the fast path),
    ``"adopted"`` (found one left running, reported by the caller), or ``"started"``."""
    if is_running():
        return "running"
    with _start_lock():
        if is_running():
            return "adopted"
        found = _postmaster()
        if found is not None:  # starting up or recovering: wait for it
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not is_running() and _postmaster() is not None:
                time.sleep(0.1)
            if is_running():
                return "adopted"
        if not (PGDATA / "PG_VERSION").exists() or not (PGDATA / "global" / "pg_control").exists():
            _initdb(say)
        _start(say)
        return "started"


def ensure_database(name: str, *, say: Callable[[str], None] = say_on_stderr) -> str:
    """Start the server if needed and create database ``name`` if it is missing."""
    status = ensure_running(say=say)
    if name in _ready and status == "running":
        return status
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=str(socket_dir()), user=SUPERUSER, dbname="postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # another process was quicker
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    _ready.add(name)
    return status


def database_url(name: str = "newsroom") -> str:
    """Start the embedded server if needed, make sure database ``name`` exists, return its URL."""
    ensure_database(name)
    return url(name)


def stop() -> bool:
    """Stop the embedded server if it runs; True when it was running."""
    if _postmaster() is None:
        return False
    parents_traversable(PGDATA)
    try:
        _run([str(bin_dir() / "pg_ctl"), "-D", str(PGDATA), "-w", "-t", "60", "-m", "fast", "stop"], timeout=90)
    except ServerError:
        if _postmaster() is not None:  # still running: a real failure
            raise
    return True


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "url"
    if command == "stop":
        print("Stopped the embedded PostgreSQL." if stop() else "The embedded PostgreSQL was not running.")
    else:
        print(database_url())
