"""No typed word is lost, in a real browser: a logout in another tab asks for the password in
place and then saves; a page that died with unsaved text offers it back; a desk briefly
unavailable (503 with Retry-After) is retried, "Reconnecting…" then "Saved"."""

from __future__ import annotations

import re
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from playwright.sync_api import expect

from tests.factories import ArticleFactory, TranslationFactory, UserFactory
from translations import editing
from translations.models import MemoryEntry, State, Translation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # tests/factories.py's UserFactory


def _context(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url)
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context


def _page(context):
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def _job(username):
    vol = UserFactory(username=username, roles=["translator"])
    t = TranslationFactory(state=State.IN_PROGRESS, translator=vol, filled=False)
    return vol, t, t.source_revision.blocks[0]["id"]


def _saved_text(t, block_id):
    return Translation.objects.get(pk=t.pk).block_text(block_id)


@contextmanager
def _no_primary():
    """Every save meets a database with no primary, as in a failover: the desk answers 503 with
    ``Retry-After`` and writes nothing. Done on the server (the live server's thread calls the
    same module), not by intercepting the browser's requests: a request the browser holds for an
    interception can be let go as its page is closed, and reach the server after the test."""

    def gone(**kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    with mock.patch.object(editing, "translation_save", side_effect=gone):
        yield


@contextmanager
def _typed_in_a_tab_that_died(browser, live_server, username, text):
    """A volunteer types ``text`` while the desk has no primary, and the tab dies (closed: no
    beforeunload, nothing sent by a script) once the browser kept it; a new tab opens the job.
    Yields (job, block id, the new tab) while there is still no primary: a request the dying tab
    had under way when it closed can reach the server a moment later, and must not save."""
    vol, t, first = _job(username)
    context = _context(browser, live_server, vol)
    page = _page(context)
    page.goto(f"/desk/t/{t.pk}/")
    with _no_primary():
        page.get_by_label("Paragraph 1 (English)").fill(text)
        expect(page.locator("#save-status")).to_contain_text("Reconnecting", timeout=8_000)
        page.wait_for_function(f"() => localStorage.getItem('desk-draft:{t.pk}') !== null")
        page.close()
        again = _page(context)
        again.goto(f"/desk/t/{t.pk}/")
        expect(again.locator("#kept-text")).to_be_visible()
        yield t, first, again
    assert _saved_text(t, first) == ""


def test_logout_in_another_tab_asks_for_the_password_in_place_and_then_saves(browser, live_server):
    vol, t, first = _job("vol-relogin")
    context = _context(browser, live_server, vol)
    editor = _page(context)
    editor.goto(f"/desk/t/{t.pk}/")
    editor.evaluate("window.__sameDocument = true")
    box = editor.get_by_label("Paragraph 1 (English)")
    box.fill("Typed before the other tab logged out.")
    expect(editor.locator("#save-status")).to_contain_text("Saved at", timeout=8_000)

    # Another tab of the same browser logs out.
    other = _page(context)
    other.goto("/desk/")
    other.get_by_role("button", name="Log out").click()
    other.wait_for_load_state()

    box.fill("Typed after the other tab logged out: every word of it.")
    editor.get_by_role("button", name="Save", exact=True).click()
    dialog = editor.get_by_role("dialog", name="Sign in again to save")
    expect(dialog).to_be_visible(timeout=8_000)
    expect(editor.locator("#save-status")).to_contain_text("Not saved yet")
    assert _saved_text(t, first) == "Typed before the other tab logged out."

    # A wrong password is said in the dialog; nothing is lost.
    dialog.get_by_label("Password").fill("not the password")
    dialog.get_by_role("button", name="Sign in and save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("enter a correct username and password")
    dialog.get_by_label("Password").fill(PASSWORD)
    dialog.get_by_role("button", name="Sign in and save").click()
    expect(dialog).to_be_hidden()
    expect(editor.locator("#save-status")).to_contain_text(re.compile(r"Saved at \d\d:\d\d"), timeout=8_000)
    assert editor.evaluate("window.__sameDocument") is True  # never left the page
    assert _saved_text(t, first) == "Typed after the other tab logged out: every word of it."
    # The browser's copy is gone once the server confirmed the text.
    assert editor.evaluate(f"localStorage.getItem('desk-draft:{t.pk}')") is None
    context.close()


def test_text_of_a_page_that_died_unsaved_is_offered_back_and_restored(browser, live_server):
    text = "Typed while the connection was down."
    with _typed_in_a_tab_that_died(browser, live_server, "vol-crash", text) as (t, first, again):
        kept = again.locator("#kept-text")
        expect(kept).to_contain_text("You have unsaved text from")
        expect(kept).to_contain_text("Paragraph 1 (English)")
        expect(again.get_by_label("Paragraph 1 (English)")).to_have_value("")
    # The desk has a primary again: restoring saves the kept text.
    kept.get_by_role("button", name="Restore").click()
    expect(again.get_by_label("Paragraph 1 (English)")).to_have_value("Typed while the connection was down.")
    expect(again.locator("#save-status")).to_contain_text("Saved at", timeout=8_000)
    assert _saved_text(t, first) == "Typed while the connection was down."

    # Once saved there is nothing to offer: a reload shows no banner.
    again.reload()
    expect(again.get_by_label("Paragraph 1 (English)")).to_have_value("Typed while the connection was down.")
    expect(again.locator("#kept-text")).to_have_count(0)
    again.context.close()


def test_discard_forgets_the_kept_text(browser, live_server):
    with _typed_in_a_tab_that_died(browser, live_server, "vol-discard", "A draft I do not want.") as (t, first, again):
        pass
    again.locator("#kept-text").get_by_role("button", name="Discard").click()
    expect(again.locator("#kept-text")).to_have_count(0)
    again.reload()
    expect(again.locator("#kept-text")).to_have_count(0)
    assert _saved_text(t, first) == ""
    again.context.close()


def test_desk_briefly_unavailable_says_reconnecting_then_saved(browser, live_server):
    vol, t, first = _job("vol-503")
    context = _context(browser, live_server, vol)
    page = _page(context)
    answered = []

    def no_leader_twice(route):
        # As the desk answers while the database has no leader: 503 with Retry-After.
        if len(answered) < 2:
            answered.append(503)
            route.fulfill(
                status=503,
                headers={"Retry-After": "1", "Content-Type": "application/json"},
                body='{"error": "unavailable"}',
            )
        else:
            answered.append(200)
            route.continue_()

    page.route("**/autosave/", no_leader_twice)
    page.goto(f"/desk/t/{t.pk}/")
    page.get_by_label("Paragraph 1 (English)").fill("Typed during a failover.")
    status = page.locator("#save-status")
    expect(status).to_contain_text("Reconnecting…", timeout=8_000)
    expect(status).to_contain_text("Saved at", timeout=10_000)
    assert answered == [503, 503, 200]
    assert _saved_text(t, first) == "Typed during a failover."
    context.close()


def test_save_button_stays_on_the_page_and_updates_the_version(browser, live_server):
    vol, t, first = _job("vol-save")
    context = _context(browser, live_server, vol)
    page = _page(context)
    page.goto(f"/desk/t/{t.pk}/")
    page.evaluate("window.__sameDocument = true")
    version = int(page.locator("#based-on").input_value())
    page.get_by_label("Paragraph 1 (English)").fill("Saved with the button.")
    page.get_by_label("What changed (for the history)").fill("First paragraph")
    page.get_by_role("button", name="Save version").click()
    expect(page.locator("#save-status")).to_contain_text("Version saved at", timeout=8_000)
    assert page.evaluate("window.__sameDocument") is True
    saved = Translation.objects.get(pk=t.pk)
    assert saved.block_text(first) == "Saved with the button."
    assert int(page.locator("#based-on").input_value()) == saved.edit_version > version
    expect(page.get_by_label("What changed (for the history)")).to_have_value("")
    context.close()


def test_memory_appears_when_the_translator_reaches_the_paragraph(browser, live_server):
    vol = UserFactory(username="vol-memory", roles=["translator"])
    source = "Сотрудники МИД вышли на пикет против насилия в среду."
    MemoryEntry.objects.create(
        source_language="ru",
        target_language="en",
        source_text="Сотрудники МИД вышли на пикет против насилия.",
        target_text="MFA employees picketed against violence.",
    )
    t = TranslationFactory(
        article=ArticleFactory(blocks=[source, "Второй абзац."]), state=State.IN_PROGRESS, translator=vol, filled=False
    )
    context = _context(browser, live_server, vol)
    page = _page(context)
    page.goto(f"/desk/t/{t.pk}/")
    use = page.get_by_role("button", name="Use this text")
    expect(use).to_have_count(0)  # nothing looked up on load
    page.get_by_label("Paragraph 1 (English)").focus()
    expect(use).to_be_visible()
    expect(page.get_by_role("region", name="Translation memory for Paragraph 1")).to_contain_text("similar to:")
    use.click()
    expect(page.get_by_label("Paragraph 1 (English)")).to_have_value("MFA employees picketed against violence.")
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=8_000)
    assert _saved_text(t, t.source_revision.blocks[0]["id"]) == "MFA employees picketed against violence."
    context.close()
