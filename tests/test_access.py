"""The access matrix: every route of the app, asked by every kind of visitor.

Visitors: anonymous, a student of the class, a student of another class, the class's
teacher, another class's teacher, and an admin. A route is declared here with who may use
it; a route added to the app without a line here fails the test, so no route escapes the
matrix. What a refusal looks like is fixed: anonymous visitors are sent to sign in (401 on
the API), another class's objects answer 404 (their existence is not confirmed), a student
asking for a teacher's page 403, an admin page 404 to anyone but admins.
"""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import AnnotationEvent
from app.services import archive, claims, projects, sources, tokens
from tests.conftest import csrf_token

SAFE = {"GET", "HEAD", "OPTIONS"}
VISITORS = ("anonymous", "student", "other_student", "teacher", "other_teacher", "admin")

# Who may use each route: public (anyone), user (anyone signed in), member (anyone in the
# class), teacher (the class's teachers and admins), admin, or a rule of its own below.
ACCESS = {
    "static": "public", "web.index": "user", "auth.login": "public",
    "auth.signup": "public", "auth.join": "public", "api.openapi": "public",
    "auth.logout": "user", "i18n.choose": "public",
    "web.projects": "user", "web.join_project": "user", "web.api_tokens": "user",
    "web.end_other_sessions": "user", "auth.change_password": "user",
    "web.set_time_zone": "user",
    "api.me": "user", "api.csrf_token": "user", "api.list_projects": "user",
    "api.join_project": "user",
    "api.list_tokens": "user", "api.create_token": "user",
    "web.new_project": "teacher_role", "api.create_project": "teacher_role",
    "web.revoke_token": "token_owner", "api.revoke_token": "token_owner",
    "web.admin": "admin", "web.create_invitation": "admin",
    "web.reset_teacher_password": "admin",
    # Class pages every member reads.
    "web.project": "member", "web.document": "member", "web.annotate": "member",
    "web.codebook": "member", "web.document_history": "member",
    # Students see the agreement figures without names, and their own feedback page
    # (its content withheld until the reveal).
    "web.agreement": "member", "web.feedback_index": "member",
    "web.feedback_student": "member", "web.feedback_document": "member",
    "api.get_project": "member", "api.get_codebook": "member", "api.list_documents": "member",
    "api.get_document": "member", "api.get_annotations": "member", "api.get_history": "member",
    "api.list_members": "member",
    # Writing one's own annotations.
    "api.create_span": "member", "api.update_span": "member", "api.delete_span": "member",
    "api.set_passage_tag": "member", "api.clear_passage_tag": "member",
    "api.save_rating": "member", "api.set_done": "member",
    # Only the annotator brings back their own deleted span.
    "web.restore_span": "span_owner", "api.restore_span": "span_owner",
    # A student's view of the key once it is revealed (never, in this class).
    "web.reveal": "revealed", "api.get_revealed": "revealed",
    # Teaching the class.
    "web.edit_project": "teacher", "api.update_project": "teacher",
    # Rounds: teachers make them; every member reads the agreement by round (names of the
    # retest only for teachers); the API's report names annotators, so it is for teachers.
    "web.rounds_page": "teacher", "web.round_edit": "teacher", "web.round_start": "teacher",
    "web.round_assign": "teacher", "web.round_delete": "teacher",
    "web.agreement_rounds": "member", "api.agreement_report": "teacher",
    "web.new_join_code": "teacher", "api.new_join_code": "teacher",
    "web.set_joining": "teacher", "web.add_roster": "teacher", "api.add_roster": "teacher",
    "web.set_member_role": "teacher", "web.member": "teacher",
    "web.reset_student_password": "teacher", "web.remove_member": "teacher",
    "web.move_member": "teacher", "web.copy_project": "teacher", "web.upload_documents": "teacher",
    "web.import_preview": "teacher", "web.paste_document": "teacher",
    "api.create_documents": "teacher", "web.add_sample_texts": "teacher",
    "api.import_seed_documents": "teacher", "web.delete_document": "teacher",
    "api.delete_document": "teacher", "web.document_archive": "teacher",
    "web.restore_document": "teacher", "api.restore_document": "teacher",
    "web.codebook_add_label": "teacher", "web.codebook_edit_label": "teacher",
    "web.codebook_delete_label": "teacher", "web.codebook_move_label": "teacher",
    "web.codebook_retire_label": "teacher", "web.codebook_restore_label": "teacher",
    "web.codebook_poles": "teacher", "api.add_codebook_label": "teacher",
    "api.update_codebook_label": "teacher", "api.delete_codebook_label": "teacher",
    "api.set_codebook_poles": "teacher",
    "web.assign": "teacher", "web.clear_assignments": "teacher", "web.progress": "teacher",
    "web.reopen": "teacher", "web.confusion": "teacher",
    "web.confusion_cell": "teacher", "web.label_passages": "teacher",
    "web.span_confusion": "teacher", "web.span_confusion_cell": "teacher",
    "web.span_differences": "teacher", "web.compare": "teacher",
    "web.curate_index": "teacher", "web.curate": "teacher", "web.premerge": "teacher",
    "web.datasets": "teacher", "web.export_download": "teacher", "web.export_card": "teacher",
    "web.export_label_studio_config": "teacher",
    "web.import_dataset": "teacher", "web.import_people": "uploader",
    "web.feedback_gradebook": "teacher",
    # Sources: the profiles are the teacher's; everyone links speakers' names (students
    # propose, and take back their own proposals).
    "web.sources_page": "teacher", "web.source_profile": "teacher",
    "web.source_names": "member", "web.source_link_action": "member",
    # The claims board: everyone files claims and gives verdicts; the teacher (or whoever
    # filed it) takes a claim off.
    "web.claims_index": "member", "web.claims_board": "member", "web.file_claim": "member",
    "web.claim_verdict": "member", "web.unfile_claim": "teacher",
    "web.sources_export": "teacher", "web.claims_export": "teacher",
    "web.edit_document": "teacher",
    "api.list_sources": "teacher", "api.get_source": "teacher",
    "api.list_entities": "member", "api.create_entity": "teacher", "api.link_name": "member",
    "api.list_questions": "member", "api.create_question": "member",
    "api.get_board": "member", "api.file_claim": "member", "api.set_verdict": "member",
    "api.unfile_claim": "teacher",
    # LTI: what an LMS and its admin read; the endpoints an LMS calls answer a request
    # without a launch with 400; the course link page is the project's teachers'; the deep
    # linking page exists only in the session of an instructor's deep linking launch.
    "lti.jwks": "public", "lti.configuration": "public", "lti.configuration_json": "public",
    "lti.canvas_json": "public", "lti.not_ready": "public", "lti.login": "public",
    "lti.launch": "public", "lti.admin": "admin", "lti.add_deployment": "admin",
    "lti.remove_platform": "admin", "lti.rotate_keys": "admin",
    "lti.link": "teacher", "lti.send_grades": "teacher", "lti.sync_roster": "teacher",
    "lti.deep_link": "launch",
}
# Query strings some pages need to show anything (a cell of a matrix, a label).
QUERY = {
    "web.confusion_cell": "?x=news_report&y=official_statement",
    "web.span_confusion_cell": "?layer=rhetoric&x=loaded_language&y=name_calling",
    "web.label_passages": "?layer=source&label=news_report",
    "web.span_differences": "?layer=rhetoric&label=loaded_language",
    "web.source_profile": "?ref=publisher:the+daily",
    "api.get_source": "?ref=publisher:the+daily",
}


