"""Loading rules: every file validated against schemas/rule.schema.json, then checked for
what a schema cannot say (file name, known artifact/fact, message placeholders, regexes,
references, ids). One invalid rule stops the run with a message naming the file, the JSON
path and what is allowed: a check that silently never runs is worse than no check.

Start-up cost: reading YAML, validating with jsonschema and parsing the message templates
is most of the time of a small run. A rule file that passed every check once is remembered
in a cache of validated rules (RuleCache), keyed by the file's bytes and everything its
checks depend on (the rule schema, the link table, the checking code); an unchanged file is
then built from the cached mapping without being checked again. A changed, new or invalid
file always goes through every check, with the same messages.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from analyzer.artifacts import safeload
from analyzer.engine import literals as lit
from analyzer.engine.units import human_bytes, human_duration, parse_seconds
from analyzer.model import ARTIFACT_KINDS, Reference, Severity
from analyzer.resources import load_schema, rules_dir

LEAF_KINDS = ("log", "value", "threshold", "problems", "schema", "status", "missing")
GROUP_KINDS = ("all", "any", "not")
RULE_ID = re.compile(r"^[A-Z]{2,5}[0-9]{3}$")
# condition ids become template names: these would shadow Jinja's words or the offered values
RESERVED_IDS = frozenset(
    {"none", "true", "false", "loop", "self", "varargs", "kwargs", "caller", "range", "namespace",
     "facts", "artifact", "count", "env", "and", "or", "not", "in", "is", "if", "else"}
)

# Facts the engine derives (analyzer/facts); rules may read them with `fact:`.
FACT_NAMES = ("bundle", "quay", "postgres", "clair", "connections", "logs", "containers", "config", "tls", "storage")

COMMON_PLACEHOLDERS = frozenset({"facts", "artifact", "count", "env"})
OFFERED: dict[str, frozenset[str]] = {
    "log": frozenset(
        {
            "count",
            "first_seen",
            "last_seen",
            "first",
            "last",
            "files",
            "programs",
            "groups",
            "group",
            "window_count",
            "within",
            "min_count",
            "matches",
            "span",
        }
    ),
    "value": frozenset({"path", "key", "value", "item", "matches", "keys", "values"}),
    "threshold": frozenset(
        {
            "path",
            "key",
            "value",
            "actual",
            "limit",
            "limit_text",
            "unit",
            "item",
            "human",
            "limit_human",
            "matches",
            "keys",
            "values",
        }
    ),
    "problems": frozenset(
        {"message", "key", "line", "code", "problems", "messages", "keys", "matches"}
    ),
    "schema": frozenset({"message", "key", "value", "matches", "messages"}),
    "status": frozenset({"path", "status", "reason", "paths", "matches"}),
    "missing": frozenset({"kinds", "titles", "commands", "podman", "oc"}),
}


class RuleError(Exception):
    """An invalid rule file; the run stops with exit code 2."""

    def __init__(self, file: Path | str, where: str, what: str) -> None:
        self.file = str(file)
        self.where = where
        self.what = what
        super().__init__(
            f"invalid rule: {self.file}: {where}: {what}"
            if where
            else f"invalid rule: {self.file}: {what}"
        )


@cache
def template_env() -> Any:
    """The Jinja2 environment of messages (built on first need: a clean bundle renders none)."""
    import jinja2

    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False
    )
    env.filters["bytes"] = human_bytes
    env.filters["duration"] = human_duration
    env.filters["pct"] = lambda v, digits=0: "unknown" if v is None else f"{float(v):.{digits}f}%"
    env.filters["plural"] = lambda n, word, many=None: word if n == 1 else (many or word + "s")
    return env



class LazyPattern:
    """A rule's regex, compiled on first use.

    Rules read from the cache of validated rules were compiled when they were checked; most
    runs then search with only a few of them, so the others are never compiled at all.
    """

    __slots__ = ("_flags", "_rx", "pattern")

    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern = pattern
        self._flags = flags
        self._rx: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._rx is None:
            self._rx = re.compile(self.pattern, self._flags)
        return self._rx

    def search(self, text: str, *args: int) -> re.Match[str] | None:
        return self.compiled.search(text, *args)

    def finditer(self, text: str, *args: int) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(text, *args)

    @property
    def flags(self) -> int:
        return self.compiled.flags

    @property
    def groupindex(self) -> Any:
        return self.compiled.groupindex


@dataclass(frozen=True, slots=True)
class Cond:
    """A compiled condition: a leaf of one kind, or all/any/not over children."""

    kind: str
    spec: Any
    artifact: str | None = None
    fact: str | None = None
    id: str | None = None
    children: tuple[Cond, ...] = ()
    regex: re.Pattern[str] | None = None
    literals: frozenset[str] | None = None
    path_re: re.Pattern[str] | None = None
    within_s: float | None = None
    index: int = 0  # position among the rule's leaves (log accumulators are keyed by it)
    ignore_case: bool = False  # the pattern matches case-insensitively (flag or inline (?i))
    universal: bool = False  # the pattern matches every text at its start, with no named group

    def leaves(self) -> Iterable[Cond]:
        if self.kind in GROUP_KINDS:
            for c in self.children:
                yield from c.leaves()
        else:
            yield self

    @property
    def source(self) -> str:
        return self.artifact or f"fact {self.fact}"


@dataclass(frozen=True, slots=True)
class VersionSpec:
    clauses: tuple[tuple[str, tuple[int, ...]], ...]

    def admits(self, version: tuple[int, ...]) -> bool:
        for op, ref in self.clauses:
            n = max(len(ref), 2)
            v = (version + (0, 0, 0))[:n]
            r = (ref + (0, 0, 0))[:n]
            ok = {
                "==": v == r,
                "!=": v != r,
                ">=": v >= r,
                "<=": v <= r,
                ">": v > r,
                "<": v < r,
            }[op]
            if not ok:
                return False
        return True

    def __str__(self) -> str:
        return ", ".join(f"{op}{'.'.join(map(str, ref))}" for op, ref in self.clauses)


def parse_version_spec(text: str) -> VersionSpec:
    clauses = []
    for m in re.finditer(r"(==|!=|>=|<=|>|<)\s*(\d+(?:\.\d+){1,2})", text):
        clauses.append((m.group(1), tuple(int(x) for x in m.group(2).split("."))))
    return VersionSpec(tuple(clauses))


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    severity: Severity
    category: str
    condition: Cond
    message: str
    remediation: tuple[str, ...]
    references: tuple[Reference, ...]
    file: str
    artifact: str | None = None
    fact: str | None = None
    why: str | None = None
    quay_versions: VersionSpec | None = None
    deployments: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    explains: tuple[str, ...] = ()
    max_evidence: int = 5
    builtin: bool = True
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    def render(self, template: str, values: dict[str, Any]) -> str:
        return _compiled(template).render(**values).strip()

    def kinds(self) -> set[str]:
        """Artifact kinds the rule reads."""
        out: set[str] = set()
        for leaf in self.condition.leaves():
            if leaf.kind == "missing":
                out.update(leaf.spec.get("kinds") or ([leaf.artifact] if leaf.artifact else []))
            elif leaf.artifact:
                out.add(leaf.artifact)
        return out


# Bumped when template_env's options (which shape the compiled code) change.
_TEMPLATE_CODE = "1:autoescape=0:keep_trailing_newline=0"


@cache
def _compiled(template: str) -> Any:
    """A message template, compiled once per run; its code is kept in the cache directory
    beside the validated rules, so later runs skip Jinja2's compiler (about 1 ms a template)."""
    import marshal
    import sys

    import jinja2

    env = template_env()
    folder = cache_directory()
    path = None
    if folder is not None:
        key = hashlib.sha256(
            f"{_TEMPLATE_CODE}\0{sys.version}\0{jinja2.__version__}\0{template}".encode()
        ).hexdigest()
        path = folder / "templates" / f"{key}.code"
        try:
            code = marshal.loads(path.read_bytes())
            return env.template_class.from_code(env, code, env.make_globals(None), None)
        except (OSError, ValueError, EOFError, TypeError):
            pass  # not cached yet, or unreadable: compile it
    code = env.compile(template)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tpl-", suffix=".code")
            with os.fdopen(fd, "wb") as fh:
                fh.write(marshal.dumps(code))
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written is simply not kept
    return env.template_class.from_code(env, code, env.make_globals(None), None)


