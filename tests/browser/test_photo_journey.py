"""The photo journey of issue 3, in a real browser: post a listing with two photos from the
form, put them in another order, and find the new first photo as the card's cover."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.browser.conftest import LiveServer, register, screenshot
from tests.stories import command_line_community

pytestmark = pytest.mark.browser

SLUG = "vide-grenier-photos"


def camera_photo(color: str, label: str) -> bytes:
    """A JPEG as a phone would send it: big enough to be scaled down, with something drawn on it."""
    image = Image.new("RGB", (1600, 1200), color)
    ImageDraw.Draw(image).ellipse((500, 300, 1100, 900), fill="white")
    ImageDraw.Draw(image).text((60, 60), label, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def group(live_server: LiveServer) -> str:
    return command_line_community(
        live_server.cli,
        SLUG,
        name="Vide-grenier des photos",
        admin_email="admin@photos.test",
        pickup_areas=["Belleville"],
        template="vide-grenier",
    )


def photo_ids_in_gallery(page: Any) -> list[str]:
    return [
        str(image.get_attribute("data-photo-id"))
        for image in page.locator(".gallery img[data-photo-id]").all()
    ]


def test_post_with_two_photos_reorder_and_see_the_cover(
    live_server: LiveServer, group: str, new_page: Any
) -> None:
    server = live_server
    nadia = new_page()
    register(nadia, server, "nadia@photos.test", "Nadia")
    nadia.goto(f"{server.url}/communities/{SLUG}/about")
    nadia.get_by_role("button", name="Rejoindre").click()
    nadia.wait_for_load_state()

    nadia.goto(f"{server.url}/listings/new?community={SLUG}")
    nadia.select_option("#kind", "give")
    nadia.select_option("#category_id", label="Maison")
    nadia.fill("#title", "Lampe de chevet en laiton")
    nadia.set_input_files(
        "#photos",
        [
            {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": camera_photo("#c0392b", "rouge")},
            {"name": "IMG_0002.jpg", "mimeType": "image/jpeg", "buffer": camera_photo("#2e86c1", "bleu")},
        ],
    )
    nadia.get_by_role("button", name="Publier", exact=True).click()
    nadia.wait_for_url(re.compile(r"/listings/[0-9a-f-]{36}$"))
    assert "2 photos ajoutées." in nadia.content()
    first, second = photo_ids_in_gallery(nadia)
    gallery_image = nadia.locator(f'.gallery img[data-photo-id="{first}"]')
    assert gallery_image.get_attribute("alt") == "Lampe de chevet en laiton, photo 1 sur 2"
    assert gallery_image.evaluate("image => image.complete && image.naturalWidth > 0")
    assert f"/photos/{first}/medium/" in gallery_image.evaluate("image => image.currentSrc")  # 390 px phone
    screenshot(nadia, "photos-1-posted")

    # The second photo goes first, with the buttons of the photo list (no JavaScript involved).
    nadia.get_by_role("button", name="Avancer la photo 2").click()
    nadia.wait_for_load_state()
    assert "Ordre des photos enregistré." in nadia.content()
    assert photo_ids_in_gallery(nadia) == [second, first]
    screenshot(nadia, "photos-2-reordered")

    visitor = new_page()  # anybody: the group is public
    visitor.goto(f"{server.url}/communities/{SLUG}")
    card = visitor.locator("article.listing-card").filter(has_text="Lampe de chevet en laiton")
    cover = card.locator("a.cover img[data-photo-id]")
    assert cover.get_attribute("data-photo-id") == second
    cover.scroll_into_view_if_needed()
    visitor.wait_for_function(
        "id => { const image = document.querySelector(`img[data-photo-id='${id}']`);"
        " return image && image.complete && image.naturalWidth > 0; }",
        arg=second,
    )
    assert cover.evaluate("image => image.currentSrc").startswith(f"{server.url}/photos/{second}/")
    screenshot(visitor, "photos-3-cover-in-list")
