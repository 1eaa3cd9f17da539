"""The classroom: assigning documents, the submission lock, the progress board, a student's
assignments and the reveal settings, through the services and the pages."""

from __future__ import annotations

import html as htmllib
import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Assignment, Document, DocumentRating, Project, Span, User, utcnow
from app.services import annotations, classroom, tokens
from app.services.errors import Invalid
from app.web.classroom import ago, width_class

RATING = {"reliability": 4, "slant": "cannot_tell", "genre": "reporting"}


@dataclass
class Klass:
    teacher: User
    project: Project
    documents: list[Document]
    students: list[User]


def make_class(make, documents: int = 4, students: int = 3, prefix: str = "") -> Klass:
    teacher = make.user(f"{prefix}teacher", role="teacher")
    project = make.project(teacher, f"{prefix}Class")
    docs = [make.document(project, f"Text {i}\n\nThe second passage of text {i}.\n",
                          name=f"text{i}.txt") for i in range(documents)]
    people = [make.member(project, username=f"{prefix}s{i + 1}") for i in range(students)]
    return Klass(teacher, project, docs, people)


@pytest.fixture
def klass(make) -> Klass:
    """A teacher's project with four documents (titles "Text 0" … "Text 3") and three
    students s1, s2, s3."""
    return make_class(make)


def pairs(project: Project) -> set[tuple[int, int]]:
    return {(d, u) for d, u in db.session.execute(
        sa.select(Assignment.document_id, Assignment.user_id).where(
            Assignment.project_id == project.id))}


def submit(student: User, document: Document) -> None:
    annotations.save_rating(student, document, RATING)
    annotations.set_done(student, document, True)


def bearer(student: User) -> dict[str, str]:
    _, secret = tokens.create_token(student, "test")
    return {"Authorization": f"Bearer {secret}"}


def api(document: Document) -> str:
    return f"/api/v1/projects/{document.project_id}/documents/{document.id}"


def new_span(document: Document, needle: str = "second passage") -> dict:
    start = document.text.index(needle)
    return {"client_id": uuid.uuid4().hex, "layer": "rhetoric", "label": "loaded_language",
            "start": start, "end": start + len(needle), "text": needle}


def flashes(html: str) -> list[str]:
    return [htmllib.unescape(m) for m in
            re.findall(r'<li class="flash flash-\w+">(.*?)</li>', html, re.S)]


# --- the assign service --------------------------------------------------------------------

def test_assign_all_gives_every_student_every_document(klass):
    result = classroom.assign(klass.project, "all")
    assert (result.created, result.kept, result.removed) == (12, 0, 0)
    assert result.per_student == {"s1": 4, "s2": 4, "s3": 4}
    assert pairs(klass.project) == {(d.id, s.id) for d in klass.documents
                                    for s in klass.students}


@pytest.mark.parametrize(("documents", "students", "k"), [
    (4, 3, 2), (5, 4, 3), (7, 3, 1), (3, 5, 2), (6, 6, 6), (1, 4, 3)])
def test_assign_k_gives_each_document_exactly_k_students_and_balances_loads(
        make, documents, students, k):
    room = make_class(make, documents, students)
    result = classroom.assign(room.project, "k", k)
    assigned = pairs(room.project)
    assert result.created == len(assigned) == documents * k
    per_document = Counter(d for d, _ in assigned)
    assert per_document == {d.id: k for d in room.documents}
    loads = [sum(1 for _, u in assigned if u == s.id) for s in room.students]
    assert max(loads) - min(loads) <= 1
    assert sorted(result.per_student.values()) == sorted(loads)


def test_assign_is_the_same_draw_for_the_same_class(klass):
    classroom.assign(klass.project, "k", 1)
    first = pairs(klass.project)
    result = classroom.assign(klass.project, "k", 1)
    assert pairs(klass.project) == first
    assert result.created == result.removed == 4 and result.kept == 0  # nothing was worked on


