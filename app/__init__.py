"""Sourcemark: annotate texts by source type, rhetoric and unsupported claims."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error handlers and CLI. Nothing else."""
    # Imported here so that `app.agreement`, the pure maths, loads without Flask.
    from flask import Flask

    instance_path = os.environ.get("SOURCEMARK_INSTANCE_PATH") or str(
        Path(__file__).resolve().parent.parent / "instance"
    )
    # The static folder is served by app.assets, under a versioned URL.
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True,
                static_folder=None)
    app.static_folder = "static"
    from app.jsonsafe import JSONProvider

    app.json = JSONProvider(app)  # request bodies too deeply nested are a 400, never a 500
    from app.config import build_config

    app.config.update(build_config(Path(app.instance_path)))
    if config:
        app.config.update(config)
    from app.config import check_production

    check_production(app.config)
    # The connection used last is the one handed out next: its caches (SQLite's pages, the
    # statements it has prepared) are warm, where a queue would hand out the coldest.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "pool_use_lifo": True, **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        # A database server may drop idle connections: test each before use. (A SQLite
        # file never does, and the test would cost a statement per request.)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True, **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    if app.config["PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        proxies = app.config["PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore
                                x_host=proxies)

    from app.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)

    # Ids in URLs are database integers: one too large for the column is simply not found.
    from werkzeug.routing import IntegerConverter

    class IdConverter(IntegerConverter):
        def __init__(self, map, *args, **kwargs):  # noqa: A002 (Werkzeug's name)
            kwargs.setdefault("max", 2**31 - 1)
            super().__init__(map, *args, **kwargs)

    app.url_map.converters["int"] = IdConverter

    from app import security
    from app.api import bp as api_bp
    from app.auth import bp as auth_bp
    from app.services import history  # noqa: F401  (logs every annotation change)
    from app.web import bp as web_bp

    security.init_app(app)
    from app import assets, i18n

    assets.init_app(app)

    i18n.init_app(app)
    # Text answers go out compressed, in the first of zstd, brotli and gzip the browser
    # accepts: the annotation page of a long document shrinks four- to sixfold, and school
    # networks are slow. Measured on a 900 KB page: zstd 3 takes 1.5 ms, brotli 4 28 ms,
    # gzip 6 65 ms, gzip 1 19 ms (for 14% more bytes), so gzip, the fallback of old
    # browsers only, runs at level 1. Zip downloads are not text and go out as they are.
    from flask_compress import Compress

    app.config.setdefault("COMPRESS_LEVEL", 1)
    # Streamed answers (the static files) go out as they are: compressing a stream leaves the
    # file it reads open until the garbage collector finds it, and static files are cached
    # by the browser after the first visit anyway (a proxy in front may compress them).
    app.config.setdefault("COMPRESS_STREAMS", False)
    Compress(app)
    app.register_blueprint(auth_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    from app import lti

    lti.init_app(app)

    from app import cli, errors, zones

    errors.init_app(app)
    zones.init_app(app)
    cli.init_app(app)
    if app.config["PRODUCTION"]:
        # An app server process builds what its first requests would otherwise wait for.
        from app.services.projects import warm

        warm()
    return app
