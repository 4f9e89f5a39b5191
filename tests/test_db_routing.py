"""The read replica: lag-tolerant reads go to it, a person's reads after their own write never do.

The "replica" here is a second connection to the test database (the router cannot tell), so
what is asserted is where each query went, counted per connection.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from newsroom.core import db_routing
from newsroom.models import Article, AuditEntry
from tests.factories import TranslationFactory
from tests.newsroom.test_site_pages import make_staff, publish_story
from translations.models import State

transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture
def replica(settings, transactional_db):
    """A ``replica`` alias, as ``DATABASE_REPLICA_URL`` makes one (committed data only: transactional)."""
    config = {**connections["default"].settings_dict, "TEST": {"MIRROR": "default"}}
    settings.DATABASES = {**settings.DATABASES, "replica": config}
    connections.settings["replica"] = config
    conn = connections["replica"]
    conn.connect()  # the test case refuses to open connections for aliases it was not told about
    yield conn
    connections["replica"].close()
    del connections["replica"]
    del connections.settings["replica"]


def test_without_a_replica_every_read_goes_to_the_primary(db):
    router = db_routing.ReplicaRouter()
    with db_routing.lag_tolerant():
        assert router.db_for_read(Article) is None
    assert router.allow_migrate("default", "newsroom") is True


def test_lag_tolerant_reads_go_to_the_replica_but_not_inside_a_transaction(replica):
    router = db_routing.ReplicaRouter()
    assert router.db_for_read(Article) is None  # not marked lag-tolerant
    with db_routing.lag_tolerant():
        assert router.db_for_read(Article) == "replica"
        with transaction.atomic():
            assert router.db_for_read(Article) is None  # a transaction reads its own writes
    assert router.allow_migrate("replica", "newsroom") is False


def test_stats_and_audit_pages_read_from_the_replica(client, editor, replica):
    client.force_login(editor)
    for name in ("desk:stats", "desk:audit"):
        with CaptureQueriesContext(replica) as on_replica:
            response = client.get(reverse(name))
        assert response.status_code == 200
        assert len(on_replica) > 0, f"{name} did not read from the replica"
        assert "desk_wrote" not in response.cookies


def test_a_write_followed_by_its_page_never_reads_the_replica(client, editor, replica):
    t = TranslationFactory(state=State.OPEN)
    client.force_login(editor)
    with CaptureQueriesContext(replica) as on_replica:
        response = client.post(reverse("desk:transition", kwargs={"pk": t.pk, "action": "spike"}), {"comment": ""})
        assert response.status_code == 302
        assert response.cookies["desk_wrote"]["max-age"] == 10
        page = client.get(reverse("desk:audit"))  # the browser carries the cookie to the next page
    assert page.status_code == 200
    assert AuditEntry.objects.filter(action="translation.spike").exists()
    assert "translation.spike" in page.content.decode()
    assert len(on_replica) == 0, [q["sql"] for q in on_replica.captured_queries]


def test_once_the_sticky_cookie_expires_the_replica_is_used_again(client, editor, replica):
    client.force_login(editor)
    client.cookies["desk_wrote"] = "1"
    with CaptureQueriesContext(replica) as on_replica:
        client.get(reverse("desk:stats"))
    assert len(on_replica) == 0
    del client.cookies["desk_wrote"]
    with CaptureQueriesContext(replica) as on_replica:
        client.get(reverse("desk:stats"))
    assert len(on_replica) > 0


def test_public_search_reads_the_replica_and_such_pages_are_not_cached(client, replica, settings):
    settings.CACHES = {
        alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "r"}
        for alias in ("default", "pages")
    }
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(replica) as on_replica:
        assert client.get("/search/?q=minsk").status_code == 200
    assert len(on_replica) > 0
    assert not [k for k in cache._cache if "site:page" in k]  # type: ignore[attr-defined]


def test_a_search_read_from_the_replica_is_never_kept_for_others(client, replica, settings):
    """The replica may lag behind a withdrawal: what a search found there is never kept under the
    listings version (``stored.listing_cached``), so the same search asked again reads it again."""
    settings.SITE_CACHE_SECONDS = 0
    publish_story(make_staff(), title="Okrestin detainees released")
    for _asked in range(2):
        with CaptureQueriesContext(replica) as on_replica:
            html = client.get("/search/?q=okrestin").content.decode()
        assert "Okrestin detainees released" in html
        assert len(on_replica) > 0
    assert client.get("/search/?q=okrestin", HTTP_COOKIE=f"{db_routing.STICKY_COOKIE}=1").status_code == 200
    with CaptureQueriesContext(connections["default"]) as on_primary, CaptureQueriesContext(replica) as on_replica:
        assert "Okrestin detainees released" in client.get("/search/?q=okrestin").content.decode()
    assert len(on_primary) == len(on_replica) == 0  # kept from the primary's read


def test_backup_reads_from_the_replica_unless_told_otherwise(replica, tmp_path, capsys):
    call_command("backup_db", str(tmp_path / "a.dump"))
    assert "(replica)" in capsys.readouterr().out
    call_command("backup_db", str(tmp_path / "b.dump"), "--primary")
    assert "(default)" in capsys.readouterr().out
    assert (tmp_path / "a.dump").stat().st_size > 0