def test_assigning_again_keeps_every_assignment_with_work(klass):
    classroom.assign(klass.project, "k", 1)
    worked = {}
    for document in klass.documents[:2]:  # the students given the first two documents start
        (user_id,) = [u for d, u in pairs(klass.project) if d == document.id]
        student = db.session.get(User, user_id)
        annotations.save_rating(student, document, {"reliability": 3})
        worked[document.id] = user_id
    result = classroom.assign(klass.project, "k", 2)
    assert result.kept == 2 and result.removed == 2
    assigned = pairs(klass.project)
    assert {(d, u) for d, u in worked.items()} <= assigned
    assert Counter(d for d, _ in assigned) == {d.id: 2 for d in klass.documents}
    # Clearing and assigning again still gives the work back to whoever did it.
    classroom.clear_assignments(klass.project)
    classroom.assign(klass.project, "k", 1)
    assert {(d, u) for d, u in worked.items()} <= pairs(klass.project)


def test_assign_sets_one_due_date_for_every_assignment(klass):
    due = datetime(2031, 5, 1, 23, 59, 59, tzinfo=UTC)
    classroom.assign(klass.project, "k", 2, due)
    dues = set(db.session.scalars(sa.select(Assignment.due_at)))
    assert dues == {due}


@pytest.mark.parametrize(("mode", "k", "field"), [
    ("k", 0, "k"), ("k", 4, "k"), ("k", None, "k"), ("k", -1, "k"), ("some", 2, "mode")])
def test_assign_refuses_k_out_of_range_and_unknown_modes(klass, mode, k, field):
    with pytest.raises(Invalid) as caught:
        classroom.assign(klass.project, mode, k)
    assert field in caught.value.fields
    assert pairs(klass.project) == set()


def test_assign_needs_students_and_documents(make):
    empty = make_class(make, documents=2, students=0)
    with pytest.raises(Invalid, match="no students"):
        classroom.assign(empty.project, "all")
    no_documents = make_class(make, documents=0, students=2, prefix="x")
    with pytest.raises(Invalid, match="no documents"):
        classroom.assign(no_documents.project, "k", 1)


# --- the routes: who may, CSRF, what they say ----------------------------------------------

