"""Reader newsletters per language: double opt-in, daily or weekly digests, one-click unsubscribe.

A reader subscribes with an address (no account); the row waits unconfirmed until the link
mailed to it is followed (:func:`subscriber_confirm`). Unsubscribing deletes the row. A digest
is one :class:`NewsletterIssue` per language, frequency and period (unique), listing the
stories first published in the language in that period; :func:`issue_send_batch` sends it to
the confirmed subscribers in batches. Each subscriber's copy is an :class:`IssueSend` row
(unique per issue and subscriber) made *waiting* before anything is sent; a run takes one waiting
row under a row lock (``FOR UPDATE SKIP LOCKED``: two runs never take the same copy), sends the
message and marks the row sent in that same transaction. A run killed mid-message (SIGKILL, a
lost worker) holds its lock only as long as its connection lives: PostgreSQL rolls the
transaction back, the copy is waiting again, and the resumed send mails it, once. (Claiming a
copy in its own commit before sending, as this module first did, lost the copy of whoever was
being mailed when the run died.) The one window left is SMTP's own (RFC 1047): the server
accepted the message and the run died before its commit; that copy goes again, with the same
``Message-ID`` (receivers fold such a repeat). Each message has a plain-text part, an HTML
part with its CSS inlined (``css_inline``) and one-click unsubscribe (RFC 8058:
``List-Unsubscribe`` with the subscriber's link and ``List-Unsubscribe-Post``).
Subscriber addresses are private: :func:`subscriber_data_export` / :func:`subscriber_data_delete`.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from typing import Any

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from modeltranslation.utils import build_localized_fieldname

from newsroom.core.mail import message_id
from newsroom.core.queue import enqueue
from newsroom.distribution.models import Frequency, IssueSend, NewsletterIssue, Subscriber
from newsroom.site import selectors

PERIOD = {Frequency.DAILY: dt.timedelta(days=1), Frequency.WEEKLY: dt.timedelta(days=7)}
BATCH_SIZE = 100
RESUME_WITHIN = dt.timedelta(days=7)  # an unfinished digest older than this is not sent late


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


# --------------------------------------------------------------------------- subscribing


@transaction.atomic
def subscriber_subscribe(*, email: str, language: str, frequency: str) -> Subscriber:
    """A reader asks for the digest: the subscription waits for the confirmation link mailed to
    ``email``. Asking again re-sends the link (a confirmed subscription is left as it is, so a
    stranger cannot change it; the answer is the same either way)."""
    email = email.strip().lower()
    subscriber, created = Subscriber.objects.select_for_update().get_or_create(
        email=email, language=language, defaults={"frequency": frequency}
    )
    if subscriber.confirmed_at is not None:
        return subscriber
    if not created and subscriber.frequency != frequency:
        subscriber.frequency = frequency
        subscriber.save(update_fields=["frequency"])
    link = _absolute(reverse("newsletter_confirm", kwargs={"token": subscriber.token}))
    with translation.override(language):
        subject = _("Confirm your subscription to %(site)s") % {"site": settings.DESK_SITE_NAME}
        text = render_to_string(
            "emails/newsletter_confirm.txt", {"link": link, "site": settings.DESK_SITE_NAME, "frequency": frequency}
        )
    transaction.on_commit(lambda: send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [email]))
    return subscriber


@transaction.atomic
def subscriber_confirm(*, token: str) -> Subscriber | None:
    """The reader followed the link: the subscription starts (idempotent)."""
    subscriber = Subscriber.objects.select_for_update().filter(token=token).first()
    if subscriber is not None and subscriber.confirmed_at is None:
        subscriber.confirmed_at = timezone.now()
        subscriber.save(update_fields=["confirmed_at"])
    return subscriber


def subscriber_unsubscribe(*, token: str) -> bool:
    """One click (RFC 8058) or the page's button: the subscription and its address are deleted."""
    deleted, _detail = Subscriber.objects.filter(token=token).delete()
    return deleted > 0


def subscriber_data_export(*, email: str) -> list[dict[str, Any]]:
    """Everything kept about ``email`` (privacy: a reader's request for their data)."""
    rows = Subscriber.objects.filter(email=email.strip().lower()).order_by("language")
    return [
        {
            "email": s.email,
            "language": s.language,
            "frequency": s.frequency,
            "subscribed_at": s.created_at.isoformat(),
            "confirmed_at": s.confirmed_at.isoformat() if s.confirmed_at else None,
            "digests_sent": IssueSend.objects.filter(subscriber=s, sent_at__isnull=False).count(),
        }
        for s in rows
    ]


def subscriber_data_delete(*, email: str) -> int:
    """Forget ``email``: every subscription and the record of the copies sent to it."""
    deleted, _detail = Subscriber.objects.filter(email=email.strip().lower()).delete()
    return deleted


# --------------------------------------------------------------------------- digests


def issue_prepare(*, language: str, frequency: str, now: dt.datetime) -> NewsletterIssue | None:
    """The digest of the period ending at the start of ``now``'s day (UTC), if any story was
    first published in ``language`` in it (the same issue whenever it is asked for)."""
    end = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - PERIOD[Frequency(frequency)]
    published = build_localized_fieldname("published_at", language)
    ids = list(
        selectors.live_articles(lang=language)
        .filter(**{f"{published}__gte": start, f"{published}__lt": end})
        .values_list("pk", flat=True)
    )
    if not ids:
        return None
    issue, _created = NewsletterIssue.objects.get_or_create(
        language=language,
        frequency=frequency,
        period_end=end,
        defaults={"period_start": start, "article_ids": ids},
    )
    return issue


