"""The edge cache of ``make cluster``: Varnish (Debian's ``varnish`` + ``varnish-modules`` for
``xkey``) in front of haproxy, with ``deploy/varnish/desk.vcl``, and the drill's edge phase.

:class:`Edge` is started by :class:`cluster.Cluster` after haproxy (``CLUSTER_EDGE=0`` leaves it
out): it writes the installation part of the VCL (``site.vcl``: haproxy as the backend, probed on
``/healthz``; 127.0.0.1 may purge) under the cluster's folder and runs ``varnishd`` in the
foreground as one more child process. Every desk process gets ``EDGE_PURGE_URLS`` pointing at
it (:meth:`Edge.env`), so the owner of invalidation purges it after each change commits.
``varnishd`` runs without its privilege-separation jail (``-j none``) so that it works from any
folder a user clones into (as the rest of the cluster); a real edge runs Debian's service.

:func:`edge_drill` is the drill's phase (``bench/cluster_drill.py`` calls it; any drill may):

- reader throughput with ``wrk`` (16 connections, the readers' pages in turn) through haproxy
  alone and through Varnish;
- purge-to-visible latency: a translator's credit changed, a story withdrawn and published
  again, each in a ``manage.py shell`` that prints the time of its commit while this process
  polls Varnish every 10 ms; the time until Varnish serves the new bytes is printed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from _server import free_port

if TYPE_CHECKING:
    from cluster import Cluster

ROOT = Path(__file__).resolve().parent.parent
VCL = ROOT / "deploy" / "varnish" / "desk.vcl"


class Edge:
    def __init__(self, cluster: Cluster, *, port: int | None = None, memory: str = "256m") -> None:
        if not shutil.which("varnishd"):
            raise SystemExit("needs Debian's varnish and varnish-modules (make install), or CLUSTER_EDGE=0")
        self.cluster = cluster
        self.port = port or free_port()
        self.memory = memory

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def dir(self) -> Path:
        return self.cluster.dir / "varnish"

    def env(self) -> dict[str, str]:
        """What every desk process needs to purge this edge."""
        return {"EDGE_PURGE_URLS": f"{self.url}/"}

    def site_vcl(self) -> str:
        return f"""# Written by bench/cluster_edge.py: haproxy behind the edge; the cluster's processes may purge.
vcl 4.1;

probe lb_health {{
    .request = "GET /healthz HTTP/1.1" "Host: 127.0.0.1" "Connection: close";
    .interval = 1s;
    .timeout = 2s;
    .window = 3;
    .threshold = 2;
}}

backend default {{
    .host = "127.0.0.1";
    .port = "{self.cluster.lb_port}";
    .probe = lb_health;
    .connect_timeout = 2s;
    .first_byte_timeout = 35s;
}}

