"""The pg_conf kind: postgresql.conf read the way the PostgreSQL server reads it.

This module owns four things, each modelled on the server's own code (PostgreSQL 15):

* the lexer of `guc-file.l` (longest match, ties to the earlier rule): names, `=`, quoted
  strings with `''` and backslash escapes, unquoted strings, numbers with unit letters, `#`
  comments outside quotes, blanks and TABs between tokens;
* the line grammar `name [=] value [# comment]`, with the server's syntax error text
  (`syntax error in file "F" line N, near token "T"`), and the include directives
  (`include`, `include_if_exists`, `include_dir`) resolved inside the bundle, relative to the
  including file, nesting depth at most 10, include_dir taking only `*.conf` files not
  starting with a dot, in byte order;
* the decision of which entries take effect, as `pg_file_settings` shows it: earlier
  duplicates are ignored (compared case-sensitively, like the server, so `Work_Mem` and a
  later `work_mem` both count), and the last one wins;
* typed values in each parameter's base unit (`read_value`), used by pg_settings too.

Decision on errors (documented in schemas/artifacts/pg_conf.schema.json): a syntax error, an
over-deep or recursive include or an unknown parameter name makes the server refuse the
whole configuration (at start: `configuration file "F" contains errors`; on reload: "no
changes were applied"), not just the file that holds the error. The artifact then stays
`parsed`, every entry and setting is marked `applied: false` and `contains_errors` is true;
the values are still read, because they show what the customer meant to run. A value the
parameter refuses (`log_connections = 10`) marks only its own entry as not applied.
An `include` or `include_dir` whose target is not in the bundle is reported
(`include-missing`, and listed in `missing_includes`) but refuses nothing: bundles often lack
files the server has (the sclorg images include an absolute
`/var/lib/pgsql/openshift-custom-postgresql.conf`), so the settings are then incomplete
rather than wrong.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from analyzer.artifacts import pg_units
from analyzer.artifacts.base import Parsed, TextSource, TooLarge
from analyzer.model import Problem

MAX_DEPTH = 10  # CONF_FILE_MAX_DEPTH in guc.h
MAX_SYNTAX_ERRORS = 100  # per file, then the server abandons the file
INT_MAX = 2**31 - 1
INT_MIN = -(2**31)
LONG_MAX = 2**63 - 1

# ---------------------------------------------------------------------------------------------
# Lexer. Token kinds in the order of the flex rules: on equal length the earlier rule wins.

ID, QUALIFIED_ID, STRING, UNQUOTED_STRING, INTEGER, REAL, EQUALS, ERROR = (
    "ID",
    "QUALIFIED_ID",
    "STRING",
    "UNQUOTED_STRING",
    "INTEGER",
    "REAL",
    "EQUALS",
    "ERROR",
)

# flex works on bytes and LETTER includes every byte from 0x80 up, so any non-ASCII
# character counts as a letter.
_LETTER = r"[A-Za-z_\u0080-\U0010ffff]"
_LETTER_OR_DIGIT = r"[A-Za-z_0-9\u0080-\U0010ffff]"
_ID = f"{_LETTER}{_LETTER_OR_DIGIT}*"
_RULES: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...] = (
    (ID, (re.compile(_ID),)),
    (QUALIFIED_ID, (re.compile(rf"{_ID}\.{_ID}"),)),
    (STRING, (re.compile(r"'(?:[^'\\\n]|\\.|'')*'"),)),
    (UNQUOTED_STRING, (re.compile(rf"{_LETTER}(?:{_LETTER_OR_DIGIT}|[-._:/])*"),)),
    # an integer is decimal or 0x-hex, then any unit letters; the two shapes are separate
    # patterns so that the longer one wins as in flex
    (INTEGER, (re.compile(r"[-+]?[0-9]+[A-Za-z]*"), re.compile(r"[-+]?0x[0-9A-Fa-f]+[A-Za-z]*"))),
    (REAL, (re.compile(r"[-+]?[0-9]*\.[0-9]*(?:[Ee][-+]?[0-9]+)?"),)),
    (EQUALS, (re.compile(r"="),)),
)
_BLANKS = re.compile(r"[ \t\r]+")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str


def tokenize(line: str) -> list[Token]:
    """The tokens of one line (without its newline); blanks and the comment are dropped."""
    tokens: list[Token] = []
    pos = 0
    end = len(line)
    while pos < end:
        blank = _BLANKS.match(line, pos)
        if blank:
            pos = blank.end()
            continue
        if line[pos] == "#":
            break
        best_kind, best_len = ERROR, 0
        for kind, patterns in _RULES:
            for pattern in patterns:
                m = pattern.match(line, pos)
                # strictly longer only: on a tie the earlier rule keeps the token
                if m and m.end() - pos > best_len:
                    best_kind, best_len = kind, m.end() - pos
        if best_len == 0:
            best_kind, best_len = ERROR, 1  # flex's catch-all rule: one character
        tokens.append(Token(best_kind, line[pos : pos + best_len]))
        pos += best_len
    return tokens


def unquote(token: str) -> str:
    """A quoted value as the server stores it: quotes off, `''` and backslash escapes undone."""
    body = token[1:-1]
    out: list[str] = []
    i = 0
    n = len(body)
    simple = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
    while i < n:
        c = body[i]
        if c == "\\" and i + 1 < n:
            nxt = body[i + 1]
            if nxt in simple:
                out.append(simple[nxt])
                i += 2
            elif "0" <= nxt <= "7":
                digits = 0
                value = 0
                while digits < 3 and i + 1 + digits < n and "0" <= body[i + 1 + digits] <= "7":
                    value = value * 8 + int(body[i + 1 + digits])
                    digits += 1
                out.append(chr(value & 0xFF))
                i += 1 + digits
            else:
                out.append(nxt)
                i += 2
        elif c == "'" and i + 1 < n and body[i + 1] == "'":
            out.append("'")
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Values, as guc.c parses them.


@dataclass(frozen=True, slots=True)
class Value:
    """A value read for one parameter: the typed value, or the server's error text."""

    value: bool | int | float | str | None
    vartype: str | None
    unit: str | None
    error: str | None = None
    hint: str | None = None
    code: str | None = None  # problem class of the error: type, range, enum, read-only


