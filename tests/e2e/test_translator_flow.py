"""A volunteer's whole path in a real browser: accept the invitation, claim a job, translate
with autosave, meet a conflict from a second device, fix a failed check and submit."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect
from reversion.models import Version

from tests.factories import ArticleFactory, TranslationFactory, UserFactory
from translations.models import CreditMode, Invitation, State, Translation
from translations.people import accounts

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "quiet-river-lantern-42"


def test_volunteer_joins_claims_translates_resolves_conflict_and_submits(live_server, page_for):
    editor = UserFactory(username="editor1", roles=["editor"])
    UserFactory(username="reviewer1", roles=["reviewer"])
    article = ArticleFactory(blocks=["В пикете участвовали 1 200 человек.", "Второй абзац про МИД."])
    t = TranslationFactory(article=article)
    _invitation, token = accounts.invitation_create(email="vera@desk.example", by=editor)

    # The invitee accepts in the browser, choosing a pseudonym.
    vol = page_for(None)
    vol.goto(f"/join/{token}/")
    vol.get_by_label("User name").fill("vera")
    vol.get_by_label("First name").fill("Veranika")
    vol.get_by_label("A pseudonym").check()
    vol.get_by_role("textbox", name="Pseudonym").fill("Vera P.")
    vol.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    vol.get_by_label("Password again").fill(PASSWORD)
    vol.get_by_role("button", name="Create my account").click()
    vol.wait_for_url("**/desk/jobs/")
    user = get_user_model().objects.get(username="vera")
    assert user.contributor.credit_mode == CreditMode.PSEUDONYM
    assert Invitation.objects.get().accepted_user == user

    # The job board: claim the job, which opens the editor.
    vol.get_by_role("button", name=re.compile("^Claim")).click()
    vol.wait_for_url(f"**/desk/t/{t.pk}/")
    t.refresh_from_db()
    assert (t.state, t.translator) == (State.IN_PROGRESS, user)
    status = vol.locator("#save-status")

    # Autosave: type, wait for the honest "Saved".
    vol.get_by_label("Title (English)").fill("MFA staff picket")
    expect(status).to_contain_text("Saved", timeout=8_000)
    t.refresh_from_db()
    assert t.title == "MFA staff picket"

    # A second device opens the same text, then the first one saves a newer version.
    phone = page_for(user)
    phone.goto(f"/desk/t/{t.pk}/")
    p1 = vol.get_by_label("Paragraph 1 (English)")
    p1.fill("1,300 people took part in the picket.")
    p1.blur()
    expect(status).to_contain_text("Saved", timeout=8_000)

    # The phone's autosave is stale: both texts are shown, nothing is overwritten.
    phone.get_by_label("Paragraph 1 (English)").fill("Typed on the phone.")
    panel = phone.locator("#conflict-panel")
    expect(panel).to_be_visible(timeout=8_000)
    expect(panel).to_contain_text("1,300 people took part in the picket.")
    expect(panel).to_contain_text("Typed on the phone.")
    expect(phone.locator("#save-status")).to_contain_text("Not saved")
    expect(phone.get_by_label("Paragraph 1 (English)")).to_have_value("Typed on the phone.")
    bid1, bid2 = (b["id"] for b in t.source_revision.blocks)
    t.refresh_from_db()
    assert t.block_text(bid1) == "1,300 people took part in the picket."

    # The first device submits too early: paragraph 2 is untranslated, so it is refused.
    vol.get_by_role("button", name="Submit for review").click()
    expect(vol.locator(".messages")).to_contain_text("must be fixed first")
    expect(vol.locator(f"#block-{bid2}")).to_contain_text("Not translated yet")
    expect(vol.locator(f"#block-{bid1}")).to_contain_text("Numbers differ")
    t.refresh_from_db()
    assert t.state == State.IN_PROGRESS

    # Fix the number and translate paragraph 2; now it goes to review.
    vol.get_by_label("Paragraph 1 (English)").fill("1,200 people took part in the picket.")
    vol.get_by_label("Paragraph 2 (English)").fill("A second paragraph about the MFA.")
    vol.get_by_role("button", name="Submit for review").click()
    expect(vol.locator(".messages")).to_contain_text("Sent for review.")

    t.refresh_from_db()
    assert t.state == State.IN_REVIEW
    assert t.title == "MFA staff picket"
    assert t.block_text(bid1) == "1,200 people took part in the picket."
    assert t.block_text(bid2) == "A second paragraph about the MFA."
    # Autosaves made no versions; claiming and submitting did.
    comments = [v.revision.comment for v in Version.objects.get_for_object(Translation.objects.get(pk=t.pk))]
    assert sorted(comments) == sorted(["Claimed", "Submitted for review"])


def test_autosave_after_session_expired_says_not_saved(live_server, page_for):
    vol = UserFactory(username="vol-expired", roles=["translator"])
    t = TranslationFactory(state=State.IN_PROGRESS, translator=vol, filled=False)
    page = page_for(vol)
    page.goto(f"/desk/t/{t.pk}/")
    # The session ends (logout elsewhere, expiry): the autosave is redirected to the login page.
    page.context.clear_cookies(name="sessionid")
    page.get_by_label("Paragraph 1 (English)").fill("Typed after the session ended.")
    status = page.locator("#save-status")
    expect(status).to_contain_text("Not saved", timeout=8_000)
    expect(status).not_to_contain_text("Saved at")
    assert page.get_by_label("Paragraph 1 (English)").input_value() == "Typed after the session ended."
    t.refresh_from_db()
    assert t.block_text(t.source_revision.blocks[0]["id"]) == ""
