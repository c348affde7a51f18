"""The OpenAPI document against the running API: schemathesis generates requests from the
document (valid ones, and invalid ones that must be refused) and runs every check it has
(status codes and content types the document names, response schemas, headers, negative data
rejected, positive data accepted, ...) on each answer of the WSGI app of the tiny tour.
Bounded: 25 examples per operation, no deadline (two shared cores)."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioguide.web.openapi import openapi_document

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402  (schemathesis brings hypothesis)

LANGUAGES = ("en", "ru", "kk")  # the tiny tour's (tests/helpers/tours.py)

# The document is made per tour; the one the tiny tour's app serves is checked to be this one
# below. (schemathesis.pytest.from_fixture would load it from the app, but it fails on pytest 9:
# 'Function' object has no attribute '_nodeid'.)
schema = schemathesis.openapi.from_dict(openapi_document(LANGUAGES))


@pytest.fixture
def api_app(web_tour: Path, tmp_path: Path):
    from audioguide.web import create_app

    return create_app(web_tour, stats_db=tmp_path / "stats.sqlite3", testing=True)


def test_the_app_serves_the_document_under_test(api_app) -> None:
    served = api_app.test_client().get("/api/v1/openapi.json").get_json()
    assert served == openapi_document(LANGUAGES)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_matches_its_openapi_document(case, api_app) -> None:
    case.call_and_validate(app=api_app)  # every check schemathesis registers runs by default
