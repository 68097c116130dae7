"""Schemathesis against the live app's OpenAPI document, with a member's token, on every operation.

Whatever the generated input, the API never answers a server error, never a status its
document does not list for that operation, and never a body its schema does not describe.
Examples are bounded per operation so that the whole walk fits in the suite's time.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

from tests.live_server import LiveServer, serve

MEMBER = ("nadia@demo.local", "demo-voisin-2026")  # the demo's published neighbour


@pytest.fixture(scope="session")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("fuzz"), prepare=(("db", "upgrade"), ("demo",))) as server:
        yield server


@pytest.fixture(scope="session")
def member_token(fuzzed_server: LiveServer) -> str:
    request = urllib.request.Request(  # noqa: S310 (a loopback URL we built)
        f"{fuzzed_server.url}/api/v1/auth/tokens",
        data=json.dumps({"email": MEMBER[0], "password": MEMBER[1], "name": "fuzz"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return str(json.load(response)["token"])


@pytest.fixture(scope="session")
def api_schema(fuzzed_server: LiveServer) -> Any:
    return schemathesis.openapi.from_url(f"{fuzzed_server.url}/api/docs/openapi.json")


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 12
# Changing the password or signing out would end the token the rest of the walk uses: those
# operations are fuzzed anonymously (their 401 is documented too).
ANONYMOUS = {("POST", "/api/v1/auth/password"), ("POST", "/api/v1/auth/logout")}


def fuzz(operation: Any, token: str) -> str | None:
    """Run the bounded examples of one operation; the first failure, described, or None."""
    anonymous = (operation.method.upper(), operation.path) in ANONYMOUS or (
        operation.method.upper() == "DELETE" and operation.path.startswith("/api/v1/auth/tokens")
    )
    headers = {} if anonymous else {"Authorization": f"Bearer {token}"}

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the report names the first case
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except (Exception, BaseExceptionGroup) as failure:  # reported with the others at the end
        return f"{operation.method.upper()} {operation.path}: {str(failure)[:1500]}"
    return None


def test_every_operation_answers_what_its_document_says(api_schema: Any, member_token: str) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 30, "the walk must reach every operation of the API"
    failures = [failure for operation in operations if (failure := fuzz(operation, member_token))]
    assert failures == [], "\n\n".join(failures)
