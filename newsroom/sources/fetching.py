"""Fetch a public web page or feed for the importer without letting it reach anything else.

The importer takes URLs typed by editors and found in feeds, so every fetch is a potential
SSRF: an address that points at the desk's own database, the cloud metadata service
(169.254.169.254) or an intranet page. The rules, in the order they are applied:

* Only `http`/`https`, no `user:pass@`, no odd characters, and a host that is either a DNS
  name or a canonically written IP address. Numeric spellings that resolvers accept but
  humans do not read as IPs (`2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`) are refused
  outright instead of being decoded: there is no legitimate reason to use them.
* The name is resolved **at connect time** inside a urllib3 connection subclass; every
  address it resolves to must be public, and the socket is then connected to that already
  checked IP (the Host header and TLS SNI still carry the name). A DNS server that answers
  "public" to a first lookup and "private" to a second cannot slip through, because there
  is no second lookup; the peer address of the connected socket is checked once more.
* Public means `ipaddress.is_global` and not multicast/reserved/site-local; IPv4-mapped
  and IPv4-compatible IPv6 are refused, and 6to4, Teredo and NAT64 addresses are judged by
  the IPv4 address they wrap.
* Redirects are followed by hand, each hop checked like the first, at most `max_redirects`.
* Size is capped while streaming (and by Content-Length up front), total time by a
  wall-clock deadline enforced by a watchdog that shuts the socket: per-read timeouts alone
  let a server drip one byte a second forever.

Loopback (127.0.0.0/8 and ::1, nothing else) is allowed only when the setting
`DESK_IMPORT_ALLOW_LOOPBACK` is on (environment `DESK_IMPORT_ALLOW_LOOPBACK=1`; read at call time) or a test passes `allow_loopback=True`:
the test suite serves its fixtures from 127.0.0.1.

Every refusal is a `FetchError` whose message is one sentence an editor can read.
`TemporaryFetchError` (timeouts, connection failures, 5xx, 429) is what Celery retries.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import certifi
import urllib3
from django.conf import settings
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError as Urllib3HTTPError

from newsroom.core.errors import DeskError

__all__ = [
    "BadContentType",
    "BlockedAddress",
    "BlockedURL",
    "FetchError",
    "FetchResult",
    "HTTPStatusError",
    "ServerError",
    "TemporaryFetchError",
    "TooLarge",
    "TooManyRedirects",
    "TooSlow",
    "address_check",
    "fetch",
    "post",
]

USER_AGENT = "TranslationDeskImporter/1.0 (+https://desk.invalid/about/importer)"
_REDIRECTS = {301, 302, 303, 307, 308}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_FEED_TYPES = {
    "application/rss+xml", "application/x-rss+xml", "application/atom+xml", "application/rdf+xml",
    "application/xml", "text/xml", "application/x-xml", "text/rss+xml", "text/atom+xml",
    "text/html", "application/octet-stream",
}  # fmt: skip
# Pictures the importer stores (re-encoded by Pillow); SVG is a document that can carry script.
_IMAGE_TYPES = {"image/jpeg", "image/pjpeg", "image/png", "image/gif", "image/webp", "image/avif"}
_ACCEPT_HEADERS = {
    "html": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "image": "image/avif,image/webp,image/jpeg,image/png,image/gif;q=0.9",
    "feed": "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1",
}


# --------------------------------------------------------------------------- errors


class FetchError(DeskError):
    """A fetch that did not produce a usable response; `str(error)` is shown to editors."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class BlockedURL(FetchError):
    """The URL itself is not acceptable (scheme, credentials, odd host spelling)."""


class BlockedAddress(BlockedURL):
    """The host is, or resolves to, an address that is not on the public internet."""


class TooLarge(FetchError):
    """The response is bigger than the importer accepts."""


class BadContentType(FetchError):
    """The server answered with something that is not a web page (or feed)."""


class TooManyRedirects(FetchError):
    """The chain of redirects is longer than allowed."""


class HTTPStatusError(FetchError):
    """The server answered 4xx/5xx."""

    def __init__(self, message: str, *, url: str | None = None, status: int = 0) -> None:
        super().__init__(message, url=url)
        self.status = status


class TemporaryFetchError(FetchError):
    """Worth retrying later: timeouts, refused connections, 5xx, 429."""


class TooSlow(TemporaryFetchError):
    """The server did not finish within the time allowed."""


