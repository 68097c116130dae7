"""How prices, dates and durations read, in the reader's language (Jinja filters and globals)."""

from __future__ import annotations

import datetime

from babel.dates import format_date, format_datetime, format_timedelta
from babel.numbers import format_currency

from marketplace.web import i18n


def money(cents: int | None) -> str:
    if cents is None:
        return ""
    if cents == 0:
        return i18n.gettext("Gratuit")
    return format_currency(cents / 100, "EUR", locale=i18n.babel_locale())


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
    return format_timedelta(delta, add_direction=True, locale=i18n.babel_locale())
