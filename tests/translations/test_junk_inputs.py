"""Junk gets a message, never a 500.

The fuzz test walks every URL of the desk (namespace ``desk``, from the resolver, so new
pages are covered without editing this file), the login page, the password pages and the
invitation page. It learns the field names of every form by reading the desk's own pages,
then sends each URL a table of junk (long strings, control characters including NUL and
U+001D, wrong types, list values, deep and huge JSON) by GET, form POST and JSON POST, as an
editor and as the job's translator. No answer may be a server error, and nothing stored
before may be lost: the job's text, its versions, comments, workflow log and audit log.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from reversion.models import Version

from newsroom.models import Article, AuditEntry, Feed, FeedItem, Outlet
from tests.factories import ArticleFactory, TranslationFactory
from translations import editing, review, versions
from translations.models import Comment, GlossaryTerm, State, Translation, WorkflowEvent
from translations.people import accounts

# No network: every address the desk could fetch is a closed port on loopback, which the
# fetcher refuses outright (loopback is only allowed when a test asks for it).
OFFLINE_URL = "http://127.0.0.1:9/junk"

NUL_AND_FRIENDS = "a\x00b\x1dc\x1f\x7f\u2028\ufeffd"
DEEP_JSON = "[" * 2000 + "]" * 2000
JUNK_FORM_VALUES: list[object] = [
    "x" * 20_001,  # beyond every field's length (the longest, a paragraph, holds 20,000)
    NUL_AND_FRIENDS,
    "9" * 400,  # a number no column holds
    "1e309",  # float infinity
    "١٢",  # non-ASCII digits
    "9999-12-31T23:59",  # the last minute of the calendar
    DEEP_JSON,
    ["-1", NUL_AND_FRIENDS, "x" * 5000],  # several values for one field
]
# Web servers refuse request lines over a few kilobytes, so a query string carries less.
GET_LIMIT = 300
GET_SKIPS = ("1e309", DEEP_JSON, JUNK_FORM_VALUES[0])


def _for_get(value: object) -> object:
    if isinstance(value, list):
        return [v[:GET_LIMIT] for v in value]
    return str(value)[:GET_LIMIT]


def _json_bodies(edit_version: int) -> list[str]:
    stale = edit_version + 1000  # never the current version: the fuzz must not overwrite the text
    return [
        DEEP_JSON,
        f'{{"based_on": {stale}, "blocks": {DEEP_JSON}}}',
        '{"based_on": 0, "notes": ' + "{" + '"a":{' * 1500 + "}" * 1500 + "}}",
        json.dumps({"based_on": stale, "title": "x" * 3_000_000}),  # a 3 MB body
        "not json",
        "\x00",
        "[]",
        '"a string"',
        "1e309",
        json.dumps({"based_on": "1e309"}),
        json.dumps({"based_on": None, "title": 5, "blocks": [], "notes": {}}),
        json.dumps({"based_on": stale, "title": NUL_AND_FRIENDS, "blocks": {"x": NUL_AND_FRIENDS}}),
        json.dumps({"based_on": [stale], "notes": [1, "a", None, {"text": {"nested": True}}]}),
    ]


def _walk(patterns):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns)
        elif isinstance(p, URLPattern) and p.name:
            yield p


def desk_patterns() -> list[URLPattern]:
    _prefix, resolver = get_resolver().namespace_dict["desk"]
    return sorted(_walk(resolver.url_patterns), key=lambda p: p.name)


# The public pages with forms that belong to the desk: logging in, passwords, invitations.
ACCOUNT_URLS = ["login", "password_reset", "password_change", "invite_accept"]
DESK_NAMES = [p.name for p in desk_patterns()]
TARGETS = [f"desk:{n}" for n in DESK_NAMES] + ACCOUNT_URLS


@pytest.fixture
def world(db, editor, reviewer, translator):
    outlet = Outlet.objects.create(name="Offline", slug="offline", credit_name="Offline", site_url=OFFLINE_URL)
    article = ArticleFactory(outlet=outlet, source_url=OFFLINE_URL)
    t = TranslationFactory(state=State.IN_PROGRESS, translator=translator, article=article, reviewer=reviewer)
    t = editing.translation_save(
        translation=t,
        by=translator,
        based_on=t.edit_version,
        title="A title worth keeping",
        lead="A lead worth keeping",
        notes=[{"id": "1", "after": "", "text": "A note worth keeping", "keep": True}],
        tags="protest",
        as_version=True,
    )
    comment = review.comment_add(translation=t, by=reviewer, block_id="", body="Check this.")
    feed = Feed.objects.create(outlet=outlet, url=OFFLINE_URL + "/feed")
    item = FeedItem.objects.create(feed=feed, url=OFFLINE_URL + "/item", title="An item")
    term = GlossaryTerm.objects.create(source_term="пикет", target_term="picket", created_by=editor)
    _invitation, token = accounts.invitation_create(email="newcomer@desk.example", by=editor)
    other = TranslationFactory(
        state=State.IN_REVIEW, article=ArticleFactory(outlet=outlet, source_url=OFFLINE_URL + "/2")
    )
    return {
        "translation": t,
        "other": other,
        "article": article,
        "comment": comment,
        "feed": feed,
        "item": item,
        "term": term,
        "token": token,
        "version": Version.objects.get_for_object(t).first(),
        "users": {"editor": editor, "translator": translator},
    }


def _kwargs(pattern: URLPattern, world) -> dict:
    t = world["translation"]
    by_name = {
        "comment_resolve": {"pk": world["comment"].pk},
        "comment_reply": {"pk": world["comment"].pk},
        "glossary_edit": {"pk": world["term"].pk},
        "glossary_delete": {"pk": world["term"].pk},
        "feed_poll_now": {"pk": world["feed"].pk},
        "inbox_item_import": {"pk": world["item"].pk},
        "inbox_item_reject": {"pk": world["item"].pk},
        "inbox_article_accept": {"pk": world["article"].pk},
        "inbox_article_reject": {"pk": world["article"].pk},
        "article": {"pk": world["article"].pk},
        "article_raw": {"pk": world["article"].pk},
        "article_resync": {"pk": world["article"].pk},
        "open_job": {"article_pk": world["article"].pk},
        "restore_version": {"pk": t.pk, "version_id": world["version"].pk},
        "invite_accept": {"token": world["token"]},
    }
    if pattern.name in by_name:
        return by_name[pattern.name]
    kwargs: dict = {}
    converters = getattr(pattern.pattern, "converters", {})
    for name in pattern.pattern.regex.groupindex:
        if name == "action":
            kwargs[name] = "approve"
        elif type(converters.get(name)).__name__ == "IntConverter":
            kwargs[name] = t.pk
        else:
            kwargs[name] = "sample"
    return kwargs


def _url(target: str, world) -> str:
    if target.startswith("desk:"):
        pattern = next(p for p in desk_patterns() if p.name == target[5:])
        return reverse(target, kwargs=_kwargs(pattern, world))
    if target == "invite_accept":
        return reverse(target, kwargs={"token": world["token"]})
    return reverse(target)


FIELD_NAME = re.compile(r'<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"')


def _field_names(world) -> set[str]:
    """Every form field name on every page the desk shows."""
    names = {"based_on", "body", "comment", "action", "id", "page", "a", "b", "q"}
    client = Client()
    client.force_login(world["users"]["editor"])  # editors see every form the desk has
    for target in TARGETS:
        response = client.get(_url(target, world))
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            names |= set(FIELD_NAME.findall(response.content.decode()))
    names.discard("csrfmiddlewaretoken")
    return names


def _stored(world) -> dict:
    """What must survive any junk: the job's text and every record that stands for history."""
    t = Translation.objects.get(pk=world["translation"].pk)
    return {
        "text": editing.text_snapshot(t),
        "source": list(Article.objects.filter(pk=world["article"].pk).values_list("source_title", "current_revision")),
        "versions": Version.objects.get_for_object(t).count(),
        "comments": Comment.objects.filter(pk=world["comment"].pk).values_list("body", flat=True).first(),
        "events": WorkflowEvent.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def _assert_kept(before: dict, world, context) -> None:
    after = _stored(world)
    # Restoring an old version is the one deliberate text change; the old text stays a version.
    assert after["versions"] >= before["versions"], context
    if after["text"] != before["text"]:
        kept = [versions.version_snapshot(v) for v in Version.objects.get_for_object(world["translation"])]
        assert any(all(v.get(k) == before["text"][k] for k in ("title", "lead", "tags")) for v in kept), context
    assert after["source"] == before["source"], context
    assert after["comments"] == before["comments"], context
    assert after["events"] >= before["events"], context
    assert after["audit"] >= before["audit"], context


@pytest.mark.parametrize("role", ["editor", "translator"])
@pytest.mark.parametrize("target", TARGETS)
def test_junk_to_every_desk_form_and_json_endpoint_is_never_a_server_error(world, target, role):
    url = _url(target, world)
    names = sorted(_field_names_cached(world))
    client = Client(raise_request_exception=False)
    client.force_login(world["users"][role])
    before = _stored(world)

    sent: list[tuple[str, str, int]] = []

    def send(method: str, junk: object, **extra: object) -> Any:
        response = getattr(client, method)(url, junk, **extra)
        sent.append((method, repr(junk)[:40], response.status_code))
        assert response.status_code < 500, (target, role, sent[-1])
        return response

    # A method the URL refuses (405) is tried once, not with the whole table. GET forms are
    # filters: the table without the rows a query string cannot carry anyway.
    methods = ["get", "post"]
    for i, value in enumerate(JUNK_FORM_VALUES):
        for method in list(methods):
            if method == "get" and value in GET_SKIPS:
                continue
            data = {name: _for_get(value) if method == "get" else value for name in names}
            if send(method, data).status_code == 405 and i == 0:
                methods.remove(method)
    if "post" in methods:
        # Junk behind a valid version reaches the services that store text.
        for value in (NUL_AND_FRIENDS, "x" * 20_001):
            current = Translation.objects.get(pk=world["translation"].pk).edit_version
            send("post", {**{name: value for name in names}, "based_on": str(current)})
    # Every endpoint gets a broken JSON body; one that answers in JSON gets the whole table.
    answer = send("post", DEEP_JSON, content_type="application/json")
    if answer.get("Content-Type") == "application/json":
        for body in _json_bodies(world["translation"].edit_version):
            send("post", body, content_type="application/json")
        t = Translation.objects.get(pk=world["translation"].pk)
        for value in (NUL_AND_FRIENDS, "x" * 30_000, "\ud800"):
            text = {"text": value, "omitted": value, "reason": value}
            body = {
                "based_on": Translation.objects.get(pk=t.pk).edit_version,
                "title": value,
                "lead": value,
                "tags": value,
                "blocks": {b["id"]: text for b in t.source_revision.blocks} | {value: text},
                "notes": [{"id": value, "after": value, "text": value, "keep": value}],
            }
            send("post", json.dumps(body), content_type="application/json")
    _assert_kept(before, world, (target, role, sent))


_NAMES: dict[str, set[str]] = {}


def _field_names_cached(world) -> set[str]:
    # Harvesting costs two dozen page loads; one pass per worker is enough.
    if "names" not in _NAMES:
        _NAMES["names"] = _field_names(world)
    return _NAMES["names"]


# --- The two junk inputs the issue names, and what the person is told --------------------


def test_login_with_a_user_name_longer_than_axes_column_is_a_form_error(client):
    response = client.post(reverse("login"), {"username": "a" * 300, "password": "whatever it is"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "errorlist" in html and "150 characters" in html
    assert not AccessAttempt.objects.exists()


def test_login_with_control_characters_is_a_form_error(client):
    response = client.post(reverse("login"), {"username": "ed\x00\x1d", "password": "whatever it is"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_long_user_name_at_the_admin_login_is_not_a_server_error(client):
    response = client.post(reverse("admin:login"), {"username": "a" * 300, "password": "whatever it is"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_any_other_authenticate_call_with_a_long_name_is_logged_clipped(rf):
    from django.contrib.auth import authenticate

    request = rf.post("/elsewhere/")
    assert authenticate(request, username="b" * 300, password="wrong") is None
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "b" * 255


def test_deeply_nested_autosave_is_400_with_a_sentence(client, translator):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=translator, title="Kept")
    client.force_login(translator)
    body = f'{{"based_on": {t.edit_version}, "blocks": {DEEP_JSON}}}'
    response = client.post(reverse("desk:autosave", args=[t.pk]), body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    message = response.json()["message"]
    assert "nested" in message and message.endswith(".")
    t.refresh_from_db()
    assert t.title == "Kept"


def test_huge_autosave_is_400_with_a_sentence(client, translator, settings):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=translator, title="Kept")
    client.force_login(translator)
    body = json.dumps({"based_on": t.edit_version, "lead": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = client.post(reverse("desk:autosave", args=[t.pk]), body, content_type="application/json")
    assert response.status_code == 400
    assert "too large" in response.json()["message"]
    t.refresh_from_db()
    assert t.title == "Kept"


def test_control_characters_never_reach_the_stored_text(client, translator):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=translator)
    block_id = t.source_revision.blocks[0]["id"]
    client.force_login(translator)
    body = {
        "based_on": t.edit_version,
        "title": "Pick\x00et\x1d",
        "lead": "Line one\nline\ttwo\x1f",
        "blocks": {block_id: {"text": "Para\x00graph\x1d", "reason": "\x00"}},
        "notes": [{"id": "1", "after": "", "text": "No\x00te"}],
        "tags": "a\x00b",
    }
    response = client.post(reverse("desk:autosave", args=[t.pk]), json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    t.refresh_from_db()
    assert t.title == "Picket"
    assert t.lead == "Line one\nline\ttwo"
    assert t.blocks[block_id]["text"] == "Paragraph"
    assert t.notes[0]["text"] == "Note"
    assert t.tags == "ab"


def test_control_characters_in_the_plain_editor_form_are_dropped(client, translator):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=translator)
    block_id = t.source_revision.blocks[0]["id"]
    client.force_login(translator)
    response = client.post(
        reverse("desk:translation", args=[t.pk]),
        {"based_on": t.edit_version, "title": "Ti\x00tle\x1d", f"b-{block_id}-text": "Te\x00xt"},
    )
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.title == "Title" and t.blocks[block_id]["text"] == "Text"


def test_comment_reply_with_nul_is_refused_with_a_message_or_cleaned(client, translator, reviewer):
    t = TranslationFactory(state=State.IN_REVIEW, translator=translator, reviewer=reviewer)
    parent = review.comment_add(translation=t, by=reviewer, block_id="", body="Why?")
    client.force_login(translator)
    response = client.post(reverse("desk:comment_reply", args=[parent.pk]), {"body": "Be\x00cause\x1d"})
    assert response.status_code < 500
    assert Comment.objects.filter(parent=parent, body="Because").exists()
