"""Machine drafts: services that fill empty blocks from a provider, and their selectors.

A draft is asked for (``machine_draft_request`` by the assigned translator from the editor,
``machine_drafts_batch_request`` by an editor for open jobs), recorded as a
:class:`MachineDraftJob` and made by the Celery task ``machine_draft_run``, which calls
``machine_draft_job_run``: the provider is called outside any transaction (a slow provider
never holds a row lock), then the drafts are written through ``editing.translation_save`` as
one reversion version, so the rules about who may change the text in which state apply here
too. Only blocks that are still empty when the drafts arrive are filled: typed text is never
overwritten. Each filled block gets a mark in ``Translation.machine_drafts``.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from newsroom.core.errors import DeskError
from newsroom.core.queue import enqueue
from translations import editing, permissions
from translations.assist import checks, glossary, machine, machine_marks
from translations.assist.machine import MachineError
from translations.models import MachineDraftJob, State, Translation

log = logging.getLogger(__name__)

# How many open jobs one click on the board may queue.
BATCH_LIMIT = 50


def source_texts(translation: Translation) -> dict[str, str]:
    """The text to translate of each translatable source block (captions for images), in order."""
    return {
        str(b["id"]): checks.source_text(b) for b in translation.source_revision.blocks if checks.is_translatable(b)
    }


def empty_block_ids(translation: Translation, *, only: list[str] | None = None) -> list[str]:
    """Translatable blocks with no text typed and not left out, in source order."""
    wanted = set(only) if only else None
    out = []
    for block_id in source_texts(translation):
        if wanted is not None and block_id not in wanted:
            continue
        entry = translation.blocks.get(block_id) or {}
        if not entry.get("omitted") and not str(entry.get("text", "")).strip():
            out.append(block_id)
    return out


def can_request(*, user: Any, translation: Translation) -> bool:
    """From the editor: only the assigned translator, while the text is being worked on (in
    progress; ``editing`` has the last word on which states may change text)."""
    return (
        permissions.is_translator_of(user, translation)
        and permissions.can_edit_text(user=user, translation=translation)  # not a correction's translator
        and translation.state == State.IN_PROGRESS
        and translation.state in editing.EDITABLE_STATES
    )


def can_batch(*, user: Any, translation: Translation) -> bool:
    """From the board or the command line: editors, for jobs nobody has claimed yet."""
    return permissions.is_editor(user) and translation.state == State.OPEN


def _queue(job_id: int) -> None:

    try:
        enqueue("translations.tasks.machine_draft_run", job_id)
    except Exception:  # the broker is down: say so rather than leave the job waiting forever
        log.warning("Broker unavailable; machine draft job %s not queued", job_id, exc_info=True)
        MachineDraftJob.objects.filter(pk=job_id, status=MachineDraftJob.Status.QUEUED).update(
            status=MachineDraftJob.Status.FAILED,
            message=_("The desk could not start the machine draft just now. Nothing was changed; try again later."),
            finished_at=timezone.now(),
        )


@transaction.atomic
def machine_draft_request(*, translation: Translation, by: Any, block_ids: list[str] | None = None) -> MachineDraftJob:
    """The assigned translator asks for machine drafts of ``block_ids`` (``None``: every empty block).

    Raises MachineError when no provider is configured, PermissionDenied for anyone else or a
    text that cannot be edited now. Records a job and queues ``machine_draft_run`` on commit.
    """
    provider = machine.provider_required()
    t = Translation.objects.select_related("source_revision").get(pk=translation.pk)
    if not can_request(user=by, translation=t):
        raise PermissionDenied(_("Only the assigned translator can ask for machine drafts while translating."))
    known = source_texts(t)
    ids = [b for b in (block_ids or []) if b in known][:500]
    if block_ids and not ids:
        raise PermissionDenied(_("That paragraph has nothing to translate."))
    job = MachineDraftJob.objects.create(translation=t, requested_by=by, block_ids=ids, provider=provider.name)
    transaction.on_commit(lambda: _queue(job.pk))
    return job


@transaction.atomic
def machine_drafts_batch_request(*, translations: list[Translation], by: Any) -> list[MachineDraftJob]:
    """An editor pre-drafts open jobs. Jobs that are not open are skipped; at most BATCH_LIMIT.

    Raises MachineError when no provider is configured, PermissionDenied for non-editors.
    """
    provider = machine.provider_required()
    if not permissions.is_editor(by):
        raise PermissionDenied(_("Only editors can pre-draft jobs."))
    jobs = []
    for t in translations[:BATCH_LIMIT]:
        if can_batch(user=by, translation=t):
            jobs.append(MachineDraftJob.objects.create(translation=t, requested_by=by, provider=provider.name))
    for job in jobs:
        transaction.on_commit(lambda pk=job.pk: _queue(pk))  # type: ignore[misc]
    return jobs


def machine_draft_fill(
    *, translation: Translation, by: Any, block_ids: list[str] | None = None, provider: machine.Provider | None = None
) -> int:
    """Fill the empty blocks (of ``block_ids``, or all) with drafts from the provider; how many were filled.

    For the assigned translator or an editor (checked again by ``editing.translation_save``).
    Raises MachineError when the provider fails (nothing written), PermissionDenied when the
    text may not be changed. Writes one reversion version.
    """
    provider = provider or machine.provider_required()
    t = Translation.objects.select_related("source_revision", "article").get(pk=translation.pk)
    if not (can_request(user=by, translation=t) or can_batch(user=by, translation=t)):
        raise PermissionDenied(_("You cannot ask for machine drafts of this text now."))
    wanted = empty_block_ids(t, only=block_ids)
    if not wanted:
        return 0
    texts = source_texts(t)
    terms = list(glossary.glossary_terms(source_language=t.article.language, target_language=t.language))
    blocks = [b for b in t.source_revision.blocks if str(b["id"]) in set(wanted)]
    hits = glossary.hits_by_block(blocks=blocks, terms=terms)
    entries = {h.source_term: h.target_term for hs in hits.values() for h in hs if h.source_term and h.target_term}
    drafts = provider.translate(
        texts=[texts[b] for b in wanted],
        source=t.article.language,
        target=t.language,
        glossary=entries if provider.has_glossary else {},
    )
    return _drafts_write(translation=t, by=by, drafts=dict(zip(wanted, drafts, strict=True)), provider=provider.name)


@transaction.atomic
def _drafts_write(*, translation: Translation, by: Any, drafts: dict[str, str], provider: str) -> int:
    locked = Translation.objects.select_for_update().get(pk=translation.pk)
    fill = {}
    for block_id, draft in drafts.items():
        entry = locked.blocks.get(block_id) or {}
        # Typed while the provider worked, or left out: the person's choice stands.
        if draft.strip() and not entry.get("omitted") and not str(entry.get("text", "")).strip():
            fill[block_id] = draft.strip()
    if not fill:
        return 0
    at = timezone.now().isoformat()
    marks = {**locked.machine_drafts}
    for block_id, draft in fill.items():
        marks[block_id] = machine_marks.mark_new(draft=draft, provider=provider, at=at)
    # Written in this transaction, then saved (and versioned) with the text by translation_save,
    # which re-reads the row; if it refuses, both roll back together.
    Translation.objects.filter(pk=locked.pk).update(machine_drafts=marks)
    editing.translation_save(
        translation=locked,
        by=by,
        based_on=locked.edit_version,
        # A block's other parts (alt text, attribution, photographer) stay as they are.
        blocks={
            b: {**(locked.blocks.get(b) or {}), "text": d, "omitted": False, "reason": ""} for b, d in fill.items()
        },
        machine=True,  # the machine's text, on behalf of the person who asked
        as_version=True,
        comment=ngettext(
            "Machine draft (%(provider)s) of %(n)d paragraph",
            "Machine draft (%(provider)s) of %(n)d paragraphs",
            len(fill),
        )
        % {"provider": provider, "n": len(fill)},
    )
    return len(fill)


def machine_draft_job_run(*, job_id: int) -> MachineDraftJob:
    """Run one queued job (called by the task; safe to run twice: a finished job is left alone,
    and a second fill finds no empty block). A provider failure becomes the job's message."""
    job = MachineDraftJob.objects.select_related("translation", "requested_by").get(pk=job_id)
    if job.status != MachineDraftJob.Status.QUEUED:
        return job
    try:
        job.drafted = machine_draft_fill(
            translation=job.translation, by=job.requested_by, block_ids=job.block_ids or None
        )
        job.status = MachineDraftJob.Status.DONE
        job.message = ""
    except MachineError as e:
        job.status, job.message = MachineDraftJob.Status.FAILED, e.message[:500]
    except PermissionDenied as e:
        job.status, job.message = MachineDraftJob.Status.FAILED, str(e)[:500]
    except DeskError as e:  # the text service refused the draft (a limit, the job's state): say why
        job.status, job.message = MachineDraftJob.Status.FAILED, e.message[:500]
    job.finished_at = timezone.now()
    job.save(update_fields=["drafted", "status", "message", "finished_at"])
    return job


