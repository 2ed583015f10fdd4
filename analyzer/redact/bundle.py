"""A sanitized copy of a bundle: same layout, secrets replaced by tokens, then re-scanned.

`redact_bundle(src, dest)` reads the bundle twice through the safe reader (never extracting
it). The first pass parses the structured files that name secrets by key (Quay and Clair
configs, Kubernetes objects, container inspect output) and registers their values; the second
writes every member line by line through the redactor into a gzip-compressed tar at `dest`,
nested archives repacked in place and compressed files compressed again. Then the result is
read back and re-scanned: anything secret-looking left (a pattern outside a token, a known
value, a known config field not holding a token) makes the report unclean, and the caller
(`analyze redact`) removes the output unless told to keep it.

What is not copied: links (inside the bundle the target is copied anyway; outside, it must
not be), device files and FIFOs, paths leaving the bundle, archives nested beyond the depth
limit. Each is listed in the report.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import json
import lzma
import os
import re
import tarfile
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from analyzer.artifacts import safeload
from analyzer.artifacts.base import head_then_rest
from analyzer.artifacts.classify import SNIFF_BYTES, classify
from analyzer.bundle import ARCHIVE_SEP, Bundle, Limits, Member
from analyzer.redact import Redactor
from analyzer.redact.fields import Secret, env_secrets, walk_config, walk_k8s
from analyzer.redact.patterns import (
    ENV_NAME_LINE,
    ENV_VALUE_LINE,
    TOKEN_RE,
    find_secrets,
    is_token,
    label_for_name,
    placeholder,
    secret_env_name,
)

# Kinds whose files are parsed in the first pass to learn secrets by key path.
_CONFIG_KINDS = frozenset({"quay_config", "clair_config"})
_OBJECT_KINDS = frozenset(
    {"quayregistry_cr", "k8s_resource", "container_inspect", "container_list", "manifest"}
)
_STRUCTURED_SUFFIXES = (".yaml", ".yml", ".json")
_PEM_BEGIN = re.compile(r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----")
_PEM_BODY = re.compile(r"^[\s\"']*[A-Za-z0-9+/=:,\-\\ ]*[\"',]*\s*$")
_PEM_MAX_LINES = 2000
_WINDOW = 8  # lines held after a python-ldap bind trace line (its arguments follow)


@dataclass(slots=True)
class FileReport:
    """What happened to one member: the replacements made (counts by label) or why not copied."""

    path: str
    replaced: Counter[str] = field(default_factory=Counter)
    dropped: str | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "replaced": dict(sorted(self.replaced.items()))}
        if self.dropped:
            out["dropped"] = self.dropped
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class Leftover:
    """Something secret-looking the re-scan found in the output (never its value)."""

    path: str
    line: int | None
    label: str


@dataclass(slots=True)
class RedactReport:
    source: str
    dest: str
    files: list[FileReport] = field(default_factory=list)
    leftovers: list[Leftover] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)  # what the reader refused or cut
    tokens: int = 0
    map_file: str | None = None

    @property
    def clean(self) -> bool:
        return not self.leftovers

    def totals(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for f in self.files:
            total.update(f.replaced)
        return total

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dest": self.dest,
            "clean": self.clean,
            "tokens": self.tokens,
            "replaced": dict(sorted(self.totals().items())),
            "files": [f.to_json() for f in self.files],
            "leftovers": [
                {"path": x.path, "line": x.line, "label": x.label} for x in self.leftovers
            ],
            "issues": list(self.issues),
            "map_file": self.map_file,
        }


# -- pass 1: learn the secrets of structured files --------------------------------------------


@dataclass(slots=True)
class _Targets:
    """Secrets found by key path, by member and line: replaced there even when short."""

    by_member: dict[str, dict[int, list[Secret]]] = field(default_factory=dict)
    fields: dict[str, list[Secret]] = field(default_factory=dict)  # config fields, for the re-scan

    def add(self, member: str, line: int | None, s: Secret) -> None:
        if line is None:
            return
        self.by_member.setdefault(member, {}).setdefault(line, []).append(s)


def _structured(kind: str, path: str) -> bool:
    return (
        kind in _CONFIG_KINDS
        or kind in _OBJECT_KINDS
        or (kind == "unrecognized" and path.lower().endswith(_STRUCTURED_SUFFIXES))
    )


def _docs(text: str) -> list[tuple[Any, dict[str, int]]]:
    """The documents of a YAML or JSON text with their key lines (none for JSON)."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped[:1] in "[{":
        with contextlib.suppress(safeload.LoadError):
            return [(safeload.load_json(text), {})]
    try:
        return [(d.data, d.locations) for d in safeload.load_yaml_all(text)]
    except safeload.LoadError:
        return []


def _object_secrets(data: Any) -> Iterator[Secret]:
    """Secrets of Kubernetes objects and inspect output (env lists included)."""
    yield from walk_k8s(data)
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        node, prefix = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                key = f"{prefix}.{k}" if prefix else str(k)
                if str(k).lower() == "env" and isinstance(v, list) and v and isinstance(v[0], str):
                    yield from env_secrets(v, key)
                elif isinstance(v, dict | list):
                    stack.append((v, key))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                if isinstance(v, dict | list):
                    stack.append((v, f"{prefix}.{i}" if prefix else str(i)))


def _learn(bundle: Bundle, redactor: Redactor, limits: Limits) -> _Targets:
    targets = _Targets()
    for member in bundle.members():
        if member.skipped is not None:
            continue
        stream = member.open()
        try:
            head = stream.read(SNIFF_BYTES)
            kind = classify(member.path, head).kind
            if not _structured(kind, member.path):
                continue
            data = head + stream.read(max(limits.max_structured_bytes + 1 - len(head), 0))
        except OSError:
            continue
        if len(data) > limits.max_structured_bytes:
            continue
        text = data.decode("utf-8", errors="replace")
        for doc, locations in _docs(text):
            found = list(walk_config(doc)) if kind in _CONFIG_KINDS else []
            found += list(_object_secrets(doc))
            for s in found:
                redactor.add_secret(s)
                targets.add(member.path, _line(locations, s.path), s)
            if kind in _CONFIG_KINDS:
                targets.fields.setdefault(member.path, []).extend(found)
    return targets


def _line(locations: dict[str, int], path: str) -> int | None:
    probe = path
    while probe:
        if probe in locations:
            return locations[probe]
        probe = probe.rpartition(".")[0]
    return None


# -- pass 2: write the redacted copy -----------------------------------------------------------


class _LineRedactor:
    """Redacts one member line by line, with the little state some secrets need.

    A PEM private key spans lines (its body becomes one token line); python-ldap's bind trace
    prints the password lines after the call (held back a few lines and redacted together);
    a Kubernetes env entry names the variable on one line and holds its value on the next.
    """

    def __init__(self, redactor: Redactor, targets: dict[int, list[Secret]]) -> None:
        self.r = redactor
        self.targets = targets
        self.pem: list[bytes] | None = None
        self.pem_indent = b""
        self.window: list[tuple[int, bytes]] = []
        self.env_name: str | None = None

    def feed(self, lineno: int, raw: bytes) -> Iterator[bytes]:
        """Lines to write (with their line ends) for one input line."""
        if self.pem is not None:
            yield from self._pem_line(lineno, raw)
            return
        if self.window:
            self.window.append((lineno, raw))
            if len(self.window) > _WINDOW or b"{})" in raw:
                yield from self._flush_window()
            return
        text = _text(raw)
        if "simple_bind" in text:
            self.window = [(lineno, raw)]
            return
        m = _PEM_BEGIN.search(text)
        if m and "PRIVATE KEY-----" not in text[m.end() :] and "\\n" not in text[m.end() :]:
            self.pem = []
            yield _bytes(self._line(lineno, text))
            return
        yield _bytes(self._line(lineno, text))

    def close(self) -> Iterator[bytes]:
        if self.window:
            yield from self._flush_window()
        if self.pem is not None:
            yield from self._pem_end(None)

    def _line(self, lineno: int, text: str) -> str:
        body, end = _split_end(text)
        for s in self.targets.get(lineno, ()):
            body = _replace_field(body, s, self.r)
        env = ENV_NAME_LINE.match(body)
        if env is None and self.env_name is not None:
            v = ENV_VALUE_LINE.match(body)
            if v and v.group("v") and not placeholder(v.group("v")):
                value = v.group("v")
                a, b = _inner(value)
                if value[a:b] and not is_token(value[a:b]):
                    self.r.add(value[a:b], label_for_name(self.env_name))
                    tok = self.r.token(value[a:b], label_for_name(self.env_name))
                    self.r.counts[_label(tok)] += 1
                    body = body[: v.start("v")] + value[:a] + tok + value[b:] + body[v.end("v") :]
        self.env_name = env.group("name") if env and secret_env_name(env.group("name")) else None
        return self.r.text(body) + end

    def _flush_window(self) -> Iterator[bytes]:
        lines = [_text(raw) for _n, raw in self.window]
        first = self.window[0][0]
        self.window = []
        bodies, ends = zip(*(_split_end(t) for t in lines), strict=True)
        joined = self.r.text("\n".join(bodies))
        out = joined.split("\n")
        if len(out) != len(bodies):  # cannot happen (tokens hold no newline); stay safe
            out = [self.r.text(b) for b in bodies]
        for i, (body, end) in enumerate(zip(out, ends, strict=True)):
            for s in self.targets.get(first + i, ()):
                body = _replace_field(body, s, self.r)
            yield _bytes(body + end)

    def _pem_line(self, lineno: int, raw: bytes) -> Iterator[bytes]:
        assert self.pem is not None
        text = _text(raw)
        if "-----END" in text and "PRIVATE KEY-----" in text:
            yield from self._pem_end(raw)
            return
        if len(self.pem) >= _PEM_MAX_LINES or not _PEM_BODY.match(text):
            # not a key body after all (or an endless one): end the block here
            yield from self._pem_end(None)
            yield from self.feed(lineno, raw)
            return
        if not self.pem:
            self.pem_indent = raw[: len(raw) - len(raw.lstrip(b" \t"))]
        self.pem.append(raw)

    def _pem_end(self, end_line: bytes | None) -> Iterator[bytes]:
        body = b"".join(self.pem or [])
        self.pem = None
        if body.strip():
            value = body.decode("utf-8", errors="surrogateescape").strip()
            tok = self.r.token(value, "private-key")
            self.r.counts["private-key"] += 1
            yield self.pem_indent + tok.encode() + b"\n"
        if end_line is not None:
            yield end_line


def _label(token: str) -> str:
    return token[len("<secret:") :].rsplit(":", 1)[0]


def _text(raw: bytes) -> str:
    # surrogateescape keeps invalid UTF-8 bytes as they were through the round trip
    return raw.decode("utf-8", errors="surrogateescape")


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogateescape")


def _split_end(text: str) -> tuple[str, str]:
    if text.endswith("\r\n"):
        return text[:-2], "\r\n"
    if text.endswith("\n"):
        return text[:-1], "\n"
    return text, ""


def _inner(value: str) -> tuple[int, int]:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return 1, len(value) - 1
    return 0, len(value)


_FIELD = re.compile(
    r"""^(?P<pre>\s*-?\s*["']?(?P<key>[^:"'\s]+)["']?\s*:\s*)(?P<v>.+?)(?P<post>\s*,?\s*)$"""
)


def _replace_field(body: str, s: Secret, r: Redactor) -> str:
    """Replace a known secret in the value part of the line that holds its key.

    Short values too: a password "quay" is replaced here, where the key says it is one, and
    nowhere else. A password inside a URI is left to the URI patterns, which replace only the
    password's position (the user and database are often spelled the same).
    """
    if s.value != s.whole or is_token(s.value):
        return body
    m = _FIELD.match(body)
    if m is None or m.group("key") != s.path.rsplit(".", 1)[-1]:
        return body
    value = m.group("v")
    if is_token(value.strip("'\"")) or value.strip() in ("|", ">", "|-", ">-", "|+", ">+"):
        return body
    tok = r.token(s.value, s.label)
    r.counts[_label(tok)] += 1
    if s.value in value:
        value = value.replace(s.value, tok)
    else:  # spelled with escapes or quotes the loader removed: replace the whole scalar
        a, b = _inner(value)
        value = value[:a] + tok + value[b:]
    return body[: m.start("v")] + value + body[m.end("v") :]


def _raw_lines(stream: IO[bytes], cap: int) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, line with its end, cut) of a stream; a line over `cap` bytes is cut."""
    lineno = 0
    carry = b""
    skipping = False
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            break
        start = 0
        while True:
            nl = chunk.find(b"\n", start)
            if nl < 0:
                rest = chunk[start:]
                if not skipping:
                    if len(carry) + len(rest) > cap:
                        lineno += 1
                        yield lineno, (carry + rest)[:cap] + b"\n", True
                        carry = b""
                        skipping = True
                    else:
                        carry += rest
                break
            piece = chunk[start : nl + 1]
            start = nl + 1
            if skipping:
                skipping = False
                continue
            line = carry + piece
            carry = b""
            lineno += 1
            if len(line) > cap + 1:
                yield lineno, line[:cap] + b"\n", True
            else:
                yield lineno, line, False
    if carry and not skipping:
        yield lineno + 1, carry, False


# -- archive writers -------------------------------------------------------------------------


class _Sink:
    """One archive being written: the output bundle or an archive nested in it."""

    def __init__(
        self, name: str, prefix: str, tmpdir: str, target: IO[bytes] | None = None
    ) -> None:
        self.name = name  # the member name in the parent archive ("" for the output)
        self.prefix = prefix  # bundle paths of its members start with this
        low = name.lower()
        self.fmt = (
            "zip"
            if low.endswith(".zip")
            else "xz"
            if low.endswith((".tar.xz", ".txz"))
            else "bz2"
            if low.endswith((".tar.bz2", ".tbz", ".tbz2"))
            else "tar"
            if low.endswith(".tar")
            else "gz"
        )
        if target is None:
            fd, self.path = tempfile.mkstemp(dir=tmpdir, suffix=".part")
            self.file: IO[bytes] = os.fdopen(fd, "w+b")
        else:
            self.path = ""
            self.file = target
        self.zip: zipfile.ZipFile | None = None
        self.tar: tarfile.TarFile | None = None
        if self.fmt == "zip":
            self.zip = zipfile.ZipFile(self.file, "w", zipfile.ZIP_DEFLATED)
        else:
            mode = {"gz": "w:gz", "xz": "w:xz", "bz2": "w:bz2", "tar": "w"}[self.fmt]
            self.tar = tarfile.open(fileobj=self.file, mode=mode)  # noqa: SIM115 - closed in close()

    def add(self, name: str, data: IO[bytes], size: int) -> None:
        data.seek(0)
        if self.zip is not None:
            with self.zip.open(name, "w", force_zip64=size > (1 << 31)) as out:
                while chunk := data.read(1 << 20):
                    out.write(chunk)
            return
        assert self.tar is not None
        info = tarfile.TarInfo(name)
        info.size = size
        info.mode = 0o644
        self.tar.addfile(info, data)

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()
        if self.tar is not None:
            self.tar.close()
        self.file.flush()


def _compress(name: str, data: IO[bytes], tmpdir: str) -> IO[bytes]:
    """Compress a redacted single file again the way its name says it was."""
    low = name.lower()
    opener: Any = (
        gzip.GzipFile
        if low.endswith(".gz")
        else lzma.LZMAFile
        if low.endswith(".xz")
        else bz2.BZ2File
    )
    out = tempfile.TemporaryFile(dir=tmpdir)  # noqa: SIM115 - returned to the caller
    data.seek(0)
    if opener is gzip.GzipFile:
        z: Any = gzip.GzipFile(fileobj=out, mode="wb", mtime=0)
    else:
        z = opener(out, "wb")
    with z:
        while chunk := data.read(1 << 20):
            z.write(chunk)
    return out


# -- the whole run ---------------------------------------------------------------------------


def redact_bundle(
    src: Path,
    dest: Path,
    *,
    map_file: Path | None = None,
    limits: Limits | None = None,
) -> RedactReport:
    """Write a redacted copy of `src` to `dest` (a .tgz) and re-scan it.

    Raises BundleError when `src` cannot be read at all. The caller decides what to do with an
    unclean result (`report.clean` false); `dest` is written either way.
    """
    limits = limits or Limits()
    report = RedactReport(source=str(src), dest=str(dest))
    redactor = Redactor()
    with Bundle(src, limits) as bundle:
        targets = _learn(bundle, redactor, limits)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = dest.with_name(f".{dest.name}.part{os.getpid()}")
    try:
        with tempfile.TemporaryDirectory(prefix="analyze-redact-") as tmpdir:
            with open(tmp_out, "wb") as out:
                _write(src, out, redactor, targets, limits, report, tmpdir)
            os.replace(tmp_out, dest)
    finally:
        with contextlib.suppress(OSError):
            tmp_out.unlink()
    report.tokens = len(redactor.tokens)
    if map_file is not None:
        _write_map(map_file, redactor)
        report.map_file = str(map_file)
    report.leftovers = rescan(dest, redactor, targets, limits)
    return report


def _write(
    src: Path,
    out: IO[bytes],
    redactor: Redactor,
    targets: _Targets,
    limits: Limits,
    report: RedactReport,
    tmpdir: str,
) -> None:
    stack = [_Sink("bundle.tgz", "", tmpdir, target=out)]
    with Bundle(src, limits) as bundle:
        for member in bundle.members():
            while len(stack) > 1 and not member.path.startswith(stack[-1].prefix):
                _pop(stack)
            if member.skipped is not None:
                if member.skipped_code == "archive":
                    stack.append(
                        _Sink(_local(member.path, stack[-1]), member.path + ARCHIVE_SEP, tmpdir)
                    )
                    continue
                report.files.append(FileReport(member.path, dropped=member.skipped))
                continue
            report.files.append(_copy(member, stack[-1], redactor, targets, limits, tmpdir))
        while len(stack) > 1:
            _pop(stack)
        report.issues = [f"{i.path}: {i.message}" for i in bundle.issues]
    stack[0].close()


def _local(path: str, sink: _Sink) -> str:
    return path[len(sink.prefix) :] if sink.prefix else path


def _pop(stack: list[_Sink]) -> None:
    inner = stack.pop()
    inner.close()
    size = inner.file.seek(0, os.SEEK_END)
    stack[-1].add(inner.name, inner.file, size)
    inner.file.close()
    with contextlib.suppress(OSError):
        os.unlink(inner.path)


def _copy(
    member: Member,
    sink: _Sink,
    redactor: Redactor,
    targets: _Targets,
    limits: Limits,
    tmpdir: str,
) -> FileReport:
    fr = FileReport(member.path)
    redactor.counts.clear()
    lr = _LineRedactor(redactor, targets.by_member.get(member.path, {}))
    cut = 0
    with tempfile.SpooledTemporaryFile(max_size=8 << 20, dir=tmpdir) as buf:
        stream = member.open()
        for lineno, raw, was_cut in _raw_lines(stream, limits.max_line_bytes):
            cut += was_cut
            for piece in lr.feed(lineno, raw):
                buf.write(piece)
        for piece in lr.close():
            buf.write(piece)
        data: IO[bytes] = buf  # type: ignore[assignment]
        name = _local(member.path, sink)
        if member.compressed and name.lower().endswith((".gz", ".xz", ".bz2")):
            data = _compress(name, buf, tmpdir)  # type: ignore[arg-type]
        size = data.seek(0, os.SEEK_END)
        sink.add(name, data, size)
        if data is not buf:
            data.close()
    fr.replaced = Counter(redactor.counts)
    notes = []
    if member.cut:
        notes.append(f"only partly copied: {member.cut}")
    if cut:
        notes.append(
            f"{cut} {'line' if cut == 1 else 'lines'} longer than {limits.max_line_bytes} bytes cut"
        )
    fr.note = "; ".join(notes) or None
    return fr


def _write_map(path: Path, redactor: Redactor) -> None:
    """The private token -> value map, readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(redactor.mapping(), fh, indent=2, sort_keys=True)
        fh.write("\n")


# -- the re-scan -------------------------------------------------------------------------------


def rescan(
    path: Path,
    redactor: Redactor | None = None,
    targets: _Targets | None = None,
    limits: Limits | None = None,
) -> list[Leftover]:
    """Secret-looking things left in a (redacted) bundle; values are never returned."""
    limits = limits or Limits()
    known = [v for v in (redactor.tokens if redactor else {}) if len(v) >= 8 and "\n" not in v]
    known_re = (
        re.compile("|".join(re.escape(v) for v in sorted(known, key=len, reverse=True)))
        if known
        else None
    )
    found: list[Leftover] = []
    with Bundle(path, limits) as bundle:
        for member in bundle.members():
            if member.skipped is not None:
                continue
            stream = member.open()
            head = stream.read(SNIFF_BYTES)
            kind = classify(member.path, head).kind
            chained = head_then_rest(head, stream)
            in_pem = False
            window: list[tuple[int, str]] = []  # lines after a python-ldap bind trace line
            structured = bytearray() if kind in _CONFIG_KINDS else None
            for lineno, raw, _cut in _raw_lines(chained, limits.max_line_bytes):  # type: ignore[arg-type]
                if structured is not None and len(structured) <= limits.max_structured_bytes:
                    structured += raw
                text = _text(raw)
                if window or "simple_bind" in text:
                    window.append((lineno, text))
                    if len(window) > _WINDOW or "{})" in text:
                        found.extend(_window_leftovers(member.path, window))
                        window = []
                if in_pem:
                    in_pem = False
                    if text.strip() and not TOKEN_RE.search(text) and "-----END" not in text:
                        found.append(Leftover(member.path, lineno, "private-key"))
                for h in find_secrets(text):
                    found.append(Leftover(member.path, lineno, h.label))
                if known_re is not None and known_re.search(TOKEN_RE.sub("", text)):
                    found.append(Leftover(member.path, lineno, "known-secret"))
                m = _PEM_BEGIN.search(text)
                if m and "PRIVATE KEY-----" not in text[m.end() :]:
                    in_pem = True
            if window:
                found.extend(_window_leftovers(member.path, window))
            if structured is not None and len(structured) <= limits.max_structured_bytes:
                found.extend(_config_leftovers(member.path, bytes(structured)))
    return found


def _window_leftovers(path: str, window: list[tuple[int, str]]) -> list[Leftover]:
    """Secrets that only show across lines (a bind password below its trace line)."""
    joined = "\n".join(_split_end(t)[0] for _n, t in window)
    out = []
    for h in find_secrets(joined):
        if h.label.startswith("ldap-password"):
            out.append(Leftover(path, window[joined.count("\n", 0, h.start)][0], h.label))
    return out


def _config_leftovers(path: str, data: bytes) -> list[Leftover]:
    """Known secret fields of a config that hold anything but a token."""
    out: list[Leftover] = []
    for doc, locations in _docs(data.decode("utf-8", errors="replace")):
        for s in walk_config(doc):
            if (
                not is_token(s.value)
                and not placeholder(s.value)
                and not TOKEN_RE.fullmatch(s.value)
            ):
                out.append(Leftover(path, _line(locations, s.path), s.label))
    return out
