"""The edge cache's keys and purges (``newsroom.site.edge``, ``rendering.owner``): every public
answer names what it depends on in ``xkey``; desk pages, search and errors carry none; each
publication, correction, withdrawal and credit change purges exactly the keys it touches, after
the commit, over real HTTP to a fake edge on 127.0.0.1 that records every PURGE."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction

from newsroom.models import Article, Tag
from newsroom.site import edge
from newsroom.site.rendering import owner
from tests.newsroom.test_site_pages import make_staff, publish_story
from translations import editing, workflow
from translations.models import Credit
from translations.people import accounts


class FakeEdge(ThreadingHTTPServer):
    """Answers PURGE with ``status`` (a list: one per request, the last repeated) and records it."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _PurgeHandler)
        self.purges: list[tuple[str, str]] = []  # (path, xkey-purge)
        self.statuses = [200]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def keys(self) -> set[str]:
        return {key for _path, header in self.purges for key in header.split()}


class _PurgeHandler(BaseHTTPRequestHandler):
    server: FakeEdge

    def do_PURGE(self) -> None:  # noqa: N802 - the HTTP method's name
        self.server.purges.append((self.path, self.headers.get("xkey-purge", "")))
        statuses = self.server.statuses
        status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_edge(settings) -> Iterator[FakeEdge]:
    server = FakeEdge()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EDGE_PURGE_URLS = [server.url]
    settings.EDGE_PURGE_TIMEOUT = 1.0
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def staff(db):
    return make_staff()


def xkeys(response) -> set[str]:
    return set(response.headers.get("xkey", "").split())


def credited(article) -> set[str]:
    users = Credit.objects.filter(translation__article=article, is_credited=True).values_list("user_id", flat=True)
    return {edge.person(pk) for pk in users if pk}


def listings(article, lang: str = "en") -> set[str]:
    """The listing keys a story in ``lang`` belongs to, computed here from its rows."""
    published = article.published_at
    return {
        edge.home(lang),
        edge.archive(lang),
        edge.feeds(lang),
        edge.api(lang),
        edge.SITEMAP,
        edge.month(lang, published),
        edge.outlet(article.outlet_id, lang),
        *(edge.tag(pk, lang) for pk in article.tags.values_list("pk", flat=True)),
    }


# --------------------------------------------------------------------------- the keys answers carry


def test_public_pages_feeds_and_api_answers_name_what_they_show(client, staff):
    article = publish_story(staff, title="Tagged story")
    volunteer = staff["volunteer"]
    tag = Tag.objects.get(name="Protests")
    story, person = edge.story(article.pk), edge.person(volunteer.pk)
    month = edge.month("en", article.published_at)
    expected = {
        f"/articles/{article.slug_en}/": {story, person},
        "/": {edge.home("en")},
        f"/tags/{tag.slug}/": {edge.tag(tag.pk, "en"), story},
        f"/tags/{tag.slug}/rss.xml": {edge.tag(tag.pk, "en"), story, person},
        f"/outlets/{article.outlet.slug}/": {edge.outlet(article.outlet_id, "en"), story},
        "/translators/veranika/": {person, story},
        "/archive/": {edge.archive("en")},
        f"/archive/{article.published_at:%Y}/{article.published_at.month}/": {month, story},
        "/feeds/atom.xml": {edge.feeds("en"), story, person},
        "/sitemap.xml": {edge.SITEMAP},
        "/api/v1/stories/": {edge.api("en")},
        f"/api/v1/stories/{article.pk}/": {story, person},
        f"/api/v1/stories/{article.pk}/ninjs": {story, person},
        "/api/v1/tags/": {edge.api("en")},
        "/api/v1/translators/": {edge.PEOPLE},
    }
    for url, keys in expected.items():
        cold = client.get(url)
        assert cold.status_code == 200, url
        assert keys <= xkeys(cold), (url, cold.headers.get("xkey"))
        warm = client.get(url)  # from the page cache: the same keys replayed
        assert xkeys(warm) == xkeys(cold), url
    # A story's page names every person it credits and nothing it does not show.
    page = xkeys(client.get(f"/articles/{article.slug_en}/"))
    assert page == {story} | credited(article)


def test_a_stored_page_rendered_at_publication_keeps_its_keys(client, staff, settings):
    settings.SITE_CACHE_SECONDS = 0  # each answer from the stored page, not from the page cache
    first = publish_story(staff, title="First", tags="Minsk")
    second = publish_story(staff, title="Second", tags="Minsk")  # first's related list names it
    first.refresh_from_db()
    assert first.page_en.get("xkeys")
    keys = xkeys(client.get(f"/articles/{first.slug_en}/"))
    assert {edge.story(first.pk), edge.story(second.pk)} <= keys


@pytest.mark.parametrize(
    "url", ["/search/?q=picket", "/no-such-page/", "/newsletter/", "/accounts/login/", "/robots.txt", "/api/v1/"]
)
def test_search_errors_forms_and_unlisted_answers_carry_no_keys(client, staff, url):
    publish_story(staff, title="Picket")
    assert "xkey" not in client.get(url).headers


def test_desk_and_admin_pages_carry_no_keys(client, staff):
    client.force_login(staff["editor"])
    for url in ("/desk/", "/admin/", "/"):
        response = client.get(url)
        assert response.status_code in (200, 302), url
        if url != "/":
            assert "xkey" not in response.headers, url


# --------------------------------------------------------------------------- what changes purge


