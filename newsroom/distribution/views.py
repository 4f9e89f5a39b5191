"""Desk pages of distribution: partners (list, add, edit, resume), deliveries (attempts, replay).

Editors only (``roles.editor_required``, checked on every request); thin views: the form
validates, ``webhooks`` writes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newsroom.core import roles
from newsroom.distribution import selectors, webhooks
from newsroom.distribution.forms import PartnerForm
from newsroom.distribution.models import Delivery, Partner
from newsroom.sources import fetching

editor_required = roles.editor_required


def _save(request: HttpRequest, form: PartnerForm, partner: Partner | None) -> Partner | None:
    data: dict[str, Any] = dict(form.cleaned_data)
    data["tags"], data["outlets"] = list(data["tags"]), list(data["outlets"])
    try:
        if partner is None:
            return webhooks.partner_create(by=request.user, **data)
        return webhooks.partner_update(partner=partner, by=request.user, **data)
    except fetching.FetchError as exc:
        form.add_error("url", str(exc))
        return None


@editor_required
def partners(request: HttpRequest) -> HttpResponse:
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        partner = _save(request, form, None)
        if partner is not None:
            messages.success(request, _("Partner added. Give them the signing secret shown on its page."))
            return redirect(partner)
    rows = Partner.objects.select_related("created_by").annotate(
        n_delivered=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.DELIVERED)),
        n_failed=Count("deliveries", filter=Q(deliveries__status__in=[Delivery.Status.FAILED, Delivery.Status.HELD])),
    )
    return render(request, "desk/distribution/partners.html", {"partners": rows, "form": form})


@editor_required
def partner(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Partner, pk=pk)
    initial = {
        "name": item.name,
        "url": item.url,
        "events": item.events,
        "languages": item.languages,
        "tags": list(item.tags.all()),
        "outlets": list(item.outlets.all()),
    }
    form = PartnerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if _save(request, form, item) is not None:
            messages.success(request, _("Partner saved."))
            return redirect(item)
    return render(
        request,
        "desk/distribution/partner.html",
        {"partner": item, "form": form, "deliveries": selectors.partner_deliveries(partner=item)[:50]},
    )


@editor_required
@require_POST
def partner_resume(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Partner, pk=pk)
    webhooks.partner_resume(partner=item, by=request.user)
    messages.success(request, _("Partner resumed; the deliveries it missed are being sent."))
    return redirect(item)


@editor_required
@require_POST
def delivery_replay(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery.objects.select_related("partner"), pk=pk)
    webhooks.delivery_replay(delivery=delivery, by=request.user)
    messages.success(request, _("Delivery sent again with the same webhook-id; its attempt is listed below."))
    return redirect(delivery.partner)
