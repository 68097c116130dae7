"""Sizes that grow with the child: after its period, the worker moves a saved search's size to
the next one of the French scale, tells its member, and the alert then matches the new size."""

from __future__ import annotations

import datetime

import pytest
from litestar import Litestar

from tests.integration.alerts.conftest import matched, sizes, utc_now
from tests.integration.alerts.test_matching import alert_notices, matches_of
from tests.stories import Board

pytestmark = pytest.mark.anyio

DRESSING = "vide-dressing-test"


async def test_a_size_alert_moves_to_the_next_size_after_its_period(board: Board, app: Litestar) -> None:
    await board.community(DRESSING, template="vide-dressing")
    lea = await board.member("lea", DRESSING)
    omar = await board.member("omar", DRESSING)
    created = await lea.post("/api/v1/saved-searches", json={"size": ["6 mois"], "size_step_months": 3})
    assert created.status_code == 201, created.text
    saved = created.json()
    due = datetime.datetime.fromisoformat(saved["next_size_step_at"])
    assert datetime.timedelta(days=89) <= due - utc_now() <= datetime.timedelta(days=93)

    assert await sizes(app, due - datetime.timedelta(days=1)) == 0
    assert (await lea.get("/api/v1/saved-searches")).json()["items"][0]["size"] == ["6 mois"]
    assert await sizes(app, due + datetime.timedelta(minutes=1)) == 1
    [after] = (await lea.get("/api/v1/saved-searches")).json()["items"]
    assert after["size"] == ["9 mois"] and after["name"] == "Toutes les annonces · 9 mois"
    assert datetime.datetime.fromisoformat(after["next_size_step_at"]) > due
    [notice] = await alert_notices(app, lea.id)
    assert notice.event == "alerts.size_grown"
    listed = (await lea.get("/api/v1/notifications")).json()["items"][0]
    assert "passe à la taille suivante" in listed["title"] and "9 mois" in listed["lines"][0]
    # Run again at once: nothing moves twice.
    assert await sizes(app, due + datetime.timedelta(minutes=2)) == 0

    category = await board.category_id("Vêtements bébé", DRESSING)
    small = await board.listing(
        omar, DRESSING, category_id=category, title="Gigoteuse", attributes={"size": "6 mois"}
    )
    big = await board.listing(
        omar, DRESSING, category_id=category, title="Pyjama", attributes={"size": "9 mois"}
    )
    await matched(app)
    found = set().union(*(await matches_of(app, lea.id)).values())
    assert big["id"] in found and small["id"] not in found


async def test_shoe_sizes_move_on_and_the_end_of_the_scale_stops(board: Board, app: Litestar) -> None:
    await board.community(DRESSING, template="vide-dressing")
    lea = await board.member("lea", DRESSING)
    shoes = await lea.post(
        "/api/v1/saved-searches", json={"q": "bottes", "shoe_size": ["19"], "size_step_months": 2}
    )
    due = datetime.datetime.fromisoformat(shoes.json()["next_size_step_at"])
    assert await sizes(app, due + datetime.timedelta(minutes=1)) == 1
    assert (await lea.get("/api/v1/saved-searches")).json()["items"][0]["shoe_size"] == ["20"]
    await lea.delete(f"/api/v1/saved-searches/{shoes.json()['id']}")
    before = len(await alert_notices(app, lea.id))
    created = await lea.post("/api/v1/saved-searches", json={"size": ["16 ans"], "size_step_months": 1})
    due = datetime.datetime.fromisoformat(created.json()["next_size_step_at"])
    assert await sizes(app, due + datetime.timedelta(minutes=1)) == 0
    [after] = (await lea.get("/api/v1/saved-searches")).json()["items"]
    assert after["size"] == ["16 ans"] and after["next_size_step_at"] is None
    assert len(await alert_notices(app, lea.id)) == before
