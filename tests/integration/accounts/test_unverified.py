"""An account whose address is not confirmed yet may browse and ask to join; posting and writing
to neighbours wait for the link (``accounts.guards.ensure_verified``)."""

from __future__ import annotations

import pytest

from tests.stories import Board, PersonFactory

pytestmark = pytest.mark.anyio


async def test_an_unverified_account_may_browse_and_ask_to_join(board: Board, person: PersonFactory) -> None:
    await board.community(join_policy="approval")
    newcomer = await person("newcomer", verified=False)
    assert (await newcomer.get("/api/v1/auth/me")).json()["is_verified"] is False
    assert (await newcomer.get("/api/v1/communities")).status_code == 200
    joined = await newcomer.post(
        "/api/v1/communities/vide-grenier-test/join", json={"answer": "Rue des Pyrénées"}
    )
    assert joined.status_code == 201, joined.text


async def test_an_unverified_member_cannot_post_a_listing(board: Board, person: PersonFactory) -> None:
    await board.community()
    newcomer = await person("newcomer", verified=False)
    assert (await newcomer.post("/api/v1/communities/vide-grenier-test/join", json={})).status_code == 201
    refused = await board.post(newcomer)
    assert refused.status_code == 403, refused.text
    assert "Confirmez d'abord votre adresse e-mail" in refused.json()["detail"]


async def test_an_unverified_member_cannot_write_to_a_neighbour(board: Board, person: PersonFactory) -> None:
    await board.community()
    alice = await board.member("alice")
    listing = await board.listing(alice)
    newcomer = await person("newcomer", verified=False)
    assert (await newcomer.post("/api/v1/communities/vide-grenier-test/join", json={})).status_code == 201
    refused = await newcomer.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour !"})
    assert refused.status_code == 403, refused.text
    assert "Confirmez d'abord votre adresse e-mail" in refused.json()["detail"]
