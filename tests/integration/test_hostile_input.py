"""Every route of the app, fed hostile input, answers a 4xx at worst: never a 5xx.

The walk reads the app's own route table, so a new route is covered the day it is added. Each
query parameter (from the handler's signature) and each body field (the handler's msgspec
Struct for the API, the forms' field names for pages) receives, in turn, one of the value
classes below, anonymously and as a member (bearer token for the API, signed-in cookie for the
pages). Page forms are sent both URL-encoded and multipart.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from marketplace.settings import Settings
from tests.stories import Board, Person, csrf_token, sign_in

pytestmark = pytest.mark.anyio

DEEP = b"[" * 1000 + b"]" * 1000
LONG = "a" * 100_000
LONG_IN_URL = "a" * 60_000  # httpx refuses URLs past 64 KiB

# Raw JSON fragments put in place of one field of an otherwise plausible body.
JSON_VALUES: dict[str, bytes] = {
    "deep nesting": DEEP,
    "invalid utf-8": b'"\xff\xfe"',
    "huge integer": str(10**30).encode(),
    "minus one": b"-1",
    "zero": b"0",
    "100k characters": b'"' + LONG.encode() + b'"',
    "NUL byte": b'"a\\u0000b"',
    "list for a string": b'["a", "b"]',
    "object for an int": b'{"a": 1}',
}
# Raw, already percent-encoded, values of a query parameter or a URL-encoded form field.
ENCODED_VALUES: dict[str, str] = {
    "deep nesting": "%5B" * 1000 + "%5D" * 1000,
    "invalid utf-8": "%FF%FE",
    "huge integer": str(10**30),
    "minus one": "-1",
    "zero": "0",
    "100k characters": LONG_IN_URL,
    "NUL byte": "a%00b",
}
# Multipart text parts, as bytes.
PART_VALUES: dict[str, bytes] = {
    "deep nesting": DEEP,
    "invalid utf-8": b"\xff\xfe",
    "huge integer": str(10**30).encode(),
    "minus one": b"-1",
    "100k characters": LONG.encode(),
    "NUL byte": b"a\x00b",
}
# Fields the page forms render through macros (their names are not literal in the templates).
MACRO_FIELDS = {
    "email", "password", "display_name", "title", "description", "current_password",
    "new_password", "slug", "label", "join_question", "join_policy", "visibility",
    "listing_lifetime_days", "answer", "position", "quantity",
}  # fmt: skip
NOT_QUERY = {"data", "request", "scope", "state", "headers", "cookies", "socket", "query", "body"}
# Run last: they end the member's session or membership, which the other routes need.
ENDS_SESSION = re.compile(r"logout|leave|/ban$|/reject$|/revoke$|tokens/\{token_id|/password$|/role$")


@dataclass
class Story:
    slug: str
    listing_id: str
    category_id: str
    member: Person
    csrf: str  # the token of the client's current cookie session


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str  # the route's path, with its parameters
    url: str  # filled in
    query: tuple[str, ...]
    body: type | None
    is_form: bool


def _form_fields(templates_dir: Path) -> list[str]:
    names = set(MACRO_FIELDS)
    for template in templates_dir.rglob("*.html"):
        names.update(re.findall(r'name="([a-z_]+)"', template.read_text(encoding="utf-8")))
    return sorted(names - {"_csrf_token", "viewport"})


def _path_value(name: str, kind: type, story: Story) -> str:
    known = {
        "slug": story.slug,
        "listing_id": story.listing_id,
        "category_id": story.category_id,
        "user_id": story.member.id,
        "file_path": "app.css",
        "variant": "thumb",
        "name": "photo.webp",
        "path": "swagger",
    }
    if name in known:
        return known[name]
    return str(uuid.uuid4()) if kind is uuid.UUID else "inconnu"


def _endpoints(app: Litestar, story: Story) -> list[Endpoint]:
    found: list[Endpoint] = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            methods = sorted(set(handler.http_methods) - {"OPTIONS", "HEAD"})
            if not methods:
                continue
            url = route.path
            for name, parameter in route.path_parameters.items():
                url = url.replace("{" + parameter.full + "}", _path_value(name, parameter.type, story))
            dependencies = set(handler.resolve_dependencies())
            signature = handler.parsed_fn_signature.parameters
            query = []
            for name, field in signature.items():
                if name in NOT_QUERY or name in dependencies or name in route.path_parameters:
                    continue
                alias = getattr(field.kwarg_definition, "query", None)
                query.append(alias or name)
            data = signature.get("data")
            body = data.annotation if data is not None else None
            for method in methods:
                found.append(
                    Endpoint(
                        method=method,
                        template=route.path,
                        url=url,
                        query=tuple(query),
                        body=body,
                        is_form=not route.path.startswith("/api/"),
                    )
                )
    # Routes that end the member's session or membership last, so that the others see a member.
    return sorted(found, key=lambda endpoint: bool(ENDS_SESSION.search(endpoint.template)))


def _structs(annotation: Any) -> list[type[msgspec.Struct]]:
    info = msgspec.inspect.type_info(annotation)
    kinds = info.types if isinstance(info, msgspec.inspect.UnionType) else (info,)
    return [kind.cls for kind in kinds if isinstance(kind, msgspec.inspect.StructType)]


def _plausible(name: str, info: msgspec.inspect.Type, story: Story) -> Any:
    """A value of the field's type, so that the hostile one in a neighbouring field is read."""
    if isinstance(info, msgspec.inspect.UnionType):
        usable = [kind for kind in info.types if not isinstance(kind, msgspec.inspect.NoneType)]
        return _plausible(name, usable[0], story) if usable else None
    if isinstance(info, msgspec.inspect.StrType):
        return "x@example.org" if "email" in name else "Texte tout à fait normal"
    if isinstance(info, msgspec.inspect.BoolType):
        return True
    if isinstance(info, msgspec.inspect.IntType):
        return 1
    if isinstance(info, msgspec.inspect.UUIDType):
        return story.category_id if "category" in name else str(uuid.uuid4())
    if isinstance(info, msgspec.inspect.EnumType):
        return next(iter(info.cls)).value
    if isinstance(info, msgspec.inspect.LiteralType):
        return info.values[0]
    if isinstance(info, (msgspec.inspect.ListType, msgspec.inspect.SetType)):
        return [_plausible(name, info.item_type, story)]
    return None


