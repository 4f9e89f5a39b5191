"""Benchmark of the public site at 2,000 and 50,000 published stories: gunicorn (2 workers) + wrk.

For each archive size it loads the stories with ``manage.py import_archive`` (a synthetic
archive from ``bench/archive_sample.py``; the command is idempotent, so a second run reuses
the database), then measures with warm page caches and with the page cache off: an article
page, the home page, a tag page (and its third page), an outlet, a translator, the archive and
one month, a search for a common word and its second page, the read API's story list, its
``?q=`` search and one story (``api-list``, ``api-q``, ``api-story``), the two searches again
with a word never asked before in every request (``search-new``, ``api-q-new``: what a search
costs the first time it is asked after a publication; the others are asked again, and read what
the search kept for the listings version), and ``/_floor/<slug>/``
(``bench/floor_urls.py``:
the same stored story, title, lead, body and credits, from one row through a minimal
template, behind the same middleware). Figures are requests/s and p50/p99 latency, also as
ratios to the floor, plus, in process with the page cache off, CPU ms per request and
queries for each page (``bench/site_cpu.py``).

Loading 50,000 stories one by one through ``import_archive`` takes hours on a loaded 2-core
machine (about 0.1-0.25 s per story, ~45 queries: the same services as the desk). So at most
``BENCH_IMPORT_LIMIT`` stories (default 2,000) go through the command; the rest of a larger
archive is made by copying those published stories in SQL (article rows with their live
fields, rendered body, related ids, tags, translation and credits; new source URL, slug and
an earlier publication time). ``BENCH_IMPORT_LIMIT=50000`` imports all of them through the
command instead.

Needs wrk (Debian package) and the embedded PostgreSQL (or BENCH_DATABASE_URL, used for every
size). Uses its own databases ``bench_site_<size>``, its own cache and static directories, and
a gunicorn without a control socket, so it collides with nothing else on the machine.

    .venv/bin/python bench/site.py                      # 2,000 and 50,000 stories
    .venv/bin/python bench/site.py --articles 2000      # one size (repeatable: --articles 2000 --articles 50000)
    .venv/bin/python bench/site.py --fresh              # drop the bench databases first (times the import)

Environment: BENCH_SECONDS=10 per target, BENCH_CONNECTIONS=8, BENCH_IMPORT_LIMIT=2000.

The summary table per size gives, for each page, the uncached and warm throughput as a ratio
to the floor (wrk, noisy on a shared machine: the load average is printed with it), and the
robust in-process figures: CPU ms per request (time.process_time of one Python process,
page cache off and warm) with their ratio to the floor, and queries per request.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import archive_sample
from _server import free_port, gunicorn_start, stop

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "2000,50000").split(",") if n.strip()]
IMPORT_LIMIT = int(os.environ.get("BENCH_IMPORT_LIMIT", "2000"))


def database_url(size: int, *, fresh: bool = False) -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    sys.path.insert(0, str(ROOT))
    from newsroom.core import embedded_db

    name = f"bench_site_{size}"
    if fresh:
        import psycopg
        from psycopg import sql

        embedded_db.ensure_running()
        with psycopg.connect(
            host=str(embedded_db.socket_dir()), user=embedded_db.SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    return embedded_db.database_url(name)


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310
        assert response.status == 200, url
        return response.read().decode()


def parse_wrk(output: str) -> dict[str, float]:
    def ms(value: str) -> float:
        number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rps, "p50": p50, "p99": p99, "non2xx": float(errors.group(1)) if errors else 0.0}


FAILED = {"rps": float("nan"), "p50": float("nan"), "p99": float("nan"), "non2xx": 0.0}


# For a target whose path holds ``{n}``: every request puts in a word never asked before (this run,
# the wrk thread and a counter), so no search is answered from what an earlier one kept.
FRESH_LUA = """
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
local n = 0
function request() n = n + 1; return wrk.format(nil, %(before)s .. "%(run)s" .. tid .. "x" .. n .. %(after)s) end
"""


def fresh_script(path: str, directory: Path) -> list[str]:
    """wrk's ``-s`` arguments for ``path`` (nothing when it has no ``{n}``)."""
    if "{n}" not in path:
        return []
    before, after = path.split("{n}", 1)
    script = directory / f"fresh-{uuid.uuid4().hex}.lua"
    run = uuid.uuid4().hex[:8]
    script.write_text(FRESH_LUA % {"before": json.dumps(before), "after": json.dumps(after), "run": run})
    return ["-s", str(script)]