@dataclass(frozen=True, slots=True)
class ArtifactInfo:
    kind: str
    title: str
    commands: dict[str, str]

    def command_lines(self) -> list[str]:
        return [f"{rt}: {cmd}" for rt, cmd in self.commands.items()]


@dataclass(slots=True)
class RuleSet:
    rules: list[Rule]
    links: dict[str, Reference]
    artifacts: dict[str, ArtifactInfo]
    cases_dirs: list[Path] = field(default_factory=list)

    def by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    @property
    def version(self) -> str:
        """A short fingerprint of the rule set, for the report."""
        import hashlib

        h = hashlib.sha256()
        for r in sorted(self.rules, key=lambda r: r.id):
            h.update(repr(sorted(r.raw.items(), key=lambda kv: kv[0])).encode())
        return f"{len(self.rules)} rules, {h.hexdigest()[:12]}"


def _yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(path, "", f"cannot be read: {exc}") from None
    try:
        return safeload.load_yaml(text).data
    except safeload.LoadError as exc:
        where = f"line {exc.line}" if exc.line else ""
        raise RuleError(path, where, exc.message) from None


def _data_file(path: Path, cache: RuleCache | None) -> Any:
    """A YAML data file of the rules directory, from the cache when its bytes are unchanged."""
    key = cache.key(path, True) if cache is not None else None
    if key is not None and cache is not None:
        hit = cache.get(key)
        if hit is not None and "data" in hit:
            return hit["data"]
    data = _yaml(path)
    if key is not None and cache is not None:
        cache.put(key, {"data": data})
    return data


