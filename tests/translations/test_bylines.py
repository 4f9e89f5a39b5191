"""The byline travels with the translation: opened with the standard spelling, edited in the
editor with history, frozen with the text, approved and published exactly as approved."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from reversion.models import Version

from newsroom.models import Article
from tests.factories import ArticleFactory, OutletFactory
from translations import editing, review, versions, workflow
from translations.models import State, Translation


@pytest.fixture
def okno(db):
    return OutletFactory(name="Окно", slug="okno", credit_name="Окно", name_en="Okno")


@pytest.fixture
def job(okno, editor, volunteer) -> Translation:
    article = ArticleFactory(outlet=okno, authors=["Ольга Ставицкая"])
    t = workflow.translation_create(article=article, by=editor)
    return workflow.translation_assign(translation=t, by=editor, translator=volunteer)


def _translate(t: Translation, by, **fields) -> Translation:
    blocks = {b["id"]: {"text": f"English for {b['text']}"} for b in t.source_revision.blocks}
    return editing.translation_save(
        translation=t, by=by, based_on=t.edit_version, title="A window on Minsk", blocks=blocks, **fields
    )


def _approve(t: Translation, reviewer) -> Translation:
    t = workflow.translation_submit(translation=t, by=t.translator)
    return workflow.translation_approve(translation=t, by=reviewer)


def test_a_new_job_starts_with_the_standard_byline(job):
    assert (job.byline, job.byline_outlet) == ("Olga Stavitskaya", "Okno")


def test_the_editor_shows_the_byline_fields_with_the_standard_spelling(client, job, volunteer):
    client.force_login(volunteer)
    page = client.get(job.get_absolute_url()).content.decode()
    assert re.search(r'<label for="id_byline">Byline: authors \(English\)</label>', page)
    assert 'name="byline" value="Olga Stavitskaya"' in page
    assert 'name="byline_outlet" value="Okno"' in page
    assert '<span class="kind">Byline</span> Ольга Ставицкая, Окно' in page


def test_an_edited_byline_is_saved_as_a_version_with_its_author_and_comment(client, job, volunteer):
    client.force_login(volunteer)
    response = client.post(
        job.get_absolute_url(),
        {
            "based_on": job.edit_version,
            "title": "A window on Minsk",
            "byline": "  Olga   Stavitskaya ",
            "byline_outlet": "Okno Media",
            "op": "version",
            "version_comment": "Usual spelling of her name",
        },
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.byline, job.byline_outlet) == ("Olga Stavitskaya", "Okno Media")
    version = Version.objects.get_for_object(job).select_related("revision").first()
    assert version.field_dict["byline"] == "Olga Stavitskaya"
    assert version.field_dict["byline_outlet"] == "Okno Media"
    assert version.revision.user == volunteer and version.revision.comment == "Usual spelling of her name"


def test_the_byline_autosaves_like_the_title(client, job, volunteer):
    client.force_login(volunteer)
    response = client.post(
        reverse("desk:autosave", args=[job.pk]),
        data={"based_on": job.edit_version, "byline": "Olga Stavitskaya"},
        content_type="application/json",
    )
    assert response.status_code == 200
    job.refresh_from_db()
    assert job.byline == "Olga Stavitskaya" and job.byline_outlet == "Okno"


def test_the_byline_is_frozen_with_the_text(job, volunteer, editor):
    t = workflow.translation_submit(translation=_translate(job, volunteer), by=volunteer)
    for person in (volunteer, editor):
        with pytest.raises(PermissionDenied):
            editing.translation_save(translation=t, by=person, based_on=t.edit_version, byline="Someone Else")
    t.refresh_from_db()
    assert t.byline == "Olga Stavitskaya"


def test_publication_copies_the_approved_byline_to_the_live_story(job, volunteer, reviewer, editor):
    t = _approve(_translate(job, volunteer, byline="Olga Stavitskaya"), reviewer)
    workflow.translation_publish(translation=t, by=editor)
    article = Article.objects.get(pk=job.article_id)
    assert (article.byline_en, article.byline_outlet_en) == ("Olga Stavitskaya", "Okno")


def test_a_byline_changed_after_approval_is_not_published(job, volunteer, reviewer, editor):
    t = _approve(_translate(job, volunteer, byline="Olga Stavitskaya"), reviewer)
    # Past the services (which refuse it): the working copy changes behind the reviewer's back.
    Translation.objects.filter(pk=t.pk).update(byline="Not Reviewed")
    t.refresh_from_db()
    workflow.translation_publish(translation=t, by=editor)
    article = Article.objects.get(pk=job.article_id)
    assert article.byline_en == "Olga Stavitskaya"


def test_a_byline_changed_after_submission_cannot_be_approved(job, volunteer, reviewer):
    t = workflow.translation_submit(translation=_translate(job, volunteer), by=volunteer)
    Translation.objects.filter(pk=t.pk).update(byline="Not Reviewed")
    t.refresh_from_db()
    with pytest.raises(workflow.WorkflowError):
        workflow.translation_approve(translation=t, by=reviewer)
    t.refresh_from_db()
    assert t.state == State.IN_REVIEW


def test_texts_pinned_before_bylines_keep_their_hash(job):
    snapshot = versions.text_snapshot(job)
    legacy = {k: v for k, v in snapshot.items() if k not in ("byline", "byline_outlet")}
    empty = {**snapshot, "byline": "", "byline_outlet": ""}
    assert versions.text_hash(legacy, source_revision_id=1) == versions.text_hash(empty, source_revision_id=1)
    assert versions.text_hash(snapshot, source_revision_id=1) != versions.text_hash(empty, source_revision_id=1)


def test_a_translation_approved_without_a_byline_publishes_the_standard_one(job, volunteer, reviewer, editor):
    Translation.objects.filter(pk=job.pk).update(byline="", byline_outlet="")
    job.refresh_from_db()
    t = _approve(_translate(job, volunteer), reviewer)
    workflow.translation_publish(translation=t, by=editor)
    article = Article.objects.get(pk=job.article_id)
    assert (article.byline_en, article.byline_outlet_en) == ("Olga Stavitskaya", "Okno")


def test_english_page_shows_the_latin_byline_and_the_original_names_in_the_source_credit(
    client, job, volunteer, reviewer, editor
):
    t = _approve(_translate(job, volunteer, byline="Olga Stavitskaya"), reviewer)
    workflow.translation_publish(translation=t, by=editor)
    article = Article.objects.get(pk=job.article_id)
    html = client.get(f"/articles/{article.slug_en}/").content.decode()
    header = re.search(r"<article>\s*<header>(.*?)</header>", html, re.S).group(1)
    assert re.search(r'<p class="byline">\s*By Olga Stavitskaya, Okno\.', header)
    assert "Ставицкая" not in header
    assert 'Source: <span lang="ru">Ольга Ставицкая</span>, <a href="' in html
    # The outlet is named in the page's language everywhere, the source credit too.
    assert re.search(r'<a href="[^"]+" rel="noopener">Okno</a>', html) and "Окно" not in html


def test_review_and_preview_show_the_byline_readers_will_get(client, job, volunteer, reviewer):
    t = workflow.translation_submit(translation=_translate(job, volunteer, byline="Olga Stavitskaya"), by=volunteer)
    client.force_login(reviewer)
    review = client.get(reverse("desk:review", args=[t.pk])).content.decode()
    assert '<p class="byline">By Olga Stavitskaya, Okno</p>' in review
    workflow.translation_approve(translation=t, by=reviewer)
    preview = client.get(reverse("desk:preview", args=[t.pk])).content.decode()
    assert '<p class="byline">By Olga Stavitskaya, Okno</p>' in preview


def test_history_compares_bylines_and_restoring_a_version_restores_its_byline(client, job, volunteer):
    first = editing.translation_save(
        translation=job, by=volunteer, based_on=job.edit_version, byline="Olga Stavitskaya", as_version=True
    )
    editing.translation_save(
        translation=first, by=volunteer, based_on=first.edit_version, byline="O. Stavitskaya", as_version=True
    )
    newer, older = list(Version.objects.get_for_object(job))[:2]
    client.force_login(volunteer)
    html = client.get(reverse("desk:history", args=[job.pk]), {"a": older.pk, "b": newer.pk}).content.decode()
    assert "<del>Olga</del><ins>O.</ins> Stavitskaya · Okno" in html
    t = review.version_restore(translation=Translation.objects.get(pk=job.pk), version=older, by=volunteer)
    assert t.byline == "Olga Stavitskaya"
