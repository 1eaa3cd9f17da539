"""Resource limits, checked before the work: JSON nesting, text sizes, counts of documents,
members and labels, and file names. Each refusal is a 400 naming the limit."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from app import jsonsafe
from app.config import LIMITS
from app.extensions import db
from app.models import Document, Label, Membership, User
from app.services import codebooks, projects, texts
from app.services.datasets import importing
from app.services.datasets.core import SCHEMA
from app.services.datasets.formats import jsonl
from app.services.documents import import_files
from app.services.errors import ImportFailed, Invalid
from app.services.people import roster
from tests.datasets.sample import sample_records

DEEP = "[" * 100_000 + "]" * 100_000
MAX = 2 * 1024 * 1024


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)).execution_options(
        include_archived=True))


def _api_headers(make):
    from app.services import tokens

    teacher = make.user("teach", role="teacher")
    _, secret = tokens.create_token(teacher, "script")
    return teacher, {"Authorization": f"Bearer {secret}"}


# --- JSON nesting ------------------------------------------------------------------------

@pytest.mark.parametrize("method, url", [("POST", "/api/v1/projects"), ("GET", "/api/v1/me"),
                                         ("GET", "/login"), ("POST", "/nowhere")])
def test_a_deeply_nested_body_is_a_400_on_any_url_anonymously(client, method, url):
    response = client.open(url, method=method, data="[" * 100_000,
                           content_type="application/json")
    assert response.status_code == 400
    if url.startswith("/api/"):
        error = response.get_json()["error"]
        assert error["code"] == "invalid" and "SOURCEMARK_JSON_MAX_DEPTH" in error["message"]


def test_a_deep_body_is_refused_for_signed_in_api_calls_too(client, make):
    teacher, headers = _api_headers(make)
    project = make.project(teacher)
    response = client.post(f"/api/v1/projects/{project.id}/documents", headers=headers,
                           data=json.dumps({"documents": [{"text": "x", "title": DEEP}]})
                           .replace(json.dumps(DEEP), DEEP), content_type="application/json")
    assert response.status_code == 400
    assert "SOURCEMARK_JSON_MAX_DEPTH" in response.get_json()["error"]["message"]


def test_brackets_inside_strings_are_not_nesting(app):
    body = json.dumps({"title": "[" * 5000, "text": '{"a": [' * 1000, "n": [[[1]]]})
    assert jsonsafe.loads(body)["n"] == [[[1]]]
    assert jsonsafe.max_depth(body) == 4
    assert jsonsafe.max_depth(body.encode()) == 4
    # An escaped quote does not end a string; an unterminated one runs to the end.
    assert jsonsafe.max_depth(r'["a\"[[[", [1]]') == 2
    assert jsonsafe.max_depth('["abc' + "[" * 500) == 1


def test_the_depth_limit_is_exact_and_configurable(app):
    limit = app.config["JSON_MAX_DEPTH"]
    assert jsonsafe.loads("[" * limit + "]" * limit) is not None
    with pytest.raises(jsonsafe.TooDeep) as excinfo:
        jsonsafe.loads("[" * (limit + 1) + "]" * (limit + 1))
    assert excinfo.value.colno == limit + 1  # where the level past the limit opens
    app.config["JSON_MAX_DEPTH"] = 3
    with pytest.raises(json.JSONDecodeError):
        jsonsafe.loads('{"a": {"b": {"c": {}}}}')


def test_a_deep_jsonl_document_line_names_the_file_and_line(app, make):
    raw = b'{"text": "Fine."}\n' + b'{"text": "Deep.", "title": ' + DEEP.encode() + b"}\n"
    with pytest.raises(ImportFailed) as excinfo:
        import_files(make.project(), [("docs.jsonl", raw)], MAX)
    (problem,) = excinfo.value.problems
    assert (problem.file, problem.line) == ("docs.jsonl", 2)
    assert "SOURCEMARK_JSON_MAX_DEPTH" in problem.message
    assert _count(Document) == 0


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


DEEP_FILES = {
    # format: (file name, bytes, the file and line a problem names)
    "jsonl": ("class.jsonl", b"\n" + DEEP.encode() + b"\n", ("class.jsonl", 2)),
    "doccano": ("d.zip", _zip({"alia.jsonl": b'{"text": "x", "label": ' + DEEP.encode()
                               + b"}\n"}), ("d.zip/alia.jsonl", 1)),
    "label-studio": ("ls.json", b"[\n" + DEEP.encode() + b"\n]", ("ls.json", 2)),
    "brat": ("b.zip", _zip({"alia/doc.txt": b"Some text.",
                            "alia/doc.ann": b"T1\tloaded_language 0 4\tSome\n"
                                            b"#1\tSourcemark T1\t" + DEEP.encode()}),
             ("b.zip/alia/doc.ann", 2)),
}


@pytest.mark.parametrize("fmt", sorted(DEEP_FILES))
def test_dataset_readers_refuse_deep_json_naming_file_and_line(app, make, fmt):
    name, raw, where = DEEP_FILES[fmt]
    with pytest.raises(ImportFailed) as excinfo:
        importing.import_file(make.project(), fmt, name, raw)
    found = [p for p in excinfo.value.problems if "SOURCEMARK_JSON_MAX_DEPTH" in p.message]
    assert [(p.file, p.line) for p in found] == [where]


def test_our_own_export_still_imports(app, make):
    raw = "".join(jsonl.dump(r) + "\n" for r in sample_records()).encode()
    summary = importing.import_file(make.project(), "jsonl", "s.jsonl", raw)
    assert summary.documents_added == len(sample_records())


# --- text size before the work -----------------------------------------------------------

class _NoWork:
    """Stands in for unicodedata: any normalisation means the size came too late."""

    def __getattr__(self, name):
        raise AssertionError(f"unicodedata.{name} ran before the size check")


@pytest.fixture
def no_text_work(monkeypatch):
    monkeypatch.setattr(texts, "unicodedata", _NoWork())
    monkeypatch.setattr(texts, "OffsetMap", _NoWork)


def test_an_oversized_text_is_refused_before_normalisation(app, no_text_work):
    big = "é" * (MAX // 2 + 1)  # fewer characters than bytes allowed, more bytes
    with pytest.raises(texts.TextError, match="over the limit of 2,097,152 bytes"):
        texts.canonicalize(big, "a.txt", max_bytes=MAX)
    with pytest.raises(texts.TextError, match="at least 2,097,153 bytes"):
        texts.canonicalize_mapped("a" * (MAX + 1), "a.txt", max_bytes=MAX)


def test_an_oversized_jsonl_document_is_refused_before_normalisation(app, make, no_text_work):
    raw = json.dumps({"text": "a" * (MAX + 1)}).encode()
    with pytest.raises(ImportFailed) as excinfo:
        import_files(make.project(), [("big.jsonl", raw)], MAX)
    assert "over the limit" in excinfo.value.problems[0].message


def test_an_oversized_api_document_is_refused_before_normalisation(app, client, make,
                                                                  no_text_work):
    teacher, headers = _api_headers(make)
    project = make.project(teacher)
    response = client.post(f"/api/v1/projects/{project.id}/documents", headers=headers,
                           json={"documents": [{"text": "a" * (MAX + 1)}]})
    assert response.status_code == 400
    assert "over the limit" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("fmt", ["doccano", "label-studio", "jsonl"])
def test_an_oversized_dataset_text_is_refused_before_its_offset_map(app, make, no_text_work,
                                                                   fmt):
    text = "a" * (MAX + 1)
    raw = {"doccano": json.dumps({"text": text, "label": [[0, 1, "loaded_language"]]}),
           "label-studio": json.dumps([{"data": {"text": text}, "annotations": [{
               "completed_by": 1, "result": [{"type": "labels", "value": {
                   "start": 0, "end": 1, "labels": ["loaded_language"]}}]}]}]),
           "jsonl": _dataset(text).decode()}[fmt].encode()
    with pytest.raises(ImportFailed) as excinfo:
        importing.import_file(make.project(), fmt, "big.json", raw)
    assert any("over the limit" in p.message for p in excinfo.value.problems)


# --- counts ------------------------------------------------------------------------------

def test_defaults_allow_a_large_import_and_are_documented(app):
    assert app.config["MAX_DOCUMENTS_PER_IMPORT"] >= 20_000
    assert app.config["MAX_DOCUMENTS_PER_PROJECT"] >= 20_000
    readme = (__import__("pathlib").Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("## Limits", 1)[1]
    for env, _ in LIMITS.values():
        assert env in section


def _dataset(*texts_: str) -> bytes:
    """Our JSONL with these texts and no annotations."""
    return "".join(json.dumps({"schema": SCHEMA, "text": text, "annotators": {}}) + "\n"
                   for text in texts_).encode()


def _txt(n: int) -> list[tuple[str, bytes]]:
    return [(f"d{i}.txt", f"Document {i}.\n".encode()) for i in range(n)]


def test_documents_per_import_are_limited_on_every_path(app, client, make, runner, tmp_path):
    app.config["MAX_DOCUMENTS_PER_IMPORT"] = 3
    teacher, headers = _api_headers(make)
    project = make.project(teacher)
    with pytest.raises(ImportFailed, match="SOURCEMARK_MAX_DOCUMENTS_PER_IMPORT"):
        import_files(project, _txt(4), MAX)
    raw = _dataset(*(f"Text {i}." for i in range(4)))
    with pytest.raises(ImportFailed, match="4 documents in one import"):
        importing.import_file(project, "jsonl", "four.jsonl", raw)
    response = client.post(f"/api/v1/projects/{project.id}/documents", headers=headers,
                           json={"documents": [{"text": f"T {i}."} for i in range(4)]})
    assert response.status_code == 400
    assert "SOURCEMARK_MAX_DOCUMENTS_PER_IMPORT" in response.get_json()["error"]["message"]
    paths = []
    for name, data in _txt(4):
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    result = runner.invoke(args=["documents", "import", str(project.id), *map(str, paths)])
    assert result.exit_code != 0 and "SOURCEMARK_MAX_DOCUMENTS_PER_IMPORT" in result.output
    assert _count(Document) == 0
    assert len(import_files(project, _txt(3), MAX)) == 3


def test_documents_per_project_are_limited(app, make):
    app.config["MAX_DOCUMENTS_PER_PROJECT"] = 3
    project = make.project()
    import_files(project, _txt(2), MAX)
    with pytest.raises(ImportFailed, match="SOURCEMARK_MAX_DOCUMENTS_PER_PROJECT"):
        import_files(project, [("x.txt", b"One more.\n"), ("y.txt", b"Two more.\n")], MAX)
    raw = _dataset("Document 0.\n", "New one.", "Newer one.")  # the first is already there
    with pytest.raises(ImportFailed, match="holds 2 documents; 2 more"):
        importing.import_file(project, "jsonl", "more.jsonl", raw)
    assert _count(Document) == 2
    summary = importing.import_file(project, "jsonl", "more.jsonl", raw.rsplit(b"\n", 2)[0])
    assert summary.documents_added == 1 and _count(Document) == 3


def test_members_per_project_are_limited_on_every_path(app, client, make):
    app.config["MAX_MEMBERS_PER_PROJECT"] = 3
    project = make.project()  # its teacher is the first member
    make.member(project)
    with pytest.raises(Invalid, match="SOURCEMARK_MAX_MEMBERS_PER_PROJECT"):
        roster.add_roster(project, "Aigerim Serikova\nDaniyar Kim")
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 2
    make.member(project)
    with pytest.raises(Invalid, match="3 members"):
        projects.join_with_code(make.user("late"), project.join_code)
    with pytest.raises(Invalid, match="SOURCEMARK_MAX_MEMBERS_PER_PROJECT"):
        projects.sign_up_student(project.join_code, "newbie", "correct horse battery")
    raw = "".join(jsonl.dump(r) + "\n" for r in sample_records()).encode()
    with pytest.raises(Invalid, match="SOURCEMARK_MAX_MEMBERS_PER_PROJECT"):
        importing.import_file(project, "jsonl", "s.jsonl", raw)
    db.session.rollback()
    assert _count(Membership) == 3 and _count(Document) == 0
    assert db.session.scalar(sa.select(User.id).where(User.username == "newbie")) is None


def test_labels_per_layer_are_limited(app, make):
    project = make.project()
    layer = codebooks.get_layer(project.codebook, "claim")
    app.config["MAX_LABELS_PER_LAYER"] = len(layer.labels) + 1
    codebooks.add_label(project.codebook, "claim", "one_more", "One more")
    with pytest.raises(Invalid, match="SOURCEMARK_MAX_LABELS_PER_LAYER") as excinfo:
        codebooks.add_label(project.codebook, "claim", "too_many", "Too many")
    assert excinfo.value.status == 400
    assert db.session.scalar(sa.select(Label.id).where(Label.key == "too_many")) is None


# --- file names --------------------------------------------------------------------------

BAD_NAMES = {"long": "n" * 300 + ".txt", "nul": "bad\x00name.txt"}


@pytest.mark.parametrize("kind", sorted(BAD_NAMES))
def test_a_bad_file_name_is_a_clear_400_on_every_path(app, client, make, kind):
    name = BAD_NAMES[kind]
    teacher, headers = _api_headers(make)
    project = make.project(teacher)
    with pytest.raises(ImportFailed, match="the file name") as excinfo:
        import_files(project, [(name, b"Some text.\n")], MAX)
    assert excinfo.value.status == 400
    with pytest.raises(ImportFailed, match="the file name"):
        importing.import_file(project, "jsonl", name.replace(".txt", ".jsonl"),
                              _dataset("Some text."))
    response = client.post(f"/api/v1/projects/{project.id}/documents", headers=headers,
                           data={"files": [(io.BytesIO(b"Some text.\n"), name)]},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "the file name" in response.get_json()["error"]["problems"][0]["message"]
    assert _count(Document) == 0


def test_a_bad_file_name_in_the_upload_form_is_flashed(app, client, make, login_as):
    teacher = make.user("teach", role="teacher")
    project = make.project(teacher)
    token = login_as(teacher)
    response = client.post(f"/projects/{project.id}/documents", data={
        "csrf_token": token, "files": [(io.BytesIO(b"Some text.\n"), BAD_NAMES["long"])]},
        content_type="multipart/form-data", follow_redirects=True)
    assert "the file name is 304 characters long" in response.get_data(as_text=True)
    assert _count(Document) == 0


def test_the_api_and_the_join_form_name_the_limits(app, client, make):
    teacher, headers = _api_headers(make)
    project = make.project(teacher)
    layer = codebooks.get_layer(project.codebook, "claim")
    app.config["MAX_LABELS_PER_LAYER"] = len(layer.labels)
    response = client.post(f"/api/v1/projects/{project.id}/codebook/labels", headers=headers,
                           json={"layer": "claim", "key": "one_more", "name": "One more"})
    assert response.status_code == 400
    assert "SOURCEMARK_MAX_LABELS_PER_LAYER" in response.get_json()["error"]["message"]
    app.config["MAX_MEMBERS_PER_PROJECT"] = 1  # the teacher alone
    response = client.post(f"/api/v1/projects/{project.id}/roster", headers=headers,
                           json={"roster": "Aigerim Serikova"})
    assert response.status_code == 400
    assert "SOURCEMARK_MAX_MEMBERS_PER_PROJECT" in response.get_json()["error"]["message"]
    from tests.conftest import csrf_token

    token = csrf_token(client, "/join")
    page = client.post("/join", data={"csrf_token": token, "code": project.join_code,
                                      "username": "newbie", "password": "correct horse battery",
                                      "confirm": "correct horse battery"}).get_data(as_text=True)
    assert "SOURCEMARK_MAX_MEMBERS_PER_PROJECT" in page
    assert _count(Membership) == 1
