"""Wheel build step: compile the log-line classifier (analyzer/engine/quayscan.c) when a C
compiler is present.

The library is plain C loaded with ctypes (no Python headers needed). It is written beside
its source, so a source checkout that was installed with `pip install .` uses it too, and it
is shipped in the wheel, which is then tagged for this platform. Without a compiler (or when
ANALYZER_BUILD_NATIVE=0) the build goes on and the analyzer uses the array version of the
classifier: same results, slower on big logs. `analyze --verbose` says which one runs.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # imported outside a build (tests, a developer rebuilding the library)
    BuildHookInterface = object  # type: ignore[assignment,misc]

SOURCE = Path("analyzer") / "engine" / "quayscan.c"
LIBRARY = Path("analyzer") / "engine" / ("_quayscan.dll" if sys.platform == "win32" else "_quayscan.so")


def _compiler() -> list[str] | None:
    named = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    cmd = shlex.split(named)
    if cmd and shutil.which(cmd[0]):
        return cmd
    for fallback in ("cc", "gcc", "clang"):
        if shutil.which(fallback):
            return [fallback]
    return None


def build_library(root: Path, target: Path | None = None) -> tuple[Path | None, str]:
    """Compile the classifier into `target` (root/LIBRARY by default); (path, '') or (None, why not).

    `python hatch_build.py` rebuilds it in a source checkout after quayscan.c changed.
    """
    if os.environ.get("ANALYZER_BUILD_NATIVE", "1").strip().lower() in ("0", "off", "no", "false"):
        return None, "turned off by ANALYZER_BUILD_NATIVE"
    if sys.platform == "win32":
        return None, "not built on Windows"
    cc = _compiler()
    if cc is None:
        return None, "no C compiler found"
    source = root / SOURCE
    target = target or root / LIBRARY
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    tmp = target.with_suffix(".tmp")
    cmd = [
        *cc,
        "-O2",
        "-std=c99",
        "-shared",
        "-fPIC",
        "-fvisibility=hidden",
        f'-DQS_SOURCE_HASH="{digest}"',
        "-o",
        str(tmp),
        str(source),
    ]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"compiler failed to run: {exc}"
    if done.returncode != 0:
        tmp.unlink(missing_ok=True)
        return None, f"compiler failed: {done.stderr.strip()[-2000:]}"
    os.replace(tmp, target)
    return target, ""


class CustomBuildHook(BuildHookInterface):
    """Adds the compiled classifier to the wheel when it can be built."""

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        built, why = build_library(Path(self.root))
        if built is None:
            sys.stderr.write(
                f"quay-bundle-analyzer: compiled line classifier not built ({why}); "
                "the array version will be used\n"
            )
            return
        build_data["force_include"][str(built)] = str(LIBRARY.as_posix())
        build_data["pure_python"] = False
        build_data["infer_tag"] = True


if __name__ == "__main__":
    path, reason = build_library(Path(__file__).resolve().parent)
    print(path if path is not None else f"not built: {reason}")
    raise SystemExit(0 if path is not None else 1)
