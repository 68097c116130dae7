"""Writes a new Alembic revision from the models (developers' tool: `make migration m="why"`)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from marketplace.db.migrate import alembic_config, upgrade


def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{Path(scratch) / 'schema.db'}"
        upgrade(url)
        command.revision(alembic_config(url), message=message, autogenerate=True)


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or "schema change")
