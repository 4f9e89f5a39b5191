"""People joining the desk and their profiles.

An editor invites someone by email: the link carries a random token; only its SHA-256 is
stored (:class:`Invitation.token_hash`), so a database leak does not leak live links. A link
works once and until ``DESK_INVITATION_DAYS`` have passed. Accepting it creates the account,
the profile (Contributor) and the translator role in one transaction; a reviewer or editor role
is a grant that a second editor confirms (``people/roles.py``).

How a person is credited (credit mode, pseudonym, public page, its address, bio, names) is
theirs alone: :func:`contributor_update` is the one service every route calls (the profile
page, the admin), and it lets an editor do no more than hide someone's public page or mark
them staff/volunteer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from newsroom.core.audit import audit_record
from newsroom.core.errors import DeskError
from newsroom.core.inputs import clean_text
from translations import permissions
from translations.models import Contributor, Credit, CreditMode, Invitation, Role
from translations.people import notifications, roles

INVITATION_EMAIL = _(
    "Hello,\n\n"
    "%(inviter)s invited you to translate with the %(site)s desk.\n"
    "Choose your user name and password here (the link works once, until %(expires)s):\n\n"
    "%(link)s\n\n"
    "You decide on the next page how your name appears in public: your real name, a pseudonym, "
    "or just “a volunteer translator”.\n"
)


class InvitationError(DeskError):
    """An invitation that cannot be used (expired, already accepted, unknown)."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(
    *, email: str, by: Any, role: str = Role.TRANSLATOR, is_volunteer: bool = True
) -> tuple[Invitation, str]:
    """Editors invite ``email`` as ``role``. Writes the Invitation (hashed token) and an audit
    entry; emails the link after commit. Returns the invitation and the raw token (shown to
    nobody else; tests and the e2e flow use it)."""
    if not permissions.is_editor(by):
        raise PermissionDenied(_("Only editors can invite people."))
    email = get_user_model().objects.normalize_email(email.strip())
    if get_user_model().objects.filter(email__iexact=email, is_active=True).exists():
        raise InvitationError(_("Someone with this email address is already on the desk."))
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        token_hash=token_hash(token),
        role=role,
        is_volunteer=is_volunteer,
        invited_by=by,
        expires_at=timezone.now() + dt.timedelta(days=settings.DESK_INVITATION_DAYS),
    )
    audit_record(actor=by, action="invitation.create", target=invitation, role=role)
    if role in roles.SECOND_LOOK_ROLES:
        roles.role_grant_request(by=by, role=role, invitation=invitation)
    link = settings.SITE_URL + reverse("invite_accept", kwargs={"token": token})
    body = INVITATION_EMAIL % {
        # Named to the invitee as the inviter chose to be named in public.
        "inviter": notifications.public_name(by),
        "site": settings.DESK_SITE_NAME,
        "expires": timezone.localtime(invitation.expires_at).strftime("%d %B %Y"),
        "link": link,
    }
    subject = _("Your invitation to the %(site)s desk") % {"site": settings.DESK_SITE_NAME}
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email]), robust=True)
    return invitation, token


def invitation_for_token(*, token: str, lock: bool = False) -> Invitation:
    """Selector: the usable invitation behind ``token``; InvitationError if unknown, used or expired."""
    qs = Invitation.objects.select_for_update() if lock else Invitation.objects.all()
    invitation = qs.filter(token_hash=token_hash(token or "")).first()
    if invitation is None:
        raise InvitationError(_("This invitation link is not valid. Ask the editor for a new one."))
    if invitation.accepted_at is not None:
        raise InvitationError(_("This invitation has already been used. Log in instead."))
    if invitation.expires_at <= timezone.now():
        raise InvitationError(_("This invitation has expired. Ask the editor for a new one."))
    return invitation


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    credit_mode: str = CreditMode.ANONYMOUS,
    pseudonym: str = "",
    languages: list[str] | None = None,
) -> Any:
    """The invitee (anonymous caller holding the link) creates their account. Writes the User
    (in the invitation's role group), its Contributor and the invitation's acceptance, in one
    transaction; the link cannot be used again. Validates the password with Django's validators."""
    invitation = invitation_for_token(token=token, lock=True)
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise InvitationError(_("That user name is taken; choose another."))
    if credit_mode == CreditMode.PSEUDONYM and not pseudonym.strip():
        raise InvitationError(_("Give the pseudonym you want to be credited as."))
    user = User(username=username, email=invitation.email, first_name=first_name, last_name=last_name)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    # Everyone joins as a translator; a reviewer or editor role comes with its confirmed grant.
    user.groups.add(Group.objects.get_or_create(name=Role.TRANSLATOR)[0])
    roles.role_grant_accepted(invitation=invitation, user=user)
    Contributor.objects.update_or_create(
        user=user,
        defaults={
            "credit_mode": credit_mode,
            "pseudonym": pseudonym.strip(),
            "languages": languages or [],
            "is_volunteer": invitation.is_volunteer,
        },
    )
    invitation.accepted_at, invitation.accepted_user = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    audit_record(actor=user, action="invitation.accept", target=invitation)
    return user


def invitations_pending() -> Any:
    """Selector: invitations not accepted and not expired, newest first."""
    return Invitation.objects.filter(accepted_at__isnull=True, expires_at__gt=timezone.now()).select_related(
        "invited_by"
    )


