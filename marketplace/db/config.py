"""The SQLAlchemy configuration Litestar's plugin uses: engine, sessions, commit policy."""

from __future__ import annotations

import uuid
from typing import Any

from advanced_alchemy.extensions.litestar import EngineConfig, SQLAlchemyAsyncConfig
from advanced_alchemy.extensions.litestar.plugins.init.config.asyncio import autocommit_handler_maker
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from marketplace.settings import DatabaseSettings


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


# An unreachable server must fail fast (then 503, see web/errors.py), not hold a request for
# asyncpg's default minute of connect timeout, nor for SQLAlchemy's 30 s wait on a full pool.
CONNECT_TIMEOUT_SECONDS = 5
POOL_TIMEOUT_SECONDS = 10


def _server_engine(settings: DatabaseSettings) -> EngineConfig:
    # pre-ping: a connection the server dropped (restart, pg_terminate_backend) is replaced before
    # a request uses it, instead of failing that request.
    connect_args: dict[str, Any] = {"timeout": CONNECT_TIMEOUT_SECONDS} if "+asyncpg" in settings.url else {}
    return EngineConfig(
        echo=settings.echo,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        connect_args=connect_args,
    )


def alchemy_config(settings: DatabaseSettings) -> SQLAlchemyAsyncConfig:
    engine = EngineConfig(echo=settings.echo) if settings.is_sqlite else _server_engine(settings)
    tag = uuid.uuid4().hex[:12]
    config = SQLAlchemyAsyncConfig(
        connection_string=settings.url,
        engine_config=engine,
        session_dependency_key="db_session",
        create_all=False,  # Alembic migrations are the only way the schema is created
        # Keys of our own, unique per configuration: Advanced Alchemy otherwise finds a free
        # default key by recursion, which overflows after about a thousand configurations in
        # one process (a test run creates an app, a CLI transaction or a worker for each test).
        session_scope_key=f"_sqlalchemy_db_session_{tag}",
        engine_app_state_key=f"db_engine_{tag}",
        session_maker_app_state_key=f"session_maker_class_{tag}",
    )
    if settings.is_sqlite:
        engine_instance: AsyncEngine = config.get_engine()
        event.listen(engine_instance.sync_engine, "connect", _sqlite_pragmas)
    return config


class CommitMiddleware:
    """Commits a request's writes when it answers 2xx or 3xx (form POST, then 303), else rolls back.

    Advanced Alchemy's autocommit handler, run as the innermost middleware rather than as a
    ``before_send`` hook: the commit then happens before the session middleware saves the session
    in the same database, which SQLite (one writer at a time) requires.
    """

    def __init__(self, app: ASGIApp, session_scope_key: str) -> None:
        self.app = app
        self._commit = autocommit_handler_maker(commit_on_redirect=True, session_scope_key=session_scope_key)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_after_commit(message: Message) -> None:
            await self._commit(message, scope)
            await send(message)

        await self.app(scope, receive, send_after_commit)
