"""The admin's change forms as a browser posts them back."""

from __future__ import annotations

from typing import Any

from django.forms import MultiWidget


def admin_form_data(response: Any) -> dict[str, Any]:
    """What the admin change page in ``response`` (a test client's GET) posts back unchanged: each
    field's value as its widget sends it, and every inline's management form."""
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, MultiWidget):
            for i, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{i}"] = "" if part is None else part
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        else:
            data[name] = "" if value is None else value
    for formset in response.context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{formset.formset.prefix}-{name}"] = management[name].value()
    return data
