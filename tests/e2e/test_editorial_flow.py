"""The whole editorial story in a real browser: import → job → translate → review → publish →
read → correct. One browser context per person.

The volunteer's typing goes through ``editing.translation_save`` (the service behind the
translator's editor, owned by the workspace pages); every other step is a click in the browser.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from newsroom.models import Article, Correction, Outlet
from tests.factories import UserFactory
from translations import editing
from translations.models import CreditMode, State, Translation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _type_translation(t: Translation, *, words: str) -> Translation:
    t.refresh_from_db()
    blocks = {b["id"]: {"text": f"{words} {i + 1}."} for i, b in enumerate(t.source_revision.blocks)}
    return editing.translation_save(
        translation=t,
        by=t.translator,
        based_on=t.edit_version,
        title="MFA Employees Hold Picket Lines Against Police Brutality In Belarus",
        blocks=blocks,
        as_version=True,
        comment="Draft",
    )


def test_editorial_flow_from_import_to_correction(page_for, fixture_server, monkeypatch):
    monkeypatch.setattr("django.conf.settings.DESK_IMPORT_ALLOW_LOOPBACK", True)
    Outlet.objects.create(name="TUT.BY", slug="tut-by", credit_name="TUT.BY", site_url=fixture_server)
    editor = UserFactory(username="editor1", roles=["editor"])
    reviewer = UserFactory(username="reviewer1", roles=["reviewer"])
    volunteer = UserFactory(username="volunteer1", first_name="Veranika", last_name="Papkouskaya", roles=["translator"])
    volunteer.contributor.credit_mode = CreditMode.REAL_NAME
    volunteer.contributor.save()
    ed = page_for(editor)
    rev = page_for(reviewer)
    vol = page_for(volunteer)

    # The editor imports the story over real HTTP and opens a job from the article page.
    ed.goto("/desk/import/")
    ed.get_by_label("Address of the story").fill(f"{fixture_server}/sources/site/mfa-picket.html")
    ed.get_by_role("button", name="Import").click()
    ed.wait_for_url(re.compile(r"/desk/a/\d+/$"))
    article = Article.objects.get()
    assert article.outlet.slug == "tut-by"
    ed.get_by_role("button", name="Open a job: translate into English").click()
    ed.wait_for_url(re.compile(r"/desk/t/\d+/assign/$"))
    t = Translation.objects.get(article=article)

    # … and assigns it to the volunteer, with a reviewer.
    ed.get_by_label("Translator").select_option(str(volunteer.pk))
    ed.get_by_label("Reviewer").select_option(str(reviewer.pk))
    ed.get_by_role("button", name="Assign").click()
    ed.wait_for_url(f"**/desk/t/{t.pk}/")
    t.refresh_from_db()
    assert (t.state, t.translator, t.reviewer) == (State.IN_PROGRESS, volunteer, reviewer)

    # The volunteer translates and submits.
    _type_translation(t, words="English paragraph")
    vol.goto(f"/desk/t/{t.pk}/")
    vol.get_by_role("button", name="Submit").click()
    expect(vol.locator(".messages").get_by_text("Sent for review.", exact=True)).to_be_visible()

    # The reviewer asks for changes, with a reason.
    rev.goto(f"/desk/t/{t.pk}/review/")
    rev.get_by_label("What needs to change").fill("Paragraph 1 misses the date.")
    rev.get_by_role("button", name="Request changes").click()
    expect(
        rev.locator(".messages").get_by_text("Changes requested; the translator has been told.", exact=True)
    ).to_be_visible()

    # The volunteer fixes it and submits again; the reviewer sees the word diff and approves.
    _type_translation(t, words="Corrected English paragraph")
    vol.goto(f"/desk/t/{t.pk}/")
    vol.get_by_role("button", name="Submit").click()
    expect(vol.locator(".messages").get_by_text("Sent for review.", exact=True)).to_be_visible()
    rev.goto(f"/desk/t/{t.pk}/review/")
    expect(rev.locator("ins", has_text="Corrected").first).to_be_visible()
    rev.get_by_role("button", name="Approve").click()
    expect(rev.locator(".messages").get_by_text("Approved.", exact=True)).to_be_visible()

    # The editor previews, confirms the credits and publishes.
    ed.goto(f"/desk/t/{t.pk}/preview/")
    expect(ed.get_by_text(re.compile(r"^Source: Алеся Шумейко, TUT\.BY"))).to_be_visible()
    ed.get_by_label("I have checked the credits and the preview.").check()
    ed.get_by_role("button", name="Confirm credits and publish").click()
    expect(ed.locator(".messages").get_by_text("Published.", exact=True)).to_be_visible()
    article.refresh_from_db()
    assert article.slug_en

    # A reader sees the English text, the source and the translator's credit.
    reader = page_for(None)
    reader.goto(f"/{article.get_absolute_url().lstrip('/')}")
    expect(reader.get_by_text("Corrected English paragraph 1.")).to_be_visible()
    expect(reader.locator("footer.attribution")).to_contain_text("Source: Алеся Шумейко, TUT.BY")
    expect(reader.locator("footer.attribution")).to_contain_text("The text was translated by Veranika Papkouskaya")

    # A correction: the editor opens it, edits and sends it with the note in one screen; the
    # live text stays until the reviewer approves it, and that approval publishes it.
    ed.goto(f"/desk/t/{t.pk}/preview/")
    ed.get_by_label("Correction note readers will see").fill("An earlier version misstated the date of the picket.")
    with ed.expect_navigation():
        ed.get_by_role("button", name="Open a correction").click()
    ed.wait_for_url(f"**/desk/t/{t.pk}/")
    t.refresh_from_db()
    assert t.state == State.IN_PROGRESS and t.is_correction and t.translator == volunteer
    fields = ed.locator("textarea[data-part='text']")
    for i in range(fields.count()):
        fields.nth(i).fill(f"Fixed English paragraph {i + 1}.")
    note = ed.get_by_label("Correction note readers will see")
    expect(note).to_have_value("An earlier version misstated the date of the picket.")
    ed.get_by_role("button", name="Send for a second look").click()
    expect(ed.locator(".messages")).to_contain_text("Sent for a second look")
    reader.reload()
    expect(reader.get_by_text("Corrected English paragraph 1.")).to_be_visible()
    rev.goto(f"/desk/t/{t.pk}/review/")
    rev.get_by_role("button", name="Approve and publish the correction").click()
    expect(rev.locator(".messages")).to_contain_text("the correction is published")

    reader.reload()
    expect(reader.get_by_text("Fixed English paragraph 1.")).to_be_visible()
    corrections = reader.locator("section.corrections")
    expect(corrections).to_contain_text("An earlier version misstated the date of the picket.")
    assert Correction.objects.get(article=article).published_at is not None
    expect(corrections.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d{2}-\d{2}T"))
