"""The translator's workspace pages: job board, my work, the editor, autosave, submit."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse
from reversion.models import Version

from tests.factories import ArticleFactory, TranslationFactory, UserFactory
from translations import workflow
from translations.models import Comment, GlossaryTerm, MemoryEntry, Notification, State, Translation, WorkflowEvent


@pytest.fixture
def mine(volunteer):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer, filled=False)
    return t


def _blocks(t):
    return t.source_revision.blocks


def _autosave(client, t, **data):
    return client.post(reverse("desk:autosave", args=[t.pk]), data=json.dumps(data), content_type="application/json")


# --- job board -------------------------------------------------------------------------


def test_job_board_lists_open_jobs_with_length_and_topic(client, volunteer):
    article = ArticleFactory(blocks=["Раз два три.", "Четыре пять."], source_tags=["протесты"])
    TranslationFactory(article=article)
    taken = TranslationFactory(state=State.IN_PROGRESS)
    client.force_login(volunteer)
    html = client.get(reverse("desk:jobs")).content.decode()
    assert article.source_title in html
    assert "5 words" in html
    assert "протесты" in html
    assert taken.article.source_title not in html
    assert reverse("desk:transition", args=[article.translations.get().pk, "claim"]) in html


def test_job_board_filters_by_length_language_outlet_and_due(client, volunteer):
    import datetime as dt

    from django.utils import timezone

    short = TranslationFactory(
        article=ArticleFactory(blocks=["Коротко."]), due_at=timezone.now() + dt.timedelta(days=1)
    )
    long = TranslationFactory(
        article=ArticleFactory(blocks=["Очень " * 50 + "длинно."]), due_at=timezone.now() + dt.timedelta(days=9)
    )
    be = TranslationFactory(article=ArticleFactory(language="be", blocks=["Беларускі тэкст."]))
    client.force_login(volunteer)
    html = client.get(reverse("desk:jobs"), {"max_words": 10}).content.decode()
    assert short.article.source_title in html and long.article.source_title not in html
    html = client.get(reverse("desk:jobs"), {"language": "be"}).content.decode()
    assert be.article.source_title in html and short.article.source_title not in html
    due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    html = client.get(reverse("desk:jobs"), {"due_before": due}).content.decode()
    assert short.article.source_title in html and long.article.source_title not in html


def test_job_board_is_for_desk_members_only(client):
    client.force_login(UserFactory(roles=[]))
    assert client.get(reverse("desk:jobs")).status_code == 403


def test_claim_from_board_makes_job_mine_and_lists_it_in_my_work(client, volunteer):
    t = TranslationFactory()
    client.force_login(volunteer)
    response = client.post(reverse("desk:transition", args=[t.pk, "claim"]))
    assert response.status_code == 302
    t.refresh_from_db()
    assert (t.state, t.translator) == (State.IN_PROGRESS, volunteer)
    html = client.get(reverse("desk:mine")).content.decode()
    assert t.article.source_title in html and "In progress" in html


# --- the editor ----------------------------------------------------------------------


def test_editor_shows_source_blocks_marked_with_language_next_to_textareas(client, mine, volunteer):
    client.force_login(volunteer)
    html = client.get(reverse("desk:translation", args=[mine.pk])).content.decode()
    assert "<main" in html
    for block in _blocks(mine):
        assert f'name="b-{block["id"]}-text"' in html
        assert f'<label for="b-{block["id"]}-text">' in html
        assert block["text"] in html
    assert 'class="source" lang="ru"' in html
    assert "js/editor.js" in html and "css/editor.css" in html
    assert 'aria-live="polite"' in html


def test_editor_shows_embeds_and_images_untranslated_but_image_caption_field(client, volunteer):
    article = ArticleFactory(blocks=["Абзац."])
    rev = article.current_revision
    rev.blocks = [
        *rev.blocks,
        {
            "id": "img1",
            "kind": "image",
            "text": "Пикет у МИД",
            "html": "",
            "attrs": {"src": "https://x/a.jpg", "caption": "Пикет у МИД"},
        },
        {
            "id": "emb1",
            "kind": "embed",
            "text": "",
            "html": "",
            "attrs": {"provider": "youtube", "url": "https://youtube.com/x"},
        },
    ]
    rev.save()
    t = TranslationFactory(article=article, state=State.IN_PROGRESS, translator=volunteer, filled=False)
    client.force_login(volunteer)
    html = client.get(reverse("desk:translation", args=[t.pk])).content.decode()
    assert 'name="b-img1-text"' in html and "Caption of image" in html
    assert 'name="b-emb1-text"' not in html
    assert "Embedded youtube" in html


def test_volunteer_cannot_open_someone_elses_translation(client, volunteer):
    other = TranslationFactory(state=State.IN_PROGRESS)
    client.force_login(volunteer)
    assert client.get(reverse("desk:translation", args=[other.pk])).status_code == 404


def test_reviewer_sees_read_only_editor_with_actions(client, reviewer):
    t = TranslationFactory(state=State.IN_REVIEW)
    client.force_login(reviewer)
    html = client.get(reverse("desk:translation", args=[t.pk])).content.decode()
    assert 'id="editor-form"' not in html
    assert reverse("desk:transition", args=[t.pk, "approve"]) in html
    assert reverse("desk:transition", args=[t.pk, "request_changes"]) in html
    assert "English for:" in html


def test_plain_form_save_updates_text_without_version(client, mine, volunteer):
    client.force_login(volunteer)
    first = _blocks(mine)[0]["id"]
    response = client.post(
        reverse("desk:translation", args=[mine.pk]),
        {"based_on": mine.edit_version, "title": "Picket", f"b-{first}-text": "First paragraph.", "op": "save"},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.title == "Picket" and mine.block_text(first) == "First paragraph."
    assert Version.objects.get_for_object(mine).count() == 0


def test_save_version_creates_revision_with_user_and_comment(client, mine, volunteer):
    client.force_login(volunteer)
    first = _blocks(mine)[0]["id"]
    client.post(
        reverse("desk:translation", args=[mine.pk]),
        {
            "based_on": mine.edit_version,
            "title": "Picket",
            f"b-{first}-text": "Draft one.",
            "op": "version",
            "version_comment": "First draft done",
        },
    )
    versions = Version.objects.get_for_object(mine)
    assert versions.count() == 1
    assert versions[0].revision.user == volunteer
    assert versions[0].revision.comment == "First draft done"


def test_leave_out_and_notes_are_saved_apart_from_blocks(client, mine, volunteer):
    client.force_login(volunteer)
    first, second = _blocks(mine)[0]["id"], _blocks(mine)[1]["id"]
    client.post(
        reverse("desk:translation", args=[mine.pk]),
        {
            "based_on": mine.edit_version,
            f"b-{first}-omitted": "1",
            f"b-{first}-reason": "Repeats the lead",
            f"b-{first}-text": "",
            f"newnote-{second}": "Translator's note: the MFA is the foreign ministry.",
            "tags": "Belarus, protests",
        },
    )
    mine.refresh_from_db()
    assert mine.blocks[first] == {"text": "", "omitted": True, "reason": "Repeats the lead"}
    assert mine.notes == [
        {"id": "1", "after": second, "text": "Translator's note: the MFA is the foreign ministry.", "keep": True}
    ]
    assert second not in mine.blocks
    assert mine.tags == "Belarus, protests"
    html = client.get(reverse("desk:translation", args=[mine.pk])).content.decode()
    assert 'name="note-1-text"' in html


def test_stale_plain_save_keeps_my_text_and_shows_theirs(client, mine, volunteer, editor):
    from translations import editing

    first = _blocks(mine)[0]["id"]
    old = mine.edit_version
    editing.translation_save(translation=mine, by=editor, based_on=old, blocks={first: {"text": "Editor's text."}})
    client.force_login(volunteer)
    response = client.post(
        reverse("desk:translation", args=[mine.pk]), {"based_on": old, f"b-{first}-text": "My own words."}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "My own words." in html and "Editor&#x27;s text." in html
    assert "Nothing was overwritten" in html
    mine.refresh_from_db()
    assert mine.block_text(first) == "Editor's text."
    # The re-rendered form is based on the current version, so saving again is a deliberate choice.
    assert f'name="based_on" value="{mine.edit_version}"' in html


def test_autosave_returns_new_version_and_makes_no_revision(client, mine, volunteer):
    client.force_login(volunteer)
    first = _blocks(mine)[0]["id"]
    response = _autosave(client, mine, based_on=mine.edit_version, blocks={first: {"text": "Typed."}}, title="T")
    assert response.status_code == 200
    body = response.json()
    mine.refresh_from_db()
    assert body["edit_version"] == mine.edit_version == 1
    assert mine.block_text(first) == "Typed." and mine.title == "T"
    assert Version.objects.get_for_object(mine).count() == 0


def test_autosave_stale_returns_409_with_both_texts(client, mine, volunteer):
    client.force_login(volunteer)
    first = _blocks(mine)[0]["id"]
    _autosave(client, mine, based_on=0, blocks={first: {"text": "Tab one."}})
    response = _autosave(client, mine, based_on=0, blocks={first: {"text": "Tab two."}})
    assert response.status_code == 409
    body = response.json()
    assert body["current"]["blocks"][first]["text"] == "Tab one."
    assert body["mine"]["blocks"][first]["text"] == "Tab two."
    assert body["current_version"] == 1
    mine.refresh_from_db()
    assert mine.block_text(first) == "Tab one."


def test_autosave_by_non_assignee_is_403(client, reviewer):
    t = TranslationFactory(state=State.IN_PROGRESS)
    client.force_login(reviewer)
    response = _autosave(client, t, based_on=t.edit_version, title="Hijack")
    assert response.status_code == 403
    t.refresh_from_db()
    assert t.title != "Hijack"


def test_autosave_requires_csrf_token(mine, volunteer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(volunteer)
    response = _autosave(client, mine, based_on=0, title="x")
    assert response.status_code == 403


def test_autosave_rejects_malformed_body(client, mine, volunteer):
    client.force_login(volunteer)
    response = client.post(reverse("desk:autosave", args=[mine.pk]), data="nope", content_type="application/json")
    assert response.status_code == 400


# --- checks, submit -------------------------------------------------------------------


def test_submit_with_untranslated_block_is_refused_with_errors_shown(client, mine, volunteer):
    client.force_login(volunteer)
    first = _blocks(mine)[0]["id"]
    response = client.post(
        reverse("desk:submit", args=[mine.pk]),
        {"based_on": mine.edit_version, "title": "Picket", f"b-{first}-text": "Only the first."},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Not translated yet" in html and "must be fixed first" in html
    mine.refresh_from_db()
    assert mine.state == State.IN_PROGRESS
    assert mine.block_text(first) == "Only the first."  # what was typed is saved anyway


def test_submit_with_only_warnings_goes_to_review(client, mine, volunteer, django_capture_on_commit_callbacks):
    client.force_login(volunteer)
    blocks = _blocks(mine)
    data = {"based_on": mine.edit_version, "title": "Picket", "comment": "Ready"}
    for b in blocks:
        data[f"b-{b['id']}-text"] = "Text without the numbers."
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("desk:submit", args=[mine.pk]), data)
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.state == State.IN_REVIEW
    event = WorkflowEvent.objects.filter(translation=mine).last()
    assert (event.action, event.comment) == ("submit", "Ready")


def test_editor_shows_number_warning_per_block(client, volunteer):
    article = ArticleFactory(blocks=["Пришли 1 200 человек."])
    t = TranslationFactory(article=article, state=State.IN_PROGRESS, translator=volunteer, filled=False)
    bid = _blocks(t)[0]["id"]
    t.blocks = {bid: {"text": "About 1,300 people came."}}
    t.save()
    client.force_login(volunteer)
    html = client.get(reverse("desk:translation", args=[t.pk])).content.decode()
    assert "Numbers differ" in html and "1200" in html


# --- help: glossary and memory ---------------------------------------------------------


def test_editor_shows_glossary_hit_for_inflected_term(client, volunteer):
    GlossaryTerm.objects.create(source_term="Окрестина", target_term="Okrestin")
    article = ArticleFactory(blocks=["Задержанных отвезли на Окрестиной улице."])
    t = TranslationFactory(article=article, state=State.IN_PROGRESS, translator=volunteer, filled=False)
    client.force_login(volunteer)
    html = client.get(reverse("desk:translation", args=[t.pk])).content.decode()
    assert re.search(r"Окрестиной</span> → <strong lang=\"en\">Okrestin</strong>", html)


def test_editor_offers_memory_suggestion_for_similar_paragraph(client, volunteer):
    MemoryEntry.objects.create(
        source_language="ru",
        target_language="en",
        source_text="Сотрудники МИД вышли на пикет против насилия.",
        target_text="MFA employees picketed against violence.",
    )
    article = ArticleFactory(blocks=["Сотрудники МИД вышли на пикет против насилия в среду."])
    t = TranslationFactory(article=article, state=State.IN_PROGRESS, translator=volunteer, filled=False)
    client.force_login(volunteer)
    # The editor page looks nothing up: it links the memory, asked per paragraph on demand.
    html = client.get(reverse("desk:translation", args=[t.pk])).content.decode()
    assert "MFA employees picketed against violence." not in html
    memory_url = reverse("desk:memory", args=[t.pk])
    assert f'href="{memory_url}"' in html and f'data-memory-url="{memory_url}"' in html
    block = t.source_revision.blocks[0]["id"]
    answer = client.get(memory_url, {"block": block}).json()
    assert answer["block"] == block
    [suggestion] = answer["suggestions"]
    assert suggestion["target_text"] == "MFA employees picketed against violence."
    assert 30 <= suggestion["similarity"] <= 100
    # Without scripts, the memory page lists every paragraph's suggestions.
    page = client.get(memory_url).content.decode()
    assert "MFA employees picketed against violence." in page and "Paragraph 1" in page


def test_memory_is_offered_only_to_whoever_may_edit_now(client, volunteer, reviewer):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer, filled=False)
    client.force_login(reviewer)
    url = reverse("desk:memory", args=[t.pk])
    assert client.get(url, {"block": "x"}).status_code == 403
    assert client.post(url).status_code == 405


# --- after review ---------------------------------------------------------------------


def test_translator_sees_changes_requested_and_block_comments_and_can_reply(
    client, volunteer, reviewer, django_capture_on_commit_callbacks
):
    t = TranslationFactory(state=State.IN_REVIEW, translator=volunteer)
    bid = _blocks(t)[1]["id"]
    root = Comment.objects.create(translation=t, author=reviewer, block_id=bid, body="Check the number.")
    workflow.translation_request_changes(translation=t, by=reviewer, comment="Paragraph 2 misses the count.")
    client.force_login(volunteer)
    html = client.get(reverse("desk:translation", args=[t.pk])).content.decode()
    assert "Changes requested" in html and "Paragraph 2 misses the count." in html
    assert "Check the number." in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("desk:comment_reply", args=[root.pk]), {"body": "Fixed: 1,200."})
    assert response.status_code == 302
    reply = Comment.objects.get(parent=root)
    assert (reply.author, reply.block_id, reply.body) == (volunteer, bid, "Fixed: 1,200.")


def test_comment_reply_on_invisible_translation_is_404(client, volunteer, reviewer):
    t = TranslationFactory(state=State.IN_REVIEW)
    root = Comment.objects.create(translation=t, author=reviewer, body="x")
    client.force_login(volunteer)
    assert client.post(reverse("desk:comment_reply", args=[root.pk]), {"body": "hi"}).status_code == 404
    assert not Comment.objects.filter(parent=root).exists()


# --- notifications -----------------------------------------------------------------------


def test_notifications_list_and_mark_read(client, volunteer):
    n1 = Notification.objects.create(user=volunteer, kind="assigned", key="k1", text="A job is yours", url="/desk/")
    Notification.objects.create(user=volunteer, kind="approved", key="k2", text="Approved: X")
    other = Notification.objects.create(user=UserFactory(roles=["translator"]), kind="assigned", key="k3", text="Other")
    client.force_login(volunteer)
    html = client.get(reverse("desk:notifications")).content.decode()
    assert "2 unread" in html and "A job is yours" in html and "Other" not in html
    client.post(reverse("desk:notifications_read"), {"id": n1.pk})
    n1.refresh_from_db()
    assert n1.read_at is not None
    client.post(reverse("desk:notifications_read"), {"id": other.pk})
    other.refresh_from_db()
    assert other.read_at is None
    client.post(reverse("desk:notifications_read"))
    assert not Notification.objects.filter(user=volunteer, read_at__isnull=True).exists()


# --- glossary page ---------------------------------------------------------------------------


def test_glossary_readable_by_members_editable_by_editors(client, volunteer, editor):
    client.force_login(volunteer)
    assert client.get(reverse("desk:glossary")).status_code == 200
    assert client.post(reverse("desk:glossary"), {"source_term": "МИД", "target_term": "MFA"}).status_code == 403
    client.force_login(editor)
    client.post(reverse("desk:glossary"), {"source_term": "МИД", "target_term": "MFA", "source_language": "ru"})
    term = GlossaryTerm.objects.get(source_term="МИД")
    client.post(
        reverse("desk:glossary_edit", args=[term.pk]),
        {"source_term": "МИД", "target_term": "Foreign Ministry", "source_language": "ru"},
    )
    term.refresh_from_db()
    assert term.target_term == "Foreign Ministry"
    client.force_login(volunteer)
    assert client.post(reverse("desk:glossary_delete", args=[term.pk])).status_code == 403
    client.force_login(editor)
    client.post(reverse("desk:glossary_delete", args=[term.pk]))
    assert not GlossaryTerm.objects.exists()


# --- profile ------------------------------------------------------------------------------


def test_profile_saves_credit_choice_and_muted_kinds_but_not_staff_flag(client, volunteer):
    client.force_login(volunteer)
    response = client.post(
        reverse("desk:profile"),
        {
            "first_name": "Veranika",
            "last_name": "Papkouskaya",
            "languages": ["ru", "be"],
            "is_volunteer": "",  # a volunteer cannot make themself staff (or vice versa)
            "credit_mode": "pseudonym",
            "pseudonym": "Vera P.",
            "has_public_profile": "on",
            "public_slug": "vera-p",
            "bio": "Translates from Minsk.",
            "muted_notifications": ["comment"],
        },
    )
    assert response.status_code == 302
    c = volunteer.contributor
    c.refresh_from_db()
    assert (c.credit_mode, c.pseudonym, c.public_slug, c.languages) == ("pseudonym", "Vera P.", "vera-p", ["ru", "be"])
    assert c.muted_notifications == ["comment"] and c.is_volunteer is True
    assert c.credit_name() == "Vera P."


def test_profile_refuses_slug_with_real_name_for_pseudonymous(client, volunteer):
    client.force_login(volunteer)
    response = client.post(
        reverse("desk:profile"),
        {
            "first_name": "Veranika",
            "last_name": "Papkouskaya",
            "credit_mode": "pseudonym",
            "pseudonym": "Vera P.",
            "has_public_profile": "on",
            "public_slug": "veranika-papkouskaya",
        },
    )
    assert response.status_code == 200
    assert "contains your real name" in response.content.decode()
    volunteer.contributor.refresh_from_db()
    assert volunteer.contributor.public_slug == ""


def test_editor_may_set_staff_flag(client, editor):
    client.force_login(editor)
    client.post(reverse("desk:profile"), {"credit_mode": "real_name", "is_volunteer": ""})
    editor.contributor.refresh_from_db()
    assert editor.contributor.is_volunteer is False


def test_open_job_editor_page_shows_claim_button(client, volunteer):
    t = TranslationFactory()
    client.force_login(volunteer)
    html = client.get(reverse("desk:translation", args=[t.pk])).content.decode()
    assert "Claim this job" in html and 'id="editor-form"' not in html
    assert Translation.objects.get(pk=t.pk).state == State.OPEN


# --- limits and clean paste ---------------------------------------------------------------

LONG_PASTE = "Слова " * 20_834  # 125,004 characters, far over a paragraph's limit


def test_form_save_of_a_paragraph_over_its_limit_is_refused_whole_and_the_text_kept(client, mine, volunteer):
    client.force_login(volunteer)
    first = _blocks(mine)[0]["id"]
    response = client.post(
        reverse("desk:translation", args=[mine.pk]),
        {"based_on": mine.edit_version, "title": "Picket", f"b-{first}-text": LONG_PASTE, "op": "save"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Paragraph 1 is 125,004 characters long; it can be at most 20,000." in html
    assert "Nothing was saved" in html and LONG_PASTE.strip() in html  # the text stays in its box
    # The limit is stated once and each box points at it (aria-describedby).
    assert "Up to 20000 characters in each paragraph or caption box." in html
    assert f'id="b-{first}-text" name="b-{first}-text" rows="4" data-part="text" aria-describedby="text-limit"' in html
    title = mine.title
    mine.refresh_from_db()
    assert mine.edit_version == 0 and mine.title == title and mine.block_text(first) == ""


def test_autosave_over_a_limit_answers_422_with_the_sentence_and_writes_nothing(client, mine, volunteer):
    client.force_login(volunteer)
    first = _blocks(mine)[0]["id"]
    response = _autosave(client, mine, based_on=mine.edit_version, title="T", blocks={first: {"text": LONG_PASTE}})
    assert response.status_code == 422
    assert response.json() == {
        "error": "too_long",
        "message": "Paragraph 1 is 125,004 characters long; it can be at most 20,000. "
        "Nothing was saved: shorten it or split it, and save again.",
    }
    title = mine.title
    mine.refresh_from_db()
    assert mine.edit_version == 0 and mine.title == title and mine.block_text(first) == ""
    response = _autosave(client, mine, based_on=0, byline="x" * 501)
    assert response.status_code == 422 and "The byline is 501 characters long" in response.json()["message"]


def test_every_route_stores_pasted_text_clean(client, mine, volunteer):
    client.force_login(volunteer)
    first, second = _blocks(mine)[0]["id"], _blocks(mine)[1]["id"]
    dirty = "\ufeffPara\u00adsites\u200b in\u00a0Minsk: 5\u00a0km.\n•\tFirst point\n\u2060·\tSecond"
    clean = "Parasites in Minsk: 5\u00a0km.\nFirst point\nSecond"
    response = client.post(
        reverse("desk:translation", args=[mine.pk]),
        {"based_on": mine.edit_version, "title": "Para\u00adsites\u00a0T", f"b-{first}-text": dirty, "op": "save"},
    )
    assert response.status_code == 302
    response = _autosave(client, mine, based_on=1, blocks={second: {"text": dirty}}, lead="Le\u200bad\u00a0x")
    assert response.status_code == 200
    mine.refresh_from_db()
    assert mine.title == "Parasites T" and mine.lead == "Lead x"
    assert mine.block_text(first) == clean and mine.block_text(second) == clean
