"""The import arrows of the house plan, checked by walking every module's imports with `ast`.

    domain <- store <- services <- views <- web, realtime <- create_app <- run.py
    printers/ stands alone; displays/ talks to the server only over HTTP and Socket.IO.

Imports under `if TYPE_CHECKING:` count too: an arrow drawn for the type checker is still an arrow.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from queue_app.domain.counters import CounterStatus
from queue_app.domain.tickets import EventKind, Status

ROOT = Path(__file__).resolve().parent.parent
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) for every import statement of a file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                assert node.module is not None
                target = node.module
            yield node.lineno, target
            for alias in node.names:  # `from ..domain import tickets` may import queue_app.domain.tickets
                yield node.lineno, f"{target}.{alias.name}"


def python_files(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts or folder != "queue_app")


def violations(folder: str, forbidden: Callable[[str], str | None]) -> list[str]:
    found = []
    for path in python_files(folder):
        for line, name in imports_of(path):
            reason = forbidden(name)
            if reason:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {name} ({reason})")
    return found


def under(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def domain_rule(name: str) -> str | None:
    if name.split(".")[0] in STDLIB or under(name, "queue_app.domain"):
        return None
    return "the domain uses the standard library and itself only"


def store_rule(name: str) -> str | None:
    if under(name, "queue_app.services", "queue_app.web", "queue_app.realtime", "queue_app.extensions"):
        return "store is below services, web and realtime"
    if name.split(".")[0] == "flask" or name.startswith("flask_"):
        return "store knows nothing of Flask"
    return None


def services_rule(name: str) -> str | None:
    if under(name, "queue_app.web", "queue_app.realtime", "queue_app.extensions", "queue_app.cli"):
        return "services are below web and realtime"
    if under(name, "queue_app.views"):
        return "services return facts; the read model (views) formats them, not the other way round"
    if name == "queue_app":
        return "services must not import the app factory"
    if name.split(".")[0] == "flask" or name.startswith("flask_"):
        return "services take a Session and plain values, never Flask objects"
    if under(name, "werkzeug") and not under(name, "werkzeug.security"):
        return "only werkzeug.security (password hashing) is allowed in services"
    return None


def views_rule(name: str) -> str | None:
    """The read model: reads rows and formats them for the wire; no Flask, no web, no writes of its own."""
    if under(name, "queue_app.web", "queue_app.realtime", "queue_app.extensions", "queue_app.cli"):
        return "views are below web and realtime"
    if name.split(".")[0] == "flask" or name.startswith("flask_"):
        return "views take a Session and plain values, never Flask objects"
    return None


def layer_rule(name: str) -> str | None:
    """web and realtime: may use everything below, but not the app factory, the CLI or run.py."""
    if name in ("queue_app", "run") or under(name, "queue_app.cli", "queue_app.first_run", "queue_app.bootstrap"):
        return "web and realtime are below create_app"
    return None


def web_rule(name: str) -> str | None:
    """Handlers are thin: no models and no SQL; rows come through services and views."""
    if under(name, "queue_app.store.models") or name.split(".")[0] == "sqlalchemy":
        return "web runs no SQL and sees no models: call a service or a view"
    return layer_rule(name)


def printers_rule(name: str) -> str | None:
    if under(name, "queue_app", "flask") or name.startswith("flask_"):
        return "printers/ stands alone"
    return None


def displays_rule(name: str) -> str | None:
    if under(name, "queue_app"):
        return "displays/ speaks to the server over HTTP and Socket.IO only"
    return None


RULES = {
    "queue_app/domain": domain_rule,
    "queue_app/store": store_rule,
    "queue_app/services": services_rule,
    "queue_app/views": views_rule,
    "queue_app/web": web_rule,
    "queue_app/realtime": layer_rule,
    "printers": printers_rule,
    "displays": displays_rule,
}


@pytest.mark.parametrize("folder", sorted(RULES))
def test_import_arrows(folder: str) -> None:
    assert python_files(folder), f"{folder} has no Python files?"
    found = violations(folder, RULES[folder])
    assert not found, "imports against the house plan:\n" + "\n".join(found)


def test_the_domain_reads_no_clock() -> None:
    """Time comes into the domain as `now`: no datetime.now(), utcnow() or time.time() in it."""
    found = []
    for path in python_files("queue_app/domain"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("now", "utcnow", "today", "time", "monotonic")
                and isinstance(node.value, ast.Name)
                and node.value.id in ("datetime", "date", "time")
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value.id}.{node.attr}")
    assert not found, "the domain reads the clock:\n" + "\n".join(found)


def test_gevent_is_patched_in_run_py_only() -> None:
    found = []
    for folder in ("queue_app", "printers", "displays"):
        for path in python_files(folder):
            if any(under(name, "gevent.monkey") for _, name in imports_of(path)):
                found.append(str(path.relative_to(ROOT)))
    assert not found, "gevent.monkey imported outside run.py: " + ", ".join(found)
    body = ast.parse((ROOT / "run.py").read_text(encoding="utf-8")).body
    code = [
        ast.unparse(node) for node in body if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
    ]
    assert code[:2] == ["from gevent import monkey", "monkey.patch_all()"], code[:3]


def test_only_the_publisher_emits() -> None:
    """Realtime goes out through one door: `.emit(` appears in realtime/publisher.py and nowhere else
    in the server. A namespace may answer the one client it talks to, and must say so: Flask-SocketIO's
    `Namespace.emit` without a room broadcasts to the whole namespace (a bug this test once allowed),
    so only `self.emit(..., room=sid)` is accepted outside the publisher."""
    found = []
    for path in python_files("queue_app"):
        if path == ROOT / "queue_app/realtime/publisher.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "emit":
                to_self = isinstance(node.func.value, ast.Name) and node.func.value.id == "self"
                rooms = [k.value for k in node.keywords if k.arg in ("room", "to")]
                to_sender = len(rooms) == 1 and isinstance(rooms[0], ast.Name) and rooms[0].id == "sid"
                if to_self and to_sender:
                    continue
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, "emit outside the publisher:\n" + "\n".join(found)


def test_the_checker_sees_relative_imports() -> None:
    """Guard for the guard: the walker resolves `from ..store.models import X` inside services."""
    names = {name for _, name in imports_of(ROOT / "queue_app/services/supervision.py")}
    assert "queue_app.store.models" in names and "queue_app.domain.tickets" in names


STATES = {s.value for s in Status} | {s.value for s in CounterStatus} | {k.value for k in EventKind}


def state_literals(path: Path) -> Iterator[tuple[int, str]]:
    """String constants of the state vocabulary used as a state: compared with (==, !=, in), or passed as
    a `status=`, `state=` or `kind=` value. Dict keys and translated labels that share a word are not."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        candidates: list[ast.AST] = []
        if isinstance(node, ast.Compare):
            candidates = [node.left, *node.comparators]
        elif isinstance(node, ast.keyword) and node.arg in ("status", "state", "kind", "to_status", "to_state"):
            candidates = [node.value]
        for candidate in candidates:
            elements = candidate.elts if isinstance(candidate, (ast.Tuple, ast.List, ast.Set)) else [candidate]
            for element in elements:
                if isinstance(element, ast.Constant) and element.value in STATES:
                    yield element.lineno, str(element.value)


