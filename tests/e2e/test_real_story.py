"""A real story, whole, in a real browser (issue 26): the editor imports a linked, pictured
Belarusian story over HTTP; the volunteer translates it keeping its links as tokens, is logged
out in another tab mid-edit and signs in again in place without losing a word, pastes text from
Word; the reviewer approves, the editor publishes; the reader's page keeps the source's links
and its picture with one credit line, and has no source-language text except marked names.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from newsroom.models import Article
from tests.factories import UserFactory
from translations.models import CreditMode, State, Translation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # tests/factories.py's UserFactory
STATEMENT = "https://galereya-rekha.example/news/2020/10/vystava"

# Text as Word puts it on the clipboard: a soft hyphen inside a word, a zero-width space, a
# no-break space between two words and one before a number's unit, which is typographic.
WORD_PASTE = "Entry to the exhi\u00adbition is, as before, [1]free[/1]. The gal\u200blery is open\u00a0Tuesday to Sunday from 11.00 to 19.00, 15\u00a0km from the centre."

ENGLISH = {
    "Paragraph 1": "The Rekha gallery in Hrodna has extended Alena Kirylovich's vytsinanka exhibition until 15 November, [1]the gallery said in a statement[/1].",
    "Paragraph 2": "More than [1]two thousand[/1] people saw the exhibition in its first month. We have already written about [2]its opening[/2] in September.",
    "Caption of image 3": "The “Family Tree” panel at the Rekha gallery.",
    "Alt text of image 3": "A large paper-cut panel on a gallery wall",
    "Paragraph 4": "I did not expect people to come back two or three times.",
}

# Text nodes in Cyrillic that are not inside an element marked with a language other than English.
UNMARKED_CYRILLIC = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!/[\\u0400-\\u04FF]/.test(node.data)) continue;
    const marked = node.parentElement.closest("[lang]");
    if (!marked || marked.getAttribute("lang").startsWith("en")) found.push(node.data.trim());
  }
  return found;
}"""


