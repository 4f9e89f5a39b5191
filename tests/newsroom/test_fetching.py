"""Safe fetching: SSRF refusals, redirects, rebinding, size/time caps, content types."""

from __future__ import annotations

import ipaddress
import socket
import time
from datetime import UTC
from typing import Any

import pytest

from newsroom.sources import fetching
from newsroom.sources.fetching import (
    BadContentType,
    BlockedAddress,
    BlockedURL,
    FetchError,
    HTTPStatusError,
    TemporaryFetchError,
    TooLarge,
    TooManyRedirects,
    TooSlow,
    fetch,
)

REFUSED = [
    # schemes and credentials
    "file:///etc/passwd",
    "ftp://example.com/file",
    "gopher://127.0.0.1:70/_x",
    "dict://127.0.0.1:11211/stat",
    "javascript:alert(1)",
    "data:text/html,hello",
    "http://user:pass@example.com/",
    "http://user@example.com/",
    "https://:@example.com/",
    "http://example.com%2F@127.0.0.1/",
    "http://127.0.0.1\\@example.com/",
    "http://exa mple.com/",
    "http:///no-host",
    "http://127.0.0.1:99999/",
    # loopback, written plainly and oddly
    "http://127.0.0.1/",
    "http://127.1.2.3:8080/",
    "http://localhost/",
    "http://LOCALHOST./",
    "http://127.1/",
    "http://127.0.1/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://0x7f.0.0.1/",
    "http://0x7f.1/",
    "http://017700000001/",
    "http://127.000.000.001/",
    "http://0/",
    "http://１２７.０.０.１/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::127.0.0.1]/",
    # unspecified, private, shared, link-local, metadata
    "http://0.0.0.0/",
    "http://[::]/",
    "http://10.0.0.5/",
    "http://172.16.0.1/",
    "http://172.31.255.254/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.0.1/",
    "http://[0:0:0:0:0:ffff:169.254.169.254]/",
    "http://[fe80::1]/",
    "http://[fe80::1%25eth0]/",
    # multicast, reserved, documentation, benchmark
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://192.0.2.1/",
    "http://198.18.0.1/",
    "http://[ff02::1]/",
    # IPv6 private space and IPv4 wrapped in IPv6
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[fec0::1]/",
    "http://[2002:a00:1::]/",
    "http://[2002:7f00:1::]/",
    "http://[64:ff9b::a00:1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://[64:ff9b:1::1]/",
    "http://[2001:db8::1]/",
]


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Every address the fetcher actually opens a TCP connection to."""
    seen: list[tuple[Any, ...]] = []
    real = fetching._connect

    def spy(family: int, address: tuple[Any, ...], timeout: float | None) -> socket.socket:
        seen.append(address)
        return real(family, address, timeout)

    monkeypatch.setattr(fetching, "_connect", spy)
    return seen


@pytest.mark.parametrize("url", REFUSED)
def test_refused_url_forms(url: str, connects: list[tuple[Any, ...]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESK_IMPORT_ALLOW_LOOPBACK", raising=False)
    with pytest.raises(BlockedURL) as caught:
        fetch(url, timeout=2)
    assert connects == []
    message = str(caught.value)
    assert message.endswith(".") and "\n" not in message


def test_at_least_forty_url_forms_are_checked() -> None:
    assert len(REFUSED) >= 40


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://192.168.0.10/",
        "http://169.254.169.254/",
        "http://[::ffff:127.0.0.1]/",
        "http://127.1/",
        "http://2130706433/",
        "http://0.0.0.0/",
        "http://[fd00::1]/",
    ],
)
def test_loopback_switch_never_opens_private_ranges(url: str, connects: list[tuple[Any, ...]]) -> None:
    with pytest.raises(BlockedAddress):
        fetch(url, allow_loopback=True, timeout=2)
    assert connects == []


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "2606:4700:4700::1111", "64:ff9b::5db8:d822", "2002:5db8:d822::1", "8.8.8.8"]
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert fetching._blocked_reason(ipaddress.ip_address(address), allow_loopback=False) is None


def test_loopback_refused_unless_environment_allows(fixture_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"{fixture_server}/sources/site/paywall.html"
    monkeypatch.delenv("DESK_IMPORT_ALLOW_LOOPBACK", raising=False)
    with pytest.raises(BlockedAddress) as caught:
        fetch(url)
    assert "loopback" in str(caught.value)
    monkeypatch.setenv("DESK_IMPORT_ALLOW_LOOPBACK", "1")
    assert fetch(url).status == 200
    monkeypatch.setenv("DESK_IMPORT_ALLOW_LOOPBACK", "yes")
    with pytest.raises(BlockedAddress):
        fetch(url)


def test_fetch_returns_page_with_metadata(fixture_server: str) -> None:
    url = f"{fixture_server}/sources/site/mfa-picket.html"
    result = fetch(url, allow_loopback=True)
    assert result.status == 200
    assert result.requested_url == result.final_url == url
    assert result.headers["content-type"].startswith("text/html")
    assert b"article_body" in result.content
    assert result.fetched_at.tzinfo is UTC
    assert not result.not_modified


@pytest.mark.parametrize(
    "target",
    ["http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/", "http://2130706433/", "file:///etc/passwd"],
)
def test_redirect_to_blocked_address_is_refused_before_connecting(
    fixture_server: str, connects: list[tuple[Any, ...]], target: str
) -> None:
    with pytest.raises(BlockedURL):
        fetch(f"{fixture_server}/_t/redirect?to={target}", allow_loopback=True)
    hosts = {address[0] for address in connects}
    assert hosts == {"127.0.0.1"}  # the first hop only


def test_redirect_within_public_rules_is_followed(fixture_server: str) -> None:
    result = fetch(f"{fixture_server}/_t/redirect?to=/sources/site/paywall.html", allow_loopback=True)
    assert result.final_url == f"{fixture_server}/sources/site/paywall.html"
    assert result.requested_url.endswith("/_t/redirect?to=/sources/site/paywall.html")


def test_redirect_loop_is_cut_off(fixture_server: str) -> None:
    with pytest.raises(TooManyRedirects):
        fetch(f"{fixture_server}/_t/loop", allow_loopback=True, max_redirects=3)


def _fake_dns(monkeypatch: pytest.MonkeyPatch, answers: list[str]) -> list[str]:
    calls: list[str] = []
    real = socket.getaddrinfo

    def fake(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if not host.endswith(".example"):
            return real(host, port, *args, **kwargs)
        calls.append(host)
        out = []
        for ip in answers:
            family = socket.AF_INET6 if ":" in ip else socket.AF_INET
            sockaddr = (ip, port, 0, 0) if family == socket.AF_INET6 else (ip, port)
            out.append((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr))
        return out

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return calls


def test_name_resolving_to_private_address_is_refused(
    monkeypatch: pytest.MonkeyPatch, connects: list[tuple[Any, ...]]
) -> None:
    _fake_dns(monkeypatch, ["10.0.0.5"])
    with pytest.raises(BlockedAddress) as caught:
        fetch("http://intranet.example/", timeout=2)
    assert "private address (10.0.0.5)" in str(caught.value)
    assert connects == []


def test_any_private_answer_among_public_ones_is_refused(
    monkeypatch: pytest.MonkeyPatch, connects: list[tuple[Any, ...]]
) -> None:
    _fake_dns(monkeypatch, ["93.184.216.34", "169.254.169.254"])
    with pytest.raises(BlockedAddress):
        fetch("http://mixed.example/", timeout=2)
    assert connects == []


def test_connection_goes_to_the_checked_ip_with_the_name_as_host(
    fixture_server: str, monkeypatch: pytest.MonkeyPatch, connects: list[tuple[Any, ...]]
) -> None:
    port = int(fixture_server.rsplit(":", 1)[1])
    calls = _fake_dns(monkeypatch, ["127.0.0.1"])
    result = fetch(f"http://news.example:{port}/_t/echo-host", allow_loopback=True)
    assert calls == ["news.example"]  # resolved once: nothing to rebind between check and connect
    assert connects == [("127.0.0.1", port)]
    assert f"news.example:{port}".encode() in result.content


def test_peer_address_of_the_socket_is_checked(fixture_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS says public, the socket ends up on loopback (rebinding at the network layer)."""
    port = int(fixture_server.rsplit(":", 1)[1])
    _fake_dns(monkeypatch, ["93.184.216.34"])
    real = fetching._connect

    def rerouted(family: int, address: tuple[Any, ...], timeout: float | None) -> socket.socket:
        return real(socket.AF_INET, ("127.0.0.1", port), timeout)

    monkeypatch.setattr(fetching, "_connect", rerouted)
    with pytest.raises(BlockedAddress) as caught:
        fetch(f"http://rebind.example:{port}/", allow_loopback=False, timeout=2)
    assert "127.0.0.1" in str(caught.value)


