"""Forms of the editorial-core desk pages. They validate input; services enforce the rules."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from newsroom.models import Feed, Outlet


class ImportForm(forms.Form):
    url = forms.URLField(label=_("Address of the story"), max_length=1000, assume_scheme="https")
    outlet = forms.ModelChoiceField(
        label=_("Outlet"),
        queryset=Outlet.objects.all(),
        required=False,
        empty_label=_("Work it out from the address"),
    )


class ManualImportForm(forms.Form):
    title = forms.CharField(label=_("Original title"), max_length=1000)
    url = forms.URLField(label=_("Address of the story"), max_length=1000, assume_scheme="https")
    published = forms.DateTimeField(
        label=_("Originally published"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("In the desk's time zone."),
    )
    author = forms.CharField(label=_("Author"), max_length=200, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.SOURCE_LANGUAGES, initial="ru")
    outlet = forms.ModelChoiceField(label=_("Outlet"), queryset=Outlet.objects.all())
    text = forms.CharField(
        label=_("Text or HTML"),
        widget=forms.Textarea(attrs={"rows": 16}),
        max_length=500_000,
        help_text=_("Paragraphs separated by blank lines, or the article's HTML (it is sanitised)."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.TextInput())


class FeedForm(forms.ModelForm):
    url = forms.URLField(label=_("Feed address (RSS or Atom)"), max_length=1000, assume_scheme="https")

    class Meta:
        model = Feed
        fields = ["outlet", "url", "title", "poll_interval_minutes", "auto_import", "is_active"]
