"""Fault drill: PostgreSQL restarts while readers read and a translator autosaves.

Runs against a throwaway PostgreSQL of its own (Debian's initdb/pg_ctl, run as the ``pgserver``
system user when we are root, on a unix socket in a temporary folder), never the embedded
server other processes share. A gunicorn (2 workers) serves the desk from it. Then:

1. readers and the translator's autosave work (200);
2. PostgreSQL stops (``pg_ctl stop -m fast``): an autosave attempted now must fail with a
   non-2xx answer (so the editor shows "not saved" and keeps the text to retry), never a
   silent success;
3. PostgreSQL starts again: without restarting gunicorn, the retried autosave (same
   ``based_on``) succeeds and readers get 200 again (``CONN_HEALTH_CHECKS`` replaces the dead
   connections);
4. the database holds the retried text: nothing acknowledged was lost.

Prints the answers and ``lost: 0``; exits 1 if anything differs. ``tests/test_faults.py`` runs
it when ``DESK_FAULT_DRILLS=1``.

    .venv/bin/python bench/faults.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _server import free_port, gunicorn_start, stop  # noqa: E402
from load import JSON, PASSWORD, SETUP, Session, desk_env, forms_of, shell  # noqa: E402

from newsroom.core import embedded_db  # noqa: E402


class Postgres:
    """A private PostgreSQL in ``folder`` listening on a unix socket only."""

    def __init__(self, folder: Path) -> None:
        bin_dir = embedded_db._debian_bin_dir()
        if bin_dir is None:
            raise SystemExit(
                "Debian's PostgreSQL with contrib is needed (apt-get install postgresql postgresql-contrib)"
            )
        self.bin = bin_dir
        self.data = folder / "pgdata"
        self.socket = folder / "socket"
        self.as_user = ["runuser", "-u", "pgserver", "--"] if os.geteuid() == 0 else []
        folder.chmod(0o755)
        self.data.mkdir()
        self.socket.mkdir()
        if self.as_user:
            shutil.chown(self.data, "pgserver")
            shutil.chown(self.socket, "pgserver")
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bin / tool), *args], check=True, stdout=subprocess.DEVNULL)  # noqa: S603

    def pg_ctl(self, *args: str) -> None:
        options = f"-k {self.socket} -c listen_addresses='' -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-w", "-o", options, "-l", str(self.data / "log"), *args)

    def url(self, name: str) -> str:
        return f"postgres://postgres@/{name}?host={self.socket}"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp_name:
        tmp = Path(tmp_name)
        pg = Postgres(tmp)
        pg.pg_ctl("start")
        web = None
        try:
            import psycopg

            with psycopg.connect(host=str(pg.socket), user="postgres", dbname="postgres", autocommit=True) as conn:
                conn.execute("CREATE DATABASE desk")
            env = desk_env(tmp, pg.url("desk"))
            for args in (
                ["migrate", "--noinput"],
                ["load_demo", "--force", "--quiet-accounts"],
                ["collectstatic", "--noinput"],
            ):
                subprocess.run(
                    [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
                )  # noqa: S603
            people = shell(env, SETUP % {"password": PASSWORD, "translators": 1, "editors": 0}, "SETUP")
            username, translation_id = people["translators"][0]
            port = free_port()
            web = gunicorn_start(env=env, port=port, log_level="error")
            return drill(port, username, translation_id, pg, env)
        finally:
            stop(web, timeout=15)
            pg.pg_ctl("stop", "-m", "immediate")


def drill(port: int, username: str, translation_id: int, pg: Postgres, env: dict[str, str]) -> int:
    failures: list[str] = []
    translator = Session(port)
    translator.login(username)
    status, _headers, page = translator.request("GET", f"/desk/t/{translation_id}/")
    form = next((f for f in forms_of(page) if any(n == "based_on" for n, _v in f["fields"])), None)
    if status != 200 or form is None:
        print(f"the editor page is not there (HTTP {status}); cannot drill autosave")
        return 1
    version = int(next(v for name, v in form["fields"] if name == "based_on"))
    block_id = next(name for name in form["textareas"] if name.startswith("b-") and name.endswith("-text"))[2:-5]
    autosave = f"/desk/t/{translation_id}/autosave/"

    def save(text: str, based_on: int) -> tuple[int, str]:
        status, _h, body = translator.request(
            "POST", autosave, JSON({"based_on": based_on, "blocks": {block_id: {"text": text}}})
        )
        return status, body

    # Readers in the background all along: count their answers per phase.
    phase = ["before"]
    answers: Counter[tuple[str, int]] = Counter()
    stop = threading.Event()

    def read() -> None:
        reader = Session(port)
        while not stop.is_set():
            try:
                answers[(phase[0], reader.request("GET", "/")[0])] += 1
            except OSError:
                answers[(phase[0], 0)] += 1
            time.sleep(0.02)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for thread in readers:
        thread.start()

    status, body = save("before the restart", version)
    print(f"autosave before the restart: HTTP {status}")
    if status != 200:
        failures.append(f"autosave before the restart failed: {status}")
    else:
        version = json.loads(body)["edit_version"]

    phase[0] = "outage"
    pg.pg_ctl("stop", "-m", "fast")
    started = time.monotonic()
    status, _body = translator.request("GET", f"/desk/t/{translation_id}/")[0], ""
    print(f"editor page during the outage: HTTP {status}")
    status, _body = save("typed during the outage", version)
    print(f"autosave during the outage: HTTP {status} (must not be 2xx)")
    if 200 <= status < 300:
        failures.append("an autosave during the outage claimed success")
    time.sleep(0.5)
    pg.pg_ctl("start")
    print(f"PostgreSQL was down {time.monotonic() - started:.1f} s")

    phase[0] = "after"
    status, body = save("typed during the outage", version)  # editor.js retries the same text
    print(f"retried autosave after the restart: HTTP {status}")
    if status != 200:
        failures.append(f"the retried autosave failed: {status}")
    time.sleep(1.0)
    stop.set()
    for thread in readers:
        thread.join(timeout=30)
    for (name, code), count in sorted(answers.items()):
        print(f"readers {name:<7} HTTP {code}: {count}")
    after = {code: n for (name, code), n in answers.items() if name == "after"}
    if not after.get(200) or any(code != 200 for code in after):
        failures.append(f"readers after the restart: {after}")

    stored = shell(
        env,
        f"from translations.models import Translation\nt = Translation.objects.get(pk={translation_id})\n"
        f"print('TEXT ' + json.dumps(t.block_text({block_id!r})))",
        "TEXT",
    )
    lost = 0 if stored == "typed during the outage" else 1
    print(f"stored text: {stored!r}")
    print(f"lost: {lost}")
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures or lost else 0


if __name__ == "__main__":
    sys.exit(main())
