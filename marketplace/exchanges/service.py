"""Every write of exchanges, with its rules: interest, messages, blocks, reports, reservations,
the hand-over and its thanks, and the fair draw.

Rules, in one place:

- One conversation per listing and neighbour; asking again reopens it (their place in line is kept).
- Only its two neighbours read a conversation: anyone else gets the 404 of a missing one.
- Messages only about an available or reserved listing, never in a community where the sender
  is banned, nor (members-only) where they are not an active member; a block stops them both ways.
- Only the author reserves, and only for someone interested; un-reserving after a no-show passes
  the item to the next in line. Done (given, swapped, sold) closes the other conversations with a
  kind note and lets the recipient confirm and say merci.
- The draw: see ``exchanges/draws.py``.

The listing's status always moves through ``ListingService.change_status`` (which records the
search change in the same transaction). Notifications are written in the same transaction too;
a live event is published once the transaction commits (``db/side_effects.after_commit``).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.accounts.guards import ensure_verified
from marketplace.accounts.models import User
from marketplace.communities.models import Community, MembershipStatus, Visibility
from marketplace.communities.service import CommunityService
from marketplace.communities.visibility import may_read_community, may_see_person
from marketplace.db.side_effects import after_commit
from marketplace.errors import Conflict, Forbidden, InvalidInput, NotFound
from marketplace.exchanges import draws
from marketplace.exchanges.models import (
    BODY_MAX,
    REASON_MAX,
    Block,
    Conversation,
    Draw,
    Handover,
    Message,
    MessageReport,
    ReportStatus,
)
from marketplace.exchanges.notices import MESSAGES, RESERVATIONS, tell
from marketplace.listings.models import Listing, ListingKind, ListingStatus
from marketplace.listings.service import ListingService
from marketplace.notifications.record import mark_conversation_read
from marketplace.web.i18n import gettext as _

# Where a message may be written: the listing is still in front of the neighbours.
OPEN_FOR_MESSAGES = frozenset({ListingStatus.AVAILABLE, ListingStatus.RESERVED})
EXCERPT = 200

# (channel, data) → published to the live subscribers, after the commit.
Publisher = Callable[[str, dict[str, str]], None]


def now_utc() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def conversation_channel(conversation_id: uuid.UUID) -> str:
    # A plain identifier: PostgreSQL's LISTEN takes channel names as identifiers.
    return f"conversation_{conversation_id.hex}"


@dataclass(frozen=True)
class ConversationSummary:
    conversation: Conversation
    other: User
    last_message: Message | None
    unread: int


@dataclass(frozen=True)
class GivingRecord:
    given: int  # listings of this author done (given, swapped or sold)
    thanks: int  # hand-overs whose recipient said merci


class ExchangeService:
    def __init__(self, session: AsyncSession, live: Publisher | None = None) -> None:
        self.session = session
        self.live = live

    # --- who may talk ---------------------------------------------------------------------------

    async def _require_may_message(self, listing: Listing, user: User) -> None:
        if listing.status not in OPEN_FOR_MESSAGES:
            raise Conflict(_("Cette annonce n'est plus disponible : on ne peut plus écrire à son sujet."))
        await self._require_may_speak_in(listing.community, user)

    async def _require_may_speak_in(self, community: Community, user: User) -> None:
        membership = await CommunityService(session=self.session).membership(community.id, user.id)
        if membership is not None and membership.status == MembershipStatus.BANNED:
            raise Forbidden(_("Vous avez été exclu·e de ce groupe : vous ne pouvez plus y écrire."))
        if community.visibility == Visibility.MEMBERS and (
            membership is None or membership.status != MembershipStatus.ACTIVE
        ):
            raise Forbidden(
                _("Rejoignez le groupe « %(name)s » pour publier ou participer.", name=community.name)
            )

    async def is_blocked_between(self, one: uuid.UUID, other: uuid.UUID) -> bool:
        found = await self.session.scalar(
            select(Block.id).where(
                or_(
                    and_(Block.blocker_id == one, Block.blocked_id == other),
                    and_(Block.blocker_id == other, Block.blocked_id == one),
                )
            )
        )
        return found is not None

    async def _require_not_blocked(self, one: uuid.UUID, other: uuid.UUID) -> None:
        if await self.is_blocked_between(one, other):
            raise Forbidden(_("Vous ne pouvez pas échanger de messages avec cette personne."))

    # --- conversations ------------------------------------------------------------------------

    async def conversation_of(self, listing_id: uuid.UUID, user_id: uuid.UUID) -> Conversation | None:
        return await self.session.scalar(
            select(Conversation).where(
                Conversation.listing_id == listing_id, Conversation.interested_id == user_id
            )
        )

    async def express_interest(self, listing: Listing, user: User, message: str) -> Conversation:
        """Open (or reopen) the conversation of ``user`` about ``listing``, with a first message.

        ``listing`` is one the caller read through the visibility rule."""
        ensure_verified(user)
        if listing.author_id == user.id:
            raise Conflict(_("C'est votre propre annonce."))
        body = self._clean_body(message, field="message")
        await self._require_may_message(listing, user)
        await self._require_not_blocked(user.id, listing.author_id)
        now = now_utc()
        conversation = await self.conversation_of(listing.id, user.id)
        if conversation is None:
            conversation = Conversation(
                listing=listing,
                listing_id=listing.id,
                interested=user,
                interested_id=user.id,
                author=listing.author,
                author_id=listing.author_id,
                interested_at=now,
            )
            self.session.add(conversation)
            await self.session.flush()
        elif conversation.closed_at is not None or conversation.passed_at is not None:
            conversation.closed_at = None
            conversation.closed_note = ""
            conversation.passed_at = None
        await self._add_message(conversation, user, body, now)
        return conversation

    async def readable(self, viewer: Viewer, conversation_id: uuid.UUID) -> Conversation:
        """The conversation if ``viewer`` is one of its two neighbours; else the 404 of a missing one."""
        conversation = await self.session.get(Conversation, conversation_id)
        if conversation is None or viewer.user_id not in (conversation.author_id, conversation.interested_id):
            raise NotFound(_("Cette conversation n'existe pas."))
        return conversation

    async def messages(self, conversation: Conversation, *, limit: int = 500) -> list[Message]:
        """The last ``limit`` messages, oldest first."""
        rows = await self.session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation.id)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(limit)
        )
        return list(reversed(list(rows.unique())))

    async def send(self, conversation: Conversation, user: User, body: str) -> Message:
        """A new message from one of the two neighbours (whose address is confirmed)."""
        ensure_verified(user)
        text = self._clean_body(body, field="body")
        if conversation.closed_at is not None:
            raise Conflict(_("Cette conversation est close."))
        await self._require_may_message(conversation.listing, user)
        await self._require_not_blocked(conversation.author_id, conversation.interested_id)
        return await self._add_message(conversation, user, text, now_utc())

    @staticmethod
    def _clean_body(body: str, *, field: str) -> str:
        text = (body or "").replace("\r\n", "\n").strip()
        if not text:
            raise InvalidInput(field, _("Écrivez un message."))
        if len(text) > BODY_MAX:
            raise InvalidInput(field, _("%(count)s caractères au plus.", count=BODY_MAX))
        return text

    async def _add_message(
        self, conversation: Conversation, sender: User, body: str, now: datetime.datetime
    ) -> Message:
        message = Message(conversation_id=conversation.id, sender_id=sender.id, sender=sender, body=body)
        message.created_at = now
        self.session.add(message)
        conversation.last_message_at = now
        self._set_read(conversation, sender.id, now)
        await self.session.flush()
        recipient = conversation.other(sender.id)
        await tell(
            self.session,
            recipient_id=recipient.id,
            kind=MESSAGES,
            event="message.new",
            listing_id=conversation.listing_id,
            conversation_id=conversation.id,
            actor_id=sender.id,
            data={"excerpt": body[:EXCERPT], "listing_title": conversation.listing.title},
        )
        self._publish(
            conversation_channel(conversation.id),
            {"event": "message", "message_id": str(message.id), "sender_id": str(sender.id)},
        )
        return message

    def _publish(self, channel: str, data: dict[str, str]) -> None:
        live = self.live
        if live is not None:
            after_commit(self.session, lambda: live(channel, data))

    @staticmethod
    def _set_read(conversation: Conversation, user_id: uuid.UUID, when: datetime.datetime) -> None:
        if user_id == conversation.author_id:
            conversation.author_read_at = when
        else:
            conversation.interested_read_at = when

    async def mark_read(self, conversation: Conversation, user: User) -> None:
        """Everything in the conversation so far is read by ``user``, and so are its message
        notices (one unread count in the header, not one per badge)."""
        now = now_utc()
        self._set_read(conversation, user.id, now)
        await mark_conversation_read(self.session, user.id, conversation.id, now)
        await self.session.flush()

    def _read_at(self, conversation: Conversation, user_id: uuid.UUID) -> datetime.datetime | None:
        if user_id == conversation.author_id:
            return conversation.author_read_at
        return conversation.interested_read_at

    async def unread_count(self, conversation: Conversation, user_id: uuid.UUID) -> int:
        query = select(func.count(Message.id)).where(
            Message.conversation_id == conversation.id, Message.sender_id != user_id
        )
        read_at = self._read_at(conversation, user_id)
        if read_at is not None:
            query = query.where(Message.created_at > read_at)
        return int(await self.session.scalar(query) or 0)

    def _visible_to(self, user_id: uuid.UUID) -> list[object]:
        """Conversations of ``user_id``, less those with somebody they blocked."""
        blocked = select(Block.blocked_id).where(Block.blocker_id == user_id)
        return [
            or_(Conversation.author_id == user_id, Conversation.interested_id == user_id),
            ~and_(Conversation.author_id == user_id, Conversation.interested_id.in_(blocked)),
            ~and_(Conversation.interested_id == user_id, Conversation.author_id.in_(blocked)),
        ]

    async def summary(self, conversation: Conversation, user: User) -> ConversationSummary:
        return ConversationSummary(
            conversation=conversation,
            other=conversation.other(user.id),
            last_message=await self._last_message(conversation),
            unread=await self.unread_count(conversation, user.id),
        )

    async def _last_message(self, conversation: Conversation) -> Message | None:
        return await self.session.scalar(
            select(Message)
            .where(Message.conversation_id == conversation.id)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(1)
        )

    async def inbox(self, user: User, *, limit: int = 200) -> list[ConversationSummary]:
        """The conversations of ``user``, the most recent first, with the last message and unread count."""
        rows = await self.session.scalars(
            select(Conversation)
            .where(*self._visible_to(user.id))  # type: ignore[arg-type]
            .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
            .limit(limit)
        )
        return [await self.summary(conversation, user) for conversation in rows.unique()]

    async def unread_total(self, user_id: uuid.UUID) -> int:
        """Unread messages across the conversations ``user_id`` sees (the header's badge)."""
        mine = (
            select(
                Conversation.id,
                Conversation.author_id,
                Conversation.author_read_at,
                Conversation.interested_read_at,
            )
            .where(*self._visible_to(user_id))  # type: ignore[arg-type]
            .subquery()
        )
        # Which read mark applies: the author's side or the interested neighbour's.
        author_side = and_(
            mine.c.author_id == user_id,
            or_(mine.c.author_read_at.is_(None), Message.created_at > mine.c.author_read_at),
        )
        other_side = and_(
            mine.c.author_id != user_id,
            or_(mine.c.interested_read_at.is_(None), Message.created_at > mine.c.interested_read_at),
        )
        count = await self.session.scalar(
            select(func.count(Message.id))
            .join(mine, Message.conversation_id == mine.c.id)
            .where(Message.sender_id != user_id, or_(author_side, other_side))
        )
        return int(count or 0)

    # --- blocks and reports -------------------------------------------------------------------

    async def block(self, blocker: User, blocked_id: uuid.UUID) -> Block:
        """``blocker`` stops all messages with ``blocked_id`` (idempotent). Somebody ``blocker``
        may not know of answers like an account that does not exist."""
        if blocked_id == blocker.id:
            raise Conflict(_("Vous ne pouvez pas vous bloquer vous-même."))
        blocked = await self.session.get(User, blocked_id)
        if blocked is None or not await may_see_person(self.session, Viewer(blocker), blocked_id):
            raise NotFound(_("Ce compte n'existe pas."))
        existing = await self.session.scalar(
            select(Block).where(Block.blocker_id == blocker.id, Block.blocked_id == blocked_id)
        )
        if existing is not None:
            return existing
        block = Block(blocker_id=blocker.id, blocked_id=blocked_id)
        self.session.add(block)
        await self.session.flush()
        return block

    async def person(self, viewer: Viewer, user_id: uuid.UUID) -> User:
        """An active account ``viewer`` may know of (see ``may_see_person``), or 404."""
        person = await self.session.get(User, user_id)
        if person is None or not person.is_active or not await may_see_person(self.session, viewer, user_id):
            raise NotFound(_("Ce compte n'existe pas."))
        return person

    async def unblock(self, blocker: User, blocked_id: uuid.UUID) -> None:
        existing = await self.session.scalar(
            select(Block).where(Block.blocker_id == blocker.id, Block.blocked_id == blocked_id)
        )
        if existing is not None:
            await self.session.delete(existing)
            await self.session.flush()

    async def report(self, viewer: Viewer, message_id: uuid.UUID, reason: str) -> MessageReport:
        """Report a message of one's own conversation to the community's moderators."""
        message = await self.session.get(Message, message_id)
        try:
            if message is None:
                raise NotFound
            conversation = await self.readable(viewer, message.conversation_id)
        except NotFound:  # somebody else's message answers as one that does not exist
            raise NotFound(_("Ce message n'existe pas.")) from None
        assert viewer.user is not None
        if message.sender_id == viewer.user_id:
            raise Conflict(_("Vous ne pouvez pas signaler votre propre message."))
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput("reason", _("Dites aux modérateurs ce qui ne va pas."))
        if len(reason) > REASON_MAX:
            raise InvalidInput("reason", _("%(count)s caractères au plus.", count=REASON_MAX))
        existing = await self.session.scalar(
            select(MessageReport).where(
                MessageReport.message_id == message.id, MessageReport.reporter_id == viewer.user_id
            )
        )
        if existing is not None:
            return existing
        report = MessageReport(
            message_id=message.id,
            message=message,
            reporter_id=viewer.user.id,
            reporter=viewer.user,
            community_id=conversation.listing.community_id,
            reason=reason,
            status=ReportStatus.OPEN,
        )
        self.session.add(report)
        await self.session.flush()
        return report

    async def reports_of(self, community: Community, viewer: Viewer) -> list[MessageReport]:
        """The open reports of ``community``, newest first: its moderators only (403 to its
        members, and to an outsider the 404 of a community whose content is hidden). A moderator
        whose own message was reported does not see that report: nobody learns who reported
        them (another moderator handles it, in the moderation queue)."""
        if not await may_read_community(self.session, viewer, community):
            raise NotFound(_("Ce groupe n'existe pas ou son contenu est réservé à ses membres."))
        if not viewer.is_site_admin and (
            viewer.user_id is None
            or not await CommunityService(session=self.session).is_moderator(community.id, viewer.user_id)
        ):
            raise Forbidden(_("Réservé aux modérateurs du groupe."))
        rows = await self.session.scalars(
            select(MessageReport)
            .join(Message, Message.id == MessageReport.message_id)
            .where(
                MessageReport.community_id == community.id,
                MessageReport.status == ReportStatus.OPEN,
                Message.sender_id != viewer.user_id,
            )
            .order_by(MessageReport.created_at.desc(), MessageReport.id.desc())
        )
        return list(rows.unique())

    async def open_message_reports(self, community_id: uuid.UUID) -> list[MessageReport]:
        """Every open report of a message of ``community_id``, oldest first (the moderation
        queue reads them beside the listings' reports; it checks who may see them)."""
        rows = await self.session.scalars(
            select(MessageReport)
            .where(MessageReport.community_id == community_id, MessageReport.status == ReportStatus.OPEN)
            .order_by(MessageReport.created_at, MessageReport.id)
        )
        return list(rows.unique())

    async def close_message_reports(self, message_id: uuid.UUID) -> int:
        """The open reports of one message are handled (the decision is in the audit log); how
        many were open (one guarded UPDATE: a decision made at the same moment finds none)."""
        result = await self.session.execute(
            update(MessageReport)
            .where(MessageReport.message_id == message_id, MessageReport.status == ReportStatus.OPEN)
            .values(status=ReportStatus.CLOSED, updated_at=now_utc())
        )
        return int(getattr(result, "rowcount", 0) or 0)

    # --- the line, the reservation ------------------------------------------------------------

    async def queue(self, listing: Listing) -> list[Conversation]:
        """Those interested in ``listing``, in the order they came (no-shows and closed ones too)."""
        rows = await self.session.scalars(
            select(Conversation)
            .where(Conversation.listing_id == listing.id)
            .order_by(Conversation.interested_at, Conversation.id)
        )
        return list(rows.unique())

    @staticmethod
    def in_line(conversation: Conversation) -> bool:
        return conversation.closed_at is None and conversation.passed_at is None

    async def reserved_for(self, listing: Listing) -> Conversation | None:
        if listing.status != ListingStatus.RESERVED:
            return None
        return await self.session.scalar(
            select(Conversation).where(
                Conversation.listing_id == listing.id, Conversation.reserved_at.is_not(None)
            )
        )

    async def pending_draw(self, listing: Listing) -> Draw | None:
        return await self.session.scalar(
            select(Draw).where(Draw.listing_id == listing.id, Draw.drawn_at.is_(None))
        )

    async def draw_of(self, listing: Listing) -> Draw | None:
        return await self.session.scalar(select(Draw).where(Draw.listing_id == listing.id))

    @staticmethod
    def require_author(listing: Listing, viewer: Viewer) -> User:
        if viewer.user is None or viewer.user_id != listing.author_id:
            raise Forbidden(_("Seul l'auteur de l'annonce peut la réserver."))
        return viewer.user

    async def reserve(
        self, listings: ListingService, listing: Listing, viewer: Viewer, user_id: uuid.UUID
    ) -> Listing:
        """The author keeps the item for ``user_id``, who showed interest (409 otherwise)."""
        self.require_author(listing, viewer)
        if await self.pending_draw(listing) is not None:
            raise Conflict(_("Un tirage au sort est prévu pour cette annonce : il choisira qui la reçoit."))
        conversation = await self.conversation_of(listing.id, user_id)
        if conversation is None or conversation.closed_at is not None:
            raise InvalidInput("user_id", _("Cette personne ne s'est pas montrée intéressée par l'annonce."))
        if await self.is_blocked_between(listing.author_id, user_id):
            raise Conflict(_("Vous ne pouvez pas échanger de messages avec cette personne."))
        current = await self.reserved_for(listing)
        if current is not None:
            raise Conflict(_("L'annonce est déjà réservée : annulez d'abord la réservation."))
        if listing.status == ListingStatus.AVAILABLE:
            listing = await listings.change_status(listing, viewer, ListingStatus.RESERVED)
        elif listing.status != ListingStatus.RESERVED:
            raise Conflict(_("Seule une annonce disponible peut être réservée."))
        await self._keep_for(listing, conversation, event="reservation.yours")
        return listing

    async def _keep_for(self, listing: Listing, conversation: Conversation, *, event: str) -> None:
        conversation.reserved_at = now_utc()
        conversation.passed_at = None
        await self.session.flush()
        await tell(
            self.session,
            recipient_id=conversation.interested_id,
            kind=RESERVATIONS,
            event=event,
            listing_id=listing.id,
            conversation_id=conversation.id,
            actor_id=listing.author_id,
            data={"listing_title": listing.title, "pickup_area": listing.pickup_area},
        )
        others_event = "draw.lost" if event == "draw.won" else "reservation.others"
        for other in await self.queue(listing):
            if other.id != conversation.id and self.in_line(other):
                await tell(
                    self.session,
                    recipient_id=other.interested_id,
                    kind=RESERVATIONS,
                    event=others_event,
                    listing_id=listing.id,
                    conversation_id=other.id,
                    actor_id=listing.author_id,
                    data={"listing_title": listing.title},
                )

    async def unreserve(self, listings: ListingService, listing: Listing, viewer: Viewer) -> Listing:
        """After a no-show: the item goes to the next in line, or back to available if nobody is."""
        self.require_author(listing, viewer)
        if listing.status != ListingStatus.RESERVED:
            raise Conflict(_("Cette annonce n'est pas réservée."))
        current = await self.reserved_for(listing)
        if current is not None:
            current.reserved_at = None
            current.passed_at = now_utc()
            await tell(
                self.session,
                recipient_id=current.interested_id,
                kind=RESERVATIONS,
                event="reservation.released",
                listing_id=listing.id,
                conversation_id=current.id,
                actor_id=listing.author_id,
                data={"listing_title": listing.title},
            )
        following = [
            conversation
            for conversation in await self.queue(listing)
            if self.in_line(conversation)
            and not await self.is_blocked_between(listing.author_id, conversation.interested_id)
        ]
        if following:
            await self._keep_for(listing, following[0], event="reservation.yours")
            return listing
        await self.session.flush()
        return await listings.change_status(listing, viewer, ListingStatus.AVAILABLE)

    async def change_listing_status(
        self,
        listings: ListingService,
        listing: Listing,
        viewer: Viewer,
        target: ListingStatus | str,
        *,
        reason: str = "",
        version: int | None = None,
    ) -> Listing:
        """The listing's status endpoint, with what it means for the exchanges around it.

        Done: the reserved neighbour (if any) becomes the recipient, who may say merci; the other
        conversations close with a kind note. Withdrawn or removed: every conversation closes.
        Back to available from reserved: the reservation is dropped, the line stays."""
        origin = listing.status
        kept = await self.reserved_for(listing)
        listing = await listings.change_status(listing, viewer, target, reason=reason, version=version)
        if listing.status == ListingStatus.DONE:
            if kept is not None:
                self.session.add(
                    Handover(
                        listing_id=listing.id, author_id=listing.author_id, recipient_id=kept.interested_id
                    )
                )
            await self._close_others(
                listing, keep=kept, note=_("L'objet a trouvé preneur. Merci de votre intérêt !")
            )
        elif listing.status in (ListingStatus.WITHDRAWN, ListingStatus.REMOVED):
            await self._close_others(listing, keep=None, note=_("L'annonce n'est plus en ligne."))
        elif (
            origin == ListingStatus.RESERVED
            and listing.status == ListingStatus.AVAILABLE
            and kept is not None
        ):
            kept.reserved_at = None
        draw = await self.pending_draw(listing)
        if draw is not None and listing.status != ListingStatus.AVAILABLE:
            await self.session.delete(draw)  # no draw for what is no longer available
        await self.session.flush()
        return listing

    async def _close_others(self, listing: Listing, *, keep: Conversation | None, note: str) -> None:
        now = now_utc()
        for conversation in await self.queue(listing):
            if keep is not None and conversation.id == keep.id:
                continue
            if conversation.closed_at is not None:
                continue
            conversation.closed_at = now
            conversation.closed_note = note
            await tell(
                self.session,
                recipient_id=conversation.interested_id,
                kind=RESERVATIONS,
                event="listing.given" if listing.status == ListingStatus.DONE else "listing.closed",
                listing_id=listing.id,
                conversation_id=conversation.id,
                actor_id=listing.author_id,
                data={"listing_title": listing.title},
            )

    # --- the hand-over and its thanks ---------------------------------------------------------

    async def handover_of(self, listing: Listing) -> Handover | None:
        return await self.session.scalar(select(Handover).where(Handover.listing_id == listing.id))

    async def thank(self, listing: Listing, user: User, thanks: str) -> Handover:
        """The recipient confirms they received the item, and says merci (a few words, optional)."""
        handover = await self.handover_of(listing)
        if handover is None or handover.recipient_id != user.id:
            raise Forbidden(_("Seul·e la personne qui a reçu l'objet peut confirmer la remise."))
        if handover.confirmed_at is not None:
            raise Conflict(_("Vous avez déjà confirmé la remise. Merci !"))
        text = (thanks or "").strip()
        if len(text) > REASON_MAX:
            raise InvalidInput("thanks", _("%(count)s caractères au plus.", count=REASON_MAX))
        handover.confirmed_at = now_utc()
        handover.thanks = text or _("Merci !")
        await self.session.flush()
        await tell(
            self.session,
            recipient_id=listing.author_id,
            kind=RESERVATIONS,
            event="handover.thanks",
            listing_id=listing.id,
            actor_id=user.id,
            data={"listing_title": listing.title, "thanks": handover.thanks},
        )
        return handover

    async def giving_record(self, author_id: uuid.UUID) -> GivingRecord:
        given = await self.session.scalar(  # count(*): answered from the author-and-status index alone
            select(func.count())
            .select_from(Listing)
            .where(Listing.author_id == author_id, Listing.status == ListingStatus.DONE)
        )
        thanks = await self.session.scalar(
            select(func.count(Handover.id)).where(
                Handover.author_id == author_id, Handover.confirmed_at.is_not(None)
            )
        )
        return GivingRecord(given=int(given or 0), thanks=int(thanks or 0))

    async def thanks_received(self, author_id: uuid.UUID, limit: int = 20) -> Sequence[Handover]:
        rows = await self.session.scalars(
            select(Handover)
            .where(Handover.author_id == author_id, Handover.confirmed_at.is_not(None))
            .order_by(Handover.confirmed_at.desc())
            .limit(limit)
        )
        return list(rows)

    # --- the fair draw ------------------------------------------------------------------------

    async def schedule_draw(
        self,
        listing: Listing,
        viewer: Viewer,
        draw_at: datetime.datetime,
        *,
        now: datetime.datetime | None = None,
    ) -> Draw:
        """The author of a gift lets interest simmer until ``draw_at``, then the worker draws."""
        self.require_author(listing, viewer)
        now = now or now_utc()
        if listing.kind != ListingKind.GIVE:
            raise InvalidInput("draw_at", _("Le tirage au sort est réservé aux dons."))
        if listing.status != ListingStatus.AVAILABLE:
            raise Conflict(_("Seule une annonce disponible peut être tirée au sort."))
        if draw_at.tzinfo is None:
            raise InvalidInput("draw_at", _("Indiquez l'heure avec son fuseau horaire."))
        if draw_at <= now:
            raise InvalidInput("draw_at", _("Choisissez un moment à venir pour le tirage au sort."))
        if draw_at > now + datetime.timedelta(days=30):
            raise InvalidInput("draw_at", _("Le tirage au sort doit avoir lieu dans les 30 jours."))
        existing = await self.draw_of(listing)
        if existing is not None and existing.drawn_at is not None:
            raise Conflict(_("Le tirage au sort de cette annonce a déjà eu lieu."))
        if existing is None:
            existing = Draw(listing_id=listing.id, draw_at=draw_at)
            self.session.add(existing)
        existing.draw_at = draw_at
        await self.session.flush()
        return existing

    async def entrants(self, listing: Listing, draw: Draw) -> list[str]:
        """Who is in: the recorded entrants once drawn, else those interested before ``draw_at``."""
        if draw.drawn_at is not None:
            return list(draw.entrants)
        return draws.sorted_entrants(
            conversation.interested_id
            for conversation in await self.queue(listing)
            if self.in_line(conversation) and conversation.interested_at < draw.draw_at
        )

    async def readable_draw(self, viewer: Viewer, listing: Listing) -> tuple[Draw, list[str]]:
        """The draw and its entrants, for the author and the entrants only (404 for anyone else)."""
        draw = await self.draw_of(listing)
        missing = NotFound(_("Pas de tirage au sort pour cette annonce."))
        if draw is None or viewer.user_id is None:
            raise missing
        entrants = await self.entrants(listing, draw)
        if viewer.user_id != listing.author_id and str(viewer.user_id) not in entrants:
            raise missing
        return draw, entrants

    async def names_of(self, user_ids: Sequence[str]) -> dict[str, str]:
        """The display names of a draw's entrants (ids as recorded, strings)."""
        ids = [uuid.UUID(user_id) for user_id in user_ids]
        rows = await self.session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
        return {str(user_id): name for user_id, name in rows}

    async def draw_due(self, listings: ListingService, now: datetime.datetime) -> int:
        """Run every draw whose time has come (the worker's job); returns how many were drawn."""
        due = await self.session.scalars(
            select(Draw).where(Draw.drawn_at.is_(None), Draw.draw_at <= now).order_by(Draw.draw_at)
        )
        count = 0
        for draw in list(due):
            listing = await self.session.get(Listing, draw.listing_id)
            if listing is None:
                continue
            if listing.status != ListingStatus.AVAILABLE:
                await self.session.delete(draw)
                continue
            entrants = [
                user_id
                for user_id in await self.entrants(listing, draw)
                if not await self.is_blocked_between(listing.author_id, uuid.UUID(user_id))
            ]
            seed = draws.new_seed()
            winner = draws.winner_of(entrants, seed)
            draw.entrants = entrants
            draw.seed = seed
            draw.drawn_at = now
            draw.winner_id = uuid.UUID(winner) if winner else None
            await self.session.flush()
            if winner is None:
                await tell(
                    self.session,
                    recipient_id=listing.author_id,
                    kind=RESERVATIONS,
                    event="draw.empty",
                    listing_id=listing.id,
                    data={"listing_title": listing.title},
                )
            else:
                conversation = await self.conversation_of(listing.id, uuid.UUID(winner))
                assert conversation is not None
                author = Viewer(user=listing.author)
                listing = await listings.change_status(listing, author, ListingStatus.RESERVED, now=now)
                await self._keep_for(listing, conversation, event="draw.won")
            count += 1
        return count
