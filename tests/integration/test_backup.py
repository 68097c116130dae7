"""Backups that lose nothing: taken while neighbours keep posting, refused when damaged.

Each test runs on SQLite and on PostgreSQL; a restore goes into a fresh data dir, media root and
database (for PostgreSQL a database created for the test and dropped after it).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from marketplace.app import create_app
from marketplace.backup import BackupError, backup, restore
from marketplace.backup.commands import backup_command, restore_command
from marketplace.backup.manifest import CHECKSUMS_NAME, DATABASE_FILES, FORMAT_VERSION, MANIFEST_NAME
from marketplace.db.migrate import upgrade
from marketplace.settings import DatabaseSettings, MediaSettings, SearchSettings, Settings, load_settings
from tests.conftest import Person, _create_postgres_database, _drop_postgres_database
from tests.integration.listings.conftest import Board
from tests.integration.photos.conftest import add_photo, make_image, photo_bytes

pytestmark = pytest.mark.anyio

SLUG = "vide-grenier-test"
OLDEST_REVISION = "949380f487dd"
MAX_CONCURRENT_POSTS = 20
MAX_CONCURRENT_SECONDS = 10


@pytest.fixture
def board(person: Any) -> Board:
    return Board(person)


@pytest.fixture
def fresh_settings(settings: Settings, tmp_path: Path) -> Iterator[Callable[[str], Awaitable[Settings]]]:
    """``await fresh_settings("restored")``: a new data dir, media root and empty database, same backend."""
    created: list[str] = []

    async def make(name: str) -> Settings:
        base = tmp_path / name
        if settings.database.is_sqlite:
            url = f"sqlite+aiosqlite:///{base / 'var' / 'marketplace.db'}"
        else:
            database, url = await anyio.to_thread.run_sync(_create_postgres_database)
            created.append(database)
        return dataclasses.replace(
            settings,
            data_dir=base / "var",
            database=DatabaseSettings(url=url),
            media=MediaSettings(root=base / "media"),
            search=SearchSettings(
                meilisearch_url="", meilisearch_api_key="", index_dir=base / "var" / "search"
            ),
        )

    yield make
    for database in created:
        _drop_postgres_database(database)


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


async def revision_of(url: str) -> str:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return str(
                (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
            )
    finally:
        await engine.dispose()


async def members(who: Any) -> list[tuple[str, str, str]]:
    response = await who.get(f"/api/v1/communities/{SLUG}/members", params={"per_page": 100})
    assert response.status_code == 200, response.text
    return sorted((item["user_id"], item["role"], item["status"]) for item in response.json()["items"])


async def story(board: Any) -> dict[str, Any]:
    """Alice gives a lamp with a photo; Bob is a member too."""
    await board.community()
    alice = await board.member("alice")
    bob = await board.member("bob")
    lamp = await board.listing(alice, title="Lampe de bureau", description="Fonctionne bien.")
    photo = await add_photo(alice, lamp["id"], photo_bytes("JPEG", image=make_image((96, 64))))
    served = {url: (await alice.get(url)).content for url in photo["urls"].values()}
    return {"alice": alice, "bob": bob, "lamp": lamp, "photo": photo, "served": served}


async def test_restore_finds_everything_the_backup_saw_while_neighbours_kept_posting(
    board: Any, app: Litestar, settings: Settings, fresh_settings: Any, tmp_path: Path
) -> None:
    told = await story(board)
    root, bob = await board.root(), told["bob"]
    members_at_backup = await members(root)
    category_id = await board.category_id("Maison")
    posted: list[str] = []  # in commit order: one writer, whose commit precedes its answer
    writing, backed_up = anyio.Event(), anyio.Event()
    window: dict[str, int] = {}

    async def keep_posting() -> None:
        with anyio.move_on_after(MAX_CONCURRENT_SECONDS):
            while len(posted) < MAX_CONCURRENT_POSTS and not backed_up.is_set():
                listing = await board.listing(bob, title=f"Livre {len(posted)}", category_id=category_id)
                posted.append(listing["id"])
                writing.set()
                # The test client blocks this loop while the app answers (in the client's own
                # thread), so the backup's task runs only between two posts: each time it waits on
                # its worker threads or on pg_dump, the next post runs, against the same database.
                await anyio.lowlevel.checkpoint()
        writing.set()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(keep_posting)
        await writing.wait()
        window["before"] = len(posted)
        made = await backup(settings, tmp_path / "backup")
        window["after"] = len(posted)  # no post is in flight while this task runs
        backed_up.set()
    assert window["after"] > window["before"], "no listing was posted during the backup"
    too_late = await board.listing(bob, title="Posté après la sauvegarde", category_id=category_id)
    media_at_backup = files_under(settings.media.root)  # the variants of a small photo share one file
    assert made.media_files == len(media_at_backup) >= 1 and made.missing_media == ()
    database_file = DATABASE_FILES["sqlite" if settings.database.is_sqlite else "postgresql"]
    assert {p.name for p in (tmp_path / "backup").iterdir()} == {
        MANIFEST_NAME,
        CHECKSUMS_NAME,
        database_file,
        "media",
    }  # one self-contained database file: no -wal beside it

    target = await fresh_settings("restored")
    restored = await restore(target, tmp_path / "backup")

    assert restored.media.copied == len(media_at_backup)
    assert files_under(target.media.root) == media_at_backup
    async with AsyncTestClient(app=create_app(target), base_url="http://testserver.local") as client:
        # The API tokens are rows of the restored database too.
        alice, root = (Person(client, p.email, p.id, p.token) for p in (told["alice"], root))
        lamp = await alice.get(f"/api/v1/listings/{told['lamp']['id']}")
        assert lamp.status_code == 200 and lamp.json()["title"] == "Lampe de bureau"
        photos = (await alice.get(f"/api/v1/listings/{told['lamp']['id']}/photos")).json()["items"]
        assert [photo["id"] for photo in photos] == [told["photo"]["id"]]
        for url, content in told["served"].items():
            assert (await client.get(url)).content == content
        assert await members(root) == members_at_backup
        found = [
            listing_id
            for listing_id in posted
            if (await alice.get(f"/api/v1/listings/{listing_id}")).status_code == 200
        ]
        assert (await alice.get(f"/api/v1/listings/{too_late['id']}")).status_code == 404
    # A snapshot of one instant: every listing posted before the backup, then none, no gap.
    assert found == posted[: len(found)]
    assert window["before"] <= len(found) <= window["after"]


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def unknown_version(path: Path) -> None:
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps({**manifest, "format_version": FORMAT_VERSION + 1}))


async def test_damaged_backup_is_refused_and_changes_nothing(
    board: Any, app: Litestar, settings: Settings, tmp_path: Path
) -> None:
    told = await story(board)
    good = tmp_path / "backup"
    await backup(settings, good)
    manifest = json.loads((good / MANIFEST_NAME).read_text())
    photo_file = next(entry["path"] for entry in manifest["files"] if entry["path"].startswith("media/"))
    damages: dict[str, tuple[str, Callable[[Path], None], str]] = {
        "one byte of a photo file changed": (photo_file, flip_a_byte, "somme de contrôle différente"),
        "a photo file missing": (photo_file, Path.unlink, f"{photo_file} : absent"),
        "the database copy truncated": (manifest["database"]["file"], truncate, "octets au lieu de"),
        "no manifest": (MANIFEST_NAME, Path.unlink, "pas de manifeste"),
        "an unknown format version": (MANIFEST_NAME, unknown_version, "format de sauvegarde inconnu"),
    }
    # The live state moves on: a restore that did anything would bring the photo back, or lose
    # the pushchair.
    alice = told["alice"]
    assert (await alice.delete(f"/api/v1/photos/{told['photo']['id']}")).status_code == 204
    pushchair = await board.listing(alice, title="Poussette")
    media_before = files_under(settings.media.root)

    for number, (damage, (path, spoil, message)) in enumerate(damages.items()):
        damaged = tmp_path / f"damaged-{number}"
        shutil.copytree(good, damaged)
        spoil(damaged / path)
        with pytest.raises(BackupError, match=message) as refusal:
            await restore(settings, damaged, force=True)
        assert "refusée" in str(refusal.value) or "endommagée" in str(refusal.value), damage

    assert files_under(settings.media.root) == media_before
    assert (await alice.get(f"/api/v1/listings/{pushchair['id']}")).status_code == 200
    photos = (await alice.get(f"/api/v1/listings/{told['lamp']['id']}/photos")).json()["items"]
    assert photos == []


async def test_restore_over_a_database_holding_data_needs_force(
    board: Any, app: Litestar, settings: Settings, tmp_path: Path
) -> None:
    told = await story(board)
    await backup(settings, tmp_path / "backup")
    second = await board.listing(told["alice"], title="Poussette")

    with pytest.raises(BackupError, match="contient déjà des données"):
        await restore(settings, tmp_path / "backup")

    assert (await told["alice"].get(f"/api/v1/listings/{second['id']}")).status_code == 200
    if settings.database.is_sqlite:
        # The app still has the file open: swapping it now would corrupt what the app writes.
        with pytest.raises(BackupError, match="ouverte par un autre processus"):
            await restore(settings, tmp_path / "backup", force=True)
        assert (await told["alice"].get(f"/api/v1/listings/{second['id']}")).status_code == 200


async def test_backup_of_an_older_schema_is_migrated_to_head_on_restore(
    fresh_settings: Any, settings: Settings, tmp_path: Path
) -> None:
    install = await fresh_settings("install")
    await anyio.to_thread.run_sync(upgrade, install.database.url, OLDEST_REVISION)
    made = await backup(install, tmp_path / "backup")
    assert made.revision == OLDEST_REVISION
    # The new install is at head and holds no data yet: the old backup goes over it.
    await anyio.to_thread.run_sync(upgrade, install.database.url)

    restored = await restore(install, tmp_path / "backup")

    head = await revision_of(settings.database.url)  # the test run's database is at head
    assert restored.backup_revision == OLDEST_REVISION and restored.revision == head
    assert await revision_of(install.database.url) == head
    assert "mise à jour en" in restored.summary()


def test_commands_print_a_summary_and_refuse_a_damaged_backup_with_status_1(tmp_path: Path) -> None:
    """The two commands as ``cli.py`` adds them (embedded mode: SQLite, no fixture's app)."""
    live, target = (
        dataclasses.replace(
            load_settings(),
            database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / name / 'marketplace.db'}"),
            media=MediaSettings(root=tmp_path / name / "media"),
        )
        for name in ("live", "restored")
    )
    upgrade(live.database.url)
    (live.media.root / "LISEZMOI.txt").parent.mkdir(parents=True)
    (live.media.root / "LISEZMOI.txt").write_text("Photos du vide-grenier")
    runner = CliRunner()

    made = runner.invoke(backup_command, [str(tmp_path / "backup")], obj=live)
    assert made.exit_code == 0, made.output
    assert made.stdout.startswith("Sauvegarde écrite dans") and "1 fichier(s) de photos" in made.stdout

    flip_a_byte(tmp_path / "backup" / "media" / "LISEZMOI.txt")
    refused = runner.invoke(restore_command, [str(tmp_path / "backup")], obj=target)
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Erreur : Sauvegarde endommagée, rien n'est restauré")
    assert not (tmp_path / "restored").exists()

    again = runner.invoke(restore_command, [str(tmp_path / "nowhere")], obj=target)
    assert again.exit_code == 1 and "Sauvegarde introuvable" in again.stderr
