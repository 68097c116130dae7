"""The alerts' pages without JavaScript: "Créer une alerte" from a search, the list with its last
matches, edit, pause, resume, delete (each a form POST); somebody else's alert is a 404."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.alerts.conftest import matched
from tests.stories import Board, sign_in

pytestmark = pytest.mark.anyio


async def test_a_member_saves_the_search_of_the_page_and_manages_it(
    board: Board, app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    await board.community()
    lea = await board.member("lea")
    omar = await board.member("omar")
    csrf = await sign_in(client, lea)
    search = await client.get("/recherche", params={"q": "poussette", "kind": "give"})
    assert search.status_code == 200
    assert "Créer une alerte" in search.text and 'formaction="/alertes/nouvelle"' in search.text

    group_page = await client.get("/communities/vide-grenier-test")
    assert 'name="community" value="vide-grenier-test"' in group_page.text  # the group goes along
    in_group = await client.get("/alertes/nouvelle", params={"q": "vélo", "community": "vide-grenier-test"})
    assert in_group.status_code == 200 and 'name="community" value="vide-grenier-test"' in in_group.text

    form = await client.get("/alertes/nouvelle", params={"q": "poussette", "kind": "give", "sort": "newest"})
    assert form.status_code == 200, form.text
    assert "« poussette »" in form.text and 'name="kind" value="give"' in form.text
    created = await client.post(
        "/alertes",
        data={
            "q": "poussette",
            "kind": "give",
            "frequency": "instant",
            "digest_hour": "18",
            "_csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    [saved] = (await lea.get("/api/v1/saved-searches")).json()["items"]
    assert saved["q"] == "poussette" and saved["kind"] == ["give"]

    listing = await board.listing(omar, title="Poussette canne")
    await matched(app)
    page = await client.get("/alertes")
    assert page.status_code == 200
    assert "Poussette canne" in page.text and f"/listings/{listing['id']}" in page.text
    assert 'href="/alertes"' in page.text  # the header's link

    paused = await client.post(
        f"/alertes/{saved['id']}/pause", data={"_csrf_token": csrf}, follow_redirects=False
    )
    assert paused.status_code == 303
    assert (await lea.get("/api/v1/saved-searches")).json()["items"][0]["frequency"] == "off"
    resumed = await client.post(
        f"/alertes/{saved['id']}/reprendre", data={"_csrf_token": csrf}, follow_redirects=False
    )
    assert resumed.status_code == 303
    assert (await lea.get("/api/v1/saved-searches")).json()["items"][0]["frequency"] == "instant"

    edit = await client.get(f"/alertes/{saved['id']}/modifier")
    assert edit.status_code == 200 and 'value="poussette"' in edit.text
    updated = await client.post(
        f"/alertes/{saved['id']}",
        data={"q": "landau", "kind": "give", "frequency": "daily", "digest_hour": "7", "_csrf_token": csrf},
        follow_redirects=False,
    )
    assert updated.status_code == 303, updated.text
    after = (await lea.get("/api/v1/saved-searches")).json()["items"][0]
    assert (after["q"], after["frequency"], after["digest_hour"]) == ("landau", "daily", 7)
    bad = await client.post(
        f"/alertes/{saved['id']}",
        data={"q": "landau", "size": "XXL", "_csrf_token": csrf},
        follow_redirects=False,
    )
    assert bad.status_code == 400 and "Taille inconnue" in bad.text

    deleted = await client.post(
        f"/alertes/{saved['id']}/supprimer", data={"_csrf_token": csrf}, follow_redirects=False
    )
    assert deleted.status_code == 303
    assert (await lea.get("/api/v1/saved-searches")).json()["items"] == []


async def test_somebody_elses_alert_page_is_not_found(
    board: Board, app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    await board.community()
    lea = await board.member("lea")
    marc = await board.member("marc")
    saved = (await lea.post("/api/v1/saved-searches", json={"q": "vélo"})).json()
    csrf = await sign_in(client, marc)
    assert (await client.get(f"/alertes/{saved['id']}/modifier")).status_code == 404
    deleted = await client.post(
        f"/alertes/{saved['id']}/supprimer", data={"_csrf_token": csrf}, follow_redirects=False
    )
    assert deleted.status_code == 404
    assert len((await lea.get("/api/v1/saved-searches")).json()["items"]) == 1