def test_a_publication_purges_its_story_listings_credited_people_and_changed_neighbours(
    staff, fake_edge, django_capture_on_commit_callbacks
):
    neighbour = publish_story(staff, title="Neighbour", tags="Minsk")
    fake_edge.purges.clear()
    with django_capture_on_commit_callbacks(execute=True):
        article = publish_story(staff, title="New story", tags="Minsk")
    assert fake_edge.keys() == {edge.story(article.pk), edge.story(neighbour.pk)} | listings(article) | credited(
        article
    )


def test_a_correction_purges_its_story_and_listings_not_an_unrelated_story(
    staff, fake_edge, django_capture_on_commit_callbacks
):
    article = publish_story(staff, title="Misspelt title", tags="Minsk")
    other = publish_story(staff, title="Other story", tags="Elsewhere")
    t = workflow.translation_correct(translation=article.translations.get(), by=staff["editor"], note="A name.")
    t = editing.translation_save(translation=t, by=staff["editor"], based_on=t.edit_version, title="Right title")
    t = workflow.translation_submit(translation=t, by=staff["editor"])
    fake_edge.purges.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.translation_approve(translation=t, by=staff["reviewer"])
    article.refresh_from_db()
    keys = fake_edge.keys()
    assert keys == {edge.story(article.pk)} | listings(article) | credited(article)
    assert edge.story(other.pk) not in keys
    # The last request (after the page cache's on-commit forgetting) holds every key.
    assert set(fake_edge.purges[-1][1].split()) == keys


def test_a_withdrawal_purges_its_story_and_listings(staff, fake_edge, django_capture_on_commit_callbacks):
    article = publish_story(staff, title="To withdraw", tags="Minsk")
    expected = {edge.story(article.pk)} | listings(article) | credited(article)
    expected.remove(edge.month("en", article.published_at))  # its month page carries its story key
    fake_edge.purges.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.translation_unpublish(translation=article.translations.get(), by=staff["editor"], reason="Legal")
    assert fake_edge.keys() == expected


def test_a_credit_change_purges_the_person_not_the_listings(staff, fake_edge, django_capture_on_commit_callbacks):
    article = publish_story(staff, title="Credited story")
    volunteer = staff["volunteer"]
    fake_edge.purges.clear()
    with django_capture_on_commit_callbacks(execute=True):
        accounts.contributor_update(
            contributor=volunteer.contributor, by=volunteer, credit_mode="pseudonym", pseudonym="A. Minsker"
        )
    keys = fake_edge.keys()
    assert {edge.person(volunteer.pk), edge.PEOPLE} <= keys
    assert keys <= {edge.person(volunteer.pk), edge.PEOPLE, edge.story(article.pk)}  # (its credit's snapshot)
    assert all(path == "/" for path, _keys in fake_edge.purges)


def test_a_renamed_tag_purges_its_stories_and_its_listings(staff, fake_edge, django_capture_on_commit_callbacks):
    article = publish_story(staff, title="Tagged", tags="Minsk")
    tag = Tag.objects.get(name="Minsk")
    fake_edge.purges.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tag.name = "Minsk city"
        tag.save()
    keys = fake_edge.keys()
    assert {edge.story(article.pk), edge.tag(tag.pk, "en"), edge.api("en"), edge.SITEMAP} <= keys
    assert edge.home("en") not in keys


def test_purges_leave_only_after_the_commit_and_never_after_a_rollback(staff, fake_edge):
    volunteer = staff["volunteer"]
    with transaction.atomic():
        owner.person_credit_changed(user_id=volunteer.pk)
        assert fake_edge.purges == []  # inside the transaction: nothing sent yet
        sid = transaction.savepoint()
        owner.person_credit_changed(user_id=volunteer.pk + 1000)
        transaction.savepoint_rollback(sid)
    # (the test's own outer transaction never commits: nothing is sent at all)
    assert fake_edge.purges == []


def test_the_purge_is_sent_within_a_second_of_the_commit(staff, fake_edge, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        owner.person_credit_changed(user_id=staff["volunteer"].pk)
    assert fake_edge.purges == []
    started = time.monotonic()
    for callback in callbacks:
        callback()
    assert time.monotonic() - started < 1
    assert fake_edge.keys() == {edge.person(staff["volunteer"].pk), edge.PEOPLE}


def test_an_edge_that_fails_once_gets_the_purge_again(db, fake_edge):
    fake_edge.statuses = [503, 200]
    assert edge.edge_purge_now(keys={"story-1"}) == 1
    assert [keys for _path, keys in fake_edge.purges] == ["story-1", "story-1"]


def test_an_unreachable_edge_costs_at_most_two_short_timeouts(db, settings, caplog):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EDGE_PURGE_URLS = [f"http://127.0.0.1:{port}/"]
    started = time.monotonic()
    assert edge.edge_purge_now(keys={"story-1"}) == 0
    assert time.monotonic() - started < 2.5
    assert "Edge purge failed" in caplog.text


def test_with_no_edge_configured_nothing_is_queued(staff, settings, django_capture_on_commit_callbacks):
    settings.EDGE_PURGE_URLS = []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        owner.person_credit_changed(user_id=staff["volunteer"].pk)
    assert not [c for c in callbacks if isinstance(getattr(c, "__self__", None), edge._Pending)]
    assert owner.live_keys(article=Article(pk=1), language="en", pks=[1]) == set()  # and no queries for keys


def test_many_keys_are_sent_in_requests_an_edge_accepts(db, fake_edge):
    keys = {edge.story(n) for n in range(1, 2 * edge.CHUNK + 2)}
    assert edge.edge_purge_now(keys=keys) == 3
    assert fake_edge.keys() == keys
    assert max(len(header) for _path, header in fake_edge.purges) < 8000