# --------------------------------------------------------------------------- selectors


def machine_job_latest(*, translation: Translation) -> MachineDraftJob | None:
    """The newest job of the last hour, for the editor's status line."""
    since = timezone.now() - dt.timedelta(hours=1)
    return MachineDraftJob.objects.filter(translation=translation, created_at__gte=since).first()


def editor_context(*, user: Any, translation: Translation) -> dict[str, Any]:
    """What the editor's machine-draft controls show: whether they are offered, the last job."""
    enabled = machine.is_enabled()
    return {
        "enabled": enabled,
        "can_request": enabled and can_request(user=user, translation=translation),
        "job": machine_job_latest(translation=translation) if enabled else None,
        "marked": len(translation.machine_drafts),
    }


def machine_job_status(*, job: MachineDraftJob) -> dict[str, Any]:
    """What the editor's script needs: the job's state and, once done, the drafted texts."""
    t = job.translation
    blocks = {}
    if job.status == MachineDraftJob.Status.DONE:
        ids = job.block_ids or list(t.machine_drafts)
        blocks = {b: t.block_text(b) for b in ids if b in t.machine_drafts}
    return {
        "status": job.status,
        "message": job.message,
        "drafted": job.drafted,
        "provider": job.provider,
        "edit_version": t.edit_version,
        "blocks": blocks,
    }


def machine_share() -> dict[str, Any]:
    """Share of published text (characters of block text) that began as a machine draft."""
    sql = """
        SELECT coalesce(sum(length(b.value->>'text')) FILTER (WHERE t.machine_drafts ? b.key), 0),
               coalesce(sum(length(b.value->>'text')), 0),
               count(DISTINCT t.id) FILTER (WHERE t.machine_drafts ? b.key)
        FROM translations_translation t, jsonb_each(t.blocks) b
        WHERE t.state = %s AND jsonb_typeof(b.value) = 'object'
          AND NOT coalesce((b.value->>'omitted')::boolean, false)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [State.PUBLISHED])
        machine_chars, all_chars, translations = cursor.fetchone()
    percent = round(100 * machine_chars / all_chars, 1) if all_chars else 0.0
    return {"machine_chars": machine_chars, "all_chars": all_chars, "percent": percent, "translations": translations}
