"""Renderers: each formats the same Result; none analyzes anything."""

from __future__ import annotations

from collections.abc import Callable

from analyzer.model import Result

Renderer = Callable[[Result, dict[str, object]], str]


def _json(result: Result, opts: dict[str, object]) -> str:
    from analyzer.report.json_report import render

    return render(result, opts)


def _text(result: Result, opts: dict[str, object]) -> str:
    from analyzer.report.text import render

    return render(result, opts)


RENDERERS: dict[str, Renderer] = {
    "text": _text,
    "json": _json,
}
