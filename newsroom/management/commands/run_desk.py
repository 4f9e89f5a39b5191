"""``make run``: the whole desk in one command, served as in production.

Starts (or adopts) the embedded PostgreSQL, checks the state files under ``.data/`` (see
``newsroom/core/state_files.py``), migrates, loads the demo content, collects static files, then
runs gunicorn (``DEBUG`` off, whitenoise, the real error pages), a Celery worker and Celery
beat as child processes. ``--dev`` (``make dev``) runs Django's autoreloading ``runserver``
with ``DEBUG=1`` instead of gunicorn. Ctrl-C stops all of them and the embedded database.

A child that exits is started again, never taking the others down: the line says which one and
why, and the wait before the restart doubles with each crash in a row (1 s, 2 s, 4 s … at most
``RESTART_MAX_SECONDS``), back to 1 s once it has run ``RESTART_STABLE_SECONDS``. gunicorn runs
threaded workers (``gthread``) so that slow or unfinished requests hold a thread, not the
whole worker: a handful of them cannot stall the site.

Each process gets a bounded connection pool, sized so that all of them together stay under
PostgreSQL's ``max_connections``. The children's process ids are kept in ``.data/run_desk.json``
(written atomically): a start finds processes an earlier, killed run left behind and stops
them, and ``run_desk --stop`` (``make stop``) stops them and the embedded database.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, connections

from newsroom.core import embedded_db, state_files

RESERVED_CONNECTIONS = 15  # for manage.py commands, backups and the superuser slots
WEB_THREADS = 16  # per gunicorn worker; an unfinished request holds one; requests share the pool
RESTART_MAX_SECONDS = 60.0
RESTART_STABLE_SECONDS = 60.0
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to SIGTERM the child when run_desk dies, even by SIGKILL."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def web_workers() -> int:
    """gunicorn's rule of thumb, 2 × cores + 1, capped (each worker holds one connection at a time)."""
    return max(2, min(2 * (os.cpu_count() or 1) + 1, 9))


def restart_delay(*, crashes_in_a_row: int, cap: float = RESTART_MAX_SECONDS) -> float:
    """Seconds before starting a crashed child again: 1, 2, 4 … doubling per crash in a row, capped."""
    return float(min(cap, 2 ** max(0, crashes_in_a_row - 1)))


class Supervised:
    """One child process of the desk, started again whenever it exits (with back-off)."""

    def __init__(self, name: str, command: list[str], marker: str, start: Any) -> None:
        self.name, self.command, self.marker, self._start = name, command, marker, start
        self.proc: subprocess.Popen[bytes] = start(command)
        self.started_at = time.monotonic()
        self.crashes_in_a_row = 0
        self.restart_at: float | None = None

    def check(self, say: Any) -> bool:
        """Restart the child if it is due; returns True when a new process was started."""
        now = time.monotonic()
        if self.restart_at is None:
            if self.proc.poll() is None:
                return False
            ran = now - self.started_at
            self.crashes_in_a_row = 1 if ran >= RESTART_STABLE_SECONDS else self.crashes_in_a_row + 1
            delay = restart_delay(crashes_in_a_row=self.crashes_in_a_row)
            self.restart_at = now + delay
            say(
                f"{self.name} exited with {self.proc.returncode} after {ran:.0f} s; "
                f"starting it again in {delay:.0f} s (crash {self.crashes_in_a_row} in a row). "
                "The rest of the desk keeps running."
            )
            return False
        if now < self.restart_at:
            return False
        self.proc, self.started_at, self.restart_at = self._start(self.command), now, None
        say(f"{self.name} started again (pid {self.proc.pid}).")
        return True


def pool_size(*, max_connections: int, processes: int, cap: int = 4) -> int:
    """Connections per process so that ``processes`` pools fit in ``max_connections``."""
    return max(1, min(cap, (max_connections - RESERVED_CONNECTIONS) // max(1, processes)))


def static_is_current() -> bool:
    """True when the collected static files (and their manifest) are newer than every source file."""
    from django.contrib.staticfiles import finders

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    try:
        collected_at = manifest.stat().st_mtime
    except FileNotFoundError:
        return False
    for finder in finders.get_finders():
        for path, storage in finder.list([]):
            if Path(storage.path(path)).stat().st_mtime > collected_at:
                return False
    return True


SUPERVISOR_MARKER = "run_desk"  # in the command line of the supervising `manage.py run_desk`


def _pids_file() -> Path:
    return Path(settings.DATA_DIR) / "run_desk.json"


def _alive(pid: int, marker: str) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return marker in cmdline


def leftovers_stop(say: Any) -> int:
    """Stop processes a killed run left running (from ``.data/run_desk.json``); return how many."""
    path = _pids_file()
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
        children = [(int(c["pid"]), str(c["marker"])) for c in recorded["children"]]
    except FileNotFoundError:
        return 0
    except (OSError, ValueError, KeyError, TypeError):
        path.unlink(missing_ok=True)
        say(f"Removed an unreadable {path.name} (the list of a run's processes).")
        return 0
    alive = [pid for pid, marker in children if pid != os.getpid() and _alive(pid, marker)]
    # A run still supervising would start its children again: it is asked to stop first (it
    # stops them itself), then whatever is left is stopped here.
    supervisors = [pid for pid, marker in children if marker == SUPERVISOR_MARKER and pid in alive]
    for pid in supervisors:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(pid, SUPERVISOR_MARKER) for pid in supervisors):
        time.sleep(0.1)
    for pid in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid, m) for pid, m in children if pid in alive):
        time.sleep(0.1)
    for pid, marker in children:
        if pid in alive and _alive(pid, marker):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    path.unlink(missing_ok=True)
    if alive:
        say(f"Stopped {len(alive)} process(es) left running by an earlier run.")
    return len(alive)


