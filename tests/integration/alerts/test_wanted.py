"""A published wanted listing watches for its author: a matching offer tells them, and the
offer's page shows its author the neighbours who want it ("1 voisin cherche ça")."""

from __future__ import annotations

import pytest
from litestar import Litestar

from tests.integration.alerts.conftest import matched
from tests.integration.alerts.test_matching import alert_notices
from tests.integration.discovery.backends import indexed
from tests.stories import Board

pytestmark = pytest.mark.anyio


async def test_a_wanted_listings_author_is_told_of_a_matching_offer(board: Board, app: Litestar) -> None:
    await board.community()
    lea = await board.member("lea")
    omar = await board.member("omar")
    wanted = await board.listing(lea, title="Cherche poussette", kind="wanted")
    await board.listing(lea, title="Poussette double")  # her own offer: not for her
    await matched(app)
    assert await alert_notices(app, lea.id) == []

    offer = await board.listing(omar, title="Poussette canne", kind="give")
    await board.listing(omar, title="Lampe de chevet")
    await indexed(app)
    # Until the worker has matched the offer, its page's panel asks again by itself.
    page = await omar.client.get(
        f"/listings/{offer['id']}/demandes", headers={**omar.headers, "HX-Request": "true"}
    )
    assert page.status_code == 200, page.text
    assert "wanted-by-pending" in page.text

    await matched(app)
    page = await omar.client.get(
        f"/listings/{offer['id']}/demandes", headers={**omar.headers, "HX-Request": "true"}
    )
    assert "1 voisin cherche ça" in page.text and "Cherche poussette" in page.text
    assert "wanted-by-pending" not in page.text
    [notice] = await alert_notices(app, lea.id)
    assert notice.event == "alerts.wanted" and str(notice.listing_id) == offer["id"]
    listed = await lea.get("/api/v1/notifications")
    assert (
        "Quelqu'un propose ce que vous cherchez : « Poussette canne »" in listed.json()["items"][0]["title"]
    )
    assert wanted["id"] in (await omar.get(f"/listings/{offer['id']}/demandes")).text


async def test_a_wanted_listing_no_longer_available_stops_watching(board: Board, app: Litestar) -> None:
    await board.community()
    lea = await board.member("lea")
    omar = await board.member("omar")
    wanted = await board.listing(lea, title="Cherche trottinette", kind="wanted")
    done = await lea.post(
        f"/api/v1/listings/{wanted['id']}/status", json={"status": "withdrawn", "version": wanted["version"]}
    )
    assert done.status_code == 200, done.text
    await board.listing(omar, title="Trottinette trois roues")
    await matched(app)
    assert await alert_notices(app, lea.id) == []
