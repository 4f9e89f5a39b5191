"""Benchmark the importer: pages per second and peak memory, over real HTTP on 127.0.0.1.

    .venv/bin/python bench/import.py [--repeat N]
    .venv/bin/python bench/import.py --archive 2000 [--archive-modes bulk,one-by-one]

``--archive N`` measures ``manage.py import_archive`` instead: the same synthetic archive of N
stories (``bench/archive_sample.py``) loaded into a fresh, migrated database (``bench_archive_<mode>``)
by the bulk path and by one-by-one publishing (``--one-by-one``), each a separate process: stories
per second (wall), the command's CPU seconds and the load average, so the two are compared on the
same machine at the same time.

Uses its own database ``bench_import`` on the embedded PostgreSQL (wiped and migrated at
start), serves ``tests/fixtures`` from a local HTTP server where ``/r/<n>/…`` gives each
repetition distinct URLs (and canonical links), and measures:

* fetch + extract + store (``importing.article_import``) of the long-read and of the small pages;
* extraction alone (``extraction.extract_article``) for comparison;
* polling a generated 200-item RSS feed: listing only, then with ``auto_import``.

Peak memory: ``tracemalloc`` peak of Python allocations per phase (a separate, traced pass) and
the process's maximum resident set size (``ru_maxrss``) at the end.
"""

from __future__ import annotations

import argparse
import gc
import http.server
import os
import resource
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _server import django_for_import  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
sys.path.insert(0, str(FIXTURES))
from check_fixtures import fixture_file  # noqa: E402 - where a fixture name is found (tests/fixtures or newsroom/demo)

SMALL = ["mfa-picket", "cp1251-economy", "be-culture", "no-metadata", "paywall", "xss-hostile"]
FEED_ITEMS = 200


def setup_django() -> None:
    django_for_import("bench_import")
    from newsroom.models import Article, Feed, Outlet

    Feed.objects.all().delete()
    Article.objects.all().delete()
    Outlet.objects.all().delete()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    origin = ""
    feed = b""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        if self.path == "/feed.rss":
            self.send(self.feed, "application/rss+xml")
            return
        parts = self.path.split("/", 3)  # "", "r", n, rest
        if len(parts) != 4 or parts[1] != "r" or ".." in parts[3]:
            self.send_error(404)
            return
        path = fixture_file(parts[3])
        if not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes().replace(b"{BASE}", f"{self.origin}/r/{parts[2]}".encode())
        charset = "windows-1251" if "cp1251" in path.name else "utf-8"
        self.send(body, f"text/html; charset={charset}")

    def send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve() -> str:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    Handler.origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return Handler.origin


def generated_feed(origin: str, offset: int) -> bytes:
    items = "".join(
        f"<item><title>Story {n}</title><link>{origin}/r/{offset + n}/sources/site/mfa-picket.html</link>"
        f"<guid>story-{offset + n}</guid><pubDate>Mon, 17 Aug 2020 13:47:00 +0300</pubDate></item>"
        for n in range(FEED_ITEMS)
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench</title>{items}</channel></rss>'.encode()


class Counter:
    value = 0

    def next(self) -> int:
        self.value += 1
        return self.value


def measure(label: str, count: int, work: Callable[[], None]) -> None:
    """Run ``work`` untraced for the rate, then once more under tracemalloc for the peak."""
    started = time.perf_counter()
    work()
    elapsed = time.perf_counter() - started
    gc.collect()
    tracemalloc.start()
    work()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label:<48} {count:>4} pages  {elapsed:7.2f} s  {count / elapsed:8.1f} pages/s"
        f"  peak traced {peak / 1e6:7.1f} MB"
    )


