"""The desk bar's menus open by keyboard with JavaScript off, and the editor asks why a
paragraph is left out only once it is."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.factories import TranslationFactory, UserFactory
from translations.models import Notification, State

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _page(browser, live_server, user, **options):
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url, **options)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def test_editor_opens_a_menu_by_keyboard_without_javascript(live_server, browser):
    editor = UserFactory(username="anna", roles=["editor"], is_staff=True)
    Notification.objects.create(user=editor, kind="assigned", key="k1", text="A job is yours")
    page = _page(browser, live_server, editor, java_script_enabled=False)
    page.goto("/desk/")
    bar = page.get_by_role("navigation", name="Desk")
    expect(bar.get_by_role("link", name="Notifications (1 unread)")).to_be_visible()
    feeds = bar.get_by_role("link", name="Feeds")
    expect(feeds).to_be_hidden()
    bar.locator("summary", has_text="Sources").focus()
    page.keyboard.press("Enter")
    expect(feeds).to_be_visible()
    feeds.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk/feeds/")
    # The menu closes on the new page; its summary and link mark where you are.
    bar = page.get_by_role("navigation", name="Desk")
    expect(bar.locator('a[aria-current="page"]')).to_have_text("Feeds")
    expect(bar.locator("details.current > summary")).to_have_text("Sources")


def test_reason_for_leaving_out_appears_only_when_the_paragraph_is_left_out(live_server, browser):
    translator = UserFactory(username="ivan", roles=["translator"])
    t = TranslationFactory(state=State.IN_PROGRESS, translator=translator, filled=False)
    page = _page(browser, live_server, translator)
    page.goto(f"/desk/t/{t.pk}/")
    reasons = page.get_by_label("Why it is left out")
    expect(reasons).to_have_count(3)
    expect(reasons.first).to_be_hidden()
    page.get_by_label("Leave out of the translation").first.check()
    expect(reasons.first).to_be_visible()
    expect(reasons.nth(1)).to_be_hidden()


def test_with_javascript_one_menu_is_open_at_a_time_and_escape_closes_it(live_server, browser):
    editor = UserFactory(username="anna", roles=["editor"])
    page = _page(browser, live_server, editor)
    page.goto("/desk/")
    bar = page.get_by_role("navigation", name="Desk")
    sources, reports = bar.locator("summary", has_text="Sources"), bar.locator("summary", has_text="Reports")
    sources.click()
    expect(bar.get_by_role("link", name="Inbox")).to_be_visible()
    reports.click()
    expect(bar.get_by_role("link", name="Audit log")).to_be_visible()
    expect(bar.get_by_role("link", name="Inbox")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(bar.get_by_role("link", name="Audit log")).to_be_hidden()
    expect(reports).to_be_focused()
    sources.click()
    page.get_by_role("heading", name="Board").click()
    expect(bar.get_by_role("link", name="Inbox")).to_be_hidden()
