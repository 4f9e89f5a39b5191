"""A partner's webhook endpoint and a reader's mail server, both real, on 127.0.0.1."""

from __future__ import annotations

import asyncio
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest


@dataclass
class PartnerEndpoint:
    """What the partner server received, and what it answers next (``statuses`` in order,
    then ``default``)."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    default: int = 200


@pytest.fixture
def partner_server(settings) -> Iterator[PartnerEndpoint]:
    """A webhook receiver on 127.0.0.1; loopback is allowed for this test, as for the importer's."""
    settings.DESK_IMPORT_ALLOW_LOOPBACK = True
    endpoint = PartnerEndpoint()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                endpoint.received.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
                status = endpoint.statuses.pop(0) if endpoint.statuses else endpoint.default
            answer = b'{"ok": true}' if status < 300 else b"partner is down for maintenance"
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/desk"
    yield endpoint
    server.shutdown()
    server.server_close()


@dataclass
class MailServer:
    """Messages an SMTP server on 127.0.0.1 received, parsed. Addresses in ``refuse`` are
    refused for good (550); with ``stall_at`` set, the transaction of that message (1-based)
    stops at its recipient until ``release`` is set (``stalled`` tells it has), then is
    abandoned: that message is not delivered."""

    messages: list[Any] = field(default_factory=list)
    port: int = 0
    refuse: set[str] = field(default_factory=set)
    stall_at: int | None = None
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    transactions: int = 0

    def to(self, address: str) -> list[Any]:
        return [m for m in self.messages if address in m["To"]]


@pytest.fixture
def smtp_server(settings) -> Iterator[MailServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; Django's SMTP backend sends to it."""
    import email
    import email.policy

    from aiosmtpd.controller import Controller

    box = MailServer()

    class Handler:
        async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
            if address in box.refuse:
                return "550 5.1.1 No such mailbox here"
            box.transactions += 1
            if box.transactions == box.stall_at:
                box.stalled.set()
                await asyncio.get_running_loop().run_in_executor(None, box.release.wait, 120)
                return "451 4.3.0 Try again later"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
            box.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 Message accepted for delivery"

    import socket

    with socket.socket() as probe:  # aiosmtpd's controller needs a port number it can check
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    box.port = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield box
    box.release.set()
    controller.stop()
