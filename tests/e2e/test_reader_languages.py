"""A reader opens the demo's German story in a real browser: every visible string is German,
the credits are the German version's, and the switcher leads to the English version."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from newsroom.models import Article

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Words that only English has (German shares "in", "an", "Text", "Feed", "Video", "Archive" …): none may be left.
ENGLISH_WORDS = re.compile(
    r"\b(the|and|of|by|to|for|with|from|stories|story|translated|translations?|source|search|latest|"
    r"published|skip|content|related|reviewed|edited|more|nothing|newer|older|about|tags?|here|page|"
    r"embedded|view|open|post|note|corrections?)\b",
    re.IGNORECASE,
)


def test_german_reader_page_is_german_throughout(live_server, page_for, settings):
    call_command("load_demo", force=True, quiet_accounts=True)
    seed = Article.objects.get(source_url__endswith="mfa-picket.html")
    reader = page_for(None)
    reader.goto(f"/de/articles/{seed.slug_de}/")
    expect(reader.locator("html")).to_have_attribute("lang", "de")
    expect(reader.get_by_role("heading", level=1)).to_have_text(seed.title_de)

    attribution = reader.locator("footer.attribution")
    expect(attribution).to_contain_text("Übersetzt von Lena Beispiel")
    expect(attribution).to_contain_text("Geprüft von Pavel Lis")
    expect(attribution).to_contain_text("Quelle: Алеся Шумейко, TUT.BY")
    expect(reader.locator(".byline")).to_contain_text("Von Alesya Shumeyko, TUT.BY.")
    expect(reader.locator(".byline")).to_contain_text("Übersetzt und hier veröffentlicht am")

    # Every visible string but names: the site's name, people, the source and its Russian title,
    # the switcher's language names, and the providers of embedded media.
    names = [
        settings.DESK_SITE_NAME,
        "Lena Beispiel",
        "Pavel Lis",
        "Hanna Marchuk",
        "TUT.BY",
        "English",
        "Deutsch",
        "RSS",
        "Atom",
        "Youtube",
        "YouTube",
        "Facebook",
    ]
    visible = reader.locator("body").inner_text()
    visible += "\n" + reader.title()
    visible += "\n" + " ".join(
        reader.eval_on_selector_all(
            "[aria-label], input[placeholder]", "els => els.map(e => e.getAttribute('aria-label') || e.placeholder)"
        )
    )
    for cite in reader.locator('[lang]:not([lang="de"])').all_inner_texts():
        visible = visible.replace(cite, " ")  # the source's own (Russian) title and authors
    for name in names:
        visible = visible.replace(name, " ")
    leftover = sorted({m.group(0) for m in ENGLISH_WORDS.finditer(visible)})
    assert leftover == [], (leftover, [visible[max(0, visible.find(w) - 80) : visible.find(w) + 40] for w in leftover])
    assert "Papkouskaya" not in reader.content()  # the English translator is not credited here

    # The switcher names only the languages the story exists in, and leads to the English page.
    switcher = reader.get_by_role("navigation", name="Diese Seite in anderen Sprachen")
    expect(switcher.get_by_role("link")).to_have_count(1)
    switcher.get_by_role("link", name="English").click()
    reader.wait_for_url(f"**/articles/{seed.slug_en}/")
    expect(reader.locator("html")).to_have_attribute("lang", "en")
    expect(reader.locator("footer.attribution")).to_contain_text("The text was translated by Veranika Papkouskaya")