def _json_bodies(endpoint: Endpoint, story: Story) -> Iterator[tuple[str, bytes]]:
    """The whole body hostile, then each field of the body's Struct hostile in turn."""
    yield "deep nesting body", DEEP
    yield "invalid utf-8 body", b'{"a": "\xff\xfe"}'
    yield "list for an object", b"[1, 2]"
    for struct in _structs(endpoint.body):
        info = msgspec.inspect.type_info(struct)
        assert isinstance(info, msgspec.inspect.StructType)
        plausible = {
            field.encode_name: _plausible(field.name, field.type, story)
            for field in info.fields
            if field.required
        }
        for field in info.fields:
            for label, fragment in JSON_VALUES.items():
                body = {**plausible, field.encode_name: "__HOSTILE__"}
                raw = msgspec.json.encode(body).replace(b'"__HOSTILE__"', fragment)
                yield f"{field.encode_name}={label}", raw


def _query_urls(endpoint: Endpoint) -> Iterator[tuple[str, str]]:
    for name in endpoint.query:
        for label, value in ENCODED_VALUES.items():
            yield f"?{name}={label}", f"{endpoint.url}?{name}={value}"
        yield f"?{name}=list", f"{endpoint.url}?{name}=1&{name}=2"
        yield f"?{name}=object", f"{endpoint.url}?{name}[a]=1"


