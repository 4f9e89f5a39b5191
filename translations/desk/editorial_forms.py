"""Forms of the editors' desk: they validate input; the services enforce the rules."""

from __future__ import annotations

from html import escape
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from newsroom.models import Outlet
from translations.models import State
from translations.people import names as people


class FastSelect(forms.Select):
    """A select rendered in Python: hundreds of desk members would otherwise cost one
    template include per option on every board page."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        selected = {str(v) for v in (value if isinstance(value, (list, tuple)) else [value]) if v not in (None, "")}
        # Each value and label escaped as Django's escape() does (html.escape), without its lazy-text wrapper.
        options = "".join(
            f'<option value="{escape(str(option_value))}"'
            f"{' selected' if str(option_value) in selected else ''}>{escape(str(label))}</option>"
            for option_value, label in self.choices
        )
        return format_html("<select{}>{}</select>", flatatt(final), mark_safe(options))  # noqa: S308


class UserChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Users labelled as ``viewer`` may see them (``people.desk_name``), with their current load
    when the queryset carries ``load``. The form sets ``viewer``; without one no real name shows."""

    viewer: Any = None

    def label_from_instance(self, obj: Any) -> str:
        label = people.desk_name(person=obj, viewer=self.viewer)
        load = getattr(obj, "load", None)
        if load is not None:
            label += " — " + (_("%(n)s active job(s)") % {"n": load})
        return label


class BoardFilterForm(forms.Form):
    q = forms.CharField(label=_("Search titles"), required=False, max_length=200)
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Any state")), *State.choices], widget=FastSelect
    )
    language = forms.ChoiceField(
        label=_("Source language"),
        required=False,
        choices=[("", _("Any language")), *settings.SOURCE_LANGUAGES],
        widget=FastSelect,
    )
    target = forms.ChoiceField(
        label=_("Target language"),
        required=False,
        choices=[("", _("Any language")), *settings.LANGUAGES],
        widget=FastSelect,
    )
    outlet = forms.ModelChoiceField(
        label=_("Outlet"),
        required=False,
        queryset=Outlet.objects.all(),
        empty_label=_("Any outlet"),
        widget=FastSelect,
    )
    assignee = UserChoiceField(
        label=_("Translator"),
        required=False,
        queryset=get_user_model().objects.none(),
        empty_label=_("Anyone"),
        widget=FastSelect,
    )
    reviewer = UserChoiceField(
        label=_("Reviewer"),
        required=False,
        queryset=get_user_model().objects.none(),
        empty_label=_("Anyone"),
        widget=FastSelect,
    )
    due_before = forms.DateField(label=_("Due before"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=100)

    def __init__(
        self, *args: Any, members: Any = None, reviewers: Any = None, viewer: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].viewer = self.fields["reviewer"].viewer = viewer  # type: ignore[attr-defined]
        # The outlets' names in one plain query (a model choice field would read them through a
        # server-side cursor, one instance each); a chosen value is still checked against the
        # queryset when the form is cleaned.
        outlet = self.fields["outlet"]
        outlet.choices = [  # type: ignore[attr-defined]
            ("", outlet.empty_label),  # type: ignore[attr-defined]
            *((str(pk), name) for pk, name in Outlet.objects.values_list("pk", "name")),
        ]
        for field, queryset in (("assignee", members), ("reviewer", reviewers)):
            if queryset is None:
                continue
            self.fields[field].queryset = queryset  # type: ignore[attr-defined]
            # The labels kept per viewer (names.desk_name_choices); a chosen value is still
            # checked against ``queryset`` when the form is cleaned.
            empty = [("", self.fields[field].empty_label)]  # type: ignore[attr-defined]
            self.fields[field].choices = empty + people.desk_name_choices(  # type: ignore[attr-defined]
                people=queryset, viewer=viewer, name=f"board-{field}"
            )


class AssignForm(forms.Form):
    translator = UserChoiceField(label=_("Translator"), queryset=get_user_model().objects.none(), widget=FastSelect)
    reviewer = UserChoiceField(
        label=_("Reviewer"), required=False, queryset=get_user_model().objects.none(), widget=FastSelect
    )
    due_at = forms.DateTimeField(
        label=_("Due"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    comment = forms.CharField(
        label=_("Note for the log"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, members: Any, reviewers: Any, viewer: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["translator"].viewer = self.fields["reviewer"].viewer = viewer  # type: ignore[attr-defined]
        self.fields["translator"].queryset = members  # type: ignore[attr-defined]
        self.fields["reviewer"].queryset = reviewers  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        translator, reviewer = data.get("translator"), data.get("reviewer")
        if translator is not None and reviewer is not None and translator.pk == reviewer.pk:
            self.add_error("reviewer", _("The reviewer cannot be the translator (four eyes)."))
        return data


class OpenJobForm(forms.Form):
    language = forms.ChoiceField(label=_("Translate into"), choices=settings.LANGUAGES, initial="en", required=False)
    due_at = forms.DateTimeField(
        label=_("Due"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    brief = forms.CharField(
        label=_("Note to the translator"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_language(self) -> str:
        # The article page posts the bare button: default to the main publishing language.
        return str(self.cleaned_data.get("language") or settings.LANGUAGES[0][0])


class CommentForm(forms.Form):
    block_id = forms.CharField(required=False, max_length=60, widget=forms.HiddenInput)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    body = forms.CharField(label=_("Comment"), max_length=10000, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    comment = forms.CharField(label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class PublishForm(forms.Form):
    WHEN = [("now", _("Publish now")), ("schedule", _("Schedule"))]

    credited = forms.TypedMultipleChoiceField(
        label=_("Credit in public"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    confirm = forms.BooleanField(label=_("I have checked the credits and the preview."), required=True)
    when = forms.ChoiceField(label=_("When"), choices=WHEN, initial="now", widget=forms.RadioSelect)
    at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Desk time (%(tz)s).") % {"tz": settings.TIME_ZONE},
    )

    def __init__(self, *args: Any, credit_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["credited"].choices = credit_choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("when") == "schedule" and data.get("at") is None:
            self.add_error("at", _("Choose when to publish."))
        return data


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor (username)"), required=False, max_length=150)
    action = forms.CharField(label=_("Action"), required=False, max_length=60, help_text=_("e.g. translation.publish"))
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data
