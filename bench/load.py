"""Load test of the whole desk: readers, translators autosaving and editors moving jobs, at once.

Starts gunicorn (2 sync workers, no control socket) and a real Celery worker (filesystem
broker in a temporary folder) against their own database ``bench_load`` (migrated, demo
loaded, plus 8 translators and 2 editors with jobs of their own), then for a bounded
``LOAD_SECONDS`` (60) runs on 127.0.0.1 only:

* 50 readers (threads in ``LOAD_READER_PROCESSES`` (2) processes of their own, so that their
  turns at the interpreter lock never count in the desk's times): home, article and tag pages,
  each asking again as soon as it is answered;
* 8 translator threads: log in, open their editor page for the CSRF token and
  ``edit_version``, then autosave new text again and again (the workspace's autosave
  endpoint ``desk:autosave``, JSON ``{"based_on", "blocks"}`` as editor.js sends it, at
  editor.js's pace: ``LOAD_SAVE_PAUSE`` (2 s, its ``DELAY``) between an answer and the next
  save; without it, they post comments on their job instead); every ``LOAD_REOPEN`` (5) saves
  they open their editor page again, as a person coming back to the job does. Their jobs
  follow the demo's long read (~120 paragraphs), so "translator page" is the long read's
  editor page under load;
* 2 editor threads: spike and restore their own jobs through ``desk:transition`` and, between
  transitions, read the board (``/desk/``), My work (``/desk/mine/``) and Open jobs
  (``/desk/jobs/``) in turn, with 50 ms between requests.

It runs that load twice (``LOAD_PHASES``: ``both``, ``one`` or ``staff``), on a fresh gunicorn
each time, and prints a table for each:

* *one address for everyone*, the baseline: every request waits in gunicorn's one queue;
* *the desk at its own address*: gunicorn binds a second address, and the translators and
  editors use it, as production's haproxy sends the desk's paths there (``make cluster``). A sync
  worker takes one waiting connection from each address in turn, so a desk request never
  waits behind the readers' queue (docs/DESIGN.md, "Two queues").

``LOAD_EDGE=1`` puts Varnish (as ``make cluster`` runs it) in front of everyone.

The desk's lists are timed at the size of the database they run on: ``BENCH_DATABASE_URL``
names another one, e.g. ``bench_desk`` built by ``bench/desk.py`` (50,000 articles with jobs in
every state) for the issue's "at 50,000 jobs".

It prints throughput and p50/p99 per kind of request and the errors (which must be 0), then
checks that nothing acknowledged was lost: each translator's last acknowledged text is in
the database (and every acknowledged comment), and each editor's jobs are in the state their
acknowledged transitions left them in, with one workflow event per transition. Exits 1 on any
error or loss.

    .venv/bin/python bench/load.py            # LOAD_SECONDS=60 LOAD_READERS=50 by default
"""

from __future__ import annotations

import html.parser
import http.client
import json
import multiprocessing
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _server import free_port, gunicorn_start, threads_run
from _server import stop as stop_server
from cluster_edge import Edge

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
READERS = int(os.environ.get("LOAD_READERS", "50"))
TRANSLATORS = int(os.environ.get("LOAD_TRANSLATORS", "8"))
# LOAD_EDGE=1: everyone through the edge cache (Varnish, as `make cluster` runs it), so readers'
# pages come from Varnish. Off by default: 50 readers who never pause, on the same 2 cores,
# would then ask Varnish for thousands of pages a second and the load would measure themselves.
EDGE = os.environ.get("LOAD_EDGE", "0") == "1"
READER_PROCESSES = int(os.environ.get("LOAD_READER_PROCESSES", "2"))
# Phases, each LOAD_SECONDS: everyone at one address (the baseline), then the desk's users at
# gunicorn's second address as production's haproxy sends them (LOAD_PHASES=staff: that one only).
STAFF_PHASES = {"both": (False, True), "one": (False,), "staff": (True,)}[os.environ.get("LOAD_PHASES", "both")]
READER_NICE = int(os.environ.get("LOAD_READER_NICE", "0"))
# Between a translator's saves: editor.js's DELAY (it saves 2 s after the last keystroke, so a
# person typing without pause saves at most every 2 s plus the answer's time).
SAVE_PAUSE = float(os.environ.get("LOAD_SAVE_PAUSE", "2"))
EDITORS = int(os.environ.get("LOAD_EDITORS", "2"))
REOPEN = int(os.environ.get("LOAD_REOPEN", "5"))  # a translator opens the editor page again every N saves
EDITOR_PAGES = (("board", "/desk/"), ("my work", "/desk/mine/"), ("open jobs", "/desk/jobs/"))
PASSWORD = "load-test-password-1"  # noqa: S105 - a throwaway account in a throwaway database


