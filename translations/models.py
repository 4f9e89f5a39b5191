"""Translations and everything that belongs to them.

A :class:`Translation` is the working copy of one Article in one target language. Its
``state`` is written only by ``translations/workflow/``. ``blocks`` maps each source block
id to ``{"text": …, "omitted": bool, "reason": …}``; translator's additions live apart in
``notes`` (``[{"id", "after", "text", "keep"}]``) so they are never mistaken for source text.
Every deliberate save is a django-reversion version; autosaves update the row only.
"""

from __future__ import annotations

from typing import Any

import reversion
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from newsroom.models import Article, SourceRevision


class State(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    SPIKED = "spiked", _("Spiked")


class CreditMode(models.TextChoices):
    REAL_NAME = "real_name", _("My real name")
    PSEUDONYM = "pseudonym", _("A pseudonym")
    ANONYMOUS = "anonymous", _('"A volunteer translator" (no name)')


class Role(models.TextChoices):
    TRANSLATOR = "translator", _("Translator")
    REVIEWER = "reviewer", _("Reviewer")
    EDITOR = "editor", _("Editor")


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("A job was assigned to me")
    CLAIM_EXPIRING = "claim_expiring", _("My claim is about to expire")
    CLAIM_EXPIRED = "claim_expired", _("My claim expired")
    REVIEW_REQUESTED = "review_requested", _("A translation awaits my review")
    CHANGES_REQUESTED = "changes_requested", _("Changes were requested")
    APPROVED = "approved", _("My translation was approved")
    PUBLISHED = "published", _("My translation was published")
    COMMENT = "comment", _("Someone commented on my translation")
    CORRECTING = "correcting", _("An editor is correcting my translation")
    MENTION = "mention", _("Someone mentioned me in a comment")


class Contributor(models.Model):
    """A desk user's profile: how they are credited in public and what they work in."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contributor")
    # Like invitations: nobody is named in public until they choose to be.
    credit_mode = models.CharField(_("credit me as"), max_length=12, choices=CreditMode, default=CreditMode.ANONYMOUS)
    pseudonym = models.CharField(_("pseudonym"), max_length=100, blank=True)
    languages = ArrayField(models.CharField(max_length=8), default=list, blank=True, verbose_name=_("languages"))
    is_volunteer = models.BooleanField(_("volunteer"), default=True)
    has_public_profile = models.BooleanField(_("show a public translator page"), default=False)
    public_slug = models.SlugField(max_length=100, blank=True)
    bio = models.TextField(_("public bio"), blank=True)
    muted_notifications = ArrayField(
        models.CharField(max_length=20, choices=NotificationKind), default=list, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_mode__in=CreditMode.values), name="contributor_credit_mode_known"
            ),
            models.CheckConstraint(
                condition=~Q(credit_mode="pseudonym") | ~Q(pseudonym=""), name="contributor_pseudonym_given"
            ),
            models.UniqueConstraint(
                fields=["public_slug"], condition=~Q(public_slug=""), name="contributor_unique_slug"
            ),
        ]

    def __str__(self) -> str:
        return self.user.get_username()

    def credit_name(self, role: str = Role.TRANSLATOR) -> str:
        """The name the public sees for this person in ``role``; never the real name unless chosen."""
        if self.credit_mode == CreditMode.PSEUDONYM and self.pseudonym:
            return self.pseudonym
        if self.credit_mode == CreditMode.REAL_NAME:
            return self.user.get_full_name() or self.user.get_username()
        return str(ANONYMOUS_CREDIT.get(role, ANONYMOUS_CREDIT[Role.TRANSLATOR]))


ANONYMOUS_CREDIT: dict[str, Any] = {
    Role.TRANSLATOR: _("a volunteer translator"),
    Role.REVIEWER: _("a volunteer reviewer"),
    Role.EDITOR: _("a volunteer editor"),
}


class Translation(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("target language"), max_length=8, default="en")
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.OPEN)
    title = models.CharField(_("title"), max_length=1000, blank=True)
    lead = models.TextField(_("lead"), blank=True)
    blocks = models.JSONField(default=dict, blank=True)
    notes = models.JSONField(default=list, blank=True)
    tags = models.CharField(_("tags"), max_length=500, blank=True, help_text=_("Comma-separated English tags."))
    # The source authors and outlet as this language writes them; start as the standard
    # transliteration (Article.default_byline), edited, reviewed and published with the text.
    byline = models.CharField(_("byline"), max_length=500, blank=True)
    byline_outlet = models.CharField(_("outlet in the byline"), max_length=200, blank=True)
    source_revision = models.ForeignKey(SourceRevision, on_delete=models.PROTECT, related_name="+")
    translator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="translating"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="reviewing"
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    brief = models.TextField(_("note to the translator"), blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    state_before_spike = models.CharField(max_length=20, choices=State, blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    correction_note = models.TextField(blank=True)
    is_correction = models.BooleanField(default=False)
    # The editor who opened the open correction: they hold it (edit, send it for a second look,
    # get it back on a request for changes) while the translator keeps the credit.
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_published_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every write of the text; forms carry it to refuse stale saves.
    edit_version = models.PositiveIntegerField(default=0)
    # Who wrote each part of this text (title, lead, notes, tags, byline, each block id), by
    # every holder, editor, restore and machine draft: {"title": [{"user": id}], "blocks":
    # {id: [{"user": id}, {"user": id, "machine": true}]}, …}. Written only by
    # ``editing.translation_save`` (``versions.authors_add``) and versioned with the text, so
    # every pinned version says who wrote it: four eyes is computed from it (permissions.py).
    authors = models.JSONField(default=dict, blank=True)
    # Blocks that began as a machine draft, by block id: {"draft", "provider", "at",
    # "distance", "changed"}. Kept beside ``blocks`` (whose entries are rewritten on every save)
    # and versioned with them, so each revision says how far the text moved from the draft.
    machine_drafts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "language"], condition=~Q(state="spiked"), name="one_active_translation_per_language"
            ),
            models.CheckConstraint(condition=Q(state__in=State.values), name="translation_state_known"),
            models.CheckConstraint(
                condition=Q(state__in=["open", "spiked"])
                | Q(translator__isnull=False)
                | Q(first_published_at__isnull=False),
                name="translation_worked_on_has_translator",
            ),
            models.CheckConstraint(
                condition=~Q(state="scheduled") | Q(scheduled_for__isnull=False), name="translation_scheduled_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "due_at"], name="translation_desk"),
            models.Index(fields=["translator", "state"], name="translation_by_translator"),
            models.Index(fields=["reviewer", "state"], name="translation_by_reviewer"),
            models.Index(fields=["state", "scheduled_for"], name="translation_scheduled"),
            # The board's order (desk.pages.board_page): its first page and page N read in index order.
            models.Index(fields=["due_at", "-updated_at", "id"], name="translation_board"),
            # The board's search (icontains → UPPER(...) LIKE) on translated titles.
            GinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="translation_title_trgm"),
            # Open jobs' order (selectors.jobs_open): its pages read in index order, open jobs only.
            models.Index(
                F("due_at").asc(nulls_last=True), "created_at", condition=Q(state="open"), name="translation_open_jobs"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article} → {self.language}"

    def get_absolute_url(self) -> str:
        return reverse("desk:translation", kwargs={"pk": self.pk})

    def block_text(self, block_id: str) -> str:
        entry: dict[str, Any] = self.blocks.get(block_id) or {}
        return str(entry.get("text", ""))


class Credit(models.Model):
    """Who translated, reviewed or edited, and how the public sees them.

    ``credit_name`` is a snapshot taken when the editor confirms credits at publication, so a
    published credit stays as agreed even if the account is later deleted.
    """

    translation = models.ForeignKey(Translation, on_delete=models.CASCADE, related_name="credits")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="credits"
    )
    role = models.CharField(max_length=12, choices=Role)
    is_credited = models.BooleanField(_("credit in public"), default=True)
    credit_name = models.CharField(_("public name"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["role", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["translation", "user", "role"], name="credit_unique_role")]

    def __str__(self) -> str:
        return f"{self.role}: {self.credit_name}"


class WorkflowEvent(models.Model):
    """Append-only: who moved which translation from which state to which, when and why.

    ``revision`` is the django-reversion revision the transition saved and ``content_hash``
    the hash of the text at that moment (:func:`translations.versions.text_hash`): a submission
    and an approval pin the exact text that was sent and approved. Events protect their
    translation from deletion, so no cascade can erase the log.
    """

    translation = models.ForeignKey(Translation, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, choices=State)
    to_state = models.CharField(max_length=20, choices=State)
    comment = models.TextField(blank=True)
    revision = models.ForeignKey(
        "reversion.Revision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    content_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["translation", "created_at"], name="event_by_translation")]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"


class Comment(models.Model):
    """A reviewer's (or translator's reply) note anchored to a source block, threaded and resolvable."""

    translation = models.ForeignKey(Translation, on_delete=models.CASCADE, related_name="comments")
    block_id = models.CharField(max_length=60, blank=True, help_text=_("Empty for a comment on the whole text."))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    body = models.TextField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]


class GlossaryTerm(models.Model):
    source_language = models.CharField(max_length=8, choices=settings.SOURCE_LANGUAGES, default="ru")
    target_language = models.CharField(max_length=8, default="en")
    source_term = models.CharField(_("source term"), max_length=200)
    target_term = models.CharField(_("agreed rendering"), max_length=200)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source_term"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_language", "target_language", "source_term"], name="glossary_unique_term"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_term} → {self.target_term}"


class MemoryEntry(models.Model):
    """An approved source/target block pair, offered again for similar source text (pg_trgm)."""

    source_language = models.CharField(max_length=8)
    target_language = models.CharField(max_length=8)
    source_text = models.TextField()
    target_text = models.TextField()
    translation = models.ForeignKey(Translation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "memory entries"
        indexes = [GinIndex(name="memory_trgm", fields=["source_text"], opclasses=["gin_trgm_ops"])]

    def __str__(self) -> str:
        return self.source_text[:60]


class MachineDraftJob(models.Model):
    """One request for machine drafts of some blocks of a translation, run by a Celery task.

    The editor polls it; ``message`` is the sentence shown when the provider failed.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    translation = models.ForeignKey(Translation, on_delete=models.CASCADE, related_name="machine_jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    block_ids = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    provider = models.CharField(max_length=30, blank=True)
    drafted = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "done", "failed"]), name="machine_job_status_known"
            )
        ]

    def __str__(self) -> str:
        return f"machine draft {self.pk} ({self.status})"


