"""pg_conf: postgresql.conf read as PostgreSQL 15 reads it, checked against the server's own reading.

Ground truth: tests/data/postgres/conf-cases (pg_file_settings.txt and postgres_C.txt were
written by PostgreSQL 15.20 reading that corpus). The single-line cases below were each run
through `postgres -c config_file=<file> -C <name>` of PostgreSQL 15.18 (Debian) while this
reader was written; the expected values and error texts are what that server printed.
"""

from __future__ import annotations

import csv
import json
import posixpath
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.artifacts import pg_conf, pg_units
from analyzer.artifacts.base import Parsed, TextSource

ROOT = Path(__file__).resolve().parents[3]
PG = ROOT / "tests" / "data" / "postgres"
CASES = PG / "conf-cases"
SCHEMA = json.loads((ROOT / "schemas" / "artifacts" / "pg_conf.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


class Bundle:
    """An in-memory bundle: path -> bytes, with the resolver and lister TextSource wants."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    def source(self, path: str) -> TextSource:
        return TextSource.from_bytes(
            path, self.files[path], resolver=self.resolve, lister=self.listdir
        )

    def _join(self, base: str, rel: str) -> str:
        return posixpath.normpath(posixpath.join(posixpath.dirname(base), rel))

    def resolve(self, base: str, rel: str) -> TextSource | None:
        path = self._join(base, rel)
        return self.source(path) if path in self.files else None

    def listdir(self, base: str, rel: str) -> list[str] | None:
        folder = self._join(base, rel) + "/"
        names = {p[len(folder) :].split("/")[0] for p in self.files if p.startswith(folder)}
        dirs = {n + "/" for n in names if any(p.startswith(folder + n + "/") for p in self.files)}
        listed = sorted((names - {d[:-1] for d in dirs}) | dirs)
        return listed or None


def corpus() -> Bundle:
    return Bundle(
        {str(p.relative_to(CASES)): p.read_bytes() for p in CASES.rglob("*") if p.is_file()}
    )


def parse_text(text: str, path: str = "postgresql.conf", **files: str) -> Parsed:
    bundle = Bundle({path: text.encode(), **{k: v.encode() for k, v in files.items()}})
    return check(pg_conf.parse(bundle.source(path)))


def check(parsed: Parsed) -> Parsed:
    """Every parse result must satisfy the kind's schema."""
    if parsed.status == "parsed":
        errors = [e.message for e in VALIDATOR.iter_errors(parsed.data)]
        assert not errors, errors
    return parsed


def shown(value: Any) -> str:
    """A value as `postgres -C` prints it."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# ---------------------------------------------------------------------------------------------
# The acceptance corpus


def file_settings_rows() -> list[dict[str, str]]:
    """pg_file_settings.txt (psql aligned table) as rows."""
    lines = (CASES / "pg_file_settings.txt").read_text().splitlines()
    header = [h.strip() for h in lines[0].split("|")]
    rows = []
    for line in lines[2:]:
        if not line.startswith(" ") or line.startswith("("):
            continue
        cells = [c.strip() for c in line.split(" | ")]
        # the setting column may end in blanks that strip() removed (log_line_prefix)
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


# PostgreSQL refused cluster_name at runtime only because the server that answered the
# query had been started with another value (a postmaster-only parameter changes at restart):
# nothing in the files says so.
RUNTIME_ONLY = {("postgresql.conf", 15)}


def test_corpus_entries_match_pg_file_settings() -> None:
    parsed = check(pg_conf.parse(corpus().source("case/postgresql.conf")))
    ours = [
        (e["file"].removeprefix("case/"), e["line"], e["name"], e["setting"], e["applied"])
        for e in parsed.data["entries"]
    ]
    theirs = []
    for row in file_settings_rows():
        key = (row["file"], int(row["line"]))
        applied = row["applied"] == "t" or key in RUNTIME_ONLY
        theirs.append((row["file"], int(row["line"]), row["name"], row["setting"], applied))
    # the table's cells are stripped; compare settings the same way
    ours = [(f, n, name, s.strip(), a) for f, n, name, s, a in ours]
    assert ours == theirs
    assert parsed.data["contains_errors"] is False


def postgres_c_values() -> dict[str, str]:
    """postgres_C.txt: `name   <two LOG lines> value ` per line."""
    values = {}
    for line in (CASES / "postgres_C.txt").read_text().splitlines():
        name = line.split()[0]
        rest = line.rsplit('missing.conf" ', 1)[1]
        values[name] = rest[:-1]  # the capture added one blank after the value
    return values


@pytest.mark.parametrize("name", sorted(postgres_c_values()), ids=str)
def test_corpus_values_match_postgres_c(name: str) -> None:
    parsed = check(pg_conf.parse(corpus().source("case/postgresql.conf")))
    expected = postgres_c_values()[name]
    setting = parsed.data["settings"][name]
    assert shown(setting["value"]) == expected
    assert setting["applied"] is True


def test_corpus_reads_the_includes_in_server_order() -> None:
    parsed = check(pg_conf.parse(corpus().source("case/postgresql.conf")))
    assert parsed.data["files"] == [
        "case/postgresql.conf",
        "case/inc/a.conf",
        "case/conf.d/01-first.conf",
        "case/conf.d/02-second.conf",
        "case/inc/commented_only.conf",
        "case/conf.d/B-upper.conf",
    ]
    # .hidden.conf and notes.txt are never read: bgwriter_delay comes from B-upper.conf
    delay = parsed.data["settings"]["bgwriter_delay"]
    assert (delay["value"], delay["ms"], delay["file"], delay["line"]) == (
        100,
        100,
        "case/conf.d/B-upper.conf",
        1,
    )
    skipped = [p for p in parsed.problems if p.code == "include-skipped"]
    assert [(p.line, p.path) for p in skipped] == [(6, None)]
    assert all(p.code == "include-skipped" for p in parsed.problems)


def test_corpus_settings_in_base_units() -> None:
    s = check(pg_conf.parse(corpus().source("case/postgresql.conf"))).data["settings"]
    picks = {
        name: (s[name]["value"], s[name]["unit"], s[name]["bytes"], s[name]["ms"])
        for name in (
            "shared_buffers",
            "work_mem",
            "maintenance_work_mem",
            "temp_buffers",
            "effective_cache_size",
            "deadlock_timeout",
            "statement_timeout",
            "idle_in_transaction_session_timeout",
            "random_page_cost",
            "max_connections",
        )
    }
    assert picks == {
        "shared_buffers": (16384, "8kB", 128 * 1024**2, None),
        "work_mem": (16384, "kB", 16 * 1024**2, None),
        "maintenance_work_mem": (1572864, "kB", 1536 * 1024**2, None),
        "temp_buffers": (256, "8kB", 2048 * 1024, None),
        "effective_cache_size": (1048576, "8kB", 8 * 1024**3, None),
        "deadlock_timeout": (1500, "ms", None, 1500),
        "statement_timeout": (30000, "ms", None, 30000),
        "idle_in_transaction_session_timeout": (3600000, "ms", None, 3600000),
        "random_page_cost": (1.1, None, None, None),
        "max_connections": (100, None, None, None),
    }
    # names as written are kept; keys are pg_settings' spelling
    assert (s["TimeZone"]["name"], s["DateStyle"]["name"]) == ("TimeZone", "datestyle")
    assert s["work_mem"]["name"] == "work_mem" and s["work_mem"]["line"] == 9
    assert s["custom.option"]["value"] == "x" and s["custom.option"]["type"] is None


def test_corpus_locations_point_at_the_winning_line() -> None:
    parsed = check(pg_conf.parse(corpus().source("case/postgresql.conf")))
    assert parsed.line_of("settings.work_mem") == 9
    assert parsed.line_of("settings.max_connections.value") == 2
    # a winner in an included file: the setting names the file, the location its line
    assert parsed.data["settings"]["effective_cache_size"]["file"] == "case/conf.d/02-second.conf"
    assert parsed.line_of("settings.effective_cache_size") == 1


def test_shadow_case_keeps_the_parent_value() -> None:
    parsed = check(pg_conf.parse(corpus().source("shadow/main.conf")))
    work_mem = parsed.data["settings"]["work_mem"]
    assert (work_mem["value"], work_mem["applied"], work_mem["file"]) == (
        8192,
        True,
        "shadow/main.conf",
    )
    assert parsed.data["files"] == ["shadow/main.conf", "shadow/sub.conf"]
    assert parsed.problems == []


def test_bad_case_is_a_boolean_error() -> None:
    parsed = check(pg_conf.parse(corpus().source("bad/postgresql.conf")))
    assert parsed.status == "parsed"
    setting = parsed.data["settings"]["log_connections"]
    assert setting["value"] is None and setting["applied"] is False
    assert setting["error"] == 'parameter "log_connections" requires a Boolean value'
    assert parsed.data["entries"][0]["error"] == "setting could not be applied"
    assert parsed.data["contains_errors"] is True
    assert [(p.line, p.code, p.key) for p in parsed.problems] == [
        (1, "type", "settings.log_connections")
    ]


def test_pg15_default_file() -> None:
    path = PG / "postgresql.conf.pg15-default"
    parsed = check(pg_conf.parse(TextSource.from_bytes("postgresql.conf", path.read_bytes())))
    assert parsed.problems == []
    s = parsed.data["settings"]
    # initdb writes 13 settings (the rest of the 680-line file is comments)
    assert {k: shown(v["value"]) for k, v in s.items()} == {
        "max_connections": "100",
        "shared_buffers": "16384",
        "dynamic_shared_memory_type": "posix",
        "max_wal_size": "1024",
        "min_wal_size": "80",
        "log_timezone": "Etc/UTC",
        "DateStyle": "iso, mdy",
        "TimeZone": "Etc/UTC",
        "lc_messages": "C.UTF-8",
        "lc_monetary": "C.UTF-8",
        "lc_numeric": "C.UTF-8",
        "lc_time": "C.UTF-8",
        "default_text_search_config": "pg_catalog.english",
    }
    assert all(v["applied"] for v in s.values())
    assert parsed.line_of("settings.max_wal_size") == 241


# ---------------------------------------------------------------------------------------------
# One line each, as PostgreSQL 15.18 read it (postgres -C)

VALUES = [
    ("work_mem = '30.1GB'", "work_mem", "31561728"),
    ("work_mem = '1.5GB'", "work_mem", "1572864"),
    ("work_mem = 0x10", "work_mem", "invalid: 16 kB is outside the valid range"),
    ("work_mem = '64 kB '", "work_mem", "64"),
    ("work_mem = '100000B'", "work_mem", "98"),
    ("work_mem = 1e3", "work_mem", "syntax"),
    ("work_mem = '1e3'", "work_mem", "1000"),
    ("work_mem = '.5MB'", "work_mem", "512"),
    ("work_mem = '64kb'", "work_mem", "invalid"),
    ("work_mem = 2TB", "work_mem", 'invalid: invalid value for parameter "work_mem": "2TB"'),
    ("work_mem = +.5e1", "work_mem", "invalid"),
    ("work_mem = '4MB junk'", "work_mem", "invalid"),
    ("shared_buffers = '2048 kB'", "shared_buffers", "256"),
    ("shared_buffers = '12345B'", "shared_buffers", "invalid: 2 8kB is outside the valid range"),
    ("statement_timeout = '1.5 s'", "statement_timeout", "1500"),
    ("statement_timeout = 500us", "statement_timeout", "0"),
    ("statement_timeout = '2.5ms'", "statement_timeout", "2"),
    ("statement_timeout = '1.5min'", "statement_timeout", "90000"),
    ("statement_timeout = 30S", "statement_timeout", "invalid"),
    ("checkpoint_timeout = '1.5min'", "checkpoint_timeout", "90"),
    (
        "checkpoint_timeout = 1500ms",
        "checkpoint_timeout",
        "invalid: 2 s is outside the valid range",
    ),
    ("log_rotation_age = '1.5h'", "log_rotation_age", "90"),
    ("vacuum_cost_delay = '1500us'", "vacuum_cost_delay", "1.5"),
    ("random_page_cost = '0x10'", "random_page_cost", "16"),
    ("random_page_cost = 'nan'", "random_page_cost", "invalid"),
    (
        "checkpoint_completion_target = 1.5",
        "checkpoint_completion_target",
        "invalid: 1.5 is outside",
    ),
    ("autovacuum = of", "autovacuum", "off"),
    ("autovacuum = o", "autovacuum", "invalid"),
    ("autovacuum = 'yes '", "autovacuum", "invalid"),
    ("autovacuum = Y", "autovacuum", "on"),
    ("autovacuum = 10", "autovacuum", "invalid"),
    ("huge_pages = TRY", "huge_pages", "try"),
    ("huge_pages = true", "huge_pages", "on"),
    ("huge_pages = of", "huge_pages", "invalid"),
    ("wal_level = hot_standby", "wal_level", "replica"),
    ("wal_compression = on", "wal_compression", "pglz"),
    ("log_min_messages = debug", "log_min_messages", "debug2"),
    ("client_min_messages = fatal", "client_min_messages", "invalid"),
    (
        "default_transaction_isolation = 'read committed'",
        "default_transaction_isolation",
        "read committed",
    ),
    ("max_connections = '2.5'", "max_connections", "2"),
    ("max_connections = '3.5'", "max_connections", "4"),
    ("max_connections = 100MB", "max_connections", "invalid"),
    ("max_connections = 99999999999", "max_connections", "invalid"),
    ("log_file_mode = 0600", "log_file_mode", "384"),
    ("log_file_mode = 0778", "log_file_mode", "invalid"),
    ("track_activity_query_size = '1.5kB'", "track_activity_query_size", "1536"),
    ("wal_buffers = 16MB", "wal_buffers", "2048"),
    ("sort_mem = 1MB", "work_mem", "1024"),
    (
        "server_version = '9.6'",
        "server_version",
        'invalid: parameter "server_version" cannot be changed',
    ),
    ("default_text_search_config = pg_catalog.english", "default_text_search_config", "syntax"),
    ("listen_addresses = *", "listen_addresses", "syntax"),
    ("log_filename = postgresql-%a.log", "log_filename", "syntax"),
    (
        "shared_preload_libraries = pg_stat_statements",
        "shared_preload_libraries",
        "pg_stat_statements",
    ),
    ("pg_stat_statements.max 10000", "pg_stat_statements.max", "10000"),
    ("application_name = 'oct\\101x'", "application_name", "octAx"),
    ("application_name = 'a\\\\b'", "application_name", "a\\b"),
    ("application_name='x'# c", "application_name", "x"),
]


@pytest.mark.parametrize("line,name,expected", VALUES, ids=[v[0] for v in VALUES])
def test_value_as_the_server_reads_it(line: str, name: str, expected: str) -> None:
    parsed = parse_text(line + "\n")
    key = pg_conf._canonical(name)
    if expected == "syntax":
        assert [p.code for p in parsed.problems] == ["syntax"]
        assert parsed.data["contains_errors"]
        return
    setting = parsed.data["settings"][key]
    if expected.startswith("invalid"):
        assert setting["value"] is None and setting["applied"] is False
        message = expected.partition(": ")[2]
        assert message in setting["error"]
        assert parsed.problems[0].code in ("type", "range", "enum", "read-only")
        return
    assert shown(setting["value"]) == expected
    assert setting["applied"] is True and setting["error"] is None


def test_unquoted_fraction_with_unit_is_a_syntax_error() -> None:
    parsed = parse_text("max_connections = 100\nwork_mem = 1.5GB\nlog_directory = /var/log\n")
    assert [(p.line, p.message) for p in parsed.problems] == [
        (2, 'syntax error in file "postgresql.conf" line 2, near token "GB"'),
        (3, 'syntax error in file "postgresql.conf" line 3, near token "/"'),
    ]
    # the server refuses the whole configuration: nothing applies, values still shown
    s = parsed.data["settings"]
    assert s["max_connections"]["value"] == 100
    assert not s["max_connections"]["applied"]
    assert parsed.data["contains_errors"]


@pytest.mark.parametrize(
    "text,near",
    [
        ("work_mem = 4MB junk\n", 'near token "junk"'),
        ("work_mem\n", "near end of line"),
        ("work_mem =\n", "near end of line"),
        ("work_mem = = 4MB\n", 'near token "="'),
        ("=work_mem\n", 'near token "="'),
        ("work_mem: 1MB\n", 'near token "work_mem:"'),
        ("work_mem = '1MB' 'x'\n", "near token \"'x'\""),
        ("application_name = 'unterminated\n", 'near token "\'"'),
        ("foo.bar.baz = 1\n", 'near token "foo.bar.baz"'),
    ],
    ids=[
        "garbage",
        "no-value",
        "equals-only",
        "two-equals",
        "no-name",
        "colon",
        "two-values",
        "open-quote",
        "two-dots",
    ],
)
def test_syntax_errors(text: str, near: str) -> None:
    parsed = parse_text(text)
    assert parsed.status == "parsed"
    assert [p.code for p in parsed.problems] == ["syntax"]
    assert parsed.problems[0].message.endswith(near)


def test_many_syntax_errors_abandon_the_file() -> None:
    parsed = parse_text("bad line here\n" * 150)
    assert len(parsed.problems) == 101
    assert parsed.problems[-1].message.startswith("too many syntax errors found")


# ---------------------------------------------------------------------------------------------
# Names


def test_unknown_names_are_errors_but_custom_ones_are_not() -> None:
    parsed = parse_text("foo = 1\nmy.option = 'a'\nwork_mem = 8MB\n")
    assert [(p.code, p.line) for p in parsed.problems] == [("unknown-parameter", 1)]
    assert parsed.problems[0].message == (
        'unrecognized configuration parameter "foo" in file "postgresql.conf" line 1'
    )
    assert parsed.data["contains_errors"]
    assert parsed.data["entries"][0]["error"] == "unrecognized configuration parameter"
    assert not parsed.data["settings"]["work_mem"]["applied"]


def test_other_version_parameter_is_noted_not_refused() -> None:
    parsed = parse_text("wal_keep_segments = 32\nreserved_connections = 3\n")
    assert [p.code for p in parsed.problems] == ["other-version-parameter"] * 2
    assert not parsed.data["contains_errors"]
    assert parsed.data["settings"]["reserved_connections"]["type"] is None


def test_duplicates_follow_the_server() -> None:
    parsed = parse_text("work_mem = 1MB\nwork_mem 2MB\nWork_mem 3MB\n")
    assert [e["applied"] for e in parsed.data["entries"]] == [False, True, True]
    assert parsed.data["settings"]["work_mem"]["value"] == 3072
    assert parsed.line_of("settings.work_mem") == 3


def test_a_refused_value_leaves_the_others_applied() -> None:
    parsed = parse_text("work_mem = bogus\nwork_mem = 1MB\nmax_connections = 50\n")
    # the earlier work_mem is hidden by the later one, so nothing is refused at all
    assert parsed.problems == []
    parsed = parse_text("work_mem = 1MB\nwork_mem = bogus\nmax_connections = 50\n")
    assert [e["applied"] for e in parsed.data["entries"]] == [False, False, True]
    assert parsed.data["settings"]["work_mem"]["value"] is None
    assert parsed.problems[0].message.startswith('invalid value for parameter "work_mem": "bogus"')


# ---------------------------------------------------------------------------------------------
# Includes


def test_include_missing_and_if_exists() -> None:
    parsed = parse_text("include 'nope.conf'\ninclude_if_exists 'gone.conf'\nwork_mem = 2MB\n")
    assert [(p.code, p.line) for p in parsed.problems] == [
        ("include-missing", 1),
        ("include-skipped", 2),
    ]
    # absent from the bundle is not absent from the server: reported, nothing refused
    assert parsed.data["missing_includes"] == [
        {"file": "postgresql.conf", "line": 1, "target": "nope.conf"}
    ]
    assert not parsed.data["contains_errors"]
    assert parsed.data["settings"]["work_mem"]["applied"]


def test_empty_include_name_is_an_error() -> None:
    parsed = parse_text("include ''\nwork_mem = 2MB\n")
    assert [p.code for p in parsed.problems] == ["include-empty"]
    assert parsed.data["contains_errors"]


def test_include_with_equals_and_any_case_relative_to_the_includer() -> None:
    parsed = parse_text(
        "INCLUDE = 'sub/a.conf'\n",
        path="etc/postgresql.conf",
        **{"etc/sub/a.conf": "include 'b.conf'\n", "etc/sub/b.conf": "work_mem = 3MB\n"},
    )
    assert parsed.data["files"] == ["etc/postgresql.conf", "etc/sub/a.conf", "etc/sub/b.conf"]
    assert parsed.data["settings"]["work_mem"]["file"] == "etc/sub/b.conf"


def test_problems_in_included_files_name_the_file() -> None:
    parsed = parse_text("include 'sub.conf'\n", **{"sub.conf": "\nwork_mem = 1.5GB\n"})
    assert [(p.path, p.line, p.code) for p in parsed.problems] == [("sub.conf", 2, "syntax")]


def nested(levels: int) -> dict[str, str]:
    files = {f"d{i}.conf": f"include 'd{i + 1}.conf'\n" for i in range(1, levels)}
    files[f"d{levels}.conf"] = "work_mem = 7MB\n"
    return files


def test_nesting_depth_limit_is_ten() -> None:
    # postgresql.conf is depth 0; d10.conf (depth 10) may set things but not include more
    ok = parse_text("include 'd1.conf'\n", **nested(10))
    assert ok.problems == [] and ok.data["settings"]["work_mem"]["value"] == 7168
    deep = parse_text("include 'd1.conf'\n", **nested(11))
    assert [(p.code, p.path) for p in deep.problems] == [("include-depth", "d10.conf")]
    assert deep.problems[0].message == (
        'could not open configuration file "d11.conf": maximum nesting depth exceeded'
    )


def test_direct_recursion_is_refused() -> None:
    parsed = parse_text("include 'postgresql.conf'\n")
    assert [p.code for p in parsed.problems] == ["include-recursion"]


def test_include_dir_picks_conf_files_in_byte_order() -> None:
    parsed = parse_text(
        "include_dir 'conf.d'\n",
        **{
            "conf.d/b.conf": "work_mem = 2MB\n",
            "conf.d/A.conf": "work_mem = 1MB\n",
            "conf.d/10.conf": "max_connections = 10\n",
            "conf.d/.x.conf": "work_mem = 9MB\n",
            "conf.d/a.conf~": "work_mem = 9MB\n",
            "conf.d/x.txt": "work_mem = 9MB\n",
            "conf.d/.conf": "work_mem = 9MB\n",
            "conf.d/sub.conf/inner.conf": "work_mem = 9MB\n",
        },
    )
    assert parsed.data["files"] == [
        "postgresql.conf",
        "conf.d/10.conf",
        "conf.d/A.conf",
        "conf.d/b.conf",
    ]
    assert parsed.data["settings"]["work_mem"]["value"] == 2048


def test_include_dir_stops_at_a_bad_file() -> None:
    parsed = parse_text(
        "include_dir 'cd'\n",
        **{"cd/01.conf": "work_mem = 3MB junk\n", "cd/02.conf": "max_connections = 5\n"},
    )
    assert "max_connections" not in parsed.data["settings"]
    assert parsed.data["contains_errors"]


def test_missing_include_dir_is_reported() -> None:
    parsed = parse_text("include_dir 'nodir'\n")
    assert [p.code for p in parsed.problems] == ["include-missing"]
    assert parsed.data["missing_includes"][0]["target"] == "nodir"


def test_without_a_resolver_includes_are_missing() -> None:
    parsed = check(pg_conf.parse(TextSource.from_text("p.conf", "include 'x.conf'\n")))
    assert [p.code for p in parsed.problems] == ["include-missing"]


# ---------------------------------------------------------------------------------------------
# Lexer details


@pytest.mark.parametrize(
    "line,tokens",
    [
        (
            "max_connections = 100\t\t\t# c",
            [("ID", "max_connections"), ("EQUALS", "="), ("INTEGER", "100")],
        ),
        ("x = '%m [%p] # kept '", [("ID", "x"), ("EQUALS", "="), ("STRING", "'%m [%p] # kept '")]),
        ("x en_US.UTF-8", [("ID", "x"), ("UNQUOTED_STRING", "en_US.UTF-8")]),
        (
            "x = pg_catalog.english",
            [("ID", "x"), ("EQUALS", "="), ("QUALIFIED_ID", "pg_catalog.english")],
        ),
        ("x = 0x1fMB", [("ID", "x"), ("EQUALS", "="), ("INTEGER", "0x1fMB")]),
        ("x = 1.5GB", [("ID", "x"), ("EQUALS", "="), ("REAL", "1.5"), ("ID", "GB")]),
        ("x = .9", [("ID", "x"), ("EQUALS", "="), ("REAL", ".9")]),
        ("x = -1", [("ID", "x"), ("EQUALS", "="), ("INTEGER", "-1")]),
        ("x = 'it''s'", [("ID", "x"), ("EQUALS", "="), ("STRING", "'it''s'")]),
        ("x = 'a\\'b'", [("ID", "x"), ("EQUALS", "="), ("STRING", "'a\\'b'")]),
        ("x = /var", [("ID", "x"), ("EQUALS", "="), ("ERROR", "/"), ("ID", "var")]),
        ("  # only a comment", []),
    ],
    ids=[
        "tabs-comment",
        "hash-in-quotes",
        "unquoted",
        "qualified",
        "hex-unit",
        "real-unit",
        "dot-real",
        "negative",
        "doubled-quote",
        "escaped-quote",
        "slash",
        "comment",
    ],
)
def test_tokenize(line: str, tokens: list[tuple[str, str]]) -> None:
    assert [(t.kind, t.text) for t in pg_conf.tokenize(line)] == tokens


@pytest.mark.parametrize(
    "quoted,value",
    [
        ("'it''s'", "it's"),
        ("'back\\'slash'", "back'slash"),
        ("'a\\\\b'", "a\\b"),
        ("'tab\\there'", "tab\there"),
        ("'\\101\\0102'", "A\b2"),
        ("'\\q'", "q"),
    ],
)
def test_unquote(quoted: str, value: str) -> None:
    assert pg_conf.unquote(quoted) == value


# ---------------------------------------------------------------------------------------------
# The unit table


def test_units_table_matches_units_pg15() -> None:
    for line in (PG / "units_pg15.txt").read_text().splitlines():
        name, _setting, unit, vartype, _boot, context = line.split("|")
        found = pg_units.lookup(name)
        assert found is not None, name
        assert (found[1].unit, found[1].vartype, found[1].context) == (unit, vartype, context), name


def test_units_table_matches_the_real_pg_settings_dump() -> None:
    rows = list(csv.DictReader((PG / "settings" / "pg_settings.csv").open()))
    assert len(rows) == 354
    for row in rows:
        canonical, param = pg_units.lookup(row["name"]) or (None, None)
        assert canonical == row["name"]
        assert param is not None
        assert (param.vartype, param.unit or "", param.context) == (
            row["vartype"],
            row["unit"],
            row["context"],
        )
    assert not (set(pg_units.PARAMS) & pg_units.OTHER_VERSION_PARAMS)


@pytest.mark.parametrize(
    "value,unit,base,expected",
    [
        (30.1, "GB", "kB", 31561728),
        (1.5, "s", "ms", 1500),
        (2048, "kB", "8kB", 256),
        (1.5, "min", "s", 90),
        (1, "us", "ms", 0.001),
        (128, "MB", "8kB", 16384),
    ],
)
def test_convert_to_base(value: float, unit: str, base: str, expected: float) -> None:
    assert pg_units.convert_to_base(value, unit, base) == expected


def test_convert_refuses_wrong_units() -> None:
    assert pg_units.convert_to_base(1, "GB", "ms") is None
    assert pg_units.convert_to_base(1, "sec", "ms") is None
    assert pg_units.convert_to_base(1, "kb", "kB") is None


# ---------------------------------------------------------------------------------------------
# Robustness and sniffing


@pytest.mark.parametrize(
    "data",
    [b"", b"\n\n", bytes(range(256)) * 8, b"work_mem = '\xff\xfe'\n", b"\x00\x00"],
    ids=["empty", "blank", "binary", "bad-utf8", "nul"],
)
def test_garbage_does_not_raise(data: bytes) -> None:
    check(pg_conf.parse(TextSource.from_bytes("postgresql.conf", data)))


def test_too_large_is_invalid() -> None:
    src = TextSource.from_bytes("postgresql.conf", b"work_mem = 1MB\n" * 100, max_text_bytes=64)
    parsed = pg_conf.parse(src)
    assert parsed.status == "invalid" and parsed.problems


LINES = (CASES / "case" / "postgresql.conf").read_text().splitlines()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=40), st.sampled_from(LINES)), max_size=20))
def test_random_text_never_raises(lines: list[str]) -> None:
    parsed = check(parse_text("\n".join(lines)))
    for problem in parsed.problems:
        assert problem.code


@pytest.mark.parametrize(
    "path",
    [
        PG / "postgresql.conf.pg15-default",
        CASES / "case" / "postgresql.conf",
        CASES / "case" / "postgresql.filtered.conf",
    ],
    ids=lambda p: p.name,
)
def test_sniff_recognizes_postgresql_conf(path: Path) -> None:
    assert pg_conf.sniff(path.read_text()[:1024])


@pytest.mark.parametrize(
    "path",
    [
        PG / "log-samples" / "postgresql-Thu.log",
        PG / "settings" / "show_all.txt",
        ROOT / "tests" / "data" / "quay" / "healthy-push-pull" / "config.yaml",
    ],
    ids=lambda p: p.name,
)
def test_sniff_rejects_other_files(path: Path) -> None:
    assert not pg_conf.sniff(path.read_text(errors="replace")[:1024])


def test_problem_messages_carry_no_regex_surprises() -> None:
    parsed = parse_text("work_mem = '4MB junk'\n")
    assert re.fullmatch(
        r'invalid value for parameter "work_mem": "4MB junk" \(Valid units.*\)',
        parsed.problems[0].message,
    )
