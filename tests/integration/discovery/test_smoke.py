from __future__ import annotations

import pytest
from litestar import Litestar

from tests.integration.discovery.conftest import indexed
from tests.integration.discovery.memory_index import MemoryIndex
from tests.stories import Board

pytestmark = pytest.mark.anyio


async def test_smoke(memory_index: MemoryIndex, board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    await board.listing(nadia, title="Poussette canne", kind="sell", price=12)
    drained = await indexed(app)
    assert drained.rows >= 1
    response = await nadia.get("/api/v1/search", params={"q": "poussette"})
    assert response.status_code == 200, response.text
    print(response.json())
    page = await nadia.client.get("/recherche", params={"q": "poussette"})
    assert page.status_code == 200, page.text
    assert "Poussette" in page.text