def test_teacher_assigns_k_with_a_due_date_in_the_page(client, klass, login_as):
    token = login_as(klass.teacher)
    response = client.post(f"/projects/{klass.project.id}/assignments", data={
        "mode": "k", "k": "2", "due": "2031-05-01", "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/projects/{klass.project.id}#assignments")
    assert Counter(d for d, _ in pairs(klass.project)) == {d.id: 2 for d in klass.documents}
    assert set(db.session.scalars(sa.select(Assignment.due_at))) == {
        datetime(2031, 5, 1, 23, 59, 59, tzinfo=UTC)}
    html = client.get(f"/projects/{klass.project.id}").get_data(as_text=True)
    (message,) = flashes(html)
    assert message.startswith("Assignments saved: 8 new, 0 kept, 0 removed.")
    assert "Each student has 2 to 3 documents." in message
    assert "Due 1 May 2031, 23:59 (UTC) (the end of the day in the project’s time zone, UTC)." \
        in message
    card = html[html.index('id="assignments"'):html.index('id="documents"')]
    assert "8 assignments" in card and "each document to" in card and "Due 1 May 2031" in card
    assert '<input checked id="mode-1" name="mode" type="radio" value="k">' in card
    assert 'name="k" type="number" value="2"' in card and 'type="date" value="2031-05-01"' in card
    assert f'href="/projects/{klass.project.id}/progress"' in card


def test_teacher_assigns_everyone_everything_then_clears_and_work_is_kept(
        client, klass, login_as):
    token = login_as(klass.teacher)
    client.post(f"/projects/{klass.project.id}/assignments",
                data={"mode": "all", "k": "", "due": "", "csrf_token": token})
    assert len(pairs(klass.project)) == 12
    annotations.save_rating(klass.students[0], klass.documents[0], {"reliability": 3})
    response = client.post(f"/projects/{klass.project.id}/assignments/clear",
                           data={"csrf_token": token}, follow_redirects=True)
    message = flashes(response.get_data(as_text=True))[-1]
    assert message == ("Cleared 12 assignments. Students' work is kept; every student may "
                       "annotate every document again.")
    assert pairs(klass.project) == set()
    assert db.session.scalar(sa.select(sa.func.count(DocumentRating.id))) == 1


def test_bad_k_in_the_page_is_flashed_and_assigns_nothing(client, klass, login_as):
    token = login_as(klass.teacher)
    response = client.post(f"/projects/{klass.project.id}/assignments",
                           data={"mode": "k", "k": "9", "csrf_token": token},
                           follow_redirects=True)
    assert flashes(response.get_data(as_text=True)) == [
        "k is how many students read each document: 1 to 3."]
    response = client.post(f"/projects/{klass.project.id}/assignments",
                           data={"mode": "k", "k": "two", "csrf_token": token},
                           follow_redirects=True)
    assert "Students per document (k): Not a valid integer value." in flashes(
        response.get_data(as_text=True))
    assert pairs(klass.project) == set()


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/projects/{p}/progress"),
    ("post", "/projects/{p}/assignments"),
    ("post", "/projects/{p}/assignments/clear"),
    ("post", "/projects/{p}/documents/{d}/reopen"),
])
def test_students_get_403_on_the_teachers_pages(client, klass, login_as, method, path):
    classroom.assign(klass.project, "k", 1)
    before = pairs(klass.project)
    student = klass.students[0]
    token = login_as(student)
    url = path.format(p=klass.project.id, d=klass.documents[0].id)
    data = {"mode": "all", "username": student.username, "csrf_token": token}
    response = client.get(url) if method == "get" else client.post(url, data=data)
    assert response.status_code == 403
    assert pairs(klass.project) == before


def test_outsiders_get_404_on_the_teachers_pages(client, klass, login_as, make):
    other = make_class(make, documents=1, students=0, prefix="o")
    login_as(other.teacher)
    assert client.get(f"/projects/{klass.project.id}/progress").status_code == 404


@pytest.mark.parametrize("path", ["/projects/{p}/assignments", "/projects/{p}/assignments/clear",
                                  "/projects/{p}/documents/{d}/reopen"])
def test_teacher_posts_need_the_csrf_token(client, klass, login_as, path):
    classroom.assign(klass.project, "k", 1)
    before = pairs(klass.project)
    login_as(klass.teacher)
    url = path.format(p=klass.project.id, d=klass.documents[0].id)
    response = client.post(url, data={"mode": "all", "username": "s1"})
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    assert pairs(klass.project) == before


# --- the lock --------------------------------------------------------------------------------

