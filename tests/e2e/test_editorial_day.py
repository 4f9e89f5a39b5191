"""An editor's day in a real browser, at desktop width and on a 375 px phone (issue 29).

The editor opens a German job from the story's desk page in one step; the reviewer and the
editor both have the job open and each sees the other; the editor mentions the reviewer in a
comment (picked from the suggestions) and the mention reaches the reviewer's notifications; the
reviewer approves on the job page; the editor publishes from the job page's "Preview and
publish"; then restores an old version by mistake (Restore asks first) and discards the
correction, and the live story never changed.

Set ``E2E_SCREENSHOTS=<folder>`` to keep a screenshot of each step.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from newsroom.models import Article
from tests.factories import ArticleFactory, TranslationFactory, UserFactory
from translations import editing, workflow
from translations.models import NotificationKind, State, Translation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 740}}
GERMAN_TITLE = "Diplomaten protestieren vor dem Ministerium"


def _shot(page: Page, name: str) -> None:
    folder = os.environ.get("E2E_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _page(browser: Any, live_server: Any, user: Any, viewport: dict[str, int]) -> Page:
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport is not None and width <= viewport["width"], f"{page.url} is {width} px wide"


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_an_editors_day(browser, live_server, size):
    viewport = VIEWPORTS[size]
    editor = UserFactory(username="ed", roles=["editor"])
    reviewer = UserFactory(username="rev", roles=["reviewer"])
    translator = UserFactory(username="tr", roles=["translator"])
    article = ArticleFactory()
    TranslationFactory(article=article, state=State.IN_PROGRESS)  # the English job
    ed = _page(browser, live_server, editor, viewport)
    rev = _page(browser, live_server, reviewer, viewport)

    # 1. A German job in one step from the story's desk page: no error page on the way.
    ed.goto(f"/desk/a/{article.pk}/")
    expect(ed.get_by_role("link", name=re.compile(r"English: In progress"))).to_be_visible()
    with ed.expect_navigation():
        ed.get_by_role("button", name="Open a job: translate into Deutsch").click()
    german = Translation.objects.get(article=article, language="de")
    assert ed.url.endswith(f"/desk/t/{german.pk}/assign/")
    _shot(ed, f"{size}-1-german-job-opened")

    # The translator does the work (not this test's subject) and submits it.
    german = workflow.translation_assign(translation=german, by=editor, translator=translator, reviewer=reviewer)
    blocks = {b["id"]: {"text": f"Deutscher Absatz {i + 1}."} for i, b in enumerate(german.source_revision.blocks)}
    german = editing.translation_save(
        translation=german, by=translator, based_on=german.edit_version, title=GERMAN_TITLE, blocks=blocks
    )
    german = workflow.translation_submit(translation=german, by=translator)

    # 2. Two people on one job: each sees the other, the first without reloading.
    rev.goto(f"/desk/t/{german.pk}/")
    ed.goto(f"/desk/t/{german.pk}/")
    expect(ed.locator("#presence-list")).to_contain_text("Also open now by: rev")
    expect(rev.locator("#presence-list")).to_contain_text("Also open now by: ed", timeout=25_000)
    _shot(ed, f"{size}-2-presence")

    # 3. A mention, picked from the suggestions, reaches the reviewer.
    ed.goto(f"/desk/t/{german.pk}/review/")
    box = ed.locator("#comment-general")
    box.click()
    box.press_sequentially("Bitte prüfen, @re")
    ed.locator("#mention-menu [role=option][data-username=rev]").click()
    expect(box).to_have_value("Bitte prüfen, @rev ")
    box.press_sequentially("the quote in paragraph 2.")
    with ed.expect_navigation():
        ed.locator("form", has=box).get_by_role("button").click()
    assert reviewer.notifications.filter(kind=NotificationKind.MENTION).exists()
    rev.goto("/desk/notifications/")
    expect(rev.get_by_role("link", name=re.compile("You were mentioned in a comment"))).to_be_visible()
    _shot(rev, f"{size}-3-mention-notified")

    # 4. The reviewer approves on the job page; the editor publishes from it.
    rev.goto(f"/desk/t/{german.pk}/")
    with rev.expect_navigation():
        rev.get_by_role("button", name="Approve").click()
    ed.goto(f"/desk/t/{german.pk}/")
    with ed.expect_navigation():
        ed.get_by_role("link", name="Preview and publish").click()
    ed.get_by_label("I have checked the credits and the preview.").check()
    with ed.expect_navigation():
        ed.get_by_role("button", name="Confirm credits and publish").click()
    german.refresh_from_db()
    assert german.state == State.PUBLISHED
    live_title = Article.objects.get(pk=article.pk).title_de
    assert live_title == GERMAN_TITLE
    _shot(ed, f"{size}-4-published")

    # 5. Restore by mistake: it asks first; then the correction is discarded, and readers saw nothing.
    ed.goto(f"/desk/t/{german.pk}/history/")
    _no_sideways_scroll(ed)
    expect(ed.get_by_role("rowheader", name="v1", exact=True)).to_be_visible()
    restore = ed.get_by_role("link", name=re.compile(r"^Restore v1\b"))
    restore.scroll_into_view_if_needed()
    expect(restore).to_be_in_viewport()
    _shot(ed, f"{size}-5-history")
    with ed.expect_navigation():
        restore.click()
    expect(ed.get_by_text("Restoring opens a correction")).to_be_visible()
    with ed.expect_navigation():
        ed.get_by_role("button", name="Open a correction with v1").click()
    german.refresh_from_db()
    assert german.is_correction
    discard = ed.get_by_role("button", name="Discard the correction")
    if not discard.is_visible():  # on a phone the editable job's actions fold under "Job details"
        ed.locator("details.job-info > summary").click()
    with ed.expect_navigation():
        discard.click()
    expect(ed.locator(".messages")).to_contain_text("Correction discarded")
    german.refresh_from_db()
    assert (german.state, german.is_correction, german.title) == (State.PUBLISHED, False, GERMAN_TITLE)
    assert Article.objects.get(pk=article.pk).title_de == live_title
    assert not article.corrections.exists()
    _no_sideways_scroll(ed)
    _shot(ed, f"{size}-6-discarded")


def test_the_api_reference_works_under_our_content_security_policy(browser, live_server):
    """The interactive reference draws the schema, with every file from our origin and nothing
    refused by the page's policy."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.goto("/")
    with page.expect_navigation():
        page.get_by_role("link", name="API reference").click()
    operation = page.get_by_text("/api/v1/stories/", exact=True)
    expect(operation).to_be_visible()
    operation.click()  # opened: its parameters, responses and the "Try it out" button
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".responses-wrapper .live-responses-table")).to_be_visible()
    assert refused == [] and outside == []
