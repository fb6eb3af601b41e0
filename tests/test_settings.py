"""config.yaml validation: the samples load, and every mistake names the path of the bad entry."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from queue_app.settings import ConfigError, HallConfig, load_config, parse_config
from tests.support.server import ROOT, SMALL_CONFIG

SMALL = yaml.safe_load(SMALL_CONFIG.read_text(encoding="utf-8"))


def small() -> dict[str, Any]:
    return copy.deepcopy(SMALL)


def test_sample_config_loads() -> None:
    config = load_config(ROOT / "config.yaml")
    assert isinstance(config, HallConfig)
    assert len(config.centres) >= 2
    salam = config.centres[0]
    assert salam.timezone == "Asia/Kuwait"
    assert len(salam.bodies) == 8
    assert len(salam.counters) >= 20
    assert len({c.zone for c in salam.counters}) >= 2
    assert len(salam.displays) >= 3 and len(salam.kiosks) >= 2
    assert len(salam.shifts) >= 2
    prefixes = [s.prefix for _, s in salam.services()]
    assert len(prefixes) == len(set(prefixes))
    with pytest.raises(ValidationError, match="frozen"):
        salam.code = "changed"  # type: ignore[misc]


def test_small_config_loads() -> None:
    config = load_config(SMALL_CONFIG)
    test = config.centre("test")
    assert test is not None and config.centre("other") is not None and config.centre("nope") is None
    traffic = test.service("traffic")
    assert traffic is not None and traffic.prefix == "A"
    assert test.body_of("civil-id") is not None and test.body_of("civil-id").code == "civil-health"  # type: ignore[union-attr]
    assert [c.code for c in test.counters] == ["1", "2", "3", "4", "5", "6"]
    assert test.display("counter-1").layout == "counter"  # type: ignore[union-attr]
    printer = test.kiosk("k1").printer  # type: ignore[union-attr]
    assert printer is not None
    assert printer.backend_options() == {"backend": "network", "host": "127.0.0.1", "port": 9100}
    assert test.names.get("ur") == "ٹیسٹ مرکز" and test.names.as_dict()["en"] == "Test centre"


def test_names_fall_back_to_english_then_arabic() -> None:
    data = small()
    data["centres"][0]["names"] = {"ar": "مركز"}
    centre = parse_config(data).centres[0]
    assert centre.names.get("ur") == "مركز" and centre.names.get("en") == "مركز"


def test_times_read_unquoted_as_well() -> None:
    data = small()
    data["centres"][0]["shifts"][0]["open"] = 450  # YAML 1.1 reads 07:30 unquoted as 450 minutes
    assert parse_config(data).centres[0].shifts[0].open.isoformat() == "07:30:00"


def mutation(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = small()
    change(data)
    return data


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        node: Any = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return change


C0 = ["centres", 0]

BAD_CONFIGS = {
    "unknown key": (
        _set([*C0, "bodies", 0, "services", 0, "colour"], "red"),
        "centres[0].bodies[0].services[0].colour",
        "unknown key 'colour'",
    ),
    "unknown top-level key": (_set(["centre"], []), "centre", "unknown key 'centre'"),
    "duplicate prefix": (
        _set([*C0, "bodies", 1, "services", 0, "prefix"], "A"),
        "centres[0].bodies[1].services[0].prefix",
        "duplicate prefix 'A'",
    ),
    "duplicate service code": (
        _set([*C0, "bodies", 0, "services", 1, "code"], "traffic"),
        "centres[0].bodies[0].services[1].code",
        "duplicate service 'traffic'",
    ),
    "counter naming a missing service": (
        _set([*C0, "counters", 3, "services"], ["civil-id", "trafic"]),
        "centres[0].counters[3].services[1]",
        "no service 'trafic'",
    ),
    "duplicate counter": (_set([*C0, "counters", 1, "code"], "1"), "centres[0].counters[1].code", "duplicate"),
    "bad time format": (
        _set([*C0, "shifts", 0, "open"], "7h30"),
        "centres[0].shifts[0].open",
        "HH:MM",
    ),
    "close before open": (_set([*C0, "shifts", 0, "open"], "24:00"), "centres[0].shifts[0]", "before 'close'"),
    "unknown timezone": (
        _set([*C0, "timezone"], "Asia/Kuwayt"),
        "centres[0].timezone",
        "unknown timezone 'Asia/Kuwayt'",
    ),
    "unknown day": (_set([*C0, "shifts", 0, "days", 2], "monday"), "centres[0].shifts[0].days[2]", ""),
    "counter layout without counter": (
        _set([*C0, "displays", 1, "counter"], None),
        "centres[0].displays[1].counter",
        "counter layout",
    ),
    "counter layout naming a missing counter": (
        _set([*C0, "displays", 1, "counter"], "99"),
        "centres[0].displays[1].counter",
        "no counter '99'",
    ),
    "counter in an unknown zone": (
        _set([*C0, "counters", 2, "zone"], "upstairs"),
        "centres[0].counters[2].zone",
        "no zone 'upstairs'",
    ),
    "display of an unknown zone": (
        _set([*C0, "displays", 0, "zones"], ["main", "upstairs"]),
        "centres[0].displays[0].zones[1]",
        "no zone 'upstairs'",
    ),
    "bad prefix": (
        _set([*C0, "bodies", 0, "services", 1, "prefix"], "b"),
        "centres[0].bodies[0].services[1].prefix",
        "",
    ),
    "unknown printer backend": (
        _set([*C0, "kiosks", 0, "printer", "backend"], "bluetooth"),
        "centres[0].kiosks[0].printer.backend",
        "",
    ),
    "printer port not a number": (
        _set([*C0, "kiosks", 0, "printer"], {"backend": "network", "host": "10.0.0.5", "port": "ninety"}),
        "centres[0].kiosks[0].printer",
        "port='ninety' is not a valid int",
    ),
    "printer port out of range": (
        _set([*C0, "kiosks", 0, "printer"], {"backend": "network", "host": "10.0.0.5", "port": 91000}),
        "centres[0].kiosks[0].printer",
        "between 1 and 65535",
    ),
    "network printer without a host": (
        _set([*C0, "kiosks", 0, "printer"], {"backend": "network", "port": 9100}),
        "centres[0].kiosks[0].printer",
        "needs the key 'host'",
    ),
    "printer key misspelt": (
        _set([*C0, "kiosks", 0, "printer"], {"backend": "network", "hots": "10.0.0.5"}),
        "centres[0].kiosks[0].printer",
        "has no key 'hots'",
    ),
    "missing required key": (
        lambda data: data["centres"][0]["bodies"][0]["services"][0].pop("minutes"),
        "centres[0].bodies[0].services[0].minutes",
        "required",
    ),
    "duplicate centre": (_set(["centres", 1, "code"], "test"), "centres[1].code", "duplicate centre code"),
    "second centre checked too": (
        _set(["centres", 1, "counters", 0, "services"], ["traffic", "residency"]),
        "centres[1].counters[0].services[1]",
        "no service 'residency'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_errors_name_the_path(case: str) -> None:
    change, path, message = BAD_CONFIGS[case]
    with pytest.raises(ConfigError) as failed:
        parse_config(mutation(change))
    assert failed.value.path == path, str(failed.value)
    assert str(failed.value).startswith(f"{path}: ")
    assert message in failed.value.message


def test_exact_message_for_a_counter_naming_a_missing_service() -> None:
    with pytest.raises(ConfigError) as failed:
        parse_config(mutation(_set([*C0, "counters", 3, "services"], ["civil-id", "trafic"])))
    assert str(failed.value) == "centres[0].counters[3].services[1]: no service 'trafic'"


def test_not_a_mapping_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        parse_config(["centres"])
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("centres: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(broken)


def test_a_key_written_twice_is_refused_with_its_line(tmp_path: Path) -> None:
    """Plain YAML keeps the last of two equal keys, silently: a hall would run on half its config."""
    config = tmp_path / "config.yaml"
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    doubled = text.replace("centres:", "server:\n  public_url: http://elsewhere\ncentres:", 1)
    config.write_text(doubled, encoding="utf-8")
    second = [number for number, line in enumerate(doubled.splitlines(), 1) if line == "server:"][1]
    with pytest.raises(ConfigError, match="duplicate key 'server'") as failed:
        load_config(config)
    assert f"line {second}" in str(failed.value)


def test_run_py_refuses_a_bad_config_and_names_the_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        yaml.safe_dump(mutation(_set([*C0, "counters", 3, "services"], ["civil-id", "trafic"])), allow_unicode=True),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABOUR_")}
    env.update(TABOUR_INSTANCE=str(tmp_path / "instance"), TABOUR_SECRET_KEY="x" * 32)
    result = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "--config", str(bad), "--port", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "centres[0].counters[3].services[1]: no service 'trafic'" in result.stderr + result.stdout
    assert "Tabour is serving" not in result.stdout


def test_run_py_stops_when_the_database_cannot_be_migrated(tmp_path: Path) -> None:
    """run.py migrates in a child process (Alembic stays out of the server); a failure there stops it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABOUR_")}
    env.update(
        TABOUR_INSTANCE=str(tmp_path / "instance"),
        TABOUR_SECRET_KEY="x" * 32,
        TABOUR_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none",  # nothing listens on port 1
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "--config", str(ROOT / "config.yaml"), "--port", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "the database could not be migrated" in result.stderr
    assert "Tabour is serving" not in result.stdout


def test_the_sample_hall_reads_back_from_its_database_form() -> None:
    """What hall_versions keeps (services/hall_config.centres_of) is config.yaml again: shift times as
    "HH:MM" and "24:00", holidays' `from`, printers' own keys; reading it back gives the same hall."""
    from queue_app.services.hall_config import centres_of, with_centres

    for path in (ROOT / "config.yaml", ROOT / "tests" / "fixtures" / "small_config.yaml"):
        config = load_config(path)
        stored = centres_of(config)
        again = with_centres(config, stored)
        assert again == config, path
        assert centres_of(again) == stored
