"""Importing listings from JSONL: the evaluation corpus imports cleanly, and again changes nothing."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import func, select

from marketplace.communities.models import Category, Community
from marketplace.indexing.models import SearchOutboxEntry
from marketplace.listings.importer import ImportReport, import_listings
from marketplace.listings.models import Listing
from marketplace.operations import transaction
from tests.stories import Board

pytestmark = pytest.mark.anyio

CORPUS = Path(__file__).resolve().parents[2] / "data" / "search-eval" / "listings.jsonl"


async def run_import(app: Litestar, lines: list[str], **options: Any) -> ImportReport:
    options.setdefault("default_author_email", None)
    options.setdefault("create_communities", True)
    async with transaction(app.state.settings) as session:
        return await import_listings(session, lines, listing_lifetime_days=30, **options)


async def snapshot(app: Litestar) -> dict[str, tuple[Any, ...]]:
    async with transaction(app.state.settings) as session:
        rows = await session.scalars(select(Listing))
        return {
            str(row.ref): (row.version, row.updated_at, row.title, row.status, row.expires_at)
            for row in rows.unique()
        }


async def outbox_size(app: Litestar) -> int:
    async with transaction(app.state.settings) as session:
        return int(await session.scalar(select(func.count()).select_from(SearchOutboxEntry)) or 0)


async def test_eval_corpus_imports_cleanly_and_reimport_changes_nothing(app: Litestar, client: Any) -> None:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    report = await run_import(app, lines)
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged, report.skipped) == (92, 0, 0, 0)
    assert "92 annonces lues" in report.summary()
    before, outbox_before = await snapshot(app), await outbox_size(app)

    again = await run_import(app, lines)
    assert (again.created, again.updated, again.unchanged, again.skipped) == (0, 0, 92, 0)
    assert "0 créée" in again.summary()
    assert await snapshot(app) == before
    assert await outbox_size(app) == outbox_before

    # The two done listings are kept but not browsed; the rest is, with its ref.
    browse = await client.get("/api/v1/communities/vide-grenier-paris-20/listings?per_page=100")
    refs = {item["ref"] for item in browse.json()["items"]}
    assert browse.json()["total"] == 60 and "vg-001" in refs and "vg-062" not in refs


async def test_imported_listings_keep_their_dates_and_are_not_born_expired(
    app: Litestar, client: Any
) -> None:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    await run_import(app, lines[:3])
    async with transaction(app.state.settings) as session:
        listing = await session.scalar(select(Listing).where(Listing.ref == "vg-001"))
        assert listing is not None
        created = datetime.datetime(2026, 9, 1, 9, 0, tzinfo=datetime.UTC)
        assert listing.created_at == created and listing.published_at == created
        now = datetime.datetime.now(datetime.UTC)
        assert listing.expires_at is not None and listing.expires_at > now + datetime.timedelta(days=29)
        assert listing.author.display_name == "Import" and not listing.author.is_active
        community = await session.scalar(select(Community).where(Community.slug == "vide-grenier-paris-20"))
        assert community is not None
        assert str(community.visibility) == "public" and str(community.join_policy) == "approval"
        assert "Porte de Montreuil" in community.pickup_areas
    read = await client.get(f"/api/v1/listings/{listing.id}")
    assert read.json()["ref"] == "vg-001" and read.json()["condition"] == "bon_etat"


async def test_categories_gain_the_attribute_keys_found_in_the_data(app: Litestar) -> None:
    lines = [json.dumps(json.loads(line)) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    report = await run_import(app, lines)
    assert report.errors == []
    async with transaction(app.state.settings) as session:
        bebe = await session.scalar(select(Category).where(Category.name == "Vêtements bébé"))
        assert bebe is not None and {"size", "gender", "brand", "shoe_size", "condition"} <= set(
            bebe.attributes
        )
        lot = await session.scalar(select(Listing).where(Listing.ref == "vd-001"))
        assert lot is not None and lot.attributes


async def test_a_changed_line_updates_its_listing(app: Litestar) -> None:
    line = json.loads(CORPUS.read_text(encoding="utf-8").splitlines()[1])
    await run_import(app, [json.dumps(line)])
    before = await snapshot(app)
    line["price"] = 45
    line["title"] = "Poussette canne Yoyo (prix baissé)"
    report = await run_import(app, [json.dumps(line)])
    assert (report.created, report.updated) == (0, 1)
    after = await snapshot(app)
    assert after[line["ref"]][2] == "Poussette canne Yoyo (prix baissé)"
    assert after[line["ref"]][0] == before[line["ref"]][0] + 1
    line["status"] = "done"
    assert (await run_import(app, [json.dumps(line)])).updated == 1
    assert str((await snapshot(app))[line["ref"]][3]) == "done"


async def test_a_bad_line_is_reported_by_number_and_the_rest_imports(app: Litestar) -> None:
    good = CORPUS.read_text(encoding="utf-8").splitlines()[:2]
    bad_price = json.loads(good[0]) | {"ref": "x-1", "kind": "give", "price": 10}
    bad_size = json.loads(good[0]) | {"ref": "x-2", "attributes": {"size": "XXL"}}
    lines = [good[0], "{pas du json", json.dumps(bad_price), "", json.dumps(bad_size), good[1]]
    report = await run_import(app, lines)
    assert report.created == 2 and report.skipped == 3
    assert [number for number, _message in report.errors] == [2, 3, 5]
    assert "price" in report.errors[1][1] and "attributes.size" in report.errors[2][1]


async def test_unknown_communities_are_refused_without_the_option(app: Litestar) -> None:
    line = CORPUS.read_text(encoding="utf-8").splitlines()[0]
    report = await run_import(app, [line], create_communities=False)
    assert report.created == 0 and report.skipped == 1
    assert "--create-communities" in report.errors[0][1]


async def test_author_comes_from_the_line_then_the_option(app: Litestar, board: Board) -> None:
    nadia = await board.someone("nadia")
    karim = await board.someone("karim")
    lines = CORPUS.read_text(encoding="utf-8").splitlines()[:2]
    first = json.loads(lines[0]) | {"author_email": nadia.email}
    report = await run_import(app, [json.dumps(first), lines[1]], default_author_email=karim.email)
    assert report.created == 2
    async with transaction(app.state.settings) as session:
        authors = {row.ref: row.author.email for row in (await session.scalars(select(Listing))).unique()}
    assert authors == {"vg-001": nadia.email, "vg-002": karim.email}


async def test_imported_listings_land_in_an_existing_communitys_rules(app: Litestar, board: Board) -> None:
    await board.community("vide-grenier-paris-20", pickup_areas=["Gambetta"])
    lines = CORPUS.read_text(encoding="utf-8").splitlines()[
        :3
    ]  # Porte de Montreuil, Alexandre Dumas, Gambetta
    report = await run_import(app, lines, create_communities=False)
    assert report.created == 1 and report.skipped == 2
    assert all("pickup_area" in message for _number, message in report.errors)
