"""Extensions created unbound (bound in create_app) and the per-app runtime that handlers reach for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_babel import Babel
from flask_login import LoginManager
from flask_socketio import SocketIO
from flask_wtf import CSRFProtect

if TYPE_CHECKING:
    from .services.accounts import TokenSigner
    from .services.catalog import Catalog
    from .services.sealed import Sealer
    from .services.signin import SignInThrottle
    from .settings import Settings
    from .store.database import Database

socketio = SocketIO()
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()


@dataclass
class Runtime:
    """What one app instance owns: settings, database, catalog, token signer, publisher, workers."""

    settings: Settings
    db: Database
    catalog: Catalog  # the hall in force: swapped in place when a newer configuration is adopted
    signer: TokenSigner
    throttle: SignInThrottle  # failed sign-ins per name and address (services/signin.py)
    sealer: Sealer  # secrets sealed at rest: staff's two-step keys (services/sealed.py)
    hall_version: int = 0  # the hall_versions row in force in this process (queue_app/live_config.py)
    publisher: Any = None
    bus: Any = None  # realtime.bus.HallBus between processes, when Redis is configured
    metrics: Any = None  # metrics.Metrics: this app's Prometheus registry
    workers: dict[str, Any] = field(default_factory=dict)
    identities: dict[str, tuple[float, Any]] = field(default_factory=dict)  # web/access.py: token -> who, briefly


def runtime() -> Runtime:
    return current_app.extensions["tabour"]  # type: ignore[no-any-return]