def test_submitted_document_is_locked_until_the_teacher_reopens_it(client, klass, login_as):
    classroom.assign(klass.project, "all")
    student, document = klass.students[0], klass.documents[0]
    headers = bearer(student)
    assert client.post(api(document) + "/spans", json=new_span(document),
                       headers=headers).status_code == 201
    submit(student, document)

    locked = client.post(api(document) + "/spans", json=new_span(document, "Text 0"),
                         headers=headers)
    assert locked.status_code == 423
    assert locked.json["error"]["code"] == "submitted"
    assert db.session.scalar(sa.select(sa.func.count(Span.id))) == 1
    undone = client.put(api(document) + "/done", json={"done": False}, headers=headers)
    assert undone.status_code == 423

    token = login_as(klass.teacher)
    response = client.post(f"/projects/{klass.project.id}/documents/{document.id}/reopen",
                           data={"username": student.username, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/projects/{klass.project.id}/progress")
    board = client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(board) == [f"Reopened “{document.title}” for s1: they can change it and "
                              "submit it again."]

    again = client.post(api(document) + "/spans", json=new_span(document, "Text 0"),
                        headers=headers)
    assert again.status_code == 201
    assert db.session.scalar(sa.select(sa.func.count(Span.id))) == 2


def test_reopening_what_was_not_submitted_is_flashed(client, klass, login_as):
    token = login_as(klass.teacher)
    response = client.post(
        f"/projects/{klass.project.id}/documents/{klass.documents[0].id}/reopen",
        data={"username": "s2", "csrf_token": token}, follow_redirects=True)
    assert flashes(response.get_data(as_text=True)) == ["s2 has not submitted this document."]


def test_unassigned_document_refuses_a_students_changes_and_its_annotate_page(
        client, klass, login_as):
    classroom.assign(klass.project, "k", 1)
    student = klass.students[0]
    mine = classroom.assigned_ids(klass.project.id, student.id)
    other = next(d for d in klass.documents if d.id not in mine)
    response = client.post(api(other) + "/spans", json=new_span(other), headers=bearer(student))
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Span.id))) == 0

    login_as(student)
    page = client.get(f"/projects/{klass.project.id}/documents/{other.id}/annotate")
    assert page.status_code == 403
    assert "not one of your assignments" in page.get_data(as_text=True)
    own = next(d for d in klass.documents if d.id in mine)
    assert client.get(f"/projects/{klass.project.id}/documents/{own.id}/annotate"
                      ).status_code == 200


def annotate_data(client, document: Document) -> dict:
    html = client.get(f"/projects/{document.project_id}/documents/{document.id}/annotate"
                      ).get_data(as_text=True)
    match = re.search(r'<script type="application/json" id="annotate-data">(.*?)</script>',
                      html, re.S)
    assert match
    return json.loads(match.group(1))


def test_annotate_page_tells_the_script_a_submitted_document_is_locked(
        client, klass, login_as):
    classroom.assign(klass.project, "all")
    student, document = klass.students[0], klass.documents[0]
    login_as(student)
    data = annotate_data(client, document)
    assert data["submission_locks"] is True and data["locked"] is False
    submit(student, document)
    data = annotate_data(client, document)
    assert data["locked"] is True and data["annotations"]["done"] is True

    client.post("/logout", data={"csrf_token": re.search(
        r'name="csrf-token" content="([^"]+)"', client.get("/projects").get_data(
            as_text=True)).group(1)})
    login_as(klass.teacher)
    data = annotate_data(client, document)
    assert data["submission_locks"] is False and data["locked"] is False


def test_annotate_page_names_the_teachers_who_can_reopen_a_submission(client, klass, make,
                                                                     login_as):
    second = make.member(klass.project, role="teacher", username="aardvark")
    second.display_name = "Ms Abai"
    db.session.commit()
    assert classroom.teacher_names(klass.project) == ["Ms Abai", "teacher"]
    login_as(klass.students[0])
    html = client.get(f"/projects/{klass.project.id}/documents/{klass.documents[0].id}/annotate"
                      ).get_data(as_text=True)
    banner = re.search(r'<p id="locked-note"[^>]*>(.*?)</p>', html, re.S)
    assert banner and "your teacher (Ms Abai, teacher) can reopen it" in banner.group(1)


def test_a_students_previous_and_next_stay_within_their_assignments(client, klass, login_as):
    classroom.assign(klass.project, "k", 1)
    student = klass.students[2]
    mine = sorted(classroom.assigned_ids(klass.project.id, student.id))
    login_as(student)
    html = client.get(f"/projects/{klass.project.id}/documents/{mine[0]}/annotate"
                      ).get_data(as_text=True)
    assert f"1 of {len(mine)}" in html
    hrefs = set(re.findall(r'/documents/(\d+)/annotate" rel="(?:next|prev)"', html))
    assert hrefs <= {str(i) for i in mine}