class Command(BaseCommand):
    help = "Run the desk (gunicorn, Celery worker, beat) with demo content; --dev for the autoreloading server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--no-demo", action="store_true")
        parser.add_argument("--dev", action="store_true", help="runserver with autoreload (needs DEBUG=1)")
        parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: by cores)")
        parser.add_argument("--stop", action="store_true", help="stop what an earlier run left running, then exit")

    def say(self, line: str) -> None:
        self.stderr.write(line, style_func=lambda s: s)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["stop"]:
            leftovers_stop(self.say)
            if settings.LOCAL_DESK:
                stopped = embedded_db.stop()
                self.stdout.write("Stopped the embedded PostgreSQL." if stopped else "Nothing else was running.")
            return
        port = int(options["port"])
        leftovers_stop(self.say)
        if settings.LOCAL_DESK:
            left_running = embedded_db.is_running()
            status = embedded_db.ensure_database(settings.DATABASES["default"]["NAME"], say=self.say)
            if left_running or status == "adopted":
                self.say(
                    "Adopted the embedded PostgreSQL left running by an earlier run; Ctrl-C (or `make stop`) stops it."
                )
        state_files.state_repair(say=self.say)
        call_command("migrate", interactive=False, verbosity=0)
        if not options["no_demo"]:
            call_command("load_demo", force=True)
        if not options["dev"] and not static_is_current():
            call_command("collectstatic", interactive=False, verbosity=0)
        # Stored story pages made by other templates or translations (a new checkout, an upgrade)
        # are rendered again now, so readers are served the stored page, not the slower fallback.
        call_command("site_pages_render", verbosity=0)
        workers = 1 if options["dev"] else (options["workers"] or web_workers())
        worker_concurrency = 2
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_connections")
            max_connections = int(cursor.fetchone()[0])
        per_process = pool_size(
            max_connections=max_connections, processes=workers + worker_concurrency + 1, cap=8 if options["dev"] else 4
        )
        connections.close_all()
        close_pool = getattr(connection, "close_pool", None)
        if close_pool is not None:
            close_pool()  # no pool threads across the fork below

        python = sys.executable
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PORT": str(port), "DB_POOL_MAX_SIZE": str(per_process)}
        # The demo's made-up accounts work without second factors unless asked; every desk page
        # then shows a banner saying so (README: "Second factors").
        env.setdefault("DESK_REQUIRE_SECOND_FACTOR", "0")
        if options["dev"]:
            web = [python, "manage.py", "runserver", f"127.0.0.1:{port}"]
        else:
            web = [
                str(Path(python).parent / "gunicorn"), "newsroom.wsgi", "--workers", str(workers),
                "--worker-class", "gthread", "--threads", str(WEB_THREADS), "--keep-alive", "5",
                "--bind", f"127.0.0.1:{port}", "--no-control-socket", "--timeout", "60",
                "--graceful-timeout", "10", "--log-level", "warning",
            ]  # fmt: skip
        commands = {
            "web": web,
            "worker": [
                python, "-m", "celery", "-A", "newsroom", "worker", "--loglevel=INFO",
                f"--concurrency={worker_concurrency}", "--without-gossip", "--without-mingle",
            ],
            "beat": [
                python, "-m", "celery", "-A", "newsroom", "beat", "--loglevel=INFO",
                f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
            ],
        }  # fmt: skip

        def start(cmd: list[str]) -> subprocess.Popen[bytes]:
            return subprocess.Popen(cmd, env=env, cwd=settings.BASE_DIR, preexec_fn=_die_with_parent)  # noqa: S603, PLW1509

        markers = {"web": "runserver" if options["dev"] else "gunicorn", "worker": "worker", "beat": "beat"}
        children = {name: Supervised(name, cmd, markers[name], start) for name, cmd in commands.items()}

        def record_pids() -> None:
            record = {
                "children": [
                    {"pid": os.getpid(), "marker": SUPERVISOR_MARKER},  # `make stop` stops this run first
                    *({"pid": c.proc.pid, "marker": c.marker} for c in children.values()),
                ]
            }
            state_files.atomic_write(_pids_file(), json.dumps(record).encode())

        record_pids()
        mode = "development server (DEBUG, autoreload)" if options["dev"] else f"gunicorn, {workers} workers"
        self.stdout.write(
            self.style.SUCCESS(
                f"\nThe desk is up ({mode}; {per_process} database connections per process):\n"
                f"  public site  http://127.0.0.1:{port}/\n  desk         http://127.0.0.1:{port}/desk/\n"
                f"  log in       http://127.0.0.1:{port}/accounts/login/\n  admin        http://127.0.0.1:{port}/admin/\n"
                + (
                    "Second factors are not required (the demo; DESK_REQUIRE_SECOND_FACTOR=1 requires them).\n"
                    if env["DESK_REQUIRE_SECOND_FACTOR"] in ("0", "false", "False", "")
                    else "Second factors are required for reviewers, editors and the admin.\n"
                )
                + "Press Ctrl-C to stop everything.\n"
            )
        )
        stopping = False

        def stop(*_args: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                if any([child.check(self.say) for child in children.values()]):
                    record_pids()
                time.sleep(0.5)
        finally:
            procs = [child.proc for child in children.values()]
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for proc in procs:
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
            _pids_file().unlink(missing_ok=True)
            if settings.LOCAL_DESK:
                embedded_db.stop()
            self.stdout.write("Stopped.")
