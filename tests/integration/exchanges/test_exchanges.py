"""Exchanges through the API: interest and conversations, reservation and hand-over, the fair draw."""

from __future__ import annotations

import datetime
import uuid

import pytest
from sqlalchemy import select

from marketplace.exchanges import draws
from marketplace.exchanges.models import Draw
from marketplace.exchanges.service import ExchangeService
from marketplace.listings.service import ListingService
from marketplace.operations import sessions_for, transaction_in
from tests.stories import Board

pytestmark = pytest.mark.anyio


async def story(board: Board) -> tuple:
    await board.community()
    author = await board.member("alice")
    listing = await board.listing(author, pickup_area="Belleville")
    return author, listing


async def test_one_conversation_per_listing_and_neighbour_asking_again_reopens_it(board: Board) -> None:
    author, listing = await story(board)
    bob = await board.member("bob")
    first = await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour !"})
    assert first.status_code == 201, first.text
    again = await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Toujours dispo ?"})
    assert again.json()["id"] == first.json()["id"]
    messages = await bob.get(f"/api/v1/conversations/{first.json()['id']}/messages")
    assert [item["body"] for item in messages.json()["items"]] == ["Bonjour !", "Toujours dispo ?"]
    inbox = await author.get("/api/v1/conversations")
    assert inbox.json()["unread_total"] == 2
    assert inbox.json()["items"][0]["other_name"] == "Bob"


async def test_only_the_two_neighbours_read_a_conversation(board: Board) -> None:
    author, listing = await story(board)
    bob = await board.member("bob")
    carol = await board.member("carol")
    conversation = (
        await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Hello"})
    ).json()
    url = f"/api/v1/conversations/{conversation['id']}/messages"
    assert (await author.get(url)).status_code == 200
    assert (await carol.get(url)).status_code == 404
    missing = await carol.get(f"/api/v1/conversations/{uuid.uuid4()}/messages")
    assert missing.status_code == 404
    assert (await carol.get(url)).json()["detail"] == missing.json()["detail"]
    assert (await carol.post(url, json={"body": "coucou"})).status_code == 404


async def test_messages_are_plain_text_of_at_most_2000_characters(board: Board) -> None:
    author, listing = await story(board)
    bob = await board.member("bob")
    conversation = (
        await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Hi"})
    ).json()
    url = f"/api/v1/conversations/{conversation['id']}/messages"
    assert (await bob.post(url, json={"body": "x" * 2001})).status_code == 400
    sent = await author.post(url, json={"body": "<b>voir</b> https://example.org/a"})
    assert sent.status_code == 201
    page = await author.client.get(f"/conversations/{conversation['id']}", headers=author.headers)
    assert "&lt;b&gt;voir&lt;/b&gt;" in page.text
    assert '<a href="https://example.org/a"' in page.text


async def test_a_block_stops_messages_both_ways_and_hides_the_conversation(board: Board) -> None:
    author, listing = await story(board)
    bob = await board.member("bob")
    conversation = (
        await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Hi"})
    ).json()
    url = f"/api/v1/conversations/{conversation['id']}/messages"
    assert (await author.post(f"/api/v1/users/{bob.id}/block")).status_code == 200
    assert (await bob.post(url, json={"body": "Allô ?"})).status_code == 403
    assert (await author.post(url, json={"body": "Non"})).status_code == 403
    assert (await author.get("/api/v1/conversations")).json()["items"] == []
    assert len((await bob.get("/api/v1/conversations")).json()["items"]) == 1


async def test_a_banned_member_can_neither_post_nor_message(board: Board) -> None:
    await board.community(visibility="members")
    author = await board.member("alice")
    listing = await board.listing(author)
    bob = await board.member("bob")
    conversation = (
        await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Hi"})
    ).json()
    root = await board.root()
    banned = await root.post(
        f"/api/v1/communities/vide-grenier-test/members/{bob.id}/ban", json={"message": ""}
    )
    assert banned.status_code == 200, banned.text
    sent = await bob.post(f"/api/v1/conversations/{conversation['id']}/messages", json={"body": "encore"})
    assert sent.status_code == 403
    assert (await board.post(bob)).status_code in (403, 404)


async def test_reported_messages_are_listed_for_the_moderators(board: Board) -> None:
    author, listing = await story(board)
    bob = await board.member("bob")
    conversation = (
        await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Idiot"})
    ).json()
    message = (await author.get(f"/api/v1/conversations/{conversation['id']}/messages")).json()["items"][0]
    report = await author.post(f"/api/v1/messages/{message['id']}/report", json={"reason": "Insultant"})
    assert report.status_code == 201, report.text
    carol = await board.someone("carol")
    assert (
        await carol.post(f"/api/v1/messages/{message['id']}/report", json={"reason": "x"})
    ).status_code == 404
    root = await board.root()
    listed = await root.get("/api/v1/communities/vide-grenier-test/message-reports")
    assert [item["reason"] for item in listed.json()["items"]] == ["Insultant"]
    assert (await bob.get("/api/v1/communities/vide-grenier-test/message-reports")).status_code == 403


