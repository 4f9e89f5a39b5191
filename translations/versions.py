"""Pinned versions: the exact text a submission sent and an approval approved.

Every workflow transition saves a django-reversion revision and records it, with a hash of
the text, on its :class:`WorkflowEvent`. This module reads those pins back:

- :func:`text_hash` is the fingerprint of a text (title, lead, blocks, notes, tags, the
  byline and the source revision it follows), the same whether read from the working copy or a Version;
- :func:`approved_version` is the Version the latest approval pinned; publishing, scheduling
  and the preview use :func:`approved_copy`, never the working copy;
- :func:`submitted_versions` are the pinned submissions, newest first, which the review diff
  compares (found by the stored revision id, never by a revision's comment);
- authorship (``Translation.authors``, versioned with the text): who wrote each part of a
  version. :func:`authors_add` is the one rule that grows it (called only by
  ``editing.translation_save``), :func:`pinned_author_ids` what the four-eyes predicates in
  ``permissions.py`` read: the authors of the exact version a submission or approval pinned.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core import serializers
from django.db import models
from reversion import revisions as reversion_revisions
from reversion.models import Revision, Version

from translations.models import Translation, WorkflowEvent

TEXT_FIELDS = ("title", "lead", "blocks", "notes", "tags", "byline", "byline_outlet")
# Added after texts were first pinned: left out of the hash while empty, so every hash taken
# before bylines existed still matches its version.
_HASHED_WHEN_SET = frozenset({"byline", "byline_outlet"})


# The parts of a text whose authors are recorded: each maps to the text fields it covers.
# Blocks are recorded per block id under "blocks".
AUTHOR_PARTS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "lead": ("lead",),
    "notes": ("notes",),
    "tags": ("tags",),
    "byline": ("byline", "byline_outlet"),
}


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


# --------------------------------------------------------------------------- authorship
# ``Translation.authors`` is {"title": [entry], "lead": [...], "notes": [...], "tags": [...],
# "byline": [...], "blocks": {block_id: [...]}} where an entry is {"user": id} for text a
# person typed and {"user": id, "machine": true} for a machine draft that person asked for.
# Entries accumulate: whoever changes a part is added to its authors and nobody is removed
# (only a restore, which takes the restored version's authors, or a block the text no longer
# has). A machine draft's requester counts as an author for four eyes.


def _part_values(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {part: tuple(snapshot.get(f) for f in fields) for part, fields in AUTHOR_PARTS.items()}


def _has_text(value: Any) -> bool:
    if isinstance(value, dict):
        return bool(str(value.get("text", "")).strip()) or any(
            str(value.get(k, "")).strip() for k in ("reason", "alt", "cite", "credit")
        )
    if isinstance(value, tuple | list):
        return any(_has_text(v) for v in value)
    return bool(str(value or "").strip())


def _block_value(entry: Any) -> tuple[str, bool, str, str, str, str]:
    """A block entry as compared for authorship ({"text": x} and its cleaned form are the same)."""
    entry = entry if isinstance(entry, dict) else {}
    return (
        str(entry.get("text", "")),
        bool(entry.get("omitted", False)),
        str(entry.get("reason", "")),
        str(entry.get("alt", "")),
        str(entry.get("cite", "")),
        str(entry.get("credit", "")),
    )


def _with_entry(entries: list[dict[str, Any]], entry: dict[str, Any]) -> list[dict[str, Any]]:
    return entries if entry in entries else [*entries, entry]


def authors_add(
    *,
    authors: dict[str, Any],
    before: dict[str, Any] | None,
    after: dict[str, Any],
    user_id: int,
    machine: bool = False,
) -> dict[str, Any]:
    """``authors`` with ``user_id`` added to every part that differs between the text snapshots
    ``before`` and ``after`` (``None``: every part of ``after`` that has text), and the blocks
    ``after`` no longer has dropped. Returns a new map; the arguments are not changed."""
    entry: dict[str, Any] = {"user": user_id, **({"machine": True} if machine else {})}
    result: dict[str, Any] = {
        part: list(authors.get(part) or []) for part in AUTHOR_PARTS if isinstance(authors.get(part), list)
    }
    old_parts = _part_values(before) if before is not None else {}
    for part, value in _part_values(after).items():
        changed = value != old_parts[part] if before is not None else _has_text(value)
        if changed:
            result[part] = _with_entry(result.get(part, []), entry)
        if not result.get(part):
            result.pop(part, None)
    old_blocks = (before or {}).get("blocks") or {}
    new_blocks = after.get("blocks") or {}
    block_authors: dict[str, Any] = authors["blocks"] if isinstance(authors.get("blocks"), dict) else {}
    blocks: dict[str, list[dict[str, Any]]] = {}
    for block_id, value in new_blocks.items():
        entries = list(block_authors.get(block_id) or [])
        changed = (
            _block_value(value) != _block_value(old_blocks.get(block_id)) if before is not None else _has_text(value)
        )
        if changed:
            entries = _with_entry(entries, entry)
        if entries:
            blocks[block_id] = entries
    if blocks:
        result["blocks"] = blocks
    return result


def author_ids(authors: dict[str, Any] | None) -> set[int]:
    """Everyone recorded as an author anywhere in ``authors`` (machine drafts' requesters too)."""
    if not isinstance(authors, dict):
        return set()
    lists = [v for k, v in authors.items() if k != "blocks" and isinstance(v, list)]
    blocks = authors.get("blocks")
    if isinstance(blocks, dict):
        lists += [v for v in blocks.values() if isinstance(v, list)]
    return {int(e["user"]) for entries in lists for e in entries if isinstance(e, dict) and e.get("user") is not None}


def version_authors(version: Version) -> dict[str, Any]:
    """The authors map a stored version carries ({} for versions saved before it was recorded)."""
    authors = version.field_dict.get("authors")
    return authors if isinstance(authors, dict) else {}


def pinned_author_ids(translation: Translation, action: str) -> set[int]:
    """Who wrote the text ``action`` (submit, approve) pinned last: the four-eyes set.

    The authors of the pinned version, and those of the working copy (the same set while the
    text is frozen, which it is from submission on; it covers versions pinned before authors
    were recorded, whose authors the data migration put on the working copy). Without a pin,
    the working copy's authors.
    """
    ids = author_ids(translation.authors)
    prefetched = getattr(translation, "_pinned_authors", None)
    if prefetched is not None and action in prefetched:
        return ids | prefetched[action]
    pin = latest_pin(translation, action)
    if pin is not None:
        ids |= author_ids(version_authors(pin.version))
    return ids


def pinned_authors_prefetch(
    translations: Iterable[Translation], actions: tuple[str, ...] = ("submit", "approve")
) -> None:
    """The four-eyes sets of many jobs at once (a page of board cards, each offering its next
    steps): two queries whatever their number, kept on each instance for
    :func:`pinned_author_ids`. The same rule, only read in bulk."""
    by_pk = {t.pk: t for t in translations if t.pk is not None}
    if not by_pk:
        return
    pins = list(
        WorkflowEvent.objects.filter(translation_id__in=by_pk, action__in=actions, revision__isnull=False)
        .order_by("translation_id", "action", "-created_at", "-pk")
        .distinct("translation_id", "action")
        .values_list("translation_id", "action", "revision_id")
    )
    stored = {
        (int(v.object_id), v.revision_id): v
        for v in Version.objects.get_for_model(Translation).filter(
            object_id__in=[str(pk) for pk in by_pk], revision_id__in=[rev for _t, _a, rev in pins]
        )
    }
    for t in by_pk.values():
        t._pinned_authors = {action: set() for action in actions}  # type: ignore[attr-defined]
    for pk, action, revision_id in pins:
        version = stored.get((pk, revision_id))
        if version is not None:
            by_pk[pk]._pinned_authors[action] = author_ids(version_authors(version))  # type: ignore[attr-defined]


def authors_by_person(authors: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """For display: per user id, the parts they wrote ("title", …, block ids) and those drafted
    by machine at their request: ``{user_id: {"parts": [...], "blocks": [...], "machine": [...]}}``."""
    people: dict[int, dict[str, Any]] = {}

    def add(entries: Any, part: str, *, is_block: bool) -> None:
        for e in entries if isinstance(entries, list) else []:
            if not isinstance(e, dict) or e.get("user") is None:
                continue
            row = people.setdefault(int(e["user"]), {"parts": [], "blocks": [], "machine": []})
            key = "machine" if e.get("machine") else ("blocks" if is_block else "parts")
            if part not in row[key]:
                row[key].append(part)

    for part in AUTHOR_PARTS:
        add(authors.get(part), part, is_block=False)
    blocks = authors.get("blocks")
    for block_id, entries in blocks.items() if isinstance(blocks, dict) else []:
        add(entries, block_id, is_block=True)
    return people


def version_rows(obj: models.Model, *, revision: Revision) -> list[Version]:
    """The Version rows django-reversion saves for ``obj`` in ``revision`` (the object and every
    object its registration follows, serialised the same way), not saved yet: for a bulk writer
    (``workflow.base.records_bulk``). The related objects followed must be saved already (their
    ``all()`` is read, as reversion reads it, from a prefetch when there is one)."""
    rows: list[Version] = []
    seen: set[tuple[type[models.Model], Any]] = set()

    def add(item: models.Model) -> None:
        # reversion's own registration options (the module's private helpers: version pinned in requirements.txt)
        options = reversion_revisions._get_options(item.__class__)
        key = (item.__class__, item.pk)
        if item.pk is None or key in seen:
            return
        seen.add(key)
        rows.append(
            Version(
                revision=revision,
                content_type=reversion_revisions._get_content_type(item.__class__, "default"),
                object_id=str(getattr(item, options.object_id_field)),
                db="default",
                format=options.format,
                serialized_data=serializers.serialize(
                    options.format,
                    (item,),
                    fields=options.fields,
                    use_natural_foreign_keys=options.use_natural_foreign_keys,
                ),
                object_repr=str(item),
            )
        )
        for follow in reversion_revisions._follow_relations(item):
            add(follow)

    add(obj)
    return rows
