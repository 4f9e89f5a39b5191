"""The cluster drill: ``make cluster-drill``. The production topology under load loses one part
at a time, and afterwards the database is checked for anything lost or done twice.

Starts the cluster of ``bench/cluster.py`` (its own folder ``.data/cluster-drill`` and a free
load-balancer port), measures reader throughput through haproxy with one and with two web
nodes, then runs the desk's load through the load balancer for ``DRILL_SECONDS`` (180):
readers (home, article, tag and search pages), translators autosaving (``desk:autosave``) and
editors spiking/restoring jobs and commenting on the translators' jobs (each comment emails the
translator through the outbox). People behave as the desk's pages do: a 503 that carries
``Retry-After`` (no primary for a moment) is retried after that many seconds, and counted as
"retried", not as an error; any other failure is an error. Meanwhile, one after the other:

1. **web node killed**: SIGKILL to web1's process group, started again 10 s later (haproxy
   retries what the dead node never answered on the other one);
2. **worker killed mid-task**: waits until a worker is inside an email send (the slow test mail
   backend marks it) and SIGKILLs it; Redis hands the unacknowledged task to the other worker
   after the visibility timeout (``CELERY_VISIBILITY_TIMEOUT=15`` here); the email goes out once;
3. **etcd member killed**: SIGKILL to one of the three; the other two keep the quorum and the
   leader keeps its lock; the member is started again on its data;
4. **Redis primary killed**: both workers are paused (SIGSTOP) so tasks queue up, an editor
   unpublishes a story whose page is in the cache, the Redis primary is SIGKILLed; the
   sentinels promote the replica; the queued tasks are all on it, the unpublished page is not
   served from the cache afterwards; the old primary is started again and becomes a replica;
5. **replica partitioned**: its forwarder (``bench/netcut.py``) refuses everything for 8 s;
   lag-tolerant reads move to the primary and come back;
6. **primary's PostgreSQL SIGKILLed** (every process of it, no clean stop): Patroni sees its
   primary crashed and promotes the replica (``primary_start_timeout: 0``), haproxy's write
   port follows ``/primary``; nothing is restarted by the drill. ``failover_s`` runs from the
   kill to the first write sent after it that succeeds (one sent before and answered after does not count); the old primary rejoins as a replica
   (``pg_rewind``), and the time is printed.

Before the load, the edge phase (``bench/cluster_edge.edge_drill``; ``DRILL_EDGE=0`` skips it):
reader throughput with wrk through haproxy alone and through Varnish, and how long a credit
change, a withdrawal and a publication take to show through Varnish.

``DRILL_SHORT=1`` (the test's form): only 1, 2 and 6, about 40 s of load, no edge phase.

Then the checks, against the database: every autosave that got a 200 is there (each save is
based on the version the previous 200 returned, so a lost one shows as a version that went
back, and the last one must be the stored text); every transition that got its redirect has
its workflow event (each carries a unique comment); every comment that got its redirect is
stored; every notice is emailed, and the mail log holds exactly one email per notice. Prints
a table, per fault the time to recover and the errors people saw, and, last, ``CLUSTER DRILL:
requests=N errors=E lost_edits=L lost_emails=M duplicate_emails=D failover_s=S``; exits 1 on
anything lost or duplicated, or when no automatic promotion happened.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import cluster_edge  # noqa: E402
from _server import threads_run  # noqa: E402
from cluster import Cluster, listen_port, wait_for  # noqa: E402
from load import JSON, PASSWORD, SETUP, Session, Stats, forms_of, percentile  # noqa: E402

SHORT = os.environ.get("DRILL_SHORT", "") == "1"
SECONDS = float(os.environ.get("DRILL_SECONDS", "40" if SHORT else "180"))
READERS = int(os.environ.get("DRILL_READERS", "8" if SHORT else "16"))
TRANSLATORS = int(os.environ.get("DRILL_TRANSLATORS", "4"))
EDITORS = int(os.environ.get("DRILL_EDITORS", "2"))
THROUGHPUT_SECONDS = float(os.environ.get("DRILL_THROUGHPUT_SECONDS", "0" if SHORT else "15"))
VISIBILITY = 15


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- the database, asked directly (the harness's view, not the desk's) ----------------


class DB:
    def __init__(self, cluster: Cluster) -> None:
        self.conninfo = (
            f"host=127.0.0.1 port={cluster.ports['pg_write']} dbname=desk user=postgres "
            "target_session_attrs=read-write connect_timeout=3"
        )

    def query(self, sql: str, params: Any = None, timeout: float = 60) -> list[Any]:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as conn:
                    return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)


# --- the people -----------------------------------------------------------------------


@dataclass
class Translator:
    username: str
    translation_id: int
    block: str = ""
    acked_version: int = 0
    acked_text: str = ""
    acked: int = 0
    unknown: list[str] = field(default_factory=list)  # texts whose save got no answer
    went_back: int = 0  # a 409 showing an older version than one we were told was saved


@dataclass
class Editor:
    username: str
    jobs: list[int]
    comment_jobs: list[int]
    acked_events: list[tuple[int, str]] = field(default_factory=list)  # (job, unique comment)
    acked_comments: list[tuple[int, str]] = field(default_factory=list)
    unknown: int = 0


ERROR_TIMES: list[float] = []


class TimedErrors(list):  # type: ignore[type-arg]
    """A list of error messages that also notes when each happened (for the per-fault table)."""

    def append(self, item: Any) -> None:
        super().append(item)
        ERROR_TIMES.append(time.monotonic())


RETRY_FOR = 60.0  # seconds a page keeps retrying a 503 with Retry-After (the desk's scripts: "Reconnecting…")


@dataclass
class DrillStats(Stats):
    """``Stats`` whose people retry a 503 that says when (``Retry-After``), as the desk's pages do."""

    retried: Counter[str] = field(default_factory=Counter)
    retry_times: list[float] = field(default_factory=list)

    def timed(
        self, kind: str, session: Session, method: str, path: str, data: Any = None, ok: tuple[int, ...] = (200,)
    ) -> Any:
        started = time.perf_counter()
        deadline = time.monotonic() + RETRY_FOR
        while True:
            try:
                status, headers, text = session.request(method, path, data)
            except Exception as exc:  # a refused or broken connection is an error, not a crash
                with self.lock:
                    self.errors[kind].append(f"{method} {path}: {exc!r}")
                return None
            retry_after = {k.lower(): v for k, v in headers.items()}.get("retry-after", "")
            if status == 503 and retry_after.isdigit() and time.monotonic() < deadline:
                with self.lock:
                    self.retried[kind] += 1
                    self.retry_times.append(time.monotonic())
                time.sleep(int(retry_after))
                continue
            break
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies[kind].append(elapsed)
            if status not in ok:
                self.errors[kind].append(f"{method} {path}: HTTP {status}")
                return None
        return status, headers, text


