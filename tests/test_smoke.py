def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Sign in" in response.data


def test_teacher_sees_created_project(client, make, login_as):
    teacher = make.user("ms.t", role="teacher")
    project = make.project(teacher, title="Media literacy 9B")
    login_as(teacher)
    page = client.get("/projects").get_data(as_text=True)
    assert "Media literacy 9B" in page
    assert client.get(f"/projects/{project.id}").status_code == 200


def test_every_benchmark_compiles():
    import py_compile
    from pathlib import Path

    scripts = sorted((Path(__file__).resolve().parent.parent / "benchmarks").glob("*.py"))
    assert scripts
    for script in scripts:
        py_compile.compile(str(script), doraise=True)
