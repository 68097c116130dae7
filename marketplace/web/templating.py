"""Jinja2 set-up: translations, formatting filters, and the ``render`` shortcut of the pages."""

from __future__ import annotations

import datetime
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from jinja2 import Environment
from litestar import Request
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

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


def _configure(engine: JinjaTemplateEngine) -> None:
    env: Environment = engine.engine
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(money=money, day=day, moment=moment)
    env.globals["current_language"] = i18n.current_language.get
    env.globals["languages"] = i18n.LANGUAGES


def template_config(directory: Any) -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(directory=directory, engine=JinjaTemplateEngine, engine_callback=_configure)


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def render(template_name: str, *, status_code: int = 200, **context: Any) -> Template:
    return Template(template_name=template_name, context=context, status_code=status_code)
