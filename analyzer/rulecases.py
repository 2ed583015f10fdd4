"""Rule tests as data: tests/rule_cases/<ID>.yaml, run by pytest and by `analyze rules test`.

A case file names its rule and holds named cases (`fires_…`, `silent_…`, `skipped_…`):

    rule: DB001
    fires_on_refused_connection:
      given:
        quay_log: |            # by artifact kind: the text as found in a bundle...
          gunicorn-web stdout | 2024-... [ERROR] ...
        postgres/db/logs/postgresql-Thu.log: |   # ...or by member path (classified as usual)
          ...
      expect:
        - "the exact message of each finding, in order"
    silent_when_healthy:
      given: {...}
      expect: []
    skipped_without_logs:
      given: {}
      expect: skipped          # the rule is not evaluable (or not applicable)

Optional per case: `since`/`until` (as on the command line), `evidence: ["path:line", ...]`
(the first finding's evidence locations, in order), and `archive:` — entries that only an
archive can hold, for intake checks: `- {name: ../x, type: file|symlink|hardlink|fifo,
text: ..., target: ...}` or a nested archive `- {name: x.tgz, type: tgz|tar|zip, members:
{path: text}}` (`encrypted: true` flags zip members as password-protected), or a single
gzip-compressed file `- {name: x.log.gz, type: gz, text: ...}`. With `archive` the case bundle is a tar of the given members plus these
entries. Intake cases may also set `limits: {max_member_bytes: 1K}` (as `--limit`),
`format: tgz` (the case bundle is gzip-compressed) and `truncate: 0.5` (only that fraction
of the case bundle's bytes is kept: a damaged download).
Each case runs the real pipeline on a bundle made of exactly the given members.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.artifacts import safeload
from analyzer.bundle import BundleError
from analyzer.engine.rules import RuleSet
from analyzer.model import ARTIFACT_KINDS

CASE_PREFIXES = ("fires_", "silent_", "skipped_")

# Where a member given by kind is placed (realistic paths, so path-aware rules see real shapes).
DEFAULT_PATHS = {
    "quay_config": "quay/quay-app/config.yaml",
    "quay_log": "quay/quay-app/logs/current.log",
    "health_instance": "quay/health/instance.json",
    "health_endtoend": "quay/health/endtoend.json",
    "health_warning": "quay/health/warning.json",
    "podman_stats": "runtime/stats.txt",
    "pod_stats": "runtime/pod-stats.txt",
    "top_pods": "runtime/top-pods.txt",
    "df": "postgres/postgresql/df.txt",
    "container_list": "runtime/ps.txt",
    "container_inspect": "quay/quay-app/inspect.json",
    "pg_conf": "postgres/postgresql/postgresql.conf",
    "pg_settings": "postgres/postgresql/settings.txt",
    "pg_log": "postgres/postgresql/logs/postgresql-Thu.log",
    "redis_log": "redis/redis/logs/current.log",
    "clair_config": "clair/clairv4/config.yaml",
    "clair_log": "clair/clairv4/logs/current.log",
    "quayregistry_cr": "runtime/quayregistry.yaml",
    "k8s_resource": "runtime/pods.yaml",
    "tls_cert": "quay/quay-app/ssl.cert",
    "tls_key": "quay/quay-app/ssl.key",
    "storage_listing": "storage/listing.txt",
    "connectivity": "quay/quay-app/db-connectivity.txt",
    "manifest": "manifest.json",
}
FILLER = (
    "case-notes.txt"  # every case bundle has one harmless member, so "nothing given" is a bundle
)


@dataclass(slots=True)
class CaseResult:
    rule_id: str
    name: str
    ok: bool
    detail: str = ""
    file: str = ""


class CaseFileError(Exception):
    pass


def load_case_file(path: Path) -> dict[str, Any]:
    try:
        data = safeload.load_yaml(path.read_text(encoding="utf-8")).data
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseFileError(f"{path}: cannot be read: {exc}") from None
    except safeload.LoadError as exc:
        raise CaseFileError(f"{path}: line {exc.line}: {exc.message}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rule"), str):
        raise CaseFileError(f"{path}: a case file is a mapping with 'rule: <ID>' and named cases")
    for name, case in data.items():
        if name == "rule":
            continue
        if not str(name).startswith(CASE_PREFIXES):
            raise CaseFileError(
                f"{path}: case {name!r} must start with fires_, silent_ or skipped_"
            )
        if not isinstance(case, dict) or "expect" not in case or "given" not in case:
            raise CaseFileError(f"{path}: case {name!r} needs 'given' and 'expect'")
        extra = set(case) - {
            "given",
            "expect",
            "since",
            "until",
            "evidence",
            "archive",
            "limits",
            "format",
            "truncate",
        }
        if extra:
            raise CaseFileError(f"{path}: case {name!r}: unknown keys {sorted(extra)}")
        given = case["given"] or {}
        if not isinstance(given, dict):
            raise CaseFileError(
                f"{path}: case {name!r}: 'given' maps artifact kinds or member paths to text"
            )
        for key, text in given.items():
            if not isinstance(text, str):
                raise CaseFileError(f"{path}: case {name!r}: given {key!r} must be text")
            if "/" not in key and "." not in key and key not in ARTIFACT_KINDS:
                raise CaseFileError(
                    f"{path}: case {name!r}: {key!r} is neither an artifact kind nor a member path"
                )
        exp = case["expect"]
        if not (exp == "skipped" or isinstance(exp, list) and all(isinstance(m, str) for m in exp)):
            raise CaseFileError(
                f"{path}: case {name!r}: expect is a list of messages, [] or 'skipped'"
            )
        if str(name).startswith("fires_") and not exp:
            raise CaseFileError(
                f"{path}: case {name!r}: a fires_ case expects at least one message"
            )
    return data


def case_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def run_case(
    ruleset: RuleSet, rule_id: str, name: str, case: dict[str, Any], file: str = ""
) -> CaseResult:
    from analyzer.bundle import Limits
    from analyzer.cli import parse_time
    from analyzer.pipeline import Options, analyze, select_rules

    only = select_rules(ruleset, [rule_id], [])
    if not only.rules:
        return CaseResult(rule_id, name, False, f"no rule {rule_id} is loaded", file)
    with tempfile.TemporaryDirectory(prefix="analyze-case-") as tmp:
        root = Path(tmp)
        forced: dict[str, str] = {}
        (root / FILLER).write_text("rule case bundle\n", encoding="utf-8")
        for key, text in (case.get("given") or {}).items():
            if key in ARTIFACT_KINDS:
                rel = DEFAULT_PATHS.get(key, f"{key}.txt")
                forced[rel] = key
            else:
                rel = key
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        overrides = [f"{k}={v}" for k, v in (case.get("limits") or {}).items()]
        opts = Options(
            limits=Limits().with_overrides(overrides),
            since=parse_time(case.get("since"), "since"),
            until=parse_time(case.get("until"), "until"),
            force_kinds=forced,
        )
        target_path: Path = root
        if case.get("archive") or case.get("format") or case.get("truncate"):
            fmt = str(case.get("format") or "tar")
            target_path = _as_tar(
                root, case.get("archive") or [], Path(tmp) / f"case-bundle.{fmt}", fmt
            )
            if case.get("truncate"):
                data = target_path.read_bytes()
                target_path.write_bytes(data[: max(1, int(len(data) * float(case["truncate"])))])
        try:
            result = analyze(target_path, opts, only)
        except BundleError as exc:
            return CaseResult(rule_id, name, False, f"the case bundle cannot be read: {exc}", file)
    check = next((c for c in result.checks if c.rule_id == rule_id), None)
    if check is None:
        return CaseResult(rule_id, name, False, "the rule did not run", file)
    if check.status == "error":
        return CaseResult(rule_id, name, False, f"the rule raised: {check.reason}", file)
    messages = [f.message for f in result.findings if f.rule_id == rule_id]
    expect = case["expect"]
    if expect == "skipped":
        if check.status in ("not_evaluable", "not_applicable"):
            return CaseResult(rule_id, name, True, file=file)
        return CaseResult(
            rule_id,
            name,
            False,
            f"expected the rule to be skipped; it was {check.status}: {messages or check.reason}",
            file,
        )
    if check.status in ("not_evaluable", "not_applicable"):
        return CaseResult(
            rule_id, name, False, f"the rule was {check.status}: {check.reason}", file
        )
    if messages != list(expect):
        return CaseResult(rule_id, name, False, _diff(list(expect), messages), file)
    if case.get("evidence"):
        first = next(f for f in result.findings if f.rule_id == rule_id)
        got = [f"{e.path}:{e.line}" if e.line else e.path for e in first.evidence]
        if got[: len(case["evidence"])] != list(case["evidence"]):
            return CaseResult(
                rule_id, name, False, f"evidence: expected {case['evidence']}, got {got}", file
            )
    return CaseResult(rule_id, name, True, file=file)


def _as_tar(root: Path, entries: list[dict[str, Any]], dest: Path, fmt: str = "tar") -> Path:
    """The case's members and its special archive entries as one tar (nothing is extracted)."""
    import io
    import tarfile

    with tarfile.open(dest, "w:gz" if fmt == "tgz" else "w") as t:
        for p in sorted(root.rglob("*")):
            if p.is_file():
                t.add(p, arcname=str(p.relative_to(root)))
        for e in entries:
            info = tarfile.TarInfo(str(e["name"]))
            kind = e.get("type", "file")
            data = str(e.get("text", "")).encode()
            if kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = str(e.get("target", ""))
            elif kind == "hardlink":
                info.type = tarfile.LNKTYPE
                info.linkname = str(e.get("target", ""))
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
            elif kind == "chardev":
                info.type = tarfile.CHRTYPE
            elif kind in ("tar", "tgz", "zip"):
                data = _nested_archive(kind, e.get("members") or {}, bool(e.get("encrypted")))
                kind = "file"
            elif kind == "gz":
                import gzip

                data = gzip.compress(data, mtime=0)
                kind = "file"
            if kind == "file":
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
            else:
                t.addfile(info)
    return dest


