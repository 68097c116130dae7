"""Jinja2 set-up: translations, formatting filters, the labels every page uses, and the
``render`` shortcut of the pages."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment
from litestar import Request
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from marketplace.communities.attributes import value_label
from marketplace.photos.service import MAX_PHOTOS_PER_LISTING
from marketplace.web import i18n
from marketplace.web.assets import StaticAssets
from marketplace.web.formats import ago, day, moment, money
from marketplace.web.labels import (
    card_sizes,
    condition_label,
    condition_options,
    kind_label,
    kind_options,
    price_text,
    status_label,
)

# What the templates use on many pages (listing cards, badges, the kind and condition selects,
# photo counts): registered once here rather than put in each handler's context.
PAGE_GLOBALS: dict[str, Any] = {
    "ago": ago,
    "price_text": price_text,
    "card_sizes": card_sizes,
    "kind_label": kind_label,
    "kind_options": kind_options,
    "status_label": status_label,
    "value_label": value_label,
    "condition_label": condition_label,
    "condition_options": condition_options,
    "max_photos": MAX_PHOTOS_PER_LISTING,
}


def _configure(engine: JinjaTemplateEngine, assets: StaticAssets, base_url: str) -> None:
    env: Environment = engine.engine
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(money=money, day=day, moment=moment)
    env.globals["current_language"] = i18n.current_language.get
    env.globals["languages"] = i18n.LANGUAGES
    env.globals.update(PAGE_GLOBALS)
    env.globals["static_url"] = assets.url  # static_url("site.css") is /static/site.<hash>.css

    def absolute_url(path: str) -> str:
        """``path`` on the site's public address (MARKETPLACE_BASE_URL), not on whatever Host the
        request named: what a link preview or a shared page keeps must point at the real site."""
        return f"{base_url}{path}"

    env.globals["absolute_url"] = absolute_url


def template_config(
    directory: Any, assets: StaticAssets, base_url: str
) -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(
        directory=directory,
        engine=JinjaTemplateEngine,
        engine_callback=lambda engine: _configure(engine, assets, base_url),
    )


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def render(template_name: str, *, status_code: int = 200, **context: Any) -> Template:
    return Template(template_name=template_name, context=context, status_code=status_code)