def test_slow_drip_is_cut_off_by_wall_clock(fixture_server: str) -> None:
    started = time.monotonic()
    with pytest.raises(TooSlow) as caught:
        fetch(f"{fixture_server}/_t/slow", allow_loopback=True, timeout=1.0)
    assert time.monotonic() - started < 2.5
    assert isinstance(caught.value, TemporaryFetchError)


def test_hanging_server_is_cut_off(fixture_server: str) -> None:
    started = time.monotonic()
    with pytest.raises(TooSlow):
        fetch(f"{fixture_server}/_t/hang-feed", accept="feed", allow_loopback=True, timeout=1.0)
    assert time.monotonic() - started < 2.5


def test_huge_streamed_response_is_cut_off(fixture_server: str) -> None:
    started = time.monotonic()
    with pytest.raises(TooLarge):
        fetch(f"{fixture_server}/_t/huge", allow_loopback=True, max_bytes=1_000_000)
    assert time.monotonic() - started < 3


def test_huge_declared_length_is_refused_before_reading(fixture_server: str) -> None:
    with pytest.raises(TooLarge):
        fetch(f"{fixture_server}/_t/huge-declared", allow_loopback=True, max_bytes=1_000_000)


def test_page_at_the_size_limit_is_accepted(fixture_server: str) -> None:
    url = f"{fixture_server}/sources/site/no-metadata.html"
    size = len(fetch(url, allow_loopback=True).content)
    assert len(fetch(url, allow_loopback=True, max_bytes=size).content) == size
    with pytest.raises(TooLarge):
        fetch(url, allow_loopback=True, max_bytes=size - 1)


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/_t/json", "html"),
        ("/_t/json", "feed"),
        ("/sources/feeds/outlet.rss", "html"),
        ("/sources/feeds/outlet.atom", "html"),
    ],
)
def test_wrong_content_type_is_refused(fixture_server: str, path: str, accept: Any) -> None:
    with pytest.raises(BadContentType):
        fetch(f"{fixture_server}{path}", accept=accept, allow_loopback=True)


