"""Pinned versions: the exact text a submission sent and an approval approved.

Every workflow transition saves a django-reversion revision and records it, with a hash of
the text, on its :class:`WorkflowEvent`. This module reads those pins back:

- :func:`text_hash` is the fingerprint of a text (title, lead, blocks, notes, tags, the
  byline and the source revision it follows), the same whether read from the working copy or a Version;
- :func:`approved_version` is the Version the latest approval pinned; publishing, scheduling
  and the preview use :func:`approved_copy`, never the working copy;
- :func:`submitted_versions` are the pinned submissions, newest first, which the review diff
  compares (found by the stored revision id, never by a revision's comment).
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from reversion.models import Version

from translations.models import Translation, WorkflowEvent

TEXT_FIELDS = ("title", "lead", "blocks", "notes", "tags", "byline", "byline_outlet")
# Added after texts were first pinned: left out of the hash while empty, so every hash taken
# before bylines existed still matches its version.
_HASHED_WHEN_SET = frozenset({"byline", "byline_outlet"})


def text_snapshot(translation: Translation) -> dict[str, Any]:
    """The text fields of the working copy, as plain data."""
    return {
        "title": translation.title,
        "lead": translation.lead,
        "blocks": translation.blocks,
        "notes": translation.notes,
        "tags": translation.tags,
        "byline": translation.byline,
        "byline_outlet": translation.byline_outlet,
    }


def version_snapshot(version: Version) -> dict[str, Any]:
    """The text fields of a stored version (missing fields read as empty)."""
    data = version.field_dict
    return {
        "title": str(data.get("title") or ""),
        "lead": str(data.get("lead") or ""),
        "blocks": data.get("blocks") if isinstance(data.get("blocks"), dict) else {},
        "notes": data.get("notes") if isinstance(data.get("notes"), list) else [],
        "tags": str(data.get("tags") or ""),
        "byline": str(data.get("byline") or ""),
        "byline_outlet": str(data.get("byline_outlet") or ""),
        "source_revision_id": data.get("source_revision_id", data.get("source_revision")),
        "state": data.get("state"),
    }


def text_hash(snapshot: dict[str, Any], *, source_revision_id: int | None) -> str:
    """SHA-256 of the text fields and the source revision, canonically serialised."""
    canonical = {name: snapshot.get(name) for name in TEXT_FIELDS if name not in _HASHED_WHEN_SET or snapshot.get(name)}
    canonical["source_revision"] = source_revision_id
    payload = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def working_copy_hash(translation: Translation) -> str:
    return text_hash(text_snapshot(translation), source_revision_id=translation.source_revision_id)


def version_hash(version: Version) -> str:
    snap = version_snapshot(version)
    return text_hash(snap, source_revision_id=snap["source_revision_id"])


def event_version(event: WorkflowEvent) -> Version | None:
    """The Version of the event's translation saved by the event's transition."""
    if event.revision_id is None:
        return None
    return (
        Version.objects.get_for_object_reference(Translation, event.translation_id)
        .filter(revision_id=event.revision_id)
        .select_related("revision", "revision__user")
        .first()
    )


@dataclass(frozen=True)
class Pin:
    """A pinned text: the event that pinned it and the Version holding it."""

    event: WorkflowEvent
    version: Version

    @property
    def snapshot(self) -> dict[str, Any]:
        return version_snapshot(self.version)


def latest_pin(translation: Translation, action: str) -> Pin | None:
    """The newest ``action`` event (submit, approve) of ``translation`` with its pinned Version."""
    event = (
        WorkflowEvent.objects.filter(translation_id=translation.pk, action=action, revision__isnull=False)
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )
    if event is None:
        return None
    version = event_version(event)
    return Pin(event=event, version=version) if version is not None else None


def approved_pin(translation: Translation) -> Pin | None:
    return latest_pin(translation, "approve")


def approved_copy(translation: Translation, pin: Pin | None = None) -> Translation:
    """An unsaved copy of ``translation`` carrying the approved text (for publishing and preview).

    Raises LookupError when nothing was approved. The copy keeps the row's identity (pk,
    article, language, correction note, credits) and takes text and source revision from the
    approved version.
    """
    pin = pin or approved_pin(translation)
    if pin is None:
        raise LookupError("No approved version")
    snap = pin.snapshot
    approved = copy.copy(translation)
    approved._state = copy.copy(translation._state)
    approved._state.fields_cache = {k: v for k, v in translation._state.fields_cache.items() if k != "source_revision"}
    for name in TEXT_FIELDS:
        setattr(approved, name, copy.deepcopy(snap[name]))
    # Which approved blocks began as machine drafts travels with them (the public credit line).
    drafts = pin.version.field_dict.get("machine_drafts")
    if isinstance(drafts, dict):
        approved.machine_drafts = copy.deepcopy(drafts)
    if snap["source_revision_id"] is not None:
        approved.source_revision_id = snap["source_revision_id"]
    return approved


def submitted_versions(translation: Translation, *, limit: int = 50) -> list[Pin]:
    """Pinned submissions of ``translation``, newest first."""
    events = list(
        WorkflowEvent.objects.filter(translation_id=translation.pk, action="submit", revision__isnull=False)
        .select_related("actor")
        .order_by("-created_at", "-pk")[:limit]
    )
    versions = {
        v.revision_id: v
        for v in Version.objects.get_for_object_reference(Translation, translation.pk)
        .filter(revision_id__in=[e.revision_id for e in events])
        .select_related("revision", "revision__user")
    }
    return [Pin(event=e, version=versions[e.revision_id]) for e in events if e.revision_id in versions]