async def test_only_the_author_reserves_and_only_for_someone_interested(board: Board) -> None:
    author, listing = await story(board)
    bob = await board.member("bob")
    carol = await board.member("carol")
    await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Moi !"})
    url = f"/api/v1/listings/{listing['id']}/reserve"
    assert (await bob.post(url, json={"user_id": bob.id})).status_code == 403
    assert (await author.post(url, json={"user_id": carol.id})).status_code == 400
    reserved = await author.post(url, json={"user_id": bob.id})
    assert reserved.status_code == 200, reserved.text
    assert reserved.json()["status"] == "reserved"
    assert reserved.json()["reserved_for_id"] == bob.id


async def test_unreserve_passes_the_item_to_the_next_in_line(board: Board) -> None:
    author, listing = await story(board)
    bob = await board.member("bob")
    carol = await board.member("carol")
    await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Moi !"})
    await carol.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Moi aussi"})
    await author.post(f"/api/v1/listings/{listing['id']}/reserve", json={"user_id": bob.id})
    after_no_show = await author.post(f"/api/v1/listings/{listing['id']}/unreserve")
    assert after_no_show.json()["reserved_for_id"] == carol.id
    assert after_no_show.json()["status"] == "reserved"
    nobody_left = await author.post(f"/api/v1/listings/{listing['id']}/unreserve")
    assert nobody_left.json()["status"] == "available"
    assert nobody_left.json()["reserved_for_id"] is None


async def test_done_closes_the_other_conversations_and_the_recipient_says_merci(board: Board) -> None:
    author, listing = await story(board)
    bob = await board.member("bob")
    carol = await board.member("carol")
    await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Moi !"})
    carol_conversation = (
        await carol.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Moi aussi"})
    ).json()
    await author.post(f"/api/v1/listings/{listing['id']}/reserve", json={"user_id": bob.id})
    done = await author.post(f"/api/v1/listings/{listing['id']}/status", json={"status": "done"})
    assert done.status_code == 200, done.text
    carol_view = (await carol.get("/api/v1/conversations")).json()["items"][0]
    assert carol_view["id"] == carol_conversation["id"] and carol_view["closed"]
    assert "trouvé preneur" in carol_view["closed_note"]
    assert (await carol.post(f"/api/v1/listings/{listing['id']}/thanks", json={})).status_code == 403
    thanked = await bob.post(f"/api/v1/listings/{listing['id']}/thanks", json={"thanks": "Merci Alice !"})
    assert thanked.status_code == 200, thanked.text
    assert (await bob.post(f"/api/v1/listings/{listing['id']}/thanks", json={})).status_code == 409
    page = await author.client.get(f"/people/{author.id}")
    assert "1 objet passé à un voisin" in page.text and "1 merci reçu" in page.text


async def test_a_draw_picks_among_those_interested_before_draw_at_and_is_reproducible(
    board: Board, app
) -> None:
    author, listing = await story(board)
    bob = await board.member("bob")
    carol = await board.member("carol")
    dave = await board.member("dave")
    draw_at = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2)
    scheduled = await author.post(
        f"/api/v1/listings/{listing['id']}/reserve", json={"draw_at": draw_at.isoformat()}
    )
    assert scheduled.status_code == 200, scheduled.text
    assert (
        await author.post(f"/api/v1/listings/{listing['id']}/reserve", json={"user_id": bob.id})
    ).status_code == 409
    for who in (bob, carol):
        await who.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Moi !"})
    assert (await dave.get(f"/api/v1/listings/{listing['id']}/draw")).status_code == 404
    async with sessions_for(app.state.settings) as sessions, transaction_in(sessions) as session:
        drawn = await ExchangeService(session).draw_due(
            ListingService(session=session), draw_at + datetime.timedelta(minutes=1)
        )
    assert drawn == 1
    await dave.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Trop tard ?"})
    record = (await carol.get(f"/api/v1/listings/{listing['id']}/draw")).json()
    assert sorted(record["entrants"]) == sorted([bob.id, carol.id])
    assert record["winner_id"] == draws.winner_of([str(item) for item in record["entrants"]], record["seed"])
    state = (await author.get(f"/api/v1/listings/{listing['id']}/reservation")).json()
    assert state["status"] == "reserved" and state["reserved_for_id"] == record["winner_id"]


