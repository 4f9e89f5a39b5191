"""Help beside the editor: translation memory (pg_trgm) and the glossary services."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import ArticleFactory, TranslationFactory
from translations import workflow
from translations.assist import glossary, memory
from translations.models import GlossaryTerm, MemoryEntry, State


def test_memory_record_approved_stores_translated_blocks_only(db, reviewer):
    article = ArticleFactory(blocks=["Первый абзац про пикет МИД.", "Второй абзац убран.", "Третий абзац."])
    t = TranslationFactory(article=article, state=State.IN_REVIEW)
    first, second, third = (b["id"] for b in t.source_revision.blocks)
    t.blocks = {
        first: {"text": "First paragraph about the MFA picket."},
        second: {"text": "", "omitted": True, "reason": "Advert"},
        third: {"text": "  "},
    }
    t.save()
    workflow.translation_approve(translation=t, by=reviewer)
    entries = memory.memory_record_approved(translation=t)
    assert [(e.source_text, e.target_text) for e in entries] == [
        ("Первый абзац про пикет МИД.", "First paragraph about the MFA picket.")
    ]
    assert MemoryEntry.objects.get().translation == t
    assert (entries[0].source_language, entries[0].target_language) == ("ru", "en")


def test_memory_add_from_replaces_earlier_pairs_of_the_same_translation(db):
    t = TranslationFactory(state=State.APPROVED)
    memory.memory_add_from(translation=t)
    first = t.source_revision.blocks[0]["id"]
    t.blocks[first]["text"] = "Corrected wording."
    t.save()
    memory.memory_add_from(translation=t)
    assert MemoryEntry.objects.filter(translation=t).count() == len(t.source_revision.blocks)
    assert MemoryEntry.objects.filter(target_text="Corrected wording.").count() == 1


def test_memory_suggestions_rank_by_trigram_similarity_above_threshold(db):
    MemoryEntry.objects.create(
        source_language="ru", target_language="en", source_text="Сотрудники МИД вышли на пикет.", target_text="A"
    )
    MemoryEntry.objects.create(
        source_language="ru",
        target_language="en",
        source_text="Сотрудники МИД вышли на пикет против насилия.",
        target_text="B",
    )
    MemoryEntry.objects.create(
        source_language="ru", target_language="en", source_text="Погода в Минске будет тёплой.", target_text="C"
    )
    found = memory.memory_suggestions(text="Сотрудники МИД вышли на пикет против насилия!", source_language="ru")
    assert [e.target_text for e in found] == ["B", "A"]
    assert all(e.similarity >= memory.SIMILARITY_THRESHOLD for e in found)
    assert memory.memory_suggestions(text="Сотрудники МИД вышли на пикет.", source_language="be") == []


def test_memory_suggestions_skip_own_translation(db):
    t = TranslationFactory(state=State.APPROVED)
    memory.memory_add_from(translation=t)
    blocks = t.source_revision.blocks
    assert memory.suggestions_by_block(translation=t, blocks=blocks) == {}
    other = TranslationFactory(article=ArticleFactory(), state=State.IN_PROGRESS)
    assert memory.suggestions_by_block(translation=other, blocks=blocks)


def test_glossary_services_are_for_editors(db, editor, volunteer):
    with pytest.raises(PermissionDenied):
        glossary.glossary_term_create(by=volunteer, source_term="МИД", target_term="MFA")
    term = glossary.glossary_term_create(by=editor, source_term=" МИД ", target_term="MFA")
    assert (term.source_term, term.created_by) == ("МИД", editor)
    with pytest.raises(glossary.GlossaryError):
        glossary.glossary_term_create(by=editor, source_term="МИД", target_term="Foreign Ministry")
    with pytest.raises(PermissionDenied):
        glossary.glossary_term_delete(term=term, by=volunteer)
    glossary.glossary_term_delete(term=term, by=editor)
    assert not GlossaryTerm.objects.exists()


def test_hits_by_block_finds_terms_per_block(db):
    GlossaryTerm.objects.create(source_term="Окрестина", target_term="Okrestin")
    GlossaryTerm.objects.create(source_term="МИД", target_term="Foreign Ministry")
    blocks = [
        {"id": "a", "kind": "paragraph", "text": "Их держали на Окрестиной."},
        {"id": "b", "kind": "paragraph", "text": "Заявление МИДа."},
        {"id": "c", "kind": "embed", "text": "Окрестина"},
    ]
    hits = glossary.hits_by_block(blocks=blocks, terms=list(glossary.glossary_terms(source_language="ru")))
    assert {k: [h.target_term for h in v] for k, v in hits.items()} == {"a": ["Okrestin"], "b": ["Foreign Ministry"]}
