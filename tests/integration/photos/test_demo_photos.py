"""The demo listings come with drawn pictures, uploaded through the pipeline."""

from __future__ import annotations

import io
from typing import Any

import pytest
from litestar import Litestar
from PIL import Image

from marketplace.demo import load_demo

pytestmark = pytest.mark.anyio


async def test_demo_listings_have_photos_that_are_served(app: Litestar, client: Any) -> None:
    summary = await load_demo(app.state.settings)

    assert "photos" in summary
    listings = (await client.get("/api/v1/communities/vide-grenier-paris-20/listings?per_page=100")).json()
    counts = [len(item["photos"]) for item in listings["items"]]
    assert all(1 <= count <= 3 for count in counts) and len(set(counts)) > 1
    colours = {item["photos"][0]["placeholder_color"] for item in listings["items"]}
    assert len(colours) > 5  # the cards do not all look alike
    cover = listings["items"][0]["photos"][0]
    served = await client.get(cover["urls"]["medium"])
    assert served.status_code == 200
    assert Image.open(io.BytesIO(served.content)).size == (800, 600)
