"""A short property-based run of the whole API from its OpenAPI document (schemathesis):
whatever the generated request, the server never answers with a server error."""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from app.services import annotations, tokens

EXAMPLES = 25  # per operation: a short run that keeps `make test` quick, derandomized


@pytest.fixture
def fuzzed(app, make):
    """The app with a class in it (ids 1 for the project and its document, spans and a tag),
    its schema as schemathesis reads it, and the teacher's API token."""
    teacher = make.user("fuzzteacher", role="teacher")
    project = make.project(teacher)
    document = make.document(project, "The minister blamed bandits.\n\nWitnesses did not.\n")
    student = make.member(project, username="fuzzstudent")
    start = document.text.index("bandits")
    for user in (student, teacher):
        annotations.create_span(user, document, {
            "client_id": uuid.uuid4().hex, "layer": "rhetoric", "label": "loaded_language",
            "start": start, "end": start + 7, "text": "bandits"})
    annotations.set_passage_tag(teacher, document, document.passages[0].id, "news_report")
    secret = tokens.create_token(teacher, "fuzz")[1]
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app), secret


def test_no_generated_request_makes_a_server_error(fuzzed):
    schema, secret = fuzzed
    headers = {"Authorization": f"Bearer {secret}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def no_server_error(case):
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        no_server_error()
