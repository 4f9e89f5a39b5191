"""A real Varnish (Debian's varnishd with varnish-modules' xkey and ``deploy/varnish/desk.vcl``) in
front of the test server: a cached story page shows a translator's new credit on the very next
request after the change commits, desk pages and cookies never come from the edge, and a
page stays served while the backend is down. About 5 s (varnishd compiles the VCL): ``slow``."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench._server import free_port
from tests.newsroom.test_site_pages import make_staff, publish_story
from translations.people import accounts

ROOT = Path(__file__).resolve().parents[2]
VCL = ROOT / "deploy" / "varnish" / "desk.vcl"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("varnishd"), reason="needs Debian's varnish and varnish-modules"),
]


class Relay(threading.Thread):
    """A TCP relay from ``port`` to the test server: cut it to take the 'web nodes' down."""

    def __init__(self, target: int) -> None:
        super().__init__(daemon=True)
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = threading.Event()
        self.up.set()

    def run(self) -> None:
        while True:
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return
            if not self.up.is_set():
                client.close()
                continue
            threading.Thread(target=self._pipe_pair, args=(client,), daemon=True).start()

    def _pipe_pair(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target), timeout=10)
        except OSError:
            client.close()
            return
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _site_vcl(port: int) -> str:
    return f"""vcl 4.1;
probe health {{
    .request = "GET /healthz HTTP/1.1" "Host: 127.0.0.1" "Connection: close";
    .interval = 200ms; .timeout = 1s; .window = 2; .threshold = 1;
}}
backend default {{ .host = "127.0.0.1"; .port = "{port}"; .probe = health; }}
acl purgers {{ "127.0.0.1"; }}
"""


@pytest.fixture
def varnish(live_server, settings, tmp_path) -> Iterator[tuple[str, Relay]]:
    relay = Relay(int(live_server.url.rsplit(":", 1)[1]))
    relay.start()
    (tmp_path / "site.vcl").write_text(_site_vcl(relay.port))
    port = free_port()
    log = (tmp_path / "varnishd.log").open("wb")
    process = subprocess.Popen(  # noqa: S603
        ["varnishd", "-F", "-j", "none", "-f", str(VCL), "-p", f"vcl_path={tmp_path}:{VCL.parent}",
         "-n", str(tmp_path / "work"), "-a", f"127.0.0.1:{port}", "-T", "none", "-s", "malloc,32m"],  # noqa: S607
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    settings.EDGE_PURGE_URLS = [f"{url}/"]
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    try:
        deadline = time.monotonic() + 60
        while _get(f"{url}/healthz")[0] != 200:
            assert process.poll() is None, (tmp_path / "varnishd.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "varnishd did not start"
            time.sleep(0.1)
        yield url, relay
    finally:
        process.terminate()
        process.wait(timeout=20)
        relay.listener.close()
        log.close()


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - 127.0.0.1 only
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, dict(response.headers.items()), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), ""
    except OSError:
        return 0, {}, ""


def test_a_cached_page_shows_a_new_credit_on_the_next_request_after_the_change(varnish):
    url, _relay = varnish
    staff = make_staff()
    article = publish_story(staff, title="Edge story")
    page = f"{url}/articles/{article.slug_en}/"
    _get(page)
    status, headers, body = _get(page)
    assert status == 200 and headers.get("X-Cache") == "HIT"
    assert "Veranika Papkouskaya" in body
    assert "xkey" not in {name.lower() for name in headers}  # the keys stay inside the edge

    volunteer = staff["volunteer"]
    accounts.contributor_update(
        contributor=volunteer.contributor, by=volunteer, credit_mode="pseudonym", pseudonym="A. Minsker"
    )
    committed = time.monotonic()
    status, headers, body = _get(page)  # the purge left with the commit: this is already fresh
    assert time.monotonic() - committed < 1
    assert status == 200 and headers.get("X-Cache") == "MISS"
    assert "Veranika Papkouskaya" not in body


def test_desk_pages_and_personal_cookies_never_come_from_the_edge_tracking_cookies_are_ignored(varnish):
    url, _relay = varnish
    staff = make_staff()
    publish_story(staff, title="Edge story")
    for _ in range(2):
        status, headers, _body = _get(f"{url}/accounts/login/")
    assert status == 200 and headers.get("X-Cache") == "MISS"
    _get(f"{url}/")
    assert _get(f"{url}/", {"Cookie": "_ga=GA1.2.3; _gid=x"})[1].get("X-Cache") == "HIT"
    assert _get(f"{url}/?utm_source=mail&utm_medium=x")[1].get("X-Cache") == "HIT"
    assert _get(f"{url}/", {"Cookie": "sessionid=abc"})[1].get("X-Cache") == "MISS"


def test_pages_stay_served_while_the_web_nodes_are_down(varnish):
    url, relay = varnish
    staff = make_staff()
    article = publish_story(staff, title="Edge story")
    page = f"{url}/articles/{article.slug_en}/"
    _get(page)
    relay.up.clear()  # the backend refuses every new connection
    time.sleep(1)  # the probe marks it sick
    status, _headers, body = _get(page)
    assert status == 200 and "Edge story" in body
    assert _get(f"{url}/archive/")[0] == 503  # never cached: nothing to serve


def test_a_page_purged_for_a_credit_change_is_never_served_stale_even_with_the_web_nodes_down(varnish):
    url, relay = varnish
    staff = make_staff()
    article = publish_story(staff, title="Edge story")
    page = f"{url}/articles/{article.slug_en}/"
    _get(page)
    assert "Veranika Papkouskaya" in _get(page)[2]
    relay.up.clear()
    time.sleep(1)  # the probe marks the backend sick: grace would serve anything still held
    volunteer = staff["volunteer"]
    accounts.contributor_update(
        contributor=volunteer.contributor, by=volunteer, credit_mode="pseudonym", pseudonym="A. Minsker"
    )
    status, _headers, body = _get(page)
    assert "Veranika Papkouskaya" not in body  # a hard purge: the old name is gone, not in grace
    assert status == 503
