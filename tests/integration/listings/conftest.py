"""A neighbourhood board built through the public API: communities, members, categories, listings."""

from __future__ import annotations

from typing import Any

import pytest

AREAS = ["Belleville", "Gambetta", "Jourdain", "Ménilmontant"]


class Board:
    """Builds the story a test needs in a few calls (a site admin runs the communities)."""

    def __init__(self, person: Any) -> None:
        self._person = person
        self._people: dict[str, Any] = {}

    async def someone(self, name: str, *, admin: bool = False) -> Any:
        if name not in self._people:
            self._people[name] = await self._person(name, admin=admin)
        return self._people[name]

    async def root(self) -> Any:
        return await self.someone("root", admin=True)

    async def community(
        self,
        slug: str = "vide-grenier-test",
        *,
        visibility: str = "public",
        join_policy: str = "open",
        template: str = "vide-grenier",
        pickup_areas: list[str] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        root = await self.root()
        response = await root.post(
            "/api/v1/communities",
            json={
                "slug": slug,
                "name": slug.replace("-", " ").title(),
                "visibility": visibility,
                "join_policy": join_policy,
                "join_question": "Votre quartier ?" if join_policy == "approval" else "",
                "pickup_areas": AREAS if pickup_areas is None else pickup_areas,
                "template": template,
                **fields,
            },
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def member(self, name: str, slug: str = "vide-grenier-test", *, role: str | None = None) -> Any:
        """``name`` as an active member of ``slug`` (approved by the site admin when needed)."""
        who = await self.someone(name)
        joined = await who.post(
            f"/api/v1/communities/{slug}/join", json={"answer": "J'habite rue des Pyrénées"}
        )
        assert joined.status_code == 201, joined.text
        root = await self.root()
        if joined.json()["status"] == "pending":
            approved = await root.post(f"/api/v1/communities/{slug}/members/{who.id}/approve")
            assert approved.status_code == 200, approved.text
        if role:
            promoted = await root.post(
                f"/api/v1/communities/{slug}/members/{who.id}/role", json={"role": role}
            )
            assert promoted.status_code == 200, promoted.text
        return who

    async def categories(self, slug: str = "vide-grenier-test") -> dict[str, dict[str, Any]]:
        root = await self.root()
        response = await root.get(f"/api/v1/communities/{slug}/categories")
        assert response.status_code == 200, response.text
        return {item["name"]: item for item in response.json()["items"]}

    async def category_id(self, name: str, slug: str = "vide-grenier-test") -> str:
        return str((await self.categories(slug))[name]["id"])

    async def post(self, author: Any, slug: str = "vide-grenier-test", **fields: Any) -> Any:
        """The raw answer to posting a listing (a gift in "Maison" unless told otherwise)."""
        body: dict[str, Any] = {"kind": "give", "title": "Lampe de bureau", "description": "Fonctionne bien."}
        if "category_id" not in fields:
            body["category_id"] = await self.category_id(fields.pop("category", "Maison"), slug)
        body.update(fields)
        return await author.post(f"/api/v1/communities/{slug}/listings", json=body)

    async def listing(self, author: Any, slug: str = "vide-grenier-test", **fields: Any) -> dict[str, Any]:
        response = await self.post(author, slug, **fields)
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def board(person: Any) -> Board:
    return Board(person)
