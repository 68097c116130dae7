"""Every write on communities and memberships: creation, settings, joining, admission, roles.

Membership life cycle (one row per person and community):

    (none) --join, open policy-----> active
    (none) --join, approval policy-> pending --approve--> active
                                     pending --reject---> rejected --join--> pending (applies again)
    any    --ban--------------------> banned  --approve--> active (the ban is lifted)
    active/pending --leave--> (none)

Joining again while pending or active answers 409 (the state is shown, not changed); a banned
person gets 403. The last active admin can neither leave, be demoted nor be banned: a community
always keeps somebody to run it.
"""

from __future__ import annotations

import datetime
import enum
import re
import uuid
from collections.abc import Sequence
from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.communities.category_service import CategoryService
from marketplace.communities.category_templates import TEMPLATE_NAMES
from marketplace.communities.models import (
    Community,
    JoinPolicy,
    Membership,
    MembershipStatus,
    Role,
    Visibility,
)
from marketplace.communities.visibility import readable_communities
from marketplace.errors import Conflict, Forbidden, InvalidInput, NotFound
from marketplace.indexing.changes import record_change
from marketplace.indexing.models import ChangeSubject
from marketplace.moderation.audit import record_audit
from marketplace.moderation.audit_model import AuditAction
from marketplace.notifications.models import NotificationKind
from marketplace.notifications.record import notify
from marketplace.web.i18n import gettext as _

SLUG_PATTERN = re.compile(r"^[a-z0-9-]{3,64}$")
# Paths of the pages under /communities/ that a slug must not shadow.
RESERVED_SLUGS = frozenset({"new"})
NAME_MAX = 120
LONG_TEXT_MAX = 5000
QUESTION_MAX = 500
ANSWER_MAX = 2000
MESSAGE_MAX = 1000
AREA_MAX = 80
AREAS_MAX = 50
LIFETIME_MIN, LIFETIME_MAX = 1, 365
ACTIVE_LISTINGS_MAX = 1000  # the highest cap an admin may set (0: no cap)
REPOST_DELAY_MAX = 365  # days (0: no delay)

# The fields an admin may change after creation (the slug is part of every URL: it stays).
EDITABLE_FIELDS = (
    "name",
    "description",
    "rules",
    "visibility",
    "join_policy",
    "join_question",
    "pickup_areas",
    "listing_lifetime_days",
    "max_active_listings",
    "repost_delay_days",
)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def clean_pickup_areas(areas: Sequence[str]) -> list[str]:
    """Trimmed, without blanks nor duplicates (case-insensitively), in the order given."""
    seen: set[str] = set()
    cleaned: list[str] = []
    for area in areas:
        area = " ".join(str(area).split())
        if area and area.casefold() not in seen:
            seen.add(area.casefold())
            cleaned.append(area)
    return cleaned


def _clean_message(message: str) -> str:
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise InvalidInput("message", _("Le message doit faire au plus %(max)s caractères.", max=MESSAGE_MAX))
    return message


