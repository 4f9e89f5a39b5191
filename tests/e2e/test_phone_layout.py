"""The board and Open jobs on a 375 px phone: lists of cards, no sideways scrolling, every action
within reach of a thumb (touch targets of 44 px, WCAG 2.5.5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import ArticleFactory, TranslationFactory, UserFactory
from translations.models import State

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
LONG_TITLE = "Сотрудники Министерства иностранных дел вышли на пикет против насилия в Минске и Гродно"

# Elements sticking out past the right edge, for the failure message.
OVERFLOWING = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' right=' + Math.round(e.getBoundingClientRect().right))"""


def _phone_page(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def _assert_no_sideways_scroll(page):
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide: {page.evaluate(OVERFLOWING)}"


def _jobs():
    translator = UserFactory(username="ivan", roles=["translator"])
    now = timezone.now()
    for i, state in enumerate([State.OPEN, State.OPEN, State.IN_PROGRESS, State.IN_REVIEW, State.APPROVED]):
        article = ArticleFactory(source_title=f"{LONG_TITLE} {i}", source_tags=["Общество", "Протесты"])
        extra = {} if state == State.OPEN else {"translator": translator}
        TranslationFactory(article=article, state=state, due_at=now + dt.timedelta(hours=3 - 2 * i), **extra)
    return translator


def test_board_is_a_list_of_cards_on_a_phone_with_touch_sized_links(live_server, browser):
    _jobs()
    editor = UserFactory(username="anna", roles=["editor"], is_staff=True)
    page = _phone_page(browser, live_server, editor)
    page.goto("/desk/")
    _assert_no_sideways_scroll(page)
    rows = page.locator("table.board tbody tr")
    assert rows.count() == 5
    # Each card says in words who holds the job and how long it has waited.
    first = rows.first.inner_text()
    assert "Held by:" in first and "In this state:" in first
    for link in page.locator("table.board td.links a").all():
        box = link.bounding_box()
        assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"], link.inner_text()


def test_open_jobs_on_a_phone_keep_the_claim_button_on_screen(live_server, browser):
    translator = _jobs()
    page = _phone_page(browser, live_server, translator)
    page.goto("/desk/jobs/")
    _assert_no_sideways_scroll(page)
    buttons = page.get_by_role("button", name="Claim:")
    assert buttons.count() == 2
    for button in buttons.all():
        box = button.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["height"] >= 44
    # And it works by touch: the job is claimed and the editor opens.
    buttons.first.click()
    page.wait_for_url("**/desk/t/*/")
