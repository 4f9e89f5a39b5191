"""The translator's and reviewer's pages in a real browser: checks that follow the typing, a phone's
first screen that is work, times on the desk's clock, and a review page read top to bottom."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from newsroom.core import times
from tests.factories import ArticleFactory, TranslationFactory, UserFactory
from translations.models import State

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 800}
LONG_TITLE = (
    "Сотрудники Министерства иностранных дел вышли на пикет против насилия у здания министерства "
    "в центре Минска и потребовали отставки руководства"
)
SOURCE = ["Первый абзац про пикет у министерства.", "Второй абзац про требования.", "Третий абзац."]
SHOTS = os.environ.get("DESK_SCREENSHOTS", "")  # a folder: save the screens looked at by hand


def _page(browser, live_server, user, *, viewport=DESKTOP, timezone_id=None):
    """A logged-in page with its own viewport and, where given, the browser's own time zone."""
    options = {"base_url": live_server.url, "viewport": viewport}
    if timezone_id:
        options["timezone_id"] = timezone_id
    context = browser.new_context(**options)
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def _shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=False)


def _job(volunteer):
    article = ArticleFactory(blocks=SOURCE, source_title=LONG_TITLE)
    return TranslationFactory(article=article, state=State.IN_PROGRESS, translator=volunteer, filled=False, title="")


def test_checks_follow_the_typing_and_saved_time_is_the_desks(browser, live_server):
    vol = UserFactory(username="vol-live", roles=["translator"])
    t = _job(vol)
    first = t.source_revision.blocks[0]["id"]
    # The browser sits in New York; the desk's clock is settings.TIME_ZONE (Minsk).
    page = _page(browser, live_server, vol, timezone_id="America/New_York")
    page.goto(f"/desk/t/{t.pk}/")
    _shot(page, "editor-1280")
    page.evaluate("window.__sameDocument = true")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()  # wide: the navigation shows in full
    expect(page.locator("header.desk nav")).to_be_visible()
    general = page.locator("#checks-general")
    submit = page.locator("#submit-button")
    expect(general).to_contain_text("Give the translation a title")
    expect(submit).to_have_text("Submit for review — 4 problems left")

    page.get_by_label("Title (English)").fill("MFA staff picket")
    status = page.locator("#save-status")
    expect(status).to_contain_text("Saved at", timeout=8_000)

    expect(general).to_be_hidden()
    expect(page.get_by_text("Give the translation a title")).to_have_count(0)
    expect(submit).to_have_text("Submit for review — 3 problems left")
    expect(page.locator("#checks-summary")).to_contain_text("3 problems to fix")

    page.get_by_label("Paragraph 1 (English)").fill("The first paragraph about the picket at the ministry.")
    expect(submit).to_have_text("Submit for review — 2 problems left", timeout=8_000)
    expect(page.locator(f"[data-checks-for='{first}']")).to_be_hidden()
    assert page.evaluate("window.__sameDocument") is True  # no reload happened

    # "Saved at 07:43 (Minsk time)": the server's clock in the desk's zone, not New York's.
    text = status.inner_text()
    now = timezone.now()
    desk = {f"{(now + dt.timedelta(minutes=d)).astimezone(timezone.get_default_timezone()):%H:%M}" for d in (-1, 0)}
    match = re.search(r"Saved at (\d\d:\d\d) \((.+)\)", text)
    assert match, text
    assert match.group(1) in desk
    assert match.group(2) == times.desk_zone_label()
    browser_clock = page.evaluate(
        "new Date().toLocaleTimeString('en-GB', {hour: '2-digit', minute: '2-digit', hour12: false})"
    )
    assert settings.TIME_ZONE != "America/New_York" and browser_clock != match.group(1)
    _shot(page, "editor-1280-after-typing")


def test_phone_first_screen_is_the_work_and_the_menu_is_folded(browser, live_server):
    vol = UserFactory(username="vol-phone", roles=["translator"])
    t = _job(vol)
    page = _page(browser, live_server, vol, viewport=PHONE)
    page.goto(f"/desk/t/{t.pk}/")
    _shot(page, "editor-375")

    nav = page.locator("header.desk nav")
    menu = page.get_by_role("button", name="Menu")
    expect(nav).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    first_pair = page.locator(".rows .row").first
    box = first_pair.bounding_box()
    assert box is not None and box["y"] < PHONE["height"], box
    paragraph = page.get_by_label("Paragraph 1 (English)").bounding_box()
    assert paragraph is not None and paragraph["y"] < PHONE["height"], paragraph

    # The menu opens from the keyboard and its links take focus.
    menu.focus()
    page.keyboard.press("Enter")
    expect(nav).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Glossary")).to_be_visible()
    _shot(page, "editor-375-menu-open")
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()

    # Job details are one tap away.
    page.locator(".job-info summary").click()
    expect(page.get_by_role("link", name="History and versions")).to_be_visible()


def test_reviewer_opens_comment_boxes_on_demand_and_decides_after_the_text(browser, live_server):
    vol = UserFactory(username="vol-rev", roles=["translator"])
    reviewer = UserFactory(username="rev-live", roles=["reviewer"])
    article = ArticleFactory(blocks=SOURCE)
    t = TranslationFactory(article=article, state=State.IN_REVIEW, translator=vol)
    page = _page(browser, live_server, reviewer)
    page.goto(f"/desk/t/{t.pk}/review/")
    _shot(page, "review-1280")
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "review-1280-full.png"), full_page=True)

    grid = page.locator(".review-grid")
    boxes = grid.locator("textarea")
    expect(boxes).to_have_count(len(SOURCE))  # there, for the form without JavaScript …
    for i in range(len(SOURCE)):
        expect(boxes.nth(i)).to_be_hidden()  # … but none shows until asked for

    grid.locator("summary", has_text="Comment").nth(1).click()
    expect(boxes.nth(1)).to_be_visible()
    expect(boxes.nth(0)).to_be_hidden()
    boxes.nth(1).fill("Say “picket”, not “protest”.")
    page.get_by_role("button", name="Send comment").first.click()
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator(".thread")).to_contain_text("Say “picket”, not “protest”.")

    approve = page.get_by_role("button", name="Approve", exact=True)
    after_text = approve.evaluate(
        """(button) => {
            const blocks = document.querySelectorAll('.review-grid .source');
            const last = blocks[blocks.length - 1];
            return Boolean(last.compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING);
        }"""
    )
    assert after_text is True
    changes = page.get_by_role("button", name="Request changes")
    assert changes.evaluate("(b) => Boolean(document.querySelector('.review-grid').compareDocumentPosition(b) & 4)")

    phone = _page(browser, live_server, reviewer, viewport=PHONE)
    phone.goto(f"/desk/t/{t.pk}/review/")
    _shot(phone, "review-375")
    expect(phone.locator("header.desk nav")).to_be_hidden()