def archive_bench(n: int, modes: list[str]) -> None:
    """``import_archive`` of the same N stories by each mode, each into a fresh database."""
    import json
    import subprocess
    import tempfile

    import archive_sample
    import psycopg
    from psycopg import sql

    sys.path.insert(0, str(ROOT))
    from newsroom.core import embedded_db

    embedded_db.ensure_running()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; import_archive of {n:,} stories")
    with tempfile.TemporaryDirectory() as tmp:
        path = archive_sample.write(Path(tmp) / f"archive-{n}.json", n)
        for mode in modes:
            name = f"bench_archive_{mode.replace('-', '_')}"
            with psycopg.connect(
                host=str(embedded_db.socket_dir()), user=embedded_db.SUPERUSER, dbname="postgres", autocommit=True
            ) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            env = {
                **os.environ,
                "DATABASE_URL": embedded_db.database_url(name),
                "DEBUG": "0",
                "SECRET_KEY": "bench-only-" + os.urandom(16).hex(),
                "LOG_LEVEL": "WARNING",
            }
            run = [sys.executable, "manage.py"]
            subprocess.run([*run, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)  # noqa: S603
            extra = ["--one-by-one"] if mode == "one-by-one" else []
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            out = subprocess.run(  # noqa: S603 - our own command
                [*run, "import_archive", str(path), "--json", "--batch-size", "500", *extra],
                cwd=ROOT, env=env, check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            result = json.loads(out)
            assert result["imported"] == n and not result["failed"], result
            print(
                f"{mode:<11} {n:>7,} stories {wall:8.1f} s wall {n / wall:8.1f} stories/s"
                f"  {cpu:7.1f} s CPU of the command ({n / cpu:6.1f} stories per CPU second)"
                f"  load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--archive", type=int, help="time import_archive of this many stories instead")
    parser.add_argument("--archive-modes", default="bulk,one-by-one", help="comma-separated: bulk, one-by-one")
    args = parser.parse_args()
    if args.archive:
        archive_bench(args.archive, [m.strip() for m in args.archive_modes.split(",") if m.strip()])
        return
    setup_django()
    from newsroom.models import Article, Feed, FeedItem, Outlet
    from newsroom.sources import extraction, importing
    from newsroom.sources import polling as feed_polling

    origin = serve()
    n = Counter()
    outlet = Outlet.objects.create(name="Bench", slug="bench", credit_name="Bench", site_url=origin)

    def import_pages(names: list[str], repeat: int) -> Callable[[], None]:
        def work() -> None:
            for _ in range(repeat):
                k = n.next()
                for name in names:
                    result = importing.article_import(url=f"{origin}/r/{k}/sources/site/{name}.html", by=None)
                    assert result.created, name

        return work

    long_bytes = fixture_file("sources/site/long-read.html").read_bytes().replace(b"{BASE}", origin.encode())
    small_bytes = [
        fixture_file(f"sources/site/{s}.html").read_bytes().replace(b"{BASE}", origin.encode()) for s in SMALL
    ]

    def extract_long() -> None:
        for _ in range(args.repeat):
            extraction.extract_article(content=long_bytes, url=f"{origin}/x.html", headers={})

    def extract_small() -> None:
        for _ in range(args.repeat):
            for content in small_bytes:
                extraction.extract_article(content=content, url=f"{origin}/x.html", headers={})

    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, repeat={args.repeat}")
    print(f"long-read: {len(long_bytes) / 1e3:.0f} kB; small pages: {', '.join(SMALL)}")
    measure("extract only: long-read", args.repeat, extract_long)
    measure("extract only: small pages", args.repeat * len(SMALL), extract_small)
    measure("fetch+extract+store: long-read", args.repeat, import_pages(["long-read"], args.repeat))
    measure("fetch+extract+store: small pages", args.repeat * len(SMALL), import_pages(SMALL, args.repeat))

    def poll(auto: bool) -> Callable[[], None]:
        def work() -> None:
            Handler.feed = generated_feed(origin, 100_000 + n.next() * FEED_ITEMS)
            Feed.objects.all().delete()
            feed = Feed.objects.create(outlet=outlet, url=f"{origin}/feed.rss", auto_import=auto)
            result = feed_polling.feed_poll(feed_id=feed.pk)
            assert result.new_items == FEED_ITEMS and not result.error, result
            assert not auto or result.imported == FEED_ITEMS, result

        return work

    measure(f"feed poll, {FEED_ITEMS} items, list only", FEED_ITEMS, poll(False))
    measure(f"feed poll, {FEED_ITEMS} items, auto_import", FEED_ITEMS, poll(True))
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"articles stored: {Article.objects.count()}, feed items: {FeedItem.objects.count()}")
    print(f"process max RSS: {maxrss_mb:.0f} MB")


if __name__ == "__main__":
    main()
