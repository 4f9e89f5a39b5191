"""A quote's attribution and a picture's photographer are parts of the text like any other: offered
in the editor with the spelling readers get when left empty, saved by ``editing.translation_save``
(limits, authors, versions), and shown on the review page with each picture, its caption, alt text
and the one credit line readers will see."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import reverse

from newsroom.models import SourceRevision
from tests.factories import ArticleFactory, TranslationFactory
from tests.mt_fake import libre_server  # noqa: F401 - a fixture
from tests.newsroom.test_credits import _story_from_fixture, _translate_everything_but_names
from tests.newsroom.test_credits import vektar as vektar  # noqa: F401 - the fixture
from translations import editing, machine_drafts, workflow
from translations.models import State, Translation


@pytest.fixture
def job(vektar: Any, editor: Any, volunteer: Any) -> Translation:  # noqa: F811
    t = workflow.translation_create(article=_story_from_fixture(vektar), by=editor)
    return workflow.translation_assign(translation=t, by=editor, translator=volunteer)


def _ids(t: Translation, kind: str) -> list[str]:
    return [b["id"] for b in t.source_revision.blocks if b["kind"] == kind]


def test_the_editor_offers_the_attribution_and_each_photographer_with_the_spelling_readers_get(
    client: Any, job: Translation, volunteer: Any
) -> None:
    client.force_login(volunteer)

    page = client.get(job.get_absolute_url()).content.decode()

    [quote] = _ids(job, "quote")
    assert re.search(rf'<label for="b-{quote}-cite">Who is quoted in quote \d+ \(English\)</label>', page)
    assert f'name="b-{quote}-cite" value=""' in page
    assert 'The source: <span lang="be">Алена Кірыловіч</span>. Left empty, readers get “Alena Kirylovič”' in page
    for image in _ids(job, "image"):
        assert f'name="b-{image}-credit"' in page and 'data-part="credit"' in page
    # The job opened with the byline's standard spelling: the photographers left empty get the same.
    assert page.count("Left empty, readers get “Jaŭhenija Ramančuk”") == 3


def test_the_editor_form_saves_the_attribution_and_the_photographer_as_the_translators_text(
    client: Any, job: Translation, volunteer: Any
) -> None:
    [quote] = _ids(job, "quote")
    image = _ids(job, "image")[0]
    client.force_login(volunteer)

    response = client.post(
        job.get_absolute_url(),
        {
            "based_on": job.edit_version,
            "title": "Paper gardens",
            f"b-{quote}-text": "“Paper seems weak…”",
            f"b-{quote}-cite": "  Alena   Kirylovich, artist ",
            f"b-{image}-text": "The Family Tree panel.",
            f"b-{image}-credit": "Yauheniya Ramanchuk",
            "op": "version",
            "version_comment": "Names",
        },
    )

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.blocks[quote]["cite"] == "Alena Kirylovich, artist"
    assert job.blocks[image]["credit"] == "Yauheniya Ramanchuk"
    assert {"user": volunteer.pk} in job.authors["blocks"][quote]
    assert {"user": volunteer.pk} in job.authors["blocks"][image]


def test_an_autosave_carries_the_attribution(client: Any, job: Translation, volunteer: Any) -> None:
    [quote] = _ids(job, "quote")
    client.force_login(volunteer)

    response = client.post(
        reverse("desk:autosave", args=[job.pk]),
        json.dumps({"based_on": job.edit_version, "blocks": {quote: {"text": "A quote", "cite": "Alena Kirylovich"}}}),
        content_type="application/json",
    )

    assert response.status_code == 200
    job.refresh_from_db()
    assert job.blocks[quote] == {"text": "A quote", "omitted": False, "reason": "", "cite": "Alena Kirylovich"}


def test_an_attribution_over_its_limit_is_refused_whole(job: Translation, volunteer: Any) -> None:
    [quote] = _ids(job, "quote")
    before = job.edit_version

    with pytest.raises(editing.TextTooLong) as refused:
        editing.translation_save(
            translation=job,
            by=volunteer,
            based_on=job.edit_version,
            blocks={quote: {"text": "A quote", "cite": "A" * 301}},
        )

    assert re.match(
        r"The attribution of quote \d+ is 301 characters long; it can be at most 300\.", refused.value.message
    )
    job.refresh_from_db()
    assert job.edit_version == before and quote not in job.blocks


def test_the_review_page_shows_each_picture_with_its_caption_alt_text_and_credit_line(
    client: Any, job: Translation, volunteer: Any, reviewer: Any
) -> None:
    # One picture of the source has no caption at all.
    revision = job.source_revision
    blocks = revision.blocks
    bare = next(b for b in blocks if b["kind"] == "image")
    bare["attrs"]["caption"] = None
    bare["text"] = bare["attrs"]["alt"]
    SourceRevision.objects.filter(pk=revision.pk).update(blocks=blocks)
    job.refresh_from_db()
    t = _translate_everything_but_names(job, volunteer, byline="Yauheniya Ramanchuk")
    t = workflow.translation_submit(translation=t, by=volunteer)
    client.force_login(reviewer)

    html = client.get(reverse("desk:review", args=[t.pk])).content.decode()

    assert len(re.findall(r'<figure class="review-picture"><img src="/media/images/t/', html)) == 3
    assert html.count("<em>Alt text:</em> Paper cut-outs on a wall") == 3
    assert html.count("<em>Credit readers see:</em> Photo: Yauheniya Ramanchuk / Kulturny Vektar") == 3
    assert '<span class="muted" lang="en">(no caption)</span>' in html  # the source's bare picture
    assert not re.search(r"\bNone\b(?! yet)", html)  # never "[image] None"
    # The quote's attribution, left empty, is shown as readers will get it.
    assert "<em>Quoted:</em> Alena Kirylovič" in html


def test_one_person_spelt_two_ways_in_one_story_cannot_be_submitted(job: Translation, volunteer: Any) -> None:
    image = _ids(job, "image")[1]
    t = _translate_everything_but_names(job, volunteer)  # the byline keeps "Jaŭhenija Ramančuk"
    entry = {**t.blocks[image], "credit": "Yauheniya Ramanchuk"}
    t = editing.translation_save(translation=t, by=volunteer, based_on=t.edit_version, blocks={image: entry})

    with pytest.raises(workflow.SubmitRefused):
        workflow.translation_submit(translation=t, by=volunteer)

    [problem] = [p for p in workflow.translation_problems(translation=t) if p.code == "name_spelling"]
    assert problem.is_error and problem.block_id == image
    assert problem.message == (
        "Яўгенія Раманчук is spelt “Jaŭhenija Ramančuk” elsewhere in this story and “Yauheniya Ramanchuk” here: "
        "give readers one spelling."
    )
    t = editing.translation_save(translation=t, by=volunteer, based_on=t.edit_version, byline="Yauheniya Ramanchuk")
    assert not [p for p in workflow.translation_problems(translation=t) if p.code == "name_spelling"]


def test_a_machine_draft_of_a_quote_keeps_the_attribution_typed_before(
    libre_server: Any,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    article = ArticleFactory(blocks=["«Бумага помнит каждое движение руки»"])
    revision = article.current_revision
    blocks = revision.blocks
    blocks[0].update(kind="quote", attrs={"cite": "Алена Кирилович"})
    SourceRevision.objects.filter(pk=revision.pk).update(blocks=blocks)
    t = TranslationFactory(article=article, state=State.IN_PROGRESS, filled=False)
    quote = t.source_revision.blocks[0]["id"]
    t = editing.translation_save(
        translation=t,
        by=t.translator,
        based_on=t.edit_version,
        blocks={quote: {"text": "", "cite": "Alena Kirylovich"}},
    )

    with django_capture_on_commit_callbacks(execute=True):
        machine_drafts.machine_draft_request(translation=t, by=t.translator)

    t.refresh_from_db()
    assert t.blocks[quote]["text"].startswith("EN: ")
    assert t.blocks[quote]["cite"] == "Alena Kirylovich"
