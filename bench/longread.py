"""Benchmark of the long read on the desk: the demo's ~120-paragraph job (``long-read``).

Loads the demo (``manage.py load_demo``) into a database of its own (``bench_longread`` on the
embedded server, or BENCH_LONGREAD_DATABASE_URL), then, in process with the Django test client
(every middleware runs; no network), times:

- the translator's editor page of the long read (``desk:translation``), as the demo has it (the
  opening translated, the rest left out) and with every box translated (English text about as
  long as the source, written and rolled back around each request: the page's heaviest case),
- its review page, as the reviewer (``desk:review``),
- "Open a translation job" for the long read's article: the form (GET) and opening it (POST, in
  a transaction rolled back after each run so every run opens the same job),
- the floor: a plain Django page with the same source paragraphs and one labelled textarea per
  paragraph, rendered by one loop of one template from one row, behind the same middleware —
  what any Django view showing this job as a form must at least spend.

For each it prints the median and slowest server time of N runs (after a warm-up), the page
weight and the queries per request (counted in a separate run: capturing queries slows them).

    .venv/bin/python bench/longread.py            # N=15
    BENCH_REPEAT=31 .venv/bin/python bench/longread.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))
LONG_READ = "long-read"


def setup_django() -> None:
    if os.environ.get("BENCH_LONGREAD_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_LONGREAD_DATABASE_URL"]
    else:
        from newsroom.core import embedded_db

        os.environ["DATABASE_URL"] = embedded_db.database_url("bench_longread")
    os.environ.setdefault("EXTRA_PUBLISHING_LANGUAGES", "de")  # a second language to open a job in
    os.environ.setdefault("DEBUG", "1")  # load_demo runs only with DEBUG on; nothing is served
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The desk's pages ask staff for a second factor; the benchmark measures the pages behind it.
    settings.DESK_REQUIRE_SECOND_FACTOR = False
    settings.ROOT_URLCONF = __name__
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo", quiet_accounts=True, verbosity=0)


FLOOR_TEMPLATE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ t.title }}</title></head>
<body><main><h1>{{ t.title }}</h1><form method="post">{% csrf_token %}
{% for b in blocks %}<div class="row"><div class="source" lang="ru">{{ b.text }}</div>
<label for="b-{{ b.id }}">Paragraph {{ forloop.counter }}</label>
<textarea id="b-{{ b.id }}" name="b-{{ b.id }}">{{ b.target }}</textarea></div>
{% endfor %}<button>Save</button></form></main></body></html>"""


def floor(request: Any, pk: int) -> Any:
    """One row (the job with its source revision) and one loop of one template."""
    from django.http import HttpResponse
    from django.template import engines

    from translations.models import Translation

    t = (
        Translation.objects.select_related("source_revision")
        .only("title", "blocks", "source_revision__blocks")
        .get(pk=pk)
    )
    blocks = [
        {"id": b["id"], "text": b.get("text", ""), "target": (t.blocks.get(b["id"]) or {}).get("text", "")}
        for b in t.source_revision.blocks
    ]
    template = engines["django"].from_string(FLOOR_TEMPLATE)
    return HttpResponse(template.render({"t": t, "blocks": blocks}, request))


def _urlpatterns() -> list[Any]:
    from django.urls import path

    from newsroom import urls as desk_urls

    return [path("_floor/longread/<int:pk>/", floor), *desk_urls.urlpatterns]


def __getattr__(name: str) -> Any:  # the URLconf is read lazily, after django.setup()
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


def timed(run: Callable[[], Any], check: Callable[[Any], None]) -> tuple[float, float, float, Any]:
    """Median and slowest wall time, and the median CPU time of this process (the Python side of
    the request; steadier than wall time on a shared machine), in ms, with the last response."""
    check(run())  # warm-up
    timings, cpu = [], []
    last = None
    for _ in range(REPEAT):
        started, started_cpu = time.perf_counter(), time.process_time()
        last = run()
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        check(last)
    return statistics.median(timings), max(timings), statistics.median(cpu), last