# A person's own choices: only they set them. Another editor may only hide the public page.
OWN_CHOICES = frozenset(
    {
        "first_name",
        "last_name",
        "credit_mode",
        "pseudonym",
        "languages",
        "has_public_profile",
        "public_slug",
        "bio",
        "muted_notifications",
    }
)
EDITORIAL_FIELDS = frozenset({"is_volunteer"})


@transaction.atomic
def contributor_update(*, contributor: Contributor, by: Any, **fields: Any) -> Contributor:
    """A person updates their own profile: names, credit choice, languages, public page and its
    address, bio, muted notices. An editor may change someone else's ``is_volunteer`` and may
    hide their public page (``has_public_profile=False``), never expose one nor change how they
    are named: any other change to another person's profile is refused and nothing is written
    (unchanged values may be passed back, as the admin does). ``is_volunteer`` is changed only
    by editors; a non-editor's value is ignored. Anonymous credit never keeps a public page.
    Writes the Contributor, the user's names and an audit entry in one transaction. A choice
    that names the person less withdraws the old name from every story already published
    (:func:`_published_credits_follow`); the Contributor's ``post_save`` tells the reader site,
    which forgets every page, listing, feed and API answer that may name them before the save
    answers (``newsroom.site.rendering.owner.person_credit_changed``)."""
    is_self = contributor.user_id == by.pk
    if not is_self and not permissions.is_editor(by):
        raise PermissionDenied(_("You can only change your own profile."))
    if not permissions.is_editor(by):
        fields.pop("is_volunteer", None)
    unknown = set(fields) - OWN_CHOICES - EDITORIAL_FIELDS
    if unknown:
        raise ValueError(", ".join(sorted(unknown)))
    user = contributor.user
    changed = {
        name
        for name, value in fields.items()
        if (getattr(user, name) if name in ("first_name", "last_name") else getattr(contributor, name))
        != (str(value).strip()[:150] if name in ("first_name", "last_name") else value)
    }
    if not is_self:
        hiding = "has_public_profile" in changed and not fields["has_public_profile"]
        theirs = changed & OWN_CHOICES - ({"has_public_profile"} if hiding else set())
        if theirs:
            raise PermissionDenied(
                _(
                    "Only the person can change how they are named in public (credit, pseudonym, "
                    "names, public page and its address). An editor may only hide a public page."
                )
            )
    before = (contributor.credit_mode, contributor.pseudonym)
    names = {name: str(fields.pop(name)).strip()[:150] for name in ("first_name", "last_name") if name in fields}
    for name, value in fields.items():
        setattr(contributor, name, value)
    if names:
        # The real name stays with editors; it is only public when the credit choice says so.
        for name, value in names.items():
            setattr(user, name, value)
        user.save(update_fields=list(names))
    if contributor.credit_mode == CreditMode.ANONYMOUS:
        # A public page would give a face to someone who asked not to be named.
        contributor.has_public_profile = False
    if not contributor.has_public_profile:
        contributor.public_slug = ""
    withdrawn = _published_credits_follow(contributor=contributor, before=before)
    contributor.save()
    audit_record(
        actor=by,
        action="contributor.update",
        target=contributor,
        changed=",".join(sorted(changed)),
        by_self=is_self,
        **({"published_credits_renamed": withdrawn} if withdrawn else {}),
    )
    return contributor


# How much of a person each credit choice shows, for withdrawing a name from the past.
EXPOSURE = {CreditMode.ANONYMOUS: 0, CreditMode.PSEUDONYM: 1, CreditMode.REAL_NAME: 2}


def _published_credits_follow(*, contributor: Contributor, before: tuple[str, str]) -> int:
    """Withdraw a name from the stories already published under it; returns how many credits.

    Published credits are snapshots (a credit stays as agreed at publication). A person who
    names themselves *less* than before (a real name becomes a pseudonym or "a volunteer
    translator", a pseudonym is changed or dropped) may be at risk from the old name: every
    credit of theirs takes the new public name at once. A choice that names them *more* applies
    from their next publication only; stories published under a pseudonym or anonymously are
    never given a real name afterwards.
    """
    mode, pseudonym = before
    now_mode = contributor.credit_mode
    less = EXPOSURE[CreditMode(now_mode)] < EXPOSURE[CreditMode(mode)] or (
        now_mode == mode == CreditMode.PSEUDONYM and contributor.pseudonym.strip() != pseudonym.strip()
    )
    if not less:
        return 0
    renamed = 0
    credits = Credit.objects.filter(user_id=contributor.user_id).exclude(credit_name="")
    for role in credits.values_list("role", flat=True).distinct():
        renamed += credits.filter(role=role).update(credit_name=contributor.credit_name(role))
    return renamed


def login_attempt_username(request: Any, credentials: dict[str, Any] | None = None) -> str:
    """The user name django-axes records for a login attempt (``AXES_USERNAME_CALLABLE``).

    The login forms refuse impossible names first; this keeps any other caller of
    ``authenticate()`` from writing more than axes' 255-character column or a NUL to it.
    """
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "POST", {}).get("username") if request is not None else None
    return clean_text(str(username or ""))[:255]
