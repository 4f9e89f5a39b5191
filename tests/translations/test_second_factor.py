"""Second factors, sessions, recovery and password resets (issue 31).

The test settings leave ``DESK_REQUIRE_SECOND_FACTOR`` off (many tests log editors in with
``force_login``); every test here that needs it switches it on.
"""

from __future__ import annotations

import time

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom.core import factors, sessions
from newsroom.core.passwords import BreachedPasswordValidator
from newsroom.models import AuditEntry, DeskSession
from tests.factories import TranslationFactory, UserFactory
from translations import privacy, workflow
from translations.models import Role, State
from translations.people import accounts, roles, security

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
)


@pytest.fixture(autouse=True)
def _no_throttle_wait(settings):
    """django-otp makes a device wait after a wrong code; these tests type the right one next."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def required(settings):
    settings.DESK_REQUIRE_SECOND_FACTOR = True
    return settings


def app_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def code(device: TOTPDevice, *, step: int = 0) -> str:
    return f"{totp(device.bin_key, t0=device.t0, step=device.step, drift=step):06d}"


def login(user, *, ua: str = FIREFOX) -> Client:
    client = Client(HTTP_USER_AGENT=ua)
    response = client.post(reverse("login"), {"username": user.username, "password": "correct horse battery staple"})
    assert response.status_code == 302, response.content.decode()
    return client


def verified_client(user, device: TOTPDevice, *, ua: str = FIREFOX) -> Client:
    client = login(user, ua=ua)
    response = client.post(reverse("desk:factor_verify"), {"code": code(device), "next": "/desk/"})
    assert response.status_code == 302, response.content.decode()
    return client


# --- Required by role -----------------------------------------------------------------------


def test_reviewer_is_sent_to_enrol_with_a_sentence_until_they_have_a_factor(required, reviewer, client):
    client.force_login(reviewer)
    response = client.get(reverse("desk:landing"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("desk:security")
    page = response.content.decode()
    assert "Reviewers and editors need a second factor" in page
    assert "Add an authenticator app" in page


def test_translator_may_work_without_a_factor_and_is_offered_one(required, translator, client):
    client.force_login(translator)
    assert client.get(reverse("desk:jobs")).status_code == 200
    assert client.get(reverse("desk:security")).status_code == 200


def test_requirement_off_lets_an_editor_work_and_the_banner_says_so(settings, editor, client):
    settings.DESK_REQUIRE_SECOND_FACTOR = False
    settings.DESK_SECOND_FACTOR_BANNER = True
    client.force_login(editor)
    page = client.get(reverse("desk:home")).content.decode()
    assert "Second factors are not required on this desk" in page


def test_an_enrolled_editor_confirms_the_factor_before_the_desk(required, editor):
    device = app_for(editor)
    client = login(editor)
    response = client.get(reverse("desk:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("desk:factor_verify"))
    bad = client.post(reverse("desk:factor_verify"), {"code": "000000", "next": "/desk/"})
    assert bad.status_code == 400 and "That code does not match" in bad.content.decode()
    ok = client.post(reverse("desk:factor_verify"), {"code": code(device), "next": "/desk/"})
    assert ok.status_code == 302 and ok["Location"] == "/desk/"
    assert client.get(reverse("desk:home")).status_code == 200


def test_the_admin_needs_a_verified_factor_for_everyone(required, db):
    staff = UserFactory(username="staffer", roles=["translator"], is_staff=True, is_superuser=False)
    client = Client()
    client.force_login(staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"] == reverse("desk:security")
    device = app_for(staff)
    client = verified_client(staff, device)
    assert client.get(reverse("admin:index")).status_code != 302


# --- Enrolling: app and recovery codes --------------------------------------------------------


def test_adding_an_app_confirms_it_by_a_code_shows_recovery_codes_and_ends_other_sessions(editor):
    other = login(editor, ua=CHROME_ANDROID)
    client = login(editor)
    page = client.get(reverse("desk:totp_add"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    wrong = client.post(reverse("desk:totp_add"), {"code": "123456"})
    assert wrong.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed
    response = client.post(reverse("desk:totp_add"), {"code": code(device)})
    device.refresh_from_db()
    assert device.confirmed
    codes = [c for c in StaticToken.objects.filter(device__user=editor).values_list("token", flat=True)]
    assert len(codes) == security.RECOVERY_CODE_COUNT
    assert all(c in response.content.decode() for c in codes)
    # The other browser was signed out; this one is verified and keeps working.
    assert other.get(reverse("desk:home")).status_code == 302
    assert "/accounts/login/" in other.get(reverse("desk:home"))["Location"]
    assert client.get(reverse("desk:home")).status_code == 200
    assert AuditEntry.objects.filter(action="account.factor_add", actor=editor).exists()


def test_a_recovery_code_works_once(required, editor):
    app_for(editor)
    codes = security.recovery_codes_generate(user=editor)
    first = login(editor)
    assert first.post(reverse("desk:factor_verify"), {"code": codes[0], "next": "/desk/"}).status_code == 302
    second = login(editor)
    again = second.post(reverse("desk:factor_verify"), {"code": codes[0], "next": "/desk/"})
    assert again.status_code == 400
    assert security.recovery_codes_left(user=editor) == security.RECOVERY_CODE_COUNT - 1


def test_managing_factors_needs_this_session_verified(required, editor):
    device = app_for(editor)
    client = login(editor)
    response = client.post(reverse("desk:factor_remove", args=["app", device.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("desk:factor_verify"))
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


# --- Sensitive actions re-check the factor ---------------------------------------------------


STALE = time.time() - 16 * 60


def test_publishing_refuses_a_stale_verification_and_changes_nothing(required, editor, reviewer):
    t = TranslationFactory(state=State.IN_REVIEW)
    t = workflow.translation_approve(translation=t, by=reviewer)
    with factors.verification_context(user_id=editor.pk, verified_at=STALE):
        with pytest.raises(factors.FactorStale, match="Confirm it is you"):
            workflow.translation_publish(translation=t, by=editor)
    t.refresh_from_db()
    assert t.state == State.APPROVED
    with factors.verification_context(user_id=editor.pk, verified_at=time.time()):
        assert workflow.translation_publish(translation=t, by=editor).state == State.PUBLISHED


def test_unpublishing_through_the_desk_asks_to_verify_again_with_a_link(required, editor, reviewer):
    t = TranslationFactory(state=State.IN_REVIEW)
    t = workflow.translation_approve(translation=t, by=reviewer)
    t = workflow.translation_publish(translation=t, by=editor)  # outside a request: no session to check
    client = verified_client(editor, app_for(editor))
    session = client.session
    session[factors.VERIFIED_AT_SESSION_KEY] = STALE
    session.save()
    url = reverse("desk:transition", args=[t.pk, "unpublish"])
    page = client.post(url, {"comment": "Source withdrew it"}, follow=True).content.decode()
    assert "This needs your second factor again" in page
    assert reverse("desk:factor_verify") in page
    t.refresh_from_db()
    assert t.state == State.PUBLISHED


def test_the_publish_page_refuses_a_stale_verification_with_a_link_back(required, editor):
    t = TranslationFactory(state=State.APPROVED)
    client = verified_client(editor, app_for(editor))
    session = client.session
    session[factors.VERIFIED_AT_SESSION_KEY] = STALE
    session.save()
    preview = reverse("desk:preview", args=[t.pk])
    response = client.post(
        reverse("desk:publish", args=[t.pk]), {"credited": [], "when": "now", "confirm": "on"}, HTTP_REFERER=preview
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "This needs your second factor again" in page
    assert f'href="{factors.verify_url(preview)}"'.replace("&", "&amp;") in page
    t.refresh_from_db()
    assert t.state == State.APPROVED


@pytest.mark.parametrize("action", ["role_request", "role_confirm", "credit_of_other", "delete_person", "reset"])
def test_every_other_sensitive_service_refuses_a_stale_verification(required, editor, action):
    other_editor = UserFactory(username="ed2", roles=["editor"])
    person = UserFactory(username="person", roles=["translator"])
    person.contributor.has_public_profile = True
    person.contributor.public_slug = "person"
    person.contributor.save()
    grant = roles.role_grant_request(by=other_editor, role=Role.REVIEWER, user=person)
    calls = {
        "role_request": lambda: roles.role_grant_request(by=editor, role=Role.EDITOR, user=person),
        "role_confirm": lambda: roles.role_grant_confirm(grant=grant, by=editor),
        "credit_of_other": lambda: accounts.contributor_update(
            contributor=person.contributor, by=editor, has_public_profile=False
        ),
        "delete_person": lambda: privacy.user_delete(user=person, by=editor),
        "reset": lambda: security.factors_reset(user=person, by=editor, reason="Called them"),
    }
    audit_before = AuditEntry.objects.count()
    with factors.verification_context(user_id=editor.pk, verified_at=STALE):
        with pytest.raises(factors.FactorStale):
            calls[action]()
    assert AuditEntry.objects.count() == audit_before
    assert not person.groups.filter(name__in=["reviewer", "editor"]).exists()
    person.contributor.refresh_from_db()
    assert person.contributor.has_public_profile


# --- Sessions --------------------------------------------------------------------------------


def test_sessions_page_lists_devices_and_signs_out_everywhere_else(editor):
    phone = login(editor, ua=CHROME_ANDROID)
    desktop = login(editor, ua=FIREFOX)
    page = desktop.get(reverse("desk:sessions")).content.decode()
    assert "Chrome on Android" in page and "Firefox on Windows" in page
    assert "this computer" in page and "(this session)" in page
    desktop.post(reverse("desk:sessions"), {"end": "others"})
    assert "/accounts/login/" in phone.get(reverse("desk:home"))["Location"]
    assert desktop.get(reverse("desk:home")).status_code == 200
    assert sessions.sessions_active(user=editor).count() == 1


def test_a_person_cannot_end_someone_elses_session(editor, reviewer):
    theirs = login(reviewer)
    mine = login(editor)
    row = DeskSession.objects.get(session_key=theirs.session.session_key)
    mine.post(reverse("desk:sessions"), {"end": str(row.pk)})
    assert theirs.get(reverse("desk:mine")).status_code == 200
    page = mine.get(reverse("desk:sessions")).content.decode()
    assert mine.session.session_key not in page  # a session key is a bearer token: never shown


def test_a_person_ends_one_of_their_sessions(editor):
    phone = login(editor, ua=CHROME_ANDROID)
    desktop = login(editor)
    row = DeskSession.objects.get(session_key=phone.session.session_key)
    desktop.post(reverse("desk:sessions"), {"end": str(row.pk)})
    assert "/accounts/login/" in phone.get(reverse("desk:home"))["Location"]


def test_a_sign_in_from_a_new_device_is_emailed(editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        login(editor, ua=FIREFOX)
        login(editor, ua=FIREFOX)
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        login(editor, ua=CHROME_ANDROID)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [editor.email] and "Chrome on Android" in mail.outbox[0].body


def test_changing_the_password_ends_the_other_sessions(editor):
    other = login(editor, ua=CHROME_ANDROID)
    client = login(editor)
    response = client.post(
        reverse("password_change"),
        {"old_password": "correct horse battery staple", "new_password1": "a long new passphrase 42",
         "new_password2": "a long new passphrase 42"},
    )  # fmt: skip
    assert response.status_code == 302
    assert "/accounts/login/" in other.get(reverse("desk:home"))["Location"]
    assert client.get(reverse("desk:home")).status_code == 200
    assert DeskSession.objects.filter(user=editor, ended_at__isnull=True).count() == 1


def test_place_labels_are_coarse():
    assert sessions.place_label("127.0.0.1") == "this computer"
    assert sessions.place_label("192.168.1.20") == "a local network"
    assert sessions.place_label("93.84.12.7") == "network 93.84.0.0/16"
    assert sessions.place_label(None) == "unknown"


# --- Recovery through a second editor --------------------------------------------------------


def test_a_second_editor_resets_lost_factors_signs_the_person_out_and_tells_them(
    editor, django_capture_on_commit_callbacks
):
    person = UserFactory(username="lost", roles=["reviewer"])
    app_for(person)
    security.recovery_codes_generate(user=person)
    their_session = login(person)
    with django_capture_on_commit_callbacks(execute=True):
        removed = security.factors_reset(user=person, by=editor, reason="Video call, known number")
    assert removed == 2
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert not StaticToken.objects.filter(device__user=person).exists()
    assert "/accounts/login/" in their_session.get(reverse("desk:landing"))["Location"]
    entry = AuditEntry.objects.get(action="account.factors_reset")
    assert entry.actor == editor and entry.target_id == str(person.pk)
    assert entry.detail["reason"] == "Video call, known number"
    assert [m.to for m in mail.outbox] == [[person.email]]


def test_nobody_resets_their_own_factors(editor):
    app_for(editor)
    with pytest.raises(Exception, match="cannot reset your own"):
        security.factors_reset(user=editor, by=editor, reason="I lost it")
    assert TOTPDevice.objects.filter(user=editor).exists()
    reviewer = UserFactory(username="r2", roles=["reviewer"])
    with pytest.raises(Exception, match="Only editors"):
        security.factors_reset(user=editor, by=reviewer, reason="x")


def test_reset_page_for_editors(editor, client):
    person = UserFactory(username="lost2", roles=["translator"])
    app_for(person)
    client.force_login(editor)
    response = client.post(reverse("desk:factor_reset"), {"username": "lost2", "reason": "In person"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=person).exists()
    missing = client.post(reverse("desk:factor_reset"), {"username": "nobody", "reason": "x"})
    assert "Nobody on the desk has that username" in missing.content.decode()


# --- Password reset and lists -----------------------------------------------------------------


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(editor, client):
    known = client.post(reverse("password_reset"), {"email": editor.email})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@desk.example"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1


def test_password_reset_is_throttled(settings, editor, client):
    settings.DESK_PASSWORD_RESET_PER_HOUR = 2
    for _i in range(2):
        client.post(reverse("password_reset"), {"email": editor.email})
    assert len(mail.outbox) == 2
    refused = client.post(reverse("password_reset"), {"email": editor.email})
    assert refused.status_code == 429 and "Too many reset requests" in refused.content.decode()
    assert len(mail.outbox) == 2


def test_a_wrong_code_makes_the_app_wait(required, settings, editor):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    device = app_for(editor)
    client = login(editor)
    client.post(reverse("desk:factor_verify"), {"code": "000000", "next": "/desk/"})
    right_too_soon = client.post(reverse("desk:factor_verify"), {"code": code(device), "next": "/desk/"})
    assert right_too_soon.status_code == 400 and "wait" in right_too_soon.content.decode()


def test_password_reset_per_address_is_throttled_silently(settings, editor):
    settings.DESK_PASSWORD_RESET_PER_HOUR = 1
    Client(REMOTE_ADDR="10.0.0.1").post(reverse("password_reset"), {"email": editor.email})
    again = Client(REMOTE_ADDR="10.0.0.2").post(reverse("password_reset"), {"email": editor.email})
    assert again.status_code == 302 and len(mail.outbox) == 1


def test_breached_and_common_passwords_are_refused():
    with pytest.raises(ValidationError, match="data breach"):
        BreachedPasswordValidator().validate("ZhyveBelarus")
    BreachedPasswordValidator().validate("a long passphrase nobody uses 9")
