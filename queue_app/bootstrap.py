"""Settings from the environment, and the first run: secrets generated, printed once, never defaulted."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .settings import Settings, load_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance: Path) -> tuple[str, bool]:
    """TABOUR_SECRET_KEY, else the key kept in instance/secret_key (generated on the first run)."""
    if os.environ.get("TABOUR_SECRET_KEY"):
        return os.environ["TABOUR_SECRET_KEY"], False
    file = instance / "secret_key"
    if file.exists():
        return file.read_text().strip(), False
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    file.write_text(key)
    file.chmod(0o600)
    return key, True


def settings_from_environment(config_path: str | None = None) -> tuple[Settings, bool]:
    """(settings, first_run). Environment variables override config.yaml's defaults:
    TABOUR_CONFIG, TABOUR_DATABASE_URL, TABOUR_REDIS_URL, TABOUR_SECRET_KEY, TABOUR_INSTANCE,
    TABOUR_PUBLIC_URL (the address printed in QR codes and pairing links), TABOUR_PRINT_RETRY_BASE,
    TABOUR_PRINT_RETRY_DEADLINE, TABOUR_PRINT_STATUS_INTERVAL, TABOUR_VOICE_DIR, TABOUR_BUS_CHANNEL,
    TABOUR_METRICS_TOKEN, TABOUR_TRUSTED_PROXIES, TABOUR_OLD_SECRET_KEYS, TABOUR_REQUEST_DEADLINE, TABOUR_DB_POOL. The
    environment is read here and nowhere else."""
    config_file = config_path or os.environ.get("TABOUR_CONFIG") or str(PROJECT_ROOT / "config.yaml")
    instance = Path(os.environ.get("TABOUR_INSTANCE") or PROJECT_ROOT / "instance").resolve()
    instance.mkdir(parents=True, exist_ok=True)
    secret_key, first_run = _secret_key(instance)
    database_url = os.environ.get("TABOUR_DATABASE_URL") or f"sqlite:///{instance / 'tabour.db'}"
    hall = load_config(config_file)
    if os.environ.get("TABOUR_PUBLIC_URL"):
        server = hall.server.model_copy(update={"public_url": os.environ["TABOUR_PUBLIC_URL"]})
        hall = hall.model_copy(update={"server": server})
    settings = Settings(
        hall=hall,
        database_url=database_url,
        secret_key=secret_key,
        redis_url=os.environ.get("TABOUR_REDIS_URL") or None,
        bus_channel=os.environ.get("TABOUR_BUS_CHANNEL") or None,
        instance_path=str(instance),
        config_file=config_file,
        database_pool=int(os.environ.get("TABOUR_DB_POOL") or 10),
        print_retry_base=float(os.environ.get("TABOUR_PRINT_RETRY_BASE") or 1.0),
        print_retry_deadline=float(os.environ.get("TABOUR_PRINT_RETRY_DEADLINE") or 180.0),
        print_status_interval=float(os.environ.get("TABOUR_PRINT_STATUS_INTERVAL") or 20.0),
        voice_dir=os.environ.get("TABOUR_VOICE_DIR") or None,
        metrics_token=os.environ.get("TABOUR_METRICS_TOKEN") or None,
        trusted_proxies=int(os.environ.get("TABOUR_TRUSTED_PROXIES") or 0),
        request_deadline=float(os.environ.get("TABOUR_REQUEST_DEADLINE") or 20.0),
        old_secret_keys=tuple(k for k in (os.environ.get("TABOUR_OLD_SECRET_KEYS") or "").split(",") if k),
    )
    return settings, first_run


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def follow_served_address(settings: Settings, host: str, port: int) -> Settings:
    """A public URL on this machine's loopback (the sample config's) follows the address actually served,
    so `make run PORT=8100` prints links that work; a real public address (a domain, the hall's LAN
    address) is kept as configured."""
    from dataclasses import replace
    from urllib.parse import urlsplit

    configured = urlsplit(settings.hall.server.public_url)
    if configured.hostname not in LOOPBACK or configured.port == port:
        return settings
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    served = f"{configured.scheme or 'http'}://{shown if ':' not in shown else f'[{shown}]'}:{port}"
    server = settings.hall.server.model_copy(update={"public_url": served})
    return replace(settings, hall=settings.hall.model_copy(update={"server": server}))


def terminal_language(supported: tuple[str, ...]) -> str:
    """The language of the admin's terminal (LANG=ar_KW.UTF-8 -> ar) when Tabour speaks it, else English."""
    lang = (os.environ.get("LANG") or "en")[:2]
    return lang if lang in supported else "en"
