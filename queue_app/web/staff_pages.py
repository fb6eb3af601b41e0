"""What the staff pages (clerk console, supervisor board) share: who may open them, and the
Socket.IO client script they load (vendored once, by the displays package)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import redirect, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from ..domain.errors import Forbidden, QueueError
from ..services import accounts
from ..services.accounts import StaffIdentity, Unauthorized
from ..services.catalog import CentreCatalog
from .errors import error_response, wants_json

SOCKET_IO_CLIENT = "vendor/socket.io.min.js"
SOCKET_IO_FALLBACK = "/displays/static/" + SOCKET_IO_CLIENT


def session_staff() -> StaffIdentity | None:
    """The signed-in member of staff of this browser session (pages never take bearer tokens)."""
    if getattr(current_user, "is_authenticated", False):
        return current_user.identity  # type: ignore[no-any-return]
    return None


def staff_for_page(centre: CentreCatalog, roles: tuple[str, ...] = accounts.ROLES, *, api: bool = False) -> Any:
    """The session's staff identity if it may work in this centre with one of these roles.
    A page (GET) without a session answers with a redirect to sign-in; a POST raises instead."""
    who = session_staff()
    if who is None:
        if api:
            raise Unauthorized("login_required")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    accounts.require_role(who, *roles)
    if not who.may_act_in(centre.id):
        raise Forbidden("other_centre")
    return who


def staff_only(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """For pages that belong to no centre (the account, administration): a signed-in member of staff
    with one of `roles` (any role when none is given). Without a session a GET goes to sign-in and a
    POST is refused with `login_required` (see `refuse_on_page`)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            who = session_staff()
            if who is None:
                if request.method == "GET":
                    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
                raise Unauthorized("login_required")
            accounts.require_role(who, *(roles or accounts.ROLES))
            return view(*args, **kwargs)

        return guarded

    return decorate


def refuse_on_page(error: QueueError) -> Any:
    """A blueprint's refusal: JSON when asked for, a sign-in redirect without a session, else the page."""
    if error.code in ("login_required", "unauthorized") and not wants_json():
        return redirect(url_for("auth.login"))
    return error_response(error.code, error.status, error.params)


def client_script_url() -> str:
    """The Socket.IO client served by the display blueprint (one vendored copy for every page)."""
    for endpoint in ("display.static", "displays.static"):
        try:
            return url_for(endpoint, filename=SOCKET_IO_CLIENT)
        except BuildError:
            continue
    return SOCKET_IO_FALLBACK
