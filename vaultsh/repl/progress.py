"""A transfer's progress bar, drawn by prompt-toolkit's own ProgressBar."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from prompt_toolkit.formatted_text import AnyFormattedText
from prompt_toolkit.layout.dimension import AnyDimension, D
from prompt_toolkit.shortcuts import ProgressBar
from prompt_toolkit.shortcuts.progress_bar import formatters
from prompt_toolkit.shortcuts.progress_bar.base import ProgressBarCounter


def human(size: float) -> str:
    """A byte count as `12.0 MiB`."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


class Bytes(formatters.Formatter):
    """`4.0 MiB/12.0 MiB`."""

    def format(
        self, progress_bar: ProgressBar, progress: ProgressBarCounter, width: int
    ) -> AnyFormattedText:
        total = human(progress.total or 0)
        return f"{human(progress.items_completed):>{len(total)}}/{total}"

    def get_width(self, progress_bar: ProgressBar) -> AnyDimension:
        widths = [2 * len(human(c.total or 0)) + 1 for c in progress_bar.counters]
        return D.exact(max(widths, default=1))


FORMATTERS = [
    formatters.Label(suffix=": "),
    formatters.Percentage(),
    formatters.Text(" "),
    formatters.Bar(sym_a="#", sym_b="#", sym_c="."),
    formatters.Text(" "),
    Bytes(),
    formatters.Text("  eta "),
    formatters.TimeLeft(),
]


@contextlib.contextmanager
def bar(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar of `total` bytes; yields the callback that adds bytes done.

    The callback is thread-safe (boto3 calls it from its transfer threads).
    Ctrl-C while the bar is drawn interrupts the transfer.
    """
    lock = threading.Lock()
    with ProgressBar(formatters=FORMATTERS) as progress:
        counter = progress(label=label, total=total)

        def advance(amount: int) -> None:
            with lock:
                counter.items_completed += amount
            progress.invalidate()

        yield advance
        counter.done = True
