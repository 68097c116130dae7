"""``marketplace backup DIR`` and ``marketplace restore DIR [--force]``, for ``cli.py`` to add.

A refusal is one line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import anyio
import click

from marketplace.backup.manifest import BackupError
from marketplace.backup.service import backup, restore
from marketplace.settings import Settings, get_settings

T = TypeVar("T")


def _settings(context: click.Context) -> Settings:
    """The settings in ``context.obj`` when a caller put some there, else the environment's."""
    return context.obj if isinstance(context.obj, Settings) else get_settings()


def _or_exit(work: Callable[[], Awaitable[T]]) -> T:
    try:
        return anyio.run(work)
    except BackupError as error:
        click.echo(f"Erreur : {error}", err=True)
        sys.exit(1)


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def backup_command(context: click.Context, directory: Path) -> None:
    """Sauvegarde la base et les photos dans DIRECTORY (nouveau dossier), application en marche."""
    settings = _settings(context)
    click.echo(_or_exit(lambda: backup(settings, directory)).summary())


@click.command("restore")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Remplace une base qui contient des données ; remplace ou supprime les photos "
    "qui diffèrent de la sauvegarde.",
)
@click.pass_context
def restore_command(context: click.Context, directory: Path, force: bool) -> None:
    """Vérifie puis restaure la sauvegarde DIRECTORY, puis applique les migrations."""
    settings = _settings(context)
    click.echo(_or_exit(lambda: restore(settings, directory, force=force)).summary())
