"""Reader newsletters through a real SMTP server on 127.0.0.1: double opt-in, a weekly digest
(plain text, HTML with inlined CSS, one-click unsubscribe per RFC 8058), batches that resume
after a crash without sending anyone a second copy, and the addresses' privacy."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from newsroom.distribution import newsletters
from newsroom.distribution.models import Frequency, IssueSend, NewsletterIssue, Subscriber
from tests.factories import UserFactory
from tests.newsroom.test_site_pages import make_staff, publish_story
from translations import privacy


@pytest.fixture
def staff(db):
    return make_staff()


def _next_monday() -> dt.datetime:
    today = timezone.now().astimezone(dt.UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    return today + dt.timedelta(days=7 - today.weekday())


def _confirmed(n: int, *, frequency: str = Frequency.WEEKLY, prefix: str = "reader") -> list[Subscriber]:
    return [
        Subscriber.objects.create(
            email=f"{prefix}{i}@mail.example", language="en", frequency=frequency, confirmed_at=timezone.now()
        )
        for i in range(n)
    ]


def test_a_reader_gets_the_weekly_digest_after_double_opt_in_and_unsubscribes_in_one_click(
    staff, smtp_server, django_capture_on_commit_callbacks
):
    client = Client(enforce_csrf_checks=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("newsletter_subscribe"), {"email": "Reader@Mail.example", "language": "en", "frequency": "weekly"}
        )
    assert response.status_code == 200 and "Check your inbox" in response.content.decode()
    [confirmation] = smtp_server.to("reader@mail.example")
    link = re.search(r"https?://\S+/newsletter/confirm/\S+/", confirmation.get_content()).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    article = publish_story(staff)

    # Not confirmed yet: nothing is sent; opening the link (a mail scanner) confirms nothing.
    assert client.get(f"/{path}").status_code == 200
    issue = newsletters.issue_prepare(language="en", frequency=Frequency.WEEKLY, now=_next_monday())
    assert issue is not None and issue.article_ids == [article.pk]
    assert newsletters.issue_send_batch(issue_id=issue.pk) == 0
    assert len(smtp_server.messages) == 1
    NewsletterIssue.objects.all().delete()
    assert client.post(f"/{path}").status_code == 200
    subscriber = Subscriber.objects.get(email="reader@mail.example")
    assert subscriber.confirmed_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        newsletters.newsletters_send_due(now=_next_monday())
    [_, digest] = smtp_server.to("reader@mail.example")
    unsubscribe = f"{'http://testserver'}{reverse('newsletter_unsubscribe', kwargs={'token': subscriber.token})}"
    assert digest["List-Unsubscribe"].strip().startswith("<http") and subscriber.token in digest["List-Unsubscribe"]
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    plain = digest.get_body(preferencelist=("plain",)).get_content()
    html = digest.get_body(preferencelist=("html",)).get_content()
    assert article.title_en in plain and article.title_en in html and article.slug_en in plain
    assert "<style" not in html and 'style="' in html  # the CSS is inlined
    assert unsubscribe.split("testserver", 1)[1] in plain

    # One click, as a mail provider sends it: a POST without a CSRF token.
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        reverse("newsletter_unsubscribe", kwargs={"token": subscriber.token}),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not Subscriber.objects.filter(email="reader@mail.example").exists()


def test_a_killed_send_resumes_without_sending_anyone_twice(staff, smtp_server, monkeypatch):
    _confirmed(5)
    publish_story(staff)
    issue = newsletters.issue_prepare(language="en", frequency=Frequency.WEEKLY, now=_next_monday())
    real = newsletters.newsletter_message
    made = []

    def dying(**kwargs):
        if len(made) == 2:
            raise SystemExit("worker killed")
        made.append(kwargs["subscriber"].email)
        return real(**kwargs)

    monkeypatch.setattr(newsletters, "newsletter_message", dying)
    with pytest.raises(SystemExit):
        newsletters.issue_send_batch(issue_id=issue.pk, batch_size=100)
    assert len(smtp_server.messages) == 2
    monkeypatch.setattr(newsletters, "newsletter_message", real)

    # Resumed (in batches of one): the rest get theirs, nobody gets a second copy.
    while newsletters.issue_send_batch(issue_id=issue.pk, batch_size=1):
        pass
    newsletters.issue_send_batch(issue_id=issue.pk)
    addresses = [m["To"] for m in smtp_server.messages]
    # The copy being made as the worker died was rolled back to waiting: it goes now, once.
    assert len(addresses) == len(set(addresses)) == 5
    assert IssueSend.objects.filter(issue=issue, sent_at__isnull=False).count() == 5
    issue.refresh_from_db()
    assert issue.finished_at is not None
    assert newsletters.issue_send_batch(issue_id=issue.pk) == 0 and len(smtp_server.messages) == 5


def test_an_issue_a_killed_worker_left_unfinished_is_sent_on_the_next_day(
    staff, smtp_server, django_capture_on_commit_callbacks
):
    readers = _confirmed(2)
    publish_story(staff)
    issue = newsletters.issue_prepare(language="en", frequency=Frequency.WEEKLY, now=_next_monday())
    assert newsletters.issue_send_batch(issue_id=issue.pk, batch_size=1) == 1  # then the worker died

    with django_capture_on_commit_callbacks(execute=True):
        queued = newsletters.newsletters_send_due(now=_next_monday() + dt.timedelta(days=1))  # a Tuesday

    assert queued == [issue.pk]
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(r.email for r in readers)
    issue.refresh_from_db()
    assert issue.finished_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert newsletters.newsletters_send_due(now=_next_monday() + dt.timedelta(days=2)) == []


def test_an_address_refused_for_good_does_not_hold_up_the_others(staff, smtp_server):
    readers = _confirmed(3)
    smtp_server.refuse = {readers[0].email}
    publish_story(staff)
    issue = newsletters.issue_prepare(language="en", frequency=Frequency.WEEKLY, now=_next_monday())

    assert newsletters.issue_send_batch(issue_id=issue.pk) == 0

    assert sorted(m["To"] for m in smtp_server.messages) == [readers[1].email, readers[2].email]
    refused = IssueSend.objects.get(issue=issue, subscriber=readers[0])
    assert refused.sent_at is None and "No such mailbox" in refused.refused
    issue.refresh_from_db()
    assert issue.finished_at is not None
    assert newsletters.issue_send_batch(issue_id=issue.pk) == 0 and len(smtp_server.messages) == 2


def test_the_same_digest_is_never_made_or_sent_twice(staff, smtp_server, django_capture_on_commit_callbacks):
    _confirmed(2)
    _confirmed(1, frequency=Frequency.DAILY, prefix="daily")
    publish_story(staff)
    tomorrow = timezone.now().astimezone(dt.UTC).replace(hour=6) + dt.timedelta(days=1)
    for now in (_next_monday(), _next_monday(), tomorrow, tomorrow):
        with django_capture_on_commit_callbacks(execute=True):
            newsletters.newsletters_send_due(now=now)
    assert NewsletterIssue.objects.filter(language="en").count() == 2  # one weekly, one daily
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        ["reader0@mail.example", "reader1@mail.example", "daily0@mail.example"]
    )


def test_subscriber_addresses_are_exported_and_deleted_with_the_privacy_tools(staff, editor):
    reader = UserFactory(username="leaving", email="leaving@mail.example", roles=["translator"])
    Subscriber.objects.create(email="leaving@mail.example", language="en", confirmed_at=timezone.now())
    Subscriber.objects.create(email="other@mail.example", language="en")

    [row] = newsletters.subscriber_data_export(email="Leaving@mail.example")
    assert row["email"] == "leaving@mail.example" and row["language"] == "en" and row["frequency"] == "weekly"

    privacy.user_delete(user=reader, by=editor)
    assert not Subscriber.objects.filter(email="leaving@mail.example").exists()
    assert newsletters.subscriber_data_delete(email="other@mail.example") == 1
    assert not Subscriber.objects.exists()


def test_a_bad_address_is_refused_with_a_sentence_and_nothing_is_kept(db, client):
    response = client.post(reverse("newsletter_subscribe"), {"email": "not an address", "frequency": "weekly"})
    assert response.status_code == 400
    assert "valid email address" in response.content.decode()
    assert not Subscriber.objects.exists()
