"""Reports and the moderators' queue, through the API: who sees the queue, what each decision
does and writes in the audit log, and a reporter who stays anonymous to the reported member."""

from __future__ import annotations

import uuid
from typing import Any

import anyio
import pytest
from litestar import Litestar

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.errors import Conflict
from marketplace.moderation.service import ModerationService
from marketplace.operations import transaction
from tests.integration.discovery.backends import indexed
from tests.stories import SLUG, Board, Person, sign_in

pytestmark = pytest.mark.anyio

QUEUE = f"/api/v1/communities/{SLUG}/reports"
AUDIT = f"/api/v1/communities/{SLUG}/audit"


async def reported_listing(board: Board, **fields: Any) -> tuple[Person, dict[str, Any], Person, Person]:
    """Alice's listing reported by Bob; Mia moderates the community. (alice, listing, bob, mia)"""
    await board.community()
    alice = await board.member("alice")
    listing = await board.listing(alice, title="Vélo enfant 16 pouces", **fields)
    bob = await board.member("bob")
    mia = await board.member("mia", role="moderator")
    report = await bob.post(
        f"/api/v1/listings/{listing['id']}/report",
        json={"reason": "misleading", "details": "Photo d'un autre vélo"},
    )
    assert report.status_code == 201, report.text
    return alice, listing, bob, mia


async def only_item(mia: Person) -> dict[str, Any]:
    queue = await mia.get(QUEUE)
    assert queue.status_code == 200, queue.text
    (item,) = queue.json()["items"]
    return dict(item)


async def audit_actions(board: Board) -> list[dict[str, Any]]:
    root = await board.root()
    response = await root.get(AUDIT)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def resolve(who: Person, report_id: str, action: str, reason: str = "") -> Any:
    return await who.post(f"/api/v1/reports/{report_id}/resolve", json={"action": action, "reason": reason})


async def test_only_moderators_of_that_community_see_its_queue(board: Board) -> None:
    alice, listing, bob, mia = await reported_listing(board)
    item = await only_item(mia)
    assert item["listing_id"] == listing["id"] and item["kind"] == "listing"
    assert item["complaints"][0]["details"] == "Photo d'un autre vélo"
    assert item["complaints"][0]["reporter_name"] == "Bob"
    # Another community's moderator, a member, somebody of no community: the 404 of a hidden group.
    await board.community("autre-groupe")
    other_moderator = await board.member("oscar", "autre-groupe", role="moderator")
    outsider = await board.someone("olga")
    missing = await mia.get("/api/v1/communities/groupe-inconnu/reports")
    assert missing.status_code == 404
    for who in (bob, alice, other_moderator, outsider):
        refused = await who.get(QUEUE)
        assert refused.status_code == 404, who.email
        assert refused.json()["detail"] == missing.json()["detail"]
        page = await who.client.get(f"/communities/{SLUG}/moderation", headers=who.headers)
        assert page.status_code == 404
        # Nor may they decide: the report answers as one that does not exist.
        assert (await resolve(who, item["report_id"], "dismiss")).status_code == 404
    assert (await resolve(mia, str(uuid.uuid4()), "dismiss")).status_code == 404
    listing_page = await bob.client.get(f"/listings/{listing['id']}", headers=bob.headers)
    assert "Vous avez signalé cette annonce" in listing_page.text
    assert f'action="/listings/{listing["id"]}/report"' not in listing_page.text
    other_page = await outsider.client.get(f"/listings/{listing['id']}", headers=outsider.headers)
    assert f'action="/listings/{listing["id"]}/report"' in other_page.text
    page = await mia.client.get(f"/communities/{SLUG}/moderation", headers=mia.headers)
    assert (
        page.status_code == 200
        and "Vélo enfant 16 pouces" in page.text
        and "Photo d&#39;un autre vélo" in page.text
    )


