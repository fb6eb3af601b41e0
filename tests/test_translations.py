"""Every person-facing string has an Arabic and an Urdu translation.

The msgids are extracted with Babel's own API over babel.cfg's mapping (Python in queue_app/ and
displays/, Jinja2 templates in queue_app/templates and displays/); the catalogues are read from every
area under queue_app/translations/*/{ar,ur}/LC_MESSAGES/messages.po (no compile needed). A msgid is
translated when at least one area gives it a non-empty translation.
"""

from __future__ import annotations

import os
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "queue_app" / "translations"
SOURCES = ("queue_app", "displays")
# lazy_gettext is imported as _l by convention (web/errors.py); `pybabel extract -k _l -k lazy_gettext`
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}
LANGUAGES = ("ar", "ur")


@cache
def extracted() -> dict[str, list[str]]:
    """msgid -> where it is used ("queue_app/web/errors.py:17")."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)

    def wanted(path: str) -> bool:
        relative = Path(os.path.relpath(path, ROOT)).parts
        return relative[0] in SOURCES and not {"__pycache__", "node_modules", "static"} & set(relative)

    found: dict[str, list[str]] = defaultdict(list)
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=wanted
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found[msgid].append(f"{filename}:{lineno}")
    return dict(found)


def catalogues(lang: str) -> list[tuple[str, Catalog]]:
    result = []
    for po in sorted(TRANSLATIONS.glob(f"*/{lang}/LC_MESSAGES/messages.po")):
        with open(po, "rb") as file:
            result.append((str(po.relative_to(ROOT)), read_po(file, locale=lang)))
    return result


def translated(lang: str) -> set[str]:
    done = set()
    for _path, catalog in catalogues(lang):
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            if all(s and s.strip() for s in strings) and not message.fuzzy:
                done.update(ids)
    return done


def test_extraction_finds_the_core_strings() -> None:
    """Guard for the guard: the mapping reaches Python (lazy and plain) and Jinja2 templates."""
    messages = extracted()
    assert "There is no centre '%(centre)s'." in messages  # web/errors.py, _l
    assert "The request could not be completed (%(code)s)." in messages  # web/errors.py, gettext
    assert "Something is not right" in messages  # templates/error.html
    assert "Tabour" in messages  # templates/base.html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_msgid_is_translated(lang: str) -> None:
    assert catalogues(lang), f"no {lang} catalogue under queue_app/translations/*/{lang}/LC_MESSAGES/"
    done = translated(lang)
    missing = {msgid: where for msgid, where in extracted().items() if msgid not in done}
    lines = [f"  {msgid!r}  <- {', '.join(where[:3])}" for msgid, where in sorted(missing.items(), key=lambda m: m[1])]
    assert not missing, f"{len(missing)} msgid(s) without a {lang} translation in any area:\n" + "\n".join(lines)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogues_are_well_formed(lang: str) -> None:
    """UTF-8, plural forms declared, placeholders kept: `%(name)s` in the msgid is in the translation."""
    problems = []
    for path, catalog in catalogues(lang):
        if catalog.charset.lower() != "utf-8":
            problems.append(f"{path}: charset {catalog.charset}")
        for message in catalog:
            if not message.id or not message.string:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for placeholder in {p for msgid in ids for p in _placeholders(msgid)}:
                if any(s and placeholder not in s for s in strings):
                    problems.append(f"{path}: {message.id!r} lost {placeholder}")
        # what `pybabel compile` refuses (a "90% served" msgid is read as holding a `% s` placeholder)
        for message, errors in catalog.check():
            problems += [f"{path}: {message.id!r}: {error}" for error in errors]
    assert not problems, "\n".join(problems)


def _placeholders(text: str) -> set[str]:
    import re

    return set(re.findall(r"%\(\w+\)[sd]", text))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_areas_agree_on_shared_messages(lang: str) -> None:
    """The areas' catalogues are merged at load time: a msgid translated two ways would show either
    one, depending on the merge order. Shared strings must read the same everywhere."""
    seen: dict[str, dict[str, str]] = defaultdict(dict)
    for path, catalog in catalogues(lang):
        for message in catalog:
            if message.id and isinstance(message.id, str) and message.string:
                seen[message.id][path] = str(message.string)
    conflicts = [f"  {msgid!r}: {areas}" for msgid, areas in seen.items() if len(set(areas.values())) > 1]
    assert not conflicts, "translated differently in two areas:\n" + "\n".join(conflicts)
