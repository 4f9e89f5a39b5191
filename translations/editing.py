"""Saving a translation's text: autosaves and deliberate versions, never a lost word.

The text is locked by state here, whatever route calls: it changes only while the job is
open or in progress (a correction is in progress too). In review, approved, scheduled and
published it is frozen for everyone, so readers get exactly what a reviewer approved; an
editor who must change approved text reopens it (request changes), and an editor's own change
is then reviewed by someone else.

Authorship is recorded here and nowhere else: every save adds the person who saved to the
authors of each part (title, lead, notes, tags, byline, each block) their save changed
(``Translation.authors``, :func:`translations.versions.authors_add`), whoever holds the job; a
machine draft records its requester as ``{"user": id, "machine": true}``; a restore takes the
restored version's authors and adds the restorer for the parts it changes. The four-eyes
predicates in ``permissions.py`` read it from the pinned version.

Every save carries ``based_on``, the ``edit_version`` the editor's form was built from. A
save against a newer version (another tab, another device, an editor's change) raises
:class:`StaleEdit` carrying both texts, and writes nothing. Autosaves update the working copy
only; a deliberate save (``as_version=True``) also makes a django-reversion version with
the author and comment, so the history holds decisions, not keystrokes.

Text is never cut: each field has a limit (``TEXT_LIMITS``, stated on the editor's boxes) and a
save with a longer text raises :class:`TextTooLong` naming the field and the limit, writing
nothing. Every text is cleaned first (:func:`translations.assist.typography.text_clean`: soft
hyphens, zero-width characters, Word bullets, no-break spaces that are not typographic).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import reversion
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from newsroom.core.audit import audit_record
from newsroom.core.errors import DeskError
from translations import permissions
from translations.assist import machine_marks
from translations.assist.typography import text_clean
from translations.models import State, Translation
from translations.versions import authors_add, text_snapshot, version_authors, version_snapshot

EDITABLE_STATES = frozenset({State.OPEN, State.IN_PROGRESS})

FROZEN_REASONS: dict[str, str] = {
    State.IN_REVIEW: "The text is frozen while it is in review. The reviewer can request changes to reopen it.",
    State.APPROVED: (
        "The text is frozen because a reviewer approved it: readers will see exactly the approved text. "
        "To change it, an editor reopens it (request changes) and it is reviewed again."
    ),
    State.SCHEDULED: (
        "The text is frozen because it is scheduled for publication. Cancel the schedule and reopen it to change it."
    ),
    State.PUBLISHED: "The text is published. An editor opens a correction to change it.",
    State.SPIKED: "This job is spiked. An editor must restore it before the text can change.",
}


# The longest text each field takes, in characters: stated on the editor's boxes (``maxlength``
# and a hint) and refused by :func:`translation_save`, never cut.
TEXT_LIMITS: dict[str, int] = {
    "title": 1000,
    "lead": 20000,
    "text": 20000,  # a paragraph, or an image's caption
    "alt": 1000,
    "cite": 300,  # a quote's attribution
    "credit": 300,  # a picture's photographer
    "reason": 1000,
    "note": 5000,
    "tags": 500,
    "byline": 500,
    "byline_outlet": 200,
    "correction_note": 2000,
}
_LIMIT_NAMES: dict[str, str] = {
    "title": "The title",
    "lead": "The lead",
    "text": "Paragraph %(n)s",
    "alt": "The alt text of picture %(n)s",
    "cite": "The attribution of quote %(n)s",
    "credit": "The photographer of picture %(n)s",
    "reason": "The reason for leaving out paragraph %(n)s",
    "note": "A translator's note",
    "tags": "The tags",
    "byline": "The byline",
    "byline_outlet": "The outlet in the byline",
    "correction_note": "The correction note",
}


class TextTooLong(DeskError):
    """A text longer than its field's limit: nothing was saved, nothing was cut."""

    def __init__(self, *, field_name: str, length: int, number: str = "") -> None:
        what = _(_LIMIT_NAMES[field_name]) % {"n": number}
        super().__init__(
            _(
                "%(what)s is %(length)s characters long; it can be at most %(limit)s. "
                "Nothing was saved: shorten it or split it, and save again."
            )
            % {"what": what, "length": f"{length:,}", "limit": f"{TEXT_LIMITS[field_name]:,}"}
        )
        self.field_name = field_name


