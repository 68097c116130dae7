"""Joining, admission, bans, roles and leaving: the life of a membership, through the API."""

from __future__ import annotations

from typing import Any

import pytest

from tests.stories import Board

pytestmark = pytest.mark.anyio

QUESTION = "Dans quel quartier du 20e habitez-vous ?"


@pytest.fixture
async def dressing(board: Board) -> dict[str, Any]:
    """A members-only community that admits on approval, with a join question."""
    return await board.community(
        "vide-dressing", visibility="members", join_policy="approval", join_question=QUESTION
    )


async def members(who: Any, status: str = "") -> Any:
    query = f"?status={status}" if status else ""
    return await who.get(f"/api/v1/communities/vide-dressing/members{query}")


async def test_joining_an_open_community_makes_an_active_member(board: Board) -> None:
    await board.community("vide-grenier")
    alice = await board.someone("alice")
    response = await alice.post("/api/v1/communities/vide-grenier/join", json={})
    assert response.status_code == 201
    assert response.json()["status"] == "active" and response.json()["role"] == "member"
    mine = (await alice.get("/api/v1/communities/vide-grenier")).json()["my_membership"]
    assert mine["status"] == "active"


async def test_joining_needs_an_account(board: Board, client: Any) -> None:
    await board.community("vide-grenier")
    response = await client.post("/api/v1/communities/vide-grenier/join", json={})
    assert response.status_code == 401


async def test_applying_to_an_approval_community_leaves_a_pending_application_with_the_answer(
    dressing: Any, board: Board
) -> None:
    alice = await board.someone("alice")
    response = await alice.post("/api/v1/communities/vide-dressing/join", json={"answer": "Rue des Pyrénées"})
    assert response.status_code == 201
    assert response.json()["status"] == "pending" and response.json()["answer"] == "Rue des Pyrénées"
    # Still a non-member: the community's content stays hidden.
    assert (await alice.get("/api/v1/communities/vide-dressing/categories")).status_code == 404


async def test_the_answer_is_required_when_the_community_asks_a_question(dressing: Any, board: Board) -> None:
    alice = await board.someone("alice")
    for body in ({}, {"answer": "   "}):
        response = await alice.post("/api/v1/communities/vide-dressing/join", json=body)
        assert response.status_code == 400
        assert response.json()["extra"][0]["key"] == "answer"
    assert (await alice.get("/api/v1/communities/vide-dressing")).json()["my_membership"] is None


async def test_applying_twice_answers_409_and_keeps_the_application(dressing: Any, board: Board) -> None:
    alice = await board.someone("alice")
    await alice.post("/api/v1/communities/vide-dressing/join", json={"answer": "Belleville"})
    again = await alice.post("/api/v1/communities/vide-dressing/join", json={"answer": "Autre"})
    assert again.status_code == 409 and "attente" in again.json()["detail"]
    assert (await alice.get("/api/v1/communities/vide-dressing")).json()["my_membership"][
        "answer"
    ] == "Belleville"


