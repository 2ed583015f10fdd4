"""Derived facts: the fields and the evidence (`_sources`) the catalogue's rules read.

Each test builds a small bundle from real artifact text (the sample bundles, the outage's
podman stats, GNU df), runs the real pipeline and looks at the facts it derived.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import analyzer.pipeline as pipeline
from tests.conftest import SAMPLES

HEALTHY = SAMPLES / "standalone-healthy"
OUTAGE = SAMPLES / "standalone-db-outage"

# sample_bundles/standalone-db-outage/podman-stats.txt without its screen-clear escapes: three
# different LIMITs, so none of them reads as the host's RAM.
STATS_OWN_LIMITS = """\
ID            NAME             CPU %       MEM USAGE / LIMIT  MEM %       NET IO      BLOCK IO           PIDS        CPU TIME     AVG CPU %
39deb628abd4  quay             64.18%      3.413GB / 8.59GB   39.73%      0B / 0B     1.204GB / 88.45MB  214         3h12m41.52s  38.71%
75fce97dbf30  postgresql-quay  97.40%      1.991GB / 2.147GB  92.72%      0B / 0B     9.338GB / 18.9GB   103         2h1m7.19s    24.33%
67deb1112984  redis            0.31%       7.082MB / 1.074GB  0.66%       0B / 0B     1.319MB / 12.29kB  5           41.831s      0.14%
"""
# Two containers share the 8.2GB LIMIT: podman printed the host's RAM for both (formats.md 1.1).
STATS_HOST_RAM = """\
ID            NAME             CPU %       MEM USAGE / LIMIT  MEM %       NET IO      BLOCK IO           PIDS        CPU TIME    AVG CPU %
6a1f2e3d4c5b  quay             187.25%     7.912GB / 8.2GB    96.49%      -- / --     2.746MB / 0B       31          1h2m9.1s    5.71%
7b2e3f4a5d6c  postgresql-quay  0.50%       301.2MB / 8.2GB    3.67%       -- / --     123.5MB / 4.101GB  21          2m3.52s     0.41%
8c3f4a5b6e7d  redis            --          3.092MB / 536.9MB  0.58%       -- / --     -- / --            --          345.6ms     --
"""


def facts_of(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The facts the pipeline derives for a bundle (read where the rules get them)."""
    seen: dict[str, Any] = {}
    original = pipeline.run_rules

    def spy(ruleset: Any, ctx: Any) -> Any:
        seen.update(ctx.facts)
        return original(ruleset, ctx)

    monkeypatch.setattr(pipeline, "run_rules", spy)
    pipeline.analyze(bundle, pipeline.Options())
    return seen


def bundle(tmp_path: Path, members: dict[str, str]) -> Path:
    """A folder bundle holding exactly these members."""
    for rel, text in members.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return tmp_path


def row(facts: dict[str, Any], name: str) -> tuple[int, dict[str, Any]]:
    """The index and row of one container in facts.containers."""
    for i, item in enumerate(facts["containers"]["items"]):
        if item["name"] == name:
            return i, item
    raise AssertionError(f"no container {name}")


@pytest.mark.parametrize(
    ("stats", "name", "limited"),
    [
        pytest.param(STATS_OWN_LIMITS, "postgresql-quay", None, id="stats-limit-of-its-own-is-undecided"),
        pytest.param(STATS_HOST_RAM, "quay", False, id="stats-limit-shared-is-the-hosts-ram"),
        pytest.param(STATS_HOST_RAM, "redis", True, id="stats-limit-not-the-hosts-ram"),
    ],
)
def test_memory_limited_from_podman_stats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stats: str, name: str, limited: bool | None
) -> None:
    facts = facts_of(bundle(tmp_path, {"podman-stats.txt": stats}), monkeypatch)
    _, item = row(facts, name)
    assert "memory_limited" in item
    assert item["memory_limited"] is limited


def test_memory_limited_from_podman_inspect_beats_the_stats_guess(monkeypatch: pytest.MonkeyPatch) -> None:
    # quay and postgresql-quay share an 8.59GB LIMIT in stats.json, which looks like the host's RAM,
    # but podman inspect says HostConfig.Memory 8589934592: a real limit.
    facts = facts_of(HEALTHY, monkeypatch)
    _, quay = row(facts, "quay")
    assert quay["mem_limit_is_host_ram"] is True
    assert quay["memory_limit_bytes"] == 8589934592
    assert quay["memory_limited"] is True
    assert quay["cpu_limit_cores"] == 4.0
    assert quay["cpu_percent_of_limit"] == 1.0


