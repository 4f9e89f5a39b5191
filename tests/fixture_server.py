"""pytest plugin: the fixtures directory served over real HTTP on 127.0.0.1.

`fixture_server` (session) copies `tests/fixtures` and the demo's source pages
(`newsroom/demo/`, the same layout) into a temporary web root with every
`{BASE}` replaced, byte for byte, by the server's origin, serves it from a thread and yields
that origin (`http://127.0.0.1:PORT`, no trailing slash). `fixture_expected` is
`expected.json` with the same substitution.

Besides the files, the same server answers a few made-up routes under `/_t/` that the fetch
tests need and a static server cannot give:

* `/_t/etag` – ETag `"v1"`; answers 304 to `If-None-Match: "v1"`.
* `/_t/slow` – headers at once, then one byte every 0.2 s for up to 20 s (slow drip).
* `/_t/huge` – 50 MB of HTML without Content-Length; `/_t/huge-declared` declares 50 MB.
* `/_t/redirect?to=URL` – 302 to URL; `/_t/loop` redirects to itself forever.
* `/_t/cp1251?charset=NAME` – the windows-1251 fixture page served with
  `Content-Type: text/html; charset=NAME` (right: windows-1251, wrong: utf-8).
* `/_t/hang-feed` – accepts the request and never answers (until 20 s pass).
* `/_t/json` – `application/json`; `/_t/status?code=N` – an empty response with status N.
* `/_t/echo-host` – a page whose body is the Host header it was sent.

The importer refuses loopback unless told otherwise; tests pass `allow_loopback=True`
(or set `settings.DESK_IMPORT_ALLOW_LOOPBACK = True` with monkeypatch).
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def _check_fixtures() -> Any:
    """tests/fixtures/check_fixtures.py (a stdlib script) as a module: it owns where a fixture
    name is found (the demo's pages and seed are in newsroom/demo/, the rest here)."""
    spec = importlib.util.spec_from_file_location("check_fixtures", FIXTURES / "check_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = sys.modules.setdefault("check_fixtures", importlib.util.module_from_spec(spec))
    if not hasattr(module, "fixture_file"):
        spec.loader.exec_module(module)
    return module


fixture_file = _check_fixtures().fixture_file
FIXTURE_ROOTS: tuple[Path, ...] = _check_fixtures().ROOTS


class _Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        parts = urlsplit(self.path)
        if not parts.path.startswith("/_t/"):
            self.close_connection = True
            super().do_GET()
            return
        route = parts.path[len("/_t/") :]
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        handler = getattr(self, f"route_{route.replace('-', '_')}", None)
        if handler is None:
            self.send_error(404)
            return
        handler(query)

    def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def route_etag(self, query: dict[str, str]) -> None:
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(200, b"<html><body><p>versioned page</p></body></html>", ETag='"v1"')

    def route_slow(self, query: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "100")
        self.end_headers()
        self.close_connection = True
        self._drip(count=100, pause=0.2)

    def _drip(self, *, count: int, pause: float) -> None:
        try:
            for _ in range(count):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(pause)
        except OSError:
            pass

    def route_huge(self, query: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        chunk = b"<p>" + b"a" * 65_000 + b"</p>\n"
        try:
            for _ in range(800):
                self.wfile.write(chunk)
        except OSError:
            pass

    def route_huge_declared(self, query: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(50_000_000))
        self.end_headers()
        self.close_connection = True
        try:
            self.wfile.write(b"<p>" * 1000)
        except OSError:
            pass

    def route_redirect(self, query: dict[str, str]) -> None:
        self._send(302, b"", Location=query.get("to", "/"))

    def route_loop(self, query: dict[str, str]) -> None:
        self._send(302, b"", Location="/_t/loop")

    def route_cp1251(self, query: dict[str, str]) -> None:
        body = (self.server.web_root / "sources/site/cp1251-economy.html").read_bytes()  # type: ignore[attr-defined]
        self._send(200, body, f"text/html; charset={query.get('charset', 'windows-1251')}")

    def route_hang_feed(self, query: dict[str, str]) -> None:
        self.close_connection = True
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not self.server.stopping.is_set():  # type: ignore[attr-defined]
            time.sleep(0.05)

    def route_json(self, query: dict[str, str]) -> None:
        self._send(200, b'{"a": 1}', "application/json")

    def route_status(self, query: dict[str, str]) -> None:
        self._send(int(query.get("code", "500")), b"")

    def route_echo_host(self, query: dict[str, str]) -> None:
        host = self.headers.get("Host", "")
        self._send(200, f"<html><body><p>{host}</p></body></html>".encode())


@pytest.fixture(scope="session")
def fixture_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Origin of a real HTTP server on 127.0.0.1 serving a `{BASE}`-substituted fixtures copy."""
    root = tmp_path_factory.mktemp("webroot")
    handler = functools.partial(_Handler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    httpd.web_root = root  # type: ignore[attr-defined]
    httpd.stopping = threading.Event()  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    for fixtures in FIXTURE_ROOTS:
        for src in fixtures.rglob("*"):
            if src.is_file():
                dst = root / src.relative_to(fixtures)
                dst.parent.mkdir(parents=True, exist_ok=True)
                dst.write_bytes(src.read_bytes().replace(b"{BASE}", base.encode("ascii")))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield base
    httpd.stopping.set()  # type: ignore[attr-defined]
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def fixture_expected(fixture_server: str) -> dict[str, Any]:
    """expected.json with `{BASE}` replaced by the fixture server's origin."""
    text = (FIXTURES / "expected.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text.replace("{BASE}", fixture_server))
    return data


# --- Appended for the importer's desk tests ------------------------------------
# `/_t/mutable?key=K` serves MUTABLE_PAGES[K] = (content_type, body), 404 when absent. Tests put
# a page there, import it, then replace it to simulate the outlet editing the story (re-sync)
# or to serve a generated feed.
MUTABLE_PAGES: dict[str, tuple[str, bytes]] = {}


def _route_mutable(self: _Handler, query: dict[str, str]) -> None:
    page = MUTABLE_PAGES.get(query.get("key", ""))
    if page is None:
        self.send_error(404)
        return
    self._send(200, page[1], page[0])


_Handler.route_mutable = _route_mutable  # type: ignore[attr-defined]
