"""The application factory: what the marketplace is made of, in one screen."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from advanced_alchemy.extensions.litestar.store import SQLAlchemyStore
from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.plugins.flash import FlashConfig, FlashPlugin
from litestar.stores.base import Store

from marketplace.accounts.auth import RotatingSessionConfig, provide_user, provide_viewer
from marketplace.db.config import CommitMiddleware, alchemy_config
from marketplace.db.store_model import StoreItem
from marketplace.exchanges.live import channels_plugin
from marketplace.indexing.index import search_index_lifespan
from marketplace.photos.pipeline import shutdown_pool
from marketplace.routes import ROUTES
from marketplace.settings import Settings, get_settings
from marketplace.web.assets import StaticAssets
from marketplace.web.compression import compression_config
from marketplace.web.errors import EXCEPTION_HANDLERS
from marketplace.web.middleware import (
    AllowedHostsMiddleware,
    BearerAwareCSRFMiddleware,
    JsonApiBodyMiddleware,
    LanguageMiddleware,
    SecurityHeadersMiddleware,
)
from marketplace.web.routing import answer_options_with_every_method
from marketplace.web.templating import template_config
from marketplace.worker import embedded_worker


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    database = alchemy_config(settings.database)
    assets = StaticAssets.scan(settings.static_dir)  # fingerprinted once, at start-up
    templates = template_config(settings.templates_dir, assets, settings.mail.base_url)
    app = Litestar(
        route_handlers=[*ROUTES, assets.router()],
        plugins=[
            SQLAlchemyPlugin(config=database),
            FlashPlugin(FlashConfig(template_config=templates)),
            channels_plugin(settings.database),  # live conversations
        ],
        stores=_stores(database),
        middleware=_middleware(settings, database),
        dependencies={"viewer": Provide(provide_viewer), "user": Provide(provide_user)},
        exception_handlers=EXCEPTION_HANDLERS,
        template_config=templates,
        compression_config=compression_config(),  # text only, never the live event streams
        openapi_config=OpenAPIConfig(title="Marketplace du 20e", version="1", path="/api/docs"),
        state=State({"settings": settings, "assets": assets}),
        # The index first: the embedded worker's indexer uses it, and stops before it is closed.
        lifespan=[search_index_lifespan, *([embedded_worker] if settings.run_worker_in_app else [])],
        on_shutdown=[shutdown_pool],  # the photo worker processes
        debug=settings.debug,
    )
    answer_options_with_every_method(app)  # Litestar 2.25's Allow omits methods added later
    return app


def _stores(database: SQLAlchemyAsyncConfig) -> dict[str, Store]:
    # Shared by every app process: nothing lives in one process's memory.
    return {
        name: SQLAlchemyStore(config=database, model=StoreItem, namespace=name)
        for name in ("sessions", "throttle")
    }


def _middleware(settings: Settings, database: SQLAlchemyAsyncConfig) -> list[DefineMiddleware]:
    security = settings.security
    sessions = RotatingSessionConfig(
        store="sessions",
        key="session",
        max_age=security.session_max_age,
        secure=security.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    csrf = CSRFConfig(
        secret=security.secret_key,
        cookie_name="csrftoken",
        cookie_secure=security.secure_cookies,
        cookie_httponly=True,
        cookie_samesite="lax",
        header_name="x-csrftoken",
        # Anonymous JSON calls that set no cookie: nothing for a forged request to ride on.
        exclude=["^/api/v1/auth/register$", "^/api/v1/auth/tokens$"],
    )
    return [
        DefineMiddleware(AllowedHostsMiddleware, allowed_hosts=security.allowed_hosts),
        DefineMiddleware(SecurityHeadersMiddleware),
        DefineMiddleware(LanguageMiddleware),
        DefineMiddleware(JsonApiBodyMiddleware),  # before CSRF: an API body is JSON or refused
        sessions.middleware,
        DefineMiddleware(BearerAwareCSRFMiddleware, config=csrf),
        DefineMiddleware(CommitMiddleware, session_scope_key=database.session_scope_key),
    ]
