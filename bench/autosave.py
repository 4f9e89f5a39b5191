"""Benchmark of the editor's autosave: gunicorn (2 workers) and 8 concurrent editors.

Sets up its own database ``bench_autosave`` on the embedded PostgreSQL (or
BENCH_AUTOSAVE_DATABASE_URL), a 120-block article with translations and 8 editors with
logged-in sessions, then starts gunicorn (2 sync workers, no control socket, DEBUG off) on
127.0.0.1 and runs 8 client threads that autosave for a bounded time:

* ``own``: each client autosaves its own 120-block translation (the normal case);
* ``shared``: all 8 autosave the same translation; stale saves get HTTP 409 and the client
  carries on from the version the server reports (as "Keep my text" does).

Reported: requests/s, p50/p99 latency, 409 conflicts and errors. Then the growth of the
django-reversion tables per 100 edits, for 100 autosaves and for 100 "save version" posts.

    .venv/bin/python bench/autosave.py           # BENCH_SECONDS=20 for "own", half for "shared"
"""

from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

from _server import free_port, gunicorn_start, stop

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
BLOCKS = 120
SECRET = "bench-autosave-" + secrets.token_urlsafe(32)
CSRF = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret, valid as cookie and header


def server_env() -> dict[str, str]:
    if os.environ.get("BENCH_AUTOSAVE_DATABASE_URL"):
        url = os.environ["BENCH_AUTOSAVE_DATABASE_URL"]
    else:
        sys.path.insert(0, str(ROOT))
        from newsroom.core import embedded_db

        url = embedded_db.database_url("bench_autosave")
    tmp = Path(tempfile.mkdtemp(prefix="bench-autosave-"))
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            "DEBUG": "0",
            "SECRET_KEY": SECRET,
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DESK_HTTPS": "0",
            "CACHE_DIR": str(tmp / "cache"),
            "STATIC_ROOT": str(tmp / "static"),
            "CELERY_BROKER_DIR": str(tmp / "broker"),
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "ERROR",  # 409s are expected here; django.request would log each
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        }
    )
    return env


