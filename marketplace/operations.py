"""Operations run from the command line, each in its own database transaction.

They call the same services as the web handlers: the CLI never writes to tables itself. Their
sessions, like the worker's, come from the app's own database configuration
(``db/config.py``): on SQLite, foreign keys, WAL and the busy timeout hold there too.
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from marketplace.accounts.models import User
from marketplace.accounts.service import UserService
from marketplace.communities.models import Community
from marketplace.communities.service import CommunityService
from marketplace.db.config import alchemy_config
from marketplace.db.statistics import refresh_statistics
from marketplace.errors import NotFound
from marketplace.listings.importer import ImportReport, import_listings
from marketplace.photos.gc import DEFAULT_MIN_AGE, Collection, collect
from marketplace.settings import Settings

SessionFactory = async_sessionmaker[AsyncSession]


def session_factory(database: SQLAlchemyAsyncConfig) -> SessionFactory:
    """The configuration's own session maker: its engine, and Advanced Alchemy's session listeners."""
    return cast(SessionFactory, database.create_session_maker())


@asynccontextmanager
async def sessions_for(settings: Settings) -> AsyncIterator[SessionFactory]:
    """Sessions on the app's database configuration, for a process (or a block) that is not the app;
    the engine is disposed at the end."""
    database = alchemy_config(settings.database)
    try:
        yield session_factory(database)
    finally:
        await database.get_engine().dispose()


@asynccontextmanager
async def transaction_in(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """A session whose work commits at the end of the block, or rolls back on error."""
    # Objects stay readable after the commit: a command prints what it created.
    async with sessions(expire_on_commit=False) as session, session.begin():
        yield session


@asynccontextmanager
async def transaction(settings: Settings) -> AsyncIterator[AsyncSession]:
    """One transaction on its own engine (a command does one thing, then exits)."""
    async with sessions_for(settings) as sessions, transaction_in(sessions) as session:
        yield session


async def create_user(settings: Settings, email: str, display_name: str, password: str, admin: bool) -> User:
    async with transaction(settings) as session:
        return await UserService(session=session).register(
            email=email, password=password, display_name=display_name, is_admin=admin
        )


async def create_community(settings: Settings, *, admin_email: str | None = None, **fields: Any) -> Community:
    async with transaction(settings) as session:
        creator = None
        if admin_email:
            creator = await UserService(session=session).by_email(admin_email)
            if creator is None:
                raise NotFound(f"Aucun compte pour {admin_email}")
        fields["pickup_areas"] = list(fields.get("pickup_areas") or [])
        return await CommunityService(session=session).create_community(creator=creator, **fields)


async def import_listings_file(
    settings: Settings, file: Path, author_email: str | None, create_communities: bool
) -> ImportReport:
    lines = file.read_text(encoding="utf-8").splitlines()  # noqa: ASYNC240 (a CLI command, nothing else waits)
    async with transaction(settings) as session:
        report = await import_listings(
            session,
            lines,
            default_author_email=author_email,
            create_communities=create_communities,
            listing_lifetime_days=settings.listing_lifetime_days,
        )
        await refresh_statistics(session)  # the tables have changed most: the planner must know
        return report


async def collect_media(
    settings: Settings, *, apply: bool = False, min_age: datetime.timedelta = DEFAULT_MIN_AGE
) -> Collection:
    """``photos.gc.collect`` on the configured database and media root (``marketplace media gc``)."""
    async with transaction(settings) as session:
        return await collect(session, settings.media.root, apply=apply, min_age=min_age)
