"""Load test of the whole desk: readers, translators autosaving and editors moving jobs, at once.

Starts gunicorn (2 sync workers, no control socket) and a real Celery worker (filesystem
broker in a temporary folder) against their own database ``bench_load`` (migrated, demo
loaded, plus 8 translators and 2 editors with jobs of their own), then for a bounded
``LOAD_SECONDS`` (60) runs on 127.0.0.1 only:

* 50 reader threads: home, article and tag pages;
* 8 translator threads: log in, open their editor page for the CSRF token and
  ``edit_version``, then autosave new text again and again (the workspace's autosave
  endpoint ``desk:autosave``, JSON ``{"based_on", "blocks"}`` as editor.js sends it, a few
  times a second; without it, they post comments on their job instead); every
  ``LOAD_REOPEN`` (20) saves they open their editor page again, as a person coming back to the
  job does. Their jobs follow the demo's long read (~120 paragraphs), so "translator page" is
  the long read's editor page under load;
* 2 editor threads: spike and restore their own jobs through ``desk:transition`` and, between
  transitions, read the board (``/desk/``), My work (``/desk/mine/``) and Open jobs
  (``/desk/jobs/``) in turn.

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

from _server import free_port, gunicorn_start
from _server import stop as stop_server

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
READERS = int(os.environ.get("LOAD_READERS", "50"))
TRANSLATORS = int(os.environ.get("LOAD_TRANSLATORS", "8"))
EDITORS = int(os.environ.get("LOAD_EDITORS", "2"))
REOPEN = int(os.environ.get("LOAD_REOPEN", "20"))  # a translator opens the editor page again every N saves
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
            time.sleep(0.2)  # a person types; editor.js autosaves a few times a second at most
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


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp_name:
        tmp = Path(tmp_name)
        env = desk_env(tmp, database_url())
        for args in (
            ["migrate", "--noinput"],
            ["load_demo", "--force", "--quiet-accounts"],
            ["collectstatic", "--noinput"],
        ):
            subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
        people = shell(env, SETUP % {"password": PASSWORD, "translators": TRANSLATORS, "editors": EDITORS}, "SETUP")
        autosave_url = autosave_route(env)
        port = free_port()
        web = gunicorn_start(env=env, port=port)
        worker = subprocess.Popen(  # noqa: S603
            [PYTHON, "-m", "celery", "-A", "newsroom", "worker", "--pool=solo", "--loglevel=WARNING",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            articles, tags = people["articles"], people["tags"]
            paths = [("home", "/")] + [("article", p) for p in articles] + [("tag", p) for p in tags]
            stats, stop = Stats(), threading.Event()
            translators = [Translator(name, tid) for name, tid in people["translators"]]
            editors = [Editor(name, jobs) for name, jobs in people["editors"]]
            threads = [threading.Thread(target=reader, args=(port, paths, stats, stop, i)) for i in range(READERS)]
            threads += [
                threading.Thread(target=translator, args=(port, t, stats, stop, autosave_url)) for t in translators
            ]
            threads += [threading.Thread(target=editor, args=(port, e, stats, stop)) for e in editors]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            time.sleep(SECONDS)
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
            duration = time.monotonic() - started
        finally:
            for proc in (web, worker):
                stop_server(proc, timeout=15)
        check = shell(
            env,
            VERIFY % {"data": json.dumps({
                "texts": [[t.translation_id, list(t.acked.values())] for t in translators],
                "comments": [[t.translation_id, t.comments] for t in translators],
                "jobs": [[job, e.acked[job], people["events"].get(str(job), 0)] for e in editors for job in e.jobs],
            })},
            "VERIFY",
        )  # fmt: skip

    modes = sorted({t.mode for t in translators})
    print(f"\nLoad: {READERS} readers, {TRANSLATORS} translators ({'/'.join(modes)}), {EDITORS} editors; "
          f"{duration:.0f} s; gunicorn 2 sync workers + 1 Celery worker on {os.cpu_count()} cores; "
          f"translators' jobs of {people['paragraphs']} paragraphs; {people['jobs']} jobs on the desk")  # fmt: skip
    print(f"{'request':<16} {'count':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    total_errors = 0
    for kind in sorted(set(stats.latencies) | set(stats.errors)):
        values = stats.latencies.get(kind, [])
        errors = len(stats.errors.get(kind, []))
        total_errors += errors
        print(
            f"{kind:<16} {len(values):>7} {len(values) / duration:>8.1f} "
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
    return 1 if total_errors or lost or not transitions or not saves else 0


if __name__ == "__main__":
    sys.exit(main())
