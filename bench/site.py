"""Benchmark of the public site: gunicorn (2 workers) + wrk, against the framework floor.

One run measures, with warm page caches and then with the page cache off (uncached):
an article page, the home page, a tag page, a search, and ``/_floor/`` (a minimal Django view
rendering a tiny template through the same middleware: the framework floor). Figures are
requests/s and p50/p99 latency, also as ratios to the floor.

Needs wrk (Debian package) and the embedded PostgreSQL (or BENCH_DATABASE_URL). Uses its own
database ``bench_site`` with the demo content, its own cache and static directories, and a
gunicorn without a control socket, so it collides with nothing else on the machine.

    .venv/bin/python bench/site.py            # BENCH_SECONDS=10 per target by default
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from _server import free_port, gunicorn_start, stop

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))


def database_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    sys.path.insert(0, str(ROOT))
    from newsroom.core import embedded_db

    return embedded_db.database_url("bench_site")


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
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


def wrk(url: str, seconds: int = SECONDS) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    return parse_wrk(out)


def measure(env: dict[str, str], label: str) -> dict[str, dict[str, float]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = gunicorn_start(env=env, port=port)
    try:
        home = fetch(f"{base}/")
        article_path = re.search(r'href="(/articles/[^"]+/)"', home).group(1)  # type: ignore[union-attr]
        article = fetch(base + article_path)
        tag_match = re.search(r'href="(/tags/[^"]+/)" rel="tag"', article)
        targets = {
            "floor": "/_floor/",
            "article": article_path,
            "home": "/",
            "tag": tag_match.group(1) if tag_match else "/archive/",
            "search": "/search/?q=picket",
        }
        for path in targets.values():  # warm the page cache, every worker's connection and the CPU caches
            fetch(base + path)
            wrk(base + path, seconds=2)
        results = {name: wrk(base + path) for name, path in targets.items()}
    finally:
        stop(proc)
    floor = results["floor"]
    print(f"\n{label}  (wrk -t2 -c{CONNECTIONS} -d{SECONDS}s, gunicorn 2 workers)")
    print(
        f"{'target':<9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'rps/floor':>10} {'p50/floor':>10} {'p99/floor':>10}"
    )
    for name, r in results.items():
        print(
            f"{name:<9} {r['rps']:>9.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} "
            f"{r['rps'] / floor['rps']:>10.2f} {r['p50'] / floor['p50']:>10.2f} {r['p99'] / floor['p99']:>10.2f}"
            + (f"  ({r['non2xx']:.0f} non-2xx!)" if r["non2xx"] else "")
        )
    return results


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": "bench",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DESK_HTTPS": "0",
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "bench.site_settings",
            "PYTHONPATH": str(ROOT),
            "STATIC_ROOT": str(Path(tmp) / "static"),
            "CACHE_DIR": str(Path(tmp) / "cache"),
            "CELERY_BROKER_DIR": str(Path(tmp) / "broker"),
            "LOG_LEVEL": "WARNING",
        }
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo", "--force", "--quiet-accounts")
        manage(env, "collectstatic", "--noinput")
        cached = measure({**env, "SITE_CACHE_SECONDS": "600"}, "Warm page cache")
        uncached = measure({**env, "SITE_CACHE_SECONDS": "0"}, "Page cache off (uncached)")
    bad = [n for res in (cached, uncached) for n, r in res.items() if r["non2xx"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
