"""The production topology on this machine, from Debian packages: ``make cluster``.

Every part is a child process of this script (Ctrl-C stops them all, in order) and its data
lives under ``.data/cluster/`` (``CLUSTER_DIR``), wiped at each start:

* **etcd**: three members (a quorum of two), the store Patroni keeps its leader lock in;
* **PostgreSQL 15 under Patroni**: two nodes (``CLUSTER_PG_NODES``, 2 or 3), each a Patroni
  daemon (run as the ``pgserver`` user when we are root: PostgreSQL refuses root) with its
  REST API. Patroni bootstraps the first leader, clones the others as streaming replicas, and
  when the leader's PostgreSQL dies (``primary_start_timeout: 0``) or its host goes (the leader
  key expires after ``ttl``), promotes a replica by itself; the old primary comes back as a
  replica through ``pg_rewind`` (``use_pg_rewind``). ``CLUSTER_SYNC=1`` turns on Patroni's
  ``synchronous_mode`` (a commit waits for the replica);
* **haproxy** in front of everything: the site on 127.0.0.1:8080 (``CLUSTER_PORT``, the web
  nodes checked on ``/healthz`` every second, idempotent requests retried on another node), a
  **write** port to whichever node Patroni's REST API calls ``/primary`` and a **read** port to
  the ``/replica`` ones (each replica reached through ``bench/netcut.py``, a forwarder the drill
  can cut to partition it);
* **Redis with Sentinel**: a primary (``appendonly yes``), one replica and three
  ``redis-sentinel`` (quorum 2) that promote the replica when the primary is gone; the Celery
  broker (db 0) and the page cache (db 1) find the primary through the sentinels;
* **two web nodes** (gunicorn, 2 sync workers each, production settings: DEBUG off, whitenoise
  with hashed static files), **two Celery workers** (``acks_late``) and exactly one **beat**;
* **Varnish** in front of haproxy (``bench/cluster_edge.py``, ``deploy/varnish/desk.vcl``): public
  pages and API answers, purged by ``xkey`` after each change (``CLUSTER_EDGE=0`` leaves it out).

Every process gets the same environment (:meth:`Cluster.desk_env`), the one
docs/DEPLOYMENT.md describes: ``DATABASE_URL`` is haproxy's write port, ``DATABASE_REPLICA_URL``
its read port then the write port (libpq multi-host: with no replica up, reads go to the
primary), ``REDIS_SENTINELS`` the three sentinels. Only ``DESK_HTTPS=0`` differs from a real
deployment: nothing terminates TLS here.

Other ports are free ones picked at start, so several clusters (and other servers) can run on
one machine. ``bench/cluster_drill.py`` drives the same class to break things on purpose.

    .venv/bin/python bench/cluster.py          # CLUSTER_PORT=8080 CLUSTER_DIR=.data/cluster
"""

from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import cluster_edge  # noqa: E402

from newsroom.core import embedded_db  # noqa: E402

PYTHON = sys.executable
BIN = Path(PYTHON).parent
DB_NAME = "desk"
SCOPE = "desk"  # Patroni's cluster name (its keys in etcd) and Sentinel's name for the Redis primary
NEEDS = ("redis-server", "redis-sentinel", "haproxy", "patroni", "etcd")


def listen_port(taken: set[int]) -> int:
    """A free port below Linux's ephemeral range (32768–60999): the cluster's many outgoing
    connections (Patroni to etcd, pools, checks) take ephemeral ports, and one of them took a
    port picked there for haproxy before haproxy bound it."""
    while True:
        port = random.randint(20000, 32000)  # noqa: S311 - not a secret
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        taken.add(port)
        return port


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