@dataclass
class Drill:
    cluster: Cluster
    db: DB
    stats: DrillStats = field(default_factory=DrillStats)
    stop: threading.Event = field(default_factory=threading.Event)
    # (sent, answered, ok) of every write: a write sent before a fault and answered after it says
    # nothing about how long the desk took to take writes again.
    writes: list[tuple[float, float, bool]] = field(default_factory=list)
    events: list[tuple[str, str]] = field(default_factory=list)  # (step, what happened)
    windows: list[tuple[str, float, float]] = field(default_factory=list)  # (step, from, to)

    def __post_init__(self) -> None:
        self.stats.errors = defaultdict(TimedErrors)

    def note_write(self, ok: bool, *, sent: float) -> None:
        with self.stats.lock:
            self.writes.append((sent, time.monotonic(), ok))

    def db_read_is_replica(self) -> bool:
        return bool(self.cluster.sql("pg_read", "SELECT pg_is_in_recovery()")[0][0])


def login(session: Session, username: str) -> None:
    for attempt in range(10):
        try:
            session.login(username)
            return
        except Exception:
            if attempt == 9:
                raise
            time.sleep(1)


def reader(drill: Drill, paths: list[tuple[str, str]], seed: int) -> None:
    rng = random.Random(seed)
    session = Session(drill.cluster.lb_port)
    while not drill.stop.is_set():
        kind, path = rng.choice(paths)
        drill.stats.timed(f"read {kind}", session, "GET", path)


