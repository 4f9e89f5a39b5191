"""`make run`'s stack (``manage.py run_desk``) on its own embedded PostgreSQL and data folder.

1. It serves like production: 200 concurrent clients get no 5xx (bounded pools per process,
   under PostgreSQL's ``max_connections``), unknown addresses get the site's 404 with the CSP.
2. The kill drill: SIGKILL the whole process group at several moments (start-up, migrations,
   demo load, while a translator autosaves and an editor publishes, while the worker sends
   email), damage each state file in turn, start again with the one command. Every time the
   desk comes back, every acknowledged autosave and transition is in the database, and no
   notification email goes out twice.

Both tests share one data folder (the first start runs initdb and every migration), in order,
on one xdist worker.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "drill-password-1"  # noqa: S105

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("desk-stack")]


class Stack:
    """One ``run_desk`` in its own process group, on ``data`` and ``port``."""

    def __init__(self, data: Path, port: int, log_dir: Path, mail_log: Path) -> None:
        self.data, self.port, self.log_dir, self.mail_log = data, port, log_dir, mail_log
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, **extra: str) -> dict[str, str]:
        drop = {"DATABASE_URL", "DESK_TESTING", "DEBUG", "SECRET_KEY", "CELERY_BROKER_URL", "EMAIL_URL", "PORT"}
        drop |= {"DJANGO_SETTINGS_MODULE", "CELERY_TASK_ALWAYS_EAGER", "STATIC_ROOT", "CACHE_DIR", "CELERY_BROKER_DIR"}
        env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PYTEST_")}
        env.update(
            DESK_DATA_DIR=str(self.data),
            DEMO_PASSWORD=PASSWORD,
            EMAIL_BACKEND="tests.slow_mail_backend.SlowEmailBackend",
            SLOW_MAIL_FILE=str(self.mail_log),
            SLOW_MAIL_SECONDS="2",
            PYTHONPATH=str(ROOT),
            LOG_LEVEL="WARNING",
            **extra,
        )
        return env

    def start(self, **extra: str) -> None:
        self.starts += 1
        self.out = self.log_dir / f"run-{self.starts}.out"
        self.err = self.log_dir / f"run-{self.starts}.err"
        self.proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "run_desk", "--workers", "2", "--port", str(self.port)],
            cwd=ROOT, env=self.env(**extra), stdout=self.out.open("wb"), stderr=self.err.open("wb"),
            start_new_session=True,
        )  # fmt: skip

    def stderr(self) -> str:
        return self.err.read_text(errors="replace")

    def wait_up(self, timeout: float = 120) -> float:
        started = time.monotonic()
        deadline = started + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None and self.proc.poll() is None, self.stderr()[-3000:]
            if "The desk is up" in self.out.read_text(errors="replace"):
                try:
                    with urllib.request.urlopen(self.base + "/", timeout=5) as r:  # noqa: S310
                        if r.status == 200:
                            return time.monotonic() - started
                except (urllib.error.URLError, OSError):
                    pass
            time.sleep(0.2)
        raise AssertionError("the desk did not come up:\n" + self.stderr()[-3000:])

    def kill(self) -> None:
        """SIGKILL the whole process group, as a supervisor or the OOM killer would."""
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=10)
        deadline = time.monotonic() + 10  # the group's other members go too
        while time.monotonic() < deadline and _group_alive(self.proc.pid):
            time.sleep(0.05)

    def interrupt(self) -> int:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGINT)
        return self.proc.wait(timeout=60)

    def sql(self, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(host=str(self.data / "postgres"), user="postgres", dbname="newsroom") as conn:
            return conn.execute(query, params).fetchall()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _group_alive(pgid: int) -> bool:
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if os.getpgid(int(proc.name)) == pgid:
                    return True
            except (ProcessLookupError, PermissionError):
                continue
    return False


class Browser:
    """A logged-in person over real HTTP: cookies and the CSRF token, as the desk's pages send them."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        page = self.get("/accounts/login/")[1]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page[:500]
        status, _ = self.post("/accounts/login/", {"username": username, "password": PASSWORD})
        assert status == 302, f"login as {username} answered {status}"

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")

    def post(self, path: str, data: dict[str, Any] | None = None, *, body: Any = None) -> tuple[int, str]:
        headers = {"X-CSRFToken": self.csrf(), "Referer": self.base + path}
        if body is not None:
            payload, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        else:
            fields = {"csrfmiddlewaretoken": self.csrf(), **(data or {})}
            payload = urllib.parse.urlencode(fields, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=payload, headers=headers, method="POST")  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@pytest.fixture(scope="module")
