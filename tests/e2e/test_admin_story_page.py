"""The admin's story page loads scripts from our own origin only (the CSP refuses others) and
shows the live fields grouped by language."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import ArticleFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_story_admin_loads_only_our_own_scripts_and_groups_live_fields_by_language(page_for, live_server):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    article = ArticleFactory(title_en="Picket at the ministry")
    page = page_for(admin)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(live_server.url) else elsewhere.append(r.url))
    page.goto(f"/admin/newsroom/article/{article.pk}/change/")
    english = page.locator("details", has=page.get_by_text("Live in English", exact=True))
    expect(english).not_to_have_attribute("open", "")
    english.get_by_text("Live in English", exact=True).click()
    expect(english.get_by_text("Picket at the ministry")).to_be_visible()
    assert refused == []
    assert elsewhere == []
