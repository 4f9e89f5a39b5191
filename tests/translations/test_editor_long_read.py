"""The long read's editor on the server: a page whose queries do not grow with its paragraphs,
Save answered in JSON for the page that stays, and signing in again from a script (CSRF,
throttled as the login page is, redirecting nowhere)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from reversion.models import Version

from tests.factories import ArticleFactory, TranslationFactory, UserFactory
from translations import selectors
from translations.models import Comment, MemoryEntry, State, Translation

PASSWORD = "correct horse battery staple"  # tests/factories.py's UserFactory


def _paragraphs(n):
    return [f"Абзац номер {i} о реке, болотах и людях Полесья, длинный и подробный." for i in range(1, n + 1)]


def _editor_queries(client, t):
    url = reverse("desk:translation", args=[t.pk])
    client.get(url)  # warm: content types, sessions
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_editor_page_queries_do_not_grow_with_the_paragraphs(client, volunteer, reviewer):
    # Memory that matches every paragraph, a comment on one: what used to be looked up per block.
    MemoryEntry.objects.create(
        source_language="ru",
        target_language="en",
        source_text=_paragraphs(1)[0],
        target_text="Paragraph about the river.",
    )
    short = TranslationFactory(
        article=ArticleFactory(blocks=_paragraphs(3)), state=State.IN_PROGRESS, translator=volunteer, filled=False
    )
    long = TranslationFactory(
        article=ArticleFactory(blocks=_paragraphs(120)), state=State.IN_PROGRESS, translator=volunteer, filled=False
    )
    for t in (short, long):
        Comment.objects.create(translation=t, author=reviewer, block_id=t.source_revision.blocks[1]["id"], body="?")
    client.force_login(volunteer)
    few, _html = _editor_queries(client, short)
    many, html = _editor_queries(client, long)
    assert many == few, (few, many)
    assert many <= 30
    assert html.count('data-part="text"') == 120  # every paragraph has its box
    assert html.count('aria-describedby="text-limit"') == 120  # and each box its stated limit
    assert "Paragraph about the river." not in html  # memory is asked for per paragraph, on demand


def _form(t, first, text, **extra):
    return {"based_on": t.edit_version, "title": "River", f"b-{first}-text": text, "op": "save", **extra}


def test_form_save_asked_for_json_answers_in_place(client, volunteer):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer, filled=False)
    first = t.source_revision.blocks[0]["id"]
    client.force_login(volunteer)
    url = reverse("desk:translation", args=[t.pk])
    response = client.post(
        url,
        _form(t, first, "Saved without a reload.", op="version", version_comment="v1"),
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    t.refresh_from_db()
    assert body["edit_version"] == t.edit_version and body["as_version"] is True
    assert body["message"] == "Version saved." and body["saved_at_display"]
    assert "errors" in body["checks"]
    assert t.block_text(first) == "Saved without a reload."
    assert [v.revision.comment for v in Version.objects.get_for_object(t)][:1] == ["v1"]

    # A stale save: 409 with both texts, nothing written.
    stale = client.post(url, _form(t, first, "Old version's edit.", based_on=0), HTTP_ACCEPT="application/json")
    assert stale.status_code == 409 and stale.json()["error"] == "stale"
    # Over its limit: 422 with the sentence, nothing written.
    too_long = client.post(url, _form(t, first, "Слова " * 20_834), HTTP_ACCEPT="application/json")
    assert too_long.status_code == 422 and "it can be at most 20,000" in too_long.json()["message"]
    t.refresh_from_db()
    assert t.block_text(first) == "Saved without a reload."


def test_form_save_in_json_refuses_someone_who_may_not_edit(client, volunteer):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer, filled=False)
    first = t.source_revision.blocks[0]["id"]
    other = UserFactory(username="other-tr", roles=["translator"])
    client.force_login(other)
    response = client.post(
        reverse("desk:translation", args=[t.pk]), _form(t, first, "Not mine."), HTTP_ACCEPT="application/json"
    )
    assert response.status_code in (403, 404)
    assert Translation.objects.get(pk=t.pk).block_text(first) == ""


# --- signing in again from the editor -----------------------------------------------------------


def _csrf_client():
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))  # the login page sets the CSRF cookie
    return client, client.cookies[settings.CSRF_COOKIE_NAME].value


def test_json_login_signs_in_and_hands_back_the_new_csrf_token(db, volunteer):
    client, token = _csrf_client()
    response = client.post(
        reverse("login_json"),
        {"username": volunteer.username, "password": PASSWORD, "next": "https://evil.example/"},
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["csrf_token"]
    assert "Location" not in response  # no redirect at all, so no open one
    assert client.cookies[settings.CSRF_COOKIE_NAME].value != token  # rotated at login
    assert int(client.session["_auth_user_id"]) == volunteer.pk
    assert client.get(reverse("desk:mine")).status_code == 200


def test_json_login_needs_the_csrf_token_and_a_post(db, volunteer):
    client, _token = _csrf_client()
    refused = client.post(reverse("login_json"), {"username": volunteer.username, "password": PASSWORD})
    assert refused.status_code == 403
    assert "_auth_user_id" not in client.session
    # A GET signs nobody in (the desk sends a stray GET of a POST-only address to a page).
    assert client.get(reverse("login_json")).status_code in (302, 405)
    assert "_auth_user_id" not in client.session


def test_json_login_says_why_and_is_throttled_as_the_login_page(db, volunteer, settings):
    client, token = _csrf_client()
    url = reverse("login_json")
    wrong = client.post(url, {"username": volunteer.username, "password": "nope"}, HTTP_X_CSRFTOKEN=token)
    assert wrong.status_code == 400
    assert "enter a correct username and password" in wrong.json()["message"]
    too_long = client.post(url, {"username": "x" * 151, "password": "nope"}, HTTP_X_CSRFTOKEN=token)
    assert too_long.status_code == 400 and "at most 150 characters" in too_long.json()["message"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            url,
            {"username": volunteer.username, "password": "nope"},
            HTTP_X_CSRFTOKEN=token,
            HTTP_X_REQUESTED_WITH="XMLHttpRequest",
        )
    locked = client.post(
        url,
        {"username": volunteer.username, "password": PASSWORD},
        HTTP_X_CSRFTOKEN=token,
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("application/json")
    assert "_auth_user_id" not in client.session


def test_memory_endpoint_answers_nothing_for_an_unknown_block(client, volunteer):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer, filled=False)
    client.force_login(volunteer)
    answer = client.get(reverse("desk:memory", args=[t.pk]), {"block": "no-such-block"}).json()
    assert answer == {"block": "no-such-block", "suggestions": []}


def test_editor_page_queries_do_not_grow_with_the_desk(client, volunteer):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer, filled=False)
    client.force_login(volunteer)
    UserFactory(username="rev-a", roles=["reviewer"])
    before, _html = _editor_queries(client, t)
    for i in range(10):
        UserFactory(username=f"tr-more-{i}", roles=["translator"])
        UserFactory(username=f"rev-more-{i}", roles=["reviewer"])
    after, html = _editor_queries(client, t)
    assert after == before, (before, after)
    assert "@rev-more-9" in html and "@tr-more-9" not in html  # mention candidates: who may see the job


def test_people_who_see_agrees_with_the_visibility_rule(db, volunteer):
    people = [
        volunteer,
        UserFactory(username="ed-x", roles=["editor"]),
        UserFactory(username="rev-x", roles=["reviewer"]),
        UserFactory(username="tr-x", roles=["translator"]),
        UserFactory(username="nobody-x", roles=[]),
        UserFactory(username="gone-x", roles=["reviewer"], is_active=False),
        UserFactory(username="root-x", roles=[], is_superuser=True),
    ]
    for state, translator in [(State.OPEN, None), (State.IN_PROGRESS, volunteer), (State.IN_REVIEW, volunteer)]:
        t = TranslationFactory(state=state, translator=translator)
        expected = [p.username for p in people if selectors.translations_visible_to(user=p).filter(pk=t.pk).exists()]
        fresh = list(get_user_model().objects.filter(pk__in=[p.pk for p in people]).order_by("pk"))
        found = sorted(p.username for p in selectors.people_who_see(translation=t, people=fresh))
        assert found == sorted(expected), state