def stack():
    # Not under pytest's basetemp: each pytest session makes that private to root again, and
    # the server runs as the unprivileged pgserver user when we are root.
    root = Path(tempfile.mkdtemp(prefix="desk-stack-"))
    root.chmod(0o755)
    logs = root / "logs"
    logs.mkdir()
    s = Stack(root / "data", free_port(), logs, root / "mail.log")
    yield s
    if s.proc is not None and s.proc.poll() is None:
        s.kill()
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "newsroom.core.embedded_db", "stop"],
        cwd=ROOT,
        env=s.env(),
        capture_output=True,
        timeout=90,
    )
    shutil.rmtree(root, ignore_errors=True)


def test_make_run_serves_200_concurrent_clients_without_5xx(stack):
    stack.start()
    stack.wait_up(timeout=240)
    assert "Demo accounts (password: " + PASSWORD + ")" in stack.out.read_text()
    article = stack.sql("SELECT slug_en FROM newsroom_article WHERE slug_en <> '' LIMIT 1")[0][0]
    paths = ["/", "/nope-" + "x" * 8, "/accounts/login/", "/desk/", "/feeds/rss.xml", "/archive/"]
    paths += [p for p in _links(stack.base + "/") if p.startswith("/")][:4] or [f"/{article}/"]
    barrier = threading.Barrier(200)

    def client(i: int) -> list[int]:
        barrier.wait(timeout=60)
        codes = []
        for path in (paths[i % len(paths)], paths[(i + 1) % len(paths)]):
            try:
                with urllib.request.urlopen(stack.base + path, timeout=60) as r:  # noqa: S310
                    codes.append(r.status)
            except urllib.error.HTTPError as e:
                codes.append(e.code)
        return codes

    peak = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], stack.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'newsroom'")[0][0])
            time.sleep(0.1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=200) as pool:
            codes = [c for result in pool.map(client, range(200)) for c in result]
    finally:
        done.set()
        watcher.join()
    assert len(codes) == 400
    assert [c for c in codes if c >= 500] == []
    assert codes.count(200) >= 250, sorted(set(codes))
    max_connections = int(stack.sql("SHOW max_connections")[0][0])
    assert peak[0] < max_connections - 10

    # Production mode: the site's own 404 page with the CSP, no debug page.
    try:
        urllib.request.urlopen(stack.base + "/no-such-page/", timeout=10)  # noqa: S310
        raise AssertionError("expected a 404")
    except urllib.error.HTTPError as e:
        body = e.read().decode()
        assert e.code == 404 and "URLconf" not in body and "<main" in body
        assert "script-src 'self'" in e.headers["Content-Security-Policy"]

    # Ctrl-C stops everything, the embedded database too.
    assert stack.interrupt() == 0, stack.stderr()[-3000:]
    assert "Stopped." in stack.out.read_text()
    assert not (stack.data / "postgres" / "postmaster.pid").exists()


def _child_pid(stack: Stack, marker: str) -> int:
    record = json.loads((stack.data / "run_desk.json").read_text())
    return next(int(c["pid"]) for c in record["children"] if c["marker"] == marker)


def _answers_quickly(stack: Stack, path: str = "/") -> float:
    started = time.monotonic()
    with urllib.request.urlopen(stack.base + path, timeout=30) as r:  # noqa: S310
        assert r.status == 200
    return time.monotonic() - started


def test_slow_clients_and_a_crashed_worker_or_beat_do_not_stop_the_site(stack):
    """Eight unfinished requests hold eight threads, not the site; a worker and then beat killed
    (as the broker's JSONDecodeError once killed the worker) are started again, with a line
    saying so, while the site answers throughout."""
    stack.start()
    stack.wait_up(timeout=240)
    slow = []
    try:
        for _ in range(8):
            sock = socket.create_connection(("127.0.0.1", stack.port), timeout=10)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # and never the rest
            slow.append(sock)
        time.sleep(1)
        assert _answers_quickly(stack) < 5
        assert _answers_quickly(stack, "/archive/") < 5
    finally:
        for sock in slow:
            sock.close()

    for marker in ("worker", "beat"):
        pid = _child_pid(stack, marker)
        os.kill(pid, signal.SIGKILL)
        _wait(lambda: f"{marker} started again" in stack.stderr(), 30, f"{marker} to be started again")  # noqa: B023
        assert f"{marker} exited with -9" in stack.stderr()
        assert _answers_quickly(stack) < 5
        _wait(lambda: _child_pid(stack, marker) != pid, 10, "the new pid to be recorded")  # noqa: B023
        assert "stopping the desk" not in stack.stderr()
    assert stack.proc is not None and stack.proc.poll() is None  # the desk kept running

    # `make stop` from another terminal while this run still supervises: the run itself stops
    # (its children with it) rather than starting again what `make stop` killed.
    children = [_child_pid(stack, marker) for marker in ("gunicorn", "worker", "beat")]
    said_before = len(stack.stderr())
    stopper = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "run_desk", "--stop"],
        cwd=ROOT, env=stack.env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert stopper.returncode == 0, stopper.stderr[-2000:]
    assert stack.proc.wait(timeout=60) == 0, stack.stderr()[-3000:]
    assert "started again" not in stack.stderr()[said_before:]
    _wait(lambda: not any(Path(f"/proc/{pid}").exists() for pid in children), 20, "the children to be gone")
    assert not (stack.data / "run_desk.json").exists()