async def test_the_queue_holds_listings_and_messages_oldest_first_one_entry_per_item(board: Board) -> None:
    _alice, listing, bob, mia = await reported_listing(board)
    carol = await board.member("carol")
    second = await board.listing(carol, title="Lampe de chevet")
    reported = await bob.post(f"/api/v1/listings/{second['id']}/report", json={"reason": "spam"})
    assert reported.status_code == 201
    again = await carol.post(
        f"/api/v1/listings/{listing['id']}/report", json={"reason": "other", "details": "Déjà donné"}
    )
    assert again.status_code == 201
    # A message, reported in its conversation (the exchanges' own report), joins the same queue.
    conversation = (
        await bob.post(f"/api/v1/listings/{second['id']}/interest", json={"message": "Bonjour"})
    ).json()
    answer = await carol.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"body": "Dégage, tu m'énerves"}
    )
    message_report = await bob.post(
        f"/api/v1/messages/{answer.json()['id']}/report", json={"reason": "Insultant"}
    )
    assert message_report.status_code == 201, message_report.text
    # The same reporter twice gives the same report, not a second one.
    twice = await bob.post(f"/api/v1/listings/{second['id']}/report", json={"reason": "spam"})
    assert twice.json()["id"] == reported.json()["id"]
    items = (await mia.get(QUEUE)).json()["items"]
    assert [(item["kind"], item["listing_title"]) for item in items] == [
        ("listing", "Vélo enfant 16 pouces"),
        ("listing", "Lampe de chevet"),
        ("message", "Lampe de chevet"),
    ]
    assert [c["reason"] for c in items[0]["complaints"]] == [
        "Annonce trompeuse (photo, état, prix)",
        "Autre raison",
    ]
    assert items[2]["message_body"] == "Dégage, tu m'énerves" and items[2]["author_name"] == "Carol"
    # A decision on the message closes it in the exchanges' list too.
    warned = await resolve(mia, items[2]["report_id"], "warn", "Restez courtois, s'il vous plaît.")
    assert warned.status_code == 200, warned.text
    root = await board.root()
    assert (await root.get(f"/api/v1/communities/{SLUG}/message-reports")).json()["items"] == []
    assert len((await mia.get(QUEUE)).json()["items"]) == 2


async def test_bad_reports_are_refused_in_french(board: Board) -> None:
    alice, listing, bob, mia = await reported_listing(board)
    url = f"/api/v1/listings/{listing['id']}/report"
    assert (await bob.post(url, json={"reason": "nimporte"})).status_code == 400
    other = await bob.post(url.replace(listing["id"], str(uuid.uuid4())), json={"reason": "spam"})
    assert other.status_code == 404
    own = await alice.post(url, json={"reason": "spam"})
    assert own.status_code == 409 and "propre annonce" in own.json()["detail"]
    carol = await board.member("carol")
    vague = await carol.post(url, json={"reason": "other"})
    assert vague.status_code == 400 and "modérateurs" in vague.json()["detail"]
    item = await only_item(mia)
    unknown = await resolve(mia, item["report_id"], "effacer")
    assert unknown.status_code == 400
    reasonless = await resolve(mia, item["report_id"], "remove")
    assert reasonless.status_code == 400 and "raison" in reasonless.json()["detail"]


async def test_removing_a_reported_listing_shows_the_reason_to_its_author_and_is_audited(
    board: Board,
) -> None:
    alice, listing, bob, mia = await reported_listing(board)
    item = await only_item(mia)
    done = await resolve(mia, item["report_id"], "remove", "Photo trompeuse : ce n'est pas ce vélo.")
    assert done.status_code == 200, done.text
    assert done.json()["closed"] == 1
    seen = (await alice.get(f"/api/v1/listings/{listing['id']}")).json()
    assert seen["status"] == "removed" and seen["removal_reason"] == "Photo trompeuse : ce n'est pas ce vélo."
    assert (await bob.get(f"/api/v1/listings/{listing['id']}")).status_code == 404
    told = (await alice.get("/api/v1/notifications")).json()["items"][0]
    assert told["event"] == "listing.removed" and told["quotes"] == [
        "Photo trompeuse : ce n'est pas ce vélo."
    ]
    assert (await mia.get(QUEUE)).json()["items"] == []
    assert (await resolve(mia, item["report_id"], "dismiss")).status_code == 409
    (line, *_) = await audit_actions(board)
    assert line["action"] == "listing.removed" and line["actor_name"] == "Mia"
    assert line["subject_name"] == "Alice" and line["listing_id"] == listing["id"]
    assert line["reason"] == "Photo trompeuse : ce n'est pas ce vélo."


