"""Language of each request: ?lang=, then the visitor's choice kept in the session, then the page's own
language when it has one (a ticket's page speaks the language chosen at the kiosk), then the browser's
Accept-Language, then the server default. Arabic and Urdu are right-to-left."""

from __future__ import annotations

from flask import Flask, g, request, session

from .settings import LANGUAGES, RTL_LANGUAGES


def select_locale() -> str:
    from .extensions import runtime

    lang = request.args.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
        return lang
    if session.get("lang") in LANGUAGES:
        return str(session["lang"])
    if g.get("page_lang") in LANGUAGES:
        return str(g.page_lang)
    best = request.accept_languages.best_match(LANGUAGES)
    return best or runtime().settings.hall.server.default_language


def init_i18n(app: Flask) -> None:
    from pathlib import Path

    from flask_babel import get_locale

    from .extensions import babel

    root = Path(__file__).parent / "translations"
    directories = sorted(str(p) for p in root.iterdir() if p.is_dir()) if root.exists() else []
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(directories) or str(root)
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def language_context() -> dict[str, object]:
        lang = str(get_locale() or "ar")
        return {"lang": lang, "dir": "rtl" if lang in RTL_LANGUAGES else "ltr", "languages": LANGUAGES}
