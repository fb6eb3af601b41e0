"""The hall screens: `/display/<centre>/<code>` for a paired display, the call audio it plays, and the
static files of the `displays/` package (script, styles, vendored Socket.IO client, font)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import fontpkg_ibm_plex_sans_arabic as plex_arabic
from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for
from flask_babel import force_locale, gettext

from displays import SOCKET_IO_CLIENT, STATIC, TEMPLATES
from displays.announcer import Announcer, BadAnnouncement

from ..extensions import runtime
from ..services import accounts
from ..services.accounts import Unauthorized
from ..services.catalog import CentreCatalog
from ..settings import RTL_LANGUAGES, Display
from .access import DEVICE_COOKIE
from .estimates import public_estimates
from .home import PAIRING_COOKIE_DAYS

bp = Blueprint(
    "display",
    __name__,
    template_folder=str(TEMPLATES),
    static_folder=str(STATIC),
    static_url_path="/displays/static",
)

FONT_DIR = Path(plex_arabic.__file__).resolve().parent / "files"
FONT_WEIGHTS = {"regular": "Regular", "medium": "Medium", "semibold": "SemiBold", "bold": "Bold"}
AUDIO_MAX_AGE = 7 * 86400


def socket_io_client_url() -> str:
    """The stable URL of the Socket.IO browser client that every page uses."""
    return url_for("display.static", filename=SOCKET_IO_CLIENT)


def announcer() -> Announcer:
    """One announcer per app: cache under the instance folder; voice packs in Settings.voice_dir
    (TABOUR_VOICE_DIR) or <instance>/voice."""
    app = current_app
    if "tabour_announcer" not in app.extensions:
        settings = runtime().settings
        instance = Path(settings.instance_path)
        voice_dir = settings.voice_dir or instance / "voice"
        letters = {str(lang): names for lang, names in settings.hall.server.letter_names.items()}
        app.extensions["tabour_announcer"] = Announcer(instance / "voice-cache", voice_dir, letter_names=letters)
    return app.extensions["tabour_announcer"]  # type: ignore[no-any-return]


def _paired_display(centre_code: str, code: str) -> tuple[CentreCatalog, Display, str] | tuple[None, None, str]:
    """(centre, display, token) when the request carries this display's own device token."""
    rt = runtime()
    token = request.args.get("token") or request.cookies.get(DEVICE_COOKIE) or ""
    centre = rt.catalog.centres.get(centre_code)
    display = centre.config.display(code) if centre else None
    if centre is None or display is None or not token:
        return None, None, "unpaired" if token == "" else "unknown_display"
    try:
        with rt.db.reading() as session:
            device = accounts.device_for_token(session, token)
    except Unauthorized:
        return None, None, "bad_token"
    if device.kind != "display" or device.centre_id != centre.id or device.code != code:
        return None, None, "other_device"
    return centre, display, token


def _labels(languages: Sequence[str]) -> dict[str, dict[str, str]]:
    """The screen's fixed words in each of its languages (English is the msgid)."""
    result = {}
    for lang in languages:
        with force_locale(lang):
            result[lang] = {
                "now": gettext("Now calling"),
                "ticket": gettext("Ticket"),
                "counter": gettext("Counter"),
                "recent": gettext("Last calls"),
                "waiting": gettext("Waiting"),
                "please_go": gettext("Please go to %(counter)s", counter="{counter}"),
                "idle": gettext("Open"),
                "closed": gettext("Closed"),
                "paused": gettext("Paused"),
                "reconnecting": gettext("Reconnecting…"),
                "sound_blocked": gettext("Sound is blocked by the browser. Tap the screen once to enable it."),
                "no_calls": gettext("No calls yet"),
                "kept": gettext("Last week %(share)s%% were called within the time we told them", share="{share}"),
            }
    return result


@bp.get("/display/<centre>/<code>")
def page(centre: str, code: str) -> Any:
    entry, display, token = _paired_display(centre, code)
    if entry is None or display is None:
        reason = token
        status = 404 if reason == "unknown_display" else 403
        return render_template("display/pair.html", reason=reason, centre=centre, code=code), status
    languages = list(display.languages)
    voice_languages = [lang for lang in display.voice.languages] if display.voice.enabled else []
    centre_config = entry.config
    # the waiting panel shows the bodies served in the screen's zones (a zone-B screen listed the whole
    # centre and cut zone B's own bodies off); a zone without counters shows them all
    served = {s for c in centre_config.counters if c.zone in display.zones for s in c.services}
    kept = public_estimates(entry)
    bodies = [
        {"code": b.code, "names": b.names.as_dict(), "services": shown, "kept": kept.get(b.code)}
        for b in centre_config.bodies
        if (shown := [s.code for s in b.services if not served or s.code in served])
    ]
    config: dict[str, Any] = {
        "centre": entry.code,
        "names": centre_config.names.as_dict(),
        "timezone": centre_config.timezone,
        "display": {
            "code": display.code,
            "layout": display.layout,
            "counter": display.counter,
            "zones": list(display.zones),
            "languages": languages,
            "voice": {"languages": voice_languages, "chime": display.voice.chime},
            "ticker": display.ticker.as_dict() if display.ticker else None,
        },
        "counters": [
            {"code": c.code, "names": c.names.as_dict(), "zone": c.zone}
            for c in centre_config.counters
            if c.zone in display.zones
        ],
        "bodies": bodies,
        "token": token,
        "labels": _labels(languages),
        "rtl": sorted(RTL_LANGUAGES),
        "urls": {
            "audio": url_for(
                "display.audio", centre=entry.code, code=display.code, lang="LANG", number="NUM", counter="CTR"
            ),
            "chime": url_for("display.chime"),
        },
    }
    primary = languages[0]
    response = current_app.make_response(
        render_template(
            "display/screen.html",
            config=config,
            display=display,
            centre=entry,
            primary=primary,
            screen_dir="rtl" if primary in RTL_LANGUAGES else "ltr",
            labels=config["labels"],
            socket_io_url=socket_io_client_url(),
        )
    )
    if request.args.get("token"):
        response.set_cookie(
            DEVICE_COOKIE,
            token,
            max_age=PAIRING_COOKIE_DAYS * 86400,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/display/<centre>/<code>/audio/<lang>/<number>/<counter>.wav")
def audio(centre: str, code: str, lang: str, number: str, counter: str) -> Any:
    """The spoken call (lang, number, counter) as WAV, for this paired display only; `?short=1`: the number
    and counter only (the screen is catching up with a burst)."""
    entry, display, _token = _paired_display(centre, code)
    if entry is None or display is None:
        abort(403)
    if entry.config.counter(counter) is None:
        abort(404)
    try:
        path = announcer().call_audio(lang, number, counter, short=request.args.get("short") == "1")
    except BadAnnouncement:
        abort(404)
    return send_file(path, mimetype="audio/wav", max_age=AUDIO_MAX_AGE)


@bp.get("/displays/chime.wav")
def chime() -> Any:
    return send_file(announcer().chime(), mimetype="audio/wav", max_age=AUDIO_MAX_AGE)


@bp.get("/displays/fonts/plex-arabic-<weight>.ttf")
def font(weight: str) -> Any:
    """IBM Plex Sans Arabic, served from the installed PyPI package (fontpkg-ibm-plex-sans-arabic)."""
    if weight not in FONT_WEIGHTS:
        abort(404)
    return send_file(FONT_DIR / f"IBMPlexSansArabic-{FONT_WEIGHTS[weight]}.ttf", mimetype="font/ttf", max_age=86400)
