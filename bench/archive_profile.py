"""Where ``import_archive`` spends its time (benchmarks only): a fresh database, N stories imported
in process under cProfile, queries counted per story and grouped by statement shape.

    .venv/bin/python bench/archive_profile.py [N] [--batch-size B] [--no-profile]
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import os
import pstats
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=300)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    import psycopg
    from psycopg import sql

    from newsroom.core import embedded_db

    name = "bench_archive_profile"
    embedded_db.ensure_running()
    with psycopg.connect(
        host=str(embedded_db.socket_dir()), user=embedded_db.SUPERUSER, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    os.environ["DATABASE_URL"] = embedded_db.database_url(name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench")
    import django

    django.setup()
    import archive_sample
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    connection.queries_log = collections.deque(maxlen=10_000_000)
    connection.queries_limit = 10_000_000
    path = archive_sample.write(Path("/tmp") / f"archive-profile-{args.n}.json", args.n)
    out, err = io.StringIO(), io.StringIO()
    profiler = cProfile.Profile()
    started, cpu = time.monotonic(), time.process_time()
    with CaptureQueriesContext(connection) as queries:
        if not args.no_profile:
            profiler.enable()
        call_command(
            "import_archive", str(path), "--json", "--batch-size", str(args.batch_size), stdout=out, stderr=err
        )
        profiler.disable()
    wall, cpu = time.monotonic() - started, time.process_time() - cpu
    print(out.getvalue().strip()[:200])
    print(f"{args.n} stories: {wall:.1f} s wall, {cpu:.1f} s CPU (this process), load {os.getloadavg()}")
    print(f"queries: {len(queries)} = {len(queries) / args.n:.1f} per story, "
          f"{sum(float(q['time']) for q in queries.captured_queries):.1f} s in the database driver")  # fmt: skip
    shapes: collections.Counter[str] = collections.Counter()
    times: collections.Counter[str] = collections.Counter()
    for q in queries.captured_queries:
        shape = re.sub(r"\s+", " ", re.sub(r"'[^']*'|\b\d+\b", "?", q["sql"]))[:150]
        shapes[shape] += 1
        times[shape] += float(q["time"])
    for shape, count in shapes.most_common(40):
        print(f"{count / args.n:6.2f}/story {times[shape]:6.2f}s  {shape}")
    if not args.no_profile:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(60)
        stats.print_callees(
            "article_context|article_page_render|translation_archive_publish|_story_store|article_publish"
        )


if __name__ == "__main__":
    main()