def newsletters_send_due(*, now: dt.datetime | None = None) -> list[int]:
    """Daily digests every day, weekly ones on Mondays (beat calls it once a day), and any issue
    of the last week still unfinished; returns the issues queued."""
    now = now or timezone.now()
    queued: list[int] = []
    for language in settings.PUBLISHING_LANGUAGES:
        for frequency in Frequency:
            if frequency == Frequency.WEEKLY and now.astimezone(dt.UTC).weekday() != 0:
                continue
            issue = issue_prepare(language=language, frequency=frequency, now=now)
            if issue is not None and issue.finished_at is None:
                enqueue("newsroom.distribution.tasks.newsletter_issue_send", issue.pk)
                queued.append(issue.pk)
    # A send a killed worker left half done (a broker need not deliver its task again) goes on.
    unfinished = NewsletterIssue.objects.filter(finished_at__isnull=True, period_end__gte=now - RESUME_WITHIN)
    for issue_id in unfinished.exclude(pk__in=queued).order_by("pk").values_list("pk", flat=True):
        enqueue("newsroom.distribution.tasks.newsletter_issue_send", issue_id)
        queued.append(issue_id)
    return queued


def _recipients(issue: NewsletterIssue) -> Any:
    return (
        Subscriber.objects.filter(language=issue.language, frequency=issue.frequency, confirmed_at__isnull=False)
        .exclude(pk__in=IssueSend.objects.filter(issue=issue).values("subscriber_id"))
        .order_by("pk")
    )


def _copies_make(issue: NewsletterIssue) -> None:
    """A waiting copy for every confirmed subscriber who has none yet (one who confirmed while
    the issue was going out is mailed too); the constraint keeps one per subscriber."""
    IssueSend.objects.bulk_create(
        [IssueSend(issue=issue, subscriber_id=pk) for pk in _recipients(issue).values_list("pk", flat=True)],
        ignore_conflicts=True,
    )


def _waiting(issue: NewsletterIssue) -> Any:
    """The issue's copies not sent yet that no live run holds (locked by the caller's transaction)."""
    return (
        IssueSend.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(issue=issue, sent_at__isnull=True, refused="")
        .order_by("pk")
    )


def issue_send_batch(*, issue_id: int, batch_size: int = BATCH_SIZE) -> int:
    """Send up to ``batch_size`` waiting copies of the issue, each marked sent in the transaction
    that holds its row while the message goes; returns how many copies still wait with no run
    sending them (the task queues itself again while any do). The issue is finished once every
    copy is sent."""
    issue = NewsletterIssue.objects.get(pk=issue_id)
    stories = _stories(issue)
    _copies_make(issue)
    connection = get_connection()
    with connection:
        for _n in range(batch_size):
            with transaction.atomic():
                copy = _waiting(issue).select_related("subscriber").first()
                if copy is None:
                    break
                message = newsletter_message(
                    issue=issue, subscriber=copy.subscriber, stories=stories, connection=connection
                )
                try:
                    message.send()
                except smtplib.SMTPRecipientsRefused as refusal:  # for good: the others still go
                    copy.refused = str(refusal.recipients)[:300]
                    copy.save(update_fields=["refused"])
                    continue
                copy.sent_at = timezone.now()
                copy.save(update_fields=["sent_at"])
    with transaction.atomic():
        remaining = len(_waiting(issue).values_list("pk", flat=True))
    waiting = IssueSend.objects.filter(issue=issue, sent_at__isnull=True, refused="")
    if not waiting.exists() and not _recipients(issue).exists():
        NewsletterIssue.objects.filter(pk=issue.pk, finished_at__isnull=True).update(finished_at=timezone.now())
    return remaining


def _stories(issue: NewsletterIssue) -> list[dict[str, str]]:
    lang = issue.language
    articles = selectors.live_articles(lang=lang).filter(pk__in=issue.article_ids)
    return [
        {
            "title": getattr(a, build_localized_fieldname("title", lang)),
            "lead": getattr(a, build_localized_fieldname("lead", lang)),
            "url": _absolute(selectors.article_url(a, lang)),
            "source": selectors.source_name(article=a, lang=lang),
        }
        for a in articles
    ]


def digest_message_id(*, issue: NewsletterIssue, subscriber: Subscriber) -> str:
    """The same ``Message-ID`` every time this subscriber's copy of this issue is made, so a copy
    sent again after a kill (the SMTP window) is recognisably the same message."""
    return message_id(kind="digest", key=f"{issue.pk}-{subscriber.pk}")


def newsletter_message(
    *, issue: NewsletterIssue, subscriber: Subscriber, stories: list[dict[str, str]], connection: Any = None
) -> EmailMultiAlternatives:
    """One subscriber's copy: text and HTML (CSS inlined), with one-click unsubscribe."""
    unsubscribe = _absolute(reverse("newsletter_unsubscribe", kwargs={"token": subscriber.token}))
    context = {
        "site": settings.DESK_SITE_NAME,
        "stories": stories,
        "unsubscribe": unsubscribe,
        "issue": issue,
        "language": issue.language,
    }
    with translation.override(issue.language):
        subject = (
            _("%(site)s: this week's stories")
            if issue.frequency == Frequency.WEEKLY
            else _("%(site)s: today's stories")
        ) % {"site": settings.DESK_SITE_NAME}
        text = render_to_string("emails/newsletter_digest.txt", context)
        html = css_inline.inline(render_to_string("emails/newsletter_digest.html", context))
    message = EmailMultiAlternatives(
        subject,
        text,
        settings.DEFAULT_FROM_EMAIL,
        [subscriber.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": digest_message_id(issue=issue, subscriber=subscriber),
        },
    )
    message.attach_alternative(html, "text/html")
    return message
