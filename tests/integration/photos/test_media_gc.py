"""``marketplace media gc``: reports the files no photo uses, removes them only with --apply."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest

from tests.integration.photos.conftest import make_image, photo_bytes, stored_files
from tests.stories import add_photo

pytestmark = pytest.mark.anyio

TWO_HOURS = 2 * 3600
ORPHAN_KEY = "ab/cd/abcd" + "0" * 60 + ".webp"
YOUNG_ORPHAN_KEY = "ef/01/ef01" + "1" * 60 + ".webp"


def age(path: Path, seconds: int) -> None:
    moment = time.time() - seconds
    os.utime(path, (moment, moment))


async def media_gc(settings: Any, tmp_path: Path, *arguments: str) -> str:
    env = {
        **os.environ,
        "MARKETPLACE_DATABASE_URL": settings.database.url,
        "MARKETPLACE_MEDIA_ROOT": str(settings.media.root),
        "MARKETPLACE_DATA_DIR": str(tmp_path / "var"),
    }
    result = await anyio.to_thread.run_sync(
        lambda: subprocess.run(
            [sys.executable, "-m", "marketplace.cli", "media", "gc", *arguments],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_gc_reports_orphans_then_removes_them_with_apply(board, app, media_root, tmp_path):
    await board.community()
    alice = await board.member("alice")
    listing = await board.listing(alice)
    for index in range(2):
        await add_photo(
            alice, listing["id"], photo_bytes("JPEG", image=make_image((64, 48), color=(index, 50, 90)))
        )
    in_use = stored_files(media_root)
    orphan, young = media_root / ORPHAN_KEY, media_root / YOUNG_ORPHAN_KEY
    for path, size in ((orphan, 3000), (young, 10)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x00" * size)
    abandoned = media_root / "ab" / "cd" / ".tmp-k2j3h4"
    abandoned.write_bytes(b"\x00" * 500)
    recent_temp = media_root / "ab" / "cd" / ".tmp-saving"
    recent_temp.write_bytes(b"\x00" * 7)
    not_ours = media_root / "LISEZMOI.txt"
    not_ours.write_text("Sauvegarde du 12 mars")
    for path in media_root.rglob("*"):
        if path.is_file() and path not in (young, recent_temp):
            age(path, TWO_HOURS)

    report = await media_gc(app.state.settings, tmp_path)

    assert "Fichiers orphelins : 2 (3.4 ko), dont 1 temporaire(s)." in report
    assert ORPHAN_KEY in report and ".tmp-k2j3h4" in report
    assert "récents non référencés laissés en place : 2" in report
    assert "Essai à blanc" in report
    assert orphan.exists() and abandoned.exists()

    report = await media_gc(app.state.settings, tmp_path, "--apply")

    assert "Supprimés : 2." in report
    assert not orphan.exists() and not abandoned.exists()
    assert young.exists() and recent_temp.exists() and not_ours.exists()
    assert stored_files(media_root) == in_use | {YOUNG_ORPHAN_KEY}
    listed = await alice.get(f"/api/v1/listings/{listing['id']}/photos")
    for photo in listed.json()["items"]:
        assert (await alice.client.get(photo["urls"]["large"])).status_code == 200


async def test_gc_min_age_zero_takes_young_orphans_too(board, app, media_root, tmp_path):
    await board.community()
    alice = await board.member("alice")
    await add_photo(alice, (await board.listing(alice))["id"])
    in_use = stored_files(media_root)
    young = media_root / YOUNG_ORPHAN_KEY
    young.parent.mkdir(parents=True, exist_ok=True)
    young.write_bytes(b"\x00")

    report = await media_gc(app.state.settings, tmp_path, "--apply", "--min-age", "0")

    assert "Fichiers orphelins : 1" in report
    assert stored_files(media_root) == in_use
