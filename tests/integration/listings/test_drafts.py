"""The posting form never loses work: photos go into the member's draft as soon as they are
received (by upload.js one at a time, or by the form itself without JavaScript), survive a
form sent back with errors, block the publication while one is refused, and stay private."""

from __future__ import annotations

import datetime
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from marketplace.accounts.models import User
from marketplace.operations import transaction
from marketplace.photos.dependencies import storage_for
from marketplace.photos.drafts import DRAFT_LIFETIME, MAX_DRAFTS_PER_MEMBER, DraftService
from marketplace.photos.gc import collect
from marketplace.photos.models import DraftPhoto, PhotoDraft
from marketplace.photos.scheduled import expire_drafts
from tests.integration.photos.conftest import make_image, photo_bytes, raw_png, stored_files
from tests.stories import sign_in

pytestmark = pytest.mark.anyio

SLUG = "vide-grenier-test"


def picture(red: int) -> bytes:
    return photo_bytes("JPEG", image=make_image((320, 240), color=(red, 80, 160)))


GOOD = ("IMG_0001.jpg", picture(10), "image/jpeg")
OTHER = ("IMG_0002.jpg", picture(200), "image/jpeg")
GIF = ("vacances.gif", photo_bytes("GIF", size=(40, 30)), "image/gif")
EMPTY = ("vide.jpg", b"", "image/jpeg")
HUGE = ("panorama.png", raw_png(10_000, 8_000, 2, 8, b"\x00" * 64), "image/png")  # 80 megapixels


@pytest.fixture
async def alice(board: Any, client: Any) -> dict[str, Any]:
    """Alice, signed in with the browser client, and what her posting form needs."""
    await board.community()
    person = await board.member("alice")
    return {
        "person": person,
        "token": await sign_in(client, person),
        "category": await board.category_id("Maison"),
    }


def listing_form(story: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "_csrf_token": story["token"],
        "community": SLUG,
        "kind": "give",
        "title": "Lampe de chevet",
        "category_id": story["category"],
        "action": "publish",
        **fields,
    }


async def post_form(client: Any, story: dict[str, Any], files: list[Any] = (), **fields: Any) -> Any:  # type: ignore[assignment]
    return await client.post(
        "/listings/new",
        data=listing_form(story, **fields),
        files=[("photos", file) for file in files] or None,
        follow_redirects=False,
    )


async def js_upload(client: Any, story: dict[str, Any], file: Any, draft_id: str = "") -> Any:
    """What upload.js sends for one chosen photo."""
    return await client.post(
        "/drafts/photos",
        data={"draft_id": draft_id},
        files=[("photos", file)],
        headers={"x-csrftoken": story["token"]},
    )


def draft_of(page: str) -> str:
    found = re.search(r'name="draft_id" value="([0-9a-f-]{36})"', page)
    assert found, "the form carries its draft"
    return found.group(1)


def thumbnails(page: str) -> list[str]:
    return re.findall(r'src="(/drafts/photos/[0-9a-f-]{36}/thumb/[0-9a-f]{64}\.webp)"', page)


def refused_ids(page: str) -> list[str]:
    return re.findall(r'name="publish_without" value="([0-9a-f-]{36})"', page)


async def published(story: dict[str, Any]) -> list[dict[str, Any]]:
    return list((await story["person"].get("/api/v1/me/listings")).json()["items"])


async def photo_count(story: dict[str, Any], response: Any) -> int:
    assert response.status_code == 303, response.text
    listing_id = response.headers["location"].rsplit("/", 1)[-1]
    return len((await story["person"].get(f"/api/v1/listings/{listing_id}")).json()["photos"])


