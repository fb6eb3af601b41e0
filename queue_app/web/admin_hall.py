"""The hall's configuration pages for administrators (/admin/hall): each centre's zones, bodies, services,
counters, screens, kiosks, shifts and holidays, added, changed and removed with forms. A change is checked
by config.yaml's own rules, kept as a new version in the database (services/hall_config.py), audited, and
in force at once in every server process (queue_app/live_config.py): no restart."""

from __future__ import annotations

import copy
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ..domain.errors import QueueError
from ..extensions import runtime
from ..live_config import change as change_hall
from ..services import hall_config
from ..settings import ConfigError
from . import hall_forms
from .admin import _admin
from .hall_kinds import KINDS, Kind
from .staff_pages import refuse_on_page, staff_only

bp = Blueprint("admin_hall", __name__, url_prefix="/admin/hall")
bp.register_error_handler(QueueError, refuse_on_page)


def _centres() -> list[dict[str, Any]]:
    return hall_config.centres_of(runtime().settings.hall)


def _centre(code: str) -> dict[str, Any]:
    centre = next((c for c in _centres() if c["code"] == code), None)
    if centre is None:
        abort(404)
    return centre


def _kind(name: str) -> Kind:
    if name not in KINDS:
        abort(404)
    return KINDS[name]


def _locate(kind: Kind, centres: list[dict[str, Any]], code: str, ident: str) -> tuple[list[Any], int, str]:
    """An entry of a centre: (its list, its index, its full path such as centres[0].counters[3]); a
    centre's own settings are the centre itself, in the list of centres."""
    index = next((i for i, c in enumerate(centres) if c["code"] == code), None)
    if index is None:
        abort(404)
    if kind.top_level:
        if ident != code:
            abort(404)
        return centres, index, f"centres[{index}]"
    for items, i, path in kind.entries(centres[index]):
        if kind.ident(items[i], i) == ident:
            return items, i, f"centres[{index}].{path}"
    abort(404)


def _find(kind: Kind, code: str, ident: str) -> dict[str, Any]:
    """The entry as the version in force has it."""
    items, index, _path = _locate(kind, _centres(), code, ident)
    return items[index]  # type: ignore[no-any-return]


@bp.app_template_filter("hall_value")
def hall_value(entry: dict[str, Any], key: str) -> Any:
    """A (dotted) key of a configuration entry, for the tables."""
    return hall_forms.get(entry, key)


@bp.get("")
@staff_only("admin")
def index() -> Any:
    centres = _centres()
    if len(centres) == 1:
        return redirect(url_for("admin_hall.centre", centre=centres[0]["code"]))
    return render_template("admin/hall_index.html", centres=centres, version=runtime().hall_version)


@bp.get("/<centre>")
@staff_only("admin")
def centre(centre: str) -> Any:
    data = _centre(centre)
    sections = [
        (kind, [(e[0][e[1]], kind.ident(e[0][e[1]], e[1])) for e in kind.entries(data)])
        for kind in KINDS.values()
        if not kind.top_level
    ]
    bodies = {s["code"]: b for b in data.get("bodies", []) for s in b.get("services", [])}
    return render_template(
        "admin/hall.html", centre=data, sections=sections, bodies=bodies, version=runtime().hall_version
    )


