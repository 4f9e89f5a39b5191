"""Partners (webhook subscribers), their deliveries and each attempt to send one."""

from __future__ import annotations

import base64
import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from newsroom.models import Article, Outlet


class Event(models.TextChoices):
    """What a partner may subscribe to (the values of ``publishing.LiveChange``)."""

    PUBLISHED = "published", _("Published")
    CORRECTED = "corrected", _("Corrected")
    UNPUBLISHED = "unpublished", _("Unpublished")


def new_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def new_webhook_id() -> str:
    """A delivery's stable id (``webhook-id``), the same on every attempt and replay."""
    return f"msg_{uuid.uuid4().hex}"


class Partner(models.Model):
    """An outlet that republishes our translations and gets each matching event pushed to it."""

    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("webhook address"), max_length=1000)
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    events = ArrayField(models.CharField(max_length=12, choices=Event), verbose_name=_("events"))
    languages = ArrayField(
        models.CharField(max_length=8), default=list, blank=True, verbose_name=_("languages (none: every language)")
    )
    tags = models.ManyToManyField("newsroom.Tag", blank=True, related_name="+", verbose_name=_("tags (none: any)"))
    outlets = models.ManyToManyField(Outlet, blank=True, related_name="+", verbose_name=_("source outlets (none: any)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    is_paused = models.BooleanField(_("paused"), default=False)
    paused_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("desk:partner", kwargs={"pk": self.pk})


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    HELD = "held", _("Held: the partner is paused")


class Delivery(models.Model):
    """One event for one partner. ``webhook_id`` is sent as ``webhook-id`` on every attempt and
    replay, so the partner can tell a retry from a new event."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="deliveries")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8)
    event = models.CharField(max_length=12, choices=Event)
    webhook_id = models.CharField(max_length=50, unique=True, default=new_webhook_id, editable=False)
    payload = models.JSONField()
    Status = DeliveryStatus
    status = models.CharField(max_length=10, choices=DeliveryStatus, default=DeliveryStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["article", "language"])]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="delivery_status_known")
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.article_id}/{self.language} → {self.partner_id}"


class DeliveryAttempt(models.Model):
    """One try at sending a delivery: what the partner answered, or why nothing was sent."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    answer = models.CharField(max_length=500, blank=True, help_text=_("The first characters of the answer."))
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    is_success = models.BooleanField(default=False)
    is_replay = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error[:40]}"


class OutletNotice(models.Model):
    """The one e-mail telling a source outlet that its story is published in a language."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8)
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "language"], name="one_outlet_notice_per_language")]

    def __str__(self) -> str:
        return f"{self.article_id}/{self.language} → {self.email}"


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Subscriber(models.Model):
    """A reader's newsletter subscription in one language (no account: an address and a secret
    token, confirmed by the link mailed to it; deleted when they unsubscribe)."""

    email = models.EmailField(_("e-mail address"))
    language = models.CharField(_("language"), max_length=8)
    frequency = models.CharField(_("how often"), max_length=8, choices=Frequency, default=Frequency.WEEKLY)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["email", "language"], name="one_subscription_per_language")]
        indexes = [models.Index(fields=["language", "frequency", "confirmed_at"])]

    def __str__(self) -> str:
        return f"{self.language} {self.frequency}"


class NewsletterIssue(models.Model):
    """One digest: the stories published in a language during a period."""

    language = models.CharField(max_length=8)
    frequency = models.CharField(max_length=8, choices=Frequency)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    article_ids = ArrayField(models.BigIntegerField(), default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["language", "frequency", "period_end"], name="one_issue_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.language} {self.frequency} {self.period_end:%Y-%m-%d}"


class IssueSend(models.Model):
    """A subscriber's copy of an issue: made waiting, then marked sent in the transaction that
    holds the row while the message goes (``newsletters.issue_send_batch``), so a killed send
    leaves it waiting; never two for one subscriber and issue (the constraint)."""

    issue = models.ForeignKey(NewsletterIssue, on_delete=models.CASCADE, related_name="sends")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="+")
    claimed_at = models.DateTimeField(auto_now_add=True)  # when the copy was made (waiting)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The mail server refused the address for good: this copy is done, unsent (not retried).
    refused = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "subscriber"], name="one_copy_per_subscriber")]

    def __str__(self) -> str:
        return f"{self.issue_id} → {self.subscriber_id}"