async def test_a_validation_error_keeps_the_photos_sent_with_or_without_javascript(alice, client):
    # upload.js sends a photo as soon as it is chosen, into a new draft...
    first = await js_upload(client, alice, GOOD)
    assert first.status_code == 201, first.text
    draft_id = first.headers["x-draft-id"]
    assert "/drafts/photos/" in first.text and "Retirer" in first.text
    # ...and without JavaScript the form itself carries the next one, into the same draft.
    refused = await post_form(
        client, alice, [OTHER], title="", description="Laiton, 40 cm", draft_id=draft_id
    )

    assert refused.status_code == 400
    page = refused.text
    assert 'role="alert"' in page and "Il y a un problème" in page
    assert '<a href="#title">' in page and 'aria-describedby="title-error"' in page
    assert "Laiton, 40 cm" in page  # what was typed stays
    assert draft_of(page) == draft_id and len(thumbnails(page)) == 2
    assert (await client.get(thumbnails(page)[0])).status_code == 200

    fixed = await post_form(client, alice, title="Lampe de chevet", draft_id=draft_id)
    assert await photo_count(alice, fixed) == 2
    # The draft went with the publication: a photo chosen in the same form again starts another.
    again = await js_upload(client, alice, GOOD, draft_id)
    assert again.status_code == 201 and again.headers["x-draft-id"] != draft_id


async def test_a_refused_photo_blocks_the_publication_until_removed_or_published_without(alice, client):
    response = await post_form(client, alice, [GIF, GOOD, EMPTY, HUGE], description="Abat-jour crème")

    assert response.status_code == 400
    assert await published(alice) == []  # not published without the photos, as it used to be
    page = response.text
    assert "Format non accepté : GIF." in page and "Fichier vide." in page and "Image trop grande" in page
    draft_id, (gif_id, empty_id, huge_id) = draft_of(page), refused_ids(page)
    assert f'<a href="#photo-{gif_id}">' in page and f'aria-describedby="photo-{gif_id}-error"' in page
    assert "Publier sans cette photo" in page and len(thumbnails(page)) == 1

    half = await post_form(client, alice, draft_id=draft_id, publish_without=[gif_id])
    assert half.status_code == 400 and refused_ids(half.text) == [gif_id, empty_id, huge_id]
    assert f'<a href="#photo-{empty_id}">' in half.text and f'<a href="#photo-{gif_id}">' not in half.text

    # "Retirer" without JavaScript sends the whole form: it comes back without the photo, with
    # what was typed and the photo chosen meanwhile.
    removed = await client.post(
        f"/listings/new/photos/{empty_id}/remove",
        data=listing_form(alice, description="Abat-jour crème", draft_id=draft_id),
        files=[("photos", OTHER)],
    )
    assert removed.status_code == 200 and "Photo retirée." in removed.text
    assert refused_ids(removed.text) == [gif_id, huge_id] and len(thumbnails(removed.text)) == 2
    assert "Abat-jour crème" in removed.text

    # upload.js sends only the name of a file over 20 MB: it is refused as any other.
    too_large = await client.post(
        "/drafts/photos",
        data={"draft_id": draft_id, "too_large": "VID_0001.jpg"},
        headers={"x-csrftoken": alice["token"]},
    )
    assert too_large.status_code == 201 and "Fichier trop volumineux : 20 Mo au maximum." in too_large.text
    (big_id,) = refused_ids(too_large.text)

    knowingly = await post_form(client, alice, draft_id=draft_id, publish_without=[gif_id, huge_id, big_id])
    assert await photo_count(alice, knowingly) == 2

    # On the listing's own page, a refused file is named as well (and costs the others nothing).
    listing_id = knowingly.headers["location"].rsplit("/", 1)[-1]
    gallery = await client.post(
        f"/listings/{listing_id}/photos", data={"_csrf_token": alice["token"]}, files=[("photos", GIF)]
    )
    assert "« vacances.gif » n&#39;a pas été ajoutée : Format non accepté : GIF." in gallery.text