def _nested_archive(kind: str, members: dict[str, Any], encrypted: bool = False) -> bytes:
    """An archive (tar, tgz or zip) of text members, to nest inside a case bundle.

    `encrypted` marks zip members as password-protected (the flag a reader sees first; the
    bytes themselves stay plain, which is all an intake check needs).
    """
    import io
    import tarfile
    import zipfile

    buf = io.BytesIO()
    if kind == "zip":
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, text in members.items():
                z.writestr(str(name), str(text))
        data = bytearray(buf.getvalue())
        if encrypted:
            # zipfile cannot write encrypted entries: set bit 0 of the general-purpose flags in
            # every local header (offset 6) and central directory entry (offset 8)
            for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
                at = data.find(sig)
                while at >= 0:
                    data[at + offset] |= 0x1
                    at = data.find(sig, at + 4)
        return bytes(data)
    with tarfile.open(fileobj=buf, mode="w:gz" if kind == "tgz" else "w") as t:
        for name, text in members.items():
            if isinstance(text, dict):  # a deeper archive: {type: tgz, members: {...}}
                data = _nested_archive(str(text.get("type", "tgz")), text.get("members") or {})
            else:
                data = str(text).encode()
            info = tarfile.TarInfo(str(name))
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _diff(expected: list[str], got: list[str]) -> str:
    lines = ["messages differ:"]
    for label, items in (("expected", expected), ("got", got)):
        lines.append(f"  {label} ({len(items)}):")
        lines.extend(f"    - {m}" for m in items)
        if not items:
            lines.append("    (none)")
    return "\n".join(lines)


def run_all(
    ruleset: RuleSet, directories: list[Path], only: set[str] | None = None
) -> list[CaseResult]:
    """Run every case file of the directories (only rules in `only`, when given)."""
    results: list[CaseResult] = []
    known = {r.id for r in ruleset.rules}
    for d in directories:
        if not d.is_dir():
            continue
        for f in case_files(d):
            try:
                data = load_case_file(f)
            except CaseFileError as exc:
                results.append(CaseResult(f.stem, "(file)", False, str(exc), str(f)))
                continue
            rid = data["rule"]
            if only is not None and rid not in only:
                continue
            if f.stem != rid:
                results.append(
                    CaseResult(rid, "(file)", False, f"{f}: file name must be {rid}.yaml", str(f))
                )
                continue
            if rid not in known:
                results.append(
                    CaseResult(rid, "(file)", False, f"{f}: no rule {rid} is loaded", str(f))
                )
                continue
            for name, case in data.items():
                if name == "rule":
                    continue
                results.append(run_case(ruleset, rid, str(name), case, str(f)))
    return results
