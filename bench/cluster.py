"""The production topology on this machine, from Debian packages: ``make cluster``.

Every part is a child process of this script (Ctrl-C stops them all, in order) and its data
lives under ``.data/cluster/`` (``CLUSTER_DIR``), wiped at each start:

* PostgreSQL 15 **primary** and a **streaming replica** (``pg_basebackup -R``, hot standby,
  a replication slot), each on its own 127.0.0.1 port, run as the ``pgserver`` user when we
  are root (PostgreSQL refuses root);
* **Redis** (``appendonly yes``): the Celery broker (db 0) and the shared page cache (db 1);
* **two web nodes** (gunicorn, 2 sync workers each, production settings: DEBUG off, whitenoise
  with hashed static files) behind **haproxy** on 127.0.0.1:8080 (``CLUSTER_PORT``), which
  checks ``/healthz`` every second;
* **two Celery workers** (``acks_late``) and exactly one **beat**;
* **Varnish** in front of haproxy (``bench/cluster_edge.py``, ``deploy/varnish/desk.vcl``): public
  pages and API answers, purged by ``xkey`` after each change (``CLUSTER_EDGE=0`` leaves it out).

Every process gets the same environment (:meth:`Cluster.desk_env`), the one
docs/DEPLOYMENT.md describes: ``DATABASE_URL`` names both PostgreSQL servers (libpq
multi-host, ``target_session_attrs=read-write``) so a promoted replica is found without a
restart, and ``DATABASE_REPLICA_URL`` names the replica first (``prefer-standby``) for the
lag-tolerant reads of ``newsroom/core/db_routing.py``. Only ``DESK_HTTPS=0`` differs from a real
deployment: nothing terminates TLS here.

Other ports are free ones picked at start, so several clusters (and other servers) can run on
one machine. ``bench/cluster_drill.py`` drives the same class to break things on purpose.

    .venv/bin/python bench/cluster.py          # CLUSTER_PORT=8080 CLUSTER_DIR=.data/cluster
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import cluster_edge  # noqa: E402
from _server import free_port  # noqa: E402

from newsroom.core import embedded_db  # noqa: E402

PYTHON = sys.executable
BIN = Path(PYTHON).parent
DB_NAME = "desk"


def wait_for(predicate: Any, timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:  # noqa: S110 - not up yet
            pass
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - 127.0.0.1 only
        return bool(response.status == 200)


class Cluster:
    def __init__(
        self,
        folder: Path,
        *,
        lb_port: int,
        web_workers: int = 2,
        extra_env: dict[str, str] | None = None,
        log_level: str = "WARNING",
    ) -> None:
        self.dir = folder
        self.lb_port = lb_port
        self.web_workers = web_workers
        self.extra_env = extra_env or {}
        self.log_level = log_level
        self.bin = embedded_db._debian_bin_dir()
        if self.bin is None or not shutil.which("redis-server") or not shutil.which("haproxy"):
            raise SystemExit("needs Debian's postgresql, postgresql-contrib, redis-server and haproxy (make install)")
        self.pg_user = "pgserver" if os.geteuid() == 0 else None
        self.ports = {name: free_port() for name in ("primary", "replica", "redis", "web1", "web2")}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.logs = self.dir / "logs"
        self.secret = secrets.token_urlsafe(50)
        # Varnish in front of haproxy (bench/cluster_edge.py); CLUSTER_EDGE=0 leaves it out.
        self.edge = cluster_edge.Edge(self) if os.environ.get("CLUSTER_EDGE", "1") != "0" else None

    # --- processes ------------------------------------------------------------------

    def spawn(self, name: str, args: list[str], *, env: dict[str, str] | None = None, user: str | None = None) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(  # noqa: S603 - our own commands
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, user=user, start_new_session=True,
        )  # fmt: skip
        log.close()

    def alive(self, name: str) -> bool:
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    def kill(self, name: str, sig: int = signal.SIGKILL, timeout: float = 30) -> None:
        """Send ``sig`` to the process group of ``name`` (SIGKILL: the machine is gone)."""
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        order = ["edge", "lb", "web1", "web2", "beat", "worker1", "worker2", "redis", "replica", "primary"]
        for name in order + [n for n in self.procs if n not in order]:
            self.kill(name, signal.SIGTERM if name not in ("primary", "replica") else signal.SIGINT, timeout=20)

    # --- PostgreSQL -----------------------------------------------------------------

    def pg_run(self, tool: str, *args: str) -> None:
        result = subprocess.run(  # noqa: S603
            [str(self.bin / tool), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            user=self.pg_user, cwd="/",
        )  # fmt: skip
        if result.returncode:
            raise RuntimeError(f"{tool} failed: {result.stderr.strip()}")

    def pg_start(self, name: str) -> None:
        data = self.dir / f"pg-{name}"
        self.spawn(
            name,
            [str(self.bin / "postgres"), "-D", str(data), "-c", f"port={self.ports[name]}",
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.dir / 'sockets'}"],
            user=self.pg_user,
        )  # fmt: skip
        wait_for(lambda: self.pg_ready(name), 60, f"PostgreSQL {name}")

    def pg_ready(self, name: str) -> bool:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.ports[name], user="postgres", dbname="postgres"):
            return True

    def sql(self, name: str, query: str) -> Any:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.ports[name], user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            cursor = conn.execute(query)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    def start_databases(self) -> None:
        primary, replica, sockets = self.dir / "pg-primary", self.dir / "pg-replica", self.dir / "sockets"
        for folder in (primary, replica, sockets):
            folder.mkdir(mode=0o700)
            if self.pg_user:
                shutil.chown(folder, self.pg_user)
                embedded_db.parents_traversable(folder)  # e.g. a clone under a root-only `mktemp -d`
        self.pg_run("initdb", "-D", str(primary), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        with (primary / "postgresql.conf").open("a") as conf:
            # Streaming replication (initdb's pg_hba.conf already trusts replication from 127.0.0.1).
            conf.write("\nwal_level = replica\nmax_wal_senders = 5\nmax_replication_slots = 5\n")
            conf.write("hot_standby = on\nhot_standby_feedback = on\nwal_keep_size = 256MB\n")
            if os.environ.get("CLUSTER_FSYNC", "on") == "off":  # the test's short drill: speed over durability
                conf.write("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        self.pg_start("primary")
        self.sql("primary", f"CREATE DATABASE {DB_NAME}")
        self.pg_run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.ports["primary"]), "-U", "postgres",
            "-D", str(replica), "-R", "-X", "stream", "-C", "-S", "replica1", "--no-sync", "-c", "fast",
        )  # fmt: skip
        self.pg_start("replica")
        wait_for(
            lambda: self.sql("primary", "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")[0][0],
            60,
            "the replica to stream",
        )

    def stop_primary(self) -> None:
        """Stop the primary as an operator would (fast shutdown: sends the last WAL to the standby)."""
        self.kill("primary", signal.SIGINT, timeout=60)

    def promote_replica(self) -> None:
        self.sql("replica", "SELECT pg_promote(wait => true)")

    # --- Redis, web, workers, load balancer -----------------------------------------

    def start_redis(self) -> None:
        (self.dir / "redis").mkdir(exist_ok=True)
        self.spawn(
            "redis",
            ["redis-server", "--port", str(self.ports["redis"]), "--bind", "127.0.0.1", "--dir", str(self.dir / "redis"),
             "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no",
             "--protected-mode", "yes", "--unixsocket", ""],
        )  # fmt: skip
        wait_for(lambda: port_open(self.ports["redis"]), 30, "Redis")

    def restart_redis(self) -> None:
        self.kill("redis", signal.SIGTERM)  # redis flushes its append-only file on SIGTERM
        self.start_redis()

    def desk_env(self) -> dict[str, str]:
        p = self.ports
        lb = f"http://127.0.0.1:{self.lb_port}"
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DESK_", "CELERY_"))},
            "SECRET_KEY": self.secret,
            "DEBUG": "0",
            "DESK_TESTING": "0",
            "DATABASE_URL": (
                f"postgres://postgres@127.0.0.1:{p['primary']},127.0.0.1:{p['replica']}/{DB_NAME}"
                "?target_session_attrs=read-write&connect_timeout=3"
            ),
            "DATABASE_REPLICA_URL": (
                f"postgres://postgres@127.0.0.1:{p['replica']},127.0.0.1:{p['primary']}/{DB_NAME}"
                "?target_session_attrs=prefer-standby&connect_timeout=3"
            ),
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{p['redis']}/0",
            "REDIS_CACHE_URL": f"redis://127.0.0.1:{p['redis']}/1",
            "CELERY_VISIBILITY_TIMEOUT": "300",
            "CELERY_BEAT_SCHEDULE": str(self.dir / "celerybeat-schedule"),
            "TRUSTED_PROXIES": "127.0.0.1",  # haproxy adds X-Forwarded-For: the API limit counts each reader
            # The demo's made-up accounts have no second factor: as `make run`, the requirement is off
            # (every desk page says so) unless DESK_REQUIRE_SECOND_FACTOR=1 is given.
            "DESK_REQUIRE_SECOND_FACTOR": os.environ.get("DESK_REQUIRE_SECOND_FACTOR", "0"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": lb,
            "SITE_URL": lb,
            "DESK_HTTPS": "0",  # no TLS terminates here; a real balancer sends X-Forwarded-Proto: https
            "STATIC_ROOT": str(self.dir / "static"),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.dir / "mail"),
            "LOG_LEVEL": self.log_level,
            "PYTHONPATH": str(ROOT),
            **(self.edge.env() if self.edge else {}),
            **self.extra_env,
        }

    def manage(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.desk_env(), capture_output=True, text=True
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}")
        return result.stdout

    def start_web(self, n: int) -> None:
        name, port = f"web{n}", self.ports[f"web{n}"]
        self.spawn(
            name,
            [str(BIN / "gunicorn"), "newsroom.wsgi", "--workers", str(self.web_workers), "--bind", f"127.0.0.1:{port}",
             "--no-control-socket", "--forwarded-allow-ips", "127.0.0.1", "--timeout", "30",
             "--graceful-timeout", "10", "--log-level", "warning"],
            env=self.desk_env(),
        )  # fmt: skip
        wait_for(lambda: http_ok(f"http://127.0.0.1:{port}/healthz"), 60, name)

    def start_worker(self, n: int) -> None:
        self.spawn(
            f"worker{n}",
            [PYTHON, "-m", "celery", "-A", "newsroom", "worker", "--pool=solo", "-n", f"worker{n}@%h",
             "--loglevel=INFO", "--without-gossip", "--without-mingle"],
            env=self.desk_env(),
        )  # fmt: skip

    def start_beat(self) -> None:
        self.spawn(
            "beat",
            [PYTHON, "-m", "celery", "-A", "newsroom", "beat", "--loglevel=INFO",
             "--schedule", str(self.dir / "celerybeat-schedule")],
            env=self.desk_env(),
        )  # fmt: skip

    def haproxy_config(self, webs: list[int]) -> str:
        servers = "\n".join(f"  server web{n} 127.0.0.1:{self.ports[f'web{n}']}" for n in webs)
        return f"""# Written by bench/cluster.py. One frontend, the web nodes behind it, checked every second.