def translator(drill: Drill, who: Translator) -> None:
    session = Session(drill.cluster.lb_port)
    login(session, who.username)
    for _attempt in range(10):
        result = drill.stats.timed("translator page", session, "GET", f"/desk/t/{who.translation_id}/")
        if result is not None:
            break
        time.sleep(1)
    assert result is not None, "the translator's page did not load"
    form = next(f for f in forms_of(result[2]) if any(n == "based_on" for n, _v in f["fields"]))
    version = int(next(v for name, v in form["fields"] if name == "based_on"))
    who.acked_version = version
    target = next(name for name in form["textareas"] if re.fullmatch(r"b-.+-text", name))
    who.block = target[2:-5]
    url = f"/desk/t/{who.translation_id}/autosave/"
    n = 0
    while not drill.stop.is_set():
        n += 1
        text = f"drill {who.username} save {n}"
        body = JSON({"based_on": version, "blocks": {who.block: {"text": text}}})
        sent = time.monotonic()
        response = drill.stats.timed("autosave", session, "POST", url, body, ok=(200, 409))
        if response is None:
            who.unknown.append(text)
            drill.note_write(False, sent=sent)
            time.sleep(0.3)
            continue
        status, _headers, content = response
        data = json.loads(content)
        if status == 200:
            version = int(data["edit_version"])
            who.acked_version, who.acked_text, who.acked = version, text, who.acked + 1
            who.unknown.clear()
            drill.note_write(True, sent=sent)
        else:  # 409: an earlier save with no answer did commit, or one we were told about is gone
            current = int(data["current_version"])
            if current < who.acked_version:
                who.went_back += who.acked_version - current
            version = current
        time.sleep(0.25)


def job_state(drill: Drill, job: int) -> str:
    return str(drill.db.query("SELECT state FROM translations_translation WHERE id = %s", [job])[0][0])


def editor(drill: Drill, who: Editor) -> None:
    session = Session(drill.cluster.lb_port)
    login(session, who.username)
    drill.stats.timed("editor board", session, "GET", "/desk/")
    states = {job: job_state(drill, job) for job in who.jobs}
    i = 0
    while not drill.stop.is_set():
        i += 1
        token = session.cookies.get("csrftoken", "")
        sent = time.monotonic()
        if i % 3 == 0:  # a comment on a translator's job: the translator gets an email
            job = who.comment_jobs[i % len(who.comment_jobs)]
            text = f"drill {who.username} comment {i}"
            data = {"body": text, "block_id": "", "csrfmiddlewaretoken": token}
            if drill.stats.timed("comment", session, "POST", f"/desk/t/{job}/comments/", data, ok=(302,)):
                who.acked_comments.append((job, text))
                drill.note_write(True, sent=sent)
            else:
                who.unknown += 1
                drill.note_write(False, sent=sent)
        else:
            job = who.jobs[i % len(who.jobs)]
            action = "restore" if states[job] == "spiked" else "spike"
            comment = f"drill {who.username} {action} {i}"
            data = {"comment": comment, "csrfmiddlewaretoken": token}
            if drill.stats.timed("transition", session, "POST", f"/desk/t/{job}/do/{action}/", data, ok=(302,)):
                who.acked_events.append((job, comment))
                states[job] = "spiked" if action == "spike" else "open"
                drill.note_write(True, sent=sent)
            else:  # no answer: whether it happened, the job's page would tell; ask the database
                who.unknown += 1
                drill.note_write(False, sent=sent)
                time.sleep(0.3)
                states[job] = job_state(drill, job)
        time.sleep(0.15)


# --- faults ---------------------------------------------------------------------------


def worker_log_tasks(cluster: Cluster, name: str) -> tuple[list[str], set[str]]:
    text = (cluster.logs / f"{name}.log").read_text(errors="replace")
    received = re.findall(r"notifications_send\[([0-9a-f-]+)\] received", text)
    done = set(re.findall(r"notifications_send\[([0-9a-f-]+)\] (?:succeeded|retry|raised)", text))
    return received, done


def kill_web(drill: Drill) -> None:
    cluster = drill.cluster
    log("fault 1: SIGKILL web1")
    cluster.kill("web1")
    time.sleep(10)
    started = time.monotonic()
    cluster.start_web(1)
    drill.events.append(
        ("web node killed", f"web1 SIGKILLed; restarted and healthy in {time.monotonic() - started:.1f} s")
    )


