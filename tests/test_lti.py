"""LTI 1.3 against a simulated LMS: registration, launch, the attacks a launch must refuse,
grades, deep linking and the roster."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Membership, User
from app.models_lti import LtiGrade, LtiPlatform, LtiResourceLink, LtiUser
from app.services.lti import people, platforms
from tests.conftest import csrf_token, login
from tests.lti_platform import INSTRUCTOR, LEARNER, Served, SimulatedPlatform, new_key

BASE = "https://tool.example"


@pytest.fixture
def lms():
    served = Served(SimulatedPlatform())
    yield served.platform
    served.close()


@pytest.fixture
def registered(app, lms):
    return platforms.register(
        {"issuer": lms.issuer, "client_id": lms.client_id, "name": "Simulated LMS",
         "auth_login_url": f"{lms.base}/auth", "auth_token_url": f"{lms.base}/token",
         "jwks_url": f"{lms.base}/jwks"}, [lms.deployment_id])


@pytest.fixture
def tool(app):
    """A client on https (the LTI cookies are Secure, as browsers want inside an iframe)."""
    return app.test_client()


def start(client, lms, hint="student-1"):
    """The LMS's login initiation; returns the state and nonce sent to its auth URL."""
    response = client.get("/lti/login", base_url=BASE, query_string={
        "iss": lms.issuer, "login_hint": hint, "target_link_uri": f"{BASE}/lti/launch",
        "client_id": lms.client_id, "lti_deployment_id": lms.deployment_id})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location.startswith(f"{lms.base}/auth?")
    query = parse_qs(urlsplit(response.location).query)
    assert query["redirect_uri"] == [f"{BASE}/lti/launch"]
    return query["state"][0], query["nonce"][0]


def launch(client, lms, sub="student-1", roles=None, token=None, **claims):
    state, nonce = start(client, lms, sub)
    token = token or lms.sign(lms.claims(nonce, sub=sub, roles=roles, **claims))
    return client.post("/lti/launch", base_url=BASE, data={"id_token": token, "state": state},
                       headers={"Origin": lms.base})


def linked(lms, project, document=None):
    lms.custom = {"sourcemark": people.resource_token(project.id,
                                                      document.id if document else None)}


# --- registration and configuration -----------------------------------------------------------

def test_cli_registers_a_platform(runner, app):
    result = runner.invoke(args=[
        "lti", "add-platform", "--issuer", "https://moodle.school.example", "--client-id", "abc",
        "--deployment-id", "1", "--deployment-id", "2",
        "--auth-login-url", "https://moodle.school.example/mod/lti/auth.php",
        "--auth-token-url", "https://moodle.school.example/mod/lti/token.php",
        "--jwks-url", "https://moodle.school.example/mod/lti/certs.php"])
    assert result.exit_code == 0, result.output
    platform = db.session.scalar(sa.select(LtiPlatform))
    assert [d.deployment_id for d in platform.deployments] == ["1", "2"]
    again = runner.invoke(args=[
        "lti", "add-platform", "--issuer", "https://moodle.school.example", "--client-id", "abc",
        "--auth-login-url", "https://x.example/a", "--auth-token-url", "https://x.example/t",
        "--jwks-url", "nonsense"])
    assert again.exit_code != 0 and "jwks_url" in again.output


def test_admin_registers_a_platform_on_the_admin_page(client, make):
    admin = make.user("root", role="admin")
    login(client, admin.username)
    token = csrf_token(client, "/lti/admin")
    response = client.post("/lti/admin", data={
        "csrf_token": token, "issuer": "https://canvas.instructure.com", "client_id": "1000",
        "deployment_ids": "7:abc\n8:def", "auth_login_url": "https://sso.canvaslms.com/auth",
        "auth_token_url": "https://sso.canvaslms.com/token",
        "jwks_url": "https://sso.canvaslms.com/jwks"})
    assert response.status_code == 302
    platform = db.session.scalar(sa.select(LtiPlatform))
    assert platform.issuer == "https://canvas.instructure.com"
    assert len(platform.deployments) == 2


def test_students_cannot_open_the_admin_page(client, make):
    login(client, make.user().username)
    assert client.get("/lti/admin").status_code == 404


