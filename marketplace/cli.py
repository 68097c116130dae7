"""The ``marketplace`` command: run, worker, db, users, communities, import, search, demo, media."""

from __future__ import annotations

import datetime
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import click
import uvicorn
from litestar.exceptions import HTTPException

from marketplace.backup.commands import backup_command, restore_command
from marketplace.db.migrate import upgrade
from marketplace.demo import load_demo
from marketplace.indexing.index import opened_index
from marketplace.indexing.maintenance import IndexStatus, Rebuilt, documents_to_index, index_status, reindex
from marketplace.operations import (
    collect_media,
    create_community,
    create_user,
    import_listings_file,
    transaction,
)
from marketplace.settings import Settings, get_settings
from marketplace.worker import run_worker
from search.contract import SearchUnavailable

T = TypeVar("T")


def _run(work: Callable[[], Awaitable[T]]) -> T:
    return anyio.run(work)


def _migrate() -> None:
    upgrade(get_settings().database.url)


@click.group()
def main() -> None:
    """Le marché entre voisins du 20e."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Processus HTTP.")
def run(host: str, port: int, workers: int) -> None:
    """Applique les migrations puis sert l'application."""
    _migrate()
    uvicorn.run(
        "marketplace.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        **get_settings().security.proxy_headers_options(),
    )


@main.command()
@click.option("--once", is_flag=True, help="Une seule passe, puis s'arrête.")
def worker(once: bool) -> None:
    """Tâches de fond : expiration des annonces (et plus tard l'index de recherche)."""
    _migrate()
    _run(lambda: run_worker(get_settings(), once=once))


@main.group()
def db() -> None:
    """Base de données."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Applique les migrations Alembic."""
    _migrate()
    click.echo("Base de données à jour.")