def kill_worker(drill: Drill, mail_log: Path) -> dict[str, Any]:
    cluster = drill.cluster
    marker = mail_log.with_suffix(".started")
    pids = {cluster.procs[f"worker{n}"].pid: f"worker{n}" for n in (1, 2)}
    seen = marker.stat().st_mtime if marker.exists() else 0.0
    deadline = time.monotonic() + 60
    victim = ""
    while time.monotonic() < deadline and not victim:
        if marker.exists() and marker.stat().st_mtime != seen:
            seen = marker.stat().st_mtime
            pid = int(marker.read_text() or 0)
            if pid in pids:
                victim = pids[pid]
                cluster.kill(victim)  # inside the send: the email is not out, the row lock is held
                break
        time.sleep(0.01)
    if not victim:
        drill.events.append(("worker killed mid-task", "no email was being sent within 60 s: not done"))
        return {"killed": False}
    killed_at = time.monotonic()
    received, done = worker_log_tasks(cluster, victim)
    in_flight = [t for t in received if t not in done]
    task = in_flight[-1] if in_flight else ""
    log(f"fault 2: SIGKILL {victim} in the middle of task {task}")
    time.sleep(5)
    n = int(victim[-1])
    cluster.start_worker(n)
    other = f"worker{3 - n}"
    redelivered = None
    if task:
        try:
            wait_for(
                lambda: any(task in worker_log_tasks(cluster, w)[1] for w in (other, victim)),
                VISIBILITY + 40,
                "the redelivery",
                interval=0.5,
            )
            redelivered = time.monotonic() - killed_at
        except RuntimeError:
            pass
    what = f"{victim} SIGKILLed inside an email send (task {task[:8]}); " + (
        f"redelivered by Redis and done {redelivered:.0f} s later" if redelivered else "not redelivered in time"
    )
    drill.events.append(("worker killed mid-task", what))
    return {"killed": True, "task": task, "redelivered": redelivered is not None}


def kill_etcd(drill: Drill) -> None:
    """One of three etcd members SIGKILLed: two keep the quorum, the leader keeps its lock."""
    cluster = drill.cluster
    leader = cluster.leader()
    log("fault 3: SIGKILL etcd2")
    cluster.kill("etcd2")
    time.sleep(8)  # longer than Patroni's ttl's renewals (every second): a lost lock would show
    kept = cluster.leader()
    started = time.monotonic()
    cluster.start_etcd_member(2, state="existing")  # on its data: it catches up from the others
    wait_for(lambda: http_ok_etcd(cluster, 2), 60, "etcd2 again")
    drill.events.append(
        (
            "etcd member killed",
            f"etcd2 SIGKILLed for 8 s; PostgreSQL leader {leader} before, {kept} after "
            f"({'kept its lock' if kept == leader else 'CHANGED'}); etcd2 healthy again {time.monotonic() - started:.1f} s after its start",
        )
    )


def http_ok_etcd(cluster: Cluster, n: int) -> bool:
    from cluster import http_ok

    return http_ok(f"http://127.0.0.1:{cluster.ports[f'etcd{n}']}/health")


def queued_tasks(cluster: Cluster, node: str) -> int:
    import redis

    r = redis.Redis(host="127.0.0.1", port=cluster.ports[node], db=0, socket_timeout=2)
    return int(r.llen("celery")) + int(r.hlen("unacked"))


def kill_redis_primary(drill: Drill, victim: dict[str, Any], editor_session: Session) -> dict[str, Any]:
    """Tasks queued on the Redis primary survive its SIGKILL; an unpublished page is not served after it."""
    cluster = drill.cluster
    old = cluster.redis_primary() or "redis1"
    for n in (1, 2):
        os.killpg(cluster.procs[f"worker{n}"].pid, signal.SIGSTOP)
    time.sleep(6)  # the editors' comments queue emails meanwhile

    # The cached page of a live story, then its unpublication (the cache version moves on).
    def status_of(path: str) -> int:
        try:
            return Session(cluster.lb_port).request("GET", path)[0]
        except Exception:
            return 0

    before = status_of(victim["path"])
    status, _h, _t = editor_session.request(
        "POST",
        f"/desk/t/{victim['translation']}/do/unpublish/",
        {"comment": "drill: withdrawn", "csrfmiddlewaretoken": editor_session.cookies.get("csrftoken", "")},
    )
    queued = queued_tasks(cluster, old)
    log(
        f"fault 4: SIGKILL the Redis primary ({old}) with {queued} task(s) queued; story unpublished ({status}) just before"
    )
    started = time.monotonic()
    cluster.kill(old)
    wait_for(lambda: cluster.redis_primary() not in (None, old), 60, "the sentinels' promotion", interval=0.2)
    promoted_s = time.monotonic() - started
    new = cluster.redis_primary() or ""
    after_queued = queued_tasks(cluster, new)
    for n in (1, 2):
        os.killpg(cluster.procs[f"worker{n}"].pid, signal.SIGCONT)
    cluster.restart_redis_node(old)  # the sentinels make it a replica of the new primary
    time.sleep(1)
    after = status_of(victim["path"])
    stale = after == 200
    drill.events.append(
        (
            "Redis primary killed",
            f"{old} SIGKILLed; sentinels promoted {new} in {promoted_s:.1f} s; {queued} queued task(s) before, "
            f"{after_queued} after; unpublished page: {before} before, {after} after ({'STALE' if stale else 'not stale'})",
        )
    )
    return {"lost_tasks": max(0, queued - after_queued), "stale": stale, "unpublished": status == 302}


