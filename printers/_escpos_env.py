"""Point python-escpos's capability cache at a stable directory before anything imports ``escpos``.

python-escpos pickles its capability database into ``ESCPOS_CAPABILITIES_PICKLE_DIR`` on import and
otherwise makes a new temp directory on every import. ``printers/__init__`` imports this module first,
so every ``import printers.<anything>`` sets the variable in time; an explicit setting is respected.
"""

import os
from pathlib import Path

PICKLE_DIR = Path(
    os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(Path.home() / ".cache" / "tabour" / "escpos"))
)
PICKLE_DIR.mkdir(parents=True, exist_ok=True)
