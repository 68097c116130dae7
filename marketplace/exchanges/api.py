"""JSON API of exchanges: interest, conversations and messages, blocks, reports, reservation, draw."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.communities.guards import content_missing
from marketplace.communities.service import CommunityService
from marketplace.errors import InvalidInput, NotFound
from marketplace.exchanges.dependencies import EXCHANGE_DEPENDENCIES
from marketplace.exchanges.models import Conversation
from marketplace.exchanges.schemas import (
    BlockOut,
    ConversationList,
    ConversationOut,
    DrawOut,
    InterestInput,
    MessageInput,
    MessageList,
    MessageOut,
    ReadOut,
    ReportInput,
    ReportList,
    ReportOut,
    ReservationOut,
    ReserveInput,
    ThanksInput,
    ThanksOut,
)
from marketplace.exchanges.service import ExchangeService
from marketplace.listings.models import Listing
from marketplace.listings.service import ListingService
from marketplace.web.i18n import gettext as _
from marketplace.web.openapi import errors


async def reservation_out(exchanges: ExchangeService, listing: Listing) -> ReservationOut:
    kept = await exchanges.reserved_for(listing)
    draw = await exchanges.pending_draw(listing)
    return ReservationOut(
        listing_id=listing.id,
        status=listing.status,
        version=listing.version,
        reserved_for_id=kept.interested_id if kept else None,
        queue=[item.interested_id for item in await exchanges.queue(listing) if exchanges.in_line(item)],
        draw_at=draw.draw_at if draw else None,
    )


async def conversation_out(
    exchanges: ExchangeService, conversation: Conversation, user: User
) -> ConversationOut:
    summary = await exchanges.summary(conversation, user)
    return ConversationOut.of(conversation, user.id, unread=summary.unread, last=summary.last_message)


class ListingExchangeApi(Controller):
    path = "/api/v1/listings/{listing_id:uuid}"
    tags = ("exchanges",)
    dependencies = EXCHANGE_DEPENDENCIES

    @post(
        "/interest",
        operation_id="expressInterest",
        responses=errors(400, 401, 403, 404, 409),
        status_code=HTTP_201_CREATED,
    )
    async def interest(
        self, listing: Listing, data: InterestInput, user: User, exchanges: ExchangeService
    ) -> ConversationOut:
        """Tell the author you are interested, with a first message (reopens your conversation)."""
        conversation = await exchanges.express_interest(listing, user, data.message)
        return await conversation_out(exchanges, conversation, user)

    @post(
        "/reserve",
        operation_id="reserveListing",
        responses=errors(400, 401, 403, 404, 409),
        status_code=HTTP_200_OK,
    )
    async def reserve(
        self,
        listing: Listing,
        data: ReserveInput,
        viewer: Viewer,
        listings: ListingService,
        exchanges: ExchangeService,
    ) -> ReservationOut:
        """The author keeps the item for ``user_id``, or sets ``draw_at`` for a fair draw (gifts)."""
        if (data.user_id is None) == (data.draw_at is None):
            raise InvalidInput(
                "user_id", _("Indiquez soit la personne (user_id), soit la date du tirage (draw_at).")
            )
        if data.user_id is not None:
            listing = await exchanges.reserve(listings, listing, viewer, data.user_id)
        else:
            assert data.draw_at is not None
            await exchanges.schedule_draw(listing, viewer, data.draw_at)
        return await reservation_out(exchanges, listing)

    @post(
        "/unreserve",
        operation_id="unreserveListing",
        responses=errors(400, 401, 403, 404, 409),
        status_code=HTTP_200_OK,
    )
    async def unreserve(
        self, listing: Listing, viewer: Viewer, listings: ListingService, exchanges: ExchangeService
    ) -> ReservationOut:
        """After a no-show: kept for the next in line, or available again if nobody is."""
        listing = await exchanges.unreserve(listings, listing, viewer)
        return await reservation_out(exchanges, listing)

    @get("/reservation", operation_id="getReservation", responses=errors(400, 401, 403, 404))
    async def reservation(
        self, listing: Listing, viewer: Viewer, exchanges: ExchangeService
    ) -> ReservationOut:
        """The line and the reservation, for the author (403 for anyone else)."""
        exchanges.require_author(listing, viewer)
        return await reservation_out(exchanges, listing)

    @get("/draw", operation_id="getDraw", responses=errors(400, 401, 404))
    async def draw(self, listing: Listing, viewer: Viewer, exchanges: ExchangeService) -> DrawOut:
        """The draw: when, who is in, the seed and the winner once drawn (author and entrants only)."""
        draw, entrants = await exchanges.readable_draw(viewer, listing)
        return DrawOut.of(draw, entrants)

    @post(
        "/thanks",
        operation_id="thankForListing",
        responses=errors(400, 401, 403, 404, 409),
        status_code=HTTP_200_OK,
    )
    async def thanks(
        self, listing: Listing, data: ThanksInput, user: User, exchanges: ExchangeService
    ) -> ThanksOut:
        """The recipient confirms the hand-over and says merci."""
        handover = await exchanges.thank(listing, user, data.thanks)
        return ThanksOut(
            listing_id=listing.id,
            recipient_id=handover.recipient_id,
            confirmed_at=handover.confirmed_at,
            thanks=handover.thanks,
        )


class ConversationApi(Controller):
    path = "/api/v1/conversations"
    tags = ("exchanges",)
    dependencies = EXCHANGE_DEPENDENCIES

    @get("/", operation_id="listConversations", responses=errors(400, 401))
    async def inbox(self, user: User, exchanges: ExchangeService) -> ConversationList:
        """My conversations, the most recent first, with unread counts."""
        summaries = await exchanges.inbox(user)
        return ConversationList(
            items=[
                ConversationOut.of(item.conversation, user.id, unread=item.unread, last=item.last_message)
                for item in summaries
            ],
            unread_total=sum(item.unread for item in summaries),
        )

    @get("/{conversation_id:uuid}/messages", operation_id="listMessages", responses=errors(400, 401, 404))
    async def messages(self, conversation: Conversation, exchanges: ExchangeService) -> MessageList:
        """The messages of one of my conversations, oldest first (404 for anyone else's)."""
        return MessageList(items=[MessageOut.of(item) for item in await exchanges.messages(conversation)])

    @post(
        "/{conversation_id:uuid}/messages",
        operation_id="sendMessage",
        responses=errors(400, 401, 403, 404, 409),
        status_code=HTTP_201_CREATED,
    )
    async def send(
        self, conversation: Conversation, data: MessageInput, user: User, exchanges: ExchangeService
    ) -> MessageOut:
        """Write in one of my conversations (plain text, 2,000 characters at most)."""
        return MessageOut.of(await exchanges.send(conversation, user, data.body))

    @post(
        "/{conversation_id:uuid}/read",
        operation_id="markConversationRead",
        responses=errors(400, 401, 404),
        status_code=HTTP_200_OK,
    )
    async def read(self, conversation: Conversation, user: User, exchanges: ExchangeService) -> ReadOut:
        """Everything in the conversation so far is read."""
        await exchanges.mark_read(conversation, user)
        return ReadOut(conversation_id=conversation.id, unread=0)


class BlockApi(Controller):
    path = "/api/v1/users"
    tags = ("exchanges",)
    dependencies = EXCHANGE_DEPENDENCIES

    @post(
        "/{user_id:uuid}/block",
        operation_id="blockUser",
        responses=errors(400, 401, 404, 409),
        status_code=HTTP_200_OK,
    )
    async def block(self, user_id: uuid.UUID, user: User, exchanges: ExchangeService) -> BlockOut:
        """No more messages with this person, either way; my conversations with them are hidden."""
        block = await exchanges.block(user, user_id)
        return BlockOut(blocked_id=block.blocked_id)


class MessageReportApi(Controller):
    path = "/api/v1"
    tags = ("exchanges",)
    dependencies = EXCHANGE_DEPENDENCIES

    @post(
        "/messages/{message_id:uuid}/report",
        operation_id="reportMessage",
        responses=errors(400, 401, 404, 409),
        status_code=HTTP_201_CREATED,
    )
    async def report(
        self, message_id: uuid.UUID, data: ReportInput, user: User, viewer: Viewer, exchanges: ExchangeService
    ) -> ReportOut:
        """Report a message of one of my conversations to the community's moderators."""
        return ReportOut.of(await exchanges.report(viewer, message_id, data.reason))

    @get(
        "/communities/{slug:str}/message-reports",
        operation_id="listMessageReports",
        responses=errors(400, 401, 403, 404),
    )
    async def reports(
        self, slug: str, user: User, viewer: Viewer, communities: CommunityService, exchanges: ExchangeService
    ) -> ReportList:
        """The open reports of the community's messages (its moderators only)."""
        try:
            community = await communities.by_slug(slug)
        except NotFound:
            raise content_missing() from None
        return ReportList(
            items=[ReportOut.of(item) for item in await exchanges.reports_of(community, viewer)]
        )
