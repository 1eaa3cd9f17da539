"""Counts inside messages and pages are grouped the reader's way (Russian and Kazakh: a
no-break space, not a comma)."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from app.extensions import db
from app.services.documents import import_files
from app.services.errors import ImportFailed


def test_a_too_large_text_says_its_size_in_russian_digits(app, make):
    project = make.project()
    with app.test_request_context(), force_locale("ru"):
        with pytest.raises(ImportFailed) as caught:
            import_files(project, [("big.txt", ("слово " * 400).encode())], 1000)
    message = str(caught.value.problems[0])
    assert "4\u00a0400" in message and "1\u00a0000" in message and "4,400" not in message


def test_project_page_in_kazakh_groups_a_documents_characters(client, login_as, make):
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    make.document(project, "Алматы. " * 250)
    teacher.locale = "kk"
    db.session.commit()
    login_as(teacher)
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "1\u00a0999" in page or "2\u00a0000" in page
    assert "1,999" not in page and "2,000" not in page
