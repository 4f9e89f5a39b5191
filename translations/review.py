"""Review services: block comments, restoring old versions, following a re-synced source,
and confirming credits before publication.

None of these writes ``Translation.state``: a state change goes through ``workflow``
(``translation_follow_source`` calls ``workflow.translation_request_changes`` for that).
"""

from __future__ import annotations

import re
from typing import Any

import reversion
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from reversion.models import Version

from newsroom.core.audit import audit_record
from newsroom.core.errors import DeskError
from newsroom.core.inputs import clean_text
from translations import editing, permissions, selectors, versions, workflow
from translations.models import Comment, NotificationKind, State, Translation
from translations.people import names, notifications
from translations.workflow.actions import RequestChanges

FOLLOW_SOURCE_COMMENT = "The source changed; please update the translation."


class ReviewError(DeskError):
    """A review action that cannot be done (empty comment, unknown block, …)."""


@transaction.atomic
def comment_add(
    *, translation: Translation, by: Any, block_id: str, body: str, parent: Comment | None = None
) -> Comment:
    """Anchor a comment to a source block (or the whole text when ``block_id`` is "").

    Callers: the translation's reviewer(s) and editors (four eyes: not its translator unless
    replying as the translator). A reply (``parent``) joins its thread on the parent's block.
    Writes the Comment and an audit entry; notifies the translator (or, for the translator's
    own comments, the reviewer) on the desk and by email after commit.
    """
    if not permissions.can_comment(user=by, translation=translation):
        raise PermissionDenied(_("Only the reviewer, an editor or the translator can comment here."))
    body = clean_text(body or "").strip()
    if not body:
        raise ReviewError(_("Write something before sending the comment."))
    if parent is not None:
        if parent.translation_id != translation.pk:
            raise ReviewError(_("You can only reply to a comment on this translation."))
        root = parent
        while root.parent_id is not None and root.parent is not None:
            root = root.parent
        parent, block_id = root, root.block_id
    block_ids = {b["id"] for b in translation.source_revision.blocks}
    if block_id and block_id not in block_ids:
        raise ReviewError(_("That paragraph is not part of the source text."))
    comment = Comment.objects.create(
        translation=translation, block_id=block_id or "", author=by, parent=parent, body=body[:10000]
    )
    audit_record(actor=by, action="comment.add", target=translation, comment=comment.pk, block=block_id or "")
    recipients: list[tuple[Any, str]] = []
    if translation.translator is not None and translation.translator_id != by.pk:
        recipients.append((translation.translator, NotificationKind.COMMENT))
    elif translation.reviewer is not None and translation.reviewer_id != by.pk:
        recipients.append((translation.reviewer, NotificationKind.COMMENT))
    if (
        parent is not None
        and parent.author is not None
        and parent.author_id not in {by.pk, *[u.pk for u, _k in recipients]}
    ):
        recipients.append((parent.author, NotificationKind.COMMENT))
    title = translation.title or translation.article.source_title
    ids = notifications.notifications_record(
        event=None,
        recipients=recipients,
        key=f"comment:{comment.pk}",
        text=_("New comment: %(title)s") % {"title": title},
        url=translation.get_absolute_url(),
        actor=by,
    )
    # Each @username in the comment tells that person (if they may see the job), on the desk and
    # by email, unless they muted mentions; someone already told of the comment is not told twice.
    told = {u.pk for u, _k in recipients}
    mentioned = [u for u in mentioned_people(translation=translation, body=body) if u.pk not in told]
    ids += notifications.notifications_record(
        event=None,
        recipients=[(u, NotificationKind.MENTION) for u in mentioned],
        key=f"mention:{comment.pk}",
        text=_("You were mentioned in a comment: %(title)s") % {"title": title},
        url=translation.get_absolute_url(),
        actor=by,
    )
    if ids:
        transaction.on_commit(lambda: notifications.notifications_queue(ids), robust=True)
    return comment


MENTION = re.compile(r"(?<![\w@])@([\w.+-]{1,150})", re.UNICODE)


def mentioned_people(*, translation: Translation, body: str) -> list[Any]:
    """The desk members named ``@username`` in ``body`` who may see ``translation`` (anyone else's
    mention is plain text: naming a job to someone who cannot open it tells them nothing)."""
    usernames = {m.rstrip(".") for m in MENTION.findall(body or "")}
    if not usernames:
        return []
    people = selectors.desk_members().filter(username__in=list(usernames)[:20])
    return [p for p in people if selectors.translations_visible_to(user=p).filter(pk=translation.pk).exists()]


def mention_candidates(*, translation: Translation, viewer: Any) -> list[dict[str, str]]:
    """Who a comment on ``translation`` may mention, for the suggestions: each desk member who may
    see it, by username with the name ``viewer`` may see (never a hidden real name)."""
    candidates = []
    others = [p for p in selectors.desk_members() if p.pk != viewer.pk]
    for person in selectors.people_who_see(translation=translation, people=others):
        shown = names.desk_name(person=person, viewer=viewer)
        candidates.append({"username": person.username, "label": shown if shown != person.username else ""})
    return candidates