def load_links(directory: Path, cache: RuleCache | None = None) -> dict[str, Reference]:
    path = directory / "_links.yaml"
    data = dict(_data_file(path, cache) or {})
    base = str(data.pop("_base", ""))
    links: dict[str, Reference] = {}
    for key, entry in data.items():
        if not isinstance(entry, dict) or "title" not in entry:
            raise RuleError(path, f"$.{key}", "each link needs a title and a page (or a url)")
        url = entry.get("url") or base + str(entry.get("page", ""))
        if entry.get("anchor"):
            url += "#" + str(entry["anchor"])
        links[str(key)] = Reference(str(entry["title"]), url)
    return links


def load_artifact_info(directory: Path, cache: RuleCache | None = None) -> dict[str, ArtifactInfo]:
    path = directory / "_artifacts.yaml"
    data = _data_file(path, cache) or {}
    out: dict[str, ArtifactInfo] = {}
    for kind, entry in data.items():
        cmds = {k: str(v) for k, v in entry.items() if k != "title"}
        out[str(kind)] = ArtifactInfo(str(kind), str(entry.get("title", kind)), cmds)
    return out


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = load_schema("rule.schema.json")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _json_path(parts: Iterable[Any]) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _schema_error(file: Path, data: Any) -> RuleError | None:
    errors = list(_validator().iter_errors(data))
    if not errors:
        return None

    def weight(e: Any) -> tuple[int, int]:
        # deepest first; a oneOf/anyOf wrapper says less than the error inside it
        return (len(list(e.absolute_path)), 0 if e.validator in ("oneOf", "anyOf") else 1)

    err = max(errors, key=weight)
    where = _json_path(err.absolute_path)
    if err.validator == "additionalProperties":
        allowed = sorted((err.schema.get("properties") or {}).keys())
        return RuleError(file, where, f"{err.message}; allowed: {', '.join(allowed)}")
    if err.validator == "oneOf" and isinstance(err.instance, dict) and "log" in str(err.schema):
        present = [k for k in (*LEAF_KINDS, *GROUP_KINDS) if k in err.instance]
        return RuleError(
            file,
            where,
            f"a condition takes exactly one of {', '.join((*LEAF_KINDS, *GROUP_KINDS))} (found: {', '.join(present) or 'none'})",
        )
    if err.validator == "oneOf" and where.startswith("$.references"):
        return RuleError(
            file,
            where,
            "a reference is a key of rules/_links.yaml or {title, url} with an https:// url",
        )
    if err.validator == "enum":
        return RuleError(
            file,
            where,
            f"{err.instance!r} is not allowed; allowed: {', '.join(map(str, err.validator_value))}",
        )
    if err.validator == "type" and where.startswith("$.remediation"):
        return RuleError(file, where, f"{err.message} (quote a step that contains ': ')")
    return RuleError(file, where, err.message)