async def test_moderator_sees_pending_applicants_with_their_answers_and_approves(
    dressing: Any, root: Any, board: Board
) -> None:
    alice, bruno = await board.someone("alice"), await board.someone("bruno")
    await alice.post("/api/v1/communities/vide-dressing/join", json={"answer": "Rue des Pyrénées"})
    await bruno.post("/api/v1/communities/vide-dressing/join", json={"answer": "Place Gambetta"})

    pending = await members(root, "pending")
    assert pending.status_code == 200
    body = pending.json()
    assert body["total"] == 2 and body["page"] == 1
    first = body["items"][0]
    assert first["user_id"] == alice.id and first["display_name"] == "Alice"
    assert first["answer"] == "Rue des Pyrénées" and first["status"] == "pending"
    assert first["id"] and first["created_at"] and first["decided_at"] is None

    approved = await root.post(f"/api/v1/communities/vide-dressing/members/{alice.id}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "active"
    assert approved.json()["decided_at"]
    assert (await alice.get("/api/v1/communities/vide-dressing/categories")).status_code == 200
    assert [item["user_id"] for item in (await members(root, "pending")).json()["items"]] == [bruno.id]
    active = {item["user_id"] for item in (await members(root, "active")).json()["items"]}
    assert active == {root.id, alice.id}


async def test_members_list_is_refused_to_members_404_to_outsiders_and_401_anonymous(
    dressing: Any, root: Any, board: Board, client: Any
) -> None:
    alice, outsider = await board.member("alice", "vide-dressing"), await board.someone("outsider")
    assert (await members(alice)).status_code == 403
    assert (await members(outsider)).status_code == 404
    assert (await client.get("/api/v1/communities/vide-dressing/members")).status_code == 401
    assert (await members(root, "nonsense")).status_code == 400


async def test_a_rejected_applicant_sees_the_message_and_may_apply_again(
    dressing: Any, root: Any, board: Board
) -> None:
    alice = await board.someone("alice")
    await alice.post("/api/v1/communities/vide-dressing/join", json={"answer": "Je suis à Montreuil"})
    rejected = await root.post(
        f"/api/v1/communities/vide-dressing/members/{alice.id}/reject",
        json={"message": "Le groupe est réservé aux habitants du 20e."},
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    mine = (await alice.get("/api/v1/communities/vide-dressing")).json()["my_membership"]
    assert mine["status"] == "rejected"
    assert mine["decision_message"] == "Le groupe est réservé aux habitants du 20e."

    again = await alice.post(
        "/api/v1/communities/vide-dressing/join", json={"answer": "J'ai déménagé rue Orfila"}
    )
    assert again.status_code == 201 and again.json()["status"] == "pending"
    assert again.json()["decision_message"] == ""


async def test_only_a_pending_application_can_be_rejected(dressing: Any, root: Any, board: Board) -> None:
    alice = await board.member("alice", "vide-dressing")
    response = await root.post(f"/api/v1/communities/vide-dressing/members/{alice.id}/reject", json={})
    assert response.status_code == 409


async def test_a_banned_person_cannot_join_again(dressing: Any, root: Any, board: Board) -> None:
    alice = await board.member("alice", "vide-dressing")
    banned = await root.post(
        f"/api/v1/communities/vide-dressing/members/{alice.id}/ban", json={"message": "Revente abusive."}
    )
    assert banned.status_code == 200 and banned.json()["status"] == "banned"
    assert (await alice.get("/api/v1/communities/vide-dressing/categories")).status_code == 404

    again = await alice.post("/api/v1/communities/vide-dressing/join", json={"answer": "Pardon"})
    assert again.status_code == 403 and "exclu" in again.json()["detail"]
    assert [item["user_id"] for item in (await members(root, "banned")).json()["items"]] == [alice.id]


async def test_admin_promotes_a_member_to_moderator_who_can_then_approve(
    dressing: Any, root: Any, board: Board
) -> None:
    mona, alice = await board.member("mona", "vide-dressing"), await board.someone("alice")
    await alice.post("/api/v1/communities/vide-dressing/join", json={"answer": "Charonne"})
    assert (
        await mona.post(f"/api/v1/communities/vide-dressing/members/{alice.id}/approve")
    ).status_code == 403

    promoted = await root.post(
        f"/api/v1/communities/vide-dressing/members/{mona.id}/role", json={"role": "moderator"}
    )
    assert promoted.status_code == 200 and promoted.json()["role"] == "moderator"
    assert (await members(mona, "pending")).status_code == 200
    approved = await mona.post(f"/api/v1/communities/vide-dressing/members/{alice.id}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "active"


async def test_a_moderator_can_neither_change_roles_nor_ban_an_admin(
    dressing: Any, root: Any, board: Board
) -> None:
    mona = await board.member("mona", "vide-dressing", role="moderator")
    alice = await board.member("alice", "vide-dressing")

    promote = await mona.post(
        f"/api/v1/communities/vide-dressing/members/{alice.id}/role", json={"role": "moderator"}
    )
    assert promote.status_code == 403
    ban_admin = await mona.post(f"/api/v1/communities/vide-dressing/members/{root.id}/ban", json={})
    assert ban_admin.status_code == 403
    ban_member = await mona.post(f"/api/v1/communities/vide-dressing/members/{alice.id}/ban", json={})
    assert ban_member.status_code == 200


async def test_unknown_role_is_refused_naming_the_field(dressing: Any, root: Any) -> None:
    response = await root.post(
        f"/api/v1/communities/vide-dressing/members/{root.id}/role", json={"role": "king"}
    )
    assert response.status_code == 400 and response.json()["extra"][0]["key"] == "role"


async def test_the_last_admin_can_neither_leave_nor_be_demoted(
    dressing: Any, root: Any, board: Board
) -> None:
    leave = await root.post("/api/v1/communities/vide-dressing/leave")
    assert leave.status_code == 409 and "administrateur" in leave.json()["detail"]
    demote = await root.post(
        f"/api/v1/communities/vide-dressing/members/{root.id}/role", json={"role": "member"}
    )
    assert demote.status_code == 409

    alice = await board.member("alice", "vide-dressing", role="admin")
    # With a second admin, the first one may go.
    leave = await root.post("/api/v1/communities/vide-dressing/leave")
    assert leave.status_code == 200 and leave.json()["my_membership"] is None
    assert (await alice.post("/api/v1/communities/vide-dressing/leave")).status_code == 409


async def test_a_member_leaves_and_loses_access(dressing: Any, board: Board) -> None:
    alice = await board.member("alice", "vide-dressing")
    assert (await alice.get("/api/v1/communities/vide-dressing/categories")).status_code == 200
    assert (await alice.post("/api/v1/communities/vide-dressing/leave")).status_code == 200
    assert (await alice.get("/api/v1/communities/vide-dressing/categories")).status_code == 404
    assert (await alice.get("/api/v1/communities/vide-dressing")).json()["my_membership"] is None
    assert (await alice.post("/api/v1/communities/vide-dressing/leave")).status_code == 409


async def test_deciding_on_somebody_who_never_applied_answers_404(
    dressing: Any, root: Any, board: Board
) -> None:
    alice = await board.someone("alice")
    response = await root.post(f"/api/v1/communities/vide-dressing/members/{alice.id}/approve")
    assert response.status_code == 404