def partition_replica(drill: Drill) -> None:
    """A replica cut off (its forwarder refuses everything) for 8 s: reads move to the primary."""
    cluster = drill.cluster
    replicas = cluster.replicas()
    if not replicas:
        drill.events.append(("replica partitioned", "no replica to cut: not done"))
        return
    node = replicas[0]
    log(f"fault 5: partition the replica {node} for 8 s")
    cluster.partition(node, cut=True)
    time.sleep(8)
    cluster.partition(node, cut=False)
    started = time.monotonic()
    wait_for(lambda: drill.db_read_is_replica(), 60, "reads on the replica again", interval=0.5)
    drill.events.append(
        (
            "replica partitioned",
            f"{node} unreachable for 8 s; reads on it again {time.monotonic() - started:.1f} s after",
        )
    )


def kill_primary(drill: Drill) -> float:
    """SIGKILL every PostgreSQL process of the leader; Patroni promotes, the old one rejoins (pg_rewind)."""
    cluster = drill.cluster
    old = cluster.leader()
    if old is None:
        drill.events.append(("primary SIGKILLed", "no leader before the fault: not done"))
        return -1.0
    log(f"fault 6: SIGKILL the primary's PostgreSQL ({old})")
    killed = time.monotonic()
    cluster.kill_postgres(old)
    new: str | None = None
    deadline = killed + 90
    while time.monotonic() < deadline and new in (None, old):
        time.sleep(0.1)
        new = cluster.leader()
    promoted = time.monotonic() - killed
    failover_s = -1.0
    while time.monotonic() < deadline:
        with drill.stats.lock:
            ok = [answered for sent, answered, good in drill.writes if good and sent > killed]
        if ok:
            failover_s = min(ok) - killed
            break
        time.sleep(0.2)
    try:
        wait_for(lambda: old in cluster.replicas(), 120, "the old primary to rejoin", interval=0.5)
        rejoined = f"{old} streaming again as a replica {time.monotonic() - killed:.1f} s after the kill"
    except RuntimeError:
        rejoined = f"{old} NOT back as a replica within 120 s"
    # Patroni rewinds only when the old primary wrote past the point its replica was promoted at.
    rewound = "running pg_rewind" in (cluster.logs / f"{old}.log").read_text(errors="replace")
    drill.events.append(
        (
            "primary SIGKILLed",
            f"Patroni promoted {new} {promoted:.1f} s after the kill (nobody promoted by hand); "
            + (f"first write {failover_s:.1f} s after it; " if failover_s >= 0 else "no write succeeded within 90 s; ")
            + rejoined
            + (" (after pg_rewind)" if rewound else " (no rewind needed: nothing written past the promotion)"),
        )
    )
    return failover_s if new not in (None, old) else -1.0


# --- throughput -----------------------------------------------------------------------