def test_jwks_and_configuration_name_our_urls(client):
    keys = client.get("/lti/jwks").get_json()["keys"]
    assert keys[0]["kty"] == "RSA" and keys[0]["kid"] and "d" not in keys[0]
    config = client.get("/lti/config.json").get_json()
    assert config["login_initiation"].endswith("/lti/login")
    assert config["jwks"].endswith("/lti/jwks")
    canvas = client.get("/lti/canvas.json").get_json()
    assert canvas["oidc_initiation_url"].endswith("/lti/login")
    assert canvas["target_link_uri"].endswith("/lti/launch")
    assert canvas["public_jwk_url"].endswith("/lti/jwks")
    assert client.get("/lti/config").status_code == 200


def test_key_rotation_keeps_the_previous_key_published(runner, client):
    first = client.get("/lti/jwks").get_json()["keys"][0]["kid"]
    assert runner.invoke(args=["lti", "rotate-key"]).exit_code == 0
    kids = [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]]
    assert first in kids and len(kids) == 2
    assert runner.invoke(args=["lti", "rotate-key", "--retire-old"]).exit_code == 0
    assert first not in [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]]


# --- launch ----------------------------------------------------------------------------------

def test_a_learner_launch_signs_in_the_lms_user_into_the_linked_project(tool, lms, registered,
                                                                        make):
    project = make.project()
    linked(lms, project)
    response = launch(tool, lms, sub="student-1")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location.endswith(f"/projects/{project.id}")
    cookie = next(v for v in response.headers.getlist("Set-Cookie")
                  if v.startswith("session=") and "Max-Age=0" not in v)
    assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie
    link = db.session.scalar(sa.select(LtiUser))
    assert (link.issuer, link.sub) == (lms.issuer, "student-1")
    user = db.session.get(User, link.user_id)
    assert user.role == "student" and user.display_name == "Name of student-1"
    member = db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id))
    assert (member.project_id, member.role) == (project.id, "student")
    page = tool.get(f"/projects/{project.id}", base_url=BASE)
    assert page.status_code == 200
    assert f"frame-ancestors 'self' {lms.base}" in page.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in page.headers


def test_other_sessions_keep_lax_cookies_and_no_framing(client, make):
    response = login(client, make.user().username)
    cookie = next(v for v in response.headers.getlist("Set-Cookie")
                  if v.startswith("session="))
    assert "SameSite=Lax" in cookie and "Partitioned" not in cookie
    page = client.get("/projects")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"


def test_an_instructor_launch_makes_a_teacher(tool, lms, registered, make):
    project = make.project()
    linked(lms, project)
    assert launch(tool, lms, sub="teacher-1", roles=[INSTRUCTOR]).status_code == 302
    user = db.session.get(User, db.session.scalar(sa.select(LtiUser.user_id)))
    member = db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id))
    assert user.role == "teacher" and member.role == "teacher"


def test_the_same_name_on_another_sub_is_another_account(tool, lms, registered, make):
    linked(lms, make.project())
    launch(tool, lms, sub="a", name="Sam Lee")
    launch(tool.application.test_client(), lms, sub="b", name="Sam Lee")
    users = db.session.scalars(sa.select(LtiUser.user_id)).all()
    assert len(set(users)) == 2


