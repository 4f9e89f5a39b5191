"""The read API (/api/v1/): endpoints, filters, the contract, HTTP behaviour, and what never leaks.

Stories are published through the real workflow (``publish_story``), so the API reads exactly
what publishing wrote, and attribution is compared with the story's public page.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from newsroom.models import Article
from tests.factories import ArticleFactory, OutletFactory
from tests.newsroom.test_site_pages import (
    SOURCE_HTML_BLOCKS,
    correction_publish,
    make_staff,
    person,
    publish_pictured_story,
    publish_story,
)
from translations import editing, review, workflow
from translations.models import Comment, CreditMode

API = "/api/v1"


@pytest.fixture
def staff(db):
    return make_staff()


def get(client, path, **params):
    response = client.get(f"{API}{path}", params)
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response, response.json()


def ids(data):
    return [item["id"] for item in data["results"]]


# --------------------------------------------------------------------------- stories list


def test_story_list_items_carry_the_public_fields(client, staff):
    article = publish_story(staff, tags="Belarus, Protests")
    response, data = get(client, "/stories/")
    assert response.status_code == 200
    assert data["count"] == 1 and data["page"] == 1 and data["next"] is None and data["previous"] is None
    item = data["results"][0]
    assert item["id"] == article.pk
    assert item["language"] == "en"
    assert item["title"] == "MFA employees picket against violence"
    assert item["lead"] == "Employees of the Foreign Ministry came out to a picket."
    assert item["slug"] == article.slug_en
    assert item["url"] == f"http://testserver/articles/{article.slug_en}/"
    assert item["api_url"] == f"http://testserver/api/v1/stories/{article.pk}/?language=en"
    assert abs(dt.datetime.fromisoformat(item["published_at"]) - article.published_at_en) < dt.timedelta(milliseconds=1)
    assert item["modified_at"] == item["published_at"]
    assert [t["name"] for t in item["tags"]] == ["Belarus", "Protests"]
    assert item["tags"][0]["url"] == "http://testserver/tags/belarus/"
    assert item["outlet"]["slug"] == article.outlet.slug
    assert item["outlet"]["name"] == article.outlet.credit_name
    assert "body" not in item


def test_story_list_pages_are_stable_newest_first_ties_by_id(client, staff):
    stories = [publish_story(staff, title=f"Story {n}") for n in range(5)]
    same_time = timezone.now() - dt.timedelta(hours=1)
    Article.objects.filter(pk__in=[stories[1].pk, stories[2].pk]).update(published_at_en=same_time)
    expected = [stories[4].pk, stories[3].pk, stories[0].pk, stories[2].pk, stories[1].pk]
    seen, url = [], f"{API}/stories/?page_size=2"
    while url:
        data = client.get(url).json()
        assert data["page_size"] == 2 and data["count"] == 5
        seen += ids(data)
        url = data["next"]
    assert seen == expected
    _, last = get(client, "/stories/", page=3, page_size=2)
    assert last["previous"] == "http://testserver/api/v1/stories/?page_size=2&page=2"
    _, beyond = get(client, "/stories/", page=9, page_size=2)
    assert beyond["results"] == [] and beyond["count"] == 5 and beyond["next"] is None


def test_story_list_filters(client, staff):
    other_outlet = OutletFactory(slug="nasha-niva", credit_name="Nasha Niva")
    old = publish_story(staff, title="Old tram story", tags="Transport", source_url="https://www.tut.by/news/1")
    new = publish_story(
        staff,
        title="New budget story",
        tags="Economy",
        outlet=other_outlet,
        source_url="https://nashaniva.com/2",
        lead="The budget deficit grew.",
    )
    loose = publish_story(staff, title="Story from a site we do not follow", tags="Economy", outlet=None)
    Article.objects.filter(pk=old.pk).update(published_at_en=dt.datetime(2020, 5, 1, 12, tzinfo=dt.UTC))

    assert ids(get(client, "/stories/", tag="economy")[1]) == [loose.pk, new.pk]
    assert ids(get(client, "/stories/", tag="no-such-tag")[1]) == []
    assert ids(get(client, "/stories/", outlet="nasha-niva")[1]) == [new.pk]
    assert ids(get(client, "/stories/", source="tut.by")[1]) == [old.pk]
    assert ids(get(client, "/stories/", source="nashaniva.com")[1]) == [new.pk]
    assert set(ids(get(client, "/stories/", since="2021-01-01T00:00:00Z")[1])) == {new.pk, loose.pk}
    assert ids(get(client, "/stories/", until="2021-01-01T03:00:00+03:00")[1]) == [old.pk]
    assert ids(get(client, "/stories/", since="2020-05-01T12:00:00+00:00", until="2020-05-01T12:00:01Z")[1]) == [old.pk]
    assert ids(get(client, "/stories/", q="budget deficit")[1]) == [new.pk]
    assert ids(get(client, "/stories/", q="tram", tag="transport")[1]) == [old.pk]
    assert ids(get(client, "/stories/", q="budget", outlet="tut-by")[1]) == []


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "0"},
        {"page": "-1"},
        {"page": "1e9"},
        {"page": "9" * 400},
        {"page_size": "1000"},
        {"page_size": ""},
        {"language": "xx"},
        {"language": "pl"},  # supported, but not turned on in the tests
        {"since": "yesterday"},
        {"until": "2020-13-45"},
        {"until": "0.5"},
        {"since": "2021-01-01"},
        {"since": "2021-01-01T00:00:00"},
        {"since": "9999-12-31T23:59:59-23:59"},
        {"until": "0001-01-01T00:00:00+23:59"},
        {"tag": "a\x00b"},
        {"outlet": "../etc"},
        {"source": "http://evil"},
        {"q": "x" * 201},
    ],
)
def test_junk_parameters_get_a_json_400_with_a_sentence(client, staff, params):
    response = client.get(f"{API}/stories/", params)
    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 200:  # an extreme but valid time: answered, not an error
        assert params.keys() <= {"since", "until"}
        return
    body = response.json()
    assert re.fullmatch(r"The parameter “\w+” is not valid: .+\.", body["detail"]), body
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    "path",
    ["/stories/0/", "/stories/99999999999999999999/", "/stories/abc/", "/tags/?page=x", "/translators/?page_size=0"],
)
def test_junk_in_other_endpoints_is_a_4xx_json_error(client, db, path):
    response = client.get(API + path)
    assert 400 <= response.status_code < 500
    assert response.json()["detail"].endswith(".")


def test_search_text_with_control_characters_is_cleaned_not_an_error(client, staff):
    article = publish_story(staff, title="Picket at the ministry")
    assert ids(get(client, "/stories/", q="\x00picket\x01")[1]) == [article.pk]


# --------------------------------------------------------------------------- one story


def test_story_has_structured_blocks_notes_corrections_and_the_page_attribution(client, staff):
    article, picture = publish_pictured_story(
        staff, authors=["Вячеслав Тарасов"], source_published_at=dt.datetime(2020, 9, 1, 10, tzinfo=dt.UTC)
    )
    correction_publish(
        staff, article, note="An earlier version misspelt a name.", title="MFA staff picket against violence"
    )
    article.refresh_from_db()

    response, data = get(client, f"/stories/{article.pk}/")
    assert response.status_code == 200
    assert data["title"] == "MFA staff picket against violence"
    kinds = [b["type"] for b in data["body"]]
    assert kinds == ["heading", "paragraph", "note", "list", "quote", "image", "embed", "embed"]
    heading, paragraph, note, items, quote, image, video, post = data["body"]
    assert heading == {
        "type": "heading",
        "level": 2,
        "html": "English for Подзаголовок",
        "text": "English for Подзаголовок",
    }
    assert paragraph["text"] == "English for Первый абзац."
    assert note["text"] == "Okrestin is a detention centre."
    assert data["notes"] == [{"html": note["html"], "text": note["text"]}]
    assert items["ordered"] is False and [i["text"] for i in items["items"]] == ["English for Один", "English for Два"]
    # The attribution left untranslated is spelt by the byline rules: no source script in English.
    assert quote["html"] == "A <em>quote</em>" and quote["cite"] == "Vyacheslav"
    assert image == {
        "type": "image",
        "src": f"http://testserver/media/{picture.renditions[-1]['name']}",
        "alt": "",
        "caption": "A picket",
        "credit": article.outlet.byline_name("en"),
        "photographer": "",
        "outlet": article.outlet.byline_name("en"),
    }
    assert video == {
        "type": "embed",
        "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "provider": "youtube",
        "title": "",
    }
    assert post["url"] == "https://t.me/tutby/1"

    [correction] = data["corrections"]
    assert correction["note"] == "An earlier version misspelt a name."
    assert data["modified_at"] == correction["published_at"] > data["published_at"]

    attribution = data["attribution"]
    assert attribution["source_name"] == article.outlet.byline_name("en")
    assert attribution["original_source_name"] == article.outlet.credit_name
    assert attribution["source_url"] == article.source_url
    assert attribution["original_title"] == article.source_title
    assert attribution["original_language"] == "ru"
    assert attribution["original_authors"] == ["Вячеслав Тарасов"]
    assert attribution["original_published_at"] == "2020-09-01T10:00:00Z"
    assert attribution["translators"] == [
        {"name": "Veranika Papkouskaya", "url": "http://testserver/translators/veranika/"}
    ]
    assert attribution["reviewers"] == [{"name": "Pavel Lis", "url": ""}]
    assert attribution["editors"] == []  # editors are recorded, not credited, unless they choose
    assert attribution["source_revision"]["number"] == article.translations.get().source_revision.number
    page = client.get(f"/articles/{article.slug_en}/").content.decode()
    for role in ("translators", "reviewers", "editors"):
        for credit in attribution[role]:
            assert credit["name"] in page


def test_story_not_found_is_a_json_404(client, staff):
    response, data = get(client, "/stories/123456/")
    assert response.status_code == 404
    assert data == {"detail": "No story with this id is published in this language."}


# --------------------------------------------------------------------------- tags, outlets, translators


def test_tags_outlets_and_translators(client, staff):
    publish_story(staff, tags="Minsk, Protests")
    publish_story(staff, tags="Minsk")
    idle = OutletFactory(slug="idle", credit_name="Idle outlet")
    _, tags = get(client, "/tags/")
    assert [(t["slug"], t["stories"]) for t in tags["results"]] == [("minsk", 2), ("protests", 1)]
    _, outlets = get(client, "/outlets/")
    counts = {o["slug"]: o["stories"] for o in outlets["results"]}
    assert counts["tut-by"] == 2 and counts[idle.slug] == 0
    person("hidden", "Hidden", "Person", ["translator"], public_slug="hidden")  # no opt-in
    person(
        "anon", "Anon", "Person", ["translator"], credit_mode="anonymous", has_public_profile=True, public_slug="anon"
    )
    person(
        "pseudo", "Real", "Surname", ["translator"], credit_mode="pseudonym", pseudonym="Nightjar",
        has_public_profile=True, public_slug="nightjar", bio="Translates economics.",
    )  # fmt: skip
    _, people = get(client, "/translators/")
    assert people["results"] == [
        {"slug": "nightjar", "name": "Nightjar", "bio": "Translates economics.", "url": "http://testserver/translators/nightjar/"},
        {"slug": "veranika", "name": "Veranika Papkouskaya", "bio": "", "url": "http://testserver/translators/veranika/"},
    ]  # fmt: skip
    assert "Surname" not in json.dumps(people) and "Hidden" not in json.dumps(people)


# --------------------------------------------------------------------------- contract


def test_schema_is_openapi_3_1_and_lists_every_endpoint(client, db):
    response = client.get(f"{API}/schema/")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    assert set(schema["paths"]) == {
        "/api/v1/",  # the index
        "/api/v1/stories/",
        "/api/v1/stories/{story_id}/",
        "/api/v1/stories/{story_id}/ninjs",
        "/api/v1/tags/",
        "/api/v1/outlets/",
        "/api/v1/translators/",
    }
    for path in schema["paths"].values():
        assert set(path) == {"get"}
        assert {"200", "400", "429"} <= set(path["get"]["responses"])


def test_responses_validate_against_the_schema(client, staff):
    import jsonschema_rs

    article = publish_story(staff, blocks=SOURCE_HTML_BLOCKS, notes=[{"id": "n", "after": "", "text": "A note"}])
    schema = client.get(f"{API}/schema/").json()
    for path, ref in [
        (f"/stories/{article.pk}/", "Story"),
        ("/stories/", "StoryPage"),
        ("/tags/", "TagPage"),
        ("/outlets/", "OutletPage"),
        ("/translators/", "TranslatorPage"),
        ("/stories/0/", "Error"),
    ]:
        validator = jsonschema_rs.Draft202012Validator(
            {"$ref": f"#/components/schemas/{ref}", "components": schema["components"]}
        )
        body = client.get(API + path).json()
        errors = [str(e) for e in validator.iter_errors(body)]
        assert errors == [], (path, errors)
        assert validator.is_valid(body)
    broken = client.get(f"{API}/stories/{article.pk}/").json()
    broken["body"][0]["type"] = "marquee"
    story_validator = jsonschema_rs.Draft202012Validator(
        {"$ref": "#/components/schemas/Story", "components": schema["components"]}
    )
    assert not story_validator.is_valid(broken)


# --------------------------------------------------------------------------- HTTP


def test_conditional_get_with_etag_and_last_modified(client, staff):
    article = publish_story(staff)
    url = f"{API}/stories/{article.pk}/"
    first = client.get(url)
    assert first.status_code == 200
    assert first["ETag"] and first["Last-Modified"]
    assert "public" in first["Cache-Control"] and "max-age=" in first["Cache-Control"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    listing = client.get(f"{API}/stories/")
    assert client.get(f"{API}/stories/", HTTP_IF_NONE_MATCH=listing["ETag"]).status_code == 304
    head = client.head(url)
    assert head.status_code == 200 and head.content == b"" and head["ETag"] == first["ETag"]


def test_cors_is_open_for_reading_and_no_cookie_is_set_or_read(client, staff):
    article = publish_story(staff)
    client.force_login(staff["editor"])  # a desk session cookie must change nothing
    for path in ["/stories/", f"/stories/{article.pk}/", "/tags/", "/schema/", "/stories/0/", "/nowhere/"]:
        response = client.get(API + path, HTTP_ORIGIN="https://partner.example")
        assert response["Access-Control-Allow-Origin"] == "*", path
        assert "ETag" in response["Access-Control-Expose-Headers"]
        assert "Set-Cookie" not in response.headers, path
        assert "Cookie" not in response.headers.get("Vary", ""), path
    preflight = client.options(
        f"{API}/stories/", HTTP_ORIGIN="https://partner.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight["Access-Control-Allow-Methods"]


def test_writes_are_refused_with_a_json_405(client, db):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(f"{API}/stories/")
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD, OPTIONS"
        assert response.json()["detail"] == "This API is read-only: use GET."


def test_unknown_api_address_is_a_json_404(client, db):
    response = client.get(f"{API}/nothing-here/")
    assert response.status_code == 404
    assert "schema" in response.json()["detail"]


@pytest.mark.usefixtures("rate_clock_held")
def test_rate_limit_answers_429_with_retry_after(client, staff, settings):
    settings.API_RATE_LIMIT, settings.API_RATE_WINDOW = 3, 60
    statuses = [client.get(f"{API}/stories/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get(f"{API}/tags/")
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited.json()["detail"].startswith("Too many requests")
    other_client = client.get(f"{API}/stories/", REMOTE_ADDR="192.0.2.7")
    assert other_client.status_code == 200
    assert client.get("/").status_code == 200  # the site itself is not limited by the API's counter


@pytest.mark.parametrize("path", ["/stories/", "/stories/{pk}/", "/tags/", "/outlets/", "/translators/"])
def test_queries_do_not_grow_with_the_page(client, staff, settings, django_assert_num_queries, path):
    settings.SITE_CACHE_SECONDS = 0  # measure the views, not the cache
    articles = [publish_story(staff, tags=f"Tag {n}, Common", extra_credits=2) for n in range(6)]
    for n in range(6):
        person(f"pub{n}", "Pub", str(n), ["translator"], has_public_profile=True, public_slug=f"pub{n}")
        OutletFactory(slug=f"outlet-{n}")
    url = API + path.format(pk=articles[0].pk)
    cache.clear()  # each request counts afresh (counts are kept per listings version)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, {"page_size": 2}).status_code == 200
    cache.clear()
    with django_assert_num_queries(len(small)):
        response = client.get(url, {"page_size": 6})
    assert response.status_code == 200
    if "results" in response.json():
        assert len(response.json()["results"]) == 6


# --------------------------------------------------------------------------- following the desk


def test_api_follows_publish_correction_and_unpublish(client, staff):
    assert client.get(f"{API}/stories/").json()["count"] == 0  # cached empty list
    article = publish_story(staff, title="Misspelt title")
    story_url = f"{API}/stories/{article.pk}/"
    assert ids(client.get(f"{API}/stories/").json()) == [article.pk]
    first = client.get(story_url)
    assert first.json()["title"] == "Misspelt title"

    t = workflow.translation_correct(translation=article.translations.get(), by=staff["editor"], note="Fixed a name.")
    t = editing.translation_save(translation=t, by=staff["editor"], based_on=t.edit_version, title="Right title")
    assert client.get(story_url).json()["title"] == "Misspelt title"  # the working copy is not live
    t = workflow.translation_submit(translation=t, by=staff["editor"])
    t = workflow.translation_approve(translation=t, by=staff["reviewer"])
    corrected = client.get(story_url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert corrected.status_code == 200
    assert corrected.json()["title"] == "Right title"
    assert [c["note"] for c in corrected.json()["corrections"]] == ["Fixed a name."]
    assert client.get(f"{API}/stories/").json()["results"][0]["title"] == "Right title"

    workflow.translation_unpublish(translation=article.translations.get(), by=staff["editor"], reason="Legal")
    assert client.get(story_url).status_code == 404
    assert client.get(f"{API}/stories/").json()["count"] == 0
    assert client.get(f"{API}/tags/").json()["count"] == 0


# --------------------------------------------------------------------------- never leaks


def _every_response(client, article_pk):
    paths = ["/stories/", f"/stories/{article_pk}/", "/tags/", "/outlets/", "/translators/", "/stories/?q=secret"]
    return "\n".join(client.get(API + p).content.decode() for p in paths)


def _approved(people, title, **kwargs):
    article = ArticleFactory(**kwargs)
    editor, reviewer, vol = people["editor"], people["reviewer"], people["volunteer"]
    t = workflow.translation_create(article=article, by=editor)
    t = workflow.translation_assign(translation=t, by=editor, translator=vol, reviewer=reviewer)
    t = editing.translation_save(
        translation=t,
        by=vol,
        based_on=t.edit_version,
        title=title,
        tags="Secret tag",
        blocks={b["id"]: {"text": f"{title}: English text."} for b in t.source_revision.blocks},
    )
    t = workflow.translation_submit(translation=t, by=vol)
    return article, workflow.translation_approve(translation=t, by=reviewer)


def test_drafts_spiked_and_scheduled_stories_never_appear(client, staff):
    draft, _t = _approved(staff, "Secret draft")
    workflow.translation_request_changes(translation=_t, by=staff["reviewer"], comment="Not yet")
    spiked, t = _approved(staff, "Secret spiked")
    workflow.translation_spike(translation=t, by=staff["editor"], reason="Dropped")
    scheduled, t = _approved(staff, "Secret scheduled")
    workflow.translation_schedule(translation=t, by=staff["editor"], at=timezone.now() + dt.timedelta(hours=2))
    for article in (draft, spiked, scheduled):
        text = _every_response(client, article.pk)
        assert "Secret" not in text and "secret-tag" not in text
        assert client.get(f"{API}/stories/{article.pk}/").status_code == 404


def test_working_copy_and_desk_comments_never_appear(client, staff):
    article = publish_story(staff, title="Live title")
    t = article.translations.get()
    review.comment_add(translation=t, by=staff["reviewer"], body="Secret desk remark", block_id="")
    t = workflow.translation_correct(translation=t, by=staff["editor"], note="Secret correction in progress")
    editing.translation_save(translation=t, by=staff["editor"], based_on=t.edit_version, title="Secret new title")
    assert Comment.objects.filter(body="Secret desk remark").exists()
    text = _every_response(client, article.pk)
    assert "Live title" in text
    assert "Secret" not in text


@pytest.mark.parametrize(
    ("mode", "pseudonym", "shown", "url"),
    [
        (CreditMode.PSEUDONYM, "Nightingale", "Nightingale", "http://testserver/translators/bird/"),
        (CreditMode.ANONYMOUS, "", "a volunteer translator", ""),
    ],
)
def test_hidden_real_name_never_in_the_api(client, staff, mode, pseudonym, shown, url):
    hidden = person(
        "hiddenvol", "Secretina", "Realname", ["translator"], credit_mode=mode, pseudonym=pseudonym,
        has_public_profile=True, public_slug="bird",
    )  # fmt: skip
    article = publish_story(staff, translator=hidden)
    story = client.get(f"{API}/stories/{article.pk}/").json()
    assert story["attribution"]["translators"] == [{"name": shown, "url": url}]
    text = _every_response(client, article.pk)
    assert "Secretina" not in text and "Realname" not in text and "hiddenvol" not in text


def test_credit_stays_as_published_when_the_person_later_shows_their_name(client, staff, settings):
    settings.SITE_CACHE_SECONDS = 0
    hidden = person("hiddenvol", "Secretina", "Realname", ["translator"], credit_mode="pseudonym", pseudonym="Owl")
    article = publish_story(staff, translator=hidden)
    hidden.contributor.credit_mode, hidden.contributor.has_public_profile = CreditMode.REAL_NAME, True
    hidden.contributor.public_slug = "secretina"
    hidden.contributor.save()
    story = client.get(f"{API}/stories/{article.pk}/").json()
    assert story["attribution"]["translators"] == [{"name": "Owl", "url": ""}]
    assert "Realname" not in json.dumps(story)


def _rate_limited_run(*, threads: int, each: int, address: str = "198.51.100.9") -> int:
    """``threads`` clients at once, ``each`` requests apiece, from one address: how many passed."""
    from concurrent.futures import ThreadPoolExecutor

    from django.test import RequestFactory

    from newsroom.site.api_http import rate_limit_wait

    barrier = threading.Barrier(threads)

    def client_run(_n: int) -> int:
        barrier.wait()
        request = RequestFactory().get(f"{API}/stories/", REMOTE_ADDR=address)
        return sum(rate_limit_wait(request) == 0 for _ in range(each))

    with ThreadPoolExecutor(threads) as pool:
        return sum(pool.map(client_run, range(threads)))


@pytest.mark.usefixtures("rate_clock_held")
def test_rate_limit_is_exact_under_concurrency_with_the_file_cache(settings, tmp_path):
    """`make run`'s shared cache (files): 20 clients × 75 requests against 300 → exactly 300."""
    settings.CACHES = {
        "default": {"BACKEND": "newsroom.core.caching.FileCache", "LOCATION": str(tmp_path / "c")},
        "pages": {"BACKEND": "newsroom.core.caching.FileCache", "LOCATION": str(tmp_path / "c" / "pages")},
    }
    settings.API_RATE_LIMIT, settings.API_RATE_WINDOW = 300, 3600
    assert _rate_limited_run(threads=20, each=75) == 300


