"""The API's OpenAPI contract: the values each enum field accepts, the operations and their codes.

A client reads the allowed values of ``kind``, ``status``, ``visibility``, ``role`` and
``join_policy`` from the document rather than from error messages, and an unknown value in a
query is the client's mistake (400 naming the parameter), never the server's (500).
"""

from __future__ import annotations

import enum
import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marketplace.communities.models import JoinPolicy, MembershipStatus, Role, Visibility
from marketplace.listings.models import ListingKind, ListingStatus
from marketplace.web.errors import validation_message
from tests.stories import Board, Person

pytestmark = pytest.mark.anyio

# operationId: the status code of its success, as documented and as answered.
SUCCESS_CODES = {
    "relistListing": 200,
    "myFavourites": 200,
    "keepListing": 200,
    "releaseListing": 204,
    "register": 202,
    "resendVerification": 202,
    "changeProfile": 200,
    "changeEmail": 202,
    "deleteAccount": 200,
    "exportAccount": 200,
    "login": 200,
    "logout": 204,
    "me": 200,
    "changePassword": 204,
    "createToken": 201,
    "listTokens": 200,
    "revokeToken": 204,
    "createCommunity": 201,
    "listCommunities": 200,
    "getCommunity": 200,
    "updateCommunity": 200,
    "joinCommunity": 201,
    "leaveCommunity": 200,
    "listMembers": 200,
    "approveMember": 200,
    "rejectMember": 200,
    "banMember": 200,
    "setMemberRole": 200,
    "listCategories": 200,
    "createCategory": 201,
    "reorderCategories": 200,
    "getCategory": 200,
    "updateCategory": 200,
    "mergeCategory": 200,
    "createListing": 201,
    "browseListings": 200,
    "getListing": 200,
    "editListing": 200,
    "changeListingStatus": 200,
    "myListings": 200,
    "listPhotos": 200,
    "addPhoto": 201,
    "reorderPhotos": 200,
    "editPhoto": 200,
    "deletePhoto": 204,
    "expressInterest": 201,
    "reserveListing": 200,
    "unreserveListing": 200,
    "getReservation": 200,
    "getDraw": 200,
    "thankForListing": 200,
    "listConversations": 200,
    "listMessages": 200,
    "sendMessage": 201,
    "markConversationRead": 200,
    "blockUser": 200,
    "reportMessage": 201,
    "listMessageReports": 200,
    "reportListing": 201,
    "moderationQueue": 200,
    "resolveReport": 200,
    "communityAuditLog": 200,
    "listSavedSearches": 200,
    "createSavedSearch": 201,
    "updateSavedSearch": 200,
    "deleteSavedSearch": 204,
    "searchListings": 200,
    "listNotifications": 200,
    "markNotificationsRead": 200,
    "getNotificationPreferences": 200,
    "setNotificationPreferences": 200,
}


@pytest.fixture
async def document(client: AsyncTestClient[Litestar]) -> dict[str, Any]:
    response = await client.get("/api/docs/openapi.json")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def values(enum_type: type[enum.Enum]) -> list[str]:
    return [member.value for member in enum_type]


def allowed(document: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """The values a schema allows: its own ``enum``, or that of the one schema it refers to."""
    if "enum" in schema:
        return list(schema["enum"])
    if "$ref" in schema:
        return allowed(document, document["components"]["schemas"][schema["$ref"].rpartition("/")[2]])
    found = [allowed(document, arm) for arm in schema.get("oneOf", []) if arm.get("type") != "null"]
    assert len(found) == 1, f"no single enum in {schema}"
    return found[0]


def field(document: dict[str, Any], component: str, name: str) -> dict[str, Any]:
    return document["components"]["schemas"][component]["properties"][name]  # type: ignore[no-any-return]


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        operation["operationId"]: operation
        for path, methods in document["paths"].items()
        if path.startswith("/api/v1/")
        for operation in methods.values()
    }


def query_parameter(document: dict[str, Any], operation_id: str, name: str) -> dict[str, Any]:
    (parameter,) = [
        item
        for item in operations(document)[operation_id].get("parameters", [])
        if item["in"] == "query" and item["name"] == name
    ]
    return parameter["schema"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("component", "name", "enum_type"),
    [
        ("CommunityInput", "visibility", Visibility),
        ("CommunityInput", "join_policy", JoinPolicy),
        ("CommunityPatch", "visibility", Visibility),
        ("CommunityPatch", "join_policy", JoinPolicy),
        ("CommunityOut", "visibility", Visibility),
        ("CommunityOut", "join_policy", JoinPolicy),
        ("MembershipOut", "role", Role),
        ("MembershipOut", "status", MembershipStatus),
        ("RoleInput", "role", Role),
        ("ListingInput", "kind", ListingKind),
        ("ListingPatch", "kind", ListingKind),
        ("ListingOut", "kind", ListingKind),
        ("ListingOut", "status", ListingStatus),
        ("StatusInput", "status", ListingStatus),
    ],
)
async def test_the_document_lists_the_values_of_each_enum_field(
    document: dict[str, Any], component: str, name: str, enum_type: type[enum.Enum]
) -> None:
    assert allowed(document, field(document, component, name)) == values(enum_type)