def setup_data(env: dict[str, str]) -> dict[str, Any]:
    """Migrate, then (re)create the article, translations and editors; return ids and cookies."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from newsroom.models import Article, Outlet, SourceRevision
    from translations.models import Contributor, State, Translation

    call_command("migrate", verbosity=0)
    Translation.objects.filter(article__source_url__startswith="https://bench.example/").delete()
    Article.objects.filter(source_url__startswith="https://bench.example/").delete()
    get_user_model().objects.filter(username__startswith="bench-editor-").delete()
    outlet, _created = Outlet.objects.get_or_create(
        slug="bench", defaults={"name": "Bench", "credit_name": "Bench", "site_url": "https://bench.example"}
    )
    rng = random.Random(7)
    words = "пикет сотрудники МИД Минск протест выборы суд задержание Окрестина журналист заявление".split()
    blocks = [
        {
            "id": f"p-{i:04d}",
            "kind": "paragraph",
            "text": " ".join(rng.choice(words) for _ in range(40)) + ".",
            "html": "",
            "attrs": {},
        }
        for i in range(BLOCKS)
    ]
    editor_group = Group.objects.get(name="editor")
    editors = []
    for i in range(CLIENTS):
        user = get_user_model().objects.create_user(f"bench-editor-{i}", f"bench{i}@bench.example", "x" * 12)
        user.groups.add(editor_group)
        Contributor.objects.get_or_create(user=user)
        editors.append(user)
    translations = []
    for i in range(CLIENTS + 1):
        article = Article.objects.create(
            outlet=outlet,
            source_url=f"https://bench.example/{i}",
            language="ru",
            source_title=f"Bench article {i}",
            source_published_at=timezone.now(),
        )
        revision = SourceRevision.objects.create(
            article=article, number=1, fetched_at=timezone.now(), title=article.source_title, blocks=blocks
        )
        article.current_revision = revision
        article.save(update_fields=["current_revision"])
        translations.append(
            Translation.objects.create(
                article=article,
                source_revision=revision,
                state=State.IN_PROGRESS,
                translator=editors[i % CLIENTS],
                title=f"Bench {i}",
                blocks={b["id"]: {"text": "English text of the paragraph " * 8} for b in blocks},
            )
        )
    cookies = []
    for user in editors:
        client = Client()
        client.force_login(user)
        cookies.append(client.cookies["sessionid"].value)
    return {"translations": [t.pk for t in translations], "cookies": cookies}


def post(port: int, path: str, cookie: str, body: bytes, content_type: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": content_type,
                "Cookie": f"sessionid={cookie}; csrftoken={CSRF}",
                "X-CSRFToken": CSRF,
                "Host": "127.0.0.1",
            },
        )
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def autosave_loop(
    port: int, pk: int, cookie: str, until: float, out: dict[str, list[Any]], seed: int, version: int
) -> None:
    rng = random.Random(seed)
    path = f"/desk/t/{pk}/autosave/"
    while time.monotonic() < until:
        block = f"p-{rng.randrange(BLOCKS):04d}"
        text = f"Edited by client {seed} at {time.time():.6f}. " + "More words of the paragraph " * 8
        body = json.dumps({"based_on": version, "blocks": {block: {"text": text}}}).encode()
        started = time.perf_counter()
        try:
            status, raw = post(port, path, cookie, body, "application/json")
        except OSError:
            out["errors"].append(1)
            continue
        out["latency"].append((time.perf_counter() - started) * 1000)
        if status == 200:
            version = json.loads(raw)["edit_version"]
            out["ok"].append(1)
        elif status == 409:
            version = json.loads(raw)["current_version"]
            out["conflicts"].append(1)
        else:
            out["errors"].append(status)


def run_phase(port: int, data: dict[str, Any], *, shared: bool, seconds: float) -> dict[str, float]:
    from translations.models import Translation

    out: dict[str, list[Any]] = {"latency": [], "ok": [], "conflicts": [], "errors": []}
    versions = dict(Translation.objects.filter(pk__in=data["translations"]).values_list("pk", "edit_version"))
    until = time.monotonic() + seconds
    threads = []
    for i in range(CLIENTS):
        pk = data["translations"][-1] if shared else data["translations"][i]
        args = (port, pk, data["cookies"][i], until, out, i, versions[pk])
        threads.append(threading.Thread(target=autosave_loop, args=args, daemon=True))
    started = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.monotonic() - started
    lat = sorted(out["latency"])
    q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [lat[0] if lat else 0.0] * 99
    return {
        "requests": len(lat),
        "rps": len(lat) / elapsed,
        "p50": q[49],
        "p99": q[98],
        "ok": len(out["ok"]),
        "conflicts": len(out["conflicts"]),
        "errors": len(out["errors"]),
    }


def revision_growth(port: int, data: dict[str, Any]) -> dict[str, dict[str, float]]:
    from django.db import connection

    from translations.models import Translation

    def sizes() -> tuple[int, int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT count(*) FROM reversion_version), (SELECT count(*) FROM reversion_revision), "
                "pg_total_relation_size('reversion_version') + pg_total_relation_size('reversion_revision')"
            )
            row = cursor.fetchone()
        assert row is not None
        return int(row[0]), int(row[1]), int(row[2])

    pk, cookie = data["translations"][0], data["cookies"][0]
    results = {}
    for label in ("autosave", "save version"):
        before = sizes()
        for i in range(100):
            version = Translation.objects.values_list("edit_version", flat=True).get(pk=pk)
            block = f"p-{i % BLOCKS:04d}"
            if label == "autosave":
                body = json.dumps({"based_on": version, "blocks": {block: {"text": f"Autosave {i}"}}}).encode()
                status, _raw = post(port, f"/desk/t/{pk}/autosave/", cookie, body, "application/json")
                assert status == 200, status
            else:
                form = {
                    "based_on": version,
                    f"b-{block}-text": f"Version {i}",
                    "op": "version",
                    "version_comment": f"v{i}",
                }
                status, _raw = post(
                    port,
                    f"/desk/t/{pk}/",
                    cookie,
                    urllib.parse.urlencode(form).encode(),
                    "application/x-www-form-urlencoded",
                )
                assert status == 302, status
        after = sizes()
        results[label] = {
            "versions": after[0] - before[0],
            "revisions": after[1] - before[1],
            "kib": (after[2] - before[2]) / 1024,
        }
    return results


def main() -> None:
    env = server_env()
    print("Setting up bench_autosave …", flush=True)
    data = setup_data(env)
    port = free_port()
    log_path = Path(env["CACHE_DIR"]).parent / "gunicorn.log"
    log = log_path.open("wb")
    # Django logs every expected 409 as a warning: keep that out of the report.
    proc = gunicorn_start(env=env, port=port, log=log)
    try:
        # Warm every worker's database connection.
        run_phase(port, data, shared=False, seconds=1.5)
        own = run_phase(port, data, shared=False, seconds=SECONDS)
        shared = run_phase(port, data, shared=True, seconds=SECONDS / 2)
        growth = revision_growth(port, data)
    finally:
        stop(proc)
        log.close()
    print(f"\nServer log: {log_path}")
    print(f"Autosave, {CLIENTS} clients, gunicorn 2 sync workers, {BLOCKS}-block translations")
    print(f"{'scenario':<28}{'req':>7}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'200':>7}{'409':>7}{'errors':>8}")
    for name, r in (("own translation each", own), ("all on one translation", shared)):
        print(
            f"{name:<28}{r['requests']:>7}{r['rps']:>9.1f}{r['p50']:>9.1f}{r['p99']:>9.1f}"
            f"{r['ok']:>7}{r['conflicts']:>7}{r['errors']:>8}"
        )
    print("\nRevision tables per 100 edits (one 120-block translation)")
    print(f"{'kind':<16}{'versions':>10}{'revisions':>11}{'KiB':>10}")
    for name, g in growth.items():
        print(f"{name:<16}{g['versions']:>10.0f}{g['revisions']:>11.0f}{g['kib']:>10.1f}")


if __name__ == "__main__":
    main()
