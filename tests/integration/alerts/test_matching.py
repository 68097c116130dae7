"""An alert fires exactly for what its search would now return, on both search backends: the
same engine (typos, plurals, synonyms, filters) and the same visibility rule; never for a
listing its member may not see, never twice, never for their own listings."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.alerts.matching import ScopeCache
from marketplace.alerts.models import AlertMatch
from marketplace.discovery.queries import reader_scope
from marketplace.notifications.models import Notification
from marketplace.operations import transaction
from tests.integration.alerts.conftest import matched
from tests.integration.discovery.backends import BACKENDS
from tests.stories import Board, Person

pytestmark = pytest.mark.anyio

PUBLIC = "vide-grenier-test"
DRESSING = "vide-dressing-test"
PRIVATE = "entre-voisines"

# (name, saved search): each also run as a search by its saver, whose answer must be the same.
SEARCHES: list[tuple[str, dict[str, Any]]] = [
    ("text", {"q": "poussette"}),
    ("typo", {"q": "pousette"}),
    ("plural and accent", {"q": "velos"}),
    ("filters only", {"kind": ["give"], "community": [PUBLIC]}),
    ("price", {"q": "vélo", "max_price": 20}),
    ("size", {"size": ["18 mois"]}),
    ("shoe size and text", {"q": "basket", "shoe_size": ["24"]}),
]


async def matches_of(app: Litestar, user_id: str) -> dict[str, set[str]]:
    """What each of a member's saved searches matched: saved search id -> listing ids."""
    async with transaction(app.state.settings) as session:
        rows = await session.execute(
            select(AlertMatch.saved_search_id, AlertMatch.listing_id).where(AlertMatch.user_id == user_id)
        )
        found: dict[str, set[str]] = {}
        for search_id, listing_id in rows.all():
            found.setdefault(str(search_id), set()).add(str(listing_id))
        return found


async def alert_notices(app: Litestar, user_id: str) -> list[Notification]:
    async with transaction(app.state.settings) as session:
        return list(
            await session.scalars(
                select(Notification).where(
                    Notification.recipient_id == user_id, Notification.kind == "alerts"
                )
            )
        )


async def search_ids(who: Person, criteria: dict[str, Any]) -> set[str]:
    params = {key: value for key, value in criteria.items()}
    answer = await who.get("/api/v1/search", params={**params, "status": "available", "per_page": 100})
    assert answer.status_code == 200, answer.text
    return {hit["id"] for hit in answer.json()["hits"]}


@pytest.mark.parametrize("search_backend", BACKENDS, indirect=True)
async def test_an_alert_matches_exactly_what_its_search_returns(board: Board, app: Litestar) -> None:
    await board.community(PUBLIC)
    await board.community(DRESSING, template="vide-dressing")
    await board.community(PRIVATE, visibility="members", join_policy="approval")
    nadia = await board.member("nadia", PUBLIC)
    await board.member("nadia", DRESSING)
    omar = await board.member("omar", PUBLIC)
    await board.member("omar", DRESSING)
    await board.member("omar", PRIVATE)
    saved: dict[str, str] = {}
    for name, criteria in SEARCHES:
        answer = await nadia.post("/api/v1/saved-searches", json=criteria)
        assert answer.status_code == 201, (name, answer.text)
        saved[name] = answer.json()["id"]

    body = await board.category_id("Vêtements bébé", DRESSING)
    shoes = await board.category_id("Chaussures", DRESSING)
    posted = [
        await board.listing(omar, PUBLIC, title="Poussette canne", kind="sell", price=15),
        await board.listing(omar, PUBLIC, title="Poussettes jumeaux", description="Double, pliable"),
        await board.listing(
            omar, PUBLIC, title="Landau et poussette", kind="swap", wanted_in_exchange="Livres"
        ),
        await board.listing(omar, PUBLIC, title="Vélo enfant 16 pouces", kind="sell", price=30),
        await board.listing(omar, PUBLIC, title="Vélo rouge", kind="sell", price=10),
        await board.listing(omar, PUBLIC, title="Lampe de chevet"),
        await board.listing(
            omar, DRESSING, category_id=body, title="Body manches longues", attributes={"size": "18 mois"}
        ),
        await board.listing(
            omar, DRESSING, category_id=body, title="Lot pyjamas", attributes={"size": "12-24 mois"}
        ),
        await board.listing(
            omar, DRESSING, category_id=shoes, title="Baskets lumineuses", attributes={"shoe_size": "24"}
        ),
        await board.listing(
            omar, DRESSING, category_id=shoes, title="Baskets blanches", attributes={"shoe_size": "30"}
        ),
        # In a group nadia may not read: found by no search of hers, matched by none.
        await board.listing(omar, PRIVATE, title="Poussette citadine", kind="give"),
    ]
    assert len(posted) == 11
    done = await matched(app)
    assert done.changes == 11

    found = await matches_of(app, nadia.id)
    for name, criteria in SEARCHES:
        expected = await search_ids(nadia, criteria)
        assert expected, name  # each search finds something: the comparison says something
        assert found.get(saved[name], set()) == expected, name
    private_id = posted[-1]["id"]
    assert all(private_id not in ids for ids in found.values())
    # Each match told her once, with the listing's link.
    notices = await alert_notices(app, nadia.id)
    assert len(notices) == sum(len(ids) for ids in found.values())
    assert {str(notice.listing_id) for notice in notices} == set().union(*found.values())