def allowed(level: str, visitor: str) -> bool:
    if level == "public":
        return True
    if visitor == "anonymous":
        return False
    return {
        "user": True,
        "member": visitor in ("student", "teacher", "admin"),
        "teacher": visitor in ("teacher", "admin"),
        "teacher_role": visitor in ("teacher", "other_teacher", "admin"),
        "admin": visitor == "admin",
        "token_owner": visitor == "student",
        "span_owner": visitor == "student",
        "revealed": visitor in ("teacher", "admin"),
        "launch": False,
        "uploader": visitor == "teacher",  # an upload kept for who-is-who: its teacher's own
    }[level]


def refusal(level: str, visitor: str, api: bool, scoped: bool, method: str) -> set[int]:
    """The answers that count as the right refusal for this visitor."""
    if level == "launch":  # nothing there without the launch that opens it
        return {404} if visitor != "anonymous" or method in SAFE else {400, 404}
    if visitor == "anonymous":
        # A form post without a session fails its CSRF check before anything else.
        return {401} if api else ({302} if method in SAFE else {302, 400})
    if level == "admin" or level == "token_owner" or (level == "uploader" and visitor == "admin"):
        return {404}
    if scoped and visitor in ("other_student", "other_teacher"):
        return {404}
    if level == "revealed" and visitor == "student" and not api:
        return {302}  # back to the annotation page, saying when the reveal comes
    return {403}


