"""In-process cost of each page, page cache off: CPU ms per request (this Python process), wall ms
(the database's time too, on a machine others share) and queries.

Run by ``bench/site.py`` with its environment (``bench.site_settings``, ``SITE_CACHE_SECONDS=0``);
argv[1] is a JSON object ``{name: path}``. Prints one JSON object ``{name: {"cpu_ms", "wall_ms", "queries"}}``: the median over rounds in which
the targets take turns (robust to the load of a shared machine changing during the run).
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.site_settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_CPU_REQUESTS", "200"))
RUN = uuid.uuid4().hex[:8]  # the words of {n} targets (site.py) are new to this run
ASKED = itertools.count()
ROUNDS = 10  # the targets take turns, so a change in the machine's load hits them all alike


class Counter:
    """A database execute wrapper that notes each statement."""

    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.calls.append(sql)
        return execute(sql, params, many, context)


def fresh(path: str) -> str:
    """``path`` with its ``{n}`` (if any) a word never asked before in this process."""
    return path.replace("{n}", f"{RUN}x{next(ASKED)}")


def main() -> None:
    targets: dict[str, str] = json.loads(sys.argv[1])
    client = Client(HTTP_HOST="127.0.0.1")
    queries = {}
    for name, path in targets.items():
        for _ in range(20):
            assert client.get(fresh(path)).status_code == 200, path
        calls: list[str] = []
        with connection.execute_wrapper(Counter(calls)):
            client.get(fresh(path))
        queries[name] = len(calls)
    per_round = max(1, REQUESTS // ROUNDS)
    samples: dict[str, list[float]] = {name: [] for name in targets}
    walls: dict[str, list[float]] = {name: [] for name in targets}
    for _round in range(ROUNDS):
        for name, path in targets.items():
            started, wall = time.process_time(), time.perf_counter()
            for _ in range(per_round):
                client.get(fresh(path))
            samples[name].append((time.process_time() - started) * 1000 / per_round)
            walls[name].append((time.perf_counter() - wall) * 1000 / per_round)
    out = {
        name: {
            "cpu_ms": statistics.median(samples[name]),
            "wall_ms": statistics.median(walls[name]),
            "queries": queries[name],
        }
        for name in targets
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
