"""How prices, dates and durations read, in the reader's language (Jinja filters and globals)."""

from __future__ import annotations

import datetime
import functools

from babel.dates import format_date, format_datetime, format_timedelta
from babel.numbers import format_currency

from marketplace.web import i18n


def money(cents: int | None) -> str:
    if cents is None:
        return ""
    if cents == 0:
        return i18n.gettext("Gratuit")
    return _euros(cents, i18n.babel_locale())


# Babel formats each price and duration anew (half a millisecond a card); a page of cards
# repeats the same few prices and "il y a 3 jours", and a locale's formats never change.
@functools.lru_cache(maxsize=4096)
def _euros(cents: int, locale: str) -> str:
    return format_currency(cents / 100, "EUR", locale=locale)


@functools.lru_cache(maxsize=4096)
def _minutes_ago(minutes: int, locale: str) -> str:
    return format_timedelta(datetime.timedelta(minutes=minutes), add_direction=True, locale=locale)


def day(value: datetime.datetime | None) -> str:
    if value is None:
        return ""
    return format_date(value, format="medium", locale=i18n.babel_locale())


def moment(value: datetime.datetime | None) -> str:
    if value is None:
        return ""
    return format_datetime(value, format="medium", locale=i18n.babel_locale())


def ago(value: datetime.datetime | None) -> str:
    """ "il y a 3 jours": how a card dates a listing."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    delta = value - datetime.datetime.now(datetime.UTC)
    if abs(delta) < datetime.timedelta(minutes=1):
        return i18n.gettext("à l'instant")
    # To the minute, as a card says it (the smallest unit it shows past "à l'instant").
    return _minutes_ago(round(delta.total_seconds() / 60), i18n.babel_locale())