@pytest.fixture
def world(app, make, client):
    """Two classes. In ours: a document with the student's span (deleted one included),
    a passage tag, an archived second document; the student's API token."""
    teacher = make.user("teacher_a", role="teacher")
    project = make.project(teacher, "Class A")
    document = make.document(project, "The minister blamed bandits.\n\nWitnesses did not.\n")
    document.publisher = "The Daily"
    archived = make.document(project, "An older text for the archive.\n", name="old.txt")
    archived_too = make.document(project, "An older text, archived too.\n", name="old2.txt")
    student = make.member(project, username="student_a")
    other_teacher = make.user("teacher_b", role="teacher")
    other_project = make.project(other_teacher, "Class B")
    other_student = make.member(other_project, username="student_b")
    admin = make.user("admin1", role="admin")
    from app.services import annotations

    def span(client_id: str, needle: str, target=document):
        start = target.text.index(needle)
        made, _ = annotations.create_span(student, target, {
            "client_id": client_id, "layer": "rhetoric", "label": "loaded_language",
            "start": start, "end": start + len(needle), "text": needle})
        return made["id"]

    kept = span(uuid.uuid4().hex, "bandits")
    gone = span(uuid.uuid4().hex, "minister")
    annotations.delete_span(student, document, gone, 1)
    for old in (archived, archived_too):
        span(uuid.uuid4().hex, "older", old)
        archive.remove_document(teacher, old, confirm=True)
    event = db.session.scalar(sa.select(AnnotationEvent.id).where(
        AnnotationEvent.action == "delete"))
    token, _ = tokens.create_token(student, "mine")
    entity = sources.create_entity(project, teacher, "Kalmukhambet Kasymov")
    proposal = sources.link_name(project, student, "the minister", entity.id)
    question = claims.create_question(project, teacher, "How many died in Zhanaozen?")
    links = [claims.file_claim(project, teacher, question.id, {
        "document_id": document.id, "start": start, "end": start + 7,
        "text": document.text[start:start + 7], "value": "1"}) for start in (0, 4, 8)]
    from app.services import rounds

    first_round = rounds.create_round(project, "Round 1", [document.id])
    spare_round = rounds.create_round(project, "Round 2", [document.id])
    words = projects.get_project(teacher, project.id).codebook
    label = words.layers[1].labels[0]
    from app.services.reading import previews

    preview = previews.upload(project, [("page.html", b"<title>T</title><p>Preview.</p>")],
                              2 * 1024 * 1024, teacher).token
    from app.services.datasets.importing import pending
    from tests.datasets.test_who_is_who import EMAIL, _annotation, _file

    waiting = pending.begin(project, teacher, "label-studio", "tasks.json",
                         _file(_annotation(EMAIL, (12, 19))))
    ids = {"project_id": project.id, "document_id": document.id, "span_id": kept,
           "passage_id": document.passages[0].id, "user_id": student.id,
           "username": student.username, "label_id": label.id, "layer_key": "rhetoric",
           "event_id": event, "token_id": token.id, "filename": "css/app.css",
           "version": current_app.config["STATIC_VERSION"],
           "alias_id": proposal.id, "action": "remove", "question_id": question.id,
           "link_id": links[0].id, "spare_link_id": links[1].id,
           "third_link_id": links[2].id, "fmt": "csv", "round_id": first_round.id,
           "spare_round_id": spare_round.id, "token": preview, "kept_token": waiting.token,
           **_lti_world(project)}
    people = {"student": student, "other_student": other_student, "teacher": teacher,
              "other_teacher": other_teacher, "admin": admin}
    return ids, people, (archived.id, archived_too.id)


