"""English bylines in a real browser: the translator corrects the standard transliteration of
the author's name in the editor, the reviewer approves it, the editor publishes, and readers
see the edited Latin byline while the source credit keeps the original names."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from newsroom.models import Article, Outlet
from tests.factories import ArticleFactory, UserFactory
from translations import editing, workflow
from translations.models import State, Translation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_translator_edits_the_byline_and_readers_see_it_once_published(page_for):
    okno = Outlet.objects.create(name="Окно", slug="okno", credit_name="Окно", language="ru")
    article = ArticleFactory(outlet=okno, authors=["Ольга Ставицкая"])
    editor = UserFactory(username="editor1", roles=["editor"])
    reviewer = UserFactory(username="reviewer1", roles=["reviewer"])
    volunteer = UserFactory(username="volunteer1", roles=["translator"])
    t = workflow.translation_create(article=article, by=editor)
    t = workflow.translation_assign(translation=t, by=editor, translator=volunteer, reviewer=reviewer)
    blocks = {b["id"]: {"text": f"English paragraph {i + 1}."} for i, b in enumerate(t.source_revision.blocks)}
    editing.translation_save(
        translation=t, by=volunteer, based_on=t.edit_version, title="Diplomats picket the ministry", blocks=blocks
    )

    # The editor offers the standard spelling, folded under the byline line; the translator opens
    # it and writes the spelling the author uses herself.
    vol = page_for(volunteer)
    vol.goto(f"/desk/t/{t.pk}/")
    summary = vol.locator("details.byline-edit > summary")
    expect(summary).to_contain_text("By Olga Stavitskaya, Okno")
    summary.click()
    byline = vol.get_by_label("Byline: authors (English)")
    expect(byline).to_have_value("Olga Stavitskaya")
    expect(vol.get_by_label("Byline: outlet (English)")).to_have_value("Okno")
    byline.fill("Volha Stavitskaya")
    vol.get_by_role("button", name="Submit for review").click()
    expect(vol.locator(".messages").get_by_text("Sent for review.", exact=True)).to_be_visible()
    t.refresh_from_db()
    assert (t.state, t.byline) == (State.IN_REVIEW, "Volha Stavitskaya")

    # The reviewer sees the byline readers will get, and approves it with the text.
    rev = page_for(reviewer)
    rev.goto(f"/desk/t/{t.pk}/review/")
    expect(rev.locator("p.byline")).to_have_text("By Volha Stavitskaya, Okno")
    rev.get_by_role("button", name="Approve").click()
    expect(rev.locator(".messages").get_by_text("Approved.", exact=True)).to_be_visible()

    ed = page_for(editor)
    ed.goto(f"/desk/t/{t.pk}/preview/")
    expect(ed.locator("article.preview p.byline")).to_have_text("By Volha Stavitskaya, Okno")
    ed.get_by_label("I have checked the credits and the preview.").check()
    ed.get_by_role("button", name="Confirm credits and publish").click()
    expect(ed.locator(".messages").get_by_text("Published.", exact=True)).to_be_visible()
    assert Translation.objects.get(pk=t.pk).state == State.PUBLISHED

    reader = page_for(None)
    reader.goto(Article.objects.get(pk=article.pk).get_absolute_url())
    expect(reader.locator("article > header p.byline")).to_contain_text(re.compile(r"^\s*By Volha Stavitskaya, Okno\."))
    expect(reader.locator("article > header")).not_to_contain_text("Ставицкая")
    original = reader.locator("footer.attribution span[lang='ru']")
    expect(original).to_have_text("Ольга Ставицкая")
    # The outlet is named in the page's language there too (its credit name, transliterated).
    expect(reader.locator("footer.attribution a")).to_have_text("Okno")
    expect(reader.locator("body")).not_to_contain_text("Окно")
