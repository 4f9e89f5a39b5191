"""Forms of the translators' workspace. They validate input; the services enforce the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from newsroom.core.inputs import BadInput, clean_text
from newsroom.models import Outlet
from translations import selectors
from translations.editing import EXTRA_PARTS
from translations.models import Contributor, CreditMode, NotificationKind, Role
from translations.people import names

LANGUAGE_CHOICES: list[tuple[str, Any]] = [(code, name) for code, name in settings.SOURCE_LANGUAGES]
# What a person works in: the languages they translate from and those the desk publishes in that
# they write; the job board offers them jobs between these (``selectors.jobs_offered_to``).
WORK_LANGUAGE_CHOICES: list[tuple[str, Any]] = LANGUAGE_CHOICES + [
    (code, name) for code, name in settings.LANGUAGES if code not in dict(settings.SOURCE_LANGUAGES)
]
TARGET_LANGUAGE_CHOICES: list[tuple[str, Any]] = list(settings.LANGUAGES)


class _UsernameLimitMixin:
    """Refuse an impossible user name before authenticating: a name longer than the column is
    nobody's, and django-axes would write it to its 255-character log of attempts."""

    cleaned_data: dict[str, Any]

    def clean_username(self) -> str:
        username = str(self.cleaned_data.get("username") or "")
        limit = get_user_model()._meta.get_field("username").max_length or 150
        if len(username) > limit:
            raise forms.ValidationError(
                _("User names have at most %(limit)d characters; check what you typed.") % {"limit": limit},
                code="username_too_long",
            )
        if clean_text(username) != username:
            raise forms.ValidationError(
                _("User names contain no control characters; check what you typed."), code="username_control"
            )
        return username


class LoginForm(_UsernameLimitMixin, AuthenticationForm):
    """The desk's login form (accounts/login/)."""


class AdminLoginForm(_UsernameLimitMixin, AdminAuthenticationForm):
    """The admin's login form, with the same limits."""


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.TRANSLATOR)
    is_volunteer = forms.BooleanField(label=_("Volunteer (not staff)"), required=False, initial=True)


class RoleRequestForm(forms.Form):
    """An editor asks for a reviewer or editor role for someone already on the desk."""

    user: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Person"), queryset=get_user_model().objects.none()
    )
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, r.label) for r in (Role.REVIEWER, Role.EDITOR)])

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        field.queryset = (  # type: ignore[attr-defined]
            get_user_model()
            .objects.filter(is_active=True, groups__name=Role.TRANSLATOR)
            .select_related("contributor")
            .order_by("username")
            .distinct()
        )
        field.label_from_instance = lambda person: names.desk_name(person=person, viewer=viewer)  # type: ignore[attr-defined]


