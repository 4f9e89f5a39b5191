"""The desk's partner form. It validates input; the services enforce the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from newsroom.distribution.models import Event
from newsroom.models import Outlet, Tag
from newsroom.sources import fetching


class PartnerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    url = forms.URLField(
        label=_("Webhook address"),
        max_length=1000,
        assume_scheme="https",
        help_text=_("A public https address; the desk signs each delivery (Standard Webhooks)."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple, initial=[Event.PUBLISHED]
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: every language."),
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("Tags"), queryset=Tag.objects.all(), required=False, help_text=_("None chosen: any tag.")
    )
    outlets = forms.ModelMultipleChoiceField(
        label=_("Source outlets"),
        queryset=Outlet.objects.all(),
        required=False,
        help_text=_("None chosen: any outlet."),
    )

    def clean_url(self) -> Any:
        url = self.cleaned_data["url"]
        try:
            fetching.address_check(url)
        except fetching.FetchError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return url
