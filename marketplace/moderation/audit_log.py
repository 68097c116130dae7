"""Reading a community's audit log: its admins only, newest first, each line with the names of
who decided and about whom, and a sentence that says what was decided."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.communities.guards import access_to, content_missing
from marketplace.communities.models import Community
from marketplace.moderation.audit_model import AuditAction, AuditEntry
from marketplace.web.i18n import N_
from marketplace.web.i18n import gettext as _

ACTION_LABELS: dict[AuditAction, str] = {
    AuditAction.MEMBER_APPROVED: N_("Adhésion acceptée"),
    AuditAction.MEMBER_REJECTED: N_("Demande d'adhésion refusée"),
    AuditAction.MEMBER_BANNED: N_("Membre exclu du groupe"),
    AuditAction.MEMBER_ROLE: N_("Rôle changé"),
    AuditAction.SETTINGS_CHANGED: N_("Réglages du groupe modifiés"),
    AuditAction.LISTING_REMOVED: N_("Annonce supprimée"),
    AuditAction.AUTHOR_WARNED: N_("Auteur averti"),
    AuditAction.REPORT_DISMISSED: N_("Signalement classé sans suite"),
}


ROLE_LABELS = {"member": N_("Membre"), "moderator": N_("Modérateur"), "admin": N_("Administrateur")}


def action_label(action: AuditAction | str) -> str:
    return _(ACTION_LABELS[AuditAction(str(action))])


def role_change(details: dict[str, object]) -> str:
    """ "Membre → Modérateur", from a role line's details."""
    before, after = str(details.get("from", "")), str(details.get("to", ""))
    return f"{_(ROLE_LABELS.get(before, before))} → {_(ROLE_LABELS.get(after, after))}"


@dataclass(frozen=True)
class AuditLine:
    entry: AuditEntry
    actor_name: str
    subject_name: str

    @property
    def label(self) -> str:
        return action_label(self.entry.action)


async def require_admin(session: AsyncSession, viewer: Viewer, community: Community) -> None:
    """The community's admins (and site admins) read its log; anybody else: the 404 of hidden content."""
    if not (await access_to(session, viewer, community)).is_admin:
        raise content_missing()


async def audit_page(
    session: AsyncSession, viewer: Viewer, community: Community, page: int, per_page: int
) -> tuple[list[AuditLine], int]:
    """One page of ``community``'s audit log, newest first, and how many lines it has."""
    await require_admin(session, viewer, community)
    where = AuditEntry.community_id == community.id
    total = await session.scalar(select(func.count()).select_from(AuditEntry).where(where)) or 0
    rows = list(
        await session.scalars(
            select(AuditEntry)
            .where(where)
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    people: set[uuid.UUID] = {row.actor_id for row in rows if row.actor_id} | {
        row.subject_user_id for row in rows if row.subject_user_id
    }
    names: dict[uuid.UUID, str] = {}
    if people:
        found = await session.execute(select(User.id, User.display_name).where(User.id.in_(people)))
        names = {user_id: name for user_id, name in found.all()}
    unknown = _("Compte supprimé")
    return [
        AuditLine(
            row,
            names.get(row.actor_id, unknown) if row.actor_id else _("Le site"),
            names.get(row.subject_user_id, unknown) if row.subject_user_id else "",
        )
        for row in rows
    ], int(total)