class ServerError(HTTPStatusError, TemporaryFetchError):
    """5xx, 408 or 429: an HTTP status error that is also temporary."""


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class FetchResult:
    """What the server sent. `headers` keys are lower-case; `content` is decoded from gzip."""

    requested_url: str
    final_url: str
    status: int
    headers: dict[str, str]
    content: bytes
    fetched_at: datetime
    not_modified: bool


# --------------------------------------------------------------------------- address policy

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
_IPV4_COMPAT = ipaddress.ip_network("::/96")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_METADATA = ipaddress.ip_address("169.254.169.254")


def _blocked_reason(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, *, allow_loopback: bool) -> str | None:
    """Why this address is not a public one, or None if the importer may connect to it."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return "an IPv4-mapped IPv6 address"
        if ip in _NAT64_LOCAL:
            return "a local-use NAT64 address"
        if ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
            reason = _blocked_reason(inner, allow_loopback=False)
            return f"a NAT64 address wrapping {reason}" if reason else None
        if ip.sixtofour is not None:
            reason = _blocked_reason(ip.sixtofour, allow_loopback=False)
            return f"a 6to4 address wrapping {reason}" if reason else None
        if ip.teredo is not None:
            reason = _blocked_reason(ip.teredo[1], allow_loopback=False)
            return f"a Teredo address wrapping {reason}" if reason else None
        if ip in _IPV4_COMPAT and not ip.is_loopback:
            return "an IPv4-compatible IPv6 address" if not ip.is_unspecified else "the unspecified address"
        if ip.is_site_local:
            return "a site-local address"
    if ip.is_loopback:
        loopback_ok = ip == ipaddress.IPv6Address("::1") or (
            isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.IPv4Network("127.0.0.0/8")
        )
        return None if allow_loopback and loopback_ok else "a loopback address"
    if ip.is_unspecified:
        return "the unspecified address"
    if ip == _METADATA:
        return "the cloud metadata address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "a shared (carrier-grade NAT) address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved:
        return "a reserved address"
    if not ip.is_global:
        return "a non-public address"
    return None


def _loopback_allowed(override: bool | None) -> bool:
    if override is not None:
        return override
    return bool(settings.DESK_IMPORT_ALLOW_LOOPBACK)


_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)
_CANONICAL_V4 = re.compile(r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}")
_HOST_CHARS = re.compile(r"[a-z0-9._-]+")


def _check_url(url: str, *, allow_loopback: bool) -> tuple[str, str, int]:
    """Validate a URL's shape and literal host; return (scheme, host, port)."""
    if any(ord(ch) <= 0x20 or ch in "\\\x7f" for ch in url):
        raise BlockedURL(f"The address {url!r} contains spaces, control characters or backslashes.", url=url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise BlockedURL(f"The address {url!r} is not a valid web address.", url=url) from None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise BlockedURL(f"Only http and https addresses can be imported, not {scheme or 'this'}: {url}.", url=url)
    if "@" in parts.netloc:
        raise BlockedURL("Addresses with a user name or password in them are not fetched.", url=url)
    raw_host = parts.hostname or ""
    if not raw_host:
        raise BlockedURL(f"The address {url!r} has no host name.", url=url)
    if parts.netloc.startswith("[") or ":" in raw_host:
        if "%" in raw_host:
            raise BlockedAddress("IPv6 addresses with a zone index are not fetched.", url=url)
        try:
            ip6 = ipaddress.IPv6Address(raw_host)
        except ValueError:
            raise BlockedURL(f"The address {url!r} has an invalid IPv6 host.", url=url) from None
        _refuse_ip(ip6, host=raw_host, url=url, allow_loopback=allow_loopback)
        return scheme, raw_host, port or (443 if scheme == "https" else 80)
    host = raw_host.rstrip(".")
    try:
        ascii_host = host.encode("idna").decode("ascii").lower() if not host.isascii() else host.lower()
    except UnicodeError:
        raise BlockedURL(f"The host name in {url!r} is not a valid internationalised name.", url=url) from None
    if not _HOST_CHARS.fullmatch(ascii_host) or ".." in ascii_host:
        raise BlockedURL(f"The host name in {url!r} contains characters a host name cannot have.", url=url)
    labels = ascii_host.split(".")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        # Anything ending in a number is an IPv4 address to a resolver; only the plain
        # dotted-decimal spelling is accepted, and only when written by a human in ASCII.
        if not _CANONICAL_V4.fullmatch(ascii_host) or ascii_host != host:
            raise BlockedAddress(
                f"The host {raw_host!r} is an IP address written in an unusual form; "
                "the importer only fetches addresses written the ordinary way.",
                url=url,
            )
        _refuse_ip(ipaddress.IPv4Address(ascii_host), host=raw_host, url=url, allow_loopback=allow_loopback)
    return scheme, ascii_host, port or (443 if scheme == "https" else 80)


def address_check(url: str, *, allow_loopback: bool | None = None) -> None:
    """Refuse at once an address no fetch would reach (shape, scheme, a literal non-public IP),
    for a form that stores one (a partner's webhook); names are still checked at connect time."""
    _check_url(url, allow_loopback=_loopback_allowed(allow_loopback))


def _refuse_ip(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address, *, host: str, url: str | None, allow_loopback: bool
) -> None:
    reason = _blocked_reason(ip, allow_loopback=allow_loopback)
    if reason:
        verb = "is" if host.strip("[]").lower() == str(ip) else "resolves to"
        raise BlockedAddress(
            f"The address {host} {verb} {reason} ({ip}); the importer only fetches public web pages.",
            url=url,
        )


def _connect(family: int, address: tuple[Any, ...], timeout: float | None) -> socket.socket:
    """Open a TCP connection to an already validated IP (a seam for tests to spy on)."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.connect(address)
    except BaseException:
        sock.close()
        raise
    return sock


class _Guard:
    """Per-fetch state shared with the connections: the policy and the watchdog's sockets."""

    def __init__(self, *, allow_loopback: bool, url: str) -> None:
        self.allow_loopback = allow_loopback
        self.url = url
        self.sockets: list[socket.socket] = []
        self.expired = False
        self._lock = threading.Lock()

    def register(self, sock: socket.socket) -> None:
        with self._lock:
            if self.expired:
                sock.close()
                raise TooSlow("The site took too long to answer.", url=self.url)
            self.sockets.append(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self.sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def open(self, host: str, port: int, timeout: float | None) -> socket.socket:
        """Resolve, refuse if any address is not public, connect to a checked address."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        except socket.gaierror as exc:
            raise TemporaryFetchError(f"The host name {host} could not be resolved.", url=self.url) from exc
        if not infos:
            raise TemporaryFetchError(f"The host name {host} could not be resolved.", url=self.url)
        candidates = []
        for family, _type, _proto, _canon, sockaddr in infos:
            ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
            _refuse_ip(ip, host=host, url=self.url, allow_loopback=self.allow_loopback)
            candidates.append((family, sockaddr))
        last_error: OSError | None = None
        for family, sockaddr in candidates:
            try:
                sock = _connect(family, sockaddr, timeout)
            except OSError as exc:
                last_error = exc
                continue
            try:
                peer = ipaddress.ip_address(str(sock.getpeername()[0]).split("%")[0])
                _refuse_ip(peer, host=host, url=self.url, allow_loopback=self.allow_loopback)
            except BaseException:
                sock.close()
                raise
            self.register(sock)
            return sock
        if isinstance(last_error, TimeoutError):
            raise TooSlow(f"The connection to {host} timed out.", url=self.url) from last_error
        raise TemporaryFetchError(f"The site {host} refused the connection or could not be reached.", url=self.url)


class _GuardedHTTPConnection(HTTPConnection):
    def __init__(self, *args: Any, guard: _Guard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._guard = guard

    def _new_conn(self) -> socket.socket:
        timeout = self.timeout if isinstance(self.timeout, (int, float)) else None
        return self._guard.open(self._dns_host, self.port or 80, timeout)


class _GuardedHTTPSConnection(HTTPSConnection):
    def __init__(self, *args: Any, guard: _Guard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._guard = guard

    def _new_conn(self) -> socket.socket:
        timeout = self.timeout if isinstance(self.timeout, (int, float)) else None
        return self._guard.open(self._dns_host, self.port or 443, timeout)


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


# --------------------------------------------------------------------------- fetching


def _guard_with_watchdog(*, url: str, loopback: bool, seconds: float) -> tuple[_Guard, threading.Timer]:
    """The SSRF guard of one request and the started timer that expires it after ``seconds``
    (the caller cancels the timer when the request ends)."""
    guard = _Guard(allow_loopback=loopback, url=url)
    watchdog = threading.Timer(seconds, guard.expire)
    watchdog.daemon = True
    watchdog.start()
    return guard, watchdog


def _guarded_pool(*, scheme: str, host: str, port: int, seconds: float, guard: _Guard) -> HTTPConnectionPool:
    """A one-connection pool that connects only where ``guard`` allows (the SSRF rules), verifying
    certificates over HTTPS, within ``seconds``; no retries, no redirects followed by urllib3."""
    pool_cls: type[HTTPConnectionPool] = _GuardedHTTPSPool if scheme == "https" else _GuardedHTTPPool
    extra: dict[str, Any] = {"ca_certs": certifi.where(), "cert_reqs": "CERT_REQUIRED"} if scheme == "https" else {}
    return pool_cls(
        host,
        port,
        timeout=urllib3.Timeout(connect=seconds, read=seconds),
        retries=False,
        maxsize=1,
        guard=guard,
        **extra,
    )


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _content_type_ok(media_type: str, accept: str) -> bool:
    if accept == "html":
        return media_type in _HTML_TYPES
    if accept == "image":
        return media_type in _IMAGE_TYPES
    return media_type in _FEED_TYPES or media_type.endswith("+xml")


def fetch(
    url: str,
    *,
    accept: Literal["html", "feed", "image"] = "html",
    max_bytes: int = 5_000_000,
    timeout: float = 10.0,
    max_redirects: int = 5,
    etag: str | None = None,
    last_modified: str | None = None,
    allow_loopback: bool | None = None,
) -> FetchResult:
    """GET a public page or feed, following redirects, within the size and time limits.

    Called by the import services (and through them by Celery tasks). Changes nothing;
    raises a `FetchError` subclass with an editor-readable message when refused.
    `etag`/`last_modified` make the request conditional; a 304 comes back as
    `not_modified=True` with empty content. `accept="image"` takes only JPEG, PNG, GIF, WebP
    and AVIF (never SVG); the caller still has to check that the bytes are a picture.
    """
    if accept not in _ACCEPT_HEADERS:
        raise ValueError(f"accept must be 'html', 'feed' or 'image', not {accept!r}")
    loopback = _loopback_allowed(allow_loopback)
    deadline = time.monotonic() + timeout
    guard, watchdog = _guard_with_watchdog(url=url, loopback=loopback, seconds=timeout)
    try:
        return _fetch_chain(
            url,
            accept=accept,
            max_bytes=max_bytes,
            deadline=deadline,
            max_redirects=max_redirects,
            etag=etag,
            last_modified=last_modified,
            guard=guard,
        )
    except (Urllib3HTTPError, OSError) as exc:
        if guard.expired:
            raise TooSlow(f"The site took longer than {timeout:g} seconds to send {url}.", url=url) from exc
        raise TemporaryFetchError(f"The connection to the site broke while fetching {url}.", url=url) from exc
    finally:
        watchdog.cancel()


def _fetch_chain(
    url: str,
    *,
    accept: str,
    max_bytes: int,
    deadline: float,
    max_redirects: int,
    etag: str | None,
    last_modified: str | None,
    guard: _Guard,
) -> FetchResult:
    current = url
    for _hop in range(max_redirects + 1):
        scheme, host, port = _check_url(current, allow_loopback=guard.allow_loopback)
        guard.url = current
        headers = {"User-Agent": USER_AGENT, "Accept": _ACCEPT_HEADERS[accept], "Accept-Encoding": "gzip, deflate"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TooSlow(f"The site took too long to send {url}.", url=url)
        pool = _guarded_pool(scheme=scheme, host=host, port=port, seconds=remaining, guard=guard)
        try:
            path = urlsplit(current)
            target = (path.path or "/") + (f"?{path.query}" if path.query else "")
            try:
                response = pool.urlopen(
                    "GET", target, headers=headers, redirect=False, preload_content=False, assert_same_host=False
                )
            except urllib3.exceptions.TimeoutError as exc:
                raise TooSlow(f"The site took too long to answer for {current}.", url=url) from exc
            try:
                status = response.status
                response_headers = {k.lower(): v for k, v in response.headers.items()}
                if status in _REDIRECTS and response_headers.get("location"):
                    current = urljoin(current, response_headers["location"].strip())
                    continue
                if status == 304:
                    return _result(url, current, status, response_headers, b"", not_modified=True)
                _raise_for_status(status, current)
                media_type = _media_type(response_headers.get("content-type"))
                if not _content_type_ok(media_type, accept):
                    kind = {"html": "a web page", "feed": "a feed", "image": "a picture"}[accept]
                    raise BadContentType(
                        f"The address {current} serves {media_type or 'an unknown type of content'}, not {kind}.",
                        url=url,
                    )
                content = _read_body(response, max_bytes=max_bytes, deadline=deadline, url=current)
                return _result(url, current, status, response_headers, content, not_modified=False)
            finally:
                response.release_conn()
                response.close()
        finally:
            pool.close()
    raise TooManyRedirects(f"The address {url} redirects more than {max_redirects} times.", url=url)


def post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout: float = 10.0,
    max_bytes: int = 64_000,
    allow_loopback: bool | None = None,
) -> FetchResult:
    """POST ``body`` to a public address under the same address rules as :func:`fetch`.

    For pushing to partners (webhooks): redirects are not followed (a 3xx is returned as it
    came), any status is returned rather than raised, and at most ``max_bytes`` of the answer
    are read (the rest is dropped: only an excerpt is kept). Raises :class:`BlockedURL` for an
    address that is not public and :class:`TemporaryFetchError` when the connection fails or
    the server is too slow.
    """
    loopback = _loopback_allowed(allow_loopback)
    deadline = time.monotonic() + timeout
    guard, watchdog = _guard_with_watchdog(url=url, loopback=loopback, seconds=timeout)
    try:
        scheme, host, port = _check_url(url, allow_loopback=loopback)
        pool = _guarded_pool(scheme=scheme, host=host, port=port, seconds=timeout, guard=guard)
        try:
            parts = urlsplit(url)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            try:
                response = pool.urlopen(
                    "POST",
                    target,
                    body=body,
                    headers={"User-Agent": USER_AGENT, **headers},
                    redirect=False,
                    preload_content=False,
                    assert_same_host=False,
                )
            except urllib3.exceptions.TimeoutError as exc:
                raise TooSlow(f"The site took too long to answer for {url}.", url=url) from exc
            try:
                chunks: list[bytes] = []
                size = 0
                while size < max_bytes and time.monotonic() < deadline:
                    chunk = response.read1(min(65536, max_bytes - size))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                response_headers = {k.lower(): v for k, v in response.headers.items()}
                return _result(url, url, response.status, response_headers, b"".join(chunks), not_modified=False)
            finally:
                response.release_conn()
                response.close()
        finally:
            pool.close()
    except (Urllib3HTTPError, OSError) as exc:
        if guard.expired:
            raise TooSlow(f"The site took longer than {timeout:g} seconds to answer {url}.", url=url) from exc
        raise TemporaryFetchError(f"The connection to the site broke while sending to {url}.", url=url) from exc
    finally:
        watchdog.cancel()


def _raise_for_status(status: int, url: str) -> None:
    if status >= 500 or status in {408, 429}:
        raise ServerError(f"The site answered {status} for {url}; it may work later.", url=url, status=status)
    if status >= 400:
        raise HTTPStatusError(f"The site answered {status} for {url}.", url=url, status=status)
    if status >= 300 or status < 200:
        raise HTTPStatusError(f"The site answered {status} for {url}, which is not a page.", url=url, status=status)


def _read_body(response: Any, *, max_bytes: int, deadline: float, url: str) -> bytes:
    length = response.headers.get("content-length")
    if length and length.isascii() and length.isdigit() and int(length) > max_bytes:
        raise TooLarge(f"The page at {url} is larger than {max_bytes:,} bytes.", url=url)
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise TooSlow(f"The site took too long to send {url}.", url=url)
        chunk = response.read1(65536)
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"The page at {url} is larger than {max_bytes:,} bytes.", url=url)
        chunks.append(chunk)
    return b"".join(chunks)


def _result(
    requested: str, final: str, status: int, headers: dict[str, str], content: bytes, *, not_modified: bool
) -> FetchResult:
    return FetchResult(
        requested_url=requested,
        final_url=final,
        status=status,
        headers=headers,
        content=content,
        fetched_at=datetime.now(tz=UTC),
        not_modified=not_modified,
    )
