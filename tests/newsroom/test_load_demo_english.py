"""The demo's stories are real English: readers, feeds, search, the API and translation memory
never see a placeholder, and every demo job passes the checks (the language check on)."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from newsroom.models import Article
from translations import workflow
from translations.assist import checks, memory
from translations.models import MemoryEntry, State, Translation

CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@pytest.fixture
def demo(db, settings):
    settings.DESK_LANGUAGE_CHECK = True  # as on a desk: the demo must pass it
    call_command("load_demo", force=True, quiet_accounts=True)


def test_every_demo_job_with_text_passes_the_checks_in_full(demo):
    worked = Translation.objects.exclude(state__in=[State.OPEN, State.SPIKED]).select_related("source_revision")
    assert worked.filter(state=State.IN_REVIEW).exists() and worked.filter(state=State.IN_PROGRESS).exists()
    for t in worked:
        errors = [p for p in workflow.translation_problems(translation=t) if p.is_error]
        assert errors == [], (t.article.source_url, t.language, errors[:3])
    long_read = Translation.objects.get(article__source_url__contains="long-read")
    translatable = [b for b in long_read.source_revision.blocks if checks.is_translatable(b)]
    assert len(translatable) > 120
    assert all(long_read.block_text(b["id"]).strip() for b in translatable)  # every paragraph, none left out


def test_no_placeholder_reaches_readers_feeds_search_or_the_api(demo, client):
    live = list(Article.objects.filter(Article.live_q("en")))
    assert len(live) >= 3
    for article in live:
        texts = [article.title_en, article.lead_en, *(str(b.get("text", "")) for b in article.body_en or [])]
        assert not any(CYRILLIC.search(text) for text in texts), article.source_url
    surfaces = [client.get(a.get_absolute_url()).content.decode() for a in live]
    surfaces += [client.get(url).content.decode() for url in ("/", "/feeds/rss.xml", "/feeds/atom.xml")]
    surfaces += [client.get("/search/", {"q": "roubles"}).content.decode()]
    surfaces += [client.get("/api/v1/stories/").content.decode()]
    surfaces += [client.get(f"/api/v1/stories/{a.pk}/").content.decode() for a in live]
    for surface in surfaces:
        assert "English draft of" not in surface and "Demo content: only the opening" not in surface
    assert "The dollar rises to 2.58 roubles" in surfaces[-len(live) - 2]  # search finds the real English


def test_memory_offers_only_real_translations(demo):
    assert MemoryEntry.objects.exists()
    for entry in MemoryEntry.objects.all():
        assert not CYRILLIC.search(entry.target_text) and "English draft of" not in entry.target_text
    # A placeholder stored by an older demo is never offered.
    source = "Евро на торгах подорожал до 3,05 BYN, а российский рубль за последний месяц подешевел."
    MemoryEntry.objects.create(
        source_language="ru", target_language="en", source_text=source, target_text=f"(English draft of: {source}…)"
    )
    offered = memory.memory_suggestions(text=source, source_language="ru", target_language="en")
    assert offered and all("English draft of" not in e.target_text for e in offered)
