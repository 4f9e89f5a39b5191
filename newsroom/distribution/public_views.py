"""Readers' newsletter pages (no account): subscribe, confirm, unsubscribe (one click, RFC 8058).

Confirming and unsubscribing are POSTs: a mail scanner that opens the link changes nothing.
The unsubscribe POST needs no CSRF token (mail providers send ``List-Unsubscribe=One-Click``
without one): its secret token is in the address, and it can only remove.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from newsroom.distribution import newsletters
from newsroom.distribution.models import Frequency, Subscriber


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE)
    frequency = forms.ChoiceField(
        label=_("How often"), choices=Frequency.choices, initial=Frequency.WEEKLY, widget=forms.RadioSelect
    )


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        newsletters.subscriber_subscribe(**form.cleaned_data)
        return render(request, "newsletter/check_inbox.html", {"email": form.cleaned_data["email"]})
    return render(request, "newsletter/subscribe.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        subscriber = newsletters.subscriber_confirm(token=token)
        return render(
            request, "newsletter/confirmed.html", {"subscriber": subscriber}, status=200 if subscriber else 404
        )
    found = Subscriber.objects.filter(token=token).exists()
    return render(request, "newsletter/confirm.html", {"found": found}, status=200 if found else 404)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        newsletters.subscriber_unsubscribe(token=token)
        return render(request, "newsletter/unsubscribed.html")
    found = Subscriber.objects.filter(token=token).exists()
    return render(request, "newsletter/unsubscribe.html", {"found": found}, status=200 if found else 404)