@main.group()
def users() -> None:
    """Comptes."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--password", default=None, help="Demandé s'il n'est pas donné.")
@click.option("--admin", is_flag=True, help="Administrateur du site (crée les groupes).")
def users_create(email: str, display_name: str, password: str | None, admin: bool) -> None:
    """Crée un compte."""
    if password is None:
        password = click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    _migrate()
    user = _fail_cleanly(lambda: create_user(get_settings(), email, display_name, password or "", admin))
    click.echo(f"Compte créé : {user.email} ({user.id}){' — administrateur' if admin else ''}")


@main.group()
def communities() -> None:
    """Groupes."""


@communities.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--description", default="")
@click.option("--visibility", type=click.Choice(["public", "members"]), default="public", show_default=True)
@click.option("--join-policy", type=click.Choice(["open", "approval"]), default="open", show_default=True)
@click.option("--join-question", default="")
@click.option("--pickup-area", "pickup_areas", multiple=True, help="Répétable : un quartier par option.")
@click.option(
    "--template",
    type=click.Choice(["vide-grenier", "vide-dressing", "none"]),
    default="none",
    show_default=True,
)
@click.option("--admin-email", default=None, help="Compte qui devient administrateur du groupe.")
def communities_create(**options: Any) -> None:
    """Crée un groupe (et ses catégories de départ)."""
    _migrate()
    community = _fail_cleanly(lambda: create_community(get_settings(), **options))
    click.echo(f"Groupe créé : {community.slug} ({community.id})")


@main.group("import")
def import_() -> None:
    """Imports."""


@import_.command("listings")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--author", "author_email", default=None, help="Auteur des annonces sans author_email.")
@click.option("--create-communities", is_flag=True, help="Crée les groupes inconnus.")
def import_listings(file: Path, author_email: str | None, create_communities: bool) -> None:
    """Importe des annonces au format JSONL (idempotent)."""
    _migrate()
    report = _fail_cleanly(
        lambda: import_listings_file(get_settings(), file, author_email, create_communities)
    )
    click.echo(report.summary())
    if report.errors:
        for line_number, message in report.errors:
            click.echo(f"  ligne {line_number} : {message}", err=True)
        sys.exit(1)


@main.group("search")
def search_commands() -> None:
    """Index de recherche."""


def _backend_name(settings: Settings) -> str:
    if settings.search.meilisearch_url:
        return f"Meilisearch {settings.search.meilisearch_url}"
    return f"intégré ({settings.search.index_dir})"


async def _reindex(settings: Settings) -> Rebuilt:
    started = datetime.datetime.now(datetime.UTC)
    async with opened_index(settings) as index, transaction(settings) as session:
        total = await documents_to_index(session)
        with click.progressbar(length=total, label="Réindexation", show_pos=True, file=sys.stderr) as bar:
            shown = 0

            def advance(written: int) -> None:
                nonlocal shown
                bar.update(max(0, min(written, total) - shown))
                shown = max(shown, min(written, total))
                if not sys.stderr.isatty():  # a log has no bar: one line per batch instead
                    click.echo(f"Réindexation : {written}/{total}", err=True)

            rebuilt = await reindex(session, index, started, advance)
            bar.update(total - shown)
        return rebuilt


@search_commands.command("reindex")
def search_reindex() -> None:
    """Reconstruit l'index depuis la base, puis le met en service d'un coup."""
    _migrate()
    settings = get_settings()
    click.echo(f"Index : {_backend_name(settings)}")
    try:
        rebuilt = _run(lambda: _reindex(settings))
    except SearchUnavailable as error:
        click.echo(f"Erreur : l'index de recherche ne répond pas ({error}).", err=True)
        sys.exit(1)
    click.echo(f"Index reconstruit : {rebuilt.documents} annonce(s).")
    if rebuilt.replayed.rows:
        click.echo(f"Changements en attente passés au nouvel index : {rebuilt.replayed.rows}.")
    if rebuilt.replayed.failed:
        click.echo(f"Des changements attendent encore : {'; '.join(rebuilt.replayed.errors)}", err=True)
        sys.exit(1)


async def _status(settings: Settings) -> IndexStatus:
    async with opened_index(settings) as index, transaction(settings) as session:
        return await index_status(session, index)


def _when(moment: datetime.datetime | None) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "—"


@search_commands.command("status")
def search_status() -> None:
    """Backlog, nombre de documents et dernière erreur de l'index (code 1 s'il ne répond pas)."""
    _migrate()
    settings = get_settings()
    status = _run(lambda: _status(settings))
    health, pending = status.health, status.backlog
    click.echo(f"Index : {_backend_name(settings)}")
    if health.available:
        click.echo("État : disponible")
    else:
        click.echo(f"État : indisponible ({health.detail})")
    documents = "—" if health.documents is None else str(health.documents)
    click.echo(f"Documents dans l'index : {documents}")
    click.echo(f"Annonces trouvables en base : {status.findable}")
    click.echo(f"Changements en attente : {pending.pending} (dont {pending.failing} en échec)")
    click.echo(f"Plus ancien en attente : {_when(pending.oldest_pending)}")
    if pending.last_error:
        click.echo(f"Dernière erreur : {pending.last_error} ({_when(pending.last_attempt)})")
    else:
        click.echo("Dernière erreur : aucune")
    if not health.available:
        sys.exit(1)


@main.command()
def demo() -> None:
    """Charge les données de démonstration (une seule fois)."""
    _migrate()
    click.echo(_run(lambda: load_demo(get_settings())))


@main.group()
def media() -> None:
    """Fichiers des photos."""


@media.command("gc")
@click.option("--apply", is_flag=True, help="Supprime les orphelins (sinon : essai à blanc).")
@click.option(
    "--min-age",
    "min_age_minutes",
    default=60,
    show_default=True,
    type=click.IntRange(min=0),
    help="Âge minimal, en minutes, d'un fichier à supprimer (un envoi écrit ses fichiers avant sa ligne).",
)
def media_gc(apply: bool, min_age_minutes: int) -> None:
    """Fichiers de photos qu'aucune photo n'utilise (et fichiers temporaires abandonnés)."""
    _migrate()
    collection = _run(
        lambda: collect_media(
            get_settings(), apply=apply, min_age=datetime.timedelta(minutes=min_age_minutes)
        )
    )
    click.echo(collection.summary())


def _fail_cleanly(work: Callable[[], Awaitable[T]]) -> T:
    """Turn a refused operation into a one-line message and exit status 1, not a traceback."""
    try:
        return _run(work)
    except HTTPException as error:
        details = "; ".join(
            f"{item.get('key')}: {item.get('message')}"
            for item in (error.extra or [])
            if isinstance(item, dict)
        )
        click.echo(f"Erreur : {error.detail}" + (f" ({details})" if details else ""), err=True)
        sys.exit(1)


main.add_command(backup_command)  # marketplace backup DIR
main.add_command(restore_command)  # marketplace restore DIR [--force]

if __name__ == "__main__":
    main()
