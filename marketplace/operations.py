"""Operations run from the command line, each in its own database transaction.

They call the same services as the web handlers: the CLI never writes to tables itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from marketplace.accounts.models import User
from marketplace.communities.models import Community
from marketplace.settings import Settings


@asynccontextmanager
async def transaction(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A session whose work commits at the end of the block, or rolls back on error."""
    engine = create_async_engine(settings.database.url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
            yield session
    finally:
        await engine.dispose()


async def create_user(settings: Settings, email: str, display_name: str, password: str, admin: bool) -> User:
    from marketplace.accounts.service import UserService

    async with transaction(settings) as session:
        return await UserService(session=session).register(
            email=email, password=password, display_name=display_name, is_admin=admin
        )


async def create_community(settings: Settings, *, admin_email: str | None = None, **fields: Any) -> Community:
    from marketplace.accounts.service import UserService
    from marketplace.communities.service import CommunityService
    from marketplace.errors import NotFound

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
) -> Any:
    from marketplace.listings.importer import import_listings

    lines = file.read_text(encoding="utf-8").splitlines()  # noqa: ASYNC240 (a CLI command, nothing else waits)
    async with transaction(settings) as session:
        return await import_listings(
            session,
            lines,
            default_author_email=author_email,
            create_communities=create_communities,
            listing_lifetime_days=settings.listing_lifetime_days,
        )
