"""The containers a collection looks at, and how files are read from inside them.

A target is one container (podman) or one container of a pod (oc) that belongs to a Quay
deployment: Quay itself, a mirror worker, PostgreSQL, Redis or Clair, recognised by its name and
image the way the guide's deployments name them (standalone `quay`, `postgresql-quay`, `redis`;
mirror-registry `quay-app`, `quay-redis`, `quay-postgres`; the Operator's `<registry>-quay-app`,
`-quay-database`, `-clair-app`, `-clair-postgres`, `-quay-redis`, `-quay-mirror`). Anything else
on the host or in the namespace is left alone.

Files are read with `cat` through `podman exec` / `oc exec` while the container runs. A stopped
podman container cannot exec, but `podman cp <ctr>:<path> -` still streams its files as a tar
archive, which is how the logs of a crashed database are still collected.
"""

from __future__ import annotations

import contextlib
import re
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.collect.runner import Check, Runner, Step, bundle_path

COMPONENTS = ("quay", "mirror", "postgres", "redis", "clair")

# Deployment helpers that share the words but are not Quay components.
_NOT_COMPONENTS = re.compile(r"operator|config-editor|-infra$|^k8s_POD|builder", re.IGNORECASE)


def _image_path(image: str) -> str:
    """An image reference without its registry host: `quay.io/x/postgres` -> `x/postgres`.

    Red Hat's own registry is called quay.io, so the host would make every image look like Quay.
    """
    first, sep, rest = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return rest
    return image


def component_of(name: str, image: str = "", command: str = "", label: str = "") -> str | None:
    """The Quay component a container or pod belongs to, or None when it is not one."""
    if _NOT_COMPONENTS.search(name):
        return None
    text = f"{label} {name} {_image_path(image)}".lower()
    if "postgres" in text or "pgsql" in text or re.search(r"quay-database|-db\b", text):
        return "postgres"
    if "redis" in text:
        return "redis"
    if "clair" in text:
        return "clair"
    if "quay" in text:
        if "mirror" in text or "repomirror" in command.lower():
            return "mirror"
        return "quay"
    return None


def safe_name(name: str) -> str:
    """A container or pod name as a single, harmless path component."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", name).lstrip(".")
    return cleaned[:120] or "unnamed"


@dataclass
class Target:
    """One container of the deployment and where its files go in the bundle."""

    component: str
    name: str  # as the runtime knows it (container name, or pod name on OpenShift)
    dirname: str  # its folder: <component>/<dirname>/
    running: bool
    image: str = ""
    exec_prefix: list[str] = field(default_factory=list)  # argv before a command run inside
    copy_prog: str | None = None  # `podman` when a stopped container's files can be copied
    env: dict[str, str] = field(default_factory=dict)
    restarts: int = 0
    state: str = ""  # why it is not running, for messages (exited, CrashLoopBackOff...)
    container: str = ""  # the container inside a pod (oc)
    primary: bool = True  # the pod's first container: its logs are current.log/previous.log

    @property
    def base(self) -> str:
        return f"{self.component}/{self.dirname}"


class Access:
    """Reads files inside one target: exec while it runs, `podman cp` when it is stopped."""

    def __init__(self, runner: Runner, target: Target) -> None:
        self.runner = runner
        self.target = target

    @property
    def usable(self) -> bool:
        return self.target.running or self.target.copy_prog is not None

    def unavailable(self, what: str) -> str:
        """The failure message for a file that cannot be read because the container is down."""
        t = self.target
        state = f" ({t.state})" if t.state else ""
        return f"{what}: {t.name} is not running{state}, so nothing can be read inside it"

    def read_file(
        self,
        path: str,
        output: str | None,
        *,
        quiet: bool = False,
        check: Check | None = None,
        read: bool = False,
    ) -> Step:
        """One file into the bundle at `output` (or only read back when `output` is None)."""
        t = self.target
        if t.running:
            return self.runner.run(
                [*t.exec_prefix, "cat", path], output=output, quiet=quiet, check=check, read=read
            )
        if t.copy_prog is None:
            step = Step(cmd="", exit_code=None, seconds=0.0, message=self.unavailable(path))
            if not quiet:
                self.runner.fail(None, step.message)
            return step
        return self._copy_file(path, output, quiet=quiet, check=check, read=read)

    def list_dir(self, path: str, *, quiet: bool = True) -> list[str] | None:
        """Names in a directory, newest first, sub-directories marked with a trailing `/`."""
        t = self.target
        if not t.running:
            return None
        step = self.runner.run(
            [*t.exec_prefix, "ls", "-1Apt", path], read=True, quiet=quiet, empty_ok=True
        )
        if not step.ok or step.data is None:
            return None
        names = step.data.decode("utf-8", errors="replace").splitlines()
        return [n for n in names if n and n not in ("./", "../")]

    def read_dir(
        self,
        path: str,
        outdir: str,
        accept: Callable[[str], bool],
        *,
        limit: int = 50,
        quiet: bool = True,
        taken: set[str] | None = None,
    ) -> list[str] | None:
        """The accepted files of a directory into `outdir`; None when the directory is not there."""
        t = self.target
        taken = taken if taken is not None else set()
        if t.running:
            names = self.list_dir(path, quiet=quiet)
            if names is None:
                return None
            files = [n for n in names if not n.endswith("/") and accept(n)]
            kept: list[str] = []
            for name in files[:limit]:
                rel = f"{outdir}/{_unique(safe_name(name), taken)}"
                step = self.runner.run(
                    [*t.exec_prefix, "cat", f"{path.rstrip('/')}/{name}"], output=rel, empty_ok=True
                )
                if step.output:
                    kept.append(step.output)
            if len(files) > limit:
                self.runner.fail(
                    None,
                    f"{path} in {t.name} holds {len(files)} files; the newest {limit} were collected",
                )
            return kept
        if t.copy_prog is None:
            return None
        return self._copy_dir(path, outdir, accept, limit=limit, quiet=quiet, taken=taken)

    # -- podman cp ------------------------------------------------------------------------------

    def _cp(self, path: str, quiet: bool) -> Step:
        """`podman cp <ctr>:<path> -`: the path as a tar stream, left in scratch."""
        t = self.target
        return self.runner.run(
            [t.copy_prog or "podman", "cp", f"{t.name}:{path}", "-"], quiet=quiet, keep_scratch=True
        )

    def _copy_file(
        self, path: str, output: str | None, *, quiet: bool, check: Check | None, read: bool
    ) -> Step:
        """One file of a stopped container, through `podman cp`."""
        step = self._cp(path, quiet)
        if not step.ok or step.scratch is None:
            return step
        entry = self.runner.commands[-1]
        try:
            data = _tar_first_file(step.scratch)
            if data is None:
                step.message = "the copy holds no regular file"
                if not quiet:
                    self.runner.fail(step.cmd, step.message)
                return step
            if check:
                problem = check(data)
                if problem:
                    step.message = problem
                    if not quiet:
                        self.runner.fail(step.cmd, problem)
                    return step
            if output:
                step.output = self.runner.put(output, data, entry)
            if read:
                step.data = data
            return step
        finally:
            _unlink(step.scratch)

    def _copy_dir(
        self,
        path: str,
        outdir: str,
        accept: Callable[[str], bool],
        *,
        limit: int,
        quiet: bool,
        taken: set[str],
    ) -> list[str] | None:
        """The accepted files of a stopped container's directory, through `podman cp`."""
        step = self._cp(path, quiet)
        if not step.ok or step.scratch is None:
            return None
        entry = self.runner.commands[-1]
        kept: list[str] = []
        try:
            kept = _tar_extract_top(step.scratch, self.runner, outdir, accept, limit, taken)
        finally:
            _unlink(step.scratch)
        if kept:
            entry["output"] = f"{outdir}/"
        return kept


