"""Alembic, driven from code: the only way the schema is created."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
from advanced_alchemy.types import GUID
from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def compare_type(
    context: Any, inspected_column: Any, metadata_column: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    """SQLite reports Advanced Alchemy's GUID as NUMERIC(16): not a difference to migrate."""
    if context.dialect.name == "sqlite" and isinstance(metadata_type, GUID):
        return False
    return None  # Alembic's own comparison


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at ``database_url`` to ``revision`` (blocking: call it off the event loop)."""
    if database_url.startswith("sqlite"):
        _ensure_sqlite_directory(database_url)
    command.upgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str) -> None:
    await anyio.to_thread.run_sync(upgrade, database_url)


def _ensure_sqlite_directory(database_url: str) -> None:
    path = database_url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