def test_a_linked_pictured_story_keeps_its_links_and_every_word_to_a_clean_english_page(
    page_for, fixture_server, settings
):
    settings.DESK_IMPORT_ALLOW_LOOPBACK = True
    settings.DESK_LANGUAGE_CHECK = True  # the desk's default: a paragraph left in Belarusian is refused
    editor = UserFactory(username="editor-real", roles=["editor"])
    reviewer = UserFactory(username="reviewer-real", roles=["reviewer"])
    volunteer = UserFactory(username="vol-real", first_name="Veranika", last_name="Papkouskaya", roles=["translator"])
    volunteer.contributor.credit_mode = CreditMode.REAL_NAME
    volunteer.contributor.save()
    ed, rev, vol = page_for(editor), page_for(reviewer), page_for(volunteer)

    # The editor imports the story over real HTTP, picture included, and assigns a job.
    ed.goto("/desk/import/")
    ed.get_by_label("Address of the story").fill(f"{fixture_server}/stories/linked-pictured.html")
    ed.get_by_role("button", name="Import").click()
    ed.wait_for_url(re.compile(r"/desk/a/\d+/$"))
    article = Article.objects.get()
    [picture] = [b for b in article.blocks if b["kind"] == "image"]
    assert picture["attrs"]["credit"] == "Яўгенія Раманчук"  # the photographer, apart from the caption
    ed.get_by_role("button", name="Open a job: translate into English").click()
    ed.wait_for_url(re.compile(r"/desk/t/\d+/assign/$"))
    t = Translation.objects.get(article=article)
    ed.get_by_label("Translator").select_option(str(volunteer.pk))
    ed.get_by_label("Reviewer").select_option(str(reviewer.pk))
    ed.get_by_role("button", name="Assign").click()
    ed.wait_for_url(f"**/desk/t/{t.pk}/")

    # The volunteer sees the source's link as a marked token with what it stands for, and types.
    vol.goto(f"/desk/t/{t.pk}/")
    expect(vol.locator("mark.token").first).to_be_visible()
    expect(vol.locator(".token-legend").first).to_contain_text(STATEMENT)
    vol.get_by_label("Title (English)").fill("Vytsinanka in Hrodna: “Paper Gardens” extended until November")
    for label, text in ENGLISH.items():
        vol.get_by_label(f"{label} (English)").fill(text)
    expect(vol.locator("#save-status")).to_contain_text("Saved at", timeout=10_000)

    # Logged out in another tab mid-edit: the next paragraph is typed (pasted from Word), Save
    # asks for the password in place, and every word reaches the server.
    other = vol.context.new_page()
    other.goto("/desk/")
    other.get_by_role("button", name="Log out").click()
    other.wait_for_load_state()
    other.close()
    box = vol.get_by_label("Paragraph 5 (English)")
    box.click()
    vol.keyboard.insert_text(WORD_PASTE)
    vol.get_by_role("button", name="Save", exact=True).click()
    dialog = vol.get_by_role("dialog", name="Sign in again to save")
    expect(dialog).to_be_visible(timeout=10_000)
    dialog.get_by_label("Password").fill(PASSWORD)
    dialog.get_by_role("button", name="Sign in and save").click()
    expect(dialog).to_be_hidden()
    expect(vol.locator("#save-status")).to_contain_text(re.compile(r"Saved at \d\d:\d\d"), timeout=10_000)
    t.refresh_from_db()
    pasted = t.block_text(article.blocks[4]["id"])
    # Clean paste, in the one text service: junk gone, the unit's no-break space kept.
    assert pasted == (
        "Entry to the exhibition is, as before, [1]free[/1]. The gallery is open Tuesday to Sunday "
        "from 11.00 to 19.00, 15\u00a0km from the centre."
    )

    # Submit (the page's forms carry the token the sign-in rotated), approve, publish.
    vol.reload()
    vol.get_by_role("button", name="Submit").click()
    expect(vol.locator(".messages").get_by_text("Sent for review.", exact=True)).to_be_visible()
    rev.goto(f"/desk/t/{t.pk}/review/")
    expect(rev.locator("mark.token").first).to_be_visible()  # the reviewer sees the links too
    # … and the picture beside the alt text they review.
    expect(rev.locator("figure.review-picture img")).to_be_visible()
    expect(rev.get_by_text("A large paper-cut panel on a gallery wall")).to_be_visible()
    rev.get_by_role("button", name="Approve").click()
    expect(rev.locator(".messages").get_by_text("Approved.", exact=True)).to_be_visible()
    ed.goto(f"/desk/t/{t.pk}/preview/")
    ed.get_by_label("I have checked the credits and the preview.").check()
    ed.get_by_role("button", name="Confirm credits and publish").click()
    expect(ed.locator(".messages").get_by_text("Published.", exact=True)).to_be_visible()
    t.refresh_from_db()
    assert t.state == State.PUBLISHED

    # The reader's page: the source's links, the picture with one credit line, clean words, and
    # no Belarusian except what is marked as such.
    article.refresh_from_db()
    reader = page_for(None)
    reader.goto(article.get_absolute_url())
    body = reader.locator("main article")
    expect(body.get_by_role("link", name="the gallery said in a statement")).to_have_attribute("href", STATEMENT)
    expect(body.get_by_role("link", name="its opening")).to_have_attribute(
        "href", f"{fixture_server}/2020/09/12/papyarovyya-sady/"
    )
    expect(body.locator("strong", has_text="two thousand")).to_be_visible()
    expect(body.locator("em", has_text="free")).to_be_visible()
    figure = reader.locator("figure.picture")
    expect(figure.get_by_role("img", name="A large paper-cut panel on a gallery wall")).to_be_visible()
    caption = figure.locator("figcaption").inner_text()
    assert caption.count("Photo:") == 1, caption
    photographer = caption.split("Photo:")[1].split("/")[0].strip()
    # One spelling per person: the photographer is the byline's author, spelt the same way.
    assert photographer and photographer in reader.locator("main").inner_text().replace(caption, ""), caption
    assert "[1]" not in body.inner_text() and "\u00ad" not in body.inner_text()
    assert reader.evaluate(UNMARKED_CYRILLIC) == []
