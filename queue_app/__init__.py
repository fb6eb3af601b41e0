"""Tabour: queue management for citizen-service halls. `create_app()` wires the pieces, nothing more.

The steps, in order: settings -> Flask config -> database (migrated) and catalog -> extensions
(translations, CSRF, sessions, Socket.IO and its publisher) -> blueprints -> background workers
(built here, started only by run.py) -> error pages and CLI.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Flask

from .extensions import Runtime
from .settings import Settings


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> Flask:
    """Build the app from settings (or from the environment: TABOUR_CONFIG, TABOUR_DATABASE_URL, ...)."""
    from . import cli
    from .web.errors import register_error_handlers

    if settings is None:
        from .bootstrap import settings_from_environment

        settings, _first_run = settings_from_environment()
    app = Flask(__name__, instance_path=settings.instance_path)
    _configure(app, settings)
    rt = _init_runtime(app, settings, migrate)
    _init_extensions(app, rt)
    _register_blueprints(app)
    _init_workers(app, rt)
    register_error_handlers(app)
    _init_guards(app)
    from .web.deadline import with_deadline

    app.wsgi_app = with_deadline(app.wsgi_app, settings.request_deadline)  # type: ignore[method-assign,assignment]
    cli.register(app)
    return app


def _configure(app: Flask, settings: Settings) -> None:
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Arabic stays Arabic in JSON
    if settings.trusted_proxies:
        # the client's address and scheme as the trusted proxies saw them (Werkzeug's ProxyFix); any
        # X-Forwarded-For a client writes itself sits further left and is ignored
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]


def _init_runtime(app: Flask, settings: Settings, migrate: bool) -> Runtime:
    """The database (brought to the models' schema), the hall in force (config.yaml seeds it, the database
    keeps it: services/hall_config.py) with its catalog and calendars, the signer."""
    from .services import calendar, hall_config, sealed
    from .services.accounts import TokenSigner
    from .services.catalog import sync_catalog
    from .services.sealed import Sealer
    from .store.database import Database, utcnow

    if migrate:
        from .store.migrate import upgrade  # imported only here: Alembic is big, and run.py migrates apart

        upgrade(settings.database_url)
    db = Database(settings.database_url, pool=settings.database_pool)
    with db.transaction() as session:
        # config.yaml seeds the hall; afterwards the newest version in the database is in force
        hall = hall_config.adopt_file(session, settings.hall, utcnow())
        catalog = sync_catalog(session, hall.config)
        calendar.seed(session, catalog, utcnow())
    settings = replace(settings, hall=hall.config)
    from .realtime.bus import channel_for
    from .services.signin import SignInThrottle

    prefix = settings.bus_channel or channel_for(settings.database_url)  # one deployment's counters
    throttle = SignInThrottle(settings.hall.security, settings.redis_url, prefix)
    sealer = Sealer(settings.secret_key, settings.old_secret_keys)
    with db.transaction() as session:
        sealed.seal_all(session, sealer)  # keys stored before sealing, or under a key since rotated
    signer = TokenSigner(settings.secret_key)
    rt = Runtime(settings=settings, db=db, catalog=catalog, signer=signer, throttle=throttle, sealer=sealer)
    rt.hall_version = hall.version
    app.extensions["tabour"] = rt
    return rt


def _init_extensions(app: Flask, rt: Runtime) -> None:
    from . import extensions, i18n, staff_login
    from .metrics import Metrics
    from .realtime import register_namespaces, socket_clients
    from .realtime.bus import HallBus, channel_for
    from .realtime.publisher import Publisher

    i18n.init_i18n(app)
    extensions.csrf.init_app(app)
    staff_login.init_login(app)
    bus = None
    if rt.settings.redis_url:
        channel = rt.settings.bus_channel or channel_for(rt.settings.database_url)
        bus = HallBus(rt.settings.redis_url, channel)
    extensions.socketio.init_app(
        app,
        async_mode=None,  # gevent when run.py patched the process, threading in plain scripts
        client_manager=bus,  # None: one process, no bus
        # no cors_allowed_origins: same origin only, whatever address the hall's devices use
        transports=["websocket", "polling"],
    )
    register_namespaces(extensions.socketio)
    rt.publisher = Publisher(extensions.socketio, rt.db, rt.catalog)
    rt.bus = bus
    rt.metrics = Metrics(rt, lambda: socket_clients(extensions.socketio))
    rt.metrics.time_requests(app)
    rt.publisher.listeners.append(rt.metrics.observe)
    if bus is not None:
        bus.on_recovered = rt.publisher.resync


def _register_blueprints(app: Flask) -> None:
    from .web import (
        account,
        admin,
        admin_hall,
        api,
        appointments,
        auth,
        booking,
        calendar,
        central,
        counter,
        display,
        home,
        join,
        kiosk,
        outbox,
        print_jobs,
        printers_page,
        report_page,
        reports,
        staffing_page,
        supervisor,
        track,
    )

    for module in (
        *(api, home, auth, kiosk, display, counter, supervisor, track, join, print_jobs, printers_page, outbox),
        *(calendar, appointments, booking, reports, report_page, staffing_page, central, account, admin, admin_hall),
    ):
        app.register_blueprint(module.bp)


def _init_guards(app: Flask) -> None:
    """Security headers on every response; staff who owe a password change or two-step enrolment are
    held on their account page."""
    from .web.auth import require_account_ready
    from .web.headers import init_security_headers

    init_security_headers(app)
    app.before_request(require_account_ready)


def _init_workers(app: Flask, rt: Runtime) -> None:
    """Kiosk printing, visitor notifications and the day's sweeps (holds, closing); run.py starts them."""
    from . import workers

    workers.build(app, rt)