async def test_warning_the_author_tells_them_in_a_notice_and_is_audited(board: Board) -> None:
    alice, listing, _bob, mia = await reported_listing(board)
    item = await only_item(mia)
    done = await resolve(mia, item["report_id"], "warn", "Merci de mettre une vraie photo.")
    assert done.status_code == 200, done.text
    told = (await alice.get("/api/v1/notifications")).json()["items"][0]
    assert told["kind"] == "moderation" and told["event"] == "moderation.warning"
    assert told["quotes"] == ["Merci de mettre une vraie photo."]
    assert "Avertissement" in told["title"]
    assert (await alice.get(f"/api/v1/listings/{listing['id']}")).json()["status"] == "available"
    (line, *_) = await audit_actions(board)
    assert (line["action"], line["actor_name"], line["subject_name"]) == ("author.warned", "Mia", "Alice")
    assert line["reason"] == "Merci de mettre une vraie photo."


async def test_banning_the_author_takes_their_listings_out_of_search_and_is_audited(
    board: Board, app: Litestar
) -> None:
    alice, listing, bob, mia = await reported_listing(board)
    await indexed(app)
    found = await bob.get("/api/v1/search", params={"q": "vélo"})
    assert [hit["id"] for hit in found.json()["hits"]] == [listing["id"]]
    item = await only_item(mia)
    done = await resolve(mia, item["report_id"], "ban", "Arnaques répétées.")
    assert done.status_code == 200, done.text
    await indexed(app)
    assert (await bob.get("/api/v1/search", params={"q": "vélo"})).json()["hits"] == []
    membership = (await alice.get(f"/api/v1/communities/{SLUG}")).json()["my_membership"]
    assert membership["status"] == "banned"
    rejoin = await alice.post(f"/api/v1/communities/{SLUG}/join", json={"answer": ""})
    assert rejoin.status_code == 403
    (line, *_) = await audit_actions(board)
    assert (line["action"], line["actor_name"], line["subject_name"]) == ("member.banned", "Mia", "Alice")
    assert line["reason"] == "Arnaques répétées." and line["details"]["report_id"] == item["report_id"]


async def test_dismissing_leaves_the_listing_and_is_audited(board: Board) -> None:
    alice, listing, _bob, mia = await reported_listing(board)
    item = await only_item(mia)
    assert (await resolve(mia, item["report_id"], "dismiss")).status_code == 200
    assert (await alice.get(f"/api/v1/listings/{listing['id']}")).json()["status"] == "available"
    assert (await alice.get("/api/v1/notifications")).json()["items"] == []
    assert (await mia.get(QUEUE)).json()["items"] == []
    (line, *_) = await audit_actions(board)
    assert (line["action"], line["actor_name"], line["subject_name"]) == ("report.dismissed", "Mia", "Alice")


async def test_a_reporter_stays_anonymous_to_the_reported_member(board: Board) -> None:
    await board.community()
    mia = await board.member("mia", role="moderator")  # reported, and a moderator herself
    listing = await board.listing(mia, title="Poussette canne")
    bob = await board.member("bob")
    await bob.post(f"/api/v1/listings/{listing['id']}/report", json={"reason": "spam", "details": "Revente"})
    conversation = (
        await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour"})
    ).json()
    reply = await mia.post(f"/api/v1/conversations/{conversation['id']}/messages", json={"body": "Non."})
    await bob.post(f"/api/v1/messages/{reply.json()['id']}/report", json={"reason": "Sec"})
    # Her queue shows the reports about her with their reasons, never who sent them.
    items = (await mia.get(QUEUE)).json()["items"]
    assert len(items) == 2
    assert all(c["reporter_name"] is None for item in items for c in item["complaints"])
    assert "Bob" not in (await mia.get(QUEUE)).text
    page = await mia.client.get(f"/communities/{SLUG}/moderation", headers=mia.headers)
    assert "Revente" in page.text and "Bob" not in page.text.replace(mia.email, "")
    assert (await mia.get(f"/api/v1/communities/{SLUG}/message-reports")).json()["items"] == []
    # She cannot decide on her own item; another moderator does, and she hears only the decision.
    assert (await resolve(mia, items[0]["report_id"], "dismiss")).status_code == 404
    root = await board.root()
    root_items = (await root.get(QUEUE)).json()["items"]
    assert root_items[0]["complaints"][0]["reporter_name"] == "Bob"
    assert (await resolve(root, root_items[0]["report_id"], "warn", "Évitez la revente.")).status_code == 200
    notices = (await mia.get("/api/v1/notifications")).json()["items"]
    (warning,) = [notice for notice in notices if notice["event"] == "moderation.warning"]
    assert warning["quotes"] == ["Évitez la revente."]
    assert "Bob" not in str(warning) and bob.id not in str(warning)