def test_field_sources_cite_the_stats_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    facts = facts_of(bundle(tmp_path, {"podman-stats.txt": STATS_OWN_LIMITS}), monkeypatch)
    i, item = row(facts, "postgresql-quay")
    src = facts["containers"]["_sources"][f"items.{i}.mem_percent"]
    assert (src["path"], src["line"]) == ("podman-stats.txt", 3)
    assert src["excerpt"] == "postgresql-quay: MEM USAGE / LIMIT 1.991GB / 2.147GB, MEM % 92.72%"
    assert item["mem_usage_raw"] == "1.991GB / 2.147GB"


def test_memory_limited_source_of_a_host_ram_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    facts = facts_of(bundle(tmp_path, {"podman-stats.txt": STATS_HOST_RAM}), monkeypatch)
    i, _ = row(facts, "quay")
    src = facts["containers"]["_sources"][f"items.{i}.memory_limited"]
    assert (src["path"], src["line"]) == ("podman-stats.txt", 2)
    assert "the LIMIT is the host's RAM" in src["excerpt"]


def test_sources_of_the_healthy_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    facts = facts_of(HEALTHY, monkeypatch)
    quay_src = facts["quay"]["_sources"]["version"]
    assert quay_src["path"] == "quay/quay/inspect.json"
    assert "quay.io/projectquay/quay:v3.15.0" in quay_src["excerpt"]
    logs_src = facts["logs"]["_sources"]["quay_debug_records"]
    assert logs_src["path"] == "quay/quay/logs/current.log"
    assert "371 DEBUG" in logs_src["excerpt"]
    pg = facts["postgres"]
    assert pg["_sources"]["major"]["path"] == "postgres/postgresql-quay/logs/postgresql-Thu.log"
    assert pg["_sources"]["shared_buffers_fraction"]["key"] == "shared_buffers"
    assert pg["_sources"]["worst_case_memory_fraction"]["key"] == "max_connections"
    assert pg["_sources"]["memory_limit_bytes"]["path"] == "postgres/postgresql-quay/inspect.json"
    assert pg["worst_case_memory_fraction"] == pytest.approx(0.73046875)


def test_config_sources_say_which_certificate_files_are_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    facts = facts_of(OUTAGE, monkeypatch)
    src = facts["config"]["_sources"]
    assert src["ssl_cert_present"] == {
        "path": "config.yaml",
        "line": None,
        "key": None,
        "excerpt": "no ssl.cert in the bundle",
    }
    assert src["ssl_key_present"]["excerpt"] == "no ssl.key in the bundle"


def test_window_sources_name_the_first_and_last_records(monkeypatch: pytest.MonkeyPatch) -> None:
    facts = facts_of(OUTAGE, monkeypatch)
    src = facts["logs"]["_sources"]
    assert src["window.starts_late"]["path"] == "quay-logs.txt"
    assert src["window.starts_late"]["excerpt"] == "first record at 2026-11-25T13:50:25.000Z"
    assert src["window.ends_early"]["excerpt"] == "last record at 2026-11-25T14:31:06.411Z"


def test_storage_verdict_is_cited_at_a_listing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The guide's listing (ch. 6.4.1.1) and the same command against the second site's bucket.
    listing = (
        "$ aws --profile quay_prod_s3 --endpoint=http://10.0.x.x:port s3 ls {b} --recursive --human-readable --summarize\n"
        "\nTotal Objects: {n}\nTotal Size: 514.4 GiB\n"
    )
    facts = facts_of(
        bundle(
            tmp_path,
            {
                "storage/s3-ocp-quay.txt": listing.format(b="ocp-quay", n=17996),
                "storage/s3-ocp-quay-eu.txt": listing.format(b="ocp-quay-eu", n=17801),
            },
        ),
        monkeypatch,
    )
    storage = facts["storage"]
    assert storage["objects_differ"] is True
    assert storage["_sources"]["objects_differ"] == storage["_sources"]["buckets.0"]


def test_window_without_since_until_neither_starts_late_nor_ends_early(monkeypatch: pytest.MonkeyPatch) -> None:
    window = facts_of(OUTAGE, monkeypatch)["logs"]["window"]
    assert window == {
        "since": None,
        "until": None,
        "given": False,
        "covered": None,
        "starts_late": False,
        "ends_early": False,
    }


def test_postgres_facts_describe_quays_database_not_clairs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # an Operator namespace holds both databases: Quay's settings must not be overridden by Clair's
    b = bundle(
        tmp_path,
        {
            "postgres/registry-quay-database/postgresql.conf": "max_connections = 2000\nshared_buffers = 256MB\n",
            "postgres/registry-clair-postgres/postgresql.conf": "max_connections = 100\nshared_buffers = 128MB\n",
        },
    )
    pg = facts_of(b, monkeypatch)["postgres"]
    assert pg["max_connections"] == 2000
    assert pg["shared_buffers_bytes"] == 256 << 20
