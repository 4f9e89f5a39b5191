"""The reader site in a real browser: works without JavaScript, by keyboard, on a phone-sized screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import CHROMIUM_ARGS
from tests.newsroom.test_site_pages import SOURCE_HTML_BLOCKS, make_staff, publish_story

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_reader_on_a_phone_without_javascript_uses_the_keyboard(live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    article = publish_story(
        make_staff(),
        title="Okrestin detainees released",
        lead="They left Okrestin at night.",
        blocks=SOURCE_HTML_BLOCKS,
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                base_url=live_server.url, java_script_enabled=False, viewport={"width": 375, "height": 740}
            )
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.goto(f"/articles/{article.slug_en}/")
            expect(page.locator("h1")).to_have_text("Okrestin detainees released")
            # No horizontal scrolling on a phone.
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
            # The first Tab reaches the skip link, which is visible when focused and jumps to main.
            page.keyboard.press("Tab")
            skip = page.get_by_role("link", name="Skip to content")
            expect(skip).to_be_focused()
            box = skip.bounding_box()
            assert box is not None and box["x"] >= 0
            page.keyboard.press("Enter")
            assert page.url.endswith("#content")
            # Search works as a plain form submission.
            page.get_by_label("Search stories").fill("okrestin")
            page.get_by_label("Search stories").press("Enter")
            expect(page.locator("main mark").first).to_have_text("Okrestin")
            expect(page.get_by_role("link", name="Okrestin detainees released")).to_be_visible()
            assert context.cookies() == []
        finally:
            browser.close()