async def test_a_draft_is_its_authors_only(alice, board, client):
    draft_id = (await js_upload(client, alice, GOOD)).headers["x-draft-id"]
    photo_page = (await post_form(client, alice, title="", draft_id=draft_id)).text
    thumbnail = thumbnails(photo_page)[0]
    photo_id = thumbnail.split("/")[3]
    own = await client.get(thumbnail)
    assert own.headers["cache-control"].startswith("private") and own.headers["x-robots-tag"] == "noindex"

    bob = await board.member("bob")
    bob_token = await sign_in(client, bob)  # the same browser, now Bob's session
    bob_story = {**alice, "person": bob, "token": bob_token}
    assert (await client.get(thumbnail)).status_code == 404
    assert (await client.get(f"/listings/new?draft={draft_id}")).text.count("/drafts/photos/") == 0
    deleted = await client.post(f"/drafts/photos/{photo_id}/delete", headers={"x-csrftoken": bob_token})
    assert deleted.status_code == 404
    into_alices = await js_upload(client, bob_story, OTHER, draft_id)
    assert into_alices.status_code == 201 and into_alices.headers["x-draft-id"] != draft_id  # his own
    own_listing = await post_form(client, bob_story, draft_id=draft_id)
    assert await photo_count(bob_story, own_listing) == 0  # Alice's photos did not move

    client.cookies.clear()
    anonymous = await client.get(thumbnail, follow_redirects=False)
    assert anonymous.status_code in (302, 401)


async def test_drafts_are_few_per_member_and_go_after_a_week(alice, app, client):
    media_root = Path(app.state.settings.media.root)
    ids = [
        (await js_upload(client, alice, (f"p{n}.jpg", picture(n), "image/jpeg"))).headers["x-draft-id"]
        for n in range(MAX_DRAFTS_PER_MEMBER + 1)
    ]
    settings = app.state.settings
    async with transaction(settings) as session:
        kept = set(map(str, await session.scalars(select(PhotoDraft.id))))
    assert len(kept) == MAX_DRAFTS_PER_MEMBER and ids[0] not in kept  # the oldest made room
    files_before = stored_files(media_root)
    async with transaction(settings) as session:  # the media GC counts a draft's files as used
        assert (await collect(session, media_root, min_age=datetime.timedelta(0))).orphans == []

    async with transaction(settings) as session:
        await session.execute(
            update(PhotoDraft)
            .where(PhotoDraft.id.in_([draft for draft in kept if draft != ids[-1]]))
            .values(
                touched_at=datetime.datetime.now(datetime.UTC) - DRAFT_LIFETIME - datetime.timedelta(hours=1)
            )
        )
    async with transaction(settings) as session:  # `marketplace media gc` reports them too
        report = await collect(session, media_root, min_age=datetime.timedelta(0))
        assert report.abandoned_drafts == MAX_DRAFTS_PER_MEMBER - 1 and report.orphans == []
    async with transaction(settings) as session:
        assert (
            await expire_drafts.work(session, datetime.datetime.now(datetime.UTC))
            == MAX_DRAFTS_PER_MEMBER - 1
        )
    async with transaction(settings) as session:
        assert list(map(str, await session.scalars(select(PhotoDraft.id)))) == [ids[-1]]
        assert await session.scalar(select(func.count(DraftPhoto.id))) == 1
    assert len(stored_files(media_root)) < len(files_before)  # their files went with them

    assert (await client.get(f"/listings/new?draft={ids[-1]}&community={SLUG}")).text.count("/thumb/") == 1

    # The account's share: in its export, and gone with it (privacy/service.py's AccountShare).
    async with transaction(settings) as session:
        drafts = DraftService(session, storage=storage_for(settings))
        user = await session.get(User, uuid.UUID(alice["person"].id))
        assert user is not None
        (exported,) = await drafts.export_of(user)
        assert exported["id"] == ids[-1] and exported["photos"] == [{"file": "p5.jpg", "refused": None}]
        assert await drafts.forget(user.id) == 1
    assert stored_files(media_root) == set()