async def test_a_member_who_left_or_was_banned_stops_matching_that_group(board: Board, app: Litestar) -> None:
    await board.community(PUBLIC)
    await board.community(PRIVATE, visibility="members", join_policy="approval")
    root = await board.root()
    nadia = await board.member("nadia", PRIVATE)
    bruno = await board.member("bruno", PRIVATE)
    await board.member("bruno", PUBLIC)
    omar = await board.member("omar", PRIVATE)
    await board.member("omar", PUBLIC)
    for who in (nadia, bruno):
        assert (await who.post("/api/v1/saved-searches", json={"q": "poussette"})).status_code == 201
    left = await nadia.post(f"/api/v1/communities/{PRIVATE}/leave")
    assert left.status_code == 200, left.text
    banned = await root.post(f"/api/v1/communities/{PRIVATE}/members/{bruno.id}/ban", json={})
    assert banned.status_code == 200, banned.text
    await board.listing(omar, PRIVATE, title="Poussette citadine")
    public = await board.listing(omar, PUBLIC, title="Poussette canne")
    await matched(app)
    for who in (nadia, bruno):  # the public group's listing, which anybody may read; not the other
        assert {listing for ids in (await matches_of(app, who.id)).values() for listing in ids} == {
            public["id"]
        }


async def test_a_listing_is_told_once_however_often_it_changes(board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    omar = await board.member("omar")
    assert (await nadia.post("/api/v1/saved-searches", json={"q": "poussette"})).status_code == 201
    listing = await board.listing(omar, title="Poussette canne")
    await matched(app)
    edited = await omar.patch(
        f"/api/v1/listings/{listing['id']}",
        json={"description": "Encore mieux", "version": listing["version"]},
    )
    assert edited.status_code == 200, edited.text
    again = await matched(app)
    assert again.changes == 1 and again.matches == 0
    assert len(await alert_notices(app, nadia.id)) == 1


async def test_an_edit_that_makes_a_listing_match_is_told(board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    omar = await board.member("omar")
    assert (await nadia.post("/api/v1/saved-searches", json={"q": "trottinette"})).status_code == 201
    listing = await board.listing(omar, title="Jouet à roulettes")
    assert (await matched(app)).matches == 0
    edited = await omar.patch(
        f"/api/v1/listings/{listing['id']}", json={"title": "Trottinette", "version": listing["version"]}
    )
    assert edited.status_code == 200, edited.text
    assert (await matched(app)).matches == 1
    assert [str(n.listing_id) for n in await alert_notices(app, nadia.id)] == [listing["id"]]


async def test_own_listings_and_paused_alerts_never_match(board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    omar = await board.member("omar")
    assert (await nadia.post("/api/v1/saved-searches", json={"q": "poussette"})).status_code == 201
    paused = await omar.post("/api/v1/saved-searches", json={"q": "poussette", "frequency": "off"})
    assert paused.status_code == 201
    await board.listing(nadia, title="Poussette canne")
    await board.listing(omar, title="Poussette double")
    await matched(app)
    nadia_matches = await matches_of(app, nadia.id)
    assert len(next(iter(nadia_matches.values()))) == 1  # omar's, not her own
    assert await matches_of(app, omar.id) == {}


async def test_the_matchers_scopes_are_the_visibility_rules(board: Board, app: Litestar) -> None:
    """The matcher reads every member's scope at once: the same as ``reader_scope`` member by
    member, for members, applicants, the banned, those who left and those of no group."""
    await board.community(PUBLIC)
    await board.community(PRIVATE, visibility="members", join_policy="approval")
    await board.community("atelier-couture", visibility="members", join_policy="open")
    root = await board.root()
    people = {
        "member": await board.member("nadia", PRIVATE),
        "banned": await board.member("bruno", PRIVATE),
        "left": await board.member("lise", PRIVATE),
        "open group": await board.member("omar", "atelier-couture"),
        "nobody": await board.someone("zoe"),
        "applicant": await board.someone("paula"),
    }
    await people["applicant"].post(f"/api/v1/communities/{PRIVATE}/join", json={"answer": "Rue de Bagnolet"})
    await root.post(f"/api/v1/communities/{PRIVATE}/members/{people['banned'].id}/ban", json={})
    await people["left"].post(f"/api/v1/communities/{PRIVATE}/leave")
    async with transaction(app.state.settings) as session:
        cache = ScopeCache(session)
        for label, who in people.items():
            user = await session.get(User, uuid.UUID(who.id))
            for slugs in ((), (PRIVATE,), (PUBLIC, "atelier-couture")):
                expected = await reader_scope(session, Viewer(user), slugs)
                got = await cache.scope(uuid.UUID(who.id), slugs)
                assert got is not None, label
                assert set(got.searched) == set(expected.searched), (label, slugs)
                assert set(got.readable) == set(expected.readable), (label, slugs)


@pytest.mark.parametrize("search_backend", BACKENDS, indirect=True)
async def test_an_alert_of_several_words_falls_back_only_when_its_search_does(
    board: Board, app: Litestar
) -> None:
    """The search drops a query's last words only while nothing matches them all: asked about
    the new listings alone, it would drop them for "Poussette double" although the page, which
    finds a "Poussette canne", does not."""
    await board.community(PUBLIC)
    nadia = await board.member("nadia", PUBLIC)
    omar = await board.member("omar", PUBLIC)
    await board.listing(omar, PUBLIC, title="Poussette canne légère")
    await matched(app)
    saved = await nadia.post("/api/v1/saved-searches", json={"q": "poussette canne"})
    assert saved.status_code == 201, saved.text
    fallback = await nadia.post("/api/v1/saved-searches", json={"q": "landau bleu"})
    double = await board.listing(omar, PUBLIC, title="Poussette double")
    await matched(app)  # alone in its batch: no listing of the batch has both words
    canne = await board.listing(omar, PUBLIC, title="Poussette canne pliable")
    landau = await board.listing(omar, PUBLIC, title="Landau vert")
    await matched(app)
    found = await matches_of(app, nadia.id)
    page = await search_ids(nadia, {"q": "poussette canne"})
    assert double["id"] not in page and canne["id"] in page
    assert found[saved.json()["id"]] == {canne["id"]}
    # Nothing is "landau bleu": the page falls back to "landau", and so does the alert.
    assert landau["id"] in await search_ids(nadia, {"q": "landau bleu"})
    assert found[fallback.json()["id"]] == {landau["id"]}
