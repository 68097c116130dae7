"""The photo forms of the pages: posting with photos, the gallery, the author's photo list, cards."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.integration.photos.conftest import make_image, photo_bytes
from tests.stories import add_photo, sign_in

pytestmark = pytest.mark.anyio


def picture(red: int, size: tuple[int, int] = (800, 600)) -> bytes:
    return photo_bytes("JPEG", image=make_image(size, color=(red, 80, 160)))


@pytest.fixture
async def alice_in_browser(board: Any, client: Any) -> dict[str, Any]:
    await board.community()
    alice = await board.member("alice")
    return {
        "alice": alice,
        "token": await sign_in(client, alice),
        "category": await board.category_id("Maison"),
    }


async def post_listing(
    client: Any, story: dict[str, Any], files: list[tuple[str, bytes, str]], **fields: str
) -> Any:
    form = {
        "_csrf_token": story["token"],
        "community": "vide-grenier-test",
        "kind": "give",
        "title": "Lampe de chevet",
        "category_id": story["category"],
        "action": "publish",
        **fields,
    }
    return await client.post(
        "/listings/new",
        data=form,
        files=[("photos", file) for file in files],
        follow_redirects=False,
    )


async def photos_of(who: Any, listing_id: str) -> list[dict[str, Any]]:
    return list((await who.get(f"/api/v1/listings/{listing_id}")).json()["photos"])


async def test_posting_form_takes_several_photos_including_heic(alice_in_browser, client):
    response = await post_listing(
        client,
        alice_in_browser,
        [
            ("IMG_0001.JPG", picture(10), "image/jpeg"),
            ("IMG_0002.HEIC", photo_bytes("HEIF", size=(400, 300)), "image/heic"),
        ],
    )

    assert response.status_code == 303, response.text
    listing_id = response.headers["location"].rsplit("/", 1)[-1]
    photos = await photos_of(alice_in_browser["alice"], listing_id)
    assert [(photo["position"], photo["width"]) for photo in photos] == [(0, 800), (1, 400)]
    page = await client.get(f"/listings/{listing_id}")
    assert "2 photos ajoutées." in page.text


async def test_posting_form_without_the_csrf_token_is_refused(alice_in_browser, client):
    story = {**alice_in_browser, "token": "forged"}

    response = await post_listing(client, story, [("a.jpg", picture(10), "image/jpeg")])

    assert response.status_code == 403
    assert (await alice_in_browser["alice"].get("/api/v1/me/listings")).json()["total"] == 0


async def test_plain_form_without_photos_still_posts(alice_in_browser, client):
    story = alice_in_browser
    response = await client.post(
        "/listings/new",
        data={
            "_csrf_token": story["token"],
            "community": "vide-grenier-test",
            "kind": "give",
            "title": "Tabouret",
            "category_id": story["category"],
        },
        follow_redirects=False,
    )

    assert response.status_code == 303


async def test_gallery_shows_medium_photos_with_alt_text_over_their_placeholder(board, client):
    await board.community()
    alice = await board.member("alice")
    listing = await board.listing(alice, title="Vélo enfant 16 pouces")
    first = await add_photo(alice, listing["id"], picture(200, (2400, 1800)))
    await add_photo(alice, listing["id"], picture(30), alt_text="Le guidon")

    page = (await client.get(f"/listings/{listing['id']}")).text  # anonymous reader

    assert f'src="{first["urls"]["medium"]}"' in page
    assert f"{first['urls']['large']} 1920w" in page  # srcset
    assert 'alt="Vélo enfant 16 pouces, photo 1 sur 2"' in page
    assert 'alt="Le guidon"' in page
    assert 'src="data:image/svg+xml,' in page and "%23" in page  # the placeholder colour
    assert "style=" not in page
    assert 'id="photos-title"' not in page and "/move" not in page  # the author's list is not shown


async def test_cards_show_the_cover_thumbnail(board, client):
    await board.community()
    alice = await board.member("alice")
    with_photos = await board.listing(alice, title="Table basse")
    await board.listing(alice, title="Sans photo")
    first = await add_photo(alice, with_photos["id"], picture(10))
    await add_photo(alice, with_photos["id"], picture(90))

    page = (await client.get("/communities/vide-grenier-test")).text

    thumbs = re.findall(r'<img src="(/photos/[^"]+/thumb/[^"]+)"', page)
    assert thumbs == [first["urls"]["thumb"]]
    assert 'loading="lazy"' in page and 'width="320"' in page and 'height="240"' in page


async def test_author_reorders_chooses_the_cover_describes_and_deletes_from_the_page(
    alice_in_browser, board, client
):
    alice, token = alice_in_browser["alice"], alice_in_browser["token"]
    listing = await board.listing(alice)
    one, two, three = [await add_photo(alice, listing["id"], picture(red)) for red in (10, 90, 170)]

    page = (await client.get(f"/listings/{listing['id']}")).text
    assert f'action="/photos/{one["id"]}/move"' in page and 'name="photos" type="file" multiple' in page

    for action, data in (
        (f"/photos/{one['id']}/move", {"direction": "down"}),
        (f"/photos/{three['id']}/cover", {}),
        (f"/photos/{two['id']}/alt", {"alt_text": "Vue de dessus"}),
    ):
        response = await client.post(action, data={**data, "_csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/listings/{listing['id']}#photos"

    photos = await photos_of(alice, listing["id"])
    assert [photo["id"] for photo in photos] == [three["id"], two["id"], one["id"]]
    assert photos[1]["alt_text"] == "Vue de dessus"

    await client.post(f"/photos/{two['id']}/delete", data={"_csrf_token": token})
    assert [photo["id"] for photo in await photos_of(alice, listing["id"])] == [three["id"], one["id"]]


async def test_author_adds_photos_from_the_listing_page(alice_in_browser, board, client):
    alice, token = alice_in_browser["alice"], alice_in_browser["token"]
    listing = await board.listing(alice)

    response = await client.post(
        f"/listings/{listing['id']}/photos",
        data={"_csrf_token": token},
        files=[
            ("photos", ("a.jpg", picture(10), "image/jpeg")),
            ("photos", ("b.png", photo_bytes("PNG"), "image/png")),
        ],
        follow_redirects=False,
    )

    assert response.status_code == 303
    photos = await photos_of(alice, listing["id"])
    assert len(photos) == 2
    mine = (await client.get("/my/listings")).text
    assert f'src="{photos[0]["urls"]["thumb"]}"' in mine  # the author's own cards show the cover too


async def test_photos_beyond_ten_are_named_and_not_added(alice_in_browser, board, client):
    alice, token = alice_in_browser["alice"], alice_in_browser["token"]
    listing = await board.listing(alice)
    for red in range(9):
        await add_photo(
            alice, listing["id"], photo_bytes("JPEG", image=make_image((32, 24), color=(red, 0, 0)))
        )

    answer = await client.post(  # followed to the listing page, which shows the messages
        f"/listings/{listing['id']}/photos",
        data={"_csrf_token": token},
        files=[("photos", (f"p{n}.jpg", picture(n), "image/jpeg")) for n in range(3)],
    )

    assert len(await photos_of(alice, listing["id"])) == 10
    page = answer.text
    assert "1 photo ajoutée." in page
    assert "« p1.jpg », « p2.jpg » n&#39;ont pas été ajoutées" in page
    assert 'type="file"' not in page  # no room left: the form says so instead


async def test_another_member_sees_no_photo_controls_and_cannot_post_them(alice_in_browser, board, client):
    alice = alice_in_browser["alice"]
    listing = await board.listing(alice)
    photo = await add_photo(alice, listing["id"])
    bob = await board.member("bob")
    token = await sign_in(client, bob)

    page = (await client.get(f"/listings/{listing['id']}")).text
    response = await client.post(f"/photos/{photo['id']}/delete", data={"_csrf_token": token})

    assert "/move" not in page and "/delete" not in page
    assert "Seuls l&#39;auteur" in response.text
    assert len(await photos_of(alice, listing["id"])) == 1


async def test_listing_api_includes_its_photos(board):
    await board.community()
    alice = await board.member("alice")
    listing = await board.listing(alice)
    photo = await add_photo(alice, listing["id"])

    read = (await alice.get(f"/api/v1/listings/{listing['id']}")).json()
    browse = (await alice.get("/api/v1/communities/vide-grenier-test/listings")).json()

    assert [item["id"] for item in read["photos"]] == [photo["id"]]
    assert set(read["photos"][0]["urls"]) == {"thumb", "medium", "large"}
    assert browse["items"][0]["photos"][0]["urls"] == photo["urls"]
