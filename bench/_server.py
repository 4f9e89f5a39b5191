"""What every HTTP benchmark needs: a free port, the desk under gunicorn, and a clean stop.

gunicorn runs with 2 sync workers and no control socket (gunicorn 27 opens one at a fixed
path by default, so two servers on one machine would collide). Benchmarks import this as
``from _server import …``: Python puts ``bench/`` on the path when a script in it runs.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gunicorn_start(
    *,
    env: dict[str, str],
    port: int,
    staff_port: int | None = None,
    log_level: str = "warning",
    log: IO[Any] | int | None = None,
    timeout: float = 30,
) -> subprocess.Popen[bytes]:
    """Start the desk on 127.0.0.1:``port`` and return once it accepts connections.
    ``staff_port``: a second address for the desk's own requests, as production's load balancer
    sends them (deploy: the staff bind); each worker takes turns between the two queues."""
    binds = ["--bind", f"127.0.0.1:{port}"] + (["--bind", f"127.0.0.1:{staff_port}"] if staff_port else [])
    proc = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [GUNICORN, "newsroom.wsgi", "--workers", "2", *binds,
         "--no-control-socket", "--log-level", log_level],
        cwd=ROOT, env=env, stdout=log, stderr=log,
    )  # fmt: skip
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not come up")


def threads_run(threads: list[threading.Thread], stop: threading.Event, seconds: float) -> None:
    """Start ``threads``, let them run for ``seconds``, then stop them and wait for them."""
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)


def stop(proc: subprocess.Popen[bytes] | None, timeout: float = 10) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


def django_for_import(database: str, **env: str) -> None:
    """Set up Django in this process on the embedded database ``database``, migrated, the way
    import benchmarks need it: DEBUG off (with DEBUG on Django keeps every query and its
    parameters in memory), a throwaway secret, loopback fetching allowed; ``env`` adds more."""
    import os

    sys.path.insert(0, str(ROOT))
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + os.urandom(16).hex())
    os.environ["DESK_IMPORT_ALLOW_LOOPBACK"] = "1"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    from newsroom.core import embedded_db

    os.environ["DATABASE_URL"] = embedded_db.database_url(database)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
