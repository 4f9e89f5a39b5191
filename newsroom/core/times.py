"""Times as the desk shows them: in the desk's one time zone (``settings.TIME_ZONE``), labelled.

A volunteer's browser may sit in another zone; the desk never shows a browser's clock. Every
time on the desk goes through :func:`desk_time` (templates use the ``desk_time`` filter in
``newsroom.templatetags.desk_tags``; the autosave answer carries the same text), so "07:43
(Minsk time)" means the same to everyone.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.formats import date_format
from django.utils.translation import gettext as _

DEFAULT_FORMAT = "j M Y H:i"


def desk_zone_label() -> str:
    """The zone named by its place: "Minsk time" for Europe/Minsk, "UTC" for UTC."""
    name = settings.TIME_ZONE
    if "/" not in name:
        return name
    place = name.rsplit("/", 1)[1].replace("_", " ")
    return _("%(place)s time") % {"place": place}


def desk_time(value: dt.datetime | None, fmt: str = DEFAULT_FORMAT, *, label: bool = True) -> str:
    """``value`` in the desk's zone as ``fmt`` (Django date format), followed by "(Minsk time)"."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value, timezone.get_default_timezone())
    text = date_format(value, fmt)
    return f"{text} ({desk_zone_label()})" if label else text


class DeskClock:
    """:func:`desk_time` for the many times of one page (a board of 50 jobs shows 150): the zone,
    its label and the month names are read once, and the desk's two list formats ("j M H:i",
    "j M Y H:i") are written directly instead of through a ``DateFormat`` per value; any other
    format goes through :func:`desk_time`'s ``date_format``. Same text as :func:`desk_time`."""

    def __init__(self) -> None:
        self.zone = timezone.get_default_timezone()
        self.label = desk_zone_label()
        self.months = ["", *(str(MONTHS_3[m]).title() for m in range(1, 13))]  # Django's "M"

    def __call__(self, value: dt.datetime | None, fmt: str = DEFAULT_FORMAT) -> str:
        if value is None:
            return ""
        if timezone.is_aware(value):
            value = timezone.localtime(value, self.zone)
        if fmt == "j M H:i":
            text = f"{value.day} {self.months[value.month]} {value:%H:%M}"
        elif fmt == "j M Y H:i":
            text = f"{value.day} {self.months[value.month]} {value.year:04d} {value:%H:%M}"
        else:
            text = date_format(value, fmt)
        return f"{text} ({self.label})"