def _unique(name: str, taken: set[str]) -> str:
    """A file name not used yet in one folder (two log directories may share names)."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        stem, dot, ext = name.rpartition(".")
        candidate = f"{stem}-{n}.{ext}" if dot else f"{name}-{n}"
    taken.add(candidate)
    return candidate


_MAX_SMALL = 64 << 20  # a single copied file the collector also reads (configs)
_CHUNK = 1 << 20


def _members(tar: tarfile.TarFile) -> Iterator[tuple[list[str], tarfile.TarInfo]]:
    """Regular members with their path parts; links, devices and odd names are skipped."""
    for member in tar:
        if not member.isreg():
            continue
        parts = [p for p in member.name.split("/") if p not in ("", ".")]
        if parts and ".." not in parts:
            yield parts, member


def _tar_first_file(path: Path) -> bytes | None:
    """The first regular file of a `podman cp` tar stream (a single-file copy), bounded."""
    try:
        with tarfile.open(path, mode="r:") as tar:
            for _parts, member in _members(tar):
                fh = tar.extractfile(member)
                if fh is None or member.size > _MAX_SMALL:
                    return None
                with fh:
                    return fh.read()
    except (tarfile.TarError, OSError, EOFError):
        return None
    return None


def _tar_extract_top(
    path: Path,
    runner: Runner,
    outdir: str,
    accept: Callable[[str], bool],
    limit: int,
    taken: set[str],
) -> list[str]:
    """Stream the files directly inside a copied directory into the bundle, chunk by chunk."""
    kept: list[str] = []
    try:
        with tarfile.open(path, mode="r:") as tar:
            for parts, member in _members(tar):
                # a directory copy names its members <dir>/<file>; deeper files are not logs
                if len(parts) != 2 or not accept(parts[-1]):
                    continue
                if len(kept) >= limit:
                    runner.fail(
                        None, f"{outdir}: more than {limit} files; the rest were not copied"
                    )
                    break
                fh = tar.extractfile(member)
                if fh is None:
                    continue
                rel = bundle_path(f"{outdir}/{_unique(safe_name(parts[-1]), taken)}")
                target = runner.root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                with fh, open(target, "wb") as out:
                    while chunk := fh.read(_CHUNK):
                        out.write(chunk)
                runner.files.add(rel)
                kept.append(rel)
    except (tarfile.TarError, OSError, EOFError) as exc:
        runner.fail(None, f"{outdir}: the copied archive could not be read to the end ({exc})")
    return kept


def _unlink(path: Path | None) -> None:
    """Remove a scratch file if it is there."""
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()


__all__ = ["COMPONENTS", "Access", "Target", "bundle_path", "component_of", "safe_name"]