# --- the board -------------------------------------------------------------------------------

def test_board_counts_statuses_and_overdue(klass):
    past = utcnow() - timedelta(days=2)
    classroom.assign(klass.project, "all", due_at=past)
    s1, s2, _ = klass.students
    d0, d1 = klass.documents[:2]
    submit(s1, d0)
    passage = d1.passages[0]
    annotations.set_passage_tag(s1, d1, passage.id, "news_report")
    board = classroom.board(klass.project)
    assert board["totals"] == {"assigned": 12, "submitted": 1, "in_progress": 1,
                               "overdue": 11}
    first = board["rows"][0]
    assert first["user"].username == "s1"
    assert [c["status"] for c in first["cells"]] == [
        "submitted", "in progress", "not started", "not started"]
    assert first["cells"][1]["tagged"] == 1 and first["cells"][1]["passages"] == 2
    assert [r["user"].username for r in board["behind"]][0] == "s2"  # most overdue first
    assert width_class(board["share"]) == "w-10"  # 1/12, to the nearest 5 %
    assert width_class(None) == "w-0" and width_class(1) == "w-100"


def test_progress_board_page(client, klass, login_as):
    classroom.assign(klass.project, "k", 2, utcnow() - timedelta(days=1))
    s1 = klass.students[0]
    mine = sorted(classroom.assigned_ids(klass.project.id, s1.id))
    done, started = (db.session.get(Document, i) for i in mine[:2])
    submit(s1, done)
    annotations.set_passage_tag(s1, started, started.passages[0].id, "testimony")
    annotations.create_span(s1, started, new_span(started))

    login_as(klass.teacher)
    html = client.get(f"/projects/{klass.project.id}/progress").get_data(as_text=True)
    assert 'style="' not in html and "<script>" not in html
    assert re.search(r'<progress id="class-bar" value="1" max="8">', html)
    assert '<dd id="count-assigned">8</dd>' in html
    assert '<dd id="count-submitted">1</dd>' in html
    assert '<dd id="count-in-progress">1</dd>' in html
    assert '<dd id="count-overdue">7</dd>' in html
    for document in klass.documents:
        assert (f'<a href="/projects/{klass.project.id}/documents/{document.id}" '
                f'title="{document.title}">{document.title}</a>') in html
    row = html[html.index('<tr data-student="s1">'):]
    row = row[:row.index("</tr>")]
    cells = dict(re.findall(r'data-document="(\d+)" data-status="([^"]+)"', row))
    assert cells[str(done.id)] == "submitted" and cells[str(started.id)] == "in progress"
    started_cell = row[row.index(f'data-document="{started.id}"'):]
    started_cell = started_cell[:started_cell.index("</td>")]
    assert "status-in-progress" in started_cell and "1/2 tagged · 1 span" in started_cell
    assert 'badge-overdue">overdue' in started_cell and "due <time" in started_cell
    assert "just now" in started_cell
    done_cell = row[row.index(f'data-document="{done.id}"'):]
    done_cell = done_cell[:done_cell.index("</td>")]
    assert f'action="/projects/{klass.project.id}/documents/{done.id}/reopen"' in done_cell
    assert 'name="username" type="hidden" value="s1"' in done_cell
    assert 'name="csrf_token"' in done_cell and "overdue" not in done_cell
    assert html.count(">Reopen</button>") == 1
    behind = html[html.index('id="behind"'):html.index('id="board"')]
    assert "s2" in behind and "s3" in behind


def test_ago_reads_as_people_say_it():
    now = datetime(2031, 5, 10, 12, 0, tzinfo=UTC)
    assert ago(now - timedelta(seconds=20), now) == "just now"
    assert ago(now - timedelta(minutes=5), now) == "5 min ago"
    assert ago(now - timedelta(hours=3), now) == "3 h ago"
    assert ago(now - timedelta(days=2), now) == "2 d ago"
    assert ago(datetime(2031, 3, 5, tzinfo=UTC), now).startswith("5 Mar")
    assert ago(None) == ""