class AcceptInvitationForm(forms.Form):
    username = forms.RegexField(
        label=_("User name"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        help_text=_("Letters, digits and @/./+/-/_ only. Others on the desk see it; the public does not."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    credit_mode = forms.ChoiceField(
        label=_("In public, credit me as"),
        choices=CreditMode.choices,
        initial=CreditMode.ANONYMOUS,
        widget=forms.RadioSelect,
    )
    pseudonym = forms.CharField(label=_("Pseudonym"), max_length=100, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages I translate from"),
        help_text=_("And the languages you translate into: the job board offers you jobs between them."),
        choices=WORK_LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, email: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("That user name is taken; choose another."))
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("credit_mode") == CreditMode.PSEUDONYM and not (data.get("pseudonym") or "").strip():
            self.add_error("pseudonym", _("Give the pseudonym you want to be credited as."))
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            user = get_user_model()(
                username=data.get("username", ""),
                email=self.email,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(p1, user)
            except forms.ValidationError as e:
                self.add_error("password1", e)
        return data


class ProfileForm(forms.ModelForm):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages I translate from"),
        help_text=_("And the languages you translate into: the job board offers you jobs between them."),
        choices=WORK_LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    muted_notifications = forms.MultipleChoiceField(
        label=_("Do not email or notify me when…"),
        choices=NotificationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Contributor
        fields = [
            "languages",
            "is_volunteer",
            "credit_mode",
            "pseudonym",
            "has_public_profile",
            "public_slug",
            "bio",
            "muted_notifications",
        ]
        labels = {"public_slug": _("Address of my public page (letters, digits, hyphens)")}
        widgets = {"credit_mode": forms.RadioSelect, "bio": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, can_set_staff: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.instance.user
        self.fields["first_name"].initial = user.first_name
        self.fields["last_name"].initial = user.last_name
        self.fields["is_volunteer"].disabled = not can_set_staff
        self.fields["is_volunteer"].help_text = "" if can_set_staff else _("Only editors change this.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mode = data.get("credit_mode")
        if mode == CreditMode.PSEUDONYM and not (data.get("pseudonym") or "").strip():
            self.add_error("pseudonym", _("Give the pseudonym you want to be credited as."))
        if data.get("has_public_profile"):
            slug = (data.get("public_slug") or "").lower()
            if mode == CreditMode.ANONYMOUS:
                self.add_error("has_public_profile", _("A public page needs a name: choose a real name or pseudonym."))
            elif not slug:
                self.add_error("public_slug", _("Choose the address of your public page."))
            elif mode == CreditMode.PSEUDONYM:
                names = [n.lower() for n in (data.get("first_name"), data.get("last_name")) if n and len(n) > 2]
                if any(n in slug for n in names):
                    self.add_error("public_slug", _("This address contains your real name; you chose a pseudonym."))
            if slug and (Contributor.objects.filter(public_slug__iexact=slug).exclude(pk=self.instance.pk).exists()):
                self.add_error("public_slug", _("Someone else uses this address."))
        return data


class JobFilterForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Source language"), choices=[("", _("Any"))] + LANGUAGE_CHOICES, required=False
    )
    target = forms.ChoiceField(
        label=_("Target language"), choices=[("", _("Any"))] + TARGET_LANGUAGE_CHOICES, required=False
    )
    outlet = forms.ModelChoiceField(
        label=_("Outlet"), queryset=Outlet.objects.order_by("name"), required=False, empty_label=_("Any")
    )
    every_language = forms.BooleanField(
        label=_("Also jobs outside the languages of my profile"), required=False, initial=False
    )
    max_words = forms.IntegerField(label=_("At most (words)"), min_value=1, required=False)
    due_before = forms.DateField(label=_("Due before"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the source languages open jobs have: never English, the language jobs go into.
        language: Any = self.fields["language"]
        language.choices = [("", _("Any")), *selectors.job_source_languages()]


class GlossaryTermForm(forms.Form):
    source_term = forms.CharField(label=_("Term in the source"), max_length=200)
    target_term = forms.CharField(label=_("Agreed rendering"), max_length=200)
    source_language = forms.ChoiceField(label=_("Source language"), choices=LANGUAGE_CHOICES, initial="ru")
    target_language = forms.ChoiceField(
        label=_("Target language"), choices=TARGET_LANGUAGE_CHOICES, initial=settings.LANGUAGE_CODE, required=False
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_target_language(self) -> str:
        return str(self.cleaned_data.get("target_language") or settings.LANGUAGE_CODE)


def posted_version(data: QueryDict) -> int | None:
    """The ``based_on`` the editor form carries (the version it was built from), None when it
    is missing or unreadable."""
    try:
        return int(data.get("based_on", ""))
    except ValueError:
        return None


def submit_arguments(
    data: QueryDict, *, source_blocks: list[dict[str, Any]], notes: list[dict[str, Any]]
) -> dict[str, Any]:
    """The editor form's Submit read into ``workflow.translation_save_and_submit`` arguments:
    ``text`` (:func:`editor_payload`; None when the form carries no text: no ``based_on``),
    ``based_on``, ``comment`` and ``correction_note`` (None when the form has no such field)."""
    note = data.get("correction_note")
    return {
        "text": editor_payload(data, source_blocks=source_blocks, notes=notes) if "based_on" in data else None,
        "based_on": posted_version(data),
        "comment": clean_text(data.get("comment", "")).strip()[:5000],
        "correction_note": clean_text(note) if note is not None else None,
    }


def autosave_payload(data: Any) -> tuple[int, dict[str, Any]]:
    """editor.js's autosave body (``{"based_on", "title"?, "lead"?, "tags"?, "byline"?,
    "byline_outlet"?, "blocks"?, "notes"?}``) read into ``based_on`` and the
    ``translation_save`` arguments it carries, each of its type (others are ignored). Raises
    ``BadInput`` for a body without a readable ``based_on``."""
    try:
        based_on = int(data["based_on"])
    except (ValueError, KeyError, TypeError, OverflowError) as e:
        raise BadInput(str(_("Malformed save."))) from e
    if not isinstance(data, dict):
        raise BadInput(str(_("Malformed save.")))
    fields: dict[str, Any] = {}
    for name in ("title", "lead", "tags", "byline", "byline_outlet"):
        if isinstance(data.get(name), str):
            fields[name] = data[name]
    if isinstance(data.get("blocks"), dict):
        fields["blocks"] = data["blocks"]
    if isinstance(data.get("notes"), list):
        fields["notes"] = data["notes"]
    return based_on, fields


def editor_payload(
    data: QueryDict, *, source_blocks: list[dict[str, Any]], notes: list[dict[str, Any]]
) -> dict[str, Any]:
    """Read the side-by-side editor's plain POST into ``translation_save`` arguments.

    Field names: ``title``, ``lead``, ``tags``, ``byline``, ``byline_outlet``, ``correction_note``, ``b-<block id>-text|omitted|reason``
    (and ``-alt``/``-credit`` for an image, ``-cite`` for a quote), existing
    notes ``note-<id>-text`` (+ ``note-<id>-delete``), new notes ``newnote-<block id>`` ("" for
    one before the first block). Blocks absent from the POST are left out of the result so a
    partial form cannot wipe them.
    """

    def text(name: str, default: str = "") -> str:
        return clean_text(str(data.get(name, default)))

    blocks: dict[str, Any] = {}
    for block in source_blocks:
        bid = str(block["id"])
        if f"b-{bid}-text" not in data and f"b-{bid}-omitted" not in data:
            continue
        blocks[bid] = {
            "text": text(f"b-{bid}-text"),
            "omitted": data.get(f"b-{bid}-omitted") in {"on", "1", "true"},
            "reason": text(f"b-{bid}-reason"),
        }
        for part in EXTRA_PARTS.get(str(block.get("kind")), ()):  # alt text, photographer, attribution
            blocks[bid][part] = text(f"b-{bid}-{part}")
    new_notes: list[dict[str, Any]] = []
    for note in notes:
        nid = str(note.get("id", ""))
        if data.get(f"note-{nid}-delete"):
            continue
        new_notes.append({**note, "text": text(f"note-{nid}-text", note.get("text", ""))})
    used = {str(n.get("id")) for n in notes}
    counter = len(notes)
    for after in [""] + [str(b["id"]) for b in source_blocks]:
        text_ = text(f"newnote-{after}").strip()
        if text_:
            counter += 1
            while str(counter) in used:
                counter += 1
            used.add(str(counter))
            new_notes.append({"id": str(counter), "after": after, "text": text_, "keep": True})
    payload: dict[str, Any] = {"blocks": blocks, "notes": new_notes}
    for name in ("title", "lead", "tags", "byline", "byline_outlet", "correction_note"):
        if name in data:
            payload[name] = text(name)
    return payload
