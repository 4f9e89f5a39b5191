"""Real names stay with editors.

A volunteer credited by pseudonym or anonymously is named to other desk members by username
(and pseudonym); only editors, and the person themself, read the real name. Each surface is
checked from both sides: a non-editor must not see the real name and must see the label, an
editor must see the real name.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import TranslationFactory, UserFactory
from translations import review, workflow
from translations.models import CreditMode, Notification, State
from translations.people import names as people
from translations.people import notifications

HIDDEN_REAL = "Kavalenka"
HIDDEN_LABEL = "volunteer2 (A. Minsker)"
ANON_REAL = "Hrynevich"


@pytest.fixture
def hidden(db):
    """A volunteer translator credited by pseudonym."""
    return UserFactory(
        username="volunteer2",
        first_name="Andrei",
        last_name="Kavalenka",
        roles=["translator"],
        contributor__credit_mode=CreditMode.PSEUDONYM,
        contributor__pseudonym="A. Minsker",
    )


@pytest.fixture
def anon_reviewer(db):
    """A volunteer reviewer credited as "a volunteer reviewer"."""
    return UserFactory(
        username="volunteer3",
        first_name="Maryia",
        last_name="Hrynevich",
        roles=["reviewer"],
        contributor__credit_mode=CreditMode.ANONYMOUS,
    )


@pytest.fixture
def other_volunteer(db):
    return UserFactory(username="volunteer1", roles=["translator"])


@pytest.fixture
def submitted(hidden, reviewer, editor, anon_reviewer, django_capture_on_commit_callbacks):
    """A job the hidden volunteer translated, commented on and submitted (every reviewer is told)."""
    t = TranslationFactory(state=State.IN_PROGRESS, translator=hidden)
    with django_capture_on_commit_callbacks(execute=False):
        workflow.translation_submit(translation=t, by=hidden, comment="")
    t.refresh_from_db()
    return t


def _page(client, user, url, params=None):
    client.force_login(user)
    response = client.get(url, params or {})
    assert response.status_code == 200, url
    return response.content.decode()


# --- The rule ---------------------------------------------------------------------------


def test_desk_name_hides_real_name_from_non_editors(hidden, anon_reviewer, reviewer, other_volunteer, editor):
    for viewer in (reviewer, other_volunteer, anon_reviewer):
        assert people.desk_name(person=hidden, viewer=viewer) == HIDDEN_LABEL
    assert people.desk_name(person=anon_reviewer, viewer=reviewer) == "volunteer3"
    assert people.desk_name(person=hidden, viewer=editor) == "volunteer2 (Andrei Kavalenka)"
    assert people.desk_name(person=anon_reviewer, viewer=editor) == "volunteer3 (Maryia Hrynevich)"
    # Everyone may see their own name; nobody unknown sees it.
    assert people.desk_name(person=hidden, viewer=hidden) == "volunteer2 (Andrei Kavalenka)"
    assert people.desk_name(person=hidden, viewer=None) == HIDDEN_LABEL
    assert people.desk_name(person=None, viewer=editor) == ""


def test_desk_name_shows_a_real_name_its_owner_chose_to_publish(reviewer):
    named = UserFactory(username="volunteer5", first_name="Alesia", last_name="Shumeika", roles=["translator"])
    assert named.contributor.credit_mode == CreditMode.REAL_NAME
    assert people.desk_name(person=named, viewer=reviewer) == "volunteer5 (Alesia Shumeika)"


def test_person_without_profile_is_named_by_username_only(reviewer, editor):
    bare = UserFactory(username="staffer", first_name="Hanna", last_name="Ivanova", contributor=None)
    assert people.desk_name(person=bare, viewer=reviewer) == "staffer"
    assert people.desk_name(person=bare, viewer=editor) == "staffer (Hanna Ivanova)"


# --- Board --------------------------------------------------------------------------------


def test_board_filters_hide_real_names_from_other_volunteers_and_reviewers(
    client, hidden, anon_reviewer, other_volunteer, reviewer
):
    for viewer in (other_volunteer, reviewer):
        html = _page(client, viewer, reverse("desk:home"))
        assert HIDDEN_REAL not in html and ANON_REAL not in html
        assert f'value="{hidden.pk}">{HIDDEN_LABEL}</option>' in html
        assert f'value="{anon_reviewer.pk}">volunteer3</option>' in html


def test_board_filters_drop_a_withdrawn_real_name_at_once_though_their_names_are_kept(
    client, other_volunteer, reviewer, editor, django_assert_max_num_queries
):
    # A volunteer credited by her real name, on the board's filters as a reviewer sees them.
    person = UserFactory(
        username="volunteer5", first_name="Alesia", last_name="Realname", roles=["translator"],
        contributor__credit_mode=CreditMode.REAL_NAME,
    )  # fmt: skip
    assert "volunteer5 (Alesia Realname)</option>" in _page(client, reviewer, reverse("desk:home"))
    # The lists of names are kept: the next board reads no list of people.
    with django_assert_max_num_queries(30) as ctx:
        client.get(reverse("desk:home"))
    assert not any('"translations_contributor"."pseudonym"' in q["sql"] for q in ctx.captured_queries)
    # Someone signing in (a save of ``last_login``) changes no name: the lists stay kept.
    client.force_login(other_volunteer)
    client.force_login(reviewer)
    with django_assert_max_num_queries(30) as ctx:
        client.get(reverse("desk:home"))
    assert not any('"translations_contributor"."pseudonym"' in q["sql"] for q in ctx.captured_queries)
    # She withdraws her real name (a pseudonym from now on): the very next board shows only that.
    person.contributor.credit_mode, person.contributor.pseudonym = CreditMode.PSEUDONYM, "Lesia K."
    person.contributor.save()
    html = _page(client, reviewer, reverse("desk:home"))
    assert "Realname" not in html and "volunteer5 (Lesia K.)</option>" in html
    # The editors' list is their own: they still see who she is.
    assert "volunteer5 (Alesia Realname)</option>" in _page(client, editor, reverse("desk:home"))
    # A reviewer made editor sees real names on the next board too (a role changes the lists).
    reviewer.groups.add(Group.objects.get(name="editor"))
    assert "volunteer5 (Alesia Realname)</option>" in _page(client, reviewer, reverse("desk:home"))


def test_board_filters_show_real_names_to_editors(client, hidden, anon_reviewer, editor):
    html = _page(client, editor, reverse("desk:home"))
    assert f'value="{hidden.pk}">volunteer2 (Andrei Kavalenka)</option>' in html
    assert f'value="{anon_reviewer.pk}">volunteer3 (Maryia Hrynevich)</option>' in html


def test_board_rows_name_translator_reviewer_and_holder_by_viewer(client, hidden, anon_reviewer, reviewer, editor):
    t = TranslationFactory(state=State.IN_REVIEW, translator=hidden, reviewer=anon_reviewer)
    html = _page(client, reviewer, reverse("desk:home"))
    assert t.article.source_title in html
    assert HIDDEN_REAL not in html and ANON_REAL not in html
    assert f">{HIDDEN_LABEL}</td>" in html and ">volunteer3</td>" in html
    html = _page(client, editor, reverse("desk:home"), {"state": "in_review"})
    assert ">volunteer2 (Andrei Kavalenka)</td>" in html
    assert ">volunteer3 (Maryia Hrynevich)</td>" in html


def test_board_shows_the_holder_in_progress_by_credit_name(client, hidden, reviewer, editor):
    TranslationFactory(state=State.IN_PROGRESS, translator=hidden)
    html = _page(client, reviewer, reverse("desk:home"), {"state": "in_progress"})
    assert HIDDEN_REAL not in html
    assert html.count(HIDDEN_LABEL) >= 3  # filter option, holder, translator column
    html = _page(client, editor, reverse("desk:home"), {"state": "in_progress"})
    assert html.count("Andrei Kavalenka") >= 3


def test_board_names_cost_no_query_per_row(client, hidden, anon_reviewer, reviewer, django_assert_max_num_queries):
    for _n in range(3):
        TranslationFactory(state=State.IN_REVIEW, translator=hidden, reviewer=anon_reviewer)
    client.force_login(reviewer)
    client.get(reverse("desk:home"))
    # (15: the page's own queries — its ids read through the index first — and two for every
    # card's four-eyes set, whatever the rows.)
    with django_assert_max_num_queries(15):
        html = client.get(reverse("desk:home")).content.decode()
    for _n in range(10):
        TranslationFactory(state=State.IN_REVIEW, translator=hidden, reviewer=anon_reviewer)
    with django_assert_max_num_queries(15):
        html = client.get(reverse("desk:home")).content.decode()
    assert html.count(f">{HIDDEN_LABEL}</td>") == 13


# --- Job pages, comments, history ---------------------------------------------------------


def test_job_pages_and_comments_hide_real_name_from_reviewers(client, submitted, hidden, reviewer, editor):
    review.comment_add(translation=submitted, by=hidden, block_id="", body="Is 'picket' right here?")
    for url in (reverse("desk:review", args=[submitted.pk]), reverse("desk:translation", args=[submitted.pk])):
        html = _page(client, reviewer, url)
        assert HIDDEN_REAL not in html, url
        assert HIDDEN_LABEL in html, url
        assert "Is &#x27;picket&#x27; right here?" in html, url
        html = _page(client, editor, url)
        assert "volunteer2 (Andrei Kavalenka)" in html, url


def test_history_versions_and_workflow_log_hide_real_name_from_reviewers(client, submitted, reviewer, editor):
    url = reverse("desk:history", args=[submitted.pk])
    html = _page(client, reviewer, url)
    assert HIDDEN_REAL not in html
    assert f"</time> · {HIDDEN_LABEL}</td>" in html  # the version's author
    assert f"— {HIDDEN_LABEL}: submit" in html  # the workflow log
    html = _page(client, editor, url)
    assert "</time> · volunteer2 (Andrei Kavalenka)</td>" in html
    assert "— volunteer2 (Andrei Kavalenka): submit" in html


def test_history_compare_hides_real_name_from_reviewers(client, submitted, reviewer):
    versions = list(review.versions_of(submitted))
    params = {"a": versions[-1].pk, "b": versions[0].pk}
    html = _page(client, reviewer, reverse("desk:history", args=[submitted.pk]), params)
    assert "Comparing v1 with v" in html
    assert HIDDEN_REAL not in html and HIDDEN_LABEL in html


def test_article_page_names_translator_by_viewer(client, hidden, reviewer, editor):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=hidden)
    url = reverse("desk:article", args=[t.article.pk])
    html = _page(client, reviewer, url)
    assert HIDDEN_REAL not in html and HIDDEN_LABEL in html
    assert "volunteer2 (Andrei Kavalenka)" in _page(client, editor, url)


def test_assign_page_shows_real_names_to_the_editor(client, hidden, editor):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=hidden)
    html = _page(client, editor, reverse("desk:assign", args=[t.pk]))
    assert "Now with volunteer2 (Andrei Kavalenka)" in html
    assert f'value="{hidden.pk}" selected>volunteer2 (Andrei Kavalenka)' in html


# --- Notifications, email, audit ------------------------------------------------------------


def test_notifications_name_the_actor_as_each_recipient_may_see_them(client, submitted, reviewer, editor):
    to_reviewer = Notification.objects.get(user=reviewer, event__action="submit")
    to_editor = Notification.objects.get(user=editor, event__action="submit")
    assert to_reviewer.text.endswith(f"— by {HIDDEN_LABEL}")
    assert HIDDEN_REAL not in to_reviewer.text
    assert to_editor.text.endswith("— by volunteer2 (Andrei Kavalenka)")
    html = _page(client, reviewer, reverse("desk:notifications"))
    assert HIDDEN_LABEL in html and HIDDEN_REAL not in html
    assert "volunteer2 (Andrei Kavalenka)" in _page(client, editor, reverse("desk:notifications"))


def test_comment_notification_names_its_author_by_credit_name(hidden, reviewer, django_capture_on_commit_callbacks):
    t = TranslationFactory(state=State.IN_REVIEW, translator=hidden, reviewer=reviewer)
    with django_capture_on_commit_callbacks(execute=False):
        review.comment_add(translation=t, by=hidden, block_id="", body="Please look at paragraph 2.")
    notice = Notification.objects.get(user=reviewer, key__startswith="comment:")
    assert notice.text.endswith(f"— by {HIDDEN_LABEL}") and HIDDEN_REAL not in notice.text


def test_notification_email_hides_real_name_from_reviewers(submitted, reviewer, editor, mailoutbox):
    assert notifications.notifications_send() >= 2
    by_recipient = {m.to[0]: m for m in mailoutbox}
    to_reviewer, to_editor = by_recipient[reviewer.email], by_recipient[editor.email]
    assert HIDDEN_LABEL in to_reviewer.subject and HIDDEN_LABEL in to_reviewer.body
    assert HIDDEN_REAL not in to_reviewer.subject + to_reviewer.body
    assert "volunteer2 (Andrei Kavalenka)" in to_editor.subject


def test_long_title_keeps_the_actors_name_in_the_notice(hidden, reviewer):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=hidden, reviewer=reviewer, title="Picket " * 140)
    workflow.translation_submit(translation=t, by=hidden, comment="")
    notice = Notification.objects.get(user=reviewer, event__action="submit")
    assert len(notice.text) <= 500
    assert notice.text.endswith(f"— by {HIDDEN_LABEL}")


def test_audit_log_is_for_editors_and_shows_them_real_names(client, submitted, reviewer, other_volunteer, editor):
    for viewer in (reviewer, other_volunteer):
        client.force_login(viewer)
        assert client.get(reverse("desk:audit")).status_code == 403
    html = _page(client, editor, reverse("desk:audit"))
    assert "volunteer2 (Andrei Kavalenka)" in html


def test_profile_tells_a_volunteer_how_the_desk_names_them(client, hidden):
    html = _page(client, hidden, reverse("desk:profile"))
    assert f"Other people on the desk see you as <strong>{HIDDEN_LABEL}</strong>" in html
    assert "only editors see your real name" in html