@pytest.mark.parametrize(
    "path", ["/sources/feeds/outlet.rss", "/sources/feeds/outlet.atom", "/sources/feeds/not-a-feed.rss"]
)
def test_feed_accepts_feed_types_and_html(fixture_server: str, path: str) -> None:
    assert fetch(f"{fixture_server}{path}", accept="feed", allow_loopback=True).status == 200


def test_etag_conditional_get(fixture_server: str) -> None:
    first = fetch(f"{fixture_server}/_t/etag", allow_loopback=True)
    assert first.headers["etag"] == '"v1"'
    second = fetch(f"{fixture_server}/_t/etag", allow_loopback=True, etag=first.headers["etag"])
    assert second.not_modified and second.status == 304 and second.content == b""


def test_last_modified_conditional_get(fixture_server: str) -> None:
    url = f"{fixture_server}/sources/site/paywall.html"
    first = fetch(url, allow_loopback=True)
    second = fetch(url, allow_loopback=True, last_modified=first.headers["last-modified"])
    assert second.not_modified


@pytest.mark.parametrize(
    ("code", "temporary"), [(404, False), (410, False), (403, False), (500, True), (503, True), (429, True)]
)
def test_error_statuses(fixture_server: str, code: int, temporary: bool) -> None:
    with pytest.raises(HTTPStatusError) as caught:
        fetch(f"{fixture_server}/_t/status?code={code}", allow_loopback=True)
    assert caught.value.status == code
    assert isinstance(caught.value, TemporaryFetchError) is temporary


def test_refused_connection_is_temporary() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TemporaryFetchError):
        fetch(f"http://127.0.0.1:{port}/", allow_loopback=True, timeout=2)


def test_every_error_is_a_fetch_error_with_one_sentence() -> None:
    for error in (BlockedAddress, TooLarge, TooSlow, BadContentType, TooManyRedirects, HTTPStatusError):
        assert issubclass(error, FetchError)
    with pytest.raises(FetchError) as caught:
        fetch("http://10.0.0.5/")
    assert str(caught.value) == (
        "The address 10.0.0.5 is a private address (10.0.0.5); the importer only fetches public web pages."
    )


def test_non_ascii_digit_content_length_is_ignored_not_a_crash() -> None:
    class Response:
        headers = {"content-length": "\xb2"}  # "²": latin-1, so http.client hands it over as is
        chunks = [b"<p>ok</p>", b""]

        def read1(self, _size: int) -> bytes:
            return self.chunks.pop(0)

    body = fetching._read_body(Response(), max_bytes=100, deadline=time.monotonic() + 5, url="https://a.example/")

    assert body == b"<p>ok</p>"