async def test_the_listing_page_offers_interest_and_shows_the_author_their_line(board: Board) -> None:
    author, listing = await story(board)
    bob = await board.member("bob")
    page = await bob.client.get(f"/listings/{listing['id']}", headers=bob.headers)
    assert page.status_code == 200
    assert "Je suis intéressé·e" in page.text
    await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Moi !"})
    draw_at = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=3)
    await author.post(f"/api/v1/listings/{listing['id']}/reserve", json={"draw_at": draw_at.isoformat()})
    mine = await author.client.get(f"/listings/{listing['id']}", headers=author.headers)
    assert mine.status_code == 200
    assert "Personnes intéressées" in mine.text and "Bob" in mine.text
    assert "Tirage au sort le" in mine.text and "1 personne inscrite" in mine.text
    inbox = await author.client.get("/conversations", headers=author.headers)
    assert inbox.status_code == 200 and "Lampe de bureau" in inbox.text
    badge = await author.client.get("/conversations/badge", headers=author.headers)
    assert ">1</span>" in badge.text


async def test_a_draw_run_late_leaves_out_those_who_came_after_draw_at(board: Board, app) -> None:
    author, listing = await story(board)
    bob = await board.member("bob")
    carol = await board.member("carol")
    dave = await board.member("dave")
    draw_at = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2)
    await author.post(f"/api/v1/listings/{listing['id']}/reserve", json={"draw_at": draw_at.isoformat()})
    for who in (bob, carol):
        await who.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Moi !"})
    # The time of the draw passes while the worker is away; Dave comes just after it.
    passed = datetime.datetime.now(datetime.UTC)
    async with sessions_for(app.state.settings) as sessions, transaction_in(sessions) as session:
        draw = await session.scalar(select(Draw).where(Draw.listing_id == uuid.UUID(listing["id"])))
        assert draw is not None
        draw.draw_at = passed
    await dave.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Encore temps ?"})
    async with sessions_for(app.state.settings) as sessions, transaction_in(sessions) as session:
        drawn = await ExchangeService(session).draw_due(
            ListingService(session=session), datetime.datetime.now(datetime.UTC)
        )
    assert drawn == 1
    record = (await bob.get(f"/api/v1/listings/{listing['id']}/draw")).json()
    assert sorted(record["entrants"]) == sorted([bob.id, carol.id])
    assert record["winner_id"] in (bob.id, carol.id)
    assert record["winner_id"] == draws.winner_of(sorted(record["entrants"]), record["seed"])
    assert (await dave.get(f"/api/v1/listings/{listing['id']}/draw")).status_code == 404
    page = await carol.client.get(f"/listings/{listing['id']}/draw", headers=carol.headers)
    assert page.status_code == 200 and record["seed"] in page.text
    assert "Bob" in page.text and "Carol" in page.text and "Dave" not in page.text
    outsider = await dave.client.get(f"/listings/{listing['id']}/draw", headers=dave.headers)
    assert outsider.status_code == 404


async def test_a_blocked_neighbour_cannot_start_a_conversation_either(board: Board) -> None:
    author, listing = await story(board)
    bob = await board.member("bob")
    assert (await author.post(f"/api/v1/users/{bob.id}/block")).status_code == 200
    refused = await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour"})
    assert refused.status_code == 403
    assert (await author.get("/api/v1/conversations")).json()["items"] == []
    assert (await bob.get("/api/v1/conversations")).json()["items"] == []


async def test_a_ban_in_a_public_group_stops_posting_and_messages_there_only(board: Board) -> None:
    author, listing = await story(board)  # a public, open group
    other_listing = await board.listing(author, title="Chaise pliante")
    await board.community("autre-groupe")
    elsewhere = await board.listing(await board.member("alice", "autre-groupe"), "autre-groupe")
    bob = await board.member("bob")
    await board.member("bob", "autre-groupe")
    conversation = (
        await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour"})
    ).json()
    root = await board.root()
    banned = await root.post(
        f"/api/v1/communities/vide-grenier-test/members/{bob.id}/ban", json={"message": ""}
    )
    assert banned.status_code == 200, banned.text
    sent = await bob.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"body": "Toujours là ?"}
    )
    assert sent.status_code == 403
    again = await bob.post(
        f"/api/v1/listings/{other_listing['id']}/interest", json={"message": "Et celle-ci ?"}
    )
    assert again.status_code in (403, 404)
    assert (await board.post(bob)).status_code in (403, 404)
    # In a group where Bob is not banned, he goes on as before.
    there = await bob.post(f"/api/v1/listings/{elsewhere['id']}/interest", json={"message": "Bonjour"})
    assert there.status_code == 201, there.text
    assert (await board.post(bob, "autre-groupe")).status_code == 201