acl purgers {{
    "127.0.0.1";
}}
"""

    def start(self) -> None:
        self.dir.mkdir(exist_ok=True)
        (self.dir / "site.vcl").write_text(self.site_vcl())
        self.cluster.spawn(
            "edge",
            ["varnishd", "-F", "-j", "none", "-f", str(VCL), "-p", f"vcl_path={self.dir}:{VCL.parent}",
             "-n", str(self.dir / "work"), "-a", f"127.0.0.1:{self.port}", "-T", "none",
             "-s", f"malloc,{self.memory}"],
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not self.cluster.alive("edge"):
                log = (self.cluster.logs / "edge.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"varnishd exited:\n{log}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        raise RuntimeError("timed out waiting for varnishd")


# --- the drill's edge phase -----------------------------------------------------------


def wrk_rate(url: str, paths: list[str], seconds: float, folder: Path) -> float:
    """Requests per second ``wrk`` gets from ``url`` over ``paths`` in turn (16 connections)."""
    script = folder / "paths.lua"
    script.write_text(
        "paths = {" + ", ".join(json.dumps(p) for p in paths) + "}\n"
        "i = 0\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
    )
    result = subprocess.run(  # noqa: S603
        ["wrk", "-t", "2", "-c", "16", "-d", f"{seconds:.0f}s", "-s", str(script), url],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    found = re.search(r"Requests/sec:\s*([0-9.]+)", result.stdout)
    if not found:
        raise RuntimeError(f"wrk failed: {result.stdout[-500:]}{result.stderr[-500:]}")
    errors = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", result.stdout)
    if errors:
        print(f"  wrk {url}: {errors.group(1)} non-2xx/3xx answers", flush=True)
    return float(found.group(1))


def _get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - 127.0.0.1 only
            return int(response.status), response.headers.get("X-Cache", ""), response.read().decode()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.headers.get("X-Cache", ""), ""
    except OSError:
        return 0, "", ""


def visible_after(url: str, seen: Callable[[int, str], bool], change: Callable[[], float], limit: float = 10) -> float:
    """Seconds from the commit of ``change`` (it returns the commit's ``time.time()``) until the
    edge answers ``url`` with something ``seen(status, body)`` accepts (polled every 10 ms); NaN: never."""
    first: list[float] = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            status, _cache, body = _get(url)
            if seen(status, body):
                first.append(time.time())
                return
            time.sleep(0.01)

    thread = threading.Thread(target=poll)  # polling from before the change: no start-up delay counted
    thread.start()
    committed = change()
    thread.join(timeout=limit)
    stop.set()
    thread.join(timeout=10)
    return first[0] - committed if first else float("nan")  # (negative: seen before the commit — a bug)


CREDIT = """
import time, json
from django.db import transaction
from translations.models import Contributor, Credit
from translations.people import accounts
credit = Credit.objects.filter(is_credited=True, translation__state="published", user__contributor__isnull=False,
    translation__language="en").select_related("user__contributor", "translation__article").order_by("pk").first()
c = credit.user.contributor
at = []
with transaction.atomic():  # the commit's time, noted before any on-commit work (the purge) runs
    transaction.on_commit(lambda: at.append(time.time()))
    accounts.contributor_update(contributor=c, by=credit.user, credit_mode="pseudonym", pseudonym=%(name)r)
print(json.dumps({"at": at[0]}))
"""

FIND = """
import json
from translations.models import Credit
credit = Credit.objects.filter(is_credited=True, translation__state="published", user__contributor__isnull=False,
    translation__language="en").select_related("translation__article").order_by("pk").first()
a = credit.translation.article
print(json.dumps({"path": "/articles/%s/" % a.slug_en, "translation": credit.translation_id, "name": credit.credit_name,
    "title": a.title_en}))
"""

REPUBLISH = """
import time, json
from django.db import transaction
from django.contrib.auth import get_user_model
from translations import permissions, workflow
from translations.models import Translation
t = Translation.objects.get(pk=%(translation)d)
editor = next(u for u in get_user_model().objects.filter(groups__name="editor", is_active=True)
              if permissions.can_manage(user=u, translation=t))
at = []
with transaction.atomic():  # the commit's time, noted before any on-commit work (the purge) runs
    transaction.on_commit(lambda: at.append(time.time()))
    workflow.translation_unpublish(translation=t, by=editor, reason="Edge drill: withdrawn")
print(json.dumps({"at": at[-1]}), flush=True)
input()
t.refresh_from_db()
editor = next(u for u in get_user_model().objects.filter(groups__name="editor", is_active=True)
              if permissions.can_publish(user=u, translation=t))
with transaction.atomic():
    transaction.on_commit(lambda: at.append(time.time()))
    workflow.translation_publish(translation=t, by=editor)
print(json.dumps({"at": at[-1]}), flush=True)
"""


def _shell(cluster: Cluster, code: str) -> dict[str, Any]:
    out = cluster.manage("shell", "-c", code)
    return dict(json.loads(out.strip().splitlines()[-1]))


def edge_drill(cluster: Cluster, edge: Edge, paths: list[str], *, seconds: float = 10) -> dict[str, float]:
    """Throughput through haproxy alone and through Varnish, and purge-to-visible latencies; printed."""
    results: dict[str, float] = {}
    folder = cluster.dir / "edge-drill"
    folder.mkdir(exist_ok=True)
    if shutil.which("wrk") and seconds > 0:
        wrk_rate(edge.url, paths, 2, folder)  # warm the edge
        results["haproxy_rps"] = wrk_rate(cluster.url, paths, seconds, folder)
        results["varnish_rps"] = wrk_rate(edge.url, paths, seconds, folder)
        print(
            f"edge: readers' throughput (wrk, 16 connections): haproxy alone {results['haproxy_rps']:.0f} req/s, "
            f"through Varnish {results['varnish_rps']:.0f} req/s",
            flush=True,
        )
    story = _shell(cluster, FIND)
    url = edge.url + story["path"]
    _get(url), _get(url)  # cached at the edge
    name, old = f"Edge Drill {int(time.time()) % 100000}", story["name"]
    results["credit_purge_s"] = visible_after(
        url,
        lambda status, body: status == 200 and (name in body or old not in body),
        lambda: float(_shell(cluster, CREDIT % {"name": name})["at"]),
    )
    process = subprocess.Popen(  # noqa: S603 - our own manage.py
        [cluster_python(), "manage.py", "shell", "-c", REPUBLISH % {"translation": story["translation"]}],
        cwd=ROOT,
        env=cluster.desk_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, process.stdout

    def step() -> float:
        while line := stdout.readline():  # (other lines: whatever the shell logs)
            if line.startswith('{"at"'):
                return float(json.loads(line)["at"])
        raise RuntimeError("the shell ended without its step")

    try:
        results["unpublish_purge_s"] = visible_after(url, lambda status, body: status == 404, step)
        home = edge.url + "/"
        _get(home), _get(home)  # the home page without it, cached at the edge
        link = f'href="{story["path"]}"'

        def publish() -> float:
            stdin.write("\n")
            stdin.flush()
            return step()

        before = _get(home)[2]
        print(f"edge: the home page links the withdrawn story before its publication: {link in before}", flush=True)
        results["publish_purge_s"] = visible_after(home, lambda status, body: link in body, publish)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    print(
        f"edge: purge to visible through Varnish: credit change {results['credit_purge_s'] * 1000:.0f} ms, withdrawal "
        f"{results['unpublish_purge_s'] * 1000:.0f} ms, publication {results['publish_purge_s'] * 1000:.0f} ms",
        flush=True,
    )
    return results


def cluster_python() -> str:
    import sys

    return sys.executable