class Notification(models.Model):
    """An on-desk notice (and the record that its email went out, at most once)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind)
    event = models.ForeignKey(WorkflowEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    key = models.CharField(max_length=100, help_text=_("Idempotency key, e.g. event:42."))
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["key", "user"], name="notification_once_per_user")]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.text


class Invitation(models.Model):
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    role = models.CharField(max_length=12, choices=Role, default=Role.TRANSLATOR)
    is_volunteer = models.BooleanField(default=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email


class GrantState(models.TextChoices):
    PENDING = "pending", _("Waiting for a second editor")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")


class RoleGrant(models.Model):
    """A reviewer or editor role one editor asked for, given only once another editor (or an
    administrator) confirms it (``translations/people/roles.py``). For an invitation the person
    may not have an account yet: the role is given on acceptance if it was confirmed by then, or
    on confirmation if the person joined first."""

    role = models.CharField(max_length=12, choices=Role)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="role_grants"
    )
    invitation = models.OneToOneField(
        Invitation, on_delete=models.CASCADE, null=True, blank=True, related_name="role_grant"
    )
    state = models.CharField(max_length=12, choices=GrantState, default=GrantState.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=["reviewer", "editor"]), name="role_grant_for_a_second_look"),
            models.CheckConstraint(condition=Q(state__in=GrantState.values), name="role_grant_state_known"),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(invitation__isnull=False), name="role_grant_for_someone"
            ),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(state="pending"), name="role_grant_one_pending_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} for {self.user or self.invitation} ({self.get_state_display()})"


reversion.register(Credit)
reversion.register(Translation, follow=("credits",))
