"""User stories built through the public API, as people use the marketplace: the one place for them.

``Board`` (the ``board`` fixture of tests/conftest.py) registers people, creates communities as
a site admin, admits members, reads categories and posts listings; ``upload`` and ``add_photo``
put photos on a listing; ``sign_in`` logs somebody in with the browser's form. The browser
journeys, which drive a served app, tell their stories with the operator's command instead:
``command_line_community``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from marketplace.accounts.service import UserService
from marketplace.operations import create_user, transaction
from tests.unit.photos.conftest import photo_bytes

PASSWORD = "correct horse battery"
AREAS = ["Belleville", "Gambetta", "Jourdain", "Ménilmontant"]
SLUG = "vide-grenier-test"


class Person:
    """Somebody using the API with their own bearer token."""

    def __init__(self, client: AsyncTestClient[Litestar], email: str, user_id: str, token: str) -> None:
        self.client = client
        self.email = email
        self.id = user_id
        self.token = token

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def get(self, url: str, **kwargs: Any) -> Any:
        return await self.client.get(url, headers=self.headers, **kwargs)

    async def post(self, url: str, json: Any = None, **kwargs: Any) -> Any:
        return await self.client.post(url, json=json, headers=self.headers, **kwargs)

    async def patch(self, url: str, json: Any = None, **kwargs: Any) -> Any:
        return await self.client.patch(url, json=json, headers=self.headers, **kwargs)

    async def put(self, url: str, json: Any = None, **kwargs: Any) -> Any:
        return await self.client.put(url, json=json, headers=self.headers, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> Any:
        return await self.client.delete(url, headers=self.headers, **kwargs)


PersonFactory = Callable[..., Awaitable[Person]]


def registration(client: AsyncTestClient[Litestar], app: Litestar) -> PersonFactory:
    """``await make("alice", admin=True)``: registers somebody and gives them a token.

    People are made by the operator's function (``create_user``, the accounts service's
    ``register``): their address counts as confirmed, so that a story can post and write at
    once. ``verified=False`` signs up through the public API instead, as a newcomer does, whose
    address waits for the mailed link (see tests/integration/accounts/test_account_emails.py)."""

    async def make(name: str, *, admin: bool = False, verified: bool = True) -> Person:
        email = f"{name}@example.org"
        if verified or admin:
            user = await create_user(app.state.settings, email, name.title(), PASSWORD, admin)
            user_id = str(user.id)
        else:
            response = await client.post(
                "/api/v1/auth/register",
                json={"email": email, "password": PASSWORD, "display_name": name.title()},
            )
            assert response.status_code == 202, response.text
            async with transaction(app.state.settings) as session:
                found = await UserService(session=session).by_email(email)
            assert found is not None
            user_id = str(found.id)
        response = await client.post("/api/v1/auth/tokens", json={"email": email, "password": PASSWORD})
        assert response.status_code == 201, response.text
        return Person(client, email, user_id, response.json()["token"])

    return make


async def csrf_token(client: AsyncTestClient[Litestar]) -> str:
    """The CSRF token a browser would hold after loading any page."""
    if "csrftoken" not in client.cookies:
        await client.get("/login")
    return client.cookies["csrftoken"]


async def sign_in(client: AsyncTestClient[Litestar], who: Person) -> str:
    """Log ``who`` in with the login form; returns the CSRF token the pages' next forms carry."""
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={"email": who.email, "password": PASSWORD, "_csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client.cookies["csrftoken"]


class Board:
    """Builds the story a test needs in a few calls (a site admin, "root", runs the communities).

    Somebody is registered once: asking again for the same name gives the same person.
    """

    def __init__(self, person: PersonFactory) -> None:
        self._person = person
        self._people: dict[str, Person] = {}

    async def someone(self, name: str, *, admin: bool = False) -> Person:
        if name not in self._people:
            self._people[name] = await self._person(name, admin=admin)
        return self._people[name]

    async def root(self) -> Person:
        return await self.someone("root", admin=True)

    async def community(
        self,
        slug: str = SLUG,
        *,
        visibility: str = "public",
        join_policy: str = "open",
        template: str = "vide-grenier",
        pickup_areas: list[str] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """A community created by root: public, open, with the vide-grenier categories and
        four quartiers unless told otherwise; other ``fields`` go into the request as they are."""
        root = await self.root()
        response = await root.post(
            "/api/v1/communities",
            json={
                "slug": slug,
                "name": slug.replace("-", " ").title(),
                "description": "Pour le quartier.",
                "visibility": visibility,
                "join_policy": join_policy,
                "join_question": "Votre quartier ?" if join_policy == "approval" else "",
                "pickup_areas": AREAS if pickup_areas is None else pickup_areas,
                "template": template,
                **fields,
            },
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def member(self, name: str, slug: str = SLUG, *, role: str | None = None) -> Person:
        """``name`` as an active member of ``slug`` (approved by root when needed), with ``role``."""
        who = await self.someone(name)
        joined = await who.post(
            f"/api/v1/communities/{slug}/join", json={"answer": "J'habite rue des Pyrénées"}
        )
        assert joined.status_code == 201, joined.text
        root = await self.root()
        if joined.json()["status"] == "pending":
            approved = await root.post(f"/api/v1/communities/{slug}/members/{who.id}/approve")
            assert approved.status_code == 200, approved.text
        if role:
            promoted = await root.post(
                f"/api/v1/communities/{slug}/members/{who.id}/role", json={"role": role}
            )
            assert promoted.status_code == 200, promoted.text
        return who

    async def categories(self, slug: str = SLUG) -> dict[str, dict[str, Any]]:
        root = await self.root()
        response = await root.get(f"/api/v1/communities/{slug}/categories")
        assert response.status_code == 200, response.text
        return {item["name"]: item for item in response.json()["items"]}

    async def category_id(self, name: str, slug: str = SLUG) -> str:
        return str((await self.categories(slug))[name]["id"])

    async def post(self, author: Person, slug: str = SLUG, **fields: Any) -> Any:
        """The raw answer to posting a listing (a gift in "Maison" unless told otherwise)."""
        body: dict[str, Any] = {"kind": "give", "title": "Lampe de bureau", "description": "Fonctionne bien."}
        if "category_id" not in fields:
            body["category_id"] = await self.category_id(fields.pop("category", "Maison"), slug)
        body.update(fields)
        return await author.post(f"/api/v1/communities/{slug}/listings", json=body)

    async def listing(self, author: Person, slug: str = SLUG, **fields: Any) -> dict[str, Any]:
        response = await self.post(author, slug, **fields)
        assert response.status_code == 201, response.text
        return dict(response.json())


# --- photos ------------------------------------------------------------------------------------

CONTENT_TYPES = {
    "JPEG": ("photo.jpg", "image/jpeg"),
    "PNG": ("photo.png", "image/png"),
    "WEBP": ("photo.webp", "image/webp"),
    "HEIF": ("IMG_0001.HEIC", "image/heic"),
    "AVIF": ("photo.avif", "image/avif"),
}


async def upload(who: Person, listing_id: str, data: bytes, fmt: str = "JPEG", **fields: str) -> Any:
    """The raw answer to uploading ``data`` as a ``fmt`` file (named and typed as a phone would)."""
    filename, content_type = CONTENT_TYPES.get(fmt, ("file.bin", "application/octet-stream"))
    return await who.post(
        f"/api/v1/listings/{listing_id}/photos",
        files={"file": (filename, data, content_type)},
        data=fields or None,
    )


async def add_photo(who: Person, listing_id: str, data: bytes | None = None, **fields: str) -> dict[str, Any]:
    response = await upload(who, listing_id, data if data is not None else photo_bytes("JPEG"), **fields)
    assert response.status_code == 201, response.text
    return dict(response.json())


# --- the operator's command, for a served app ----------------------------------------------------


def command_line_community(
    cli: Callable[..., str],
    slug: str,
    *,
    name: str,
    admin_email: str,
    pickup_areas: list[str],
    template: str,
    **options: str,
) -> str:
    """A site admin (``admin_email``, password PASSWORD) and the community they run, made with
    the ``marketplace`` command; ``options`` are its other flags (``join_policy="approval"``)."""
    cli("users", "create", "--email", admin_email, "--name", "Admin", "--password", PASSWORD, "--admin")
    flags = [f"--{option.replace('_', '-')}={value}" for option, value in options.items()]
    areas = [f"--pickup-area={area}" for area in pickup_areas]
    cli(
        "communities", "create", "--slug", slug, "--name", name, *flags, *areas,
        "--template", template, "--admin-email", admin_email,
    )  # fmt: skip
    return slug
