"""The audit log of a community: every membership decision and moderation action, who, what, when
and why, read by its admins only, and never changed once written."""

from __future__ import annotations

import pytest
from litestar import Litestar
from sqlalchemy import select

from marketplace.moderation.audit_model import AppendOnly, AuditEntry
from marketplace.operations import transaction
from tests.stories import Board

pytestmark = pytest.mark.anyio

SLUG = "vide-dressing-test"
AUDIT = f"/api/v1/communities/{SLUG}/audit"


async def test_membership_decisions_are_audited_with_who_what_when_and_why(board: Board) -> None:
    await board.community(SLUG, visibility="members", join_policy="approval")
    root = await board.root()
    ana = await board.member("ana", SLUG, role="admin")  # approved by root, then made an admin
    for name in ("paul", "rita", "ben"):
        joined = await (await board.someone(name)).post(
            f"/api/v1/communities/{SLUG}/join", json={"answer": "Jourdain"}
        )
        assert joined.status_code == 201
    paul, rita, ben = [await board.someone(name) for name in ("paul", "rita", "ben")]
    base = f"/api/v1/communities/{SLUG}/members"
    assert (await ana.post(f"{base}/{paul.id}/approve")).status_code == 200
    assert (await ana.post(f"{base}/{rita.id}/reject", json={"message": "Hors du 20e"})).status_code == 200
    assert (await ana.post(f"{base}/{ben.id}/ban", json={"message": "Faux profil"})).status_code == 200
    assert (await ana.post(f"{base}/{paul.id}/role", json={"role": "moderator"})).status_code == 200
    assert (await ana.post(f"{base}/{ben.id}/approve")).status_code == 200  # the ban lifted
    response = await ana.get(AUDIT)
    assert response.status_code == 200, response.text
    lines = response.json()["items"]
    assert [(line["action"], line["actor_name"], line["subject_name"], line["reason"]) for line in lines] == [
        ("member.approved", "Ana", "Ben", ""),
        ("member.role", "Ana", "Paul", ""),
        ("member.banned", "Ana", "Ben", "Faux profil"),
        ("member.rejected", "Ana", "Rita", "Hors du 20e"),
        ("member.approved", "Ana", "Paul", ""),
        ("member.role", "Root", "Ana", ""),
        ("member.approved", "Root", "Ana", ""),
    ]
    assert lines[0]["details"] == {"ban_lifted": True}
    assert lines[1]["details"] == {"from": "member", "to": "moderator"}
    assert lines[1]["label"] == "Rôle changé"
    assert all(line["created_at"] for line in lines)
    assert response.json()["total"] == 7
    # The page says the same, in French.
    page = await ana.client.get(f"/communities/{SLUG}/audit", headers=ana.headers)
    assert page.status_code == 200
    assert "Demande d&#39;adhésion refusée" in page.text and "Hors du 20e" in page.text
    assert "Membre → Modérateur" in page.text
    # Its admins read it: a moderator, a member, an outsider get the 404 of hidden content.
    missing = await root.get("/api/v1/communities/groupe-inconnu/audit")
    for who in (paul, ben, await board.someone("olga")):
        refused = await who.get(AUDIT)
        assert refused.status_code == 404 and refused.json()["detail"] == missing.json()["detail"]
        assert (await who.client.get(f"/communities/{SLUG}/audit", headers=who.headers)).status_code == 404


async def test_an_audit_line_is_never_changed_nor_deleted(board: Board, app: Litestar) -> None:
    await board.community(SLUG, join_policy="approval")
    await board.member("ana", SLUG)
    async with transaction(app.state.settings) as session:
        (line,) = (await session.scalars(select(AuditEntry))).all()
        line.reason = "réécrit"
        with pytest.raises(AppendOnly):
            await session.flush()
        await session.rollback()
    async with transaction(app.state.settings) as session:
        (line,) = (await session.scalars(select(AuditEntry))).all()
        assert line.reason == ""
        await session.delete(line)
        with pytest.raises(AppendOnly):
            await session.flush()
        await session.rollback()