# --- HTTP -----------------------------------------------------------------------------


@dataclass
class JSON:
    value: Any


class Session:
    """One browser: a keep-alive connection to 127.0.0.1 and its cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, data: Any = None) -> tuple[int, dict[str, str], str]:
        """``data``: form fields (dict or pairs), or a :class:`JSON` body."""
        headers = {"Host": "127.0.0.1", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if isinstance(data, JSON):
            body = json.dumps(data.value)
            headers["Content-Type"] = "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if body is not None:
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", errors="replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # gunicorn's sync workers close the connection after each response: reconnect once.
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                self.cookies[key.strip()] = val.strip().strip('"')
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text

    def login(self, username: str) -> None:
        self.request("GET", "/accounts/login/")
        status, headers, _ = self.request(
            "POST",
            "/accounts/login/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")},
        )
        if status != 302:
            raise RuntimeError(f"login of {username} failed: HTTP {status}")


class Forms(html.parser.HTMLParser):
    """Every form on a page: action, attributes and its fields' names and values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"attrs": a, "fields": [], "textareas": []})
        elif self.forms and tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") in ("submit", "button"):
                return
            self.forms[-1]["fields"].append([a["name"], a.get("value", "")])
        elif self.forms and tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.forms[-1]["fields"].append([a["name"], ""])
            self.forms[-1]["textareas"].append(a["name"])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and self.forms:
            self.forms[-1]["fields"][-1][1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None


def forms_of(page: str) -> list[dict[str, Any]]:
    parser = Forms()
    parser.feed(page)
    return parser.forms


# --- Measurements ---------------------------------------------------------------------


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def timed(
        self, kind: str, session: Session, method: str, path: str, data: Any = None, ok: tuple[int, ...] = (200,)
    ):
        started = time.perf_counter()
        try:
            status, headers, text = session.request(method, path, data)
        except Exception as exc:  # a refused or broken connection is an error, not a crash
            with self.lock:
                self.errors[kind].append(f"{method} {path}: {exc!r}")
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies[kind].append(elapsed)
            if status not in ok:
                self.errors[kind].append(f"{method} {path}: HTTP {status}")
                return None
        return status, headers, text


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


# --- The three kinds of user ----------------------------------------------------------


def reader(port: int, paths: list[str], stats: Stats, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    session = Session(port)
    while not stop.is_set():
        kind, path = rng.choice(paths)
        stats.timed(f"read {kind}", session, "GET", path)


def readers_process(port: int, paths: list[str], seeds: list[int], seconds: float, out: Any) -> None:
    """Some of the readers, in a process of their own: a reader's browser does not share the load
    generator's interpreter lock with the editors' (whose waits would then count its turns).
    ``LOAD_READER_NICE`` lowers their priority: their browsers would be on other machines."""
    os.nice(READER_NICE)
    stats, stop = Stats(), threading.Event()
    threads_run(
        [threading.Thread(target=reader, args=(port, paths, stats, stop, seed)) for seed in seeds], stop, seconds
    )
    out.send((dict(stats.latencies), dict(stats.errors)))
    out.close()


@dataclass
class Translator:
    username: str
    translation_id: int
    acked: dict[str, str] = field(default_factory=dict)  # field name → last acknowledged text
    comments: list[str] = field(default_factory=list)
    mode: str = ""


def translator(port: int, who: Translator, stats: Stats, stop: threading.Event, autosave_url: str) -> None:
    session = Session(port)
    session.login(who.username)
    page_path = f"/desk/t/{who.translation_id}/"
    result = stats.timed("translator page", session, "GET", page_path)
    if result is None:
        return
    form = next((f for f in forms_of(result[2]) if any(n == "based_on" for n, _v in f["fields"])), None)
    n = 0
    if form is not None and autosave_url:
        # The workspace's JSON autosave (what editor.js sends): {"based_on", "blocks": {id: {"text"}}}.
        who.mode = "autosave"
        version = int(next(v for name, v in form["fields"] if name == "based_on"))
        target = next(name for name in form["textareas"] if re.fullmatch(r"b-.+-text", name))
        block_id = target[2:-5]
        url = autosave_url.replace("/0/", f"/{who.translation_id}/", 1)
        while not stop.is_set():
            n += 1
            text = f"load {who.username} save {n}"
            body = JSON({"based_on": version, "blocks": {block_id: {"text": text}}})
            response = stats.timed("autosave", session, "POST", url, body)
            if response is None:
                continue
            who.acked[block_id] = text
            version = int(json.loads(response[2])["edit_version"])
            if n % REOPEN == 0:
                stats.timed("translator page", session, "GET", page_path)
            time.sleep(SAVE_PAUSE)  # a person types on; editor.js saves 2 s after the last keystroke
    else:
        who.mode = "comment"
        comment_url = f"/desk/t/{who.translation_id}/comments/"
        while not stop.is_set():
            n += 1
            text = f"load {who.username} comment {n}"
            data = {"body": text, "block_id": "", "csrfmiddlewaretoken": session.cookies.get("csrftoken", "")}
            if stats.timed("comment", session, "POST", comment_url, data, ok=(200, 302)) is not None:
                who.comments.append(text)
            time.sleep(0.05)


@dataclass
class Editor:
    username: str
    jobs: list[int]
    acked: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # job → acknowledged transitions


def editor(port: int, who: Editor, stats: Stats, stop: threading.Event) -> None:
    session = Session(port)
    session.login(who.username)
    stats.timed("editor board", session, "GET", "/desk/")
    i = 0
    while not stop.is_set():
        job = who.jobs[i % len(who.jobs)]
        i += 1
        action = "spike" if who.acked[job] % 2 == 0 else "restore"
        data = {"comment": f"load {action}", "csrfmiddlewaretoken": session.cookies.get("csrftoken", "")}
        result = stats.timed("transition", session, "POST", f"/desk/t/{job}/do/{action}/", data, ok=(302,))
        if result is not None:
            who.acked[job] += 1
        kind, path = EDITOR_PAGES[i % len(EDITOR_PAGES)]
        stats.timed(kind, session, "GET", path)
        time.sleep(0.05)


# --- Set-up and checks ----------------------------------------------------------------

SETUP = """
import datetime as dt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from newsroom.models import Article, SourceRevision
from translations import workflow
from django.db.models import Count
from translations.models import Contributor, Translation, WorkflowEvent
User = get_user_model()
# The translators' jobs follow the demo's long read (~120 paragraphs): their editor page is the heavy one.
seed = (Article.objects.filter(source_url__contains='/long-read.html', current_revision__isnull=False).first()
        or Article.objects.filter(current_revision__isnull=False).order_by('pk').first())
rev = seed.current_revision
boss = User.objects.get(username='editor')
out = {'translators': [], 'editors': [], 'paragraphs': len(rev.blocks)}
def job(n):
    url = f'https://load.example/{seed.pk}/story-{n}.html'
    art = Article.objects.filter(source_url=url).first()
    if art is None:
        art = Article.objects.create(source_url=url, language=seed.language, source_title=f'Load story {n}', outlet=seed.outlet)
        r = SourceRevision.objects.create(article=art, number=1, fetched_at=timezone.now(), title=art.source_title, blocks=rev.blocks)
        art.current_revision = r
        art.save(update_fields=['current_revision'])
        workflow.translation_create(article=art, by=boss)
    return Translation.objects.get(article=art, language='en')
def person(name, group, volunteer):
    u, _ = User.objects.get_or_create(username=name, defaults={'email': f'{name}@desk.example', 'first_name': 'Load', 'last_name': name})
    u.set_password(%(password)r)
    u.save()
    u.groups.set(Group.objects.filter(name=group))
    Contributor.objects.get_or_create(user=u, defaults={'is_volunteer': volunteer})
    return User.objects.get(pk=u.pk)
for i in range(%(translators)d):
    u = person(f'load-translator-{i}', 'translator', True)
    t = job(f't{i}')
    if t.translator_id != u.pk:
        t = workflow.translation_assign(translation=t, by=boss, translator=u)
    out['translators'].append([u.username, t.pk])
for i in range(%(editors)d):
    u = person(f'load-editor-{i}', 'editor', False)
    jobs = []
    for k in range(3):
        t = job(f'e{i}-{k}')
        if t.state == 'spiked':  # left so by an earlier run
            t = workflow.translation_restore(translation=t, by=boss)
        jobs.append(t.pk)
    out['editors'].append([u.username, jobs])
from newsroom.models import Tag
live = Article.objects.filter(published_at_en__isnull=False).exclude(slug_en='')
out['articles'] = [a.get_absolute_url() for a in live[:20]]
out['tags'] = [t.get_absolute_url() for t in Tag.objects.filter(articles__in=live).distinct()[:20]]
out['events'] = {str(pk): n for pk, n in WorkflowEvent.objects.filter(action__in=['spike', 'restore']).values_list('translation_id').annotate(n=Count('pk'))}
out['jobs'] = Translation.objects.count()
print('SETUP ' + json.dumps(out))
"""

VERIFY = """
from translations.models import Comment, Translation, WorkflowEvent
data = json.loads(%(data)r)
out = {'text': [], 'comments': [], 'jobs': []}
for tid, texts in data['texts']:
    t = Translation.objects.get(pk=tid)
    stored = json.dumps([t.title, t.lead, t.blocks, t.notes, t.tags])
    out['text'] += [[tid, text] for text in texts if text not in stored]
for tid, bodies in data['comments']:
    have = set(Comment.objects.filter(translation_id=tid).values_list('body', flat=True))
    out['comments'] += [[tid, b] for b in bodies if b not in have]
for tid, count, before in data['jobs']:
    t = Translation.objects.get(pk=tid)
    events = WorkflowEvent.objects.filter(translation_id=tid, action__in=['spike', 'restore']).count() - before
    want = 'spiked' if count %% 2 else 'open'
    if t.state != want or events != count:
        out['jobs'].append([tid, t.state, want, events, count])
print('VERIFY ' + json.dumps(out))
"""


def shell(env: dict[str, str], code: str, marker: str) -> Any:
    result = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", "import json\n" + code],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    line = next(line for line in result.stdout.splitlines() if line.startswith(marker + " "))
    return json.loads(line[len(marker) + 1 :])


def database_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    sys.path.insert(0, str(ROOT))
    from newsroom.core import embedded_db

    return embedded_db.database_url("bench_load")


def desk_env(tmp: Path, db_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "0",
        "DESK_TESTING": "0",
        "SECRET_KEY": "load-test-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DESK_HTTPS": "0",
        "DATABASE_URL": db_url,
        "STATIC_ROOT": str(tmp / "static"),
        "CACHE_DIR": str(tmp / "cache"),
        "CELERY_BROKER_DIR": str(tmp / "broker"),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "AXES_FAILURE_LIMIT": "1000",
        "DESK_REQUIRE_SECOND_FACTOR": "0",  # as `make run` serves the demo: editors sign in with a password
        "PYTHONPATH": str(ROOT),
    }


def autosave_route(env: dict[str, str]) -> str:
    """``/desk/t/0/…`` of ``desk:autosave`` if the workspace has it, else ""."""
    code = (
        "from django.urls import NoReverseMatch, reverse\n"
        "try:\n    print('ROUTE ' + json.dumps(reverse('desk:autosave', kwargs={'pk': 0})))\n"
        "except NoReverseMatch:\n    print('ROUTE \"\"')\n"
    )
    return str(shell(env, code, "ROUTE"))


class EdgeHost:
    """What :class:`cluster_edge.Edge` asks of the cluster it fronts, for the one gunicorn here:
    a folder, the backend's port, and its child processes."""

    def __init__(self, folder: Path, backend_port: int) -> None:
        self.dir, self.lb_port, self.logs = folder, backend_port, folder / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def spawn(self, name: str, args: list[str], **_: Any) -> None:
        with (self.logs / f"{name}.log").open("ab") as log:
            self.procs[name] = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603

    def alive(self, name: str) -> bool:
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    def stop(self) -> None:
        for proc in self.procs.values():
            stop_server(proc, timeout=15)


@dataclass
class Phase:
    """One timed run: how the desk was served, what each user saw, and what the database kept."""

    label: str
    stats: Stats
    translators: list[Translator]
    editors: list[Editor]
    duration: float
    check: dict[str, list[Any]]


def run_phase(tmp: Path, env: dict[str, str], people: dict[str, Any], autosave_url: str, *, staff: bool) -> Phase:
    """The whole load for ``SECONDS`` against a fresh gunicorn (and edge, with ``EDGE``);
    ``staff``: the desk's users reach it at its second address, as haproxy sends them in
    production, readers at the first."""
    env = dict(env)
    backend = free_port()
    edge = Edge(EdgeHost(tmp / f"edge-{staff}", backend), port=free_port()) if EDGE else None  # type: ignore[arg-type]
    if edge is not None:
        env.update(edge.env())  # the desk purges the edge after each change, as in production
    staff_port = free_port() if staff else None
    web = gunicorn_start(env=env, port=backend, staff_port=staff_port)
    worker = subprocess.Popen(  # noqa: S603
        [PYTHON, "-m", "celery", "-A", "newsroom", "worker", "--pool=solo", "--loglevel=WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        if edge is not None:
            edge.start()
        port = edge.port if edge is not None else backend
        desk_port = staff_port or port
        paths = [("home", "/")] + [("article", p) for p in people["articles"]] + [("tag", p) for p in people["tags"]]
        stats, stop = Stats(), threading.Event()
        translators = [Translator(name, tid) for name, tid in people["translators"]]
        editors = [Editor(name, jobs) for name, jobs in people["editors"]]
        pipes, procs = [], []
        for k in range(READER_PROCESSES):
            receive, send = multiprocessing.Pipe(duplex=False)
            seeds = list(range(k, READERS, READER_PROCESSES))
            proc = multiprocessing.Process(target=readers_process, args=(port, paths, seeds, SECONDS, send))
            proc.start()
            pipes.append(receive)
            procs.append(proc)
        threads = [
            threading.Thread(target=translator, args=(desk_port, t, stats, stop, autosave_url)) for t in translators
        ]
        threads += [threading.Thread(target=editor, args=(desk_port, e, stats, stop)) for e in editors]
        started = time.monotonic()
        threads_run(threads, stop, SECONDS)
        for receive, proc in zip(pipes, procs, strict=True):
            latencies, errors = receive.recv()
            proc.join(timeout=60)
            for kind, values in latencies.items():
                stats.latencies[kind] += values
            for kind, messages in errors.items():
                stats.errors[kind] += messages
        duration = time.monotonic() - started
    finally:
        for server in (web, worker):
            stop_server(server, timeout=15)
        if edge is not None:
            edge.cluster.stop()
    check = shell(
        env,
        VERIFY % {"data": json.dumps({
            "texts": [[t.translation_id, list(t.acked.values())] for t in translators],
            "comments": [[t.translation_id, t.comments] for t in translators],
            "jobs": [[job, e.acked[job], people["events"].get(str(job), 0)] for e in editors for job in e.jobs],
        })},
        "VERIFY",
    )  # fmt: skip
    label = "the desk at its own address (staff bind)" if staff else "one address for everyone (baseline)"
    return Phase(label, stats, translators, editors, duration, check)


def report(phase: Phase) -> int:
    """Print ``phase``'s table; the number of errors and losses."""
    stats, translators, editors, check = phase.stats, phase.translators, phase.editors, phase.check
    print(f"\n-- {phase.label}: {phase.duration:.0f} s")
    print(f"{'request':<16} {'count':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    total_errors = 0
    for kind in sorted(set(stats.latencies) | set(stats.errors)):
        values = stats.latencies.get(kind, [])
        errors = len(stats.errors.get(kind, []))
        total_errors += errors
        print(
            f"{kind:<16} {len(values):>7} {len(values) / phase.duration:>8.1f} "
            f"{percentile(values, 0.5) * 1000:>8.1f} {percentile(values, 0.99) * 1000:>8.1f} {errors:>7}"
        )
    for kind, messages in stats.errors.items():
        for message in messages[:5]:
            print(f"  error {kind}: {message}")
    saves = sum(len(t.acked) for t in translators) + sum(len(t.comments) for t in translators)
    transitions = sum(sum(e.acked.values()) for e in editors)
    lost = len(check["text"]) + len(check["comments"]) + len(check["jobs"])
    autosaves = len(stats.latencies.get("autosave", [])) - len(stats.errors.get("autosave", []))
    print(
        f"acknowledged: {autosaves} autosaves, {sum(len(t.comments) for t in translators)} comments, "
        f"{transitions} transitions; checked: the last text of each of {len(translators)} translators, "
        f"every comment, every job's state and events"
    )
    print(f"errors: {total_errors}   lost: {lost}")
    for problem in (check["text"] + check["comments"] + check["jobs"])[:10]:
        print(f"  lost: {problem}")
    return total_errors + lost + (0 if transitions and saves else 1)


def main() -> int:
    phases = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp_name:
        tmp = Path(tmp_name)
        env = desk_env(tmp, database_url())
        for args in (
            ["migrate", "--noinput"],
            ["load_demo", "--force", "--quiet-accounts"],
            ["collectstatic", "--noinput"],
        ):
            subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
        autosave_url = autosave_route(env)
        for staff in STAFF_PHASES:
            # Each phase starts from the same jobs: spiked ones restored, events counted again.
            people = shell(env, SETUP % {"password": PASSWORD, "translators": TRANSLATORS, "editors": EDITORS}, "SETUP")
            phases.append(run_phase(tmp, env, people, autosave_url, staff=staff))
    modes = sorted({t.mode for phase in phases for t in phase.translators})
    print(f"\nLoad: {READERS} readers ({READER_PROCESSES} processes, nice {READER_NICE}), {TRANSLATORS} translators "
          f"({'/'.join(modes)}), {EDITORS} editors; {SECONDS:.0f} s a phase; gunicorn 2 sync workers + 1 Celery worker "
          f"on {os.cpu_count()} cores{', readers through Varnish' if EDGE else ''}; translators' jobs of "
          f"{people['paragraphs']} paragraphs; {people['jobs']} jobs on the desk")  # fmt: skip
    problems = sum(report(phase) for phase in phases)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
