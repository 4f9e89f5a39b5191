"""What a reader (or a shared cache) is served after a person withdraws consent, and whose key an
answer is kept under: credit changes honoured at once, cache keys that no query can forge, the
scheme in the key, no cookie on a public answer, desk pages private (issue 24)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path

from newsroom.site import cache as site_cache
from tests.newsroom.test_site_pages import make_staff, publish_story
from translations.models import Contributor, CreditMode


@pytest.fixture
def staff(db):
    return make_staff()


def _profile_form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "first_name": "Veranika",
        "last_name": "Papkouskaya",
        "languages": ["ru", "en"],
        "credit_mode": CreditMode.REAL_NAME,
        "pseudonym": "",
        "has_public_profile": "on",
        "public_slug": "veranika",
        "bio": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_switching_to_a_pseudonym_and_hiding_the_page_is_honoured_by_the_time_the_save_answers(
    client, staff, django_capture_on_commit_callbacks
):
    volunteer = staff["volunteer"]
    article = publish_story(staff)
    story, story_api = f"/articles/{article.slug_en}/", f"/api/v1/stories/{article.pk}/"
    # Every surface naming her is warm in the caches.
    assert "Papkouskaya" in client.get("/translators/veranika/").content.decode()
    assert "Papkouskaya" in client.get("/api/v1/translators/").content.decode()
    assert "/translators/veranika/" in client.get(story).content.decode()
    assert "/translators/veranika/" in client.get(story_api).content.decode()

    desk = type(client)()
    desk.force_login(volunteer)
    with django_capture_on_commit_callbacks(execute=True):
        answer = desk.post(
            "/desk/profile/",
            _profile_form(
                credit_mode=CreditMode.PSEUDONYM, pseudonym="Sparrow", has_public_profile=None, public_slug=""
            ),
        )
    assert answer.status_code == 302
    volunteer.contributor.refresh_from_db()
    assert volunteer.contributor.credit_mode == CreditMode.PSEUDONYM

    assert client.get("/translators/veranika/").status_code == 404
    assert "Papkouskaya" not in client.get("/api/v1/translators/").content.decode()
    assert "/translators/veranika/" not in client.get(story).content.decode()
    assert "/translators/veranika/" not in client.get(story_api).content.decode()
    assert "/translators/veranika/" not in client.get("/").content.decode()
    # The name she withdrew leaves the story already published under it, on every surface.
    for address in (story, story_api, "/", "/feeds/rss.xml", "/feeds/atom.xml", "/api/v1/stories/"):
        text = client.get(address).content.decode()
        assert "Papkouskaya" not in text, address
    assert "Sparrow" in client.get(story).content.decode()
    assert "Sparrow" in client.get(story_api).content.decode()


def test_a_choice_that_names_a_person_more_never_reaches_stories_published_before_it(
    client, staff, django_capture_on_commit_callbacks
):
    volunteer = staff["volunteer"]
    desk = type(client)()
    desk.force_login(volunteer)
    with django_capture_on_commit_callbacks(execute=True):
        desk.post("/desk/profile/", _profile_form(credit_mode=CreditMode.ANONYMOUS, has_public_profile=None))
    article = publish_story(staff)
    story = f"/articles/{article.slug_en}/"
    assert "Papkouskaya" not in client.get(story).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        desk.post("/desk/profile/", _profile_form())  # her real name, from now on
    for address in (story, f"/api/v1/stories/{article.pk}/", "/feeds/rss.xml"):
        assert "Papkouskaya" not in client.get(address).content.decode(), address


def test_reverting_an_exposed_page_forgets_the_cached_copy_whatever_route_saved_it(client, staff):
    publish_story(staff)
    assert client.get("/translators/veranika/").status_code == 200  # cached now
    # Any route that saves the profile (the admin, a script): the Contributor's post_save.
    contributor = Contributor.objects.get(user=staff["volunteer"])
    contributor.has_public_profile = False
    contributor.save()
    assert client.get("/translators/veranika/").status_code == 404
    assert "Papkouskaya" not in client.get("/api/v1/translators/").content.decode()


@pytest.mark.parametrize("route", ["save", "update"])
def test_with_the_page_cache_off_a_translator_page_keeps_her_name_only_until_it_changes(
    client, staff, settings, django_assert_num_queries, route
):
    settings.SITE_CACHE_SECONDS = 0  # the view itself: the person is kept per listings version
    publish_story(staff)
    assert "Papkouskaya" in client.get("/translators/veranika/").content.decode()
    with django_assert_num_queries(0):
        assert "Papkouskaya" in client.get("/translators/veranika/").content.decode()
    contributor = Contributor.objects.get(user=staff["volunteer"])
    if route == "save":  # the admin, the profile form: the Contributor's post_save
        contributor.credit_mode, contributor.pseudonym = CreditMode.PSEUDONYM, "Sparrow"
        contributor.save()
        text = client.get("/translators/veranika/").content.decode()
        assert "Papkouskaya" not in text and "<h1>Sparrow</h1>" in text
    else:  # a script's bulk update sends no signal: the service it must call forgets her pages
        from newsroom.site.rendering import owner

        Contributor.objects.filter(pk=contributor.pk).update(has_public_profile=False)
        owner.person_credit_changed(user_id=contributor.user_id)
        assert client.get("/translators/veranika/").status_code == 404
    # A slug nobody has is answered from the database each time, and never kept.
    for _ in range(2):
        with django_assert_num_queries(1):
            assert client.get("/translators/nobody-here/").status_code == 404


def test_an_escaped_query_cannot_fill_the_cache_entry_of_another_search(client, staff):
    publish_story(staff, title="Court hearing in Minsk")
    poison = client.get("/search/?page=2%26q%3Dcourt")  # one parameter, page = "2&q=court"
    assert poison.status_code == 200 and "Court hearing in Minsk" not in poison.content.decode()
    assert "Court hearing in Minsk" in client.get("/search/?q=court&page=2").content.decode()


def test_an_escaped_query_cannot_fill_the_cache_entry_of_another_api_list(client, staff):
    article = publish_story(staff, title="Court hearing in Minsk", tags="Belarus")
    poison = client.get("/api/v1/stories/?tag=belarus%26q%3Dcourt")  # one parameter, tag = "belarus&q=court"
    assert poison.status_code == 200 and poison.json()["count"] == 0
    answer = client.get("/api/v1/stories/?tag=belarus&q=court")
    assert [story["id"] for story in answer.json()["results"]] == [article.pk]


def test_a_site_search_cannot_be_typed_to_read_what_another_search_kept(client, staff, settings):
    """Searches are kept per listings version under a name made of their words (and, for the API,
    its filters): no words a reader types name the API's kept search, or a page of another."""
    settings.SITE_CACHE_SECONDS = 0  # what the searches keep, not the page cache
    publish_story(staff, title="Court hearing in Minsk", tags="Belarus")
    assert client.get("/api/v1/stories/", {"q": "court"}).json()["count"] == 1  # kept for the API
    assert "1 result" in client.get("/search/", {"q": "court"}).content.decode()  # and for the site
    for typed in ("api:/api/v1/stories/?q=court", "site:court", "search:api:/api/v1/stories/?q=court"):
        page = client.get("/search/", {"q": typed}).content.decode()
        assert "Court hearing in Minsk" not in page and "Nothing matched" in page, typed


