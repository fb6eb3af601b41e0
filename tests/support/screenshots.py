"""Screenshots taken by the browser tests: always into test-artifacts/, and into docs/screenshots (the
README's pictures) only when TABOUR_UPDATE_SCREENSHOTS=1 (`make screenshots`), so a test run leaves the
work tree clean."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MAX_BYTES = 300_000


def save_screenshot(page: Any, artifacts: Path, name: str, *, readme: bool = True, full_page: bool = False) -> Path:
    """Save `name`.png (a small palette PNG) and return its path in the artifacts."""
    from PIL import Image

    target = artifacts / f"{name}.png"
    page.screenshot(path=str(target), full_page=full_page)
    with Image.open(target) as image:
        image.convert("RGB").quantize(colors=128).save(target, optimize=True)
    assert target.stat().st_size < MAX_BYTES, f"{name}.png is too large for the README"
    if readme and os.environ.get("TABOUR_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(target, DOCS / target.name)
    return target