_SPACE = " \t\n\r\f\v"
_STRTOL = re.compile(r"[ \t\n\r\f\v]*[-+]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
_STRTOD = re.compile(
    r"[ \t\n\r\f\v]*[-+]?(?:0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][-+]?[0-9]+)?"
    r"|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
    r"|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN](?:\([0-9A-Za-z_]*\))?)"
)


def _strtol(text: str) -> tuple[int | None, int, bool]:
    """C strtol(text, &end, 0): (value or None, end offset, overflowed)."""
    m = _STRTOL.match(text)
    if not m:
        return None, 0, False
    digits = m.group().strip(_SPACE)
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("+-")
    if digits[:2] in ("0x", "0X"):
        value = int(digits[2:], 16)
    elif digits.startswith("0"):
        value = int(digits, 8)
    else:
        value = int(digits)
    value *= sign
    return value, m.end(), not (-LONG_MAX - 1 <= value <= LONG_MAX)


def _strtod(text: str) -> tuple[float | None, int]:
    """C strtod: (value, end offset); None when nothing was read or the result overflowed."""
    m = _STRTOD.match(text)
    if not m:
        return None, 0
    body = m.group().strip(_SPACE)
    sign = -1.0 if body.startswith("-") else 1.0
    bare = body.lstrip("+-")
    try:
        if bare[:2] in ("0x", "0X"):
            hexpart = bare if re.search(r"[pP]", bare) else bare + "p0"
            value = float.fromhex(hexpart)
        else:
            value = float(bare.split("(")[0])
    except (ValueError, OverflowError):
        return None, 0
    if math.isinf(value) and not bare[:1].isalpha():
        return None, 0  # ERANGE: too large for a double
    if value == 0.0 and re.search(r"[1-9]", bare.split("e")[0].split("E")[0]):
        return None, 0  # ERANGE: too small for a double
    return sign * value, m.end()


def parse_bool(text: str) -> bool | None:
    """guc.c parse_bool: prefixes of true/false/yes/no, on/off (two letters at least), 1/0."""
    low = text.lower()
    n = len(low)
    if n == 0:
        return None
    first = low[0]
    if first == "t" and "true".startswith(low):
        return True
    if first == "f" and "false".startswith(low):
        return False
    if first == "y" and "yes".startswith(low):
        return True
    if first == "n" and "no".startswith(low):
        return False
    if first == "o" and n >= 2:
        if "on".startswith(low):
            return True
        if "off".startswith(low):
            return False
    if low == "1":
        return True
    if low == "0":
        return False
    return None


def _number_with_unit(
    text: str, base_unit: str | None, integer: bool
) -> tuple[float | None, str | None]:
    """guc.c parse_int / parse_real without the range check: (value in base unit, hint)."""
    value: float | None
    if integer:
        lval, end, overflow = _strtol(text)
        # when strtol reads nothing its end is the start of the text, so ".5" is retried
        # as a double but "+.5" and " .5" are not
        stop = text[end : end + 1]
        if lval is None and stop not in (".", "e", "E"):
            return None, None
        if lval is None or overflow or stop in (".", "e", "E"):
            # strtol stopped at a decimal point or exponent (or overflowed): read a double
            value, end = _strtod(text)
            if value is None:
                return None, None
        else:
            value = float(lval) if abs(lval) > 2**53 else lval
    else:
        value, end = _strtod(text)
        if value is None:
            return None, None
    if isinstance(value, float) and math.isnan(value):
        return None, None
    rest = text[end:].lstrip(_SPACE)
    if rest:
        if base_unit is None:
            return None, None  # this parameter takes no unit
        converted = pg_units.convert_to_base(value, rest, base_unit)
        if converted is None:
            return None, pg_units.units_hint(base_unit)
        value = converted
    if integer:
        if math.isinf(value):
            return None, "Value exceeds integer range."
        rounded = round(value)
        if rounded > INT_MAX or rounded < INT_MIN:
            return None, "Value exceeds integer range."
        return rounded, None
    return float(value), None


def _fmt_real(v: float) -> str:
    """A real as the server prints it in messages (%g, infinity spelled out)."""
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return f"{v:g}"


def read_value(name: str, text: str, *, from_file: bool = True) -> Value:
    """The value of one parameter as the server reads `text` (a setting as written, unquoted).

    Unknown parameters keep their text (type unknown). Errors use the server's wording.
    `from_file=False` reads a value the server displayed (SHOW), where read-only
    parameters are legitimately present.
    """
    found = pg_units.lookup(name)
    if found is None:
        return Value(text, None, None)
    canonical, param = found
    vt, unit = param.vartype, param.unit
    if from_file and param.context == "internal":
        # fixed when the server was built or initialised: shown, never set
        return Value(None, vt, unit, f'parameter "{canonical}" cannot be changed', code="read-only")
    if vt == "bool":
        b = parse_bool(text)
        if b is None:
            return Value(
                None, vt, None, f'parameter "{canonical}" requires a Boolean value', code="type"
            )
        return Value(b, vt, None)
    if vt in ("integer", "real"):
        number, hint = _number_with_unit(text, unit, vt == "integer")
        if number is None:
            return Value(
                None, vt, unit, f'invalid value for parameter "{canonical}": "{text}"', hint, "type"
            )
        lo, hi = param.min, param.max
        too_big = hi is not None and number > hi or math.isinf(number)
        if (lo is not None and number < lo) or too_big:
            shown = str(number) if vt == "integer" else _fmt_real(float(number))
            lo_s = str(lo) if vt == "integer" else _fmt_real(float(lo if lo is not None else 0))
            hi_s = (
                str(hi)
                if vt == "integer"
                else _fmt_real(float(hi))
                if hi is not None
                else "1.79769e+308"
            )
            unit_s = f" {unit}" if unit else ""
            return Value(
                None,
                vt,
                unit,
                f'{shown}{unit_s} is outside the valid range for parameter "{canonical}" '
                f"({lo_s} .. {hi_s})",
                code="range",
            )
        return Value(number, vt, unit)
    if vt == "enum":
        low = text.lower()
        # aliases first: some listed spellings are reported under another name
        # (wal_compression = on is shown as pglz)
        hidden = pg_units.HIDDEN_ENUM_VALUES.get(canonical, {})
        if low in hidden:
            return Value(hidden[low], vt, None)
        for option in param.enumvals or ():
            if option.lower() == low:
                return Value(option, vt, None)
        options = ", ".join(param.enumvals or ())
        return Value(
            None,
            vt,
            None,
            f'invalid value for parameter "{canonical}": "{text}"',
            f"Available values: {options}.",
            "enum",
        )
    return Value(text, vt, None)


def measures(value: Any, unit: str | None) -> tuple[int | None, int | float | None]:
    """(bytes, ms) of a numeric value in `unit`; None where not a size/time or negative.

    Negative values of sizes and times are special settings (-1: disabled, automatic, use
    another parameter), never an amount.
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None, None
    per_byte = pg_units.unit_bytes(unit)
    if per_byte is not None:
        return int(value * per_byte), None
    per_ms = pg_units.unit_ms(unit)
    if per_ms is not None:
        ms = value * per_ms
        if isinstance(ms, float) and ms.is_integer() and isinstance(value, int):
            ms = int(ms)
        return None, ms
    return None, None


# ---------------------------------------------------------------------------------------------
# Files, includes and entries.


@dataclass(slots=True)
class _Entry:
    name: str  # as written
    key: str  # canonical name
    setting: str  # the value as the server stores the text (quotes undone)
    path: str
    line: int
    ignore: bool = False
    applied: bool = False
    error: str | None = None


class _Reader:
    """Walks a postgresql.conf and its includes, collecting entries and problems."""

    def __init__(self, root: TextSource) -> None:
        self.root = root
        self.entries: list[_Entry] = []
        self.files: list[str] = []
        self.problems: list[Problem] = []
        self.failed = False  # the server would refuse the whole configuration
        # includes whose target the bundle lacks: the server may well have them
        self.missing: list[dict[str, Any]] = []

    def problem(
        self, src_path: str, message: str, line: int | None, code: str, key: str | None = None
    ) -> None:
        path = None if src_path == self.root.path else src_path
        self.problems.append(Problem(message, line=line, key=key, path=path, code=code))

    def read(self, src: TextSource, depth: int) -> bool:
        """Read one file (and what it includes); False when it holds an error."""
        try:
            text = src.read_text()
        except TooLarge as exc:
            if src is self.root:
                raise
            self.problem(
                self.root.path, f"included file {src.path} is too large: {exc}", None, "too-large"
            )
            self.failed = True
            return False
        if src.path not in self.files:
            self.files.append(src.path)
        ok = True
        errors = 0
        for number, line in enumerate(text.split("\n"), 1):
            tokens = tokenize(line)
            if not tokens:
                continue
            bad = self._syntax(tokens)
            if bad is not None:
                near = "near end of line" if bad == "" else f'near token "{bad}"'
                self.problem(
                    src.path,
                    f'syntax error in file "{src.path}" line {number}, {near}',
                    number,
                    "syntax",
                )
                ok = False
                self.failed = True
                errors += 1
                if errors >= MAX_SYNTAX_ERRORS:
                    self.problem(
                        src.path,
                        f'too many syntax errors found, abandoning file "{src.path}"',
                        number,
                        "syntax",
                    )
                    break
                continue
            name = tokens[0].text
            value_token = tokens[2] if tokens[1].kind == EQUALS else tokens[1]
            value = unquote(value_token.text) if value_token.kind == STRING else value_token.text
            directive = name.lower()
            if directive == "include_dir":
                ok = self._include_dir(src, value, number, depth + 1) and ok
            elif directive in ("include", "include_if_exists"):
                strict = directive == "include"
                ok = self._include(src, value, number, depth + 1, strict) and ok
            else:
                key = _canonical(name)
                self.entries.append(_Entry(name, key, value, src.path, number))
        return ok

    @staticmethod
    def _syntax(tokens: list[Token]) -> str | None:
        """None for a well-formed setting line, else the token the server complains about ('' = end of line)."""
        if tokens[0].kind not in (ID, QUALIFIED_ID):
            return tokens[0].text
        i = 1
        if i < len(tokens) and tokens[i].kind == EQUALS:
            i += 1
        if i >= len(tokens):
            return ""
        if tokens[i].kind not in (ID, STRING, INTEGER, REAL, UNQUOTED_STRING):
            return tokens[i].text
        if i + 1 < len(tokens):
            return tokens[i + 1].text
        return None

    def _include(self, src: TextSource, target: str, line: int, depth: int, strict: bool) -> bool:
        if not target.strip(" \t\r\n"):
            self.problem(
                src.path, f'empty configuration file name: "{target}"', line, "include-empty"
            )
            self.failed = True
            return False
        if depth > MAX_DEPTH:
            self.problem(
                src.path,
                f'could not open configuration file "{target}": maximum nesting depth exceeded',
                line,
                "include-depth",
            )
            self.failed = True
            return False
        child = src.resolve(target)
        if child is not None and child.path == src.path:
            self.problem(
                src.path, f'configuration file recursion in "{src.path}"', line, "include-recursion"
            )
            self.failed = True
            return False
        if child is None:
            if strict:
                self.problem(
                    src.path,
                    f'could not open configuration file "{target}": not found in the bundle',
                    line,
                    "include-missing",
                )
                self.missing.append({"file": src.path, "line": line, "target": target})
                return True
            self.problem(
                src.path, f'skipping missing configuration file "{target}"', line, "include-skipped"
            )
            return True
        return self.read(child, depth)

    def _include_dir(self, src: TextSource, target: str, line: int, depth: int) -> bool:
        if not target.strip(" \t\r\n"):
            self.problem(
                src.path, f'empty configuration directory name: "{target}"', line, "include-empty"
            )
            self.failed = True
            return False
        names = src.listdir(target)
        if names is None:
            self.problem(
                src.path,
                f'could not open configuration directory "{target}": not found in the bundle',
                line,
                "include-missing",
            )
            self.missing.append({"file": src.path, "line": line, "target": target})
            return True
        picked: list[str] = []
        for name in names:
            # only *.conf, never dot-files (that also skips editor debris and backups)
            if (
                name.endswith("/")
                or len(name) < 6
                or name.startswith(".")
                or not name.endswith(".conf")
            ):
                continue
            picked.append(name)
        picked.sort(key=lambda n: n.encode("utf-8"))  # strcmp order: digits < A-Z < a-z
        base = target.rstrip("/")
        for name in picked:
            rel = f"{base}/{name}"
            if depth > MAX_DEPTH:
                self.problem(
                    src.path,
                    f'could not open configuration file "{rel}": maximum nesting depth exceeded',
                    line,
                    "include-depth",
                )
                self.failed = True
                return False
            child = src.resolve(rel)
            if child is None:
                continue  # a directory, or gone: the server lists regular files only
            if not self.read(child, depth):
                return False  # the server stops reading the directory at the first bad file
        return True


def _canonical(name: str) -> str:
    """The name settings are keyed by: pg_settings' spelling, else lower case."""
    found = pg_units.lookup(name)
    return found[0] if found else name.lower()


def _is_known(key: str) -> bool:
    return pg_units.lookup(key) is not None or key.lower() in pg_units.OTHER_VERSION_PARAMS


def parse(src: TextSource, kind: str = "pg_conf") -> Parsed:
    """Read a postgresql.conf (and its includes) into settings as the server would apply them."""
    reader = _Reader(src)
    try:
        reader.read(src, 0)
    except TooLarge as exc:
        return Parsed(
            kind=kind,
            path=src.path,
            status="invalid",
            problems=[Problem(str(exc), code="too-large")],
        )

    entries = reader.entries
    for entry in entries:
        if "." in entry.key or pg_units.lookup(entry.key) is not None:
            continue
        if entry.key.lower() in pg_units.OTHER_VERSION_PARAMS:
            reader.problem(
                entry.path,
                f'parameter "{entry.name}" is not a PostgreSQL 15 parameter '
                f'(other major versions have it) in file "{entry.path}" line {entry.line}',
                entry.line,
                "other-version-parameter",
                key=f"settings.{entry.key}",
            )
            continue
        entry.error = "unrecognized configuration parameter"
        reader.problem(
            entry.path,
            f'unrecognized configuration parameter "{entry.name}" in file "{entry.path}" line {entry.line}',
            entry.line,
            "unknown-parameter",
            key=f"settings.{entry.key}",
        )
        reader.failed = True

    # Earlier entries of a parameter set again later are ignored; like the server this
    # compares the names as written, so only an exact repeat hides an earlier line.
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        if not _is_known(entry.key):
            continue
        if entry.key in seen:
            for earlier in entries[:i]:
                if not earlier.ignore and earlier.name == entry.name:
                    earlier.ignore = True
        seen.add(entry.key)

    values: dict[int, Value] = {}
    refused_values = False
    for i, entry in enumerate(entries):
        value = read_value(entry.key, entry.setting)
        values[i] = value
        if entry.ignore or entry.error:
            continue
        if value.error is not None:
            entry.error = "setting could not be applied"
            message = value.error + (f" ({value.hint})" if value.hint else "")
            reader.problem(
                entry.path, message, entry.line, value.code or "type", key=f"settings.{entry.key}"
            )
            refused_values = True
            continue
        entry.applied = True
    if reader.failed:
        # a syntax, include or name error: the server applies nothing at all
        for entry in entries:
            entry.applied = False

    settings: dict[str, dict[str, Any]] = {}
    locations: dict[str, int] = {}
    for i, entry in enumerate(entries):
        value = values[i]
        bytes_, ms = measures(value.value, value.unit)
        settings[entry.key] = {
            "value": value.value,
            "raw": entry.setting,
            "unit": value.unit,
            "bytes": bytes_,
            "ms": ms,
            "type": value.vartype,
            "name": entry.name,
            "file": entry.path,
            "line": entry.line,
            "applied": entry.applied,
            "error": value.error,
        }
        locations[f"settings.{entry.key}"] = entry.line

    data = {
        "settings": settings,
        "entries": [
            {
                "name": e.name,
                "setting": e.setting,
                "file": e.path,
                "line": e.line,
                "applied": e.applied,
                "error": e.error,
            }
            for e in entries
        ],
        "files": reader.files,
        "missing_includes": reader.missing,
        "contains_errors": reader.failed or refused_values,
    }
    for n, entry in enumerate(entries):
        if entry.path == src.path:
            locations[f"entries.{n}"] = entry.line
    return Parsed(
        kind=kind,
        path=src.path,
        data=data,
        problems=[*src.notes, *reader.problems],
        locations=locations,
        meta={"source": "file"},
    )


# ---------------------------------------------------------------------------------------------
# Content sniffing.

_BANNER = re.compile(r"^#\s*PostgreSQL configuration file", re.MULTILINE)
_COMMENTED = re.compile(r"^#\s*([A-Za-z_][A-Za-z_0-9]*)\s*=", re.MULTILINE)


def sniff(head: str) -> bool:
    """True when the first KiB or so reads as postgresql.conf (known names, conf syntax)."""
    lines = head.split("\n")
    if lines and not head.endswith("\n"):
        lines = lines[:-1] or lines  # the last line may be cut
    settings = 0
    other = 0
    for line in lines:
        tokens = tokenize(line)
        if not tokens:
            continue
        if _Reader._syntax(tokens) is None:
            name = tokens[0].text.lower()
            if _is_known(name) or name in ("include", "include_if_exists", "include_dir"):
                settings += 1
                continue
            if "." in name:
                continue  # a custom option proves nothing either way
        other += 1
    commented = sum(1 for m in _COMMENTED.finditer(head) if _is_known(m.group(1)))
    if settings >= 2 and settings > other:
        return True
    if _BANNER.search(head) and other == 0:
        return True  # initdb's header: the rest of the first KiB may be comments only
    return settings >= 1 and other == 0 and commented >= 1 or (commented >= 5 and other == 0)
