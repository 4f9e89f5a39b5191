"""Reader newsletters per language: double opt-in, daily or weekly digests, one-click unsubscribe.

A reader subscribes with an address (no account); the row waits unconfirmed until the link
mailed to it is followed (:func:`subscriber_confirm`). Unsubscribing deletes the row. A digest
is one :class:`NewsletterIssue` per language, frequency and period (unique), listing the
stories first published in the language in that period; :func:`issue_send_batch` sends it to
the confirmed subscribers in batches. Each copy is first *claimed* by an :class:`IssueSend`
row (unique per issue and subscriber) committed before the message leaves, so a send killed
half way resumes where it stopped and never mails a subscriber twice (a copy claimed by the
run that died is not sent again: at most once). Each message has a plain-text part, an HTML
part with its CSS inlined (``css_inline``) and one-click unsubscribe (RFC 8058:
``List-Unsubscribe`` with the subscriber's link and ``List-Unsubscribe-Post``).
Subscriber addresses are private: :func:`subscriber_data_export` / :func:`subscriber_data_delete`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection, send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from modeltranslation.utils import build_localized_fieldname

from newsroom.core.queue import enqueue
from newsroom.distribution.models import Frequency, IssueSend, NewsletterIssue, Subscriber
from newsroom.site import selectors

PERIOD = {Frequency.DAILY: dt.timedelta(days=1), Frequency.WEEKLY: dt.timedelta(days=7)}
BATCH_SIZE = 100


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
    """Daily digests every day, weekly ones on Mondays (beat calls it once a day); returns the
    issues queued."""
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
    return queued


def _recipients(issue: NewsletterIssue) -> Any:
    return (
        Subscriber.objects.filter(language=issue.language, frequency=issue.frequency, confirmed_at__isnull=False)
        .exclude(pk__in=IssueSend.objects.filter(issue=issue).values("subscriber_id"))
        .order_by("pk")
    )


def issue_send_batch(*, issue_id: int, batch_size: int = BATCH_SIZE) -> int:
    """Send the issue to up to ``batch_size`` subscribers who have no copy yet; returns how many
    are still waiting (the task queues itself again while any are)."""
    issue = NewsletterIssue.objects.get(pk=issue_id)
    stories = _stories(issue)
    connection = get_connection()
    with connection:
        for subscriber in list(_recipients(issue)[:batch_size]):
            try:
                with transaction.atomic():
                    copy = IssueSend.objects.create(issue=issue, subscriber=subscriber)
            except IntegrityError:
                continue  # another worker claimed it
            newsletter_message(issue=issue, subscriber=subscriber, stories=stories, connection=connection).send()
            IssueSend.objects.filter(pk=copy.pk).update(sent_at=timezone.now())
    remaining = _recipients(issue).count()
    if remaining == 0:
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
            "source": a.source_name,
        }
        for a in articles
    ]


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
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(html, "text/html")
    return message
