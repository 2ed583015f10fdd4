"""Renderers: each formats the same Result; none analyzes anything.

`RENDERERS[fmt](result, opts)` returns the whole report as text. Options every renderer
accepts (and may ignore): `verbose` (also passed / not-evaluable checks), `quiet` (text and
markdown: only the summary line), `tty` (text: the rich layout for a terminal), `color`
(text: ANSI colour; the command line turns it off for NO_COLOR, pipes and files), `width`.
Each renderer module is imported only when its format is asked for, so that the JSON path
never loads rich, jinja2 templates or pandas.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from analyzer.model import Result

Renderer = Callable[[Result, dict[str, object]], str]

_MODULES = {
    "text": "analyzer.report.text",
    "json": "analyzer.report.json_report",
    "markdown": "analyzer.report.markdown",
    "html": "analyzer.report.html",
    "sarif": "analyzer.report.sarif",
    "junit": "analyzer.report.junit",
}


def _lazy(module: str) -> Renderer:
    """A renderer that imports its module on first use."""

    def render(result: Result, opts: dict[str, object]) -> str:
        """Render with the format's module."""
        return importlib.import_module(module).render(result, opts)  # type: ignore[no-any-return]

    render.__doc__ = f"Render with {module}."
    return render


RENDERERS: dict[str, Renderer] = {fmt: _lazy(mod) for fmt, mod in _MODULES.items()}
