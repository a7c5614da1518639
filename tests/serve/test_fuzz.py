"""The API contract fuzzed with schemathesis against a live `qa serve` over loopback (the short
profile run in CI; the long one is in docs/reliability.md): every route, admin ones with the
token and without, answers without a 5xx, with a status and a body its OpenAPI documents."""

from __future__ import annotations

import os

import pytest
from conftest import TOKEN, live_server

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

EXAMPLES = int(os.environ.get("QA_FUZZ_EXAMPLES", "8"))  # per operation and phase; docs/reliability.md runs more


@pytest.fixture(scope="module")
def fuzz_url(base_settings, seed_index, tmp_path_factory):
    """Its own server, on copies of the corpus and index: fuzzed uploads and deletions touch only them."""
    with live_server(base_settings, tmp_path_factory.mktemp("fuzz")) as url:
        yield url


@pytest.fixture(scope="module")
def api_schema(fuzz_url):
    return schemathesis.openapi.from_url(fuzz_url + "/openapi.json")


def call_and_check(case, headers: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    # Schema-valid requests that the app still refuses (an empty upload, a conversation whose last
    # user message has no text) are not counted as failures: the schema cannot state those rules.
    case.call_and_validate(headers=headers, timeout=120,
                           checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                   response_schema_conformance])


@pytest.mark.parametrize("who", ["admin token", "anonymous"])
def test_every_route_keeps_its_contract(api_schema, who):
    from hypothesis import given

    headers = {"Authorization": f"Bearer {TOKEN}"} if who == "admin token" else {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 12
    sent = []
    for op in operations:
        @given(case=op.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case):  # type: ignore[no-untyped-def]
            call_and_check(case, headers)
            sent.append(case.operation.label)

        fuzz()
    assert len(set(sent)) == len(operations)
    print(f"\n{who}: {len(sent)} generated requests over {len(operations)} operations, none failed")