def _links(url: str) -> list[str]:
    with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310
        return re.findall(r'href="(/[^"#?]+)"', r.read().decode())


def _autosaver(stack: Stack, pk: int, acked: list[int], stop: threading.Event) -> None:
    """The translator's editor: autosave a numbered title until stopped; remember what was acknowledged."""
    try:
        who = Browser(stack.base, "translator")
    except (AssertionError, OSError, urllib.error.URLError):
        return
    n = max(acked, default=0)
    while not stop.is_set():
        n += 1
        try:
            version = stack.sql("SELECT edit_version FROM translations_translation WHERE id = %s", [pk])[0][0]
            status, _body = who.post(f"/desk/t/{pk}/autosave/", body={"based_on": version, "title": f"Draft {n}"})
        except (OSError, urllib.error.URLError, psycopg.Error):
            return
        if status == 200:
            acked.append(n)
        time.sleep(0.05)


def _saved_draft(stack: Stack, pk: int) -> int:
    title = stack.sql("SELECT title FROM translations_translation WHERE id = %s", [pk])[0][0]
    match = re.fullmatch(r"Draft (\d+)", title or "")
    return int(match.group(1)) if match else 0


def test_kill_drill_ten_rounds(stack):
    """Ten kills and restarts; prints each round's time to come back."""
    started = time.monotonic()
    data = stack.data
    acked: list[int] = []
    published: list[int] = []
    came_back: list[float] = []

    def restart(expect: str | None = None) -> None:
        stack.start()
        came_back.append(stack.wait_up())
        if expect:
            assert expect in stack.stderr(), stack.stderr()[-2000:]
        # Nothing acknowledged was lost.
        if acked:
            assert _saved_draft(stack, job) >= max(acked)
        for pk in published:
            assert stack.sql("SELECT state FROM translations_translation WHERE id = %s", [pk])[0][0] == "published"

    # Rounds 1-3: killed during start-up (the database starting), migrations and the demo load.
    stack.start()
    time.sleep(0.5)
    stack.kill()
    subprocess.run(  # noqa: S603 - starts the server if the kill came before it was up
        [sys.executable, "-m", "newsroom.core.embedded_db"], cwd=ROOT, env=stack.env(), check=True, timeout=120
    )
    with psycopg.connect(host=str(data / "postgres"), user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'newsroom'")
        conn.execute("DROP DATABASE newsroom")  # a first run: every migration runs again
    stack.mail_log.unlink(missing_ok=True)  # a new desk: its notifications start afresh
    stack.start()
    _wait(lambda: _count(stack, "SELECT count(*) FROM django_migrations") > 5, 60, "migrations to run")
    stack.kill()
    stack.start()
    _wait(lambda: "Demo accounts" in stack.out.read_text() or _demo_loading(stack), 90, "the demo load")
    stack.kill()
    restart("Adopted the embedded PostgreSQL")

    job = stack.sql("SELECT t.id FROM translations_translation t WHERE t.state = 'in_progress' ORDER BY t.id LIMIT 1")[
        0
    ][0]
    # Round 4: killed while the translator autosaves and an editor publishes.
    stop = threading.Event()
    saver = threading.Thread(target=_autosaver, args=(stack, job, acked, stop))
    saver.start()
    editor = Browser(stack.base, "editor")
    approved = stack.sql("SELECT id FROM translations_translation WHERE state = 'approved' ORDER BY id")
    for (pk,) in approved:
        status, _ = editor.post(f"/desk/t/{pk}/publish/", {"when": "now", "confirm": "on"})
        if status == 302:
            published.append(pk)
    assert published, "the editor could not publish"
    _wait(lambda: len(acked) >= 2, 120, "the translator's autosaves to be acknowledged")
    stack.kill()
    stop.set()
    saver.join()
    assert acked, "no autosave was acknowledged"

    # Round 5: killed while the worker sends the emails of a publication.
    marker = stack.mail_log.with_suffix(".started")
    marker.unlink(missing_ok=True)
    restart()
    editor = Browser(stack.base, "editor")
    for (pk,) in stack.sql("SELECT id FROM translations_translation WHERE state = 'scheduled' ORDER BY id"):
        status, _ = editor.post(f"/desk/t/{pk}/publish/", {"when": "now", "confirm": "on"})
        if status == 302:
            published.append(pk)
    _wait(marker.exists, 60, "the worker to send an email")
    stack.kill()

    # Rounds 6-10: each state file damaged in turn, and killed again while people work.
    damage = [
        ("secret_key", lambda: (data / "secret_key").write_text(""), "development secret key"),
        (
            "beat schedule",
            lambda: [p.write_bytes(b"\0garbage") for p in data.glob("celerybeat-schedule*")],
            "Celery beat schedule",
        ),
        (
            "broker queue",
            lambda: (data / "broker" / "in" / "0_drill.celery.msg").write_text('{"body": "trunc'),
            "damaged message file",
        ),
        (
            "page cache and handle file",
            lambda: (
                (data / "cache").mkdir(exist_ok=True),
                (data / "cache" / "drill.djcache").write_bytes(b"\x80garbage"),
                (data / "postgres" / ".handle_pids.json").write_text(""),
                (data / "run_desk.json").write_text("{"),
            ),
            "unreadable page cache",
        ),
        ("static manifest and postmaster", lambda: _kill_postmaster_and_truncate(data), "stale postmaster.pid"),
    ]
    for _name, spoil, expect in damage:
        spoil()
        restart(expect)
        stop = threading.Event()
        saver = threading.Thread(target=_autosaver, args=(stack, job, acked, stop))
        saver.start()
        before = len(acked)
        _wait(lambda: len(acked) > before, 120, "an autosave to be acknowledged")  # noqa: B023
        stack.kill()
        stop.set()
        saver.join()

    restart()
    stack.interrupt()
    elapsed = time.monotonic() - started
    lines = stack.mail_log.read_text().splitlines() if stack.mail_log.exists() else []
    print(f"\nkill drill: 10 kills, came back in {', '.join(f'{t:.1f}' for t in came_back)} s; total {elapsed:.0f} s")
    print(f"autosaves acknowledged: {len(acked)}, published: {len(published)}, emails: {len(lines)}")
    assert len(lines) == len(set(lines)), "an email went out twice: " + "\n".join(lines)
    assert elapsed < 600  # two minutes on an idle machine; see the printed figures


def _kill_postmaster_and_truncate(data: Path) -> None:
    pid = int((data / "postgres" / "postmaster.pid").read_text().split("\n", 1)[0])
    os.kill(pid, signal.SIGKILL)
    manifest = data / "static" / "staticfiles.json"
    if manifest.exists():
        manifest.write_text(manifest.read_text()[:20])


def _count(stack: Stack, query: str) -> int:
    try:
        return int(stack.sql(query)[0][0])
    except psycopg.Error:
        return 0


def _demo_loading(stack: Stack) -> bool:
    """True once migrations are done and the demo loader's transaction is open."""
    try:
        rows = stack.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'newsroom' AND xact_start IS NOT NULL")
    except psycopg.Error:
        return False
    return _count(stack, "SELECT count(*) FROM django_migrations") >= 36 and rows[0][0] > 1


def _wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def test_fresh_checkout_commands_work_on_the_embedded_database(stack):
    """No SECRET_KEY, an unmigrated database: import_article migrates it and gives its one-line answer."""
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "newsroom.core.embedded_db"], cwd=ROOT, env=stack.env(), check=True, timeout=120
    )
    with psycopg.connect(host=str(stack.data / "postgres"), user="postgres", dbname="postgres", autocommit=True) as c:
        c.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'newsroom'")
        c.execute("DROP DATABASE IF EXISTS newsroom")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "import_article", "http://127.0.0.1:9/story.html", "--json"],
        cwd=ROOT, env=stack.env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and result.stdout == ""
    assert lines[0] == "Migrating the embedded database first (a new checkout).", result.stderr
    assert lines[-1].startswith("Import refused:") and "loopback" in lines[-1], result.stderr
    assert "SECRET_KEY" not in result.stderr and "Traceback" not in result.stderr
    assert _count(stack, "SELECT count(*) FROM django_migrations") >= 36