@transaction.atomic
def comment_resolve(*, comment: Comment, by: Any) -> Comment:
    """Mark a comment thread resolved. Callers: anyone who may comment on the translation.

    Writes ``resolved_at``/``resolved_by`` and an audit entry; resolving twice changes nothing.
    """
    c = Comment.objects.select_for_update().select_related("translation").get(pk=comment.pk)
    if not permissions.can_comment(user=by, translation=c.translation):
        raise PermissionDenied(_("Only the reviewer, an editor or the translator can resolve comments."))
    if c.resolved_at is None:
        c.resolved_at, c.resolved_by = timezone.now(), by
        c.save(update_fields=["resolved_at", "resolved_by"])
        audit_record(actor=by, action="comment.resolve", target=c.translation, comment=c.pk)
    return c


def versions_of(translation: Translation) -> Any:
    """Every reversion Version of ``translation``, newest first, with revision and author."""
    return Version.objects.get_for_object(translation).select_related("revision", "revision__user__contributor")


@transaction.atomic
def version_restore(*, translation: Translation, version: Version, by: Any) -> Translation:
    """Make an old version of ``translation`` its text again (History → Restore).

    Callers: editors, or the assigned translator while the state is editable (checked by
    ``editing.translation_save``). On a published story an editor's restore opens a correction
    with that text (``workflow.translation_correct``): the live text stays until a second person
    approves it. Otherwise the state is not touched. Writes the working copy, a reversion
    version "Restored version from …" and audit entries.
    """
    if version.object_id != str(translation.pk) or version.content_type.model_class() is not Translation:
        raise ReviewError(_("That version belongs to another text."))
    t = Translation.objects.select_for_update().get(pk=translation.pk)
    if t.state == State.PUBLISHED and permissions.is_editor(by):
        return workflow.translation_correct(translation=t, by=by, restore_version=version)
    return editing.translation_restore_version(translation=t, version=version, by=by)


def source_is_stale(translation: Translation) -> bool:
    return translation.article.current_revision_id not in (None, translation.source_revision_id)


@transaction.atomic
def translation_follow_source(*, translation: Translation, by: Any) -> Translation:
    """Point the translation at the article's current source revision.

    Callers: editors and reviewers who did not translate it (the send-back is a request for
    changes, four eyes apply). Target texts are carried over for block ids whose source text
    did not change; changed and new blocks are left for the translator. A translation in
    review (or approved, when the workflow allows it) goes back to in progress through
    ``workflow.translation_request_changes``, which notifies the translator.
    """
    t = (
        Translation.objects.select_for_update(of=("self",))
        .select_related("article__current_revision", "source_revision")
        .get(pk=translation.pk)
    )
    if not (permissions.is_editor(by) or permissions.can_review(user=by, translation=t)):
        raise PermissionDenied(_("Only editors and reviewers can send a translation back for a source update."))
    new_revision = t.article.current_revision
    if new_revision is None or new_revision.pk == t.source_revision_id:
        raise ReviewError(_("This translation already follows the current source."))
    sends_back = t.state in (State.IN_REVIEW, State.APPROVED)
    if sends_back and t.state not in RequestChanges.from_states:
        raise ReviewError(
            _("An approved translation cannot be sent back by the workflow yet; unpublish or spike it instead.")
        )
    if sends_back and not permissions.can_request_changes(user=by, translation=t):
        raise PermissionDenied(_("Only a reviewer or editor who did not translate this can send it back."))
    old_text = {b["id"]: b.get("text", "") for b in t.source_revision.blocks}
    kept = {
        block["id"]: t.blocks[block["id"]]
        for block in new_revision.blocks
        if block["id"] in t.blocks and block["id"] in old_text and old_text[block["id"]] == block.get("text", "")
    }
    t.source_revision, t.blocks = new_revision, kept
    # The kept blocks keep their authors; the dropped ones are no longer in the text.
    t.authors = versions.authors_add(
        authors=t.authors, before=versions.text_snapshot(t), after=versions.text_snapshot(t), user_id=by.pk
    )
    t.edit_version += 1
    with reversion.create_revision(atomic=False):
        t.save()
        reversion.set_user(by)
        reversion.set_comment(_("Now follows source revision %(n)s") % {"n": new_revision.number})
    audit_record(actor=by, action="translation.follow_source", target=t, revision=new_revision.number)
    if sends_back:
        t = workflow.translation_request_changes(translation=t, by=by, comment=FOLLOW_SOURCE_COMMENT)
    return t


def credit_rows(translation: Translation) -> list[dict[str, Any]]:
    """Each credit of ``translation`` with the public name it would get now (nothing written)."""
    credits = list(translation.credits.select_related("user", "user__contributor"))
    rows = []
    for credit in credits:
        name = names.public_name(credit.user, credit.role) if credit.user else credit.credit_name
        rows.append({"credit": credit, "preview_name": name})
    return rows
