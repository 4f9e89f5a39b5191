"""What every workflow verb shares: the refusals, the :class:`Transition` base and the record.

A transition is one class (Wagtail's ``actions/`` shape): it names the states it starts from,
the ``permissions.py`` predicate that says who may take it, the sentence for a person who may
not and for a job in the wrong state, the comment its revision gets when the person wrote
none, the message shown after it ran, the form that carries it (its one free-text field, the
page whose button takes it) and, in :meth:`Transition.apply`, what it changes. The base does the
rest the same way for every verb: :meth:`Transition.execute` locks the row, checks permission
and state, and :func:`record` writes the revision, the :class:`WorkflowEvent`, the audit entry
and the notifications in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import reversion
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from reversion.models import Revision, Version

from newsroom.core import factors
from newsroom.core.audit import audit_entry, audit_record
from newsroom.core.errors import DeskError
from newsroom.models import AuditEntry
from translations import versions
from translations.assist import checks
from translations.models import Translation, WorkflowEvent
from translations.people import notifications

Predicate = Callable[..., bool]

#: ``Transition.page`` of a verb whose button is on the translation's own page (the action bar),
#: posted to the shared endpoint ``desk:transition``.
JOB_PAGE = "job"


class WorkflowError(DeskError):
    """A transition that is not possible now (wrong state, missing reason, …)."""


class SubmitRefused(WorkflowError):
    """The checks found errors: the translation stays in progress. ``problems`` says where."""

    def __init__(self, message: str, problems: list[checks.Problem]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class FreeText:
    """The one free-text field a verb's form carries (posted as ``comment``).

    ``argument`` is the keyword of the verb it fills (``comment``, ``reason``, ``note``); ``label``
    and ``required`` are what the form shows. A verb without one shows no text field but
    still takes a ``comment`` when it has one.
    """

    label: str
    argument: str = "comment"
    required: bool = False


@dataclass(kw_only=True)
class Transition:
    """One workflow verb taken by ``by`` on ``translation``; subclasses add their own arguments.

    Class attributes say what the verb is (every sentence is marked with ``gettext_noop`` and
    translated when shown); :meth:`apply` says what it changes. Run it with
    ``Verb(translation=…, by=…, …).execute()``; ``workflow.translation_<verb>`` does exactly that.
    """

    translation: Translation
    by: Any

    #: The verb's name: its URL slug (``desk:transition``), ``WorkflowEvent.action`` and the
    #: audit action ``translation.<name>``.
    name: ClassVar[str]
    #: The states it starts from.
    from_states: ClassVar[frozenset[str]]
    #: The ``permissions.py`` predicate (``user=``, ``translation=``) saying who may take it.
    permission: ClassVar[Predicate]
    #: Raised as ``PermissionDenied`` to a person the predicate refuses.
    refusal: ClassVar[str]
    #: Raised as :class:`WorkflowError` when the job is not in one of ``from_states``.
    wrong_state: ClassVar[str]
    #: The revision's comment when the person wrote none.
    event_comment: ClassVar[str]
    #: Shown to the person once it ran through the desk's form.
    success: ClassVar[str]
    #: The button's text.
    label: ClassVar[str]
    #: The free-text field of its form, or None.
    free_text: ClassVar[FreeText | None] = None
    #: Where its button is: :data:`JOB_PAGE`, or the URL name of the editors' page whose own
    #: form takes it (assigning, publishing).
    page: ClassVar[str] = JOB_PAGE
    #: The text of the job page's link to ``page`` when that is an editors' page ("Preview and
    #: publish"); the verbs sharing a page share its first verb's link.
    page_label: ClassVar[str] = ""
    #: The URL name its job-page button posts to (with the job's ``pk``, and the verb's name
    #: for ``desk:transition``).
    route: ClassVar[str] = "desk:transition"
    #: The shared endpoint ``desk:transition`` runs it from its form (``comment``, ``at``);
    #: False when only its own page's form carries what it needs.
    takes_transition_form: ClassVar[bool] = True
    #: A secondary (less prominent) button.
    is_secondary: ClassVar[bool] = False
    #: It changes what readers see (publishing, unpublishing): the person must have confirmed
    #: their second factor recently (``newsroom/core/factors.factor_recheck``).
    is_sensitive: ClassVar[bool] = False
    #: A button that takes something away (unpublishing): shown apart, as a danger.
    is_danger: ClassVar[bool] = False

    # --- who may take it, and when ---------------------------------------------------------

    @classmethod
    def refusal_for(cls, *, user: Any, translation: Translation) -> Exception | None:
        """Why ``user`` may not take it on ``translation`` now (the exception to raise), or None."""
        if not cls.permission(user=user, translation=translation):
            return PermissionDenied(_(cls.refusal))
        if translation.state not in cls.from_states:
            return WorkflowError(_(cls.wrong_state))
        return None

    @classmethod
    def is_available(cls, *, user: Any, translation: Translation) -> bool:
        """``user`` may take it now: pages show its button exactly then.

        A verb is never available outside its ``from_states`` (every :meth:`refusal_for` refuses
        there), so that is looked at first: a list of many jobs (the board's next steps) asks
        each verb of each job, and most are out of state."""
        if translation.state not in cls.from_states:
            return False
        return cls.refusal_for(user=user, translation=translation) is None

    # --- the desk's form --------------------------------------------------------------------

    @classmethod
    def form_arguments(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        """The verb's keyword arguments from the cleaned ``TransitionForm`` data: the posted
        ``comment`` goes to the free-text argument (or to ``comment``), if the verb takes it."""
        argument = cls.free_text.argument if cls.free_text is not None else "comment"
        return {argument: data.get("comment", "")} if argument in cls.__dataclass_fields__ else {}

    @classmethod
    def success_message(cls, translation: Translation) -> str:
        """What the person is told once it ran on ``translation`` (the job as it was before)."""
        return _(cls.success)

    # --- running it -------------------------------------------------------------------------

    def validate(self) -> None:
        """Refuse bad input before anything is locked (a missing reason, a past time)."""

    def check(self, translation: Translation) -> None:
        """Raise the refusal for ``self.by`` on the locked ``translation``, if any."""
        refusal = self.refusal_for(user=self.by, translation=translation)
        if refusal is not None:
            raise refusal

    def execute(self) -> Translation:
        """Validate, lock the row, check permission and state, then :meth:`apply`; one transaction."""
        with transaction.atomic():
            self.validate()
            t = Translation.objects.select_for_update().select_related("article").get(pk=self.translation.pk)
            self.check(t)
            if self.needs_recent_factor(t):
                factors.factor_recheck(by=self.by)
            return self.apply(t)

    def needs_recent_factor(self, t: Translation) -> bool:
        return self.is_sensitive

    def apply(self, t: Translation) -> Translation:
        """Change the locked row ``t`` and :meth:`record` it (the verb's own rules)."""
        raise NotImplementedError

    def record(
        self, t: Translation, *, old_state: str, comment: str, notify: Iterable[tuple[Any, str]] = ()
    ) -> Translation:
        """:func:`record` this verb's event, with its default comment."""
        return record(
            t,
            by=self.by,
            action=self.name,
            old_state=old_state,
            comment=comment,
            default_comment=_(self.event_comment),
            notify=notify,
        )


def record(
    t: Translation,
    *,
    by: Any,
    action: str,
    old_state: str,
    comment: str,
    default_comment: str = "",
    notify: Iterable[tuple[Any, str]] = (),
) -> Translation:
    """Save the row as a revision and append the event, audit entry and notifications."""
    t.last_activity_at = timezone.now()
    if reversion.is_active():
        # A surrounding revision block would save our version only when it ends, and the
        # event could not pin it: transitions never run inside another revision.
        raise RuntimeError("Workflow transitions must not run inside reversion.create_revision().")
    with reversion.create_revision(atomic=False):
        t.save()
        reversion.set_user(by if getattr(by, "is_authenticated", False) else None)
        reversion.set_comment(comment or default_comment)
    version = Version.objects.get_for_object(t).only("pk", "revision_id").first()
    event = WorkflowEvent.objects.create(
        translation=t,
        actor=by if getattr(by, "is_authenticated", False) else None,
        action=action,
        from_state=old_state,
        to_state=t.state,
        comment=comment,
        revision_id=version.revision_id if version is not None else None,
        content_hash=versions.working_copy_hash(t),
    )
    audit_record(actor=by, action=f"translation.{action}", target=t, from_state=old_state, to_state=t.state)
    ids = notifications.notifications_record(event=event, recipients=notify)
    if ids:
        transaction.on_commit(lambda: notifications.notifications_queue(ids), robust=True)
    return t


def records_bulk(items: list[tuple[Translation, str, str]], *, by: Any, action: str) -> list[WorkflowEvent]:
    """:func:`record` for many transitions no person takes at once (``import_archive``'s bulk
    path): for each ``(translation, old_state, comment)`` the same revision (the row and the
    rows it follows, as django-reversion serialises them), event with its pin and audit entry,
    written with one statement per table. The translations are saved already (with
    ``last_activity_at``); nobody is notified, so this is only for system writes."""
    if not items:
        return []
    if reversion.is_active():
        raise RuntimeError("Workflow transitions must not run inside reversion.create_revision().")
    user = by if getattr(by, "is_authenticated", False) else None
    now = timezone.now()
    revisions = Revision.objects.bulk_create(
        [Revision(date_created=now, user=user, comment=comment) for _t, _old, comment in items]
    )
    rows: list[Version] = []
    for (t, _old, _comment), revision in zip(items, revisions, strict=True):
        rows.extend(versions.version_rows(t, revision=revision))
    Version.objects.bulk_create(rows, batch_size=1000)
    events = WorkflowEvent.objects.bulk_create(
        [
            WorkflowEvent(
                translation=t,
                actor=user,
                action=action,
                from_state=old_state,
                to_state=t.state,
                comment=comment,
                revision_id=revision.pk,
                content_hash=versions.working_copy_hash(t),
            )
            for (t, old_state, comment), revision in zip(items, revisions, strict=True)
        ]
    )
    AuditEntry.objects.bulk_create(
        [
            audit_entry(actor=by, action=f"translation.{action}", target=t, from_state=old_state, to_state=t.state)
            for t, old_state, _comment in items
        ]
    )
    return events