# --- a student's assignments ---------------------------------------------------------------

def test_student_sees_my_assignments_and_opens_the_next(client, klass, login_as):
    classroom.assign(klass.project, "k", 1, datetime(2031, 5, 1, 23, 59, 59, tzinfo=UTC))
    student = klass.students[0]
    mine = [d for d in klass.documents
            if d.id in classroom.assigned_ids(klass.project.id, student.id)]
    others = [d for d in klass.documents if d not in mine]
    items = classroom.my_assignments(klass.project, student)
    assert [i["document"] for i in items] == mine
    assert classroom.next_document(klass.project, student) == mine[0]

    login_as(student)
    html = client.get(f"/projects/{klass.project.id}").get_data(as_text=True)
    card = html[html.index('id="my-assignments"'):html.index('id="documents"')]
    annotate = f"/projects/{klass.project.id}/documents/{{}}/annotate"
    assert f'href="{annotate.format(mine[0].id)}">Open next: {mine[0].title}</a>' in card
    for document in mine:
        assert document.title in card
    assert card.count("not started") == len(mine) and card.count("1 May 2031") == len(mine)
    table = html[html.index('id="documents"'):]
    table = table[:table.index("</section>")]
    assert "Your documents <small" in table
    for document in others:
        assert document.title not in table and document.title not in card
    assert 'id="assignments"' not in html  # the teacher's card

    # Work in progress comes first; once everything is submitted there is nothing next.
    annotations.set_passage_tag(student, mine[-1], mine[-1].passages[0].id, "testimony")
    assert classroom.next_document(klass.project, student) == mine[-1]
    for document in mine:
        submit(student, document)
    assert classroom.next_document(klass.project, student) is None
    html = client.get(f"/projects/{klass.project.id}").get_data(as_text=True)
    assert "All submitted" in html and "Open next" not in html


def test_without_assignments_a_student_sees_every_document(client, klass, login_as):
    login_as(klass.students[0])
    html = client.get(f"/projects/{klass.project.id}").get_data(as_text=True)
    assert "has not assigned documents" in html and "Open next: Text 0" in html
    table = html[html.index('id="documents"'):]
    assert all(d.title in table for d in klass.documents)


def test_teachers_project_page_shows_the_assignments_card(client, klass, login_as):
    login_as(klass.teacher)
    html = client.get(f"/projects/{klass.project.id}").get_data(as_text=True)
    card = html[html.index('id="assignments"'):html.index('id="documents"')]
    assert "No assignments yet" in card and "Clear assignments" not in card
    assert 'type="number"' in card and 'type="date"' in card and 'max="3"' in card
    assert 'name="csrf_token"' in card
    assert 'id="my-assignments"' not in html


# --- the reveal settings -----------------------------------------------------------------------

def test_teacher_saves_the_reveal_policy_on_the_edit_form(client, klass, login_as):
    token = login_as(klass.teacher)
    url = f"/projects/{klass.project.id}/edit"
    html = client.get(url).get_data(as_text=True)
    assert '<option selected value="never">Never</option>' in html
    assert '<input checked id="reveal_anonymous" name="reveal_anonymous"' in html
    response = client.post(url, data={"title": "Class", "instructions": "",
                                      "reveal": "after_submit", "csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(klass.project)
    assert klass.project.reveal == "after_submit" and klass.project.reveal_anonymous is False

    refused = client.post(url, data={"title": "Class", "reveal": "always",
                                     "reveal_anonymous": "y", "csrf_token": token})
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)
    db.session.refresh(klass.project)
    assert klass.project.reveal == "after_submit"


def test_new_project_form_has_no_reveal_settings(client, make, login_as):
    login_as(make.user("t9", role="teacher"))
    html = client.get("/projects/new").get_data(as_text=True)
    assert 'name="reveal"' not in html
