"""The caches on one machine (``make run``, no Redis) through a reader-heavy stretch of a day: what
a page write costs and what the desk's rules lose, for the caches as configured now
(``newsroom/core/caching.py``: two ``FileCache`` folders, 10,000 entries each) against Django's
file cache as the desk used it before (one folder, its default 300 entries) and Django's file
cache with the limit simply raised to 10,000.

The traffic, in one process, in order: readers open ``--pages`` pages nobody opened before (every
search is one: each a cache write of a 12 KB page), and every 10th page an API client makes a
request (its rate counter: ``add``/``incr``) and the page cache reads the site's version
(``site:version``, kept without a timeout). Reported per configuration:

- **page write**: median and 99th percentile µs of one page's ``set``;
- **versions lost**: how many times ``site:version`` had gone (each loss orphans every kept page);
- **counts lost**: how many times the API client's counter had gone within its window (each loss
  lets it start its allowance again);
- **entries**: the files left in the folders.

    .venv/bin/python bench/file_cache.py                 # 12,000 pages (past 10,000: culled)
    .venv/bin/python bench/file_cache.py --pages 5000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("DESK_TESTING", "1")

import django  # noqa: E402

django.setup()

from django.core.cache.backends.filebased import FileBasedCache  # noqa: E402

from newsroom.core.caching import FileCache  # noqa: E402

PAGE = os.urandom(12_000)  # a page as kept: incompressible, like zlib's output


def _configurations(folder: Path) -> dict[str, tuple[Any, Any]]:
    """name: (the default cache, the pages cache)."""
    before = FileBasedCache(str(folder / "before"), {})
    raised = FileBasedCache(str(folder / "raised"), {"OPTIONS": {"MAX_ENTRIES": 10_000}})
    options = {"OPTIONS": {"MAX_ENTRIES": 10_000}}
    now_default = FileCache(str(folder / "now"), options)
    now_pages = FileCache(str(folder / "now" / "pages"), options)
    return {
        "Django's file cache, one folder, 300 entries (before)": (before, before),
        "Django's file cache, one folder, 10,000 entries": (raised, raised),
        "FileCache, versions and pages apart, 10,000 each (now)": (now_default, now_pages),
    }


def _day(default: Any, pages: Any, *, count: int) -> dict[str, Any]:
    default.set("site:version", "v1", None)
    writes: list[float] = []
    versions_lost = counts_lost = 0
    expected = 0
    for n in range(count):
        started = time.perf_counter()
        pages.set(f"site:page:{n}", PAGE, 600)
        writes.append((time.perf_counter() - started) * 1e6)
        if n % 10 == 0:
            if default.get("site:version") is None:
                versions_lost += 1
                default.set("site:version", "v1", None)
            if not default.add("api:rate:192.0.2.1", 1, 3600):
                default.incr("api:rate:192.0.2.1")
            expected += 1
            if default.get("api:rate:192.0.2.1") != expected:
                counts_lost += 1
                expected = default.get("api:rate:192.0.2.1") or 0
    writes.sort()
    folders = {Path(default._dir), Path(pages._dir)}
    return {
        "median": statistics.median(writes),
        "p99": writes[int(len(writes) * 0.99)],
        "versions_lost": versions_lost,
        "counts_lost": counts_lost,
        "entries": sum(len(list(f.glob("*.djcache"))) for f in folders),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=12_000)
    args = parser.parse_args()
    print(f"{args.pages:,} new pages, an API request and a version read every 10th (one process)\n")
    print("| configuration | page write µs (median / p99) | versions lost | counts lost | entries |")
    print("|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="bench-file-cache-") as folder:
        for name, (default, pages) in _configurations(Path(folder)).items():
            r = _day(default, pages, count=args.pages)
            print(
                f"| {name} | {r['median']:.0f} / {r['p99']:.0f} | {r['versions_lost']} | {r['counts_lost']} |"
                f" {r['entries']:,} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
