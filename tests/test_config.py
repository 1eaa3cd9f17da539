"""Settings: the secret key, the database URL and the defaults."""

from __future__ import annotations

import stat

from app import create_app
from app.config import _database_url, build_config


def test_secret_key_is_generated_once_into_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = build_config(tmp_path)["SECRET_KEY"]
    key_file = tmp_path / "secret_key"
    assert len(first) == 64 and key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert build_config(tmp_path)["SECRET_KEY"] == first


def test_secret_key_from_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert build_config(tmp_path)["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_default_database_is_sqlite_under_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert _database_url(tmp_path) == f"sqlite:///{tmp_path / 'sourcemark.db'}"


def test_postgres_urls_get_the_psycopg_driver(tmp_path, monkeypatch):
    for given in ("postgres://u:p@h/db", "postgresql://u:p@h/db"):
        monkeypatch.setenv("DATABASE_URL", given)
        assert _database_url(tmp_path) == "postgresql+psycopg://u:p@h/db"
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/other.db")
    assert _database_url(tmp_path) == "sqlite:////tmp/other.db"


def test_instance_path_comes_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCEMARK_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.instance_path == str(tmp_path / "inst")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("/inst/sourcemark.db")
    assert app.config["DOCUMENT_MAX_BYTES"] == 2 * 1024 * 1024


def test_every_response_carries_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    import pytest

    monkeypatch.setenv("SOURCEMARK_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.setenv("SOURCEMARK_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="needs SECRET_KEY in the environment"):
        create_app()
    assert not (tmp_path / "inst" / "secret_key").exists()  # no key invented in production
    monkeypatch.setenv("SECRET_KEY", "dev")
    with pytest.raises(RuntimeError, match="too weak"):
        create_app()


def test_production_with_a_real_key_sets_secure_cookies(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCEMARK_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.setenv("SOURCEMARK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 16 + "0123456789abcdef0123")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    monkeypatch.setenv("SOURCEMARK_SECURE_COOKIES", "0")  # plain HTTP on a school network
    assert not create_app().config["SESSION_COOKIE_SECURE"]


def test_behind_a_proxy_the_forwarded_scheme_and_address_count(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCEMARK_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.setenv("SOURCEMARK_PROXIES", "1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"})
    seen = {}

    @app.get("/_probe")
    def probe():
        from flask import request

        seen.update(scheme=request.scheme, addr=request.remote_addr)
        return "ok"

    app.test_client().get("/_probe", headers={"X-Forwarded-Proto": "https",
                                               "X-Forwarded-For": "203.0.113.7"})
    assert seen == {"scheme": "https", "addr": "203.0.113.7"}


def test_a_production_app_has_the_default_codebooks_ready_before_its_first_request(
        tmp_path, monkeypatch):
    """The first new project of each app server process does not wait for the YAML, nor
    for Babel's locale data or the zone list."""
    from app import i18n, zones
    from app.services.codebooks import defaults

    for cached in (defaults._default_rows, i18n.languages, zones.zone_names):
        cached.cache_clear()
    monkeypatch.setenv("SOURCEMARK_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.setenv("SOURCEMARK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 16 + "0123456789abcdef0123")
    create_app()
    assert defaults._default_rows.cache_info().currsize == len(defaults.codebook_languages())
    assert i18n.languages.cache_info().currsize == zones.zone_names.cache_info().currsize == 1


def test_the_database_pool_hands_out_the_connection_used_last(app):
    """A queue would hand out the coldest connection (SQLite's page cache and prepared
    statements empty); the pool reuses the warm one."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine
        first, second = engine.connect(), engine.connect()
        second_raw = second.connection.dbapi_connection
        first.close()
        second.close()  # returned last
        with engine.connect() as again:
            assert again.connection.dbapi_connection is second_raw
