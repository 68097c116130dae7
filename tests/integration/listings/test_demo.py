"""The demo data: two sub-groups of the 20e, four accounts, realistic listings, loaded once."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar

from marketplace.demo import load_demo

pytestmark = pytest.mark.anyio


async def test_demo_loads_once_with_members_an_applicant_and_listings(app: Litestar, client: Any) -> None:
    first = await load_demo(app.state.settings)
    assert "42 annonces" in first
    assert "déjà" in await load_demo(app.state.settings)

    token = await client.post(
        "/api/v1/auth/tokens", json={"email": "admin@demo.local", "password": "demo-admin-2026"}
    )
    assert token.status_code == 201
    admin = {"Authorization": f"Bearer {token.json()['token']}"}
    public = await client.get("/api/v1/communities/vide-grenier-paris-20/listings?per_page=100")
    assert public.status_code == 200 and public.json()["total"] == 27  # one of the 28 is done
    assert (
        await client.get("/api/v1/communities/vide-dressing-bebe-enfant-paris-20/listings")
    ).status_code == 404
    hidden = await client.get(
        "/api/v1/communities/vide-dressing-bebe-enfant-paris-20/listings", headers=admin
    )
    assert hidden.json()["total"] == 14
    pending = await client.get(
        "/api/v1/communities/vide-dressing-bebe-enfant-paris-20/members?status=pending", headers=admin
    )
    assert [(item["display_name"], bool(item["answer"])) for item in pending.json()["items"]] == [
        ("Karim", True)
    ]
    authors = {item["author"]["display_name"] for item in public.json()["items"]}
    assert authors == {"Nadia", "Karim", "Léa"}
    member = await client.post(
        "/api/v1/auth/tokens", json={"email": "lea@demo.local", "password": "demo-voisin-2026"}
    )
    assert member.status_code == 201