@pytest.mark.usefixtures("rate_clock_held")
def test_rate_limit_is_exact_under_concurrency_with_redis(settings, tmp_path):
    """Production's shared cache (Redis, a real server on a unix socket): exactly 300 pass."""
    import shutil
    import subprocess

    if not shutil.which("redis-server"):
        pytest.skip("needs Debian's redis-server (make install)")
    sock = tmp_path / "redis.sock"
    server = subprocess.Popen(  # noqa: S603
        ["redis-server", "--port", "0", "--unixsocket", str(sock), "--save", "", "--appendonly", "no"],  # noqa: S607
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.05)
        settings.CACHES = {
            alias: {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"unix://{sock}"}
            for alias in ("default", "pages")
        }
        settings.API_RATE_LIMIT, settings.API_RATE_WINDOW = 300, 3600
        assert _rate_limited_run(threads=20, each=75) == 300
    finally:
        server.terminate()
        server.wait(10)


@pytest.mark.usefixtures("rate_clock_held")
def test_rate_limit_ignores_forwarded_for_from_an_untrusted_peer(client, staff, settings):
    settings.API_RATE_LIMIT, settings.API_RATE_WINDOW = 2, 60
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    statuses = [
        client.get(f"{API}/tags/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]  # one client, whatever it claims to forward for


@pytest.mark.usefixtures("rate_clock_held")
def test_rate_limit_behind_a_trusted_proxy_counts_each_reader(client, staff, settings):
    """Behind haproxy every request comes from the proxy: the reader is the right-most address
    it added, not the proxy and not whatever the reader wrote to the left of it."""
    settings.API_RATE_LIMIT, settings.API_RATE_WINDOW = 2, 60
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]

    def via_proxy(forwarded: str) -> int:
        return client.get(f"{API}/tags/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert [via_proxy("192.0.2.1") for _ in range(3)] == [200, 200, 429]
    assert via_proxy("192.0.2.2") == 200  # another reader behind the same proxy has a bucket of its own
    # A reader claiming other addresses to the left is still counted as itself (and an inner proxy is skipped).
    assert via_proxy("6.6.6.6, 192.0.2.1, 10.1.2.3") == 429
