"""A volunteer starts from machine drafts in a real browser, edits and submits; the reviewer
sees which paragraphs began as machine drafts and how much they were changed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import ArticleFactory, TranslationFactory, UserFactory
from tests.mt_fake import libre_server  # noqa: F401 - fixture
from translations.models import Credit, Role, State

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SOURCE = ["Сотрудники МИД вышли на пикет.", "Второй абзац.", "Третий абзац."]


def test_volunteer_drafts_edits_and_submits_and_reviewer_sees_the_marks(live_server, page_for, libre_server):  # noqa: F811
    vol = UserFactory(username="vol-mt", roles=["translator"])
    reviewer = UserFactory(username="rev-mt", roles=["reviewer"])
    t = TranslationFactory(article=ArticleFactory(blocks=SOURCE), state=State.IN_PROGRESS, translator=vol, filled=False)
    Credit.objects.create(translation=t, user=vol, role=Role.TRANSLATOR)
    b1, b2, b3 = (b["id"] for b in t.source_revision.blocks)

    page = page_for(vol)
    page.goto(f"/desk/t/{t.pk}/")
    status = page.locator("#machine-status")
    p1, p2, p3 = (page.get_by_label(f"Paragraph {n} (English)") for n in (1, 2, 3))

    # One paragraph: its box fills without a reload.
    page.get_by_role("button", name="Machine draft for paragraph 1").click()
    expect(p1).to_have_value("EN: " + SOURCE[0], timeout=8_000)
    expect(status).to_contain_text("Machine draft ready: 1 paragraph filled.")
    expect(page.get_by_role("button", name="Machine draft for paragraph 1")).to_be_disabled()

    # The volunteer corrects the draft; autosave keeps working on the version the draft made.
    p1.fill("Foreign Ministry staff held a picket.")
    expect(page.locator("#save-status")).to_contain_text("Saved", timeout=8_000)

    # Typed text is never replaced: paragraph 3 is typed, then "Draft all" fills only paragraph 2.
    p3.fill("My own third paragraph.")
    expect(page.locator("#save-status")).to_contain_text("Saved", timeout=8_000)
    page.get_by_role("button", name="Draft all empty blocks").click()
    expect(p2).to_have_value("EN: " + SOURCE[1], timeout=8_000)
    expect(p3).to_have_value("My own third paragraph.")
    page.get_by_label("Title (English)").fill("MFA staff picket")
    expect(page.locator("#save-status")).to_contain_text("Saved", timeout=8_000)

    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messages")).to_contain_text("Sent for review.")
    expect(page.locator(".messages")).to_contain_text(
        "1 paragraph(s) went to review exactly as the machine drafted them"
    )
    t.refresh_from_db()
    assert t.state == State.IN_REVIEW
    assert t.block_text(b1) == "Foreign Ministry staff held a picket."
    assert t.block_text(b3) == "My own third paragraph."
    assert set(t.machine_drafts) == {b1, b2}
    assert t.machine_drafts[b1]["distance"] > 0 and t.machine_drafts[b2]["distance"] == 0

    # The reviewer sees the marks and how much each was changed.
    review = page_for(reviewer)
    review.goto(f"/desk/t/{t.pk}/review/")
    marks = review.locator(".machine-mark")
    expect(marks).to_have_count(2)
    expect(marks.nth(0)).to_contain_text(f"changed {t.machine_drafts[b1]['changed']}%")
    expect(marks.nth(1)).to_contain_text("not changed")