def commit_latency(cluster: Cluster, n: int = 300) -> list[float]:
    """Seconds of one-row autocommit INSERTs through haproxy's write port (the cost of CLUSTER_SYNC)."""
    import psycopg

    timings: list[float] = []
    with psycopg.connect(DB(cluster).conninfo, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS drill_commit_probe (n int)")
        for i in range(n):
            started = time.perf_counter()
            conn.execute("INSERT INTO drill_commit_probe VALUES (%s)", [i])
            timings.append(time.perf_counter() - started)
        conn.execute("DROP TABLE drill_commit_probe")
    return timings


def throughput(cluster: Cluster, paths: list[tuple[str, str]], seconds: float) -> float:
    stats, stop = DrillStats(), threading.Event()
    drill = Drill(cluster=cluster, db=None, stats=stats, stop=stop)  # type: ignore[arg-type]
    threads = [threading.Thread(target=reader, args=(drill, paths, i)) for i in range(16)]
    started = time.monotonic()
    threads_run(threads, stop, seconds)
    return sum(len(v) for v in stats.latencies.values()) / (time.monotonic() - started)


# --- main -----------------------------------------------------------------------------


def main() -> int:
    folder = Path(os.environ.get("CLUSTER_DIR", str(ROOT / ".data" / "cluster-drill"))).resolve()
    mail_log = folder / "mail" / "sent.log"
    cluster = Cluster(
        folder,
        lb_port=int(os.environ.get("CLUSTER_PORT", "0")) or listen_port(set()),
        extra_env={
            "EMAIL_BACKEND": "tests.slow_mail_backend.SlowEmailBackend",
            "SLOW_MAIL_FILE": str(mail_log),
            "SLOW_MAIL_SECONDS": "0.4",
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
            "AXES_FAILURE_LIMIT": "1000",
        },
    )
    try:
        cluster.start(demo=True, say=log)
        (folder / "mail").mkdir(exist_ok=True)
        return run(cluster, mail_log)
    finally:
        cluster.stop_all()


def run(cluster: Cluster, mail_log: Path) -> int:
    env = cluster.desk_env()
    from load import shell

    people = shell(env, SETUP % {"password": PASSWORD, "translators": TRANSLATORS, "editors": EDITORS}, "SETUP")
    db = DB(cluster)
    drill = Drill(cluster=cluster, db=db)
    # The story the Redis step unpublishes: readers never ask for it (its 404 would count as an error).
    live = db.query(
        "SELECT t.id, a.slug_en FROM translations_translation t JOIN newsroom_article a ON a.id = t.article_id "
        "WHERE t.state = 'published' AND t.language = 'en' AND a.slug_en <> ''"
    )
    victim_path = people["articles"][-1] if len(people["articles"]) > 1 else ""
    victim_id = next((tid for tid, slug in live if victim_path and f"/{slug}/" in victim_path), None)
    victim = {"translation": victim_id, "path": victim_path} if victim_id and not SHORT else None
    if victim is None:
        victim_path = ""
    articles = [p for p in people["articles"] if p != victim_path]
    tags = people["tags"]
    if victim:  # its tags' pages may go away with it
        gone = [slug for (slug,) in db.query(
            "SELECT t.slug FROM newsroom_tag t JOIN newsroom_article_tags at ON at.tag_id = t.id "
            "JOIN translations_translation tr ON tr.article_id = at.article_id WHERE tr.id = %s", [victim["translation"]],
        )]  # fmt: skip
        tags = [p for p in tags if not any(f"/{slug}/" in p for slug in gone)]
    paths = [("home", "/")] + [("article", p) for p in articles] + [("tag", p) for p in tags]
    paths += [("search", "/search/?q=minsk")]  # lag-tolerant: read from the replica

    # The cost of synchronous replication: both ways on the same cluster, interleaved (the machine's
    # other load drifts), 4 × 150 commits each.
    commits: dict[bool, list[float]] = {False: [], True: []}
    for mode in [not cluster.sync, cluster.sync] * 4:
        cluster.set_synchronous(mode)
        commits[mode] += commit_latency(cluster, 150)
    sync = "synchronous (CLUSTER_SYNC=1)" if cluster.sync else "asynchronous"
    p50 = {mode: percentile(timings, 0.5) * 1000 for mode, timings in commits.items()}
    commit_line = (
        f"one-row commits through haproxy (idle): p50 {p50[False]:.2f} ms asynchronous, {p50[True]:.2f} ms "
        f"synchronous (+{p50[True] - p50[False]:.2f} ms); this run's replication: {sync}"
    )
    log(commit_line)
    rates: dict[str, float] = {}
    if THROUGHPUT_SECONDS:
        throughput(cluster, paths, 3)  # warm both nodes and the page cache
        rates["2 web nodes"] = throughput(cluster, paths, THROUGHPUT_SECONDS)
        cluster.kill("web2", signal.SIGTERM)
        time.sleep(3)  # haproxy marks it down (2 failed checks, 1 s apart)
        rates["1 web node"] = throughput(cluster, paths, THROUGHPUT_SECONDS)
        cluster.start_web(2)
        time.sleep(3)
        log("throughput: " + ", ".join(f"{k}: {v:.0f} req/s" for k, v in rates.items()))
    edge_results: dict[str, float] = {}
    if cluster.edge is not None and os.environ.get("DRILL_EDGE", "0" if SHORT else "1") == "1":
        edge_results = cluster_edge.edge_drill(
            # The pages an edge keeps: search answers are never tagged, so they would measure the backend.
            cluster,
            cluster.edge,
            [p for kind, p in paths if kind != "search"],
            seconds=THROUGHPUT_SECONDS or 10,
        )

    translators = [Translator(name, tid) for name, tid in people["translators"]]
    comment_jobs = [t.translation_id for t in translators]
    editors = [Editor(name, jobs, comment_jobs) for name, jobs in people["editors"]]
    threads = [threading.Thread(target=reader, args=(drill, paths, i)) for i in range(READERS)]
    threads += [threading.Thread(target=translator, args=(drill, t)) for t in translators]
    threads += [threading.Thread(target=editor, args=(drill, e)) for e in editors]
    ERROR_TIMES.clear()
    started = time.monotonic()
    for t in threads:
        t.start()
    log(f"load: {READERS} readers, {TRANSLATORS} translators, {EDITORS} editors for {SECONDS:.0f} s")

    redis_result: dict[str, Any] = {"lost_tasks": 0, "stale": False}
    worker_result: dict[str, Any] = {}
    failover_s = 0.0
    plan = (
        [(0.10, "web"), (0.25, "worker"), (0.55, "db")]
        if SHORT
        else [(0.08, "web"), (0.18, "worker"), (0.32, "etcd"), (0.44, "redis"), (0.56, "partition"), (0.68, "db")]
    )
    editor_session = Session(cluster.lb_port)
    login(editor_session, editors[0].username)
    for at, step in plan:
        time.sleep(max(0.0, started + at * SECONDS - time.monotonic()))
        step_started = time.monotonic()
        if step == "web":
            kill_web(drill)
        elif step == "worker":
            worker_result = kill_worker(drill, mail_log)
        elif step == "etcd":
            kill_etcd(drill)
        elif step == "redis" and victim:
            redis_result = kill_redis_primary(drill, victim, editor_session)
        elif step == "partition":
            partition_replica(drill)
        elif step == "db":
            failover_s = kill_primary(drill)
        # Errors up to 5 s after a step count as that step's (the balancer's checks, reconnects),
        # until the next step starts.
        if drill.windows:
            name, begin, end = drill.windows[-1]
            drill.windows[-1] = (name, begin, min(end, step_started))
        drill.windows.append((step, step_started, time.monotonic() + 5))
    time.sleep(max(0.0, started + SECONDS - time.monotonic()))
    drill.stop.set()
    for t in threads:
        t.join(timeout=60)
    duration = time.monotonic() - started
    log("load stopped; waiting for the outbox to drain (the sweep runs every minute)")

    def pending() -> int:
        return int(
            db.query(
                "SELECT count(*) FROM translations_notification n JOIN auth_user u ON u.id = n.user_id "
                "WHERE n.emailed_at IS NULL AND u.email <> ''"
            )[0][0]
        )

    try:
        wait_for(lambda: pending() == 0, 150, "every notice emailed", interval=1)
    except RuntimeError:
        pass
    time.sleep(2)

    # --- checks ---
    lost_edits = 0
    for t in translators:
        version, blocks = db.query(
            "SELECT edit_version, blocks FROM translations_translation WHERE id = %s", [t.translation_id]
        )[0]
        stored = (blocks.get(t.block) or {}).get("text", "")
        ok = (version == t.acked_version and stored == t.acked_text) or (
            version > t.acked_version and stored in t.unknown
        )
        lost_edits += t.went_back + (0 if ok or not t.acked else 1)
    events = Counter(
        (tid, comment)
        for tid, comment in db.query(
            "SELECT translation_id, comment FROM translations_workflowevent WHERE comment LIKE 'drill %%'"
        )
    )
    comments = Counter(
        (tid, body)
        for tid, body in db.query("SELECT translation_id, body FROM translations_comment WHERE body LIKE 'drill %%'")
    )
    lost_events = sum(1 for e in editors for key in e.acked_events if not events[key])
    lost_comments = sum(1 for e in editors for key in e.acked_comments if not comments[key])
    double_events = sum(1 for n in events.values() if n > 1)
    emailed = Counter(
        email
        for (email,) in db.query(
            "SELECT u.email FROM translations_notification n JOIN auth_user u ON u.id = n.user_id WHERE n.emailed_at IS NOT NULL"
        )
    )
    sent = (
        Counter(line.split("\t", 1)[0] for line in mail_log.read_text().splitlines())
        if mail_log.exists()
        else Counter()
    )
    # A copy sent again after SMTP's window (accepted, then killed before the commit) has the
    # same Message-ID (newsroom/core/mail.py): one message to its reader, counted apart.
    ids_log = mail_log.with_suffix(".ids")
    repeated = 0
    if ids_log.exists():
        lines = [tuple(line.split("\t", 1)) for line in ids_log.read_text().splitlines() if "\t" in line]
        repeated = len(lines) - len(set(lines))
        sent = Counter(recipient for recipient, _message_id in set(lines))
    duplicate_emails = sum(max(0, sent[k] - emailed[k]) for k in sent)
    lost_emails = pending() + sum(max(0, emailed[k] - sent[k]) for k in emailed)
    notices = sum(emailed.values()) + pending()

    total = sum(len(v) for v in drill.stats.latencies.values()) + sum(
        len([m for m in v if "HTTP" not in m]) for v in drill.stats.errors.values()
    )
    errors = sum(len(v) for v in drill.stats.errors.values())
    print(
        f"\nCluster drill: {duration:.0f} s through haproxy, {READERS} readers, {TRANSLATORS} translators, {EDITORS} editors, {os.cpu_count()} cores"
    )
    print(commit_line)
    if rates:
        print(
            f"throughput (readers only, 16 threads): 1 web node {rates['1 web node']:.0f} req/s, 2 web nodes {rates['2 web nodes']:.0f} req/s"
        )
    if edge_results:
        print(
            "edge (Varnish): "
            + ", ".join(f"{k} {v:.3f}" if k.endswith("_s") else f"{k} {v:.0f}" for k, v in edge_results.items())
        )
    print(f"\n{'request':<16} {'count':>7} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>8} {'errors':>7}")
    for kind in sorted(set(drill.stats.latencies) | set(drill.stats.errors)):
        values = drill.stats.latencies.get(kind, [])
        n_err = len(drill.stats.errors.get(kind, []))
        print(
            f"{kind:<16} {len(values):>7} {len(values) / duration:>7.1f} {percentile(values, 0.5) * 1000:>7.0f} {percentile(values, 0.99) * 1000:>8.0f} {n_err:>7}"
        )
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for kind, messages in drill.stats.errors.items():
        for m in messages:
            kinds[kind][re.sub(r"^\S+ \S+: ", "", m)[:60]] += 1
    for kind, counter in kinds.items():
        for what, n in counter.most_common(3):
            print(f"  {kind}: {n} × {what}")
    print(f"\n{'fault':<24} what happened")
    for step, what in drill.events:
        print(f"{step:<24} {what}")
    counted = 0
    parts = []
    retry_times = drill.stats.retry_times
    for step, start, end in drill.windows:
        n = sum(1 for t in ERROR_TIMES if start <= t <= end)
        retried = sum(1 for t in retry_times if start <= t <= end)
        counted += n
        parts.append(f"{step} {n} ({retried} retried 503)")
    parts.append(f"outside any fault {len(ERROR_TIMES) - counted}")
    print("errors people saw, by fault: " + ", ".join(parts))
    if drill.stats.retried:
        print(
            "503 + Retry-After, retried by the page (not errors): "
            + ", ".join(f"{kind} {n}" for kind, n in sorted(drill.stats.retried.items()))
        )
    print(f"\n{'check':<44} {'acknowledged':>12} {'missing':>8}")
    print(f"{'autosaves (200) in the database':<44} {sum(t.acked for t in translators):>12} {lost_edits:>8}")
    print(
        f"{'transitions (302) with their event':<44} {sum(len(e.acked_events) for e in editors):>12} {lost_events:>8}"
    )
    print(f"{'comments (302) stored':<44} {sum(len(e.acked_comments) for e in editors):>12} {lost_comments:>8}")
    print(f"{'notices emailed (exactly once)':<44} {notices:>12} {lost_emails:>8}   duplicates: {duplicate_emails}")
    print(f"{'copies repeated with the same Message-ID':<44} {'':>12} {repeated:>8}   (SMTP's window)")
    print(f"{'tasks queued across the Redis failover':<44} {'':>12} {redis_result['lost_tasks']:>8}")
    print(f"{'pages served stale after the Redis failover':<44} {'':>12} {int(redis_result['stale']):>8}")
    print(f"{'events recorded twice':<44} {'':>12} {double_events:>8}")
    lost = lost_edits + lost_events + lost_comments
    bad = (
        lost or lost_emails or duplicate_emails or double_events or redis_result["lost_tasks"] or redis_result["stale"]
        or not worker_result.get("killed") or failover_s < 0
        or sum(t.acked for t in translators) == 0 or not any(e.acked_events for e in editors)
    )  # fmt: skip
    print(
        f"CLUSTER DRILL: requests={total} errors={errors} lost_edits={lost} lost_emails={lost_emails} "
        f"duplicate_emails={duplicate_emails} failover_s={max(failover_s, 0):.1f}"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