def test_states_are_named_in_the_domain_only() -> None:
    """Ticket states, counter states and event kinds are enums in domain/: a literal elsewhere drifts (two
    staff pages once named the same counter state differently). Migrations are history and keep theirs."""
    found = [
        f"{path.relative_to(ROOT)}:{line} {value!r}"
        for path in python_files("queue_app")
        if "domain" not in path.parts
        for line, value in state_literals(path)
    ]
    assert not found, "state literals outside the domain (use the enums):\n" + "\n".join(found)


def test_the_state_check_sees_a_literal() -> None:
    """Guard for the guard."""
    sample = ROOT / "test-artifacts" / "state_sample.py"
    sample.parent.mkdir(exist_ok=True)
    sample.write_text('if ticket.status == "waiting" or state in ("idle", "x"):\n    update(status="done")\n')
    try:
        assert [value for _line, value in state_literals(sample)] == ["waiting", "idle", "done"]
    finally:
        sample.unlink()


ENVIRONMENT_READERS = {
    "queue_app/bootstrap.py": "settings from the environment: the one place",
    "queue_app/settings/hall.py": "a notification gateway's secret may be named by its environment variable",
    "queue_app/store/migrate.py": "the migration child process takes its URL from its parent",
}


def test_nothing_reads_the_environment_outside_settings() -> None:
    """Every knob comes in through Settings (built by bootstrap.py), so tests pass settings and two apps in
    one process never share a hidden global."""
    found = []
    for path in python_files("queue_app"):
        relative = str(path.relative_to(ROOT))
        if relative in ENVIRONMENT_READERS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            reads = isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv")
            if reads and isinstance(node.value, ast.Name) and node.value.id == "os":  # type: ignore[attr-defined]
                found.append(f"{relative}:{node.lineno}")
    assert not found, "environment read outside Settings:\n" + "\n".join(found)


def test_no_rule_rides_on_the_session() -> None:
    """Side effects are explicit: nothing hangs a collaborator on `Session.info` for a use case to find
    (the notification outbox reads the stored events instead). The store keeps a driver cache there."""
    found = []
    for path in python_files("queue_app"):
        relative = str(path.relative_to(ROOT))
        if relative == "queue_app/store/prepared.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            on_session = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            if on_session and node.attr == "info" and node.value.id == "session":  # type: ignore[attr-defined]
                found.append(f"{relative}:{node.lineno}")
    assert not found, "Session.info used outside the store:\n" + "\n".join(found)
