"""The desk bar per role (translations/desk/navigation.py), the board's words for who holds a
job and how long it waited, Open jobs' language filter, and the public footer's links."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ArticleFactory, TranslationFactory, UserFactory
from translations.desk import navigation, pages
from translations.desk.workspace_forms import JobFilterForm
from translations.models import Notification, State

pytestmark = pytest.mark.django_db

EDITOR_ONLY = ["desk:inbox", "desk:import", "desk:feeds", "desk:invite", "desk:roles", "desk:stats", "desk:audit"]


def _top(entries):
    return [e.label for e in entries]


def _urls(entries):
    urls = []
    for e in entries:
        urls += [link.url for link in e.links] if e.is_group else [e.url]
    return urls


def test_editor_sees_four_groups_and_three_personal_entries(editor):
    editor.is_staff = True
    entries = navigation.desk_nav(user=editor, path="/desk/")
    assert _top(entries) == ["Work", "Sources", "People", "Reports", "Notifications", "Profile", "Public site"]
    assert len(entries) <= navigation.MAX_TOP_LEVEL
    groups = {e.label: [link.label for link in e.links] for e in entries if e.is_group}
    assert groups == {
        "Work": ["Board", "My work", "Open jobs", "Glossary"],
        "Sources": ["Inbox", "Import", "Feeds"],
        "People": ["Invite", "Roles", "Admin"],
        "Reports": ["Stats", "Audit log"],
    }


def test_editor_who_is_not_staff_gets_no_admin_link(editor):
    entries = navigation.desk_nav(user=editor, path="/desk/")
    assert reverse("admin:index") not in _urls(entries)
    assert reverse("desk:invite") in _urls(entries)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("translator", ["Open jobs", "My work", "Board", "Glossary", "Notifications", "Profile", "Public site"]),
        ("reviewer", ["My work", "Board", "Open jobs", "Glossary", "Notifications", "Profile", "Public site"]),
    ],
)
def test_translators_and_reviewers_see_a_short_flat_list_without_editor_links(role, expected):
    user = UserFactory(username=f"u-{role}", roles=[role])
    entries = navigation.desk_nav(user=user, path="/desk/")
    assert _top(entries) == expected
    assert not any(e.is_group for e in entries)
    assert not set(map(reverse, EDITOR_ONLY)) & set(_urls(entries))
    assert reverse("admin:index") not in _urls(entries)


def test_someone_without_a_desk_role_gets_only_the_public_site():
    user = UserFactory(username="nobody", roles=[])
    assert _top(navigation.desk_nav(user=user, path="/desk/")) == ["Public site"]


def test_current_page_is_marked_and_its_group_too(editor):
    entries = navigation.desk_nav(user=editor, path=reverse("desk:feeds"))
    sources = next(e for e in entries if e.label == "Sources")
    assert sources.current and [link.label for link in sources.links if link.current] == ["Feeds"]
    work = next(e for e in entries if e.label == "Work")
    assert not work.current  # the board (the desk's root) is not current on every desk page


def _unread(user, n):
    for i in range(n):
        Notification.objects.create(user=user, kind="assigned", key=f"k{i}", text="A job is yours")


@pytest.mark.parametrize("page", ["desk:home", "desk:glossary", "desk:profile", "desk:jobs", "desk:inbox"])
def test_every_desk_page_shows_the_unread_count_in_its_bar(client, editor, page):
    _unread(editor, 3)
    Notification.objects.filter(key="k0").update(read_at=timezone.now())
    client.force_login(editor)
    html = client.get(reverse(page)).content.decode()
    bar = html.split('<nav aria-label="Desk"', 1)[1].split("</nav>", 1)[0]
    assert "Notifications (2 unread)" in bar
    assert "<details" in bar and "<summary>Sources</summary>" in bar


def test_translator_page_bar_leaves_out_editor_links(client, translator):
    client.force_login(translator)
    html = client.get(reverse("desk:jobs")).content.decode()
    bar = html.split('<nav aria-label="Desk"', 1)[1].split("</nav>", 1)[0]
    for name in EDITOR_ONLY:
        assert f'href="{reverse(name)}"' not in bar
    assert 'href="/desk/jobs/" aria-current="page"' in bar
    assert ">Notifications</a>" in bar  # nothing unread: no count


# --- The board's words ----------------------------------------------------------------


def test_board_says_who_holds_each_job_and_who_may_act_when_nobody_does(client, editor):
    ivan = UserFactory(username="ivan", first_name="Ivan", last_name="Petrov", roles=["translator"])
    TranslationFactory(state=State.IN_PROGRESS, translator=ivan)
    TranslationFactory(state=State.OPEN)
    TranslationFactory(state=State.APPROVED)
    TranslationFactory(state=State.IN_REVIEW)
    client.force_login(editor)
    html = client.get(reverse("desk:home")).content.decode()
    assert "Translator ivan (Ivan Petrov)" in html
    assert "Nobody holds it — any translator can claim it" in html
    assert "Nobody holds it — any editor can act" in html
    assert "Nobody holds it — any reviewer can review it" in html
    assert "editors</td>" not in html and ">For<" not in html
    assert '<th scope="col">In this state</th>' in html


@pytest.mark.parametrize(
    ("ago", "label"),
    [
        (dt.timedelta(seconds=20), "under a minute"),
        (dt.timedelta(minutes=45), "45 min"),
        (dt.timedelta(hours=3, minutes=50), "3 h"),
        (dt.timedelta(hours=47), "47 h"),
        (dt.timedelta(days=3, hours=2), "3 days"),
    ],
)
def test_waiting_time_is_short_and_rounded(ago, label):
    now = timezone.now()
    assert pages.waiting_label(now - ago, now=now) == label


def test_board_row_shows_waiting_time_and_since_when(client, editor):
    t = TranslationFactory(state=State.OPEN)
    type(t).objects.filter(pk=t.pk).update(created_at=timezone.now() - dt.timedelta(hours=3, minutes=5))
    client.force_login(editor)
    html = client.get(reverse("desk:home")).content.decode()
    assert re.search(r"<time [^>]*>3 h</time><span class=\"muted since\"> since ", html)


# --- Open jobs' language filter ----------------------------------------------------------


def _source_choices():
    return [code for code, _name in JobFilterForm().fields["language"].choices]


def test_jobs_filter_offers_only_source_languages_that_open_jobs_have():
    TranslationFactory(state=State.OPEN, article=ArticleFactory(language="be"))
    TranslationFactory(state=State.OPEN)  # ru
    TranslationFactory(state=State.IN_PROGRESS, article=ArticleFactory(language="pl"))  # not open
    assert _source_choices() == ["", "ru", "be"]


def test_jobs_page_never_offers_english_the_target_as_a_source(client, translator):
    TranslationFactory(state=State.OPEN)
    client.force_login(translator)
    html = client.get(reverse("desk:jobs")).content.decode()
    select = html.split('name="language"', 1)[1].split("</select>", 1)[0]
    assert 'value="ru"' in select
    assert 'value="en"' not in select and "English" not in select


# --- The public footer -------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/de"])
def test_site_footer_links_the_sitemap_and_the_feeds_and_they_resolve(client, prefix):
    html = client.get(f"{prefix}/").content.decode()
    footer = html.split('<footer class="site">', 1)[1].split("</footer>", 1)[0]
    hrefs = re.findall(r'href="([^"]+)"', footer)
    assert "/sitemap.xml" in hrefs
    assert f"{prefix}/feeds/rss.xml" in hrefs and f"{prefix}/feeds/atom.xml" in hrefs
    assert not any(h.startswith("/desk") or "login" in h for h in hrefs)
    for href in hrefs:
        assert client.get(href).status_code == 200, href


@pytest.mark.parametrize(("path", "status"), [("/desk/no-such-page/", 404), ("/desk/inbox/", 403)])
def test_desk_error_pages_keep_the_bar_with_the_unread_count(client, translator, path, status):
    _unread(translator, 1)
    client.force_login(translator)
    response = client.get(path)
    assert response.status_code == status
    assert "Notifications (1 unread)" in response.content.decode()
