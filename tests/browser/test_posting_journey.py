"""The posting journey of issue 12 on a phone (390×844): three photos chosen, one refused, a
form sent with an error, corrected, and published with the two good photos kept."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from PIL import Image

from tests.browser.conftest import LiveServer, member_of, screenshot
from tests.stories import command_line_community

pytestmark = pytest.mark.browser

SLUG = "vide-grenier-brouillons"


def image_file(name: str, color: str, fmt: str, mime: str) -> dict[str, Any]:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), color).save(buffer, fmt)
    return {"name": name, "mimeType": mime, "buffer": buffer.getvalue()}


@pytest.fixture(scope="module")
def group(live_server: LiveServer) -> str:
    return command_line_community(
        live_server.cli,
        SLUG,
        name="Vide-grenier des brouillons",
        admin_email="admin@brouillons.test",
        pickup_areas=["Belleville"],
        template="vide-grenier",
    )


def test_three_photos_one_refused_an_error_corrected_and_two_photos_published(
    live_server: LiveServer, group: str, new_page: Any
) -> None:
    server = live_server
    page = member_of(new_page, server, SLUG, "yasmine@brouillons.test", "Yasmine")
    page.goto(f"{server.url}/listings/new?community={SLUG}")
    page.select_option("#category_id", label="Maison")
    page.set_input_files(
        "#photos",
        [
            image_file("IMG_0001.jpg", "#c0392b", "JPEG", "image/jpeg"),
            image_file("vacances.gif", "#f39c12", "GIF", "image/gif"),
            image_file("IMG_0002.jpg", "#2e86c1", "JPEG", "image/jpeg"),
        ],
    )
    # Each photo goes up as soon as it is chosen; the refused one says why, beside its preview.
    page.wait_for_function(
        "() => document.querySelectorAll('#draft-photos li.draft-photo:not(.uploading)').length === 3"
    )
    refused = page.locator("li.draft-photo.refused")
    assert "Format non accepté : GIF." in refused.inner_text()
    screenshot(page, "posting-1-photos-chosen")

    # Published without a title: the form comes back, the error summary first and focused.
    page.get_by_role("button", name="Publier", exact=True).click()
    page.wait_for_selector("[data-error-summary]")
    summary = page.locator("[data-error-summary]")
    assert page.evaluate("() => document.activeElement.hasAttribute('data-error-summary')")
    assert "Il y a un problème" in summary.inner_text()
    assert "vacances.gif" in summary.inner_text()  # not published without it, unasked
    assert page.locator("#draft-photos img[src*='/drafts/photos/']").count() == 2
    screenshot(page, "posting-2-error-summary")

    summary.get_by_role("link", name=re.compile("titre")).click()
    assert page.evaluate("() => document.activeElement.id") == "title"
    page.keyboard.type("Lampe de chevet en laiton")
    page.get_by_label("Publier sans cette photo").check()
    page.get_by_role("button", name="Publier", exact=True).click()

    page.wait_for_url(re.compile(r"/listings/[0-9a-f-]{36}$"))
    assert "Votre annonce est publiée." in page.content() and "2 photos ajoutées." in page.content()
    assert page.locator(".gallery img[data-photo-id]").count() == 2
    screenshot(page, "posting-3-published")


def test_photos_shared_from_the_phone_open_a_new_listing_with_them_in_a_draft(
    live_server: LiveServer, group: str, new_page: Any
) -> None:
    """The Web Share Target: the phone's share sheet POSTs the photos to /share-target (here the
    browser's own fetch, as the installed app's would) and the posting form opens with them."""
    server = live_server
    page = member_of(new_page, server, SLUG, "samir@brouillons.test", "Samir")
    page.goto(f"{server.url}/")
    photos = [
        image_file(f"IMG_{n}.jpg", color, "JPEG", "image/jpeg")
        for n, color in ((7, "#16a085"), (8, "#8e44ad"))
    ]
    landed = page.evaluate(
        """async (photos) => {
            const form = new FormData();
            form.append("title", "Tabouret de bar");
            form.append("text", "Vu dans ma galerie");
            for (const photo of photos) {
                const bytes = new Uint8Array(photo.bytes);
                form.append("photos", new File([bytes], photo.name, {type: photo.mimeType}));
            }
            const answer = await fetch("/share-target", {method: "POST", body: form});
            return answer.url;
        }""",
        [{"name": p["name"], "mimeType": p["mimeType"], "bytes": list(p["buffer"])} for p in photos],
    )
    assert re.search(r"/listings/new\?draft=[0-9a-f-]{36}$", landed), landed
    page.goto(landed)
    assert page.input_value("#title") == "Tabouret de bar"
    assert page.locator("#draft-photos img[src*='/drafts/photos/']").count() == 2
    screenshot(page, "posting-4-shared-photos")
