"""The desk's lists make their text once per page (``times.DeskClock``, ``pages.PkUrls``): the same
text the one-by-one helpers give (``times.desk_time``, ``reverse``), for every value they meet."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.test import override_settings
from django.urls import reverse

from newsroom.core import times
from translations.desk import pages

MOMENTS = [
    dt.datetime(2026, 1, 5, 7, 3, tzinfo=dt.UTC),  # a one-digit day, a leading-zero minute
    dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),  # a night across a zone's clock change
    dt.datetime(2026, 10, 25, 23, 59, 59, 999999, tzinfo=dt.UTC),  # the last instant of a day
    dt.datetime(999, 12, 31, 23, 0, tzinfo=dt.UTC),  # a three-digit year ("Y" pads to four)
    dt.datetime(2026, 5, 17, 12, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York")),
    dt.datetime(2026, 7, 1, 9, 15),  # naive: taken as it is
    None,
]


@pytest.mark.parametrize("zone", ["Europe/Minsk", "Europe/London", "UTC"])
@pytest.mark.parametrize("fmt", ["j M H:i", "j M Y H:i", "H:i", times.DEFAULT_FORMAT, "D j F"])
def test_desk_clock_writes_what_desk_time_writes(zone: str, fmt: str) -> None:
    with override_settings(TIME_ZONE=zone):
        clock = times.DeskClock()
        for moment in MOMENTS:
            assert clock(moment, fmt) == times.desk_time(moment, fmt), (moment, fmt)


@pytest.mark.parametrize(
    ("route", "extra"),
    [("desk:translation", ()), ("desk:history", ()), ("desk:review", ()), ("desk:transition", ("claim",))],
)
def test_pk_urls_are_the_routes_reversed(route: str, extra: tuple[str, ...]) -> None:
    urls = pages.PkUrls()
    for pk in (1, 7, 2147483, 2147483647, 21474836470):
        assert urls(route, pk, *extra) == reverse(route, args=[pk, *extra])
