"""The community's posting rules: set by its admins in the settings, shown on the posting form,
and enforced with a 409 in French: the active-listing cap, and the delay before the same member
posts a near-identical listing again (relisting the earlier one is offered instead)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import update

from marketplace.listings.models import Listing
from marketplace.operations import transaction
from tests.stories import SLUG, Board, Person, sign_in

pytestmark = pytest.mark.anyio


async def rules(board: Board, **values: Any) -> None:
    root = await board.root()
    response = await root.patch(f"/api/v1/communities/{SLUG}", json=values)
    assert response.status_code == 200, response.text
    for key, value in values.items():
        assert response.json()[key] == value


async def status(who: Person, listing: dict[str, Any], target: str) -> Any:
    return await who.post(f"/api/v1/listings/{listing['id']}/status", json={"status": target})


async def test_the_active_listing_cap_refuses_with_a_409_in_french(board: Board) -> None:
    await board.community()
    await rules(board, max_active_listings=2)
    alice = await board.member("alice")
    first = await board.listing(alice, title="Lampe de bureau")
    await board.listing(alice, title="Chaise pliante")
    third = await board.post(alice, title="Table basse")
    assert third.status_code == 409
    assert "maximum" in third.json()["detail"] and "2 annonces en ligne" in third.json()["detail"]
    # A draft does not count, and is refused only when published.
    draft = await board.listing(alice, title="Table basse", draft=True)
    assert (await status(alice, draft, "available")).status_code == 409
    # Another member is not held by Alice's listings.
    assert (await board.post(await board.member("bob"), title="Table basse")).status_code == 201
    # Done with one: room again; relisting it beyond the cap is refused too.
    assert (await status(alice, first, "withdrawn")).status_code == 200
    assert (await board.post(alice, title="Table basse")).status_code == 201
    assert (await status(alice, first, "available")).status_code == 409


async def test_a_near_identical_repost_within_the_delay_is_refused_and_relisting_is_offered(
    board: Board, app: Litestar
) -> None:
    await board.community()
    await rules(board, repost_delay_days=7)
    alice = await board.member("alice")
    earlier = await board.listing(
        alice, title="Poussette Yoyo Babyzen", description="Très bon état, avec habillage pluie."
    )
    still_online = await board.post(
        alice, title="poussette yoyo babyzen !!", description="TBE avec habillage pluie"
    )
    assert still_online.status_code == 409
    body = still_online.json()
    assert "toujours en ligne" in body["detail"] and "7 jours" in body["detail"]
    assert body["extra"]["earlier_listing_id"] == earlier["id"] and body["extra"]["can_relist"] is False
    assert (await status(alice, earlier, "withdrawn")).status_code == 200
    withdrawn = await board.post(alice, title="Pousette Yoyo Babyzen", description="Très bon état")
    assert withdrawn.status_code == 409
    assert "Remettez-la en ligne" in withdrawn.json()["detail"]
    assert withdrawn.json()["extra"]["can_relist"] is True
    # What is offered works, and something else is welcome at any time.
    assert (await board.post(alice, title="Habillage pluie pour poussette Yoyo")).status_code == 201
    assert (await board.post(await board.member("bob"), title="Poussette Yoyo Babyzen")).status_code == 201
    draft = await board.listing(alice, title="Poussette Yoyo Babyzen", draft=True)
    assert draft["status"] == "draft"  # a draft is no post: publishing it is
    published = await status(alice, draft, "available")
    assert published.status_code == 409 and published.json()["extra"]["earlier_listing_id"] == earlier["id"]
    relisted = await status(alice, earlier, "available")
    assert relisted.status_code == 200, relisted.text
    # Once the delay has passed, the same listing may be posted again.
    async with transaction(app.state.settings) as session:
        eight_days_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=8)
        await session.execute(
            update(Listing).where(Listing.id == earlier["id"]).values(published_at=eight_days_ago)
        )
    assert (await board.post(alice, title="Poussette Yoyo Babyzen")).status_code == 201


async def test_without_a_delay_reposting_is_allowed(board: Board) -> None:
    await board.community()
    alice = await board.member("alice")
    await board.listing(alice, title="Lampe de bureau")
    assert (await board.post(alice, title="Lampe de bureau")).status_code == 201


async def test_rules_out_of_bounds_are_refused_in_french(board: Board) -> None:
    await board.community()
    root = await board.root()
    for values in ({"max_active_listings": -1}, {"repost_delay_days": 400}):
        response = await root.patch(f"/api/v1/communities/{SLUG}", json=values)
        assert response.status_code == 400, values
        assert "va de 0" in response.json()["detail"]
    wrong_type = await root.patch(f"/api/v1/communities/{SLUG}", json={"max_active_listings": "trois"})
    assert wrong_type.status_code == 400


async def test_admins_set_the_rules_in_the_settings_page_and_members_see_them_when_posting(
    client: Any, board: Board, app: Litestar
) -> None:
    await board.community()
    root = await board.root()
    token = await sign_in(client, root)
    form = {
        "_csrf_token": token,
        "name": "Vide grenier test",
        "rules": "Pas de revente.\n\nRemise en main propre.",
        "visibility": "public",
        "join_policy": "open",
        "listing_lifetime_days": "21",
        "max_active_listings": "3",
        "repost_delay_days": "10",
    }
    saved = await client.post(f"/communities/{SLUG}/settings", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    page = await client.get(f"/communities/{SLUG}/settings")
    assert (
        'name="max_active_listings"' in page.text and 'value="3"' in page.text and 'value="10"' in page.text
    )
    wrong = await client.post(
        f"/communities/{SLUG}/settings", data={**form, "repost_delay_days": "deux"}, follow_redirects=False
    )
    assert wrong.status_code == 400 and "jours" in wrong.text
    # The audit log says who changed what.
    (line, *_) = (await root.get(f"/api/v1/communities/{SLUG}/audit")).json()["items"]
    assert line["action"] == "settings.changed" and line["actor_name"] == "Root"
    assert {"rules", "listing_lifetime_days", "max_active_listings", "repost_delay_days"} <= set(
        line["details"]["fields"]
    )
    alice = await board.member("alice")
    client.cookies.clear()
    await sign_in(client, alice)
    posting = await client.get(f"/listings/new?community={SLUG}")
    assert "Pas de revente." in posting.text and "Remise en main propre." in posting.text
    assert "3 annonces en ligne par membre au plus." in posting.text
    assert "après 10 jours" in posting.text and "21 jours" in posting.text


async def test_the_posting_form_refuses_a_repost_with_a_button_to_relist_the_earlier_one(
    client: Any, board: Board
) -> None:
    await board.community()
    await rules(board, repost_delay_days=7)
    alice = await board.member("alice")
    earlier = await board.listing(alice, title="Lit parapluie Chicco")
    assert (await status(alice, earlier, "withdrawn")).status_code == 200
    token = await sign_in(client, alice)
    form = {
        "_csrf_token": token,
        "community": SLUG,
        "kind": "give",
        "title": "Lit parapluie Chicco gris",
        "category_id": await board.category_id("Maison"),
        "description": "",
        "action": "publish",
    }
    refused = await client.post("/listings/new", data=form, follow_redirects=False)
    assert refused.status_code == 409
    assert "presque identique" in refused.text and "Remettre en ligne mon annonce" in refused.text
    assert f'action="/listings/{earlier["id"]}/relist"' in refused.text
    assert 'value="Lit parapluie Chicco gris"' in refused.text  # nothing typed is lost
    relist = await client.post(
        f"/listings/{earlier['id']}/relist", data={"_csrf_token": token}, follow_redirects=False
    )
    assert relist.status_code == 303
    relisted = (await alice.get(f"/api/v1/listings/{earlier['id']}")).json()
    assert relisted["status"] == "available" and relisted["published_at"] > earlier["published_at"]
