"""Partners' webhooks: a published story arrives signed (Standard Webhooks) at a real HTTP
server on 127.0.0.1, retried with the same webhook-id, paused after failures, replayed."""

from __future__ import annotations

import pytest
from django.urls import reverse
from standardwebhooks import Webhook

from newsroom.distribution import webhooks
from newsroom.distribution.models import Delivery, DeliveryAttempt, Event, Partner
from newsroom.models import AuditEntry, Outlet, Tag
from newsroom.sources import fetching
from tests.factories import UserFactory
from tests.newsroom.test_site_pages import make_staff, publish_story
from translations import workflow
from translations.models import Translation


@pytest.fixture
def staff(db):
    return make_staff()


def _partner(staff, url: str, **kwargs) -> Partner:
    editor = staff["editor"]
    editor.email = "hanna@desk.example"
    editor.save()
    args = {"name": "Partner Daily", "url": url, "events": [Event.PUBLISHED, Event.CORRECTED], "languages": []}
    args.update(kwargs)
    return webhooks.partner_create(by=editor, **args)


def _publish(staff, capture, **kwargs):
    with capture(execute=True):
        return publish_story(staff, **kwargs)


def test_published_story_arrives_signed_and_verifies(staff, partner_server, django_capture_on_commit_callbacks):
    partner = _partner(staff, partner_server.url)

    article = _publish(staff, django_capture_on_commit_callbacks)

    assert len(partner_server.received) == 1
    request = partner_server.received[0]
    assert request["path"] == "/hooks/desk"
    payload = Webhook(partner.secret).verify(request["body"], request["headers"])  # raises if the signature is wrong
    assert payload["type"] == "story.published"
    assert payload["data"]["headlines"][0]["value"] == "MFA employees picket against violence"
    assert payload["data"]["altids"][0] == {"role": "source-uri", "value": article.source_url}
    delivery = Delivery.objects.get(partner=partner)
    assert request["headers"]["webhook-id"] == delivery.webhook_id
    assert delivery.status == Delivery.Status.DELIVERED
    attempt = delivery.attempts.get()
    assert attempt.status_code == 200 and attempt.is_success and '"ok"' in attempt.answer
    with pytest.raises(Exception):  # noqa: B017 - a tampered body does not verify
        Webhook(partner.secret).verify(request["body"] + b" ", request["headers"])


def test_partners_get_only_the_events_languages_tags_and_outlets_they_chose(
    staff, partner_server, django_capture_on_commit_callbacks
):
    other = Outlet.objects.create(name="Other outlet", site_url="https://other.example")
    german = _partner(staff, partner_server.url, name="German only", languages=["de"])
    unpublished_only = _partner(staff, partner_server.url, name="Takedowns", events=[Event.UNPUBLISHED])
    other_outlet = _partner(staff, partner_server.url, name="Other outlet's", outlets=[other])
    sport = _partner(
        staff, partner_server.url, name="Sport desk", tags=[Tag.objects.create(name="Sport", slug="sport")]
    )
    belarus = _partner(
        staff, partner_server.url, name="Belarus desk", tags=[Tag.objects.create(name="Belarus", slug="belarus")]
    )
    everything = _partner(staff, partner_server.url, name="Everything")

    _publish(staff, django_capture_on_commit_callbacks)  # tagged "Belarus, Protests", in English

    assert set(Delivery.objects.values_list("partner__name", flat=True)) == {everything.name, belarus.name}
    assert not Delivery.objects.filter(partner__in=[german, unpublished_only, other_outlet, sport]).exists()
    assert len(partner_server.received) == 2


def test_a_failing_answer_is_retried_with_the_same_webhook_id(
    staff, partner_server, django_capture_on_commit_callbacks
):
    partner_server.statuses = [503, 500]
    partner = _partner(staff, partner_server.url)

    _publish(staff, django_capture_on_commit_callbacks)

    ids = {r["headers"]["webhook-id"] for r in partner_server.received}
    assert len(partner_server.received) == 3 and len(ids) == 1
    delivery = Delivery.objects.get(partner=partner)
    assert delivery.status == Delivery.Status.DELIVERED
    assert list(delivery.attempts.values_list("status_code", "is_success")) == [(503, False), (500, False), (200, True)]
    assert "maintenance" in delivery.attempts.first().answer
    partner.refresh_from_db()
    assert partner.consecutive_failures == 0 and not partner.is_paused