@pytest.mark.parametrize(
    ("operation_id", "name", "enum_type"),
    [
        ("browseListings", "kind", ListingKind),
        ("myListings", "status", ListingStatus),
        ("listMembers", "status", MembershipStatus),
    ],
)
async def test_the_document_lists_the_values_of_each_enum_query_parameter(
    document: dict[str, Any], operation_id: str, name: str, enum_type: type[enum.Enum]
) -> None:
    assert allowed(document, query_parameter(document, operation_id, name)) == values(enum_type)


async def test_every_api_operation_has_an_id_and_documents_the_code_it_answers(
    document: dict[str, Any],
) -> None:
    ids = [
        operation.get("operationId")
        for path, methods in document["paths"].items()
        if path.startswith("/api/v1/")
        for operation in methods.values()
    ]
    assert None not in ids and len(ids) == len(set(ids))
    documented = {
        operation_id: sorted(int(code) for code in operation["responses"] if code.startswith("2"))
        for operation_id, operation in operations(document).items()
    }
    assert documented == {operation_id: [code] for operation_id, code in SUCCESS_CODES.items()}


def assert_names_the_query_parameter(response: Any, name: str, value: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["detail"]  # the reader's language, not Litestar's "Validation failed for ..."
    assert not body["detail"].startswith("Validation failed")
    (error,) = body["extra"]
    assert error["key"] == name and error["source"] == "query"
    assert value in error["message"]


@pytest.fixture
async def admin(person: Any) -> Any:
    """A site admin who created the community ``vide-grenier``, and so administers it."""
    root = await person("root", admin=True)
    created = await root.post("/api/v1/communities", json={"slug": "vide-grenier", "name": "Vide-grenier"})
    assert created.status_code == 201, created.text
    return root


async def test_an_unknown_kind_in_a_browse_query_is_a_400_naming_it(admin: Any) -> None:
    response = await admin.get("/api/v1/communities/vide-grenier/listings?kind=lend")
    assert_names_the_query_parameter(response, "kind", "lend")
    assert (await admin.get("/api/v1/communities/vide-grenier/listings?kind=give")).status_code == 200


async def test_an_unknown_status_in_my_listings_query_is_a_400_naming_it(person: Any) -> None:
    alice = await person("alice")
    assert_names_the_query_parameter(await alice.get("/api/v1/me/listings?status=sold"), "status", "sold")
    assert (await alice.get("/api/v1/me/listings?status=draft")).status_code == 200


async def test_an_unknown_status_in_a_members_query_is_a_400_naming_it(admin: Any) -> None:
    response = await admin.get("/api/v1/communities/vide-grenier/members?status=gone")
    assert_names_the_query_parameter(response, "status", "gone")
    assert (await admin.get("/api/v1/communities/vide-grenier/members?status=active")).status_code == 200


# operationId: error statuses it must document (a subset: each one's own list is on its handler).
DOCUMENTED_ERRORS = {
    "login": {400, 401, 429},
    "createToken": {400, 401, 429},
    "me": {401},
    "register": {400, 429},
    "getCommunity": {404},
    "joinCommunity": {401, 403, 404, 409},
    "getListing": {404},
    "editListing": {400, 401, 403, 404, 409},
    "addPhoto": {400, 401, 403, 404, 409, 413, 415, 422},
    "deletePhoto": {401, 403, 404},
}


async def test_each_operation_documents_its_error_statuses_with_the_error_body(
    document: dict[str, Any],
) -> None:
    for operation_id, operation in operations(document).items():
        errors = {int(code) for code in operation["responses"] if code[0] in "45"}
        assert errors >= DOCUMENTED_ERRORS.get(operation_id, set()), operation_id
        assert 401 in errors or operation_id == "register", f"{operation_id}: a bad token answers 401"
        for code in errors:
            content = operation["responses"][str(code)]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/ErrorBody"}, (operation_id, code)
    body = document["components"]["schemas"]["ErrorBody"]
    assert sorted(body["required"]) == ["detail", "status_code"]
    assert set(body["properties"]) == {"status_code", "detail", "extra"}


# A value of each path parameter type, to make a concrete path out of a route's template.
SAMPLE_PARAMETER = {
    "uuid": "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f",
    "int": "7",
    "str": "vide-grenier",
    "path": "css/site.css",
}
PARAMETER = re.compile(r"\{(\w+):(\w+)\}")


def concrete(template: str) -> str:
    return PARAMETER.sub(lambda match: SAMPLE_PARAMETER[match[2]], template)


def methods_of_every_path(app: Litestar) -> dict[str, str]:
    """Each path of the route table: the ``Allow`` it must answer (every method some handler
    registered on it, and OPTIONS), read from the handlers rather than from any OPTIONS handler."""
    return {
        path: ", ".join(sorted({*handlers, "OPTIONS"}))
        for path, handlers in app.route_handler_method_map.items()
        if not {"websocket", "asgi"} & set(handlers)
    }


async def test_options_answers_every_method_of_the_path(
    client: AsyncTestClient[Litestar], app: Litestar
) -> None:
    expected = methods_of_every_path(app)
    # Two paths whose methods come from two controllers each (the case Litestar gets wrong).
    assert expected["/api/v1/communities"] == "GET, OPTIONS, POST"
    assert expected["/api/v1/photos/{photo_id:uuid}"] == "DELETE, OPTIONS, PATCH"
    answered = {}
    for path in expected:
        response = await client.options(concrete(path))
        assert response.status_code == 204, (path, response.status_code, response.text)
        answered[path] = response.headers["allow"]
    assert answered == expected


async def test_the_version_of_an_edit_is_required_in_the_document(document: dict[str, Any]) -> None:
    patch = document["components"]["schemas"]["ListingPatch"]
    assert patch["required"] == ["version"]
    assert patch["properties"]["version"] == {"type": "integer"}


async def test_an_edit_without_a_version_is_a_400_that_names_version(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    response = await nadia.patch(f"/api/v1/listings/{listing['id']}", json={"title": "Sans version"})
    assert response.status_code == 400, response.text
    (error,) = response.json()["extra"]
    assert error["key"] == "version" and error["source"] == "body"
    assert error["message"] == "Le champ « version » est obligatoire."


async def edit_with_a_text_version(who: Person, listing_id: str, language: str | None) -> dict[str, Any]:
    headers = {**who.headers, **({"accept-language": language} if language else {})}
    response = await who.client.patch(
        f"/api/v1/listings/{listing_id}", json={"version": "deux"}, headers=headers
    )
    assert response.status_code == 400, response.text
    (error,) = response.json()["extra"]
    assert error["key"] == "version" and error["source"] == "body"
    return error  # type: ignore[no-any-return]


async def test_validation_messages_are_french_by_default_and_english_for_an_english_reader(
    board: Board,
) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    french = await edit_with_a_text_version(nadia, listing["id"], None)
    assert french["message"] == "Valeur attendue : un nombre entier ; reçu : un texte."
    assert (await edit_with_a_text_version(nadia, listing["id"], "fr-FR,fr;q=0.9"))["message"] == (
        french["message"]
    )
    english = await edit_with_a_text_version(nadia, listing["id"], "en-GB,en;q=0.9")
    assert english["message"] == "Expected a whole number; got a text."
    # A query parameter of the wrong type, and a bound, in French too.
    page = await nadia.get("/api/v1/communities/vide-grenier/listings?per_page=abc")
    assert page.status_code == 400, page.text
    (error,) = page.json()["extra"]
    assert error["key"] == "per_page" and error["source"] == "query"
    assert error["message"] == "Valeur attendue : un nombre entier ; reçu : un texte."


@pytest.mark.parametrize(
    ("message", "french"),
    [
        ("Expected `int`, got `str`", "Valeur attendue : un nombre entier ; reçu : un texte."),
        (
            "Expected `str | null`, got `int`",
            "Valeur attendue : un texte ou rien (null) ; reçu : un nombre entier.",
        ),
        ("Object missing required field `title`", "Le champ « title » est obligatoire."),
        ("Object contains unknown field `colour`", "Le champ « colour » n'existe pas."),
        ("Expected `int` >= 1", "Valeur attendue : un nombre entier, au moins 1."),
        ("Expected `str` of length <= 200", "Longueur attendue : au plus 200."),
        ("Invalid enum value 'lend'", "Valeur inconnue : 'lend'."),
        ("Invalid UUID", "Identifiant invalide : un UUID est attendu."),
        ("Cette photo n'existe pas.", "Cette photo n'existe pas."),  # the services' own: as it is
    ],
)
def test_each_msgspec_message_has_its_french_wording(message: str, french: str) -> None:
    assert validation_message(message) == french
