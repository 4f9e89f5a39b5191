"""A failover as people meet it: writes get a 503 with Retry-After (never a 500), reads the replica.

The primary "goes" by a wrapper on the default connection that fails every query (or every
write, as a demoted primary does) the way psycopg does; the replica is a second connection to
the test database (``tests/test_db_routing.py``'s fixture), which keeps working.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.core.cache import cache
from django.db import IntegrityError, InternalError, OperationalError, connections
from django.urls import reverse

from newsroom.core.db_unavailable import is_database_unavailable
from tests.factories import TranslationFactory
from tests.test_db_routing import replica  # noqa: F401 - the fixture
from translations import workflow
from translations.models import State, Translation, WorkflowEvent


@contextmanager
def primary_gone(*, writes_only: bool = False) -> Iterator[None]:
    """Every query on the default connection fails as with no primary (or only writes: read-only)."""

    def fail(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if writes_only:
            if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
                raise InternalError("cannot execute UPDATE in a read-only transaction") from (
                    psycopg.errors.ReadOnlySqlTransaction("cannot execute UPDATE in a read-only transaction")
                )
            return execute(sql, params, many, context)
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    with connections["default"].execute_wrapper(fail):
        yield


def test_an_autosave_on_a_demoted_primary_gets_a_503_in_json_to_retry_and_nothing_changes(client, translator):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=translator)
    client.force_login(translator)
    block = t.source_revision.blocks[0]["id"]
    body = json.dumps({"based_on": t.edit_version, "blocks": {block: {"text": "Saved during a failover"}}})
    with primary_gone(writes_only=True):
        response = client.post(reverse("desk:autosave", args=[t.pk]), body, content_type="application/json")
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response["Content-Type"] == "application/json"
    assert "try again" in response.json()["error"]
    stored = Translation.objects.get(pk=t.pk)
    assert stored.edit_version == t.edit_version and "Saved during a failover" not in json.dumps(stored.blocks)
    # The same request once there is a leader again is saved: nothing was half done.
    response = client.post(reverse("desk:autosave", args=[t.pk]), body, content_type="application/json")
    assert response.status_code == 200


def test_a_form_post_with_no_primary_gets_a_503_page_not_a_500(client, editor):
    t = TranslationFactory(state=State.OPEN)
    client.force_login(editor)
    client.raise_request_exception = False  # as in production: middleware fails before the view
    with primary_gone():
        response = client.post(reverse("desk:transition", kwargs={"pk": t.pk, "action": "spike"}), {"comment": "x"})
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    page = response.content.decode()
    assert "<h1>One moment, please</h1>" in page and "Nothing was saved" in page and 'lang="en"' in page
    assert not WorkflowEvent.objects.filter(translation=t, comment="x").exists()


def test_a_reader_gets_the_story_from_the_replica_while_there_is_no_primary(client, editor, reviewer, replica):  # noqa: F811
    t = TranslationFactory(state=State.IN_REVIEW, title="Diplomats picket the ministry")
    t = workflow.translation_publish(translation=workflow.translation_approve(translation=t, by=reviewer), by=editor)
    t.article.refresh_from_db()
    url = t.article.get_absolute_url()
    cache.clear()
    with primary_gone():
        response = client.get(url)
        again = client.get(url)  # not kept in the page cache from the replica
    assert response.status_code == 200, response.content[:300]
    assert "Diplomats picket the ministry" in response.content.decode()
    assert again.status_code == 200
    cache.clear()


def test_a_read_with_no_primary_and_no_replica_is_a_503_too(client, editor):
    client.force_login(editor)
    client.raise_request_exception = False
    with primary_gone():
        response = client.get(reverse("desk:home"))
    assert response.status_code == 503 and response["Retry-After"] == "2"


def test_health_says_read_only_while_only_the_replica_answers(client, replica):  # noqa: F811
    """The balancer keeps the web nodes in while readers can be answered; out only when nothing answers."""
    with primary_gone():
        assert client.get("/healthz").content == b"read-only\n"
        with replica.execute_wrapper(lambda *a: (_ for _ in ()).throw(OperationalError("refused"))):
            assert client.get("/healthz").status_code == 503
    assert client.get("/healthz").content == b"ok\n"


@pytest.mark.parametrize(
    ("exc", "unavailable"),
    [
        (OperationalError("server closed the connection unexpectedly"), True),
        (IntegrityError("duplicate key value violates unique constraint"), False),
        (InternalError("cannot execute INSERT in a read-only transaction"), False),  # no SQLSTATE: not ours
        (ValueError("not a database error"), False),
    ],
)
def test_only_a_missing_primary_is_a_503(exc, unavailable):
    assert is_database_unavailable(exc) is unavailable


def test_a_lock_timeout_is_the_request_s_own_error_not_a_failover():
    try:
        raise OperationalError("canceling statement due to lock timeout") from psycopg.errors.LockNotAvailable("x")
    except OperationalError as exc:
        assert is_database_unavailable(exc) is False
    try:
        raise OperationalError("terminating connection") from psycopg.errors.AdminShutdown("x")
    except OperationalError as exc:
        assert is_database_unavailable(exc) is True
