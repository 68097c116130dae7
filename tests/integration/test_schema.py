"""The schema comes from Alembic migrations only, and they agree with the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

import marketplace.db.models  # noqa: F401  (every table on the metadata)
from marketplace.db.base import metadata
from marketplace.db.migrate import compare_type

pytestmark = pytest.mark.anyio


async def test_migrated_database_matches_the_models(database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": compare_type}), metadata
                )
            )
    finally:
        await engine.dispose()
    assert differences == [], f"models and migrations disagree; run `make migration m=...`: {differences}"
