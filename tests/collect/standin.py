"""Stand-in `podman` and `oc` executables for the collector tests.

Each answers from a "world" directory (env STANDIN_WORLD) built by `tests/collect/worlds.py`
from real outputs (tests/data, the sample bundles, the shapes of formats.md), and appends every
argv it receives to `<world>/calls.jsonl`. `<world>/behaviour.json` can make a command hang,
fail or print something else: a list of {"tool", "match" (regex on the joined argv), "sleep",
"exit", "stderr", "stdout"}.

World layout (podman): `ps.json`, `stats.json`, `pod-stats.json`, and per container
`containers/<name>/{inspect.json, logs.txt, df.txt, psql.txt, curl.txt, curl.exit}` and its
files under `containers/<name>/fs/<absolute path>`. `logs.txt` holds the `-t` form of the log
(podman's `2006-01-02T15:04:05.000000000Z07:00 ` prefix); without `-t` the prefix is removed.

World layout (oc): `namespace`, `quayregistry.yaml`, `pods.yaml`, `events.yaml`,
`top-pods.txt`, `pods/<pod>.yaml`, `secrets/<name>.json`, `logs/<pod>/<container>/{current,
previous}.log` (with the kubelet's timestamps), and `containers/<pod>/...` as for podman.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import sys
import tarfile
import time
from pathlib import Path

import yaml


def _world() -> Path:
    return Path(os.environ["STANDIN_WORLD"])


def _out(data: bytes | str) -> None:
    sys.stdout.buffer.write(data.encode() if isinstance(data, str) else data)
    sys.stdout.buffer.flush()


def _err(text: str) -> None:
    sys.stderr.write(text if text.endswith("\n") else text + "\n")
    sys.stderr.flush()


def _behaviour(tool: str, argv: list[str]) -> int | None:
    """Apply the first matching behaviour; returns an exit code when it replaces the command."""
    path = _world() / "behaviour.json"
    if not path.exists():
        return None
    joined = shlex.join(argv)
    for b in json.loads(path.read_text()):
        if b.get("tool", tool) != tool or not re.search(b["match"], joined):
            continue
        # output first, then the hang: a command that stalls half way
        if "stdout" in b:
            _out(b["stdout"])
        if b.get("stderr"):
            _err(b["stderr"])
        if b.get("sleep"):
            time.sleep(float(b["sleep"]))
        if "exit" in b:
            return int(b["exit"])
    return None


def _file(path: Path, missing: str, code: int = 125) -> int:
    if not path.is_file():
        _err(missing)
        return code
    _out(path.read_bytes())
    return 0


def _in_container(cdir: Path, cmd: list[str]) -> int:
    """A command run inside a container whose files are under cdir/fs."""
    fs = cdir / "fs"
    prog, args = cmd[0], cmd[1:]
    if prog == "cat":
        p = fs / args[0].lstrip("/")
        if not p.is_file():
            _err(f"cat: {args[0]}: No such file or directory")
            return 1
        _out(p.read_bytes())
        return 0
    if prog == "ls":
        target = args[-1]
        p = fs / target.lstrip("/")
        if not p.is_dir():
            _err(f"ls: cannot access '{target}': No such file or directory")
            return 2
        names = sorted(p.iterdir(), key=lambda x: x.name)
        _out("".join(f"{n.name}/\n" if n.is_dir() else f"{n.name}\n" for n in names))
        return 0
    if prog == "df":
        return _file(cdir / "df.txt", "df: cannot read table of mounted file systems", 1)
    if prog == "psql":
        if (cdir / "psql.err").is_file():
            _err((cdir / "psql.err").read_text())
            return 2
        return _file(cdir / "psql.txt", "psql: error: no server", 2)
    if prog == "curl":
        if not (cdir / "curl.txt").is_file():
            _err(
                "Error: crun: executable file `curl` not found in $PATH: No such file or "
                "directory: OCI runtime attempted to invoke a command that was not found"
            )
            return 127
        _out((cdir / "curl.txt").read_bytes())
        return int((cdir / "curl.exit").read_text()) if (cdir / "curl.exit").is_file() else 0
    _err(
        f"Error: crun: executable file `{prog}` not found in $PATH: No such file or directory: "
        "OCI runtime attempted to invoke a command that was not found"
    )
    return 127


def _tar_of(base: Path) -> bytes:
    """What `podman cp <ctr>:<path> -` streams: a tar of the file or directory."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(base, arcname=base.name)
    return buf.getvalue()


# -- podman ---------------------------------------------------------------------------------------


def _podman_state(name: str) -> str | None:
    for e in json.loads((_world() / "ps.json").read_text()):
        if name in (e.get("Names") or []) or e.get("Id", "").startswith(name):
            return str(e.get("State"))
    return None


