"""The Web Share Target: photos shared from the phone's share sheet open the posting form with
them already in a draft; the POST carries no CSRF token, so it may only ever do that."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from marketplace.operations import transaction
from marketplace.photos.models import PhotoDraft
from tests.integration.photos.conftest import make_image, photo_bytes
from tests.stories import sign_in

pytestmark = pytest.mark.anyio


def shared_photos() -> list[tuple[str, tuple[str, bytes, str]]]:
    return [
        (
            "photos",
            (
                "IMG_2041.jpg",
                photo_bytes("JPEG", image=make_image((320, 240), color=(9, 99, 9))),
                "image/jpeg",
            ),
        ),
        ("photos", ("IMG_2042.HEIC", photo_bytes("HEIF", size=(300, 200)), "image/heic")),
    ]


async def drafts_in(app: Any) -> int:
    async with transaction(app.state.settings) as session:
        return int(await session.scalar(select(func.count(PhotoDraft.id))) or 0)


async def share(client: Any, **headers: str) -> Any:
    """What the share sheet sends: multipart, no CSRF token (the browser's cookies ride along)."""
    return await client.post(
        "/share-target",
        data={"title": "Poussette canne", "text": "Très peu servi", "url": "https://exemple.fr/p"},
        files=shared_photos(),
        headers=headers,
        follow_redirects=False,
    )


async def test_a_share_opens_the_posting_form_with_its_photos_in_a_draft_and_nothing_else(board, client, app):
    await board.community()
    alice = await board.member("alice")
    await sign_in(client, alice)

    response = await share(client, **{"sec-fetch-site": "none"})

    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/listings/new?draft=")
    form = await client.get(response.headers["location"])
    assert form.status_code == 200
    assert 'value="Poussette canne"' in form.text
    assert "Très peu servi\n\nhttps://exemple.fr/p" in form.text
    assert form.text.count("/thumb/") == 2 and "IMG_2042.HEIC" in form.text
    assert (await alice.get("/api/v1/me/listings")).json()["total"] == 0  # nothing published

    # Refused, nicely: from another site, or not multipart, or logged out (sent to log in).
    assert (await share(client, **{"sec-fetch-site": "cross-site"})).status_code == 403
    plain = await client.post("/share-target", data={"title": "x"}, follow_redirects=False)
    assert plain.status_code == 415
    assert (await alice.get("/api/v1/me/listings")).json()["total"] == 0
    assert await drafts_in(app) == 1  # the share's own, and no other

    client.cookies.clear()
    logged_out = await share(client)
    assert logged_out.status_code == 303
    login = await client.get(logged_out.headers["location"])
    assert 'action="/login"' in login.text and "partagez-les à nouveau" in login.text
    assert 'name="next" value="/listings/new?title=Poussette+canne"' in login.text
    assert 'name="_csrf_token" value=""' not in login.text  # a form that can be sent
    assert await drafts_in(app) == 1
