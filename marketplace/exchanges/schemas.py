"""API shapes of exchanges (msgspec Structs, never the ORM models)."""

from __future__ import annotations

import datetime
import uuid

import msgspec

from marketplace.exchanges.models import Conversation, Draw, Message, MessageReport, ReportStatus
from marketplace.listings.models import ListingStatus


class InterestInput(msgspec.Struct):
    message: str


class MessageInput(msgspec.Struct):
    body: str


class ReportInput(msgspec.Struct):
    reason: str


class ThanksInput(msgspec.Struct):
    thanks: str = ""


class ReserveInput(msgspec.Struct):
    """Either ``user_id`` (someone who showed interest) or ``draw_at`` (a fair draw, gifts only)."""

    user_id: uuid.UUID | None = None
    draw_at: datetime.datetime | None = None


class MessageOut(msgspec.Struct):
    id: uuid.UUID
    conversation_id: uuid.UUID
    sender_id: uuid.UUID
    body: str
    created_at: datetime.datetime

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        return cls(
            id=message.id,
            conversation_id=message.conversation_id,
            sender_id=message.sender_id,
            body=message.body,
            created_at=message.created_at,
        )


class ConversationOut(msgspec.Struct):
    id: uuid.UUID
    listing_id: uuid.UUID
    listing_title: str
    listing_status: ListingStatus
    author_id: uuid.UUID
    interested_id: uuid.UUID
    other_id: uuid.UUID
    other_name: str
    interested_at: datetime.datetime
    reserved: bool
    closed: bool
    closed_note: str
    unread: int
    last_message: MessageOut | None = None

    @classmethod
    def of(
        cls, conversation: Conversation, reader_id: uuid.UUID, *, unread: int, last: Message | None
    ) -> ConversationOut:
        other = conversation.other(reader_id)
        return cls(
            id=conversation.id,
            listing_id=conversation.listing_id,
            listing_title=conversation.listing.title,
            listing_status=conversation.listing.status,
            author_id=conversation.author_id,
            interested_id=conversation.interested_id,
            other_id=other.id,
            other_name=other.display_name,
            interested_at=conversation.interested_at,
            reserved=conversation.reserved_at is not None
            and conversation.listing.status == ListingStatus.RESERVED,
            closed=conversation.closed_at is not None,
            closed_note=conversation.closed_note,
            unread=unread,
            last_message=MessageOut.of(last) if last is not None else None,
        )


class ConversationList(msgspec.Struct):
    items: list[ConversationOut]
    unread_total: int


class MessageList(msgspec.Struct):
    items: list[MessageOut]


class ReadOut(msgspec.Struct):
    conversation_id: uuid.UUID
    unread: int


class BlockOut(msgspec.Struct):
    blocked_id: uuid.UUID


class ReportOut(msgspec.Struct):
    id: uuid.UUID
    message_id: uuid.UUID
    community_id: uuid.UUID
    reporter_id: uuid.UUID
    reason: str
    status: ReportStatus
    created_at: datetime.datetime
    message_body: str

    @classmethod
    def of(cls, report: MessageReport) -> ReportOut:
        return cls(
            id=report.id,
            message_id=report.message_id,
            community_id=report.community_id,
            reporter_id=report.reporter_id,
            reason=report.reason,
            status=report.status,
            created_at=report.created_at,
            message_body=report.message.body,
        )


class ReportList(msgspec.Struct):
    items: list[ReportOut]


class ReservationOut(msgspec.Struct):
    """Where the listing's hand-over stands: its status, who it is kept for, the line, the draw."""

    listing_id: uuid.UUID
    status: ListingStatus
    version: int
    reserved_for_id: uuid.UUID | None
    queue: list[uuid.UUID]
    draw_at: datetime.datetime | None = None


class DrawOut(msgspec.Struct):
    listing_id: uuid.UUID
    draw_at: datetime.datetime
    entrants: list[uuid.UUID]
    seed: str | None
    winner_id: uuid.UUID | None
    drawn_at: datetime.datetime | None
    algorithm: str = "random.Random(seed).choice(sorted(str(id) for id in entrants))"

    @classmethod
    def of(cls, draw: Draw, entrants: list[str]) -> DrawOut:
        return cls(
            listing_id=draw.listing_id,
            draw_at=draw.draw_at,
            entrants=[uuid.UUID(item) for item in entrants],
            seed=draw.seed,
            winner_id=draw.winner_id,
            drawn_at=draw.drawn_at,
        )


class ThanksOut(msgspec.Struct):
    listing_id: uuid.UUID
    recipient_id: uuid.UUID
    confirmed_at: datetime.datetime | None
    thanks: str