def http_status(url: str, timeout: float = 1.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - 127.0.0.1 only
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


class Cluster:
    def __init__(
        self,
        folder: Path,
        *,
        lb_port: int,
        web_workers: int = 2,
        extra_env: dict[str, str] | None = None,
        log_level: str = "WARNING",
        pg_nodes: int | None = None,
    ) -> None:
        self.dir = folder
        self.lb_port = lb_port
        self.web_workers = web_workers
        self.extra_env = extra_env or {}
        self.log_level = log_level
        self.bin = embedded_db._debian_bin_dir()
        missing = [tool for tool in NEEDS if not shutil.which(tool)]
        if self.bin is None or missing:
            raise SystemExit(
                "needs Debian's postgresql, postgresql-contrib, redis-server, redis-sentinel, haproxy, patroni and "
                f"etcd-server (make install as root); missing: {' '.join(missing) or 'postgresql'}"
            )
        self.pg_user = "pgserver" if os.geteuid() == 0 else None
        self.nodes = [f"pg{n}" for n in range(1, 1 + (pg_nodes or int(os.environ.get("CLUSTER_PG_NODES", "2"))))]
        self.sync = os.environ.get("CLUSTER_SYNC", "") == "1"
        names = ["redis1", "redis2", "web1", "web2", "web1_staff", "web2_staff", "pg_write", "pg_read"]
        names += [f"etcd{n}{kind}" for n in (1, 2, 3) for kind in ("", "_peer")]
        names += [f"sentinel{n}" for n in (1, 2, 3)]
        names += [f"{node}{kind}" for node in self.nodes for kind in ("", "_rest", "_cut", "_rest_cut")]
        taken: set[int] = {lb_port}
        self.ports = {name: listen_port(taken) for name in names}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.logs = self.dir / "logs"
        self.secret = secrets.token_urlsafe(50)
        self.redis_args: dict[str, list[str]] = {}
        # Varnish in front of haproxy (bench/cluster_edge.py); CLUSTER_EDGE=0 leaves it out.
        self.edge = (
            cluster_edge.Edge(self, port=listen_port(taken)) if os.environ.get("CLUSTER_EDGE", "1") != "0" else None
        )

    # --- processes ------------------------------------------------------------------

    def spawn(
        self,
        name: str,
        args: list[str],
        *,
        env: dict[str, str] | None = None,
        user: str | None = None,
        cwd: Path | None = None,
    ) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(  # noqa: S603 - our own commands
            args, cwd=cwd or ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, user=user, start_new_session=True,
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
        order = ["edge", "lb", "web1", "web2", "beat", "worker1", "worker2"]
        order += ["sentinel1", "sentinel2", "sentinel3", "redis2", "redis1"]
        leader = self.leader()  # stopped last: stopping it first would make a replica take over
        order += sorted(self.nodes, key=lambda node: node == leader)
        order += [f"{node}_cut" for node in self.nodes] + ["etcd1", "etcd2", "etcd3"]
        for name in order + [n for n in self.procs if n not in order]:
            self.kill(name, signal.SIGTERM, timeout=30)
            if name in self.nodes:
                self.kill_postgres(name)  # Patroni stops its PostgreSQL; a Patroni killed earlier left it running

    # --- etcd: three members, where Patroni keeps the leader lock ---------------------

    def etcd_cluster(self) -> str:
        return ",".join(f"etcd{n}=http://127.0.0.1:{self.ports[f'etcd{n}_peer']}" for n in (1, 2, 3))

    def start_etcd_member(self, n: int, *, state: str = "new") -> None:
        name, client, peer = f"etcd{n}", self.ports[f"etcd{n}"], self.ports[f"etcd{n}_peer"]
        self.spawn(
            name,
            ["etcd", "--name", name, "--data-dir", str(self.dir / name),
             "--listen-client-urls", f"http://127.0.0.1:{client}", "--advertise-client-urls", f"http://127.0.0.1:{client}",
             "--listen-peer-urls", f"http://127.0.0.1:{peer}", "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
             "--initial-cluster", self.etcd_cluster(), "--initial-cluster-state", state,
             "--initial-cluster-token", f"desk-{self.secret[:8]}", "--log-level", "warn"],
        )  # fmt: skip

    def start_etcd(self) -> None:
        for n in (1, 2, 3):
            self.start_etcd_member(n)
        for n in (1, 2, 3):
            wait_for(lambda n=n: http_ok(f"http://127.0.0.1:{self.ports[f'etcd{n}']}/health"), 60, f"etcd{n}")

    def etcd_hosts(self) -> str:
        return ",".join(f"127.0.0.1:{self.ports[f'etcd{n}']}" for n in (1, 2, 3))

    # --- PostgreSQL under Patroni ---------------------------------------------------

    def patroni_config(self, node: str) -> dict[str, Any]:
        home = self.dir / node
        parameters: dict[str, Any] = {
            "unix_socket_directories": str(home),
            "wal_level": "replica",
            "hot_standby": "on",
            "hot_standby_feedback": "on",
            "wal_log_hints": "on",  # pg_rewind needs it (or data checksums)
            "max_wal_senders": 10,
            "max_replication_slots": 10,
            "wal_keep_size": "256MB",
            "max_connections": 200,
        }
        if os.environ.get("CLUSTER_FSYNC", "on") == "off":
            # The test's short drill: the OS keeps what PostgreSQL wrote when a process is killed, so
            # only a power cut would lose it. (synchronous_commit and full_page_writes stay on: a
            # SIGKILLed primary must lose no acknowledged commit, and pg_rewind needs full pages.)
            parameters["fsync"] = "off"
        return {
            "scope": SCOPE,
            "name": node,
            "log": {"level": "INFO"},
            "restapi": {
                "listen": f"127.0.0.1:{self.ports[f'{node}_rest']}",
                "connect_address": f"127.0.0.1:{self.ports[f'{node}_rest']}",
            },
            "etcd3": {"hosts": self.etcd_hosts()},
            "bootstrap": {
                "dcs": {
                    # The leader key lives 10 s unless renewed (every loop, each second); a dead
                    # leader's PostgreSQL is not waited for (primary_start_timeout 0): a replica
                    # no more than 1 MB behind is promoted at once.
                    "ttl": 10,
                    "loop_wait": 1,
                    "retry_timeout": 4,
                    "primary_start_timeout": 0,
                    "maximum_lag_on_failover": 1048576,
                    "synchronous_mode": self.sync,
                    "postgresql": {
                        "use_pg_rewind": True,
                        "use_slots": True,
                        "remove_data_directory_on_rewind_failure": True,
                        "remove_data_directory_on_diverged_timelines": True,
                        "parameters": parameters,
                    },
                },
                "initdb": [{"encoding": "UTF8"}, {"auth": "trust"}, "no-sync"],
            },
            "postgresql": {
                "listen": f"127.0.0.1:{self.ports[node]}",
                "connect_address": f"127.0.0.1:{self.ports[node]}",
                "data_dir": str(home / "data"),
                "bin_dir": str(self.bin),
                "pgpass": str(home / "pgpass"),
                "use_unix_socket": True,
                "basebackup": [{"checkpoint": "fast"}],  # a new replica clones at once (not after a spread checkpoint)
                "authentication": {
                    "superuser": {"username": "postgres", "password": "desk"},
                    "replication": {"username": "postgres", "password": "desk"},
                    "rewind": {"username": "postgres", "password": "desk"},
                },
                "pg_hba": [
                    "local all all trust",
                    "host all all 127.0.0.1/32 trust",
                    "host replication all 127.0.0.1/32 trust",
                ],
                "parameters": {"unix_socket_directories": str(home)},
            },
            "tags": {"nofailover": False, "noloadbalance": False, "clonefrom": False, "nosync": False},
        }

    def start_patroni(self, node: str) -> None:
        home = self.dir / node
        home.mkdir(mode=0o700, exist_ok=True)
        config = home / "patroni.yml"
        config.write_text(json.dumps(self.patroni_config(node), indent=1))  # YAML reads JSON
        if self.pg_user:
            for path in (home, config):
                shutil.chown(path, self.pg_user, self.pg_user)
            embedded_db.parents_traversable(home)  # e.g. a clone under a root-only `mktemp -d`
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8"}
        self.spawn(node, ["patroni", str(config)], env=env, user=self.pg_user, cwd=home)

    def patroni(self, node: str, path: str = "/patroni") -> Any:
        url = f"http://127.0.0.1:{self.ports[f'{node}_rest']}{path}"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - 127.0.0.1 only
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            return json.loads(error.read() or b"{}")

    def leader(self) -> str | None:
        """The node Patroni's REST API calls the primary (what haproxy's write port follows)."""
        for node in self.nodes:
            if http_status(f"http://127.0.0.1:{self.ports[f'{node}_rest']}/primary") == 200:
                return node
        return None

    def replicas(self) -> list[str]:
        """Nodes streaming from the leader (Patroni's ``/replica`` answers 200)."""
        return [n for n in self.nodes if http_status(f"http://127.0.0.1:{self.ports[f'{n}_rest']}/replica") == 200]

    def postmaster_pid(self, node: str) -> int | None:
        try:
            return int((self.dir / node / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def kill_postgres(self, node: str) -> bool:
        """SIGKILL every process of ``node``'s PostgreSQL (Patroni runs it in its own session)."""
        pid = self.postmaster_pid(node)
        if not pid:
            return False
        try:
            if "postgres" not in Path(f"/proc/{pid}/comm").read_text():
                return False
            group = os.getpgid(pid)  # Patroni starts the postmaster in a session of its own
            if group == self.procs[node].pid:  # (never Patroni's own group: that is another fault)
                os.kill(pid, signal.SIGKILL)  # its backends exit when they see their postmaster gone
            else:
                os.killpg(group, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            return False
        return True

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
        self.start_patroni(self.nodes[0])  # bootstraps (initdb) and takes the leader lock
        wait_for(lambda: self.leader() == self.nodes[0], 120, "Patroni's first leader")
        self.sql(self.nodes[0], f"CREATE DATABASE {DB_NAME}")
        for node in self.nodes[1:]:
            self.start_patroni(node)  # clones the leader (pg_basebackup) and streams from it
        wait_for(lambda: len(self.replicas()) == len(self.nodes) - 1, 180, "the replicas to stream", interval=0.5)
        if self.sync:
            wait_for(lambda: self.sync_standby() is not None, 60, "a synchronous standby", interval=0.5)

    def set_synchronous(self, on: bool) -> None:
        """Patroni's ``synchronous_mode`` changed at run time (its REST API writes it to etcd)."""
        leader = self.leader()
        assert leader, "no leader"
        request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
            f"http://127.0.0.1:{self.ports[f'{leader}_rest']}/config",
            data=json.dumps({"synchronous_mode": on}).encode(),
            method="PATCH",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5):  # noqa: S310
            pass
        wait_for(lambda: (self.sync_standby() is not None) == on, 60, "synchronous_mode", interval=0.5)

    def sync_standby(self) -> str | None:
        members = self.patroni(self.leader() or self.nodes[0], "/cluster").get("members", [])
        return next((m["name"] for m in members if m.get("role") == "sync_standby"), None)

    def start_netcut(self) -> None:
        """Each node's PostgreSQL and REST API as the read port reaches them: cuttable, one node at a time."""
        for node in self.nodes:
            p = self.ports
            self.spawn(
                f"{node}_cut",
                [PYTHON, str(ROOT / "bench" / "netcut.py"), f"{p[f'{node}_cut']}:{p[node]}",
                 f"{p[f'{node}_rest_cut']}:{p[f'{node}_rest']}"],
            )  # fmt: skip
            wait_for(lambda node=node: port_open(self.ports[f"{node}_cut"]), 30, f"{node}'s forwarder")

    def partition(self, node: str, *, cut: bool) -> None:
        os.kill(self.procs[f"{node}_cut"].pid, signal.SIGUSR1 if cut else signal.SIGUSR2)

    # --- Redis with Sentinel --------------------------------------------------------

    def start_redis_node(self, name: str, *, replica_of: int | None = None) -> None:
        folder = self.dir / name
        folder.mkdir(exist_ok=True)
        args = [
            "redis-server", "--port", str(self.ports[name]), "--bind", "127.0.0.1", "--dir", str(folder),
            "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no",
            "--protected-mode", "yes", "--unixsocket", "",
            # A primary cut off from its replica for more than 10 s refuses writes, so a partitioned
            # old primary cannot keep taking tasks that the promoted replica never sees.
            "--min-replicas-to-write", os.environ.get("CLUSTER_REDIS_MIN_REPLICAS", "0"), "--min-replicas-max-lag", "10",
        ]  # fmt: skip
        if replica_of:
            args += ["--replicaof", "127.0.0.1", str(replica_of)]
        self.redis_args[name] = args
        self.spawn(name, args)
        wait_for(lambda: port_open(self.ports[name]), 30, name)

    def start_sentinel(self, n: int) -> None:
        name = f"sentinel{n}"
        conf = self.dir / f"{name}.conf"  # Sentinel rewrites its own file (what it learns, the new primary)
        conf.write_text(
            f"port {self.ports[name]}\nbind 127.0.0.1\nprotected-mode no\ndir {self.dir}\n"
            f"sentinel monitor {SCOPE} 127.0.0.1 {self.ports['redis1']} 2\n"
            f"sentinel down-after-milliseconds {SCOPE} 2000\n"
            f"sentinel failover-timeout {SCOPE} 10000\n"
            f"sentinel parallel-syncs {SCOPE} 1\n"
        )
        self.spawn(name, ["redis-sentinel", str(conf)])
        wait_for(lambda: port_open(self.ports[name]), 30, name)

    def start_redis(self) -> None:
        self.start_redis_node("redis1")
        self.start_redis_node("redis2", replica_of=self.ports["redis1"])
        for n in (1, 2, 3):
            self.start_sentinel(n)
        wait_for(lambda: self.redis_replicas_seen() >= 1, 30, "the sentinels to see the Redis replica", interval=0.5)

    def sentinel_ask(self, *command: str) -> Any:
        import redis

        for n in (1, 2, 3):
            try:
                client = redis.Redis(host="127.0.0.1", port=self.ports[f"sentinel{n}"], socket_timeout=1)
                return client.execute_command(*command)
            except redis.RedisError:
                continue
        return None

    def redis_primary(self) -> str | None:
        """The Redis node the sentinels currently call the primary."""
        answer = self.sentinel_ask("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SCOPE)
        if not answer:
            return None
        port = int(answer[1])
        return next((name for name in ("redis1", "redis2") if self.ports[name] == port), None)

    def redis_replicas_seen(self) -> int:
        return len(self.sentinel_ask("SENTINEL", "REPLICAS", SCOPE) or [])

    def restart_redis_node(self, name: str) -> None:
        """Start a killed Redis again with its old arguments; the sentinels make it a replica."""
        self.spawn(name, self.redis_args[name])
        wait_for(lambda: port_open(self.ports[name]), 30, name)

    # --- web, workers, load balancer -------------------------------------------------

    def desk_env(self) -> dict[str, str]:
        p = self.ports
        lb = f"http://127.0.0.1:{self.lb_port}"
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DESK_", "CELERY_", "REDIS_"))},
            "SECRET_KEY": self.secret,
            "DEBUG": "0",
            "DESK_TESTING": "0",
            # haproxy's write port follows Patroni's leader; libpq still checks it takes writes.
            "DATABASE_URL": (
                f"postgres://postgres@127.0.0.1:{p['pg_write']}/{DB_NAME}?target_session_attrs=read-write&connect_timeout=3"
            ),
            # The replicas, else (none up: haproxy closes the connection) the primary.
            "DATABASE_REPLICA_URL": (
                f"postgres://postgres@127.0.0.1:{p['pg_read']},127.0.0.1:{p['pg_write']}/{DB_NAME}?connect_timeout=3"
            ),
            # A request waits at most 3 s for a database connection: during a failover a GET is then
            # answered from the replica, a write gets its 503 + Retry-After, instead of hanging 20 s.
            "DB_POOL_TIMEOUT": "3",
            "REDIS_SENTINELS": ",".join(f"127.0.0.1:{p[f'sentinel{n}']}" for n in (1, 2, 3)),
            "REDIS_SENTINEL_MASTER": SCOPE,
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
        name, port, staff = f"web{n}", self.ports[f"web{n}"], self.ports[f"web{n}_staff"]
        # Two addresses: haproxy sends the desk's requests to the second (backend staff). Each
        # sync worker takes a connection from every address that has one waiting, in turn, so a
        # desk request waits for at most one request per worker, never for the readers' queue.
        self.spawn(
            name,
            [str(BIN / "gunicorn"), "newsroom.wsgi", "--workers", str(self.web_workers), "--bind", f"127.0.0.1:{port}",
             "--bind", f"127.0.0.1:{staff}",
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

    def web_backend(self, name: str, webs: list[int]) -> str:
        """haproxy's backend ``web`` (the web nodes' public address) or ``staff`` (their desk address)."""
        port = "web{n}" if name == "web" else "web{n}_staff"
        servers = "\n".join(f"  server web{n} 127.0.0.1:{self.ports[port.format(n=n)]}" for n in webs)
        return f"""backend {name}
  mode http
  balance roundrobin
  option http-server-close
  # A request a dead node never answered is sent to another node: a refused or reset
  # connection always (it never reached a view), an empty answer or a time-out only for
  # GET and HEAD (haproxy never retries a POST that may have been done).
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response response-timeout
  option httpchk
  http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
  http-check expect status 200
  # A dead node refuses at once; a busy one may take a while to answer (sync workers queue).
  timeout check 3s
  default-server check inter 1s fastinter 500ms downinter 1s fall 3 rise 2
{servers}
"""

    def haproxy_config(self, webs: list[int]) -> str:
        p = self.ports
        web_backends = "\n".join(self.web_backend(name, webs) for name in ("web", "staff"))
        writers = "\n".join(f"  server {n} 127.0.0.1:{p[n]} check port {p[f'{n}_rest']}" for n in self.nodes)
        readers = "\n".join(
            f"  server {n} 127.0.0.1:{p[f'{n}_cut']} check port {p[f'{n}_rest_cut']}" for n in self.nodes
        )
        return f"""# Written by bench/cluster.py. The site, then PostgreSQL's write and read ports.
global
  maxconn 4096

defaults
  timeout connect 2s
  timeout client 60s
  timeout server 35s

frontend desk
  mode http
  bind 127.0.0.1:{self.lb_port}
  timeout http-request 10s
  option http-server-close
  option forwardfor
  # The desk's people (the desk, accounts, invitations, the admin) have their own address on
  # each web node, so their requests never queue behind the readers' (docs/DESIGN.md, "Two queues").
  acl staff path_beg /desk/ /accounts/ /join/ /admin/
  use_backend staff if staff
  default_backend web

{web_backends}
# Writes: the node Patroni's REST API calls the primary. When it changes, the old one's
# connections are cut so no process keeps writing to a node that is no longer the leader.
listen pg_write
  mode tcp
  bind 127.0.0.1:{p["pg_write"]}
  timeout client 30m
  timeout server 30m
  option httpchk
  http-check send meth GET uri /primary
  http-check expect status 200
  default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 1 on-marked-down shutdown-sessions
{writers}

# Lag-tolerant reads: the streaming replicas (each through its cuttable forwarder).
listen pg_read
  mode tcp
  bind 127.0.0.1:{p["pg_read"]}
  balance roundrobin
  timeout client 30m
  timeout server 30m
  option httpchk
  http-check send meth GET uri /replica
  http-check expect status 200
  timeout check 1s
  default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 2 on-marked-down shutdown-sessions
{readers}
"""

    def start_lb(self, webs: list[int] | None = None) -> None:
        config = self.dir / "haproxy.cfg"
        config.write_text(self.haproxy_config(webs or [1, 2]))
        self.spawn("lb", ["haproxy", "-db", "-f", str(config)])
        wait_for(lambda: port_open(self.ports["pg_write"]), 30, "haproxy")
        # haproxy deems every server up until its first checks say otherwise: wait for them.
        wait_for(lambda: all(self.sql("pg_read", "SELECT pg_is_in_recovery()")[0][0] for _ in range(4)), 30, "reads")
        wait_for(
            lambda: not any(self.sql("pg_write", "SELECT pg_is_in_recovery()")[0][0] for _ in range(4)), 30, "writes"
        )

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
        self.start_etcd()
        say(f"cluster: etcd {self.etcd_hosts()}")
        self.start_databases()
        nodes = ", ".join(f"{n} :{self.ports[n]} (REST :{self.ports[n + '_rest']})" for n in self.nodes)
        say(f"cluster: Patroni {nodes}; leader {self.leader()}{', synchronous' if self.sync else ''}")
        self.start_netcut()
        self.start_redis()
        say(f"cluster: Redis primary :{self.ports['redis1']}, replica :{self.ports['redis2']}, 3 sentinels")
        self.start_lb()
        say(
            f"cluster: haproxy site :{self.lb_port}, PostgreSQL writes :{self.ports['pg_write']}, reads :{self.ports['pg_read']}"
        )
        wait_for(lambda: self.pg_ready("pg_write"), 30, "the write port")
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
        wait_for(lambda: http_ok(f"{self.url}/healthz"), 30, "haproxy's web nodes")
        if self.edge:  # Varnish in front of haproxy, once haproxy has web nodes to answer it
            self.edge.start()
        for n in (1, 2):
            self.start_worker(n)
        self.start_beat()


def main() -> int:
    folder = Path(os.environ.get("CLUSTER_DIR", str(ROOT / ".data" / "cluster"))).resolve()
    cluster = Cluster(folder, lb_port=int(os.environ.get("CLUSTER_PORT", "8080")), log_level="INFO")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        cluster.start()
        p = cluster.ports
        nodes = ", ".join(f"{n} 127.0.0.1:{p[n]} (REST {p[n + '_rest']})" for n in cluster.nodes)
        print(
            f"\nThe desk runs on the production topology:\n"
            f"  site        {cluster.url}/\n"
            f"  desk        {cluster.url}/desk/   (the demo accounts above)\n"
            f"  health      {cluster.url}/healthz\n"
            + (f"  edge        {cluster.edge.url}/   (Varnish, xkey purges)\n" if cluster.edge else "")
            + f"  web nodes   http://127.0.0.1:{p['web1']}/  http://127.0.0.1:{p['web2']}/  (gunicorn, behind haproxy)\n"
            f"  PostgreSQL  writes 127.0.0.1:{p['pg_write']}, reads 127.0.0.1:{p['pg_read']} (haproxy); Patroni {nodes}\n"
            f"  etcd        {cluster.etcd_hosts()}\n"
            f"  Redis       primary 127.0.0.1:{p['redis1']}, replica {p['redis2']}; sentinels "
            f"{', '.join(str(p[f'sentinel{n}']) for n in (1, 2, 3))} (broker db 0, page cache db 1)\n"
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
