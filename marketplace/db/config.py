"""The SQLAlchemy configuration Litestar's plugin uses: engine, sessions, commit policy."""

from __future__ import annotations

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


def alchemy_config(settings: DatabaseSettings) -> SQLAlchemyAsyncConfig:
    engine = (
        EngineConfig(echo=settings.echo)
        if settings.is_sqlite
        else EngineConfig(echo=settings.echo, pool_pre_ping=True, pool_size=10, max_overflow=10)
    )
    config = SQLAlchemyAsyncConfig(
        connection_string=settings.url,
        engine_config=engine,
        session_dependency_key="db_session",
        create_all=False,  # Alembic migrations are the only way the schema is created
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