global
  maxconn 4096

defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 35s
  timeout http-request 10s
  option http-server-close
  option forwardfor
  # A refused connection (a dead node) is retried on another node: the request never reached one.
  retries 3
  option redispatch 1
  retry-on conn-failure

frontend desk
  bind 127.0.0.1:{self.lb_port}
  default_backend web

backend web
  balance roundrobin
  option httpchk
  http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
  http-check expect status 200
  # A dead node refuses at once; a busy one may take a while to answer (sync workers queue).
  timeout check 3s
  default-server check inter 1s fastinter 500ms downinter 1s fall 3 rise 2
{servers}
"""

    def start_lb(self, webs: list[int] | None = None) -> None:
        config = self.dir / "haproxy.cfg"
        config.write_text(self.haproxy_config(webs or [1, 2]))
        self.spawn("lb", ["haproxy", "-db", "-f", str(config)])
        wait_for(lambda: http_ok(f"{self.url}/healthz"), 30, "haproxy")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.lb_port}"

    # --- all of it ------------------------------------------------------------------

    def start(self, *, demo: bool = True, say: Any = print) -> None:
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        self.dir.chmod(0o755)  # the pgserver user must reach its data folders
        self.logs.mkdir()
        say(f"cluster: data and logs under {self.dir}")
        self.start_databases()
        say(f"cluster: PostgreSQL primary :{self.ports['primary']} → streaming replica :{self.ports['replica']}")
        self.start_redis()
        say(f"cluster: Redis :{self.ports['redis']} (appendonly)")
        static = subprocess.Popen(  # noqa: S603 - meanwhile: it needs no database
            [PYTHON, "manage.py", "collectstatic", "--noinput"], cwd=ROOT, env=self.desk_env(),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        self.manage("migrate", "--noinput")
        if static.wait() != 0:
            raise RuntimeError("collectstatic failed: " + (static.stderr.read().decode() if static.stderr else ""))
        if demo:
            out = self.manage("load_demo", "--force")
            say("\n".join("  " + line for line in out.strip().splitlines()[-12:]))
        for n in (1, 2):
            self.start_web(n)
        self.start_lb()
        if self.edge:
            self.edge.start()
        for n in (1, 2):
            self.start_worker(n)
        self.start_beat()
        wait_for(lambda: self.sql("replica", "SELECT pg_is_in_recovery()")[0][0], 10, "the replica in recovery")


def main() -> int:
    folder = Path(os.environ.get("CLUSTER_DIR", str(ROOT / ".data" / "cluster"))).resolve()
    cluster = Cluster(folder, lb_port=int(os.environ.get("CLUSTER_PORT", "8080")), log_level="INFO")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        cluster.start()
        p = cluster.ports
        print(
            f"\nThe desk runs on the production topology:\n"
            f"  site        {cluster.url}/\n"
            f"  desk        {cluster.url}/desk/   (the demo accounts above)\n"
            f"  health      {cluster.url}/healthz\n"
            + (f"  edge        {cluster.edge.url}/   (Varnish, xkey purges)\n" if cluster.edge else "")
            + f"  web nodes   http://127.0.0.1:{p['web1']}/  http://127.0.0.1:{p['web2']}/  (gunicorn, behind haproxy)\n"
            f"  PostgreSQL  primary 127.0.0.1:{p['primary']}, replica 127.0.0.1:{p['replica']}\n"
            f"  Redis       127.0.0.1:{p['redis']} (broker db 0, page cache db 1)\n"
            f"  workers     2 Celery workers + 1 beat; emails written to {folder / 'mail'}\n"
            f"  logs        {cluster.logs}\n"
            f"Ctrl-C stops everything.",
            flush=True,
        )
        while True:
            time.sleep(1)
            dead = [name for name, proc in cluster.procs.items() if proc.poll() is not None]
            if dead:
                print(f"cluster: {', '.join(dead)} exited; see {cluster.logs}; stopping", flush=True)
                return 1
    except KeyboardInterrupt:
        print("\ncluster: stopping", flush=True)
        return 0
    finally:
        cluster.stop_all()


if __name__ == "__main__":
    sys.exit(main())
