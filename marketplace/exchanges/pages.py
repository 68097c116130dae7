"""HTML pages of exchanges: interest, the inbox, a conversation (live), the author's line, the
reservation and the draw, the thanks, blocks and reports, a neighbour's giving record.

Every page works without JavaScript (POST forms, then a 303; a reload shows new messages). With
JavaScript, ``static/conversation.js`` listens to the conversation's server-sent events and
fetches the thread again when a message arrives.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from litestar import Controller, Request, get, post
from litestar.channels import ChannelsPlugin
from litestar.exceptions import HTTPException
from litestar.plugins.flash import flash
from litestar.response import Redirect, ServerSentEvent, Template

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.communities.guards import content_missing
from marketplace.communities.service import CommunityService
from marketplace.errors import Conflict, Forbidden, InvalidInput, NotFound
from marketplace.exchanges.dependencies import EXCHANGE_DEPENDENCIES
from marketplace.exchanges.display import PARIS, linkify, paris_time, proposed_draw_times
from marketplace.exchanges.live import event_stream
from marketplace.exchanges.models import Conversation
from marketplace.exchanges.service import ExchangeService, conversation_channel
from marketplace.listings.models import Listing
from marketplace.listings.service import ListingService
from marketplace.photos.display import cover_views
from marketplace.photos.service import PhotoService
from marketplace.web.forms import FormData, back_with_error, safe_next, see_other, text
from marketplace.web.i18n import gettext as _
from marketplace.web.templating import render

REFUSALS = (Conflict, Forbidden, InvalidInput)
T = TypeVar("T")


async def answer(
    request: Request[Any, Any, Any],
    back: str,
    work: Awaitable[T],
    *,
    done: str | Callable[[T], str] | None = None,
    then: Callable[[T], str] | None = None,
    refused: tuple[type[HTTPException], ...] = REFUSALS,
) -> Redirect:
    """The end of every form of exchanges: ``work`` (a call of the service) refused goes back to
    ``back`` with the refusal as a flash; done, it flashes ``done`` (or what ``done`` makes of the
    result) and goes to ``then(result)``, else back to ``back``."""
    try:
        result = await work
    except refused as error:
        return back_with_error(request, back, error)
    message = done(result) if callable(done) else done
    if message:
        flash(request, message, category="success")
    return see_other(then(result) if then else back)


def _chosen(user_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(user_id)
    except ValueError:
        raise InvalidInput("user_id", _("Choisissez une personne de la liste.")) from None


def _draw_moment(form: dict[str, Any], now: datetime.datetime) -> datetime.datetime:
    """The draw time the author chose: a proposed one, or a date and time typed (Paris time)."""
    choice = text(form, "when")
    for name, moment in proposed_draw_times(now):
        if choice == name:
            return moment
    typed = text(form, "draw_at")
    try:
        moment = datetime.datetime.fromisoformat(typed)
    except ValueError:
        raise InvalidInput("draw_at", _("Choisissez le moment du tirage au sort.")) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=PARIS)


class ExchangePages(Controller):
    dependencies = EXCHANGE_DEPENDENCIES
    include_in_schema = False

    # --- interest and conversations -----------------------------------------------------------

    @post("/listings/{listing_id:uuid}/interest")
    async def interest(
        self,
        listing: Listing,
        data: FormData,
        request: Request[Any, Any, Any],
        user: User,
        exchanges: ExchangeService,
    ) -> Redirect:
        return await answer(
            request,
            f"/listings/{listing.id}",
            exchanges.express_interest(listing, user, text(data, "message")),
            done=_("Message envoyé : l'auteur de l'annonce vous répondra ici."),
            then=lambda conversation: f"/conversations/{conversation.id}",
        )

    @get("/conversations", name="inbox")
    async def inbox(self, user: User, exchanges: ExchangeService, photos: PhotoService) -> Template:
        summaries = await exchanges.inbox(user)
        covers = await cover_views(photos, [item.conversation.listing for item in summaries])
        return render("exchanges/inbox.html", summaries=summaries, covers=covers)

    @get("/conversations/badge")
    async def badge(self, viewer: Viewer, exchanges: ExchangeService) -> Template:
        unread = await exchanges.unread_total(viewer.user_id) if viewer.user_id else 0
        return render("exchanges/_badge.html", unread=unread)

    async def _thread_context(
        self, conversation: Conversation, user: User, exchanges: ExchangeService
    ) -> dict[str, Any]:
        messages = await exchanges.messages(conversation)
        await exchanges.mark_read(conversation, user)
        return {
            "conversation": conversation,
            "messages": [(message, linkify(message.body)) for message in messages],
            "me": user,
            "other": conversation.other(user.id),
            "paris_time": paris_time,
        }

    @get("/conversations/{conversation_id:uuid}", name="conversation")
    async def conversation_page(
        self, conversation: Conversation, user: User, exchanges: ExchangeService
    ) -> Template:
        context = await self._thread_context(conversation, user, exchanges)
        return render(
            "exchanges/conversation.html",
            blocked=await exchanges.is_blocked_between(conversation.author_id, conversation.interested_id),
            **context,
        )

    @get("/conversations/{conversation_id:uuid}/thread")
    async def thread(self, conversation: Conversation, user: User, exchanges: ExchangeService) -> Template:
        return render("exchanges/_thread.html", **await self._thread_context(conversation, user, exchanges))

    @get("/conversations/{conversation_id:uuid}/events")
    async def events(self, conversation: Conversation, channels: ChannelsPlugin) -> ServerSentEvent:
        """The conversation's live events (the database session is closed once the stream starts)."""
        return event_stream(channels, conversation_channel(conversation.id))

    @post("/conversations/{conversation_id:uuid}/messages")
    async def send(
        self,
        conversation: Conversation,
        data: FormData,
        request: Request[Any, Any, Any],
        user: User,
        exchanges: ExchangeService,
    ) -> Redirect:
        back = f"/conversations/{conversation.id}"
        return await answer(
            request,
            back,
            exchanges.send(conversation, user, text(data, "body")),
            then=lambda message: back + "#last",
        )

    # --- blocks and reports ---------------------------------------------------------------------

    @post("/users/{user_id:uuid}/block")
    async def block(
        self,
        user_id: uuid.UUID,
        data: FormData,
        request: Request[Any, Any, Any],
        user: User,
        exchanges: ExchangeService,
    ) -> Redirect:
        return await answer(
            request,
            "/conversations",
            exchanges.block(user, user_id),
            done=_("Cette personne ne peut plus vous écrire, ni vous lui écrire."),
            then=lambda block: safe_next(text(data, "next"), "/conversations"),
            refused=(*REFUSALS, NotFound),
        )

    @post("/messages/{message_id:uuid}/report")
    async def report(
        self,
        message_id: uuid.UUID,
        data: FormData,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        exchanges: ExchangeService,
    ) -> Redirect:
        return await answer(
            request,
            safe_next(text(data, "next"), "/conversations"),
            exchanges.report(viewer, message_id, text(data, "reason")),
            done=_("Merci : les modérateurs du groupe vont regarder ce message."),
        )

    @get("/communities/{slug:str}/message-reports", name="message-reports")
    async def reports(
        self, slug: str, user: User, viewer: Viewer, communities: CommunityService, exchanges: ExchangeService
    ) -> Template:
        try:
            community = await communities.by_slug(slug)
        except NotFound:
            raise content_missing() from None
        reports = await exchanges.reports_of(community, viewer)
        return render(
            "exchanges/reports.html",
            community=community,
            reports=[(report, linkify(report.message.body)) for report in reports],
        )

    # --- the author's line: reserve, un-reserve, draw --------------------------------------------

    @post("/listings/{listing_id:uuid}/reserve")
    async def reserve(
        self,
        listing: Listing,
        data: FormData,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        listings: ListingService,
        exchanges: ExchangeService,
    ) -> Redirect:
        """For the neighbour chosen in the line (``user_id``), or a draw at the time chosen."""

        async def keep() -> str:
            chosen = text(data, "user_id")
            if chosen:
                await exchanges.reserve(listings, listing, viewer, _chosen(chosen))
                return _("Réservé : la personne est prévenue, avec le quartier de remise.")
            when = _draw_moment(data, datetime.datetime.now(datetime.UTC))
            moment = paris_time((await exchanges.schedule_draw(listing, viewer, when)).draw_at)
            return _(
                "Tirage au sort prévu le %(day)s à %(time)s.",
                day=moment.strftime("%d/%m"),
                time=moment.strftime("%H:%M"),
            )

        return await answer(request, f"/listings/{listing.id}", keep(), done=lambda message: message)

    @get("/listings/{listing_id:uuid}/draw", name="draw")
    async def draw(self, listing: Listing, viewer: Viewer, exchanges: ExchangeService) -> Template:
        """The draw's record, for the author and the entrants: who was in, the seed, who won."""
        draw, entrants = await exchanges.readable_draw(viewer, listing)
        return render(
            "exchanges/draw.html",
            listing=listing,
            draw=draw,
            entrants=entrants,
            names=await exchanges.names_of(entrants),
            paris_time=paris_time,
        )

    @post("/listings/{listing_id:uuid}/unreserve")
    async def unreserve(
        self,
        listing: Listing,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        listings: ListingService,
        exchanges: ExchangeService,
    ) -> Redirect:
        """After a no-show: the next in line, if any, is told it is theirs."""

        async def release() -> str:
            kept = await exchanges.reserved_for(await exchanges.unreserve(listings, listing, viewer))
            if kept is None:
                return _("Réservation annulée : l'annonce est de nouveau disponible.")
            return _(
                "Réservation annulée : l'objet est réservé pour %(name)s, qui suivait.",
                name=kept.interested.display_name,
            )

        return await answer(request, f"/listings/{listing.id}", release(), done=lambda message: message)

    @post("/listings/{listing_id:uuid}/thanks")
    async def thanks(
        self,
        listing: Listing,
        data: FormData,
        request: Request[Any, Any, Any],
        user: User,
        exchanges: ExchangeService,
    ) -> Redirect:
        return await answer(
            request,
            f"/listings/{listing.id}",
            exchanges.thank(listing, user, text(data, "thanks")),
            done=_("Merci transmis !"),
        )

    # --- a neighbour's giving record --------------------------------------------------------------

    @get("/people/{user_id:uuid}", name="person")
    async def person(self, user_id: uuid.UUID, viewer: Viewer, exchanges: ExchangeService) -> Template:
        person = await exchanges.person(viewer, user_id)
        return render(
            "exchanges/person.html",
            person=person,
            record=await exchanges.giving_record(person.id),
            thanks=await exchanges.thanks_received(person.id),
        )
