"""pg_settings: SHOW ALL and pg_settings dumps, on real psql output of PostgreSQL 15.18.

The dumps in tests/data/postgres/settings/ come from one server (see its README), so every
format and both queries must give the same values in base units.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.artifacts import pg_settings
from analyzer.artifacts.base import Parsed, TextSource

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data" / "postgres" / "settings"
SCHEMA = json.loads((ROOT / "schemas" / "artifacts" / "pg_settings.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
DUMPS = sorted(p for p in DATA.iterdir() if p.suffix in (".txt", ".csv"))
FULL = ["pg_settings.csv", "pg_settings.txt", "pg_settings_unaligned.txt"]


def parse(name: str) -> Parsed:
    parsed = pg_settings.parse(TextSource.from_bytes(name, (DATA / name).read_bytes()))
    if parsed.status == "parsed":
        errors = [e.message for e in VALIDATOR.iter_errors(parsed.data)]
        assert not errors, errors
    return parsed


def parse_text(text: str) -> Parsed:
    parsed = pg_settings.parse(TextSource.from_text("dump.txt", text))
    if parsed.status == "parsed":
        assert not list(VALIDATOR.iter_errors(parsed.data))
    return parsed


@pytest.mark.parametrize("path", DUMPS, ids=lambda p: p.name)
def test_every_dump_parses(path: Path) -> None:
    parsed = parse(path.name)
    assert parsed.status == "parsed"
    assert parsed.problems == []
    expected = 9 if "expanded" in path.name else 354
    assert len(parsed.data["settings"]) == expected
    assert parsed.meta["source"] == "server"
    query = "show_all" if path.name.startswith("show_all") else "pg_settings"
    assert parsed.data["query"] == query


@pytest.mark.parametrize(
    "name,fmt",
    [
        ("show_all.txt", "aligned"),
        ("show_all_unaligned.txt", "unaligned"),
        ("pg_settings.csv", "csv"),
        ("pg_settings_expanded.txt", "expanded"),
        ("pg_settings_name_setting_unit.txt", "aligned"),
    ],
)
def test_format_is_recognised(name: str, fmt: str) -> None:
    assert parse(name).data["format"] == fmt


VALUE_KEYS = ("value", "unit", "bytes", "ms", "type")


@pytest.mark.parametrize(
    "other",
    [
        "show_all.txt",
        "show_all_unaligned.txt",
        "pg_settings.txt",
        "pg_settings_unaligned.txt",
        "pg_settings_name_setting_unit.txt",
        "pg_settings_expanded.txt",
    ],
)
def test_all_dumps_agree_with_the_csv(other: str) -> None:
    """SHOW ALL's `256MB` and pg_settings' `32768` + `8kB` are the same value, for every parameter."""
    reference = parse("pg_settings.csv").data["settings"]
    settings_ = parse(other).data["settings"]
    for name, setting in settings_.items():
        assert {k: setting[k] for k in VALUE_KEYS} == {k: reference[name][k] for k in VALUE_KEYS}, (
            name
        )


@pytest.mark.parametrize("name", FULL)
def test_full_pg_settings_columns(name: str) -> None:
    s = parse(name).data["settings"]
    shared = s["shared_buffers"]
    assert (shared["value"], shared["unit"], shared["bytes"], shared["raw"]) == (
        32768,
        "8kB",
        256 * 1024**2,
        "32768",
    )
    assert (shared["context"], shared["source"], shared["pending_restart"]) == (
        "postmaster",
        "configuration file",
        False,
    )
    assert shared["sourcefile"].endswith("/data/postgresql.auto.conf")
    assert shared["sourceline"] == 4
    assert shared["boot_val"] == "16384"
    assert s["checkpoint_timeout"]["ms"] == 900_000
    assert s["log_rotation_age"]["ms"] == 1440 * 60_000
    assert s["autovacuum_vacuum_cost_delay"]["value"] == 2.0
    assert s["autovacuum"]["value"] is True
    assert s["max_connections"]["value"] == 2000
    assert s["wal_buffers"]["bytes"] == 8 * 1024**2
    # -1 means "no limit": no byte count is claimed for it
    assert (s["temp_file_limit"]["value"], s["temp_file_limit"]["bytes"]) == (-1, None)
    # file modes are printed in octal
    assert s["log_file_mode"]["value"] == 0o600
    assert s["DateStyle"]["value"] == "ISO, MDY"
    assert s["log_line_prefix"]["value"] == "< %m >"


def test_show_all_values_with_units() -> None:
    s = parse("show_all.txt").data["settings"]
    assert (s["shared_buffers"]["raw"], s["shared_buffers"]["value"]) == ("256MB", 32768)
    assert (s["checkpoint_timeout"]["raw"], s["checkpoint_timeout"]["value"]) == ("15min", 900)
    assert (s["segment_size"]["raw"], s["segment_size"]["bytes"]) == ("1GB", 1024**3)
    assert "context" not in s["shared_buffers"]


def test_meta_version_and_locations() -> None:
    parsed = parse("show_all.txt")
    assert parsed.meta["postgres_version"] == "15.18 (Debian 15.18-0+deb12u1)"
    lines = (DATA / "show_all.txt").read_text().splitlines()
    line = parsed.line_of("settings.max_connections")
    assert line is not None and lines[line - 1].startswith(" max_connections ")


def test_csv_locations_are_file_lines() -> None:
    parsed = parse("pg_settings.csv")
    lines = (DATA / "pg_settings.csv").read_text().splitlines()
    line = parsed.line_of("settings.work_mem")
    assert line is not None and lines[line - 1].startswith("work_mem,")


def test_unknown_parameter_keeps_its_evident_type() -> None:
    # a real SHOW ALL header and row shape, for a parameter of a later major version
    parsed = parse_text(
        "name | setting | description\n"
        "------+---------+------------\n"
        " reserved_connections | 3 | Sets the number of connection slots reserved.\n"
        " summarize_wal | off | Starts the WAL summarizer process.\n"
        "(2 rows)\n"
    )
    s = parsed.data["settings"]
    assert (s["reserved_connections"]["value"], s["reserved_connections"]["type"]) == (3, "integer")
    assert s["summarize_wal"]["value"] is False


@pytest.mark.parametrize(
    "text",
    ["", "\n", "hello world\n", "name,setting\n", "just | some | pipes\n", "(0 rows)\n"],
    ids=["empty", "blank", "prose", "csv-header-only", "pipes", "footer"],
)
def test_not_a_dump(text: str) -> None:
    parsed = parse_text(text)
    assert parsed.status == "invalid" or parsed.problems


SAMPLE = (DATA / "show_all.txt").read_text().splitlines()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=50), st.sampled_from(SAMPLE)), max_size=15))
def test_random_text_never_raises(lines: list[str]) -> None:
    parse_text("\n".join(SAMPLE[:2] + lines))
    parse_text("\n".join(lines))


def test_too_large_is_invalid() -> None:
    src = TextSource.from_bytes("x", (DATA / "show_all.txt").read_bytes(), max_text_bytes=100)
    assert pg_settings.parse(src).status == "invalid"


@pytest.mark.parametrize("path", DUMPS, ids=lambda p: p.name)
def test_sniff_recognizes_dumps(path: Path) -> None:
    assert pg_settings.sniff(path.read_text()[:1024])


def test_sniff_rejects_a_conf_file() -> None:
    conf = ROOT / "tests" / "data" / "postgres" / "postgresql.conf.pg15-default"
    assert not pg_settings.sniff(conf.read_text()[:1024])