def count_queries(run: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        run()
    return len(ctx.captured_queries)


def main() -> None:
    if "--profile" in sys.argv:
        os.environ["BENCH_PROFILE"] = "1"
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import Client

    from translations.models import Translation

    t = Translation.objects.select_related("article").get(article__source_url__contains=f"/{LONG_READ}.html")
    users = get_user_model().objects
    translator, reviewer, editor = (users.get(username=n) for n in ("translator", "reviewer", "editor"))
    clients = {}
    for name, user in (("translator", translator), ("reviewer", reviewer), ("editor", editor)):
        clients[name] = Client()
        clients[name].force_login(user)
    other_language = "de"

    def open_job() -> Any:
        with transaction.atomic():
            response = clients["editor"].post(f"/desk/a/{t.article_id}/open/", {"language": other_language})
            transaction.set_rollback(True)
        return response

    def open_job_and_follow() -> Any:
        with transaction.atomic():
            response = clients["editor"].post(
                f"/desk/a/{t.article_id}/open/", {"language": other_language}, follow=True
            )
            transaction.set_rollback(True)
        return response

    def editor_filled() -> Any:
        # The same job with every box translated (English text as long as the source), rolled back.
        with transaction.atomic():
            source = t.source_revision.blocks
            filled = {
                b["id"]: {"text": "An English sentence of the long read. " * max(1, len(b.get("text", "")) // 40)}
                for b in source
            }
            Translation.objects.filter(pk=t.pk).update(blocks=filled)
            response = clients["translator"].get(f"/desk/t/{t.pk}/")
            transaction.set_rollback(True)
        return response

    def ok(status: int) -> Callable[[Any], None]:
        def check(response: Any) -> None:
            assert response.status_code == status, (response.status_code, response.get("Location"))

        return check

    targets: list[tuple[str, Callable[[], Any], int]] = [
        (
            "floor: 1 template loop, same paragraphs",
            lambda: clients["translator"].get(f"/_floor/longread/{t.pk}/"),
            200,
        ),
        ("editor page (translator)", lambda: clients["translator"].get(f"/desk/t/{t.pk}/"), 200),
        ("editor page, every box translated", editor_filled, 200),
        ("review page (reviewer)", lambda: clients["reviewer"].get(f"/desk/t/{t.pk}/review/"), 200),
        ("story page (its Open a job buttons)", lambda: clients["editor"].get(f"/desk/a/{t.article_id}/"), 200),
        ("open a job: the form", lambda: clients["editor"].get(f"/desk/a/{t.article_id}/open/"), 200),
        ("open a job: POST (opens it)", open_job, 302),
        ("open a job: POST + the page it leads to", open_job_and_follow, 200),
    ]
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        only = os.environ.get("BENCH_ONLY", "")
        for label, run, _status in targets[1:]:
            if only not in label:
                continue
            run()
            profiler = cProfile.Profile()
            profiler.enable()
            run()
            profiler.disable()
            print(f"=== {label}")
            pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(
                int(os.environ.get("BENCH_LINES", "45"))
            )
        return
    blocks = len(t.article.current_revision.blocks) if t.article.current_revision else 0
    print(f"long read: {blocks} source blocks; N={REPEAT} (median of N, in process, every middleware)")
    print(f"load average before: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} CPUs)")
    print(f"{'page':<42} {'median ms':>10} {'max ms':>8} {'CPU ms':>7} {'KB':>7} {'queries':>8} {'boxes':>6}")
    for label, run, status in targets:
        median, worst, cpu, response = timed(run, ok(status))
        body = response.content
        boxes = body.count(b"<textarea") + body.count(b'<input type="text"')
        queries = count_queries(run)
        print(f"{label:<42} {median:>10.1f} {worst:>8.1f} {cpu:>7.1f} {len(body) / 1024:>7.1f} {queries:>8} {boxes:>6}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