def wrk(url: str, seconds: int = SECONDS) -> dict[str, float]:
    """wrk's figures for ``url``; tried twice (a loaded machine can starve one run), else nan. A
    ``{n}`` in ``url`` is a fresh word per request (:data:`FRESH_LUA`)."""
    origin, path = re.match(r"(https?://[^/]+)(.*)", url).groups()  # type: ignore[union-attr]
    for _attempt in range(2):
        try:
            with tempfile.TemporaryDirectory() as scripts:
                out = subprocess.run(
                    ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "30s", "--latency",
                     *fresh_script(path, Path(scripts)), origin + path.replace("{n}", "")],
                    capture_output=True,
                    text=True,
                    check=True,
                    timeout=seconds + 60,
                ).stdout  # fmt: skip
            figures = parse_wrk(out)
        except (subprocess.SubprocessError, AttributeError, ValueError) as exc:
            print(f"  wrk {url}: {exc.__class__.__name__}, again", file=sys.stderr)
            continue
        if figures["rps"] > 0:
            return figures
        print(f"  wrk {url}: no request completed, again", file=sys.stderr)
    return dict(FAILED)


def measure(env: dict[str, str], label: str) -> dict[str, dict[str, float]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = gunicorn_start(env=env, port=port, timeout=120)
    try:
        home = fetch(f"{base}/")
        article_path = re.search(r'href="(/articles/[^"]+/)"', home).group(1)  # type: ignore[union-attr]
        article = fetch(base + article_path)
        tag_match = re.search(r'href="(/tags/[^"]+/)" rel="tag"', article)
        outlets = json.loads(fetch(f"{base}/api/v1/outlets/?page_size=1"))["results"]
        outlet_match = re.search(r"(/outlets/[^/]+/)", outlets[0]["url"]) if outlets else None
        translators = json.loads(fetch(f"{base}/api/v1/translators/?page_size=1"))["results"]
        translator_match = re.search(r"(/translators/[^/]+/)", translators[0]["url"]) if translators else None
        month_match = re.search(r'href="(/archive/\d+/\d+/)"', fetch(f"{base}/archive/"))
        targets = {
            "floor": "/_floor/" + article_path.removeprefix("/articles/"),
            "article": article_path,
            "home": "/",
            "tag": tag_match.group(1) if tag_match else "/archive/",
            "tag-p3": (tag_match.group(1) if tag_match else "/archive/") + "?page=3",
            "outlet": outlet_match.group(1) if outlet_match else "/archive/",
            # Archive translators are credited without a public page: the page needs one (below).
            **({"translator": translator_match.group(1)} if translator_match else {}),
            "archive": "/archive/",
            "month": month_match.group(1) if month_match else "/archive/",
            "search": "/search/?q=journalist",
            "search-p2": "/search/?q=journalist&page=2",
            # The same matches, but words nobody asked before (or a word no story has):
            # the cost of a search the first time it is asked after a publication.
            "search-new": "/search/?q=journalist+or+unasked{n}",
        }
        # The read API: a page of 20 stories, a search and one story, as JSON.
        story_id = json.loads(fetch(f"{base}/api/v1/stories/?page_size=1"))["results"][0]["id"]
        targets.update(
            {
                "api-list": "/api/v1/stories/",
                "api-q": "/api/v1/stories/?q=journalist",
                "api-q-new": "/api/v1/stories/?q=journalist+or+unasked{n}",
                "api-story": f"/api/v1/stories/{story_id}/",
            }
        )
        for path in targets.values():  # warm the page cache, every worker's connection and the CPU caches
            fetch(base + path.replace("{n}", "warm"))
            wrk(base + path, seconds=2)
        results = {name: wrk(base + path) for name, path in targets.items()}
    finally:
        stop(proc)
    if True:  # in process, both phases: CPU ms per request and queries
        cpu = json.loads(
            subprocess.run(
                [PYTHON, str(ROOT / "bench" / "site_cpu.py"), json.dumps(targets)],
                cwd=ROOT, env=env, capture_output=True, text=True, check=True,
            ).stdout
        )  # fmt: skip
        for name, figures in cpu.items():
            results[name].update(figures)
    floor = {k: (v or float("nan")) for k, v in results["floor"].items()}  # a floor that failed shows as nan
    print(f"\n{label}  (wrk -t2 -c{CONNECTIONS} -d{SECONDS}s, gunicorn 2 workers, load average {load_average()})")
    print(
        f"{'target':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'rps/floor':>10} {'p50/floor':>10} {'p99/floor':>10}"
    )
    for name, r in results.items():
        print(
            f"{name:<10} {r['rps']:>9.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} "
            f"{r['rps'] / floor['rps']:>10.2f} {r['p50'] / floor['p50']:>10.2f} {r['p99'] / floor['p99']:>10.2f}"
            + (
                f" {r['cpu_ms']:>7.2f} CPU ms {r.get('wall_ms', float('nan')):>7.2f} wall ms {r['queries']:>3.0f} queries"
                if "cpu_ms" in r
                else ""
            )
            + (f"  ({r['non2xx']:.0f} non-2xx!)" if r["non2xx"] else "")
        )
    return results


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load_archive(env: dict[str, str], size: int, tmp: Path) -> str:
    """``size`` published stories: up to IMPORT_LIMIT through import_archive, the rest copied in SQL."""
    imported = min(size, IMPORT_LIMIT)
    path = archive_sample.write(tmp / f"archive-{imported}.json", imported)
    started, cpu = time.monotonic(), _children_cpu()
    out = subprocess.run(
        [PYTHON, "manage.py", "import_archive", str(path), "--json", "--batch-size", "500"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    result = json.loads(out)
    note = (
        f"import_archive: {imported} stories in {time.monotonic() - started:.0f} s wall, "
        f"{_children_cpu() - cpu:.0f} s CPU of the command, load average {load_average()} "
        f"(imported {result['imported']}, skipped {result['skipped']}, failed {len(result['failed'])})"
    )
    # Imported stories whose stored pages are out of date (older code or templates) get them now;
    # a no-op otherwise. Copies (older than every imported story) keep none: see site_pad.py.
    manage(env, "site_pages_render", "--newest", str(imported))
    # Archive translators have no public page; the bench gives the busiest credited one a page
    # (in SQL: the bench database only), so the translator page is measured too.
    manage(
        env,
        "shell",
        "-c",
        "from django.db.models import Count; from translations.models import Contributor, CreditMode; "
        "c = Contributor.objects.exclude(credit_mode=CreditMode.ANONYMOUS)"
        ".annotate(n=Count('user__credits')).order_by('-n', 'pk').first(); "
        "Contributor.objects.filter(pk=c.pk).update(has_public_profile=True, public_slug='bench-translator')",
    )
    if size > imported:
        copied = subprocess.run(
            [PYTHON, str(ROOT / "bench" / "site_pad.py"), str(size)],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        note += f"; {copied}"
    return note


def ratio(value: float, floor: float) -> float:
    return value / floor if floor and not math.isnan(floor) else float("nan")


def summary(size: int, note: str, cached: dict, uncached: dict, loads: list[str]) -> str:
    """The table for the issue: per page, throughput and in-process CPU as ratios to the floor."""
    lines = [
        f"\n### {size:,} published stories ({note}); load average during the runs: {' / '.join(loads)}",
        "",
        "| page | uncached req/s ÷ floor | warm req/s ÷ floor | uncached CPU ms (÷ floor → ratio) "
        "| warm CPU ms (ratio) | queries uncached / warm |",
        "|---|---|---|---|---|---|",
    ]
    fu = uncached["floor"]
    for name in uncached:
        u, c = uncached[name], cached[name]
        lines.append(
            f"| {name} | {ratio(u['rps'], fu['rps']):.2f} | {ratio(c['rps'], fu['rps']):.2f} "
            f"| {u.get('cpu_ms', float('nan')):.2f} ({ratio(fu.get('cpu_ms', float('nan')), u.get('cpu_ms', float('nan'))):.2f}×) "
            f"| {c.get('cpu_ms', float('nan')):.2f} ({ratio(fu.get('cpu_ms', float('nan')), c.get('cpu_ms', float('nan'))):.2f}×) "
            f"| {u.get('queries', float('nan')):.0f} / {c.get('queries', float('nan')):.0f} |"
        )
    lines.append(
        "\nRatios: a page's throughput or speed (floor CPU ms ÷ page CPU ms) against the floor's with the page"
        " cache off; the warm columns compare the warm page with that same uncached floor."
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, action="append", help="archive size (repeatable)")
    parser.add_argument("--fresh", action="store_true", help="drop the bench databases first")
    args = parser.parse_args()
    sizes = args.articles or SIZES
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    bad = []
    tables = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
            env = {
                **os.environ,
                "DEBUG": "0",
                "SECRET_KEY": "bench",
                "ALLOWED_HOSTS": "127.0.0.1",
                "DESK_HTTPS": "0",
                "DATABASE_URL": database_url(size, fresh=args.fresh),
                "DJANGO_SETTINGS_MODULE": "bench.site_settings",
                "PYTHONPATH": str(ROOT),
                "STATIC_ROOT": str(Path(tmp) / "static"),
                "CACHE_DIR": str(Path(tmp) / "cache"),
                "CELERY_BROKER_DIR": str(Path(tmp) / "broker"),
                "LOG_LEVEL": "WARNING",
                "API_RATE_LIMIT": "0",  # wrk is one client asking thousands of times a second
            }
            manage(env, "migrate", "--noinput")
            note = load_archive(env, size, Path(tmp))
            manage(env, "collectstatic", "--noinput")
            print(f"\n=== {size:,} published stories: {note}", flush=True)
            loads = [load_average()]
            uncached = measure({**env, "SITE_CACHE_SECONDS": "0"}, f"{size:,} stories, page cache off (uncached)")
            loads.append(load_average())
            cached = measure({**env, "SITE_CACHE_SECONDS": "600"}, f"{size:,} stories, warm page cache")
            loads.append(load_average())
        tables.append(summary(size, note, cached, uncached, loads))
        print(tables[-1], flush=True)
        bad += [n for res in (cached, uncached) for n, r in res.items() if r["non2xx"]]
    print("\n## Summary\n" + "\n".join(tables))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