class Walk:
    def __init__(self, app: Litestar, client: AsyncTestClient[Litestar], story: Story) -> None:
        self.client = client
        self.story = story
        self.fields = _form_fields(app.state.settings.templates_dir)
        self.failures: list[str] = []
        self.sent = 0

    def check(self, endpoint: Endpoint, who: str, what: str, response: Any) -> None:
        self.sent += 1
        if response.status_code >= 500:
            self.failures.append(
                f"{endpoint.method} {endpoint.template} [{who}] {what}: "
                f"{response.status_code} {response.text[:200]!r}"
            )

    async def endpoint(self, endpoint: Endpoint, *, signed_in: bool) -> None:
        # One client only: a second one would run the app in another event loop than the pool's.
        client, token = self.client, self.story.csrf
        headers = {"x-csrftoken": token}
        if not signed_in:
            who = "anonymous"
        elif endpoint.is_form:
            who = "member (cookie)"
        else:
            who = "member (bearer)"
            headers.update(self.story.member.headers)
        for what, url in _query_urls(endpoint):
            response = await client.request(endpoint.method, url, headers=headers)
            self.check(endpoint, who, what, response)
        if endpoint.method == "GET" or endpoint.method == "DELETE":
            response = await client.request(endpoint.method, endpoint.url, headers=headers)
            self.check(endpoint, who, "no input", response)
            return
        if endpoint.is_form:
            await self._forms(endpoint, who, client, headers, token)
        else:
            json_headers = {**headers, "content-type": "application/json"}
            for what, raw in _json_bodies(endpoint, self.story):
                response = await client.request(
                    endpoint.method, endpoint.url, content=raw, headers=json_headers
                )
                self.check(endpoint, who, what, response)
            await self._multipart(endpoint, who, client, headers, token, [*self.fields[:3], "alt_text"])

    async def _forms(
        self,
        endpoint: Endpoint,
        who: str,
        client: AsyncTestClient[Litestar],
        headers: dict[str, str],
        token: str,
    ) -> None:
        encoded = {**headers, "content-type": "application/x-www-form-urlencoded"}
        for label, value in ENCODED_VALUES.items():
            # every field at once: the handler reads what it knows and ignores the rest
            fields = "&".join(f"{name}={value}" for name in self.fields)
            raw = f"_csrf_token={token}&{fields}".encode()
            response = await client.request(endpoint.method, endpoint.url, content=raw, headers=encoded)
            self.check(endpoint, who, f"urlencoded every field={label}", response)
        raw = f"_csrf_token={token}&".encode() + b"&".join(
            name.encode() + b"=\xff\xfe" for name in self.fields
        )
        response = await client.request(endpoint.method, endpoint.url, content=raw, headers=encoded)
        self.check(endpoint, who, "urlencoded raw invalid utf-8", response)
        await self._multipart(endpoint, who, client, headers, token, self.fields)

    async def _multipart(
        self,
        endpoint: Endpoint,
        who: str,
        client: AsyncTestClient[Litestar],
        headers: dict[str, str],
        token: str,
        fields: list[str],
    ) -> None:
        for label, value in PART_VALUES.items():
            files: list[tuple[str, tuple[None, bytes]]] = [("_csrf_token", (None, token.encode()))]
            files += [(name, (None, value)) for name in fields]
            response = await client.request(endpoint.method, endpoint.url, files=files, headers=headers)
            self.check(endpoint, who, f"multipart every field={label}", response)


async def _story(client: AsyncTestClient[Litestar], board: Board) -> Story:
    community = await board.community()
    member = await board.member("nadia")
    listing = await board.listing(member)
    return Story(
        slug=community["slug"],
        listing_id=listing["id"],
        category_id=await board.category_id("Maison"),
        member=member,
        csrf="",
    )


async def test_no_route_answers_5xx_to_hostile_input(
    app: Litestar, client: AsyncTestClient[Litestar], board: Board, settings: Settings
) -> None:
    story = await _story(client, board)
    # Signed in first: the anonymous pass's failed logins would have the login throttled.
    member_csrf = await sign_in(client, story.member)
    member_cookies = httpx.Cookies(client.cookies)
    client.cookies.clear()
    story.csrf = await csrf_token(client)
    walk = Walk(app, client, story)
    endpoints = _endpoints(app, story)
    assert len(endpoints) > 50  # the walk did read the route table
    for endpoint in endpoints:
        await walk.endpoint(endpoint, signed_in=False)
    client.cookies = member_cookies
    story.csrf = member_csrf
    for endpoint in endpoints:
        await walk.endpoint(endpoint, signed_in=True)
    assert not walk.failures, "\n".join(walk.failures[:40]) + f"\n({len(walk.failures)} in all)"
