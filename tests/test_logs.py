"""Refusals are logged as one line with their reason; real errors keep their traceback."""

import io
import logging
import sys

import pytest

from newsroom.core.logs import RefusalsOnOneLine


@pytest.fixture
def console():
    """The configured console handler, writing into a buffer for the test."""
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, RefusalsOnOneLine) for f in h.filters))
    buffer = io.StringIO()
    old = handler.setStream(buffer)
    yield buffer
    handler.setStream(old)


@pytest.mark.django_db
def test_a_forbidden_action_is_one_line_with_its_reason(client, volunteer, console):
    client.force_login(volunteer)
    response = client.post("/desk/invite/", {"email": "x@example.org"})
    assert response.status_code == 403
    assert "Traceback" not in console.getvalue()
    lines = [line for line in console.getvalue().splitlines() if "/desk/invite/" in line]
    assert len(lines) == 1, console.getvalue()
    assert "Forbidden (Permission denied): /desk/invite/" in lines[0]
    assert "refused: PermissionDenied" in lines[0]


@pytest.mark.django_db
def test_a_bad_host_is_one_line_naming_the_host(client, console):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    log = console.getvalue()
    assert "Traceback" not in log
    assert "DisallowedHost" in log and "evil.example" in log
    assert "Site cache unavailable" not in log


def test_a_server_error_keeps_its_traceback():
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: /x", (), None)
    record.status_code = 500
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    assert RefusalsOnOneLine().filter(record)
    assert record.exc_info is not None
    text = logging.Formatter().format(record)
    assert "Traceback" in text and "RuntimeError: boom" in text


@pytest.mark.django_db
def test_a_missing_page_and_a_wrong_method_are_one_line_each(client, console):
    assert client.get("/no-such-page/").status_code == 404
    assert client.delete("/search/").status_code == 405
    log = console.getvalue()
    assert "Traceback" not in log
    assert len([line for line in log.splitlines() if "/no-such-page/" in line]) == 1
    assert [line for line in log.splitlines() if "Method Not Allowed" in line] == [
        "Method Not Allowed (DELETE): /search/"
    ]
