"""``/api/v1/saved-searches``: a member saves ``q`` and the search's filters with a frequency,
lists, edits, pauses and deletes them; bad input is a 400 in French; somebody else's is a 404."""

from __future__ import annotations

import pytest

from tests.stories import Board

pytestmark = pytest.mark.anyio

DRESSING = "vide-dressing-test"


async def test_a_member_saves_lists_edits_pauses_and_deletes_a_search(board: Board) -> None:
    await board.community(DRESSING, template="vide-dressing")
    lea = await board.member("lea", DRESSING)
    category = await board.category_id("Vêtements bébé", DRESSING)
    created = await lea.post(
        "/api/v1/saved-searches",
        json={"q": "  body   manches longues ", "community": [DRESSING], "category": [category],
              "size": ["2 ans"], "kind": ["give"], "frequency": "daily", "digest_hour": 8},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    saved = created.json()
    assert saved["q"] == "body manches longues"
    assert saved["size"] == ["24 mois"]  # the point of the scale "2 ans" is
    assert saved["frequency"] == "daily" and saved["next_digest_at"] is not None
    assert saved["name"] == "body manches longues · 24 mois"
    listed = await lea.get("/api/v1/saved-searches")
    assert [item["id"] for item in listed.json()["items"]] == [saved["id"]]

    edited = await lea.patch(
        f"/api/v1/saved-searches/{saved['id']}", json={"q": "pyjama", "frequency": "off"}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["q"] == "pyjama" and edited.json()["frequency"] == "off"
    assert edited.json()["size"] == ["24 mois"]  # what the patch did not name stays
    assert edited.json()["next_digest_at"] is None
    assert edited.json()["name"] == "pyjama · 24 mois"  # a made-up name follows the query

    gone = await lea.delete(f"/api/v1/saved-searches/{saved['id']}")
    assert gone.status_code == 204
    assert (await lea.get("/api/v1/saved-searches")).json()["items"] == []


async def test_bad_input_is_refused_in_french(board: Board) -> None:
    await board.community()
    lea = await board.member("lea")
    cases = [
        ({"size": ["XXL"]}, "Taille inconnue"),
        ({"min_price": 30, "max_price": 10}, "Le prix minimum dépasse le prix maximum"),
        ({"q": "poussette", "size_step_months": 3}, "Choisissez une taille"),
        ({"size": ["3 mois"], "size_step_months": 5}, "La taille peut avancer"),
        ({"condition": ["cassé"]}, "Valeur inconnue"),
        ({"q": "a\x00b"}, "caractère invalide"),
    ]
    for body, message in cases:
        answer = await lea.post("/api/v1/saved-searches", json=body)
        assert answer.status_code == 400, (body, answer.text)
        assert message in answer.json()["detail"], (body, answer.text)
    unknown_field = await lea.post("/api/v1/saved-searches", json={"frequency": "hourly"})
    assert unknown_field.status_code == 400
    assert (await lea.get("/api/v1/saved-searches")).json()["items"] == []


async def test_a_search_only_covers_groups_the_member_may_read(board: Board) -> None:
    await board.community()
    await board.community("entre-voisines", visibility="members", join_policy="approval")
    lea = await board.member("lea")
    answer = await lea.post("/api/v1/saved-searches", json={"q": "vélo", "community": ["entre-voisines"]})
    assert answer.status_code == 400
    assert "Vous ne pouvez pas chercher dans ce groupe" in answer.json()["detail"]


async def test_somebody_elses_saved_search_is_not_found(board: Board) -> None:
    await board.community()
    lea = await board.member("lea")
    marc = await board.member("marc")
    saved = (await lea.post("/api/v1/saved-searches", json={"q": "vélo"})).json()
    assert (await marc.patch(f"/api/v1/saved-searches/{saved['id']}", json={"q": "x"})).status_code == 404
    assert (await marc.delete(f"/api/v1/saved-searches/{saved['id']}")).status_code == 404
    assert (await marc.get("/api/v1/saved-searches")).json()["items"] == []
    assert (await lea.get("/api/v1/saved-searches")).json()["items"][0]["q"] == "vélo"


async def test_saved_searches_need_an_account(board: Board) -> None:
    await board.community()
    lea = await board.member("lea")
    answer = await lea.client.get("/api/v1/saved-searches")
    assert answer.status_code == 401