async def test_a_removal_from_the_listing_page_is_audited_too(board: Board) -> None:
    await board.community()
    alice = await board.member("alice")
    listing = await board.listing(alice, title="Casque de vélo")
    mia = await board.member("mia", role="moderator")
    removed = await mia.post(
        f"/api/v1/listings/{listing['id']}/status", json={"status": "removed", "reason": "Objet dangereux"}
    )
    assert removed.status_code == 200, removed.text
    (line, *_) = await audit_actions(board)
    assert (line["action"], line["actor_name"], line["subject_name"], line["reason"]) == (
        "listing.removed",
        "Mia",
        "Alice",
        "Objet dangereux",
    )


async def test_decisions_from_the_queue_page_are_plain_form_posts(client: Any, board: Board) -> None:
    alice, _listing, _bob, mia = await reported_listing(board)
    item = await only_item(mia)
    token = await sign_in(client, mia)
    queue = f"/communities/{SLUG}/moderation"
    page = await client.get(queue)
    assert f'formaction="/reports/{item["report_id"]}/warn"' in page.text
    empty = await client.post(
        f"/reports/{item['report_id']}/warn",
        data={"_csrf_token": token, "next": queue, "reason": ""},
        follow_redirects=False,
    )
    assert empty.status_code == 303 and empty.headers["location"] == queue
    assert "Indiquez la raison" in (await client.get(queue)).text
    warned = await client.post(
        f"/reports/{item['report_id']}/warn",
        data={"_csrf_token": token, "next": queue, "reason": "Une vraie photo, merci."},
        follow_redirects=False,
    )
    assert warned.status_code == 303
    after = (await client.get(queue)).text
    assert "Avertissement envoyé" in after and "Aucun signalement en attente" in after
    notices = (await alice.get("/api/v1/notifications")).json()["items"]
    assert notices[0]["quotes"] == ["Une vraie photo, merci."]


async def test_a_moderator_cannot_ban_another_moderator_from_the_queue(board: Board) -> None:
    await board.community()
    max_ = await board.member("max", role="moderator")
    listing = await board.listing(max_, title="Table de jardin")
    bob = await board.member("bob")
    await bob.post(f"/api/v1/listings/{listing['id']}/report", json={"reason": "spam"})
    mia = await board.member("mia", role="moderator")
    item = await only_item(mia)
    refused = await resolve(mia, item["report_id"], "ban", "Spam")
    assert refused.status_code == 403 and "administrateur" in refused.json()["detail"]
    assert len((await mia.get(QUEUE)).json()["items"]) == 1  # nothing was decided


async def test_two_moderators_deciding_at_once_the_second_is_told_it_is_done(
    board: Board, app: Litestar, database_url: str
) -> None:
    """On PostgreSQL, where two web processes decide at the same moment: the second decision
    waits for the first, finds the report closed, and nothing of it stays (no second notice).
    SQLite has one writer at a time: there the second decision comes right after the first."""
    alice, _listing, _bob, mia = await reported_listing(board)
    item = await only_item(mia)
    root = await board.root()
    first_decided = anyio.Event()
    outcomes: dict[str, str] = {}

    async def decide(who: str, user_id: str, action: str, hold: bool) -> None:
        async with transaction(app.state.settings) as session:
            viewer = Viewer(await session.get(User, uuid.UUID(user_id)))
            try:
                await ModerationService(session).resolve(viewer, uuid.UUID(item["report_id"]), action, "Vu")
            except Conflict as error:
                outcomes[who] = str(error.detail)
                raise
            finally:
                if hold:
                    first_decided.set()
                    await anyio.sleep(0.5)  # the other decision reaches the closing UPDATE meanwhile
            outcomes[who] = "done"

    async def second() -> None:
        await first_decided.wait()
        with pytest.raises(Conflict):
            await decide("root", root.id, "warn", hold=False)

    if database_url.startswith("postgresql"):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(decide, "mia", mia.id, "dismiss", True)
            tasks.start_soon(second)
    else:
        await decide("mia", mia.id, "dismiss", hold=False)
        with pytest.raises(Conflict):
            await decide("root", root.id, "warn", hold=False)
    assert outcomes == {"mia": "done", "root": "Ce signalement a déjà été traité."}
    assert (await alice.get("/api/v1/notifications")).json()["items"] == []  # no warning went out
    assert next(line["action"] for line in await audit_actions(board)) == "report.dismissed"