def test_an_https_page_is_never_served_to_a_plain_http_reader(client, staff, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    article = publish_story(staff)
    url = f"/articles/{article.slug_en}/"
    secure = client.get(url, HTTP_X_FORWARDED_PROTO="https", SERVER_PORT="443").content.decode()
    assert f'<link rel="canonical" href="https://testserver{url}"' in secure
    plain = client.get(url).content.decode()
    assert f'<link rel="canonical" href="http://testserver{url}"' in plain
    assert "https://testserver" not in plain


calls: list[int] = []


@site_cache.site_page
def _page_setting_a_cookie(request: HttpRequest) -> HttpResponse:
    calls.append(1)
    response = HttpResponse("<p>hello</p>")
    response.set_cookie("tracking", "x")
    return response


urlpatterns = [path("cookie/", _page_setting_a_cookie)]


def test_an_answer_that_sets_a_cookie_is_never_public_nor_kept(client, db, settings):
    settings.ROOT_URLCONF = __name__
    calls.clear()
    first = client.get("/cookie/")
    assert first.cookies["tracking"].value == "x"
    assert "public" not in first["Cache-Control"] and "private" in first["Cache-Control"]
    second = client.get("/cookie/")
    assert len(calls) == 2  # rendered again: never stored, never served from the cache
    assert second.cookies["tracking"].value == "x"


@pytest.mark.parametrize(
    "url", ["/desk/", "/desk/profile/", "/accounts/login/", "/admin/", "/accounts/password_change/"]
)
def test_desk_admin_and_account_pages_are_private(client, editor, url):
    editor.is_staff = True
    editor.save()
    client.force_login(editor)
    response = client.get(url)
    assert "private" in response.get("Cache-Control", ""), (url, response.status_code)
    assert "public" not in response.get("Cache-Control", "")


def test_the_login_page_is_private_before_login_too(client, db):
    assert "private" in client.get("/accounts/login/")["Cache-Control"]


def test_every_middleware_has_a_decision_whether_warm_pages_skip_it():
    assert site_cache.middleware_on_hit_undecided(list(settings.MIDDLEWARE)) == []
    added = [*settings.MIDDLEWARE, "someone.NewMiddleware"]
    assert site_cache.middleware_on_hit_undecided(added) == ["someone.NewMiddleware"]
    # A middleware warm pages skip, moved before the cache (so it would run on every hit), is caught too.
    moved = [name for name in settings.MIDDLEWARE if name != "csp.middleware.CSPMiddleware"]
    assert site_cache.middleware_on_hit_undecided(["csp.middleware.CSPMiddleware", *moved]) == [
        "csp.middleware.CSPMiddleware"
    ]
    # The page cache answers first: its stored headers are every middleware's final ones.
    assert settings.MIDDLEWARE[0] == "newsroom.site.cache.SitePageCacheMiddleware"