def test_a_failing_partner_is_paused_and_its_owner_told_once(
    staff, partner_server, django_capture_on_commit_callbacks, settings, mailoutbox
):
    settings.WEBHOOK_PAUSE_AFTER = 3
    partner_server.default = 500
    partner = _partner(staff, partner_server.url)

    _publish(staff, django_capture_on_commit_callbacks)

    partner.refresh_from_db()
    assert partner.is_paused and partner.consecutive_failures == 3
    assert len(partner_server.received) == 3  # paused: the retries stop
    assert Delivery.objects.get(partner=partner).status == Delivery.Status.HELD
    paused = [m for m in mailoutbox if m.subject.startswith("Webhook paused")]
    assert [m.to for m in paused] == [["hanna@desk.example"]]
    assert "Partner Daily" in paused[0].subject and partner.get_absolute_url() in paused[0].body
    assert AuditEntry.objects.filter(action="partner.pause", target_id=str(partner.pk)).exists()

    # A paused partner gets nothing new; resumed, the held delivery goes out.
    partner_server.default = 200
    client = _client(staff["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("desk:partner_resume", args=[partner.pk]))
    partner.refresh_from_db()
    assert not partner.is_paused
    assert Delivery.objects.get(partner=partner).status == Delivery.Status.DELIVERED
    assert len(partner_server.received) == 4
    assert len([m for m in mailoutbox if m.subject.startswith("Webhook paused")]) == 1


def test_replay_sends_the_same_delivery_again_and_logs_the_attempt(
    staff, partner_server, django_capture_on_commit_callbacks
):
    partner = _partner(staff, partner_server.url)
    _publish(staff, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(partner=partner)

    with django_capture_on_commit_callbacks(execute=True):
        response = _client(staff["editor"]).post(reverse("desk:delivery_replay", args=[delivery.pk]))

    assert response.status_code == 302
    first, second = partner_server.received
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"] == delivery.webhook_id
    assert first["body"] == second["body"]
    Webhook(partner.secret).verify(second["body"], second["headers"])
    assert list(delivery.attempts.values_list("is_replay", flat=True)) == [False, True]
    page = _client(staff["editor"]).get(reverse("desk:partner", args=[partner.pk])).content.decode()
    assert delivery.webhook_id in page and "HTTP 200" in page and "(replay)" in page


def test_a_story_taken_off_the_site_is_delivered_as_canceled(staff, partner_server, django_capture_on_commit_callbacks):
    partner = _partner(staff, partner_server.url, events=[Event.UNPUBLISHED])
    article = _publish(staff, django_capture_on_commit_callbacks)
    assert partner_server.received == []
    translation = Translation.objects.get(article=article)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.translation_unpublish(translation=translation, by=staff["editor"], reason="Legal asked")

    delivery = Delivery.objects.get(partner=partner)
    assert delivery.event == Event.UNPUBLISHED
    payload = Webhook(partner.secret).verify(partner_server.received[0]["body"], partner_server.received[0]["headers"])
    assert payload["type"] == "story.unpublished" and payload["data"]["pubstatus"] == "canceled"
    assert "bodies" not in payload["data"]


def test_loopback_and_private_targets_are_refused_like_the_importers(staff, settings):
    settings.DESK_IMPORT_ALLOW_LOOPBACK = False
    for url in (
        "http://127.0.0.1:8000/hook",
        "http://10.0.0.7/hook",
        "http://169.254.169.254/latest",
        "ftp://x.example/",
    ):
        with pytest.raises(fetching.BlockedURL):
            _partner(staff, url)
    assert not Partner.objects.exists()

    client = _client(staff["editor"])
    response = client.post(
        reverse("desk:partners"), {"name": "Sneaky", "url": "http://10.0.0.7/hook", "events": ["published"]}
    )
    assert response.status_code == 200
    assert "private address" in response.content.decode()
    assert not Partner.objects.exists()


def test_a_loopback_target_is_refused_at_send_time_too(
    staff, partner_server, django_capture_on_commit_callbacks, settings
):
    partner = _partner(staff, partner_server.url)
    settings.DESK_IMPORT_ALLOW_LOOPBACK = False
    settings.WEBHOOK_PAUSE_AFTER = 2
    _publish(staff, django_capture_on_commit_callbacks)
    assert partner_server.received == []
    attempt = DeliveryAttempt.objects.filter(delivery__partner=partner).first()
    assert attempt is not None and attempt.status_code is None and "loopback" in attempt.error


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_only_editors_manage_partners(staff, partner_server):
    translator = UserFactory(username="someone", roles=["translator"])
    partner = _partner(staff, partner_server.url)
    client = _client(translator)
    assert client.get(reverse("desk:partners")).status_code == 403
    assert client.get(reverse("desk:partner", args=[partner.pk])).status_code == 403
    response = client.post(reverse("desk:partners"), {"name": "X", "url": partner_server.url, "events": ["published"]})
    assert response.status_code == 403
    assert client.post(reverse("desk:partner_resume", args=[partner.pk])).status_code == 403
    assert Partner.objects.count() == 1

    editor = _client(staff["editor"])
    response = editor.post(
        reverse("desk:partners"),
        {"name": "Wire", "url": partner_server.url, "events": ["published", "unpublished"], "languages": ["en"]},
    )
    assert response.status_code == 302
    created = Partner.objects.get(name="Wire")
    assert created.created_by == staff["editor"] and created.secret.startswith("whsec_")
    assert created.events == ["published", "unpublished"] and created.languages == ["en"]


def test_the_story_history_shows_where_it_went(staff, partner_server, smtp_server, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from newsroom.distribution import newsletters
    from newsroom.distribution.models import Frequency, Subscriber

    _partner(staff, partner_server.url)
    outlet = Outlet.objects.create(name="Zerkalo", slug="zerkalo", credit_name="Zerkalo", contact_email="e@z.example")
    article = _publish(staff, django_capture_on_commit_callbacks, outlet=outlet)
    Subscriber.objects.create(email="r@mail.example", language="en", confirmed_at=timezone.now())
    issue = newsletters.issue_prepare(
        language="en", frequency=Frequency.WEEKLY, now=timezone.now() + timezone.timedelta(days=1)
    )
    newsletters.issue_send_batch(issue_id=issue.pk)
    translation = Translation.objects.get(article=article)

    page = _client(staff["editor"]).get(reverse("desk:history", args=[translation.pk])).content.decode()

    assert "Where it went" in page
    assert "Published to <a" in page and "Partner Daily" in page and "Delivered (1 attempt)" in page
    assert "Weekly digest of" in page and "sent to 1 reader" in page
    assert "Told on" in page


def test_an_archive_import_pushes_nothing_and_tells_no_outlet(staff, partner_server, smtp_server, tmp_path):
    from tests.translations.test_archive_import import run, story

    _partner(staff, partner_server.url)
    Outlet.objects.create(name="Example News", slug="example-news", credit_name="EN", contact_email="e@n.example")
    result, _progress = run(tmp_path, [story(1), story(2)])
    assert result["imported"] == 2
    assert not Delivery.objects.exists() and partner_server.received == []
    assert smtp_server.messages == []