def _fit(value: Any, *, field_name: str, number: str = "") -> str:
    """``value`` as clean text, or TextTooLong when it exceeds ``TEXT_LIMITS[field_name]``."""
    text = text_clean(str(value))
    if len(text) > TEXT_LIMITS[field_name]:
        raise TextTooLong(field_name=field_name, length=len(text), number=number)
    return text


def frozen_reason(translation: Translation) -> str:
    """Why the text cannot change in the translation's state ("" when it can)."""
    if translation.state in EDITABLE_STATES:
        return ""
    return _(FROZEN_REASONS.get(translation.state, "The text cannot be changed in this state."))


@dataclass
class StaleEdit(Exception):
    """The text changed since the form was loaded. Both texts travel with the error."""

    current: dict[str, Any]
    mine: dict[str, Any]
    current_version: int
    message: str = field(default="")

    def __post_init__(self) -> None:
        self.message = self.message or _(
            "Someone saved a newer version while you were editing. Nothing was overwritten: "
            "your text and theirs are both shown below."
        )


# A block's visible strings besides its text, by kind: each is offered for translation, cleaned,
# limited and authored like the text (a name left empty is spelt by ``newsroom.bylines`` at publication).
EXTRA_PARTS: dict[str, tuple[str, ...]] = {"image": ("alt", "credit"), "quote": ("cite",)}


def _clean_blocks(translation: Translation, blocks: dict[str, Any]) -> dict[str, Any]:
    """Keep only entries for blocks of the source revision, each as text/omitted/reason plus the
    kind's other visible strings (``EXTRA_PARTS``: an image's alt text and photographer, a
    quote's attribution)."""
    kinds = {b["id"]: b.get("kind") for b in translation.source_revision.blocks}
    numbers = {b["id"]: str(i) for i, b in enumerate(translation.source_revision.blocks, start=1)}
    cleaned: dict[str, Any] = {}
    for block_id, entry in blocks.items():
        if block_id not in kinds or not isinstance(entry, dict):
            continue
        n = numbers[block_id]
        cleaned[block_id] = {
            "text": _fit(entry.get("text", ""), field_name="text", number=n),
            "omitted": bool(entry.get("omitted", False)),
            "reason": _fit(entry.get("reason", ""), field_name="reason", number=n),
        }
        for part in EXTRA_PARTS.get(str(kinds[block_id]), ()):  # an image's caption is its "text"
            value = str(entry.get(part, ""))
            value = value if part == "alt" else " ".join(value.split())  # a name is one line
            cleaned[block_id][part] = _fit(value, field_name=part, number=n)
    return cleaned