def _placeholders(template: str, file: Path, where: str) -> set[str]:
    import jinja2
    import jinja2.meta

    try:
        ast = template_env().parse(template)
    except jinja2.TemplateSyntaxError as exc:
        raise RuleError(
            file, where, f"template syntax error: {exc.message} (line {exc.lineno})"
        ) from None
    return set(jinja2.meta.find_undeclared_variables(ast))


class _Builder:
    """Turns one validated rule mapping into a Rule, checking what the schema cannot."""

    def __init__(
        self,
        file: Path,
        links: dict[str, Reference],
        builtin: bool,
        checked: bool = False,
        derived: dict[str, Any] | None = None,
    ) -> None:
        self.file = file
        self.links = links
        self.builtin = builtin
        self.checked = checked  # the mapping passed every check before (RuleCache)
        self.leaf_count = 0
        # what log patterns imply (literals, case folding, universality), by leaf index: costly
        # to derive (regex parsing), so it is kept in the cache with the checked mapping
        self.derived: dict[str, Any] = dict(derived or {})

    def err(self, where: str, what: str) -> RuleError:
        return RuleError(self.file, where, what)

    def cond(
        self, spec: dict[str, Any], where: str, artifact: str | None, fact: str | None
    ) -> Cond:
        own_artifact = spec.get("artifact")
        own_fact = spec.get("fact")
        if own_artifact and own_fact:
            raise self.err(where, "a condition reads an artifact or a fact, not both")
        if own_artifact or own_fact:
            artifact, fact = own_artifact, own_fact
        if artifact and artifact not in ARTIFACT_KINDS:
            raise self.err(
                where + ".artifact" if own_artifact else "$.artifact",
                f"unknown artifact kind {artifact!r}; known: {', '.join(ARTIFACT_KINDS)}",
            )
        if fact and fact not in FACT_NAMES:
            raise self.err(
                where + ".fact" if own_fact else "$.fact",
                f"unknown fact {fact!r}; known: {', '.join(FACT_NAMES)}",
            )
        kind = next(k for k in (*LEAF_KINDS, *GROUP_KINDS) if k in spec)
        cid = spec.get("id")
        if cid in RESERVED_IDS:
            raise self.err(f"{where}.id", f"{cid!r} is a template word or a value name; choose another id")
        if kind in ("all", "any"):
            kids = tuple(
                self.cond(c, f"{where}.{kind}[{i}]", artifact, fact)
                for i, c in enumerate(spec[kind])
            )
            ids = [k.id for k in kids if k.id]
            if len(ids) != len(set(ids)):
                raise self.err(f"{where}.{kind}", "sub-condition ids must be unique")
            return Cond(kind, None, artifact, fact, cid, kids)
        if kind == "not":
            kid = self.cond(spec["not"], f"{where}.not", artifact, fact)
            return Cond(kind, None, artifact, fact, cid, (kid,))
        body = spec[kind]
        if kind == "missing":
            kinds = body.get("kinds") or ([artifact] if artifact else [])
            if not kinds:
                raise self.err(
                    f"{where}.missing", "name the kinds (kinds: [...]) or give the rule an artifact"
                )
            for k in (*kinds, *body.get("unless_any", [])):
                if k not in ARTIFACT_KINDS:
                    raise self.err(f"{where}.missing", f"unknown artifact kind {k!r}")
        elif not artifact and not fact:
            raise self.err(
                where,
                f"a {kind} condition needs an artifact or a fact (on the rule or the condition)",
            )
        if fact and kind in ("log", "problems", "schema", "status"):
            raise self.err(where, f"a {kind} condition reads an artifact, not a fact")
        index = self.leaf_count
        self.leaf_count += 1
        regex = path_re = None
        literals = None
        within = None
        ignore_case = universal = False
        known = self.derived.get(str(index)) if self.checked else None
        if kind == "log" and known is not None:
            # checked before: take what the pattern implies from the cache, compile on first use
            flags = re.IGNORECASE if body.get("ignore_case") else 0
            regex = LazyPattern(body["pattern"], flags)  # type: ignore[assignment]
            lits = known.get("literals")
            literals = frozenset(lits) if lits is not None else None
            ignore_case = bool(known.get("ignore_case"))
            universal = bool(known.get("universal"))
            if body.get("path"):
                path_re = re.compile(body["path"])
            if body.get("within"):
                within = parse_seconds(body["within"].replace("min", "m").replace("sec", "s"))
        elif kind == "log":
            if artifact not in ("quay_log", "pg_log", "clair_log", "redis_log"):
                raise self.err(
                    where,
                    f"a log condition needs a log artifact (quay_log, pg_log, clair_log, redis_log), not {artifact}",
                )
            flags = re.IGNORECASE if body.get("ignore_case") else 0
            try:
                regex = re.compile(body["pattern"], flags)
            except re.error as exc:
                raise self.err(f"{where}.log.pattern", f"regex does not compile: {exc}") from None
            derived = lit.required_literals(body["pattern"], bool(body.get("ignore_case")))
            user = body.get("literal")
            if user is not None:
                user_list = [user] if isinstance(user, str) else list(user)
                if not lit.implied(
                    user_list,
                    derived,
                    bool(body.get("ignore_case") or (regex.flags & re.IGNORECASE)),
                ):
                    raise self.err(
                        f"{where}.log.literal",
                        "every match of the pattern must contain one of the literals; "
                        f"derived from the pattern: {sorted(derived) if derived else 'nothing'}",
                    )
                literals = (
                    frozenset(u.lower() for u in user_list)
                    if regex.flags & re.IGNORECASE
                    else frozenset(user_list)
                )
            else:
                literals = derived
            if body.get("path"):
                try:
                    path_re = re.compile(body["path"])
                except re.error as exc:
                    raise self.err(f"{where}.log.path", f"regex does not compile: {exc}") from None
            if body.get("within"):
                within = parse_seconds(body["within"].replace("min", "m").replace("sec", "s"))
            group_by = body.get("group_by")
            if (
                group_by
                and group_by not in ("program", "path", "logger", "level", "sqlstate")
                and group_by not in regex.groupindex
            ):
                raise self.err(
                    f"{where}.log.group_by",
                    f"{group_by!r} is neither program, path, logger, level, sqlstate nor a named group of the pattern",
                )
        if kind == "value":
            op = body["op"]
            if op not in ("exists", "missing") and "value" not in body and "ref" not in body:
                raise self.err(f"{where}.value", f"operator {op!r} needs a value (or a ref path)")
            if "value" in body and "ref" in body:
                raise self.err(f"{where}.value", "give a value or a ref, not both")
            if op == "matches":
                try:
                    regex = re.compile(str(body["value"]))
                except re.error as exc:
                    raise self.err(
                        f"{where}.value.value", f"regex does not compile: {exc}"
                    ) from None
            if op in ("in", "not in") and "ref" not in body and not isinstance(body.get("value"), list):
                raise self.err(f"{where}.value.value", f"operator {op!r} needs a list")
        for i, t in enumerate(body.get("where") or [] if isinstance(body, dict) else []):
            if t["op"] == "matches":
                try:
                    re.compile(str(t.get("value")))
                except re.error as exc:
                    raise self.err(f"{where}.{kind}.where[{i}].value", f"regex does not compile: {exc}") from None
            elif t["op"] not in ("exists", "missing") and "value" not in t:
                raise self.err(f"{where}.{kind}.where[{i}]", f"operator {t['op']!r} needs a value")
        if kind == "threshold":
            from analyzer.engine.units import parse_in_unit

            if parse_in_unit(body["value"], body.get("unit")) is None:
                raise self.err(
                    f"{where}.threshold.value",
                    f"{body['value']!r} is not a number in unit {body.get('unit') or 'count'}",
                )
        if kind == "problems":
            for k in ("key", "message"):
                if body.get(k):
                    try:
                        re.compile(body[k])
                    except re.error as exc:
                        raise self.err(
                            f"{where}.problems.{k}", f"regex does not compile: {exc}"
                        ) from None
        if kind == "schema" and not self.checked:
            from jsonschema import Draft202012Validator
            from jsonschema.exceptions import SchemaError

            try:
                Draft202012Validator.check_schema(body)
            except SchemaError as exc:
                raise self.err(
                    f"{where}.schema", f"not a valid JSON Schema: {exc.message}"
                ) from None
        if kind == "log" and known is None and regex is not None:
            ignore_case = bool(regex.flags & re.IGNORECASE)
            universal = not regex.groupindex and lit.matches_everything(regex.pattern, regex.flags)
            self.derived[str(index)] = {
                "literals": sorted(literals) if literals is not None else None,
                "ignore_case": ignore_case,
                "universal": universal,
            }
        return Cond(
            kind, body, artifact, fact, cid, (), regex, literals, path_re, within, index,
            ignore_case, universal,
        )

    def offered(self, c: Cond) -> set[str]:
        if c.kind in ("all", "any"):
            out = {k.id for k in c.children if k.id}
            return out | {"count"}
        if c.kind == "not":
            return set()
        names = set(OFFERED[c.kind])
        if c.kind == "log" and c.regex is not None and not self.checked:
            names |= set(c.regex.groupindex)
        return names

    def build(self, data: dict[str, Any]) -> Rule:
        rid = data["id"]
        if not self.file.name.startswith(rid + "-") and self.file.stem != rid:
            raise self.err("$.id", f"file name must start with the rule id: {rid}-<slug>.yaml")
        cond = self.cond(data["condition"], "$.condition", data.get("artifact"), data.get("fact"))
        offered = self.offered(cond) | COMMON_PLACEHOLDERS
        templates = [("$.message", data["message"])] + [
            (f"$.remediation[{i}]", s) for i, s in enumerate(data["remediation"])
        ]
        for where, template in [] if self.checked else templates:
            used = _placeholders(template, self.file, where)
            # names starting with '_' are the template's own scratch variables ({% set _x = ... %})
            unknown = sorted(u for u in used - offered if not u.startswith("_"))
            if unknown:
                raise self.err(where, f"uses {unknown}; offered: {sorted(offered)}")
        refs: list[Reference] = []
        for i, ref in enumerate(data["references"]):
            if isinstance(ref, str):
                if ref not in self.links:
                    raise self.err(
                        f"$.references[{i}]",
                        f"unknown link key {ref!r}; keys are in rules/_links.yaml",
                    )
                refs.append(self.links[ref])
            else:
                refs.append(Reference(ref["title"], ref["url"]))
        applies = data.get("applies_to") or {}
        versions = parse_version_spec(applies["quay"]) if applies.get("quay") else None
        return Rule(
            id=rid,
            title=data["title"],
            severity=Severity.parse(data["severity"]),
            category=data["category"],
            condition=cond,
            message=data["message"],
            remediation=tuple(data["remediation"]),
            references=tuple(refs),
            file=str(self.file),
            artifact=data.get("artifact"),
            fact=data.get("fact"),
            why=data.get("why"),
            quay_versions=versions,
            deployments=tuple(applies.get("deployment") or ()),
            tags=tuple(data.get("tags") or ()),
            explains=tuple(data.get("explains") or ()),
            max_evidence=int(data.get("max_evidence", 5)),
            builtin=self.builtin,
            raw=data,
        )


