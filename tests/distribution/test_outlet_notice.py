"""The source outlet is told once, by e-mail through a real SMTP server, when its story is
published in translation: the link and the credits; never when it opted out."""

from __future__ import annotations

import pytest

from newsroom.distribution.models import OutletNotice
from newsroom.models import Outlet
from tests.newsroom.test_site_pages import make_staff, publish_story
from translations import workflow
from translations.models import Contributor, CreditMode, Translation


@pytest.fixture
def staff(db):
    return make_staff()


def _outlet(**kwargs) -> Outlet:
    return Outlet.objects.create(name="Zerkalo", slug="zerkalo", credit_name="Zerkalo", **kwargs)


def test_the_outlet_gets_one_email_with_the_link_and_the_credits(
    staff, smtp_server, django_capture_on_commit_callbacks
):
    Contributor.objects.filter(user=staff["volunteer"]).update(credit_mode=CreditMode.PSEUDONYM, pseudonym="Vera P.")
    outlet = _outlet(contact_email="editors@zerkalo.example")
    with django_capture_on_commit_callbacks(execute=True):
        article = publish_story(staff, outlet=outlet)

    [message] = smtp_server.to("editors@zerkalo.example")
    text = message.get_content()
    assert "MFA employees picket against violence" in message["Subject"]
    assert f"/articles/{article.slug_en}/" in text
    assert "Translated by: Vera P." in text and "Papkouskaya" not in text
    assert article.source_url in text
    assert OutletNotice.objects.get(article=article).sent_at is not None

    # Taken off and published again: still one e-mail.
    t = Translation.objects.get(article=article)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.translation_unpublish(translation=t, by=staff["editor"], reason="Check a name")
    assert len(smtp_server.to("editors@zerkalo.example")) == 1


def test_an_outlet_that_opted_out_or_has_no_contact_is_not_told(staff, smtp_server, django_capture_on_commit_callbacks):
    quiet = _outlet(contact_email="editors@zerkalo.example", is_notice_opted_out=True)
    silent = Outlet.objects.create(name="Nasha Niva", slug="nn", credit_name="NN")
    with django_capture_on_commit_callbacks(execute=True):
        publish_story(staff, outlet=quiet)
        publish_story(staff, outlet=silent, title="Another story")
    assert smtp_server.to("editors@zerkalo.example") == []
    assert not OutletNotice.objects.exists()
