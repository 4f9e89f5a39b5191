"""Second factors in a real browser, with Chromium's virtual authenticator (the WebAuthn testing
API over CDP): a reviewer is blocked until enrolled, enrols a passkey and an authenticator app,
signs in with each, signs out another session, loses everything and is reset by a second editor."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django_otp.oath import hotp, totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from newsroom.models import AuditEntry
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, t0=device.t0, step=device.step):06d}"


def _next_code(device: TOTPDevice) -> str:
    """The app's code for the step after the last one ``device`` accepted. The server refuses a
    step it has taken, and its window follows the drift the last code recorded: a code typed as a
    step ended is taken at drift -1, and then "the next step by the clock" is one too far."""
    return f"{hotp(device.bin_key, device.last_t + 1):06d}"


def _context(browser, live_server, *, authenticator: bool):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    if authenticator:
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable", {"enableUI": False})
        cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )
    return page


def _password_login(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()


def test_passkey_and_app_enrolment_sign_in_sessions_and_second_editor_recovery(live_server, browser, settings):
    settings.DESK_REQUIRE_SECOND_FACTOR = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    reviewer = UserFactory(username="rev", roles=["reviewer"])
    editor = UserFactory(username="ed", roles=["editor"])
    editor_app = TOTPDevice.objects.create(user=editor, name="Phone", confirmed=True)

    # A reviewer without a factor is blocked: every desk page sends them to enrol, with a sentence.
    laptop = _context(browser, live_server, authenticator=True)
    _password_login(laptop, "rev")
    laptop.wait_for_url("**/desk/account/security/")
    expect(laptop.get_by_text("Reviewers and editors need a second factor")).to_be_visible()
    laptop.goto("/desk/mine/")
    laptop.wait_for_url("**/desk/account/security/")

    # Enrol a passkey (the virtual authenticator answers); the page lists it after.
    laptop.get_by_role("button", name="Add a passkey").click()
    expect(laptop.get_by_role("heading", name="Passkeys").locator("..").get_by_role("listitem")).to_have_count(1)
    assert WebAuthnCredential.objects.filter(user=reviewer, confirmed=True).count() == 1

    # Enrol an authenticator app by keyboard: type the code the app would show.
    laptop.get_by_role("link", name="Add an authenticator app").focus()
    laptop.keyboard.press("Enter")
    laptop.wait_for_url("**/desk/account/security/app/")
    expect(laptop.locator("#totp-secret")).to_have_text(re.compile(r"^[A-Z2-7 ]+$"))
    app = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    laptop.get_by_label("Code from the app").fill(_code(app))
    laptop.keyboard.press("Enter")
    expect(laptop.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(laptop.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(10)
    laptop.goto("/desk/mine/")
    expect(laptop).to_have_url(re.compile(r"/desk/mine/$"))

    # Sign out, then sign in with the passkey alone (no password typed).
    laptop.get_by_role("button", name="Log out").click()
    laptop.goto("/accounts/login/?next=/desk/mine/")
    laptop.get_by_role("button", name="Log in with a passkey").click()
    laptop.wait_for_url("**/desk/mine/")
    expect(laptop.get_by_text("rev", exact=True)).to_be_visible()

    # A second browser signs in with the password and the app's code.
    phone = _context(browser, live_server, authenticator=False)
    _password_login(phone, "rev")
    phone.wait_for_url(re.compile(r"/desk/account/verify/"))
    phone.get_by_label("Code from your app, or a recovery code").fill(_next_code(TOTPDevice.objects.get(pk=app.pk)))
    phone.get_by_role("button", name="Confirm").click()
    phone.wait_for_url(re.compile(r"/desk/(mine|start)/"))

    # The laptop sees both sessions and signs the phone out.
    laptop.goto("/desk/account/sessions/")
    expect(laptop.locator("table.sessions tbody tr")).to_have_count(2)
    laptop.get_by_role("button", name="Sign out everywhere else").click()
    expect(laptop.locator("table.sessions tbody tr")).to_have_count(1)
    phone.goto("/desk/mine/")
    phone.wait_for_url(re.compile(r"/accounts/login/"))

    # The reviewer lost everything: a second editor, verified by their own app, resets it.
    desk = _context(browser, live_server, authenticator=False)
    _password_login(desk, "ed")
    desk.wait_for_url(re.compile(r"/desk/account/verify/"))
    desk.get_by_label("Code from your app, or a recovery code").fill(_code(editor_app))
    desk.get_by_role("button", name="Confirm").click()
    desk.wait_for_url(re.compile(r"/desk/"))
    desk.goto("/desk/people/reset-factors/")
    desk.get_by_label("Their username").fill("rev")
    desk.get_by_label("How you checked it is really them").fill("Video call on the number we know")
    desk.get_by_role("button", name="Reset their factors").click()
    expect(desk.get_by_text("were removed; they were signed out and told by e-mail")).to_be_visible()
    assert not WebAuthnCredential.objects.filter(user=reviewer).exists()
    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    assert AuditEntry.objects.filter(action="account.factors_reset", actor=editor).exists()
    assert any(m.to == [reviewer.email] and "reset" in m.subject for m in mail.outbox)

    # The reviewer is signed out, and blocked again until they enrol anew.
    laptop.goto("/desk/mine/")
    laptop.wait_for_url(re.compile(r"/accounts/login/"))
    _password_login(laptop, "rev")
    laptop.wait_for_url("**/desk/account/security/")
    expect(laptop.get_by_text("Reviewers and editors need a second factor")).to_be_visible()