def load_rule_file(
    file: Path, links: dict[str, Reference], builtin: bool = True, cache: RuleCache | None = None
) -> Rule:
    key = cache.key(file, builtin) if cache is not None else None
    if key is not None and cache is not None:
        cached = cache.get(key)
        if cached is not None and isinstance(cached.get("rule"), dict):
            builder = _Builder(file, links, builtin, checked=True, derived=cached.get("derived"))
            return builder.build(cached["rule"])
    data = _yaml(file)
    if not isinstance(data, dict):
        raise RuleError(file, "$", "a rule file is a YAML mapping")
    problem = _schema_error(file, data)
    if problem:
        raise problem
    builder = _Builder(file, links, builtin)
    rule = builder.build(data)
    if key is not None and cache is not None:
        cache.put(key, {"rule": data, "derived": builder.derived})
    return rule


CACHE_ENV = "ANALYZER_RULE_CACHE"  # a directory for the cache of validated rules, or "off"
# what a rule's checks depend on besides its own file
_CHECK_SOURCES = ("engine/rules.py", "engine/literals.py", "engine/units.py", "model.py")


def cache_directory() -> Path | None:
    """Where validated rules and compiled templates are kept; None when caching is off."""
    where = os.environ.get(CACHE_ENV)
    if where is not None and where.strip().lower() in ("off", "0", "no", ""):
        return None
    if where:
        return Path(where)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "quay-bundle-analyzer"


class RuleCache:
    """Rule files that passed every check, by a hash of their bytes and of what checked them."""

    def __init__(self, directory: Path, salt: str) -> None:
        self.path = directory / "validated-rules.json"
        self.salt = salt
        self.entries: dict[str, Any] = {}
        self.dirty = False
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict) and loaded.get("salt") == salt:
                entries = loaded.get("rules")
                if isinstance(entries, dict):
                    self.entries = entries
        except (OSError, ValueError):
            pass

    @classmethod
    def open(cls, links_file: Path) -> RuleCache | None:
        """The cache for rules checked against these links, or None when caching is off."""
        directory = cache_directory()
        if directory is None:
            return None
        h = hashlib.sha256()
        package = Path(__file__).resolve().parent.parent
        try:
            for rel in _CHECK_SOURCES:
                h.update((package / rel).read_bytes())
            h.update(json.dumps(load_schema("rule.schema.json"), sort_keys=True).encode())
            h.update(links_file.read_bytes())
        except (OSError, ValueError):
            return None
        return cls(directory, h.hexdigest())

    def key(self, file: Path, builtin: bool) -> str | None:
        try:
            raw = file.read_bytes()
        except OSError:
            return None
        h = hashlib.sha256(raw)
        h.update(f"\0{file.name}\0{builtin}".encode())
        return h.hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        value = self.entries.get(key)
        return value if isinstance(value, dict) else None

    def put(self, key: str, data: dict[str, Any]) -> None:
        try:
            same = json.loads(json.dumps(data)) == data
        except (TypeError, ValueError):
            same = False
        if same:  # only JSON-exact mappings: what is read back must be what was checked
            self.entries[key] = data
            self.dirty = True

    def save(self) -> None:
        """Write the cache (atomically; a cache that cannot be written is simply not kept)."""
        if not self.dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".rules-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"salt": self.salt, "rules": self.entries}, fh)
            os.replace(tmp, self.path)
        except OSError:
            return
        self.dirty = False


def rule_files(directory: Path) -> list[Path]:
    """Rule files under a directory: *.yaml not starting with '_', outside cases/ folders."""
    out = []
    for p in sorted(directory.rglob("*.y*ml")):
        rel = p.relative_to(directory).parts
        if p.name.startswith("_") or "cases" in rel[:-1] or p.suffix not in (".yaml", ".yml"):
            continue
        out.append(p)
    return out


def load_rules(extra_dirs: Iterable[Path] = (), builtin_dir: Path | None = None) -> RuleSet:
    base = builtin_dir or rules_dir()
    cache = RuleCache.open(base / "_links.yaml")
    links = load_links(base, cache)
    artifacts = load_artifact_info(base, cache)
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    sources: list[tuple[Path, bool]] = [(base, True)] + [(Path(d), False) for d in extra_dirs]
    for directory, builtin in sources:
        if not directory.is_dir():
            raise RuleError(directory, "", "not a directory")
        files = rule_files(directory)
        if not builtin and not files:
            raise RuleError(directory, "", "no rule files (<ID>-<slug>.yaml) in this directory")
        for f in files:
            rule = load_rule_file(f, links, builtin, cache)
            if rule.id in seen:
                what = (
                    "a built-in rule"
                    if not builtin and seen[rule.id].startswith(str(base))
                    else seen[rule.id]
                )
                raise RuleError(
                    f, "$.id", f"id {rule.id} is already used by {what}; ids are never reused"
                )
            seen[rule.id] = str(f)
            rules.append(rule)
    by_id = {r.id: r for r in rules}
    for r in rules:
        for i, other in enumerate(r.explains):
            if other not in by_id:
                raise RuleError(r.file, f"$.explains[{i}]", f"no rule with id {other}")
            if by_id[other].severity > r.severity:
                raise RuleError(
                    r.file,
                    f"$.explains[{i}]",
                    f"a root cause is at least as severe as what it explains: {r.id} is {r.severity.label}, "
                    f"{other} is {by_id[other].severity.label}",
                )
    if cache is not None:
        cache.save()
    cases = [rule_cases_for(base)] + [Path(d) / "cases" for d, _ in sources[1:]]
    return RuleSet(rules=rules, links=links, artifacts=artifacts, cases_dirs=cases)


def rule_cases_for(builtin_dir: Path) -> Path:
    from analyzer.resources import rule_cases_dir

    return rule_cases_dir()