@transaction.atomic
def translation_save(
    *,
    translation: Translation,
    by: Any,
    based_on: int,
    title: str | None = None,
    lead: str | None = None,
    blocks: dict[str, Any] | None = None,
    notes: list[dict[str, Any]] | None = None,
    tags: str | None = None,
    byline: str | None = None,
    byline_outlet: str | None = None,
    as_version: bool = False,
    comment: str = "",
    correction_note: str | None = None,
    machine: bool = False,
    authors_from: dict[str, Any] | None = None,
) -> Translation:
    """Save text the assignee (or an editor) typed. Fields left ``None`` are not touched;
    ``blocks`` is merged per block id, so an autosave of one field cannot wipe another.
    ``correction_note`` (the note readers will see) is kept only on an open correction.

    ``by`` becomes an author of every part the save changes (``machine``: the text is a
    machine draft ``by`` asked for). ``authors_from`` (a restore) replaces the authors the
    working copy had before ``by`` is added.

    Raises PermissionDenied for anyone else, StaleEdit for a save based on an old version,
    TextTooLong for a text over its ``TEXT_LIMITS`` (nothing is written, nothing is cut).
    """
    t = Translation.objects.select_for_update().select_related("source_revision").get(pk=translation.pk)
    if not permissions.can_edit_text(user=by, translation=t):
        raise PermissionDenied(_("Only the assigned translator or an editor can change this text."))
    if t.state not in EDITABLE_STATES:
        raise PermissionDenied(frozen_reason(t))
    mine = {
        "title": title,
        "lead": lead,
        "blocks": blocks,
        "notes": notes,
        "tags": tags,
        "byline": byline,
        "byline_outlet": byline_outlet,
    }
    if based_on != t.edit_version:
        raise StaleEdit(
            current=text_snapshot(t),
            mine={k: v for k, v in mine.items() if v is not None},
            current_version=t.edit_version,
        )
    before = copy.deepcopy(text_snapshot(t))
    # Every text is cleaned and measured before anything changes: a refusal writes nothing.
    if title is not None:
        title = _fit(title.strip(), field_name="title")
    if lead is not None:
        lead = _fit(lead.strip(), field_name="lead")
    if tags is not None:
        tags = _fit(tags.strip(), field_name="tags")
    if byline is not None:
        byline = _fit(" ".join(byline.split()), field_name="byline")
    if byline_outlet is not None:
        byline_outlet = _fit(" ".join(byline_outlet.split()), field_name="byline_outlet")
    if correction_note is not None:
        correction_note = _fit(correction_note.strip(), field_name="correction_note")
    clean_blocks = _clean_blocks(t, blocks) if blocks is not None else None
    clean_notes = (
        [
            {
                "id": str(n.get("id") or i),
                "after": str(n.get("after", "")),
                "text": _fit(n.get("text", ""), field_name="note"),
                "keep": bool(n.get("keep", True)),
            }
            for i, n in enumerate(notes)
            if isinstance(n, dict)
        ]
        if notes is not None
        else None
    )
    if title is not None:
        t.title = title
    if lead is not None:
        t.lead = lead
    if clean_blocks is not None:
        t.blocks = {**t.blocks, **clean_blocks}
        if t.machine_drafts:  # how far each machine draft has been changed, per save
            t.machine_drafts = machine_marks.marks_refresh(marks=t.machine_drafts, blocks=t.blocks)
    if clean_notes is not None:
        t.notes = clean_notes
    if tags is not None:
        t.tags = tags
    # The byline is text like the title: frozen with it, versioned with it, reviewed with it.
    if byline is not None:
        t.byline = byline
    if byline_outlet is not None:
        t.byline_outlet = byline_outlet
    if correction_note is not None and t.is_correction:
        t.correction_note = correction_note
    t.edit_version += 1
    t.last_activity_at = timezone.now()
    t.authors = authors_add(
        authors=t.authors if authors_from is None else authors_from,
        before=before,
        after=text_snapshot(t),
        user_id=by.pk,
        machine=machine,
    )
    if as_version:
        with reversion.create_revision(atomic=False):
            t.save()
            reversion.set_user(by)
            reversion.set_comment(comment or _("Saved a version"))
        audit_record(actor=by, action="translation.save_version", target=t)
    else:
        t.save()
    return t


@transaction.atomic
def translation_restore_version(*, translation: Translation, version: Any, by: Any) -> Translation:
    """Copy title/lead/blocks/notes/tags/byline of ``version`` (a reversion Version of this translation)
    into the working copy, saved as a new version "Restored version from …".

    Callers: ``review.version_restore`` and ``workflow.translation_correct``; who may is
    checked by :func:`translation_save`. Never touches the state.
    """
    if version.object_id != str(translation.pk) or version.content_type.model_class() is not Translation:
        raise PermissionDenied(_("That version belongs to another text."))
    t = Translation.objects.select_for_update().get(pk=translation.pk)
    old = version_snapshot(version)
    when = timezone.localtime(version.revision.date_created).strftime("%Y-%m-%d %H:%M")
    restored = translation_save(
        translation=t,
        by=by,
        based_on=t.edit_version,
        title=old["title"],
        lead=old["lead"],
        # translation_save merges per block: blank the blocks the old version did not have.
        blocks={**{block_id: {"text": ""} for block_id in t.blocks}, **old["blocks"]},
        notes=old["notes"],
        tags=old["tags"],
        # A version saved before bylines existed has none: the current byline stays.
        **(
            {"byline": old["byline"], "byline_outlet": old["byline_outlet"]}
            if old["byline"] or old["byline_outlet"]
            else {}
        ),
        as_version=True,
        comment=_("Restored version from %(when)s") % {"when": when},
        # A version saved before authors were recorded has none: the working copy's stay.
        authors_from=version_authors(version) or t.authors,
    )
    audit_record(actor=by, action="translation.restore_version", target=t, version=version.pk)
    return restored
