"""printers/ stands alone: it must never import flask or the server package."""

from __future__ import annotations

import ast
from pathlib import Path

import printers

FORBIDDEN = {"flask", "flask_socketio", "queue_app"}


def test_printers_never_imports_flask_or_queue_app():
    root = Path(printers.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []
