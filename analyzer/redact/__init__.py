"""One redaction layer for everything the analyzer prints or writes.

Secrets are replaced by consistent tokens (`<secret:db-password:1>`): the same value gets the
same token everywhere in one run, so relationships stay visible ("Quay uses the password from
config.yaml") while the value does not. Two sources of secrets:

- known fields, by key path, in the structured files of the bundle (Quay and Clair configs,
  container environments, Kubernetes Secrets; see `fields`), whose values are then replaced
  wherever they appear: a log line repeating a password is redacted too;
- shapes that are secrets wherever they appear (`patterns`): credentials in URIs, private
  key blocks, bcrypt hashes, authorization headers, cookies, AWS key ids, JWTs, `name=value`
  pairs whose name says secret, python-ldap's bind trace (Quay's USERS_DEBUG=1).

A value found by a pattern is learned too, so its later appearances without context are
replaced. Short or dictionary-like values ("quay", "password") are replaced only where their
context says they are secrets, never as bare words: replacing every "quay" in a report would
make it useless and would not hide anything.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from analyzer.redact.fields import Secret, env_secrets, walk_config, walk_k8s
from analyzer.redact.patterns import TOKEN_RE, find_secrets, is_token, placeholder

__all__ = [
    "TOKEN_RE",
    "Redactor",
    "collect",
    "collect_env",
    "from_parsed",
    "is_token",
    "label_for",
    "learn_from_records",
    "redact_result",
]

MIN_SECRET_LEN = 4  # shorter values are left to their context (a token would hide nothing)
_CACHE_MAX_LEN = 512
_CACHE_ENTRIES = 20_000
# A value replaced wherever it appears must not be an ordinary word or number.
_STRONG_MIN = 6
_WORDLIKE_MAX = 12


def strong(value: str) -> bool:
    """True when a value is distinctive enough to be replaced wherever it appears."""
    v = value.strip()
    if len(v) < _STRONG_MIN or v.isdigit():
        return False
    # "password", "changeme", "quayuser": words that occur in logs as words too
    return not (v.isalpha() and len(v) <= _WORDLIKE_MAX)


@dataclasses.dataclass
class Redactor:
    """Maps secret values to tokens; consistent within one run."""

    show_secrets: bool = False
    tokens: dict[str, str] = dataclasses.field(default_factory=dict)  # value -> token
    counters: dict[str, int] = dataclasses.field(default_factory=dict)
    # labels of the replacements made since the caller last reset it (for per-file counts)
    counts: Counter[str] = dataclasses.field(default_factory=Counter)
    _known: dict[str, None] = dataclasses.field(default_factory=dict)  # replaced everywhere
    _literals: dict[str, None] = dataclasses.field(default_factory=dict)  # only when quoted
    _known_re: re.Pattern[str] | None = None
    # short strings text() left unchanged (kinds, statuses, paths repeat a lot); emptied
    # whenever a new value is registered
    _cache: dict[str, str] = dataclasses.field(default_factory=dict)

    # -- registering -------------------------------------------------------------------------

    def token(self, value: str, label: str) -> str:
        """The token for a value (created on first use)."""
        tok = self.tokens.get(value)
        if tok is None:
            n = self.counters.get(label, 0) + 1
            self.counters[label] = n
            tok = f"<secret:{label}:{n}>"
            self.tokens[value] = tok
        return tok

    def add(self, value: Any, label: str) -> None:
        """Register a secret value found in a known field."""
        if not isinstance(value, str | int) or isinstance(value, bool):
            return
        text = str(value)
        if "\n" in text:
            # a multi-line secret (a key in a block scalar) appears line by line in files
            for part in text.splitlines():
                if len(part.strip()) >= 16:
                    self.add(part.strip(), label)
            return
        text = text.strip()
        if len(text) < MIN_SECRET_LEN or placeholder(text) or is_token(text):
            return
        self.token(text, label)
        if strong(text):
            if text not in self._known:
                self._known[text] = None
                self._known_re = None
                self._cache.clear()
        elif label.startswith("ldap-password") and text not in self._literals:
            # python-ldap's trace prints the bind password quoted on a line of its own
            self._literals[text] = None
            self._known_re = None
            self._cache.clear()

    def add_uri(self, value: Any, label: str) -> None:
        """Register the passwords inside a URI or libpq connection string."""
        from analyzer.redact.fields import uri_passwords

        if isinstance(value, str):
            for pw in uri_passwords(value):
                self.add(pw, label)

    def add_secret(self, s: Secret) -> None:
        self.add(s.value, s.label)

    def learn(self, s: str) -> None:
        """Register the secrets a text shows by its shape (without changing it)."""
        if not s or self.show_secrets:
            return
        for h in find_secrets(s):
            self.add(h.value(s), h.label)

    def mapping(self) -> dict[str, str]:
        """token -> value: the private map for the bundle's owner (`--map FILE`)."""
        return {tok: value for value, tok in self.tokens.items()}

    # -- replacing ---------------------------------------------------------------------------

    def _pattern(self) -> re.Pattern[str] | None:
        if self._known_re is None:
            alts = [re.escape(v) for v in sorted(self._known, key=len, reverse=True)]
            # weak values only as quoted literals: 'pw' or "pw", as pprint and YAML quote them
            for v in sorted(self._literals, key=len, reverse=True):
                alts.append(f"(?<=')(?:{re.escape(v)})(?=')")
                alts.append(f'(?<=")(?:{re.escape(v)})(?=")')
            if not alts:
                return None
            self._known_re = re.compile("|".join(alts))
        return self._known_re

    def _replace_known(self, s: str) -> str:
        pattern = self._pattern()
        if pattern is None:
            return s

        def sub(m: re.Match[str]) -> str:
            tok = self.tokens[m.group(0)]
            self.counts[_label_of(tok)] += 1
            return tok

        return pattern.sub(sub, s)

    def text(self, s: str) -> str:
        """Redact one string (identity with --show-secrets)."""
        if self.show_secrets or not s:
            return s
        cached = self._cache.get(s)
        if cached is not None:
            return cached
        out = self._text(s)
        if out is s and len(s) <= _CACHE_MAX_LEN:
            # only texts without a secret are remembered, so replacement counts stay exact
            if len(self._cache) >= _CACHE_ENTRIES:
                self._cache.clear()
            self._cache[s] = out
        return out

    def _text(self, s: str) -> str:
        replaced = self._replace_known(s)
        s = s if replaced == s else replaced
        hits = find_secrets(s)
        if not hits:
            return s
        out: list[str] = []
        pos = 0
        known_before = len(self._known)
        for h in hits:
            value = h.value(s)
            if len(value) < 1:
                continue
            self.add(value, h.label)
            tok = self.token(value, h.label)
            self.counts[_label_of(tok)] += 1
            out.append(s[pos : h.start])
            out.append(tok)
            pos = h.end
        out.append(s[pos:])
        result = "".join(out)
        if len(self._known) != known_before:
            # a value just learned from its context may appear again without context
            result = self._replace_known(result)
        return result

    def value(self, v: Any) -> Any:
        """Redact every string inside a JSON-like value."""
        if isinstance(v, str):
            return self.text(v)
        if isinstance(v, dict):
            return {k: self.value(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [self.value(x) for x in v]
        return v


def _label_of(token: str) -> str:
    return token[len("<secret:") :].rsplit(":", 1)[0]


def label_for(key: str) -> str | None:
    """The token label for a dotted config key, or None when its value is not a secret."""
    from analyzer.redact.fields import key_label

    return key_label(key.split("."))


def collect(redactor: Redactor, data: Any, prefix: str = "") -> list[Secret]:
    """Register the secrets of a configuration mapping by key path; returns what was found."""
    found = list(walk_config(data, tuple(prefix.split(".")) if prefix else ()))
    for s in found:
        redactor.add_secret(s)
    return found


def collect_env(redactor: Redactor, env: Any, prefix: str = "env") -> list[Secret]:
    """Register the secret values of an environment (mapping or NAME=value list)."""
    found = list(env_secrets(env, prefix))
    for s in found:
        redactor.add_secret(s)
    return found


def collect_k8s(redactor: Redactor, obj: Any) -> list[Secret]:
    """Register the secrets of Kubernetes objects (Secret data, env values)."""
    found = list(walk_k8s(obj))
    for s in found:
        redactor.add_secret(s)
    return found


def redact_result(result: Any, redactor: Redactor) -> Any:
    """A copy of a Result with every string passed through the redactor.

    Two passes: the first learns every secret the texts show by their shape, so the second
    also replaces their appearances that have no context (an excerpt that is only the value).
    """
    if redactor.show_secrets:
        return result
    _walk(result, redactor.learn)
    return _walk(result, redactor.text)


def _walk(obj: Any, fn: Any) -> Any:
    if isinstance(obj, str):
        return fn(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: _walk(getattr(obj, f.name), fn) for f in dataclasses.fields(obj)}
        return dataclasses.replace(obj, **changes)
    if isinstance(obj, dict):
        return {k: _walk(v, fn) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_walk(v, fn) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_walk(v, fn) for v in obj)
    return obj


def learn_from_records(records: Iterable[Any], redactor: Redactor) -> Iterable[Any]:
    """Pass log records through, registering the secrets their text shows by shape.

    Needed for secrets that appear once with context and elsewhere without: python-ldap's
    bind trace prints the password on a line of its own (USERS_DEBUG=1), and an excerpt may
    be that line alone.
    """
    for rec in records:
        text = getattr(rec, "text", "")
        if text and ("simple_bind" in text or "serPassword" in text):
            redactor.learn(text)
        yield rec


# Kinds whose parsed data holds configuration mappings read by key path.
_CONFIG_KINDS = ("quay_config", "clair_config", "quayregistry_cr", "manifest")


def from_parsed(
    parsed: dict[str, Iterable[Any]], show_secrets: bool = False, redactor: Redactor | None = None
) -> Redactor:
    """A redactor primed with the secrets of every structured artifact in the bundle."""
    r = redactor or Redactor(show_secrets=show_secrets)
    r.show_secrets = show_secrets
    for kind in _CONFIG_KINDS:
        for p in parsed.get(kind, []):
            collect(r, getattr(p, "data", None))
    if "quayregistry_cr" in parsed:
        for p in parsed["quayregistry_cr"]:
            data = getattr(p, "data", None)
            overrides = data.get("env_overrides") if isinstance(data, dict) else None
            if isinstance(overrides, dict):
                for env in overrides.values():
                    collect_env(r, env)
    for kind in ("container_inspect", "k8s_resource"):
        for p in parsed.get(kind, []):
            data = getattr(p, "data", None)
            if not isinstance(data, dict):
                continue
            containers = list(data.get("containers") or [])
            for item in data.get("items") or []:
                if isinstance(item, dict):
                    containers.extend(item.get("containers") or [])
            for c in containers:
                if isinstance(c, dict):
                    collect_env(r, c.get("env"))
    return r