def test_a_launch_from_an_unlinked_link_asks_the_teacher_to_choose(tool, lms, registered,
                                                                  make):
    teacher_project = make.project()
    response = launch(tool, lms, sub="teacher-1", roles=[INSTRUCTOR])
    link = db.session.scalar(sa.select(LtiResourceLink))
    assert response.location.endswith(f"/lti/links/{link.id}")
    token = csrf_token(tool, f"{BASE}/lti/links/{link.id}")
    saved = tool.post(f"/lti/links/{link.id}", base_url=BASE, data={
        "csrf_token": token, "project": 0, "document": 0, "formula": "f1"},
        headers={"Referer": f"{BASE}/lti/links/{link.id}"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.session.refresh(link)
    assert link.project_id not in (None, teacher_project.id) and link.formula == "f1"
    project_page = tool.get(f"/projects/{link.project_id}", base_url=BASE)
    assert f"/lti/links/{link.id}" in project_page.get_data(as_text=True)
    student = tool.application.test_client()
    assert launch(student, lms, sub="student-9").location.endswith(
        f"/projects/{link.project_id}")


def test_a_learner_of_an_unlinked_link_is_told_to_wait(tool, lms, registered):
    response = launch(tool, lms)
    assert response.location.endswith("/lti/not-ready")


def test_an_edited_custom_parameter_cannot_point_at_another_project(tool, lms, registered,
                                                                   make):
    project = make.project()
    lms.custom = {"sourcemark": people.resource_token(project.id, None)[:-2] + "xx"}
    launch(tool, lms)
    assert db.session.scalar(sa.select(LtiResourceLink.project_id)) is None


# --- the attacks -----------------------------------------------------------------------------

def _refused(response, words: str) -> None:
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert words in page and "LMS admin" in page or "Open the activity again" in page
    assert db.session.scalar(sa.select(sa.func.count(LtiUser.id))) == 0


def test_a_replayed_launch_is_refused(tool, lms, registered, make):
    linked(lms, make.project())
    state, nonce = start(tool, lms)
    token = lms.sign(lms.claims(nonce))
    first = tool.post("/lti/launch", base_url=BASE, data={"id_token": token, "state": state})
    assert first.status_code == 302
    db.session.execute(sa.delete(LtiUser))
    db.session.commit()
    again = tool.application.test_client().post(
        "/lti/launch", base_url=BASE, data={"id_token": token, "state": state})
    _refused(again, "used already")


def test_a_token_with_another_nonce_is_refused(tool, lms, registered):
    state, _ = start(tool, lms)
    token = lms.sign(lms.claims("a-nonce-of-another-login"))
    _refused(tool.post("/lti/launch", base_url=BASE, data={"id_token": token, "state": state}),
             "nonce")


@pytest.mark.parametrize("change, words", [
    ({"aud": "another-tool"}, "meant for another tool"),
    ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 4000}, "expired"),
    ({"iat": int(time.time()) + 3600, "exp": int(time.time()) + 7200}, "future"),
    ({"iss": "https://evil.example"}, "another issuer"),
    ({"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "unknown-9"}, "not registered"),
    ({"https://purl.imsglobal.org/spec/lti/claim/version": "1.1"}, "not LTI 1.3"),
    ({"https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiSubmissionReviewRequest"},
     "message type"),
    ({"aud": ["sourcemark-client", "other"]}, "authorised party"),
    ({"azp": "other"}, "authorised party"),
])
def test_a_launch_with_a_bad_claim_is_refused(tool, lms, registered, change, words):
    _refused(launch(tool, lms, **change), words)


def test_a_token_signed_by_another_key_is_refused(tool, lms, registered):
    state, nonce = start(tool, lms)
    forged = lms.sign(lms.claims(nonce), key=new_key())  # the LMS's kid, another key
    _refused(tool.post("/lti/launch", base_url=BASE, data={"id_token": forged,
                                                           "state": state}), "signature")
    state, nonce = start(tool, lms)
    unknown = lms.sign(lms.claims(nonce), key=new_key(), kid="attacker")
    _refused(tool.post("/lti/launch", base_url=BASE, data={"id_token": unknown,
                                                           "state": state}), "key")


def test_a_learner_claiming_instructor_by_a_tampered_token_is_refused(tool, lms, registered,
                                                                     make):
    import base64
    import json

    linked(lms, make.project())
    state, nonce = start(tool, lms)
    header, payload, signature = lms.sign(lms.claims(nonce, roles=[LEARNER])).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["https://purl.imsglobal.org/spec/lti/claim/roles"] = [INSTRUCTOR]
    tampered = ".".join([header, base64.urlsafe_b64encode(json.dumps(claims).encode())
                         .decode().rstrip("="), signature])
    _refused(tool.post("/lti/launch", base_url=BASE, data={"id_token": tampered,
                                                           "state": state}), "signature")
    assert db.session.scalar(sa.select(sa.func.count(Membership.id))) == 1  # the teacher


def test_an_unknown_issuer_cannot_start_a_login(tool):
    response = tool.get("/lti/login", base_url=BASE, query_string={
        "iss": "https://unknown.example", "login_hint": "x"})
    assert response.status_code == 400
    assert "admin page" in response.get_data(as_text=True)


def test_a_state_of_another_browser_is_refused(tool, lms, registered):
    state, nonce = start(tool, lms)
    tool.set_cookie("lti_state", "another", domain="tool.example", path="/lti/launch")
    response = tool.post("/lti/launch", base_url=BASE, data={
        "id_token": lms.sign(lms.claims(nonce)), "state": state})
    _refused(response, "another login")


def test_the_jwks_is_fetched_again_for_an_unknown_kid(tool, lms, registered, make,
                                                      monkeypatch):
    from app.services.lti import launch as checks

    monkeypatch.setattr(checks, "JWKS_COOLDOWN_SECONDS", 0.0)
    monkeypatch.setattr(checks, "_JWKS", {})
    linked(lms, make.project())
    assert launch(tool, lms, sub="s1").status_code == 302
    lms.key, lms.kid = new_key(), "platform-key-rotated"  # the LMS rotated its key
    second = launch(tool.application.test_client(), lms, sub="s2")
    assert second.status_code == 302, second.get_data(as_text=True)


# --- grades, deep linking, roster ------------------------------------------------------------

def _submit(client, project, document):
    from app.services import annotations

    user = db.session.get(User, db.session.scalar(
        sa.select(LtiUser.user_id).where(LtiUser.sub == "student-1")))
    annotations.save_rating(user, document, {"reliability": 4, "slant": "cannot_tell",
                                             "genre": "reporting"})
    token = csrf_token(client, f"{BASE}/projects/{project.id}")
    return client.put(f"/api/v1/projects/{project.id}/documents/{document.id}/done",
                      base_url=BASE, json={"done": True},
                      headers={"X-CSRFToken": token, "Referer": f"{BASE}/projects"})


def test_a_submission_sends_the_score_and_comment_to_the_gradebook(tool, lms, registered,
                                                                  make):
    project = make.project()
    document = make.document(project)
    linked(lms, project, document)
    assert launch(tool, lms, sub="student-1").location.endswith(
        f"/projects/{project.id}/documents/{document.id}/annotate")
    response = _submit(tool, project, document)
    assert response.status_code == 200, response.get_data(as_text=True)
    response.close()  # as a WSGI server does once the answer is sent: the queue drains
    (score,) = lms.scores
    assert score["userId"] == "student-1"
    assert (score["scoreGiven"], score["scoreMaximum"]) == (100.0, 100.0)
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
    assert score["comment"]
    assert score["_content_type"] == "application/vnd.ims.lis.v1.score+json"
    assert score["_query"] == "type=sourcemark"  # the line item URL's query is kept
    grade = db.session.scalar(sa.select(LtiGrade))
    assert grade.status == "sent" and grade.sent_at is not None


def test_a_key_formula_without_a_key_is_pending_manual(tool, lms, registered, make):
    project = make.project()
    document = make.document(project)
    linked(lms, project, document)
    launch(tool, lms)
    link = db.session.scalar(sa.select(LtiResourceLink))
    link.formula = "f1"
    db.session.commit()
    _submit(tool, project, document).close()
    (score,) = lms.scores
    assert "scoreGiven" not in score
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed",
                                                                     "PendingManual")


def test_a_failed_send_is_retried_by_the_command(tool, lms, registered, make, runner):
    project = make.project()
    document = make.document(project)
    linked(lms, project, document)
    launch(tool, lms)
    lms.fail_scores = 1
    _submit(tool, project, document).close()
    grade = db.session.scalar(sa.select(LtiGrade))
    assert (grade.status, grade.attempts, lms.scores) == ("pending", 1, [])
    assert "503" in grade.last_error
    result = runner.invoke(args=["lti", "send-grades"])
    assert "0 sent" in result.output  # not due yet: it waits a minute
    grade.next_attempt_at = grade.created_at
    db.session.commit()
    result = runner.invoke(args=["lti", "send-grades"])
    assert "1 sent" in result.output, result.output
    assert len(lms.scores) == 1


def test_the_teacher_sends_grades_and_sees_what_was_sent(tool, lms, registered, make):
    project = make.project()
    make.document(project)
    linked(lms, project)
    launch(tool.application.test_client(), lms, sub="student-1")
    launch(tool, lms, sub="teacher-1", roles=[INSTRUCTOR])
    link = db.session.scalar(sa.select(LtiResourceLink))
    token = csrf_token(tool, f"{BASE}/lti/links/{link.id}")
    response = tool.post(f"/lti/links/{link.id}/grades", base_url=BASE,
                         data={"csrf_token": token},
                         headers={"Referer": f"{BASE}/lti/links/{link.id}"})
    assert response.status_code == 302
    (score,) = lms.scores
    assert score["userId"] == "student-1" and score["activityProgress"] == "InProgress"
    page = tool.get(f"/lti/links/{link.id}", base_url=BASE).get_data(as_text=True)
    assert "Name of student-1" in page and "sent" in page


def test_a_student_cannot_open_the_course_link_page(tool, lms, registered, make):
    linked(lms, make.project())
    launch(tool, lms)
    link = db.session.scalar(sa.select(LtiResourceLink))
    assert tool.get(f"/lti/links/{link.id}", base_url=BASE).status_code == 403


def test_deep_linking_answers_with_a_signed_response(tool, lms, registered, make, app):
    response = launch(tool, lms, sub="teacher-1", roles=[INSTRUCTOR],
                      message_type="LtiDeepLinkingRequest")
    assert response.location.endswith("/lti/deep-link")
    token = csrf_token(tool, f"{BASE}/lti/deep-link")
    answer = tool.post("/lti/deep-link", base_url=BASE, data={
        "csrf_token": token, "project": 0, "new_title": "Elections week", "document": 0},
        headers={"Referer": f"{BASE}/lti/deep-link"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert f"form-action 'self' {lms.base}" in answer.headers["Content-Security-Policy"]
    page = answer.get_data(as_text=True)
    assert f'action="{lms.base}/deep-link-return"' in page
    signed = page.split('name="JWT" value="')[1].split('"')[0]
    keys = jwt.PyJWKSet.from_dict(tool.get("/lti/jwks", base_url=BASE).get_json())
    claims = jwt.decode(signed, keys[jwt.get_unverified_header(signed)["kid"]].key,
                        algorithms=["RS256"], audience=lms.issuer, issuer=lms.client_id)
    assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == \
        "LtiDeepLinkingResponse"
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-42"
    (item,) = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["type"] == "ltiResourceLink" and item["lineItem"]["scoreMaximum"] == 100
    # The LMS puts the item's custom parameters into the launches of the new link.
    lms.custom = item["custom"]
    lms.resource_link_id = "resource-new"
    student = app.test_client()
    assert launch(student, lms, sub="student-3").status_code == 302
    link = db.session.scalar(sa.select(LtiResourceLink).where(
        LtiResourceLink.resource_link_id == "resource-new"))
    assert link.project_id is not None


def test_a_learner_cannot_deep_link(tool, lms, registered):
    response = launch(tool, lms, message_type="LtiDeepLinkingRequest")
    assert response.status_code == 400
    assert "instructors" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(LtiUser.id))) == 0


def test_the_roster_comes_into_the_project(tool, lms, registered, make):
    project = make.project()
    linked(lms, project)
    lms.members = [
        {"user_id": "student-1", "name": "Ada", "roles": [LEARNER], "status": "Active"},
        {"user_id": "student-2", "name": "Bo", "roles": ["Learner"]},
        {"user_id": "ta-1", "name": "Cy", "roles": [
            "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"]},
        {"user_id": "gone", "name": "Di", "roles": [LEARNER], "status": "Inactive"},
    ]
    launch(tool, lms, sub="teacher-1", roles=[INSTRUCTOR])
    link = db.session.scalar(sa.select(LtiResourceLink))
    token = csrf_token(tool, f"{BASE}/lti/links/{link.id}")
    tool.post(f"/lti/links/{link.id}/roster", base_url=BASE, data={"csrf_token": token},
              headers={"Referer": f"{BASE}/lti/links/{link.id}"})
    roles = dict(db.session.execute(
        sa.select(LtiUser.sub, Membership.role)
        .join(Membership, Membership.user_id == LtiUser.user_id)
        .where(Membership.project_id == project.id)).all())
    assert roles == {"teacher-1": "teacher", "student-1": "student", "student-2": "student",
                     "ta-1": "adjudicator"}
    assert lms.tokens_issued == 1


@pytest.mark.parametrize("roles, expected", [
    ([INSTRUCTOR], "teacher"), ([LEARNER], "student"), (["Instructor"], "teacher"),
    (["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor", LEARNER],
     "student"), ([], "student"),
])
def test_role_mapping(roles, expected):
    assert people.project_role(roles) == expected


def test_a_refused_launch_says_what_to_do_in_the_readers_language(tool):
    response = tool.get("/lti/login", base_url=BASE, query_string={"login_hint": "x"},
                        headers={"Accept-Language": "ru"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Попросите администратора LMS проверить адрес начала входа" in page
    assert "Ask the LMS admin" not in page


def test_a_course_grades_comment_is_in_the_language_of_the_request(app, make):
    from flask_babel import force_locale

    from app.services.lti import grades

    project = make.project()
    make.document(project)
    student = make.member(project, username="dana")
    link = LtiResourceLink(project_id=project.id, document_id=None, formula="completion")
    with app.test_request_context(), force_locale("ru"):
        comment = grades.score(link, student)["comment"]
    assert comment.startswith("Сдано 0 из 1 документа.") and "ключом ответов" in comment
