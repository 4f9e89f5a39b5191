"""The editors' desk pages: board, assigning, opening jobs, review, history, preview/publish,
audit log and stats."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from newsroom.models import AuditEntry, Correction, SourceRevision
from tests.factories import ArticleFactory, OutletFactory, TranslationFactory, UserFactory, make_blocks
from translations import editing, workflow
from translations.models import Comment, Credit, CreditMode, State, Translation, WorkflowEvent


@pytest.fixture
def ed_client(client, editor):
    client.force_login(editor)
    return client


# --- Board ---------------------------------------------------------------------------


def test_board_shows_counts_per_state_and_who_holds_each_job(ed_client, reviewer):
    TranslationFactory(state=State.OPEN)
    t = TranslationFactory(state=State.IN_REVIEW, reviewer=reviewer)
    TranslationFactory(state=State.IN_REVIEW)
    response = ed_client.get(reverse("desk:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<span class="count" data-state="in_review">2</span>' in html
    assert '<span class="count" data-state="open">1</span>' in html
    assert t.article.source_title in html
    assert "rev" in html  # the reviewer holds the job in review
    assert "<main" in html


def test_board_filters_by_state_outlet_language_tag_and_search(ed_client):
    other_outlet = OutletFactory(slug="nasha-niva", name="Nasha Niva", credit_name="Nasha Niva")
    a = TranslationFactory(state=State.IN_PROGRESS, title="Picket at the ministry", article__source_tags=["протест"])
    b = TranslationFactory(state=State.OPEN, article__outlet=other_outlet, article__language="be")
    c = TranslationFactory(state=State.IN_PROGRESS, article__source_title="Выборы в Минске")

    def titles(**params):
        html = ed_client.get(reverse("desk:home"), params).content.decode()
        return {t.pk for t in (a, b, c) if t.article.source_title in html}

    assert titles(state="open") == {b.pk}
    assert titles(outlet=other_outlet.pk) == {b.pk}
    assert titles(language="be") == {b.pk}
    assert titles(tag="протест") == {a.pk}
    assert titles(q="ministry") == {a.pk}
    assert titles(q="выборы") == {c.pk}
    assert titles(assignee=a.translator.pk) == {a.pk}


def test_board_overdue_and_due_before_filters(ed_client):
    late = TranslationFactory(state=State.IN_PROGRESS, due_at=timezone.now() - dt.timedelta(hours=2))
    later = TranslationFactory(state=State.IN_PROGRESS, due_at=timezone.now() + dt.timedelta(days=5))
    html = ed_client.get(reverse("desk:home"), {"overdue": "on"}).content.decode()
    assert late.article.source_title in html and later.article.source_title not in html
    assert "overdue" in html
    due = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    html = ed_client.get(reverse("desk:home"), {"due_before": due}).content.decode()
    assert late.article.source_title in html and later.article.source_title not in html


def test_board_invalid_filter_shows_error_next_to_field(ed_client):
    html = ed_client.get(reverse("desk:home"), {"due_before": "not a date"}).content.decode()
    assert "errorlist" in html


def test_board_translator_sees_only_open_and_own_jobs(client, translator):
    mine = TranslationFactory(state=State.IN_PROGRESS, translator=translator)
    open_job = TranslationFactory(state=State.OPEN)
    someone_elses = TranslationFactory(state=State.IN_REVIEW)
    client.force_login(translator)
    html = client.get(reverse("desk:home")).content.decode()
    assert mine.article.source_title in html
    assert open_job.article.source_title in html
    assert someone_elses.article.source_title not in html
    assert '<span class="count" data-state="in_review">0</span>' in html


def test_board_is_paginated_by_fifty(ed_client):
    article_blocks = make_blocks(["Текст."])
    for _ in range(55):
        TranslationFactory(state=State.OPEN, article__blocks=[b["text"] for b in article_blocks])
    first = ed_client.get(reverse("desk:home"))
    assert len(first.context["rows"]) == 50
    second = ed_client.get(reverse("desk:home"), {"page": 2})
    assert len(second.context["rows"]) == 5
    assert "Page 2 of 2" in second.content.decode()


def _make_rows(n):
    translator = UserFactory(roles=["translator"])
    for i in range(n):
        state = [State.OPEN, State.IN_PROGRESS, State.IN_REVIEW, State.APPROVED][i % 4]
        t = TranslationFactory(state=state, translator=None if state == State.OPEN else translator)
        WorkflowEvent.objects.create(translation=t, action="open", from_state="open", to_state=state)


def test_board_runs_a_constant_number_of_queries(client, editor, django_assert_max_num_queries):
    _make_rows(5)
    client.force_login(editor)
    client.get(reverse("desk:home"))  # warm the session
    # (14: the search's matching ids (read once), the page's ids and rows, the counts, the
    # session and user, and two for every card's four-eyes set; the filters' names are kept.)
    with django_assert_max_num_queries(14) as small:
        client.get(reverse("desk:home"), {"q": "пикет"})
    few = len(small.captured_queries)
    _make_rows(55)
    client.get(reverse("desk:home"))  # (new people: the filters' lists of names are read again once)
    with django_assert_max_num_queries(few) as big:
        response = client.get(reverse("desk:home"), {"q": "пикет"})
    assert len(response.context["rows"]) == 50
    assert len(big.captured_queries) == few


# --- Assigning and opening -----------------------------------------------------------


def test_assign_form_shows_load_and_assigns(
    ed_client, translator, reviewer, django_capture_on_commit_callbacks, mailoutbox
):
    TranslationFactory(state=State.IN_PROGRESS, translator=translator)
    t = TranslationFactory(state=State.OPEN)
    page = ed_client.get(reverse("desk:assign", args=[t.pk])).content.decode()
    assert "tr" in page and "1 active job(s)" in page
    due = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    with django_capture_on_commit_callbacks(execute=True):
        response = ed_client.post(
            reverse("desk:assign", args=[t.pk]), {"translator": translator.pk, "reviewer": reviewer.pk, "due_at": due}
        )
    assert response.status_code == 302
    t.refresh_from_db()
    assert (t.state, t.translator, t.reviewer) == (State.IN_PROGRESS, translator, reviewer)
    assert t.due_at is not None
    assert mailoutbox[0].to == [translator.email]


def test_assign_refuses_translator_as_reviewer_with_error_next_to_field(ed_client, reviewer):
    t = TranslationFactory(state=State.OPEN)
    response = ed_client.post(reverse("desk:assign", args=[t.pk]), {"translator": reviewer.pk, "reviewer": reviewer.pk})
    assert response.status_code == 400
    assert "four eyes" in response.content.decode()
    t.refresh_from_db()
    assert t.state == State.OPEN


def test_assign_is_for_editors_only(client, reviewer):
    t = TranslationFactory(state=State.OPEN)
    client.force_login(reviewer)
    assert client.get(reverse("desk:assign", args=[t.pk])).status_code == 403
    assert client.post(reverse("desk:assign", args=[t.pk]), {"translator": reviewer.pk}).status_code == 403


def test_open_job_from_an_article(ed_client):
    article = ArticleFactory()
    assert ed_client.get(reverse("desk:open_job", args=[article.pk])).status_code == 200
    response = ed_client.post(reverse("desk:open_job", args=[article.pk]), {"language": "en", "brief": "Keep names."})
    t = Translation.objects.get(article=article)
    assert response.status_code == 302 and response["Location"] == reverse("desk:assign", args=[t.pk])
    assert (t.state, t.brief) == (State.OPEN, "Keep names.")
    again = ed_client.post(reverse("desk:open_job", args=[article.pk]), {"language": "en"}, follow=True)
    assert again.redirect_chain == [(t.get_absolute_url(), 302)]
    assert "already has a job in English" in again.content.decode()


# --- Review --------------------------------------------------------------------------


def _submitted_twice(reviewer):
    t = TranslationFactory(state=State.IN_PROGRESS, reviewer=reviewer)
    first = t.source_revision.blocks[0]["id"]
    t = editing.translation_save(
        translation=t, by=t.translator, based_on=t.edit_version, blocks={first: {"text": "Employees went out"}}
    )
    workflow.translation_submit(translation=t, by=t.translator)
    workflow.translation_request_changes(translation=t, by=reviewer, comment="Say where.")
    t.refresh_from_db()
    t = editing.translation_save(
        translation=t,
        by=t.translator,
        based_on=t.edit_version,
        blocks={first: {"text": "Employees went out to the ministry"}},
    )
    workflow.translation_submit(translation=t, by=t.translator)
    t.refresh_from_db()
    return t, first


def test_review_page_diffs_each_block_against_the_previous_submission(client, reviewer):
    t, _first = _submitted_twice(reviewer)
    client.force_login(reviewer)
    html = client.get(reverse("desk:review", args=[t.pk])).content.decode()
    assert "Employees went out<ins> to the ministry</ins>" in html
    assert 'lang="ru"' in html
    assert "Request changes" in html and "Approve" in html


def test_review_comment_is_posted_anchored_and_resolved(client, reviewer):
    t = TranslationFactory(state=State.IN_REVIEW)
    block = t.source_revision.blocks[2]["id"]
    client.force_login(reviewer)
    response = client.post(reverse("desk:comment_add", args=[t.pk]), {"block_id": block, "body": "<script>x</script>"})
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.block_id == block
    html = client.get(reverse("desk:review", args=[t.pk])).content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html
    client.post(reverse("desk:comment_resolve", args=[comment.pk]))
    comment.refresh_from_db()
    assert comment.resolved_by == reviewer


def test_review_four_eyes_translator_editor_cannot_approve_through_the_view(client, editor):
    t = TranslationFactory(state=State.IN_REVIEW, translator=editor)
    client.force_login(editor)
    html = client.get(reverse("desk:review", args=[t.pk])).content.decode()
    assert "desk:transition" not in html and f"/desk/t/{t.pk}/do/approve/" not in html
    client.post(reverse("desk:transition", args=[t.pk, "approve"]), {"comment": ""})
    t.refresh_from_db()
    assert t.state == State.IN_REVIEW


def test_request_changes_without_reason_is_refused_through_the_view(client, reviewer):
    t = TranslationFactory(state=State.IN_REVIEW)
    client.force_login(reviewer)
    client.post(reverse("desk:transition", args=[t.pk, "request_changes"]), {"comment": ""})
    t.refresh_from_db()
    assert t.state == State.IN_REVIEW
    client.post(reverse("desk:transition", args=[t.pk, "request_changes"]), {"comment": "Numbers are wrong."})
    t.refresh_from_db()
    assert t.state == State.IN_PROGRESS


# --- History -------------------------------------------------------------------------


def test_history_lists_versions_and_compares_two(client, reviewer):
    t, first = _submitted_twice(reviewer)
    versions = list(Version.objects.get_for_object(t))
    client.force_login(reviewer)
    html = client.get(reverse("desk:history", args=[t.pk])).content.decode()
    assert "Submitted for review" in html and "Say where." in html
    newest, oldest = versions[0], versions[-1]
    html = client.get(reverse("desk:history", args=[t.pk]), {"a": oldest.pk, "b": newest.pk}).content.decode()
    assert "Employees went out<ins> to the ministry</ins>" in html
    foreign = Version.objects.exclude(object_id=str(t.pk)).first()
    if foreign is not None:
        assert client.get(reverse("desk:history", args=[t.pk]), {"a": foreign.pk, "b": newest.pk}).status_code == 404
    assert client.get(reverse("desk:history", args=[t.pk]), {"a": "x", "b": "1"}).status_code == 404


def test_translator_sees_history_of_own_translation_and_restores(client):
    t = TranslationFactory(state=State.IN_PROGRESS)
    t = editing.translation_save(
        translation=t, by=t.translator, based_on=t.edit_version, title="First", as_version=True
    )
    t = editing.translation_save(
        translation=t, by=t.translator, based_on=t.edit_version, title="Second", as_version=True
    )
    old = Version.objects.get_for_object(t).last()
    client.force_login(t.translator)
    assert client.get(reverse("desk:history", args=[t.pk])).status_code == 200
    response = client.post(reverse("desk:restore_version", args=[t.pk, old.pk]), {"confirm": "yes"})
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.title == "First" and t.state == State.IN_PROGRESS


def test_history_banner_when_source_changed_and_follow_source(ed_client):
    t = TranslationFactory(state=State.IN_REVIEW, article__blocks=["Один.", "Два."])
    revision = SourceRevision.objects.create(
        article=t.article, number=2, fetched_at=timezone.now(), title="x", blocks=make_blocks(["Один.", "Два и три."])
    )
    t.article.current_revision = revision
    t.article.save(update_fields=["current_revision"])
    html = ed_client.get(reverse("desk:history", args=[t.pk])).content.decode()
    # The edited paragraph (a new content-hash id) is paired with the old one: a word diff.
    assert "The source has changed" in html and "<ins> и три</ins>" in html
    ed_client.post(reverse("desk:follow_source", args=[t.pk]))
    t.refresh_from_db()
    assert t.source_revision == revision and t.state == State.IN_PROGRESS


# --- Preview and publishing ------------------------------------------------------------


def test_preview_renders_reader_text_and_writes_nothing(ed_client):
    t = TranslationFactory(state=State.APPROVED, title="MFA employees picket")
    t.translator.contributor.credit_mode = CreditMode.ANONYMOUS
    t.translator.contributor.save()
    audits, versions = AuditEntry.objects.count(), Version.objects.count()
    html = ed_client.get(reverse("desk:preview", args=[t.pk])).content.decode()
    assert "<h1>MFA employees picket</h1>" in html
    assert "English for: Первый абзац про пикет 17 августа." in html
    assert "Source: " in html and "TUT.BY" in html
    assert "The text was translated by a volunteer translator" in html
    assert t.translator.last_name not in html
    assert (AuditEntry.objects.count(), Version.objects.count()) == (audits, versions)
    t.article.refresh_from_db()
    assert t.article.published_at_en is None


def test_preview_attribution_is_exactly_what_readers_get(ed_client, editor, reviewer, client):
    import re

    from translations import workflow

    t = TranslationFactory(state=State.IN_REVIEW, title="MFA employees picket")
    t = workflow.translation_approve(translation=t, by=reviewer)

    def attribution(html: str) -> str:
        return re.sub(r"\s+", " ", re.search(r'<footer class="attribution">(.*?)</footer>', html, re.S).group(1))

    preview = attribution(ed_client.get(reverse("desk:preview", args=[t.pk])).content.decode())
    workflow.translation_publish(translation=t, by=editor)
    t.article.refresh_from_db()
    site = attribution(client.get(t.article.get_absolute_url()).content.decode())
    assert "Source: " in preview and "translated by" in preview
    assert preview in site  # the site adds tags and profile links after the shared credits


def test_publish_requires_confirming_credits(ed_client, editor):
    t = TranslationFactory(state=State.APPROVED)
    credit = Credit.objects.get(translation=t)
    response = ed_client.post(reverse("desk:publish", args=[t.pk]), {"credited": [credit.pk], "when": "now"})
    assert response.status_code == 400
    t.refresh_from_db()
    assert t.state == State.APPROVED
    response = ed_client.post(reverse("desk:publish", args=[t.pk]), {"credited": [], "when": "now", "confirm": "on"})
    assert response.status_code == 302
    t.refresh_from_db()
    credit.refresh_from_db()
    assert t.state == State.PUBLISHED and not credit.is_credited
    assert AuditEntry.objects.filter(action="translation.credits_confirm", actor=editor).exists()


def test_schedule_reads_the_time_in_the_desk_time_zone(ed_client):
    t = TranslationFactory(state=State.APPROVED)
    credit = Credit.objects.get(translation=t)
    local = (timezone.localtime() + dt.timedelta(days=1)).replace(hour=9, minute=30, second=0, microsecond=0)
    ed_client.post(
        reverse("desk:publish", args=[t.pk]),
        {"credited": [credit.pk], "when": "schedule", "at": local.strftime("%Y-%m-%dT%H:%M"), "confirm": "on"},
    )
    t.refresh_from_db()
    assert t.state == State.SCHEDULED
    expected = dt.datetime.combine(local.date(), dt.time(9, 30), tzinfo=zoneinfo.ZoneInfo("Europe/Minsk"))
    assert t.scheduled_for == expected
    html = ed_client.get(reverse("desk:preview", args=[t.pk])).content.decode()
    assert local.strftime("%H:%M") in html and "+03" in html


def test_schedule_in_the_past_shows_error(ed_client):
    t = TranslationFactory(state=State.APPROVED)
    response = ed_client.post(
        reverse("desk:publish", args=[t.pk]), {"when": "schedule", "at": "2020-01-01T10:00", "confirm": "on"}
    )
    assert response.status_code == 400 and "future" in response.content.decode()
    t.refresh_from_db()
    assert t.state == State.APPROVED


def test_translator_editor_cannot_publish_own_translation(client, editor):
    t = TranslationFactory(state=State.APPROVED, translator=editor)
    client.force_login(editor)
    assert client.post(reverse("desk:publish", args=[t.pk]), {"when": "now", "confirm": "on"}).status_code == 403
    t.refresh_from_db()
    assert t.state == State.APPROVED


def test_correction_through_the_desk_keeps_live_text_then_publishes_a_dated_note(ed_client, editor):
    t = TranslationFactory(state=State.APPROVED)
    workflow.translation_publish(translation=t, by=editor)
    ed_client.post(reverse("desk:transition", args=[t.pk, "correct"]), {"comment": "We misspelled a name."})
    t.refresh_from_db()
    assert t.state == State.IN_PROGRESS and t.is_correction
    assert not Correction.objects.exists()


# --- Audit and stats -----------------------------------------------------------------


def test_audit_log_filters_by_action_and_actor(ed_client, editor, reviewer):
    t = TranslationFactory(state=State.IN_REVIEW)
    workflow.translation_approve(translation=t, by=reviewer)
    workflow.translation_publish(translation=t, by=editor)
    html = ed_client.get(reverse("desk:audit"), {"action": "translation.approve"}).content.decode()
    assert "<code>translation.approve</code>" in html and "<code>translation.publish</code>" not in html
    html = ed_client.get(reverse("desk:audit"), {"actor": "ed"}).content.decode()
    assert "<code>translation.publish</code>" in html and "<code>translation.approve</code>" not in html
    bad = ed_client.get(reverse("desk:audit"), {"date_from": "2026-02-02", "date_to": "2026-01-01"}).content.decode()
    assert "end date is before" in bad


def test_audit_and_stats_are_for_editors_only(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("desk:audit")).status_code == 403
    assert client.get(reverse("desk:stats")).status_code == 403


def test_stats_draw_accessible_svg_with_credit_names_only(ed_client, editor, reviewer):
    hidden = UserFactory(username="hidden_person", first_name="Real", last_name="Secretname", roles=["translator"])
    hidden.contributor.credit_mode = CreditMode.ANONYMOUS
    hidden.contributor.save()
    t = TranslationFactory(state=State.IN_REVIEW, translator=hidden)
    workflow.translation_approve(translation=t, by=reviewer)
    workflow.translation_publish(translation=t, by=editor)
    TranslationFactory(state=State.IN_PROGRESS, due_at=timezone.now() - dt.timedelta(days=1))
    html = ed_client.get(reverse("desk:stats")).content.decode()
    assert "<svg" in html and "<title>Translations published per week</title>" in html and "<desc>" in html
    assert "a volunteer translator" in html
    assert "Secretname" not in html and "hidden_person" not in html
    assert (
        '<span class="badge approved">Approved</span>' in html
    )  # median time in the approved state (approve→publish interval)
    assert "Nothing is overdue" not in html