def podman(argv: list[str]) -> int:
    w = _world()
    if argv[:1] == ["ps"]:
        return _file(w / "ps.json", "Error: no ps")
    if argv[:1] == ["stats"]:
        return _file(w / "stats.json", "Error: no stats")
    if argv[:2] == ["pod", "stats"]:
        return _file(w / "pod-stats.json", "Error: no pods")
    if argv[:1] == ["inspect"]:
        name = argv[-1]
        return _file(w / "containers" / name / "inspect.json", f'Error: no such object: "{name}"')
    if argv[:1] == ["logs"]:
        name = argv[-1]
        path = w / "containers" / name / "logs.txt"
        if not path.is_file():
            _err(f'Error: no container with name or ID "{name}" found: no such container')
            return 125
        data = path.read_bytes()
        if "-t" not in argv and "--timestamps" not in argv:
            data = b"".join(
                ln.split(b" ", 1)[1] if b" " in ln else ln for ln in data.splitlines(keepends=True)
            )
        _out(data)
        return 0
    if argv[:1] == ["exec"]:
        name, cmd = argv[1], argv[2:]
        state = _podman_state(name)
        if state is None:
            _err(f'Error: no container with name or ID "{name}" found: no such container')
            return 125
        if state != "running":
            _err(
                "Error: can only create exec sessions on running containers: container state improper"
            )
            return 125
        return _in_container(w / "containers" / name, cmd)
    if argv[:1] == ["cp"]:
        src = argv[1]
        name, _, path = src.partition(":")
        p = w / "containers" / name / "fs" / path.lstrip("/")
        if not p.exists():
            _err(
                f'Error: "{path}" could not be found on container {name}: no such file or directory'
            )
            return 125
        _out(_tar_of(p))
        return 0
    _err(f"Error: unrecognized command `podman {' '.join(argv)}`")
    return 125


# -- oc -------------------------------------------------------------------------------------------


def _opt(argv: list[str], *names: str) -> str | None:
    for i, a in enumerate(argv):
        for n in names:
            if a == n and i + 1 < len(argv):
                return argv[i + 1]
            if a.startswith(n + "="):
                return a.split("=", 1)[1]
    return None


def _positional(argv: list[str]) -> list[str]:
    """Arguments that are neither flags nor flag values."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a in ("-n", "--namespace", "-c", "--container", "-o", "--output"):
            skip = True
            continue
        if a.startswith("-"):
            continue
        out.append(a)
    return out


def _pod_running(pod: str, container: str | None) -> bool:
    doc = yaml.safe_load((_world() / "pods.yaml").read_text())
    for item in doc.get("items", []):
        if item["metadata"]["name"] != pod:
            continue
        for st in item.get("status", {}).get("containerStatuses", []):
            if container in (None, st["name"]):
                return "running" in (st.get("state") or {})
    return False


def oc(argv: list[str]) -> int:
    w = _world()
    if argv[:1] == ["project"]:
        return _file(w / "namespace", "error: no project", 1)
    if argv[:2] == ["whoami", "--show-server"]:
        _out("https://api.ocp.example.com:6443\n")
        return 0
    if argv[:2] == ["adm", "top"]:
        return _file(w / "top-pods.txt", "error: Metrics API not available", 1)
    if argv[:1] == ["get"]:
        pos = _positional(argv[1:])
        what = pos[0] if pos else ""
        if what in ("quayregistry", "quayregistries"):
            return _file(
                w / "quayregistry.yaml", "error: the server doesn't have a resource type", 1
            )
        if what == "pods":
            return _file(w / "pods.yaml", "error: no pods", 1)
        if what == "events":
            return _file(w / "events.yaml", "error: no events", 1)
        if what == "pod":
            name = pos[1]
            return _file(
                w / "pods" / f"{name}.yaml",
                f'Error from server (NotFound): pods "{name}" not found',
                1,
            )
        if what == "secret":
            name = pos[1]
            return _file(
                w / "secrets" / f"{name}.json",
                f'Error from server (NotFound): secrets "{name}" not found',
                1,
            )
    if argv[:1] == ["logs"]:
        pos = _positional(argv[1:])
        pod, ctr = pos[0], _opt(argv, "-c", "--container")
        which = "previous.log" if "--previous" in argv or "-p" in argv else "current.log"
        path = w / "logs" / pod / str(ctr) / which
        if not path.is_file():
            _err(
                f'Error from server (BadRequest): previous terminated container "{ctr}" in pod "{pod}" not found'
            )
            return 1
        data = path.read_bytes()
        if "--timestamps" not in argv and not any(a.startswith("--timestamps=") for a in argv):
            data = b"".join(
                ln.split(b" ", 1)[1] if b" " in ln else ln for ln in data.splitlines(keepends=True)
            )
        _out(data)
        return 0
    if argv[:1] == ["exec"]:
        sep = argv.index("--")
        pod, ctr, cmd = argv[1], _opt(argv[:sep], "-c", "--container"), argv[sep + 1 :]
        if not _pod_running(pod, ctr):
            _err(
                "error: Internal error occurred: error executing command in container: container is not created or running"
            )
            return 1
        return _in_container(w / "containers" / pod, cmd)
    _err(f'error: unknown command "{argv[0] if argv else ""}" for "oc"')
    return 1


def main(tool: str, argv: list[str]) -> int:
    with open(_world() / "calls.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps([tool, *argv]) + "\n")
    replaced = _behaviour(tool, argv)
    if replaced is not None:
        return replaced
    return podman(argv) if tool == "podman" else oc(argv)
