"""Translation memory: approved source/target block pairs offered again for similar source text.

Similarity is PostgreSQL's pg_trgm (``TrigramSimilarity``); the ``%`` operator
(``trigram_similar``) lets the GIN index ``memory_trgm`` find candidates, and the explicit
threshold keeps the panel to useful matches. Source and target are stored with their inline
tokens (``assist/inline.py``): the markers are numbered per paragraph, so a match's ``[1]`` is
the new paragraph's first link, taken from its own source. A target not in the target language (the
language check of ``assist.language``: a placeholder or an untranslated paragraph) is neither
stored nor offered.

The workflow feeds memory: ``translation_approve`` should call :func:`memory_record_approved`
inside its transaction (the workflow belongs to the lead; this module only offers the service).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.postgres.search import TrigramSimilarity
from django.db import transaction

from translations.assist import checks, inline
from translations.models import MemoryEntry, Translation

SIMILARITY_THRESHOLD = 0.3
SUGGESTIONS_PER_BLOCK = 3
# Very short blocks ("Фото", "1.") match everything and help nobody.
MIN_SOURCE_CHARS = 12


def source_text(block: dict[str, Any]) -> str:
    """The text of a source block that memory matches: an image's caption, or a paragraph with
    its inline tokens ("[1]…[/1]"), as the translator saw it — a pair is stored and matched with
    them, so the target offered again carries the markers and a 100% match keeps the links."""
    if block.get("kind") == "image":
        return str((block.get("attrs") or {}).get("caption") or "")
    return inline.source_text(block)


def memory_suggestions(
    *, text: str, source_language: str, target_language: str = "en", exclude_translation_id: int | None = None
) -> list[MemoryEntry]:
    """Selector: up to SUGGESTIONS_PER_BLOCK entries whose source is similar to ``text``, best
    first, each with ``similarity`` annotated."""
    text = (text or "").strip()
    if len(text) < MIN_SOURCE_CHARS:
        return []
    qs = (
        MemoryEntry.objects.filter(
            source_language=source_language, target_language=target_language, source_text__trigram_similar=text
        )
        .annotate(similarity=TrigramSimilarity("source_text", text))
        .filter(similarity__gte=SIMILARITY_THRESHOLD)
    )
    if exclude_translation_id is not None:
        qs = qs.exclude(translation_id=exclude_translation_id)
    # A pair stored before the language check (a placeholder, an untranslated paragraph) is
    # never offered: only targets in the target language are.
    found: list[MemoryEntry] = list(qs.order_by("-similarity", "-created_at")[: SUGGESTIONS_PER_BLOCK * 2])
    return [e for e in found if _is_in_language(e.target_text, target_language)][:SUGGESTIONS_PER_BLOCK]


def _is_in_language(text: str, language: str) -> bool:
    return checks.language_problem(text, language) is None


def block_suggestions(*, translation: Translation, block_id: str) -> list[MemoryEntry]:
    """Selector: suggestions for one source block of ``translation`` (none for an embed or an
    unknown id). The editor asks for them when the person reaches a paragraph (``desk:memory``),
    so opening a long job costs no lookup per paragraph."""
    for block in translation.source_revision.blocks:
        if str(block.get("id")) == block_id:
            if block.get("kind") == "embed":
                return []
            return memory_suggestions(
                text=source_text(block),
                source_language=translation.article.language,
                target_language=translation.language,
                exclude_translation_id=translation.pk,
            )
    return []


def suggestions_by_block(*, translation: Translation, blocks: Sequence[dict[str, Any]]) -> dict[str, list[MemoryEntry]]:
    """Suggestions for each translatable block of ``translation`` (one query per block; none
    when the memory is empty): the memory page (``desk:memory``), asked for on purpose."""
    language = translation.article.language
    if not MemoryEntry.objects.filter(source_language=language, target_language=translation.language).exists():
        return {}
    out: dict[str, list[MemoryEntry]] = {}
    for block in blocks:
        if block.get("kind") == "embed":
            continue
        found = memory_suggestions(
            text=source_text(block),
            source_language=language,
            target_language=translation.language,
            exclude_translation_id=translation.pk,
        )
        if found:
            out[str(block["id"])] = found
    return out


@transaction.atomic
def memory_add_from(*, translation: Translation) -> list[MemoryEntry]:
    """Store ``translation``'s translated blocks as memory pairs, replacing earlier pairs from it
    (a correction re-approved must not leave the old wording behind). Left-out blocks, embeds
    and empty texts are skipped. Callers: the workflow on approval; editors' tools."""
    t = Translation.objects.select_related("article", "source_revision").get(pk=translation.pk)
    MemoryEntry.objects.filter(translation=t).delete()
    entries = []
    for block in t.source_revision.blocks:
        entry = t.blocks.get(block["id"]) or {}
        source, target = source_text(block).strip(), str(entry.get("text", "")).strip()
        if block.get("kind") == "embed" or entry.get("omitted") or not source or not target:
            continue
        if not _is_in_language(target, t.language):  # memory offers only real translations
            continue
        entries.append(
            MemoryEntry(
                source_language=t.article.language,
                target_language=t.language,
                source_text=source,
                target_text=target,
                translation=t,
            )
        )
    return MemoryEntry.objects.bulk_create(entries)


def memory_record_approved(*, translation: Translation) -> list[MemoryEntry]:
    """Hook for ``workflow.translation_approve``: feed the approved text to the memory.

    Call it inside the approval's transaction, after the state is written. Writes
    MemoryEntry rows (see :func:`memory_add_from`); queues nothing.
    """
    return memory_add_from(translation=translation)