def _form_page(
    kind: Kind,
    centre: dict[str, Any],
    ident: str | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Any:
    fields = [f for f in kind.fields if ident is None or not f.new_only]
    return render_template(
        "admin/hall_form.html",
        kind=kind,
        centre=centre,
        ident=ident,
        fields=fields,
        values=values,
        errors=errors or {},
        error=error,
        choices={f.key: f.choices(centre) for f in fields if f.choices},
    ), status


@bp.get("/<centre>/<kind>/new")
@staff_only("admin")
def new(centre: str, kind: str) -> Any:
    entry_kind, data = _kind(kind), _centre(centre)
    values = {"body": request.args.get("body", "")} if kind == "service" else {}
    return _form_page(entry_kind, data, None, values)


@bp.get("/<centre>/<kind>/<ident>")
@staff_only("admin")
def edit(centre: str, kind: str, ident: str) -> Any:
    entry_kind, data = _kind(kind), _centre(centre)
    entry = _find(entry_kind, centre, ident)
    values = hall_forms.form_values(entry_kind, entry)
    if kind == "service":
        values["body"] = next(b["code"] for b in data["bodies"] if entry in b.get("services", []))
    return _form_page(entry_kind, data, ident, values)


@bp.post("/<centre>/<kind>/new")
@staff_only("admin")
def add(centre: str, kind: str) -> Any:
    return _save(centre, _kind(kind), None)


@bp.post("/<centre>/<kind>/<ident>")
@staff_only("admin")
def save(centre: str, kind: str, ident: str) -> Any:
    return _save(centre, _kind(kind), ident)


def _save(code: str, kind: Kind, ident: str | None) -> Any:
    """Read the form, apply it to the newest version, and show the centre; or the form again with each
    refusal on its field, nothing changed. A new centre starts as a copy of this one."""
    data = _centre(code)
    if ident is not None:
        base: dict[str, Any] | None = copy.deepcopy(_find(kind, code, ident))
    else:
        base = hall_forms.new_centre_from(data) if kind.top_level else None
    form = request.form
    try:
        entry = hall_forms.read_form(kind, form, base, adding=ident is None)
    except hall_forms.FormErrors as refused:
        return _form_page(kind, data, ident, _posted(kind, form), refused.errors, status=422)
    body = entry.pop("body", None)
    where: dict[str, str] = {}

    def apply(centres: list[dict[str, Any]]) -> tuple[str, str, Any, Any]:
        index, before, old_items = None, None, None
        if ident is not None:  # taken out, and put back changed in the same place
            old_items, index, where["path"] = _locate(kind, centres, code, ident)
            before = old_items.pop(index)
        target = next((c for c in centres if c["code"] == code), entry)
        if kind.top_level:
            items = centres
        elif kind.name == "service":  # a service lives in its body's list: another body puts it last there
            body_entry = next((b for b in target["bodies"] if b["code"] == body), None)
            if body_entry is None:
                raise ConfigError("body", "no such body", "no_such")
            items = body_entry.setdefault("services", [])
        else:
            items = kind.place(target)[0][0]
        if items is not old_items:
            index = len(items)
        assert index is not None
        items.insert(index, entry)
        if not kind.top_level:
            _items, _index, where["path"] = _locate(kind, centres, code, kind.ident(entry, index))
        else:
            where["path"] = f"centres[{index}]"
        centre = entry["code"] if kind.top_level else code
        return centre, f"{kind.name}/{kind.ident(entry, index)}", *hall_forms.changes(before, entry)

    try:
        change_hall(runtime(), apply, _admin())
    except ConfigError as error:
        field = "body" if error.path == "body" else hall_forms.field_of(kind, where.get("path", "?"), error)
        message = hall_forms.message(error)
        values = _posted(kind, form)
        if field:
            return _form_page(kind, data, ident, values, {field: message}, status=422)
        text = gettext("%(message)s (at %(path)s)", message=message, path=error.path)
        return _form_page(kind, data, ident, values, error=text, status=422)
    flash(gettext("Saved. It is in force in the hall now."), "info")
    shown = entry["code"] if kind.top_level else code
    return redirect(url_for("admin_hall.centre", centre=shown) + ("" if kind.top_level else f"#{kind.slug}"))


def _posted(kind: Kind, form: Any) -> dict[str, Any]:
    """The form as it was posted, to show it again."""
    values: dict[str, Any] = {}
    for field in kind.fields:
        if field.kind == "names":
            values[field.key] = {lang: form.get(f"{field.key}.{lang}", "") for lang in ("ar", "en", "ur")}
        elif field.kind in ("many", "ordered"):
            values[field.key] = form.getlist(field.key)
        elif field.kind == "bool":
            values[field.key] = form.get(field.key) == "on"
        else:
            values[field.key] = form.get(field.key, "")
    return values


@bp.post("/<centre>/<kind>/<ident>/remove")
@staff_only("admin")
def remove(centre: str, kind: str, ident: str) -> Any:
    entry_kind = _kind(kind)
    if entry_kind.top_level:
        abort(404)  # a centre keeps its history: it is not removed from here
    _find(entry_kind, centre, ident)
    rt = runtime()
    with rt.db.reading() as session:  # a queue still served, a clerk still at the counter: refused
        hall_config.check_removable(session, rt.catalog.centre(centre), kind, ident)

    def apply(centres: list[dict[str, Any]]) -> tuple[str, str, Any, Any]:
        items, index, _path = _locate(entry_kind, centres, centre, ident)
        return centre, f"{kind}/{ident}", items.pop(index), None

    try:
        change_hall(runtime(), apply, _admin())
    except ConfigError as error:
        flash(
            gettext("Not removed: %(message)s (at %(path)s)", message=hall_forms.message(error), path=error.path),
            "error",
        )
        return redirect(url_for("admin_hall.edit", centre=centre, kind=kind, ident=ident))
    flash(gettext("Removed. The hall works without it now."), "info")
    return redirect(url_for("admin_hall.centre", centre=centre) + f"#{entry_kind.slug}")