def _check_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The cleaned values of the community fields present in ``fields``, or InvalidInput."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key in ("name", "description", "rules", "join_question"):
        if key in fields:
            cleaned[key] = str(fields[key] or "").strip()
    if "name" in cleaned:
        if not cleaned["name"]:
            errors["name"] = _("Indiquez le nom du groupe.")
        elif len(cleaned["name"]) > NAME_MAX:
            errors["name"] = _("Le nom doit faire au plus %(max)s caractères.", max=NAME_MAX)
    for key in ("description", "rules"):
        if len(cleaned.get(key, "")) > LONG_TEXT_MAX:
            errors[key] = _("Ce texte doit faire au plus %(max)s caractères.", max=LONG_TEXT_MAX)
    if len(cleaned.get("join_question", "")) > QUESTION_MAX:
        errors["join_question"] = _("La question doit faire au plus %(max)s caractères.", max=QUESTION_MAX)
    if "visibility" in fields:
        try:
            cleaned["visibility"] = Visibility(str(fields["visibility"]))
        except ValueError:
            errors["visibility"] = _("Visibilité inconnue : « public » ou « members ».")
    if "join_policy" in fields:
        try:
            cleaned["join_policy"] = JoinPolicy(str(fields["join_policy"]))
        except ValueError:
            errors["join_policy"] = _("Mode d'adhésion inconnu : « open » ou « approval ».")
    if "pickup_areas" in fields:
        areas = clean_pickup_areas(fields["pickup_areas"] or [])
        if any(len(area) > AREA_MAX for area in areas):
            errors["pickup_areas"] = _("Un quartier doit faire au plus %(max)s caractères.", max=AREA_MAX)
        elif len(areas) > AREAS_MAX:
            errors["pickup_areas"] = _("%(max)s quartiers au plus.", max=AREAS_MAX)
        cleaned["pickup_areas"] = areas
    if "listing_lifetime_days" in fields:
        days = fields["listing_lifetime_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not LIFETIME_MIN <= days <= LIFETIME_MAX:
            errors["listing_lifetime_days"] = _(
                "La durée de vie d'une annonce va de %(min)s à %(max)s jours.",
                min=LIFETIME_MIN,
                max=LIFETIME_MAX,
            )
        else:
            cleaned["listing_lifetime_days"] = days
    bounded = (
        (
            "max_active_listings",
            ACTIVE_LISTINGS_MAX,
            _("Le nombre maximal d'annonces en ligne par membre va de 0 (sans limite) à %(max)s."),
        ),
        (
            "repost_delay_days",
            REPOST_DELAY_MAX,
            _("Le délai avant de republier une annonce semblable va de 0 (aucun) à %(max)s jours."),
        ),
    )
    for key, high, message in bounded:
        if key in fields:
            value = fields[key]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
                errors[key] = message % {"max": high}
            else:
                cleaned[key] = value
    if errors:
        raise InvalidInput.many(errors)
    return cleaned


class CommunityService(SQLAlchemyAsyncRepositoryService[Community]):
    class Repo(SQLAlchemyAsyncRepository[Community]):
        model_type = Community

    repository_type = Repo

    # --- communities ---------------------------------------------------------------------------

    async def create_community(
        self,
        *,
        creator: User | None,
        slug: str,
        name: str,
        description: str = "",
        rules: str = "",
        visibility: str = "public",
        join_policy: str = "open",
        join_question: str = "",
        pickup_areas: Sequence[str] = (),
        template: str = "none",
        listing_lifetime_days: int = 30,
    ) -> Community:
        """A new community; ``creator`` becomes its active admin; ``template`` seeds its categories."""
        slug = slug.strip()
        errors: dict[str, str] = {}
        if not SLUG_PATTERN.match(slug):
            errors["slug"] = _(
                "L'identifiant fait 3 à 64 caractères : lettres minuscules, chiffres et tirets."
            )
        elif slug in RESERVED_SLUGS:
            errors["slug"] = _("Cet identifiant est réservé, choisissez-en un autre.")
        if template not in TEMPLATE_NAMES:
            errors["template"] = _("Modèle inconnu : « vide-grenier », « vide-dressing » ou « none ».")
        try:
            fields = _check_fields(
                {
                    "name": name,
                    "description": description,
                    "rules": rules,
                    "visibility": visibility,
                    "join_policy": join_policy,
                    "join_question": join_question,
                    "pickup_areas": list(pickup_areas),
                    "listing_lifetime_days": listing_lifetime_days,
                }
            )
        except InvalidInput as error:
            errors.update(error.field_errors)
        if errors:
            raise InvalidInput.many(errors)
        if await self.get_one_or_none(Community.slug == slug) is not None:
            raise Conflict(_("Un groupe utilise déjà l'identifiant « %(slug)s ».", slug=slug))
        community = Community(slug=slug, **fields)
        try:
            community = await self.create(community)
        except IntegrityError as error:  # the same slug created concurrently
            raise Conflict(_("Un groupe utilise déjà l'identifiant « %(slug)s ».", slug=slug)) from error
        if creator is not None:
            now = _now()
            self.repository.session.add(
                Membership(
                    community_id=community.id,
                    user_id=creator.id,
                    role=Role.ADMIN,
                    status=MembershipStatus.ACTIVE,
                    decided_by_id=creator.id,
                    decided_at=now,
                )
            )
        await CategoryService(session=self.repository.session).seed(community.id, template)
        await self.repository.session.flush()
        return community

    async def update_community(
        self, community: Community, actor: User | None = None, **changes: Any
    ) -> Community:
        """Change the settings named in ``changes`` (any of ``EDITABLE_FIELDS``).

        A new name or visibility changes what readers find: it is recorded for the search index.
        What changed lands in the community's audit log, with ``actor``."""
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise InvalidInput(sorted(unknown)[0], _("Ce champ ne se modifie pas."))
        seen_before = (community.name, community.visibility)
        changed: dict[str, Any] = {}
        for key, value in _check_fields(changes).items():
            if getattr(community, key) != value:
                changed[key] = value.value if isinstance(value, enum.Enum) else value
            setattr(community, key, value)
        if changed:
            record_audit(
                self.repository.session,
                community_id=community.id,
                actor_id=actor.id if actor is not None else None,
                action=AuditAction.SETTINGS_CHANGED,
                details={"fields": sorted(changed), "values": changed},
            )
        if (community.name, community.visibility) != seen_before:
            # Who may find its listings, or the name they show: the index must hear of it.
            record_change(self.repository.session, ChangeSubject.COMMUNITY, community.id)
        return await self.update(community)

    async def by_slug(self, slug: str) -> Community:
        """The community with this slug (existence is public; its content is not)."""
        community = await self.get_one_or_none(Community.slug == slug)
        if community is None:
            raise NotFound(_("Ce groupe n'existe pas."))
        return community

    async def page_of_communities(self, page: int, per_page: int) -> tuple[list[Community], int]:
        """Every community, members-only ones included (their existence is public), by name."""
        session = self.repository.session
        total = await session.scalar(select(func.count()).select_from(Community)) or 0
        rows = await session.scalars(
            select(Community)
            .order_by(Community.name, Community.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        return list(rows), total

    async def members_only_to_ask(self, viewer: Viewer, limit: int) -> list[tuple[Community, bool]]:
        """The members-only groups whose content ``viewer`` may not read (the visibility rule's
        own sub-query), but those they are banned from, by name; True for those they have
        already asked to join (a listing's 404 offers them). None for nobody signed in."""
        user_id = viewer.user_id
        if user_id is None:
            return []
        rows = await self.repository.session.execute(
            select(Community, Membership.status)
            .outerjoin(
                Membership, and_(Membership.community_id == Community.id, Membership.user_id == user_id)
            )
            .where(
                Community.visibility == Visibility.MEMBERS,
                Community.id.not_in(readable_communities(viewer)),
                or_(Membership.status.is_(None), Membership.status != MembershipStatus.BANNED),
            )
            .order_by(Community.name, Community.id)
            .limit(limit)
        )
        return [(community, status == MembershipStatus.PENDING) for community, status in rows.unique()]

    async def communities_of(self, user: User) -> list[Community]:
        """The communities where ``user`` is an active member (where they may post)."""
        rows = await self.repository.session.scalars(
            select(Community)
            .join(Membership, Membership.community_id == Community.id)
            .where(Membership.user_id == user.id, Membership.status == MembershipStatus.ACTIVE)
            .order_by(Community.name)
        )
        return list(rows)

    # --- memberships: reading ------------------------------------------------------------------

    async def membership(self, community_id: uuid.UUID, user_id: uuid.UUID) -> Membership | None:
        return await self.repository.session.scalar(
            select(Membership).where(Membership.community_id == community_id, Membership.user_id == user_id)
        )

    async def memberships_of(
        self, user_id: uuid.UUID | None, community_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Membership]:
        """The user's membership in each of these communities that they have one in."""
        if user_id is None or not community_ids:
            return {}
        rows = await self.repository.session.scalars(
            select(Membership).where(
                Membership.user_id == user_id, Membership.community_id.in_(list(community_ids))
            )
        )
        return {row.community_id: row for row in rows}

    async def active_role(self, community_id: uuid.UUID, user_id: uuid.UUID) -> Role | None:
        membership = await self.membership(community_id, user_id)
        if membership is None or membership.status != MembershipStatus.ACTIVE:
            return None
        return membership.role

    async def is_moderator(self, community_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        return await self.active_role(community_id, user_id) in (Role.MODERATOR, Role.ADMIN)

    async def require_member(self, community: Community, user: User) -> Membership:
        """The user's active membership, or 403 telling them to join first."""
        membership = await self.membership(community.id, user.id)
        if membership is None or membership.status != MembershipStatus.ACTIVE:
            raise Forbidden(
                _("Rejoignez le groupe « %(name)s » pour publier ou participer.", name=community.name)
            )
        return membership

    async def page_of_members(
        self, community: Community, status: MembershipStatus | None, page: int, per_page: int
    ) -> tuple[list[Membership], int]:
        """Memberships of the community, oldest first (applicants are handled in order)."""
        conditions = [Membership.community_id == community.id]
        if status is not None:
            conditions.append(Membership.status == status)
        session = self.repository.session
        total = await session.scalar(select(func.count()).select_from(Membership).where(*conditions)) or 0
        rows = await session.scalars(
            select(Membership)
            .where(*conditions)
            .order_by(Membership.created_at, Membership.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        return list(rows.unique()), total

    async def _active_admin_count(self, community_id: uuid.UUID) -> int:
        count = await self.repository.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(
                Membership.community_id == community_id,
                Membership.role == Role.ADMIN,
                Membership.status == MembershipStatus.ACTIVE,
            )
        )
        return count or 0

    async def _is_last_admin(self, membership: Membership) -> bool:
        return (
            membership.role == Role.ADMIN
            and membership.status == MembershipStatus.ACTIVE
            and await self._active_admin_count(membership.community_id) <= 1
        )

    async def _target(self, community: Community, user_id: uuid.UUID) -> Membership:
        membership = await self.membership(community.id, user_id)
        if membership is None:
            raise NotFound(_("Cette personne n'est pas membre du groupe et n'a pas demandé à le rejoindre."))
        return membership

    # --- memberships: the member's own actions -------------------------------------------------

    async def join(self, community: Community, user: User, answer: str = "") -> Membership:
        """Join (open policy) or apply (approval policy, with the answer to the join question)."""
        answer = (answer or "").strip()
        existing = await self.membership(community.id, user.id)
        if existing is not None:
            if existing.status == MembershipStatus.BANNED:
                raise Forbidden(_("Vous avez été exclu de ce groupe : vous ne pouvez pas le rejoindre."))
            if existing.status == MembershipStatus.ACTIVE:
                raise Conflict(_("Vous êtes déjà membre de ce groupe."))
            if existing.status == MembershipStatus.PENDING:
                raise Conflict(_("Votre demande est déjà en attente de validation."))
        needs_approval = community.join_policy == JoinPolicy.APPROVAL
        if needs_approval and community.join_question.strip() and not answer:
            raise InvalidInput("answer", _("Répondez à la question pour demander à rejoindre le groupe."))
        if len(answer) > ANSWER_MAX:
            raise InvalidInput(
                "answer", _("La réponse doit faire au plus %(max)s caractères.", max=ANSWER_MAX)
            )
        membership = existing or Membership(community_id=community.id, user_id=user.id)
        membership.role = Role.MEMBER
        membership.answer = answer
        membership.decision_message = ""
        membership.decided_by_id = None
        if needs_approval:
            membership.status = MembershipStatus.PENDING
            membership.decided_at = None
        else:
            membership.status = MembershipStatus.ACTIVE
            membership.decided_at = _now()
            # Back in the group: listings they wrote before leaving are findable again.
            record_change(self.repository.session, ChangeSubject.AUTHOR, user.id)
        session = self.repository.session
        session.add(membership)
        await session.flush()
        await session.refresh(membership)
        return membership

    async def leave(self, community: Community, user: User) -> None:
        """Leave the community, or withdraw a pending application."""
        membership = await self.membership(community.id, user.id)
        if membership is None or membership.status not in (MembershipStatus.ACTIVE, MembershipStatus.PENDING):
            raise Conflict(_("Vous n'êtes pas membre de ce groupe."))
        if await self._is_last_admin(membership):
            raise Conflict(
                _(
                    "Vous êtes le dernier administrateur de ce groupe : nommez d'abord un autre "
                    "administrateur avant de le quitter."
                )
            )
        await self.repository.session.delete(membership)
        # Their listings there are no longer findable (see indexing/documents.py ``findable``).
        record_change(self.repository.session, ChangeSubject.AUTHOR, user.id)
        await self.repository.session.flush()

    async def forget_refusal(self, membership: Membership) -> None:
        """Remove a refused or banned membership (an account deleted: only this record remains)."""
        if membership.status in (MembershipStatus.ACTIVE, MembershipStatus.PENDING):
            raise Conflict(_("Cette adhésion est en cours : quittez d'abord le groupe."))
        await self.repository.session.delete(membership)
        await self.repository.session.flush()

    # --- memberships: decisions of moderators and admins ---------------------------------------

    async def approve(self, community: Community, actor: User, user_id: uuid.UUID) -> Membership:
        """Admit a pending (or previously rejected) applicant; on a banned person, lift the ban."""
        membership = await self._target(community, user_id)
        if membership.status == MembershipStatus.ACTIVE:
            raise Conflict(_("Cette personne est déjà membre du groupe."))
        lifted = membership.status == MembershipStatus.BANNED
        decided = await self._decide(membership, actor, MembershipStatus.ACTIVE, "")
        self._audit(decided, AuditAction.MEMBER_APPROVED, details={"ban_lifted": True} if lifted else None)
        await self._tell_decision(community, decided, "membership.approved")
        return decided

    async def reject(
        self, community: Community, actor: User, user_id: uuid.UUID, message: str = ""
    ) -> Membership:
        """Turn down a pending application; the message is shown to the applicant."""
        message = _clean_message(message)
        membership = await self._target(community, user_id)
        if membership.status != MembershipStatus.PENDING:
            raise Conflict(_("Seule une demande en attente peut être refusée."))
        decided = await self._decide(membership, actor, MembershipStatus.REJECTED, message)
        self._audit(decided, AuditAction.MEMBER_REJECTED)
        await self._tell_decision(community, decided, "membership.rejected")
        return decided

    async def ban(
        self,
        community: Community,
        actor: User,
        actor_role: Role,
        user_id: uuid.UUID,
        message: str = "",
        details: dict[str, Any] | None = None,
    ) -> Membership:
        """Exclude somebody (member, applicant, or not yet either): they cannot join again.

        Only admins may ban moderators and admins, and never the last admin. ``details`` go into
        the audit line (the report that led to it)."""
        message = _clean_message(message)
        if user_id == actor.id:
            raise Conflict(_("Vous ne pouvez pas vous exclure vous-même."))
        membership = await self.membership(community.id, user_id)
        if membership is None:
            if await self.repository.session.get(User, user_id) is None:
                raise NotFound(_("Ce compte n'existe pas."))
            membership = Membership(community_id=community.id, user_id=user_id, role=Role.MEMBER)
        elif membership.status == MembershipStatus.BANNED:
            raise Conflict(_("Cette personne est déjà exclue du groupe."))
        elif membership.status == MembershipStatus.ACTIVE and membership.role in (Role.MODERATOR, Role.ADMIN):
            if actor_role != Role.ADMIN:
                raise Forbidden(_("Seul un administrateur peut exclure un modérateur ou un administrateur."))
            if await self._is_last_admin(membership):
                raise Conflict(_("Le dernier administrateur du groupe ne peut pas être exclu."))
        membership.role = Role.MEMBER
        decided = await self._decide(membership, actor, MembershipStatus.BANNED, message)
        self._audit(decided, AuditAction.MEMBER_BANNED, details=details)
        return decided

    async def set_role(
        self, community: Community, user_id: uuid.UUID, role: str, actor: User | None = None
    ) -> Membership:
        """Promote or demote an active member (admins only, checked by the caller); audited
        with ``actor``."""
        try:
            new_role = Role(role)
        except ValueError as error:
            raise InvalidInput("role", _("Rôle inconnu : « member », « moderator » ou « admin ».")) from error
        membership = await self._target(community, user_id)
        if membership.status != MembershipStatus.ACTIVE:
            raise Conflict(_("Seul un membre actif peut changer de rôle."))
        if new_role != Role.ADMIN and await self._is_last_admin(membership):
            raise Conflict(
                _("C'est le dernier administrateur du groupe : nommez d'abord un autre administrateur.")
            )
        previous = membership.role
        membership.role = new_role
        if previous != new_role:
            record_audit(
                self.repository.session,
                community_id=community.id,
                actor_id=actor.id if actor is not None else None,
                action=AuditAction.MEMBER_ROLE,
                subject_user_id=membership.user_id,
                details={"from": previous.value, "to": new_role.value},
            )
        await self.repository.session.flush()
        return membership

    def _audit(
        self, membership: Membership, action: AuditAction, details: dict[str, Any] | None = None
    ) -> None:
        """The decision just made on ``membership``, in its community's audit log."""
        record_audit(
            self.repository.session,
            community_id=membership.community_id,
            actor_id=membership.decided_by_id,
            action=action,
            subject_user_id=membership.user_id,
            reason=membership.decision_message,
            details=details,
        )

    async def _tell_decision(self, community: Community, membership: Membership, event: str) -> None:
        """The applicant learns the decision (in their list, and by e-mail if they chose it)."""
        await notify(
            self.repository.session,
            recipient_id=membership.user_id,
            kind=NotificationKind.MEMBERSHIP,
            event=event,
            actor_id=membership.decided_by_id,
            data={
                "community_name": community.name,
                "community_slug": community.slug,
                "message": membership.decision_message,
            },
        )

    async def _decide(
        self, membership: Membership, actor: User, status: MembershipStatus, message: str
    ) -> Membership:
        if status != membership.status:  # admitted, or banned: their listings there read differently
            record_change(self.repository.session, ChangeSubject.AUTHOR, membership.user_id)
        membership.status = status
        membership.decision_message = message
        membership.decided_by_id = actor.id
        membership.decided_at = _now()
        session = self.repository.session
        session.add(membership)
        await session.flush()
        await session.refresh(membership)
        return membership
