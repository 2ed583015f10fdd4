"""Progress on standard error while a bundle is read (only on a terminal, after a moment)."""

from __future__ import annotations

import time
from typing import Any

DELAY_S = 0.5  # small bundles finish before any display appears


class ProgressDisplay:
    """Bytes of the input read so far, of its total, and the member being read."""

    def __init__(self) -> None:
        """Nothing is shown until the first update after the delay."""
        self.start = time.monotonic()
        self._progress: Any = None
        self._task: Any = None
        self._last = 0.0

    def update(self, done: int, total: int, current: str) -> None:
        """Show progress: bytes read of the total and the member being read."""
        now = time.monotonic()
        if now - self.start < DELAY_S or now - self._last < 0.1:
            return
        self._last = now
        if self._progress is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("reading"),
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[member]}", style="dim"),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("read", total=max(total, 1), member="")
        shown = current if len(current) <= 60 else "…" + current[-59:]
        self._progress.update(
            self._task, completed=min(done, total), total=max(total, 1), member=shown
        )

    def close(self) -> None:
        """Remove the display (it is transient)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
