"""Fake machine-translation servers on 127.0.0.1 that speak the providers' real wire formats.

* :class:`FakeDeepL` answers the DeepL API as the official ``deepl`` client calls it:
  ``POST /v2/translate`` (JSON ``text`` list, ``source_lang``, ``target_lang``,
  ``glossary_id``), ``POST /v2/glossaries`` (JSON with TSV ``entries``) and
  ``DELETE /v2/glossaries/{id}``; ``Authorization: DeepL-Auth-Key KEY`` or 403.
* :class:`FakeLibreTranslate` answers ``POST /translate`` (JSON ``q`` list, ``source``,
  ``target``, ``format``, ``api_key``) with ``{"translatedText": [...]}``; a wrong key is 403.

"Translation" is deterministic: ``EN: `` + the text, with every glossary source term replaced
by its rendering (so a test can see the glossary was used). ``mode`` makes the server fail the
way real ones do: ``quota`` (DeepL 456), ``busy`` (429), ``bad_key`` (403), ``junk`` (200 that
is not the API's JSON), ``slow`` (answers after 3 s), ``drip`` (a byte every 0.2 s), ``huge``
(more than the desk reads), ``redirect`` (302 to another host).
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

DEEPL_KEY = "test-key:fx"
LIBRE_KEY = "libre-secret"


def fake_translate(text: str, glossary: dict[str, str]) -> str:
    for source, target in glossary.items():
        text = text.replace(source, target)
    return f"EN: {text}"


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the desk hung up on a slow or huge answer, as it should


class _Server:
    def __init__(self, handler: type[http.server.BaseHTTPRequestHandler]) -> None:
        self.mode = "ok"
        self.requests: list[dict[str, Any]] = []
        self.glossaries: dict[str, dict[str, str]] = {}
        self.deleted: list[str] = []
        outer = self

        class Bound(handler):  # type: ignore[valid-type,misc]
            server_state = outer

        self.httpd = _QuietServer(("127.0.0.1", 0), Bound)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_state: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return {"_raw": raw.decode("utf-8", "replace")}

    def _send(self, status: int, body: Any, content_type: str = "application/json") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _failure(self) -> bool:
        """Answer in the server's failure mode; False when it should answer normally."""
        mode = self.server_state.mode
        if mode == "slow":
            time.sleep(3)
            return False
        if mode == "drip":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            try:
                for _ in range(50):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
            self.close_connection = True
            return True
        if mode == "huge":
            self._send(200, b"[" + b"0," * 1_500_000 + b"0]")
            return True
        if mode == "junk":
            self._send(200, b"<html>Service temporarily unavailable</html>", "text/html")
            return True
        if mode == "redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return True
        if mode == "busy":
            self._send(429, {"message": "Too many requests", "error": "Slowdown: too many requests"})
            return True
        return False


class _DeepLHandler(_Handler):
    def _authorised(self) -> bool:
        if self.server_state.mode == "bad_key" or self.headers.get("Authorization") != f"DeepL-Auth-Key {DEEPL_KEY}":
            self._send(403, {"message": "Wrong endpoint. Use https://api.deepl.com"})
            return False
        return True

    def do_POST(self) -> None:  # noqa: N802
        body = self._body()
        self.server_state.requests.append(
            {"method": "POST", "path": self.path, "json": body, "headers": dict(self.headers)}
        )
        if not self._authorised() or self._failure():
            return
        if self.server_state.mode == "quota":
            self._send(456, {"message": "Quota exceeded"})
            return
        if self.path == "/v2/glossaries":
            entries = dict(line.split("\t", 1) for line in str(body.get("entries", "")).splitlines() if "\t" in line)
            gid = f"g{len(self.server_state.glossaries) + 1}"
            self.server_state.glossaries[gid] = entries
            self._send(
                201,
                {
                    "glossary_id": gid,
                    "name": body.get("name", ""),
                    "ready": True,
                    "source_lang": str(body.get("source_lang", "")).lower(),
                    "target_lang": str(body.get("target_lang", "")).lower(),
                    "creation_time": "2026-11-27T07:00:00.000000Z",
                    "entry_count": len(entries),
                },
            )
            return
        if self.path == "/v2/translate":
            glossary = self.server_state.glossaries.get(str(body.get("glossary_id", "")), {})
            texts = body.get("text") or []
            self._send(
                200,
                {
                    "translations": [
                        {
                            "detected_source_language": str(body.get("source_lang", "RU")),
                            "text": fake_translate(t, glossary),
                            "billed_characters": len(t),
                        }
                        for t in texts
                    ]
                },
            )
            return
        self._send(404, {"message": "Not found"})

    def do_DELETE(self) -> None:  # noqa: N802
        self.server_state.requests.append({"method": "DELETE", "path": self.path, "json": None})
        if not self._authorised():
            return
        gid = self.path.rsplit("/", 1)[-1]
        self.server_state.deleted.append(gid)
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _LibreHandler(_Handler):
    def do_POST(self) -> None:  # noqa: N802
        body = self._body()
        self.server_state.requests.append(
            {"method": "POST", "path": self.path, "json": body, "headers": dict(self.headers)}
        )
        if self.path != "/translate":
            self._send(404, {"error": "Not Found"})
            return
        if self.server_state.mode == "bad_key" or body.get("api_key") != LIBRE_KEY:
            self._send(403, {"error": "Invalid API key"})
            return
        if self._failure():
            return
        if self.server_state.mode == "quota":
            self._send(429, {"error": "Too many request limits violations"})
            return
        q = body.get("q")
        if isinstance(q, list):
            self._send(200, {"translatedText": [fake_translate(t, {}) for t in q]})
        else:
            self._send(200, {"translatedText": fake_translate(str(q), {})})


class FakeDeepL(_Server):
    def __init__(self) -> None:
        super().__init__(_DeepLHandler)


class FakeLibreTranslate(_Server):
    def __init__(self) -> None:
        super().__init__(_LibreHandler)


@pytest.fixture
def deepl_server(settings) -> Iterator[FakeDeepL]:
    """A fake DeepL on 127.0.0.1, configured as the desk's provider."""
    server = FakeDeepL()
    settings.DESK_MT_PROVIDER = "deepl"
    settings.DESK_MT_DEEPL_KEY = DEEPL_KEY
    settings.DESK_MT_URL = server.url
    settings.DESK_MT_TIMEOUT = 1.0
    settings.DESK_MT_MAX_RESPONSE_BYTES = 1_000_000
    yield server
    server.close()


@pytest.fixture
def libre_server(settings) -> Iterator[FakeLibreTranslate]:
    """A fake LibreTranslate on 127.0.0.1, configured as the desk's provider."""
    server = FakeLibreTranslate()
    settings.DESK_MT_PROVIDER = "libretranslate"
    settings.DESK_MT_URL = server.url
    settings.DESK_MT_KEY = LIBRE_KEY
    settings.DESK_MT_TIMEOUT = 1.0
    settings.DESK_MT_MAX_RESPONSE_BYTES = 1_000_000
    yield server
    server.close()
