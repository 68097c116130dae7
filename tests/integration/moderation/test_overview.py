"""The moderators' overview (/moderation) and the header's badge that counts what waits there:
per group, the applicants and the reported items (one per listing or message, as the queue
counts them), for the reader's own groups only; nothing for anybody else; plain forms that work
without JavaScript; and as many SQL statements for many groups as for one."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.scale.test_statement_counts import counted
from tests.stories import Board, Person, sign_in

pytestmark = pytest.mark.anyio

GARDEN, ATTIC, ELSEWHERE = "jardin-partage", "grenier-partage", "ailleurs-partage"


async def apply(board: Board, name: str, slug: str) -> Person:
    """``name`` asks to join the approval group ``slug`` and waits."""
    who = await board.someone(name)
    response = await who.post(f"/api/v1/communities/{slug}/join", json={"answer": "Rue des Pyrénées"})
    assert response.status_code == 201 and response.json()["status"] == "pending", response.text
    return who


async def report_listing(board: Board, slug: str, reporters: list[str]) -> None:
    author = await board.member(f"author-{slug}", slug)
    listing = await board.listing(author, slug)
    for name in reporters:
        reporter = await board.member(name, slug)
        response = await reporter.post(f"/api/v1/listings/{listing['id']}/report", json={"reason": "spam"})
        assert response.status_code == 201, response.text


async def report_message(board: Board, slug: str) -> None:
    author = await board.member(f"seller-{slug}", slug)
    listing = await board.listing(author, slug)
    asker = await board.member(f"asker-{slug}", slug)
    interest = await asker.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Arnaque ici"})
    assert interest.status_code == 201, interest.text
    message_id = interest.json()["last_message"]["id"]
    response = await author.post(f"/api/v1/messages/{message_id}/report", json={"reason": "Propos déplacés"})
    assert response.status_code == 201, response.text


def counts_by_group(page: str) -> dict[str, tuple[int, int]]:
    """{slug: (pending, reported)} as the page shows them."""
    found = {}
    for section in re.findall(r'<section class="card moderation-group".*?</section>', page, re.S):
        slug = re.search(r'data-community="([^"]+)"', section)
        pending = re.search(r'pending-count">(\d+)<', section)
        reported = re.search(r'reported-count">(\d+)<', section)
        assert slug and pending and reported, section
        found[slug.group(1)] = (int(pending.group(1)), int(reported.group(1)))
    return found


def badge_number(body: str) -> int | None:
    """The badge's number; None when it shows no link at all."""
    if 'href="/moderation"' not in body:
        return None
    number = re.search(r'unread-count"[^>]*>(\d+)<', body)
    return int(number.group(1)) if number else 0


@pytest.fixture
async def mia(board: Board) -> Person:
    """Mia moderates the garden (2 applicants, a listing reported twice, a message reported) and
    the attic (1 applicant, nothing reported); the third group, which she does not moderate,
    has its own applicant and report."""
    for slug in (GARDEN, ATTIC, ELSEWHERE):
        await board.community(slug, join_policy="approval")
    mia = await board.member("mia", GARDEN, role="moderator")
    await board.member("mia", ATTIC, role="admin")
    await apply(board, "ana", GARDEN)
    await apply(board, "bea", GARDEN)
    await apply(board, "ana", ATTIC)
    await apply(board, "cyd", ELSEWHERE)
    await report_listing(board, GARDEN, ["rob", "sam"])
    await report_message(board, GARDEN)
    await report_listing(board, ELSEWHERE, ["tom"])
    return mia


async def test_each_reader_sees_the_waiting_work_of_the_groups_they_moderate_only(
    client: AsyncTestClient[Litestar], board: Board, mia: Person
) -> None:
    page = await mia.get("/moderation")
    assert page.status_code == 200, page.text
    assert counts_by_group(page.text) == {GARDEN: (2, 2), ATTIC: (1, 0)}
    assert "Ana" in page.text and "Bea" in page.text and "Cyd" not in page.text
    assert f'href="/communities/{GARDEN}/moderation"' in page.text  # the queue decides on reports
    assert f'href="/communities/{ELSEWHERE}/moderation"' not in page.text
    badge = await mia.get("/moderation/badge")
    assert badge.status_code == 200 and badge_number(badge.text) == 5  # 3 applicants, 2 items

    root = await board.root()  # a site admin acts as an admin in every group
    assert counts_by_group((await root.get("/moderation")).text) == {
        GARDEN: (2, 2),
        ATTIC: (1, 0),
        ELSEWHERE: (1, 1),
    }
    assert badge_number((await root.get("/moderation/badge")).text) == 7

    bob = await board.member("bob", GARDEN)  # a member, moderating nothing
    empty = await bob.get("/moderation/badge")
    assert empty.status_code == 286 and badge_number(empty.text) is None  # htmx stops asking
    home = await bob.get("/")
    assert home.status_code == 200 and 'hx-get="/moderation/badge"' in home.text
    refused = await bob.get("/moderation")
    assert refused.status_code == 404 and "réservée aux modérateurs" in refused.text
    assert "Ana" not in refused.text
    client.cookies.clear()
    assert badge_number((await client.get("/moderation/badge")).text) is None
    anonymous = await client.get("/moderation", follow_redirects=False)
    assert anonymous.status_code in (302, 303, 401)


async def statements(who: Person, path: str) -> int:
    with counted() as sent:
        response = await who.get(path)
    assert response.status_code == 200, response.text
    return len(sent.sent)


async def test_many_groups_cost_no_more_statements_and_applicants_are_accepted_without_javascript(
    client: AsyncTestClient[Litestar], board: Board
) -> None:
    await board.community("seul-groupe", join_policy="approval")
    zoe = await board.member("zoe", "seul-groupe", role="moderator")
    await apply(board, "ana", "seul-groupe")
    one: dict[str, Any] = {path: await statements(zoe, path) for path in ("/moderation/badge", "/moderation")}
    for number in range(3):
        slug = f"groupe-numero-{number}"
        await board.community(slug, join_policy="approval")
        await board.member("zoe", slug, role="moderator")
        await apply(board, "ana", slug)
        await report_listing(board, slug, ["rob"])
    many = {path: await statements(zoe, path) for path in one}
    assert many == one

    # The page's plain forms (no JavaScript): accepting Ana in one group leaves the others.
    token = await sign_in(client, zoe)
    page = await client.get("/moderation")
    assert counts_by_group(page.text)["groupe-numero-2"] == (1, 1)
    forms = re.findall(r'<form method="post" action="(/communities/[^"]+/approve)"', page.text)
    assert len(forms) == 4, forms
    (action,) = [form for form in forms if form.startswith("/communities/groupe-numero-2/")]
    accepted = await client.post(action, data={"_csrf_token": token}, follow_redirects=False)
    assert accepted.status_code == 303, accepted.text
    after = counts_by_group((await client.get("/moderation")).text)
    assert after["groupe-numero-2"] == (0, 1) and after["groupe-numero-1"] == (1, 1)
    assert badge_number((await client.get("/moderation/badge")).text) == 3 + 3 + 1 - 1