def _lti_world(project) -> dict[str, int]:
    """A registered LMS and a course link of the class's project."""
    from app.models_lti import LtiResourceLink
    from app.services.lti import platforms

    platform = platforms.register(
        {"issuer": "https://lms.example", "client_id": "c1",
         "auth_login_url": "https://lms.example/auth",
         "auth_token_url": "https://lms.example/token", "jwks_url": "https://lms.example/jwks"},
        ["d1"])
    spare = platforms.register(
        {"issuer": "https://lms.example", "client_id": "c2",
         "auth_login_url": "https://lms.example/auth",
         "auth_token_url": "https://lms.example/token", "jwks_url": "https://lms.example/jwks"},
        [])
    link = LtiResourceLink(deployment_id=platform.deployments[0].id, resource_link_id="r1",
                           project_id=project.id)
    db.session.add(link)
    db.session.commit()
    return {"platform_id": platform.id, "spare_platform_id": spare.id,
            "course_link_id": link.id}


def _fill(rule, ids: dict, archived_id: int) -> str:
    values = dict(ids)
    if rule.endpoint == "web.restore_document":
        values["document_id"] = archived_id[0]
    if rule.endpoint == "api.restore_document":
        values["document_id"] = archived_id[1]
    if rule.endpoint == "web.unfile_claim":
        values["link_id"] = values["spare_link_id"]
    if rule.endpoint == "api.unfile_claim":
        values["link_id"] = values["third_link_id"]
    if rule.endpoint == "web.import_people":
        values["token"] = values["kept_token"]
    if rule.endpoint == "web.round_delete":
        values["round_id"] = values["spare_round_id"]
    if rule.endpoint == "lti.remove_platform":  # the course link's platform stays
        values["platform_id"] = values["spare_platform_id"]
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)
    return url + QUERY.get(rule.endpoint, "")


@pytest.mark.parametrize("visitor", VISITORS)
def test_access_matrix(app, client, world, login_as, visitor):
    ids, people, archived_id = world
    rules = [r for r in app.url_map.iter_rules()]
    unlisted = sorted({r.endpoint for r in rules} - set(ACCESS))
    assert unlisted == [], f"routes missing from the access matrix: {unlisted}"
    token = ""
    if visitor != "anonymous":
        login_as(people[visitor])
        token = csrf_token(client, "/projects")
    wrong = []
    checked = 0
    for rule in rules:
        if rule.endpoint == "auth.logout":
            continue  # signing out is tested in test_auth; here it would end the visit
        level = ACCESS[rule.endpoint]
        url = _fill(rule, ids, archived_id)
        api = url.startswith("/api/")
        scoped = "<int:project_id>" in rule.rule or "<int:course_link_id>" in rule.rule
        for method in sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"}):
            if method in SAFE:
                response = client.open(url, method=method)
            elif api:
                response = client.open(url, method=method, json={},
                                       headers={"X-CSRFToken": token})
            else:
                response = client.open(url, method=method, data={"csrf_token": token})
            status = response.status_code
            response.close()
            checked += 1
            if status >= 500:
                wrong.append(f"{method} {url}: {status} (server error)")
            elif allowed(level, visitor):
                if status in (401, 403, 404) or (status == 302 and "/login" in
                                                 response.headers.get("Location", "")):
                    wrong.append(f"{method} {url}: {status}, but {visitor} may use it")
            else:
                expected = refusal(level, visitor, api, scoped, method)
                if status not in expected:
                    wrong.append(f"{method} {url}: {status}, expected {sorted(expected)} "
                                 f"for {visitor}")
                elif status == 302 and visitor == "anonymous":
                    assert "/login" in response.headers["Location"]
    assert not wrong, "\n".join(wrong)
    assert checked > 100
