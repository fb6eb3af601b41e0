"""Tabour: queue management for citizen-service halls. `create_app()` wires the pieces, nothing more."""

from __future__ import annotations

from flask import Flask

from .settings import Settings


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> Flask:
    """Build the app from settings (or from the environment: TABOUR_CONFIG, TABOUR_DATABASE_URL, ...)."""
    from . import cli, extensions, i18n, staff_login
    from .realtime import register_namespaces
    from .realtime.publisher import Publisher
    from .services.accounts import TokenSigner
    from .services.catalog import sync_catalog
    from .store.database import Database
    from .store.migrate import upgrade
    from .web import api, auth, counter, display, home, join, kiosk, supervisor, track
    from .web.errors import register_error_handlers

    if settings is None:
        from .bootstrap import settings_from_environment

        settings, _first_run = settings_from_environment()
    app = Flask(__name__, instance_path=settings.instance_path)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        JSON_AS_ASCII=False,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    if migrate:
        upgrade(settings.database_url)
    db = Database(settings.database_url)
    with db.transaction() as session:
        catalog = sync_catalog(session, settings.hall)
    rt = extensions.Runtime(settings=settings, db=db, catalog=catalog, signer=TokenSigner(settings.secret_key))
    app.extensions["tabour"] = rt

    i18n.init_i18n(app)
    extensions.csrf.init_app(app)
    staff_login.init_login(app)
    extensions.socketio.init_app(
        app,
        async_mode=None,
        message_queue=settings.redis_url,
        cors_allowed_origins=[settings.public_url],
        transports=["websocket", "polling"],
    )
    register_namespaces(extensions.socketio)
    rt.publisher = Publisher(extensions.socketio, db, catalog)

    for module in (api, home, auth, kiosk, display, counter, supervisor, track, join):
        app.register_blueprint(module.bp)
    from .web.visitor_setup import init_visitor

    init_visitor(app, rt)  # notification outbox + worker, remote-hold expiry, staff outbox API
    # Kiosk printing: the print-job API and the print worker (started by run.py, not here).
    from .web import print_jobs

    app.register_blueprint(print_jobs.bp)
    rt.workers["print"] = kiosk.make_print_worker(rt, extensions.socketio)
    register_error_handlers(app)
    cli.register(app)
    return app
