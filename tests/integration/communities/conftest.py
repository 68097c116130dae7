"""Fixtures for the communities' stories: a site admin and a factory of communities."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
async def root(person: Any) -> Any:
    """A site admin, who creates the communities."""
    return await person("root", admin=True)


@pytest.fixture
def make_community(root: Any) -> Any:
    """``await make_community("vide-grenier", visibility="members", ...)``: created by ``root``."""

    async def make(slug: str = "vide-grenier", **fields: Any) -> dict[str, Any]:
        body = {
            "slug": slug,
            "name": slug.replace("-", " ").title(),
            "description": "Pour le quartier.",
            **fields,
        }
        response = await root.post("/api/v1/communities", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    return make
