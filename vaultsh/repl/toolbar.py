"""The bottom toolbar: profile, time left (counting down), bucket, distribution,
and one status line (a listing loading, why completion is limited, a renewal).

`fragments` is pure, so what the toolbar shows can be checked without a
terminal; `for_session` binds it to a live session. Nothing here calls AWS.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.styles import Style

from vaultsh.repl.identity import time_left
from vaultsh.repl.settings import BUCKET_KEY, DISTRIBUTION_KEY
from vaultsh.session import LiveSession

#: the time left turns to the warning colour this many seconds before the end
WARN_BELOW = 300

STYLE = Style.from_dict(
    {
        "prompt.profile": "ansicyan bold",
        "prompt": "",
        "bottom-toolbar": "noreverse bg:#262626 #d0d0d0",
        "toolbar.profile": "bold ansicyan",
        "toolbar.time": "ansigreen",
        "toolbar.expiring": "bold bg:ansired ansiwhite",
        "toolbar.dim": "#8a8a8a",
        "toolbar.status": "ansiyellow",
        "toolbar.warning": "bold ansiyellow",
        "error": "ansired",
    }
)


@dataclass(frozen=True)
class Status:
    """One line of news for the toolbar; `warning` draws it brighter."""

    text: str
    warning: bool = False


def fragments(
    profile: str,
    seconds_left: float | None,
    bucket: str | None,
    distribution: str | None,
    status: Status | None = None,
) -> StyleAndTextTuples:
    """The toolbar's styled pieces; the time is `toolbar.expiring` near the end.

    A status takes the place of the bucket, distribution and help hint.
    """
    expiring = seconds_left is not None and seconds_left <= WARN_BELOW
    time_style = "class:toolbar.expiring" if expiring else "class:toolbar.time"
    parts = [
        ("class:toolbar.profile", f" {profile} "),
        ("class:toolbar.dim", " session "),
        (time_style, f" {time_left(seconds_left)} "),
    ]
    if status is not None:
        style = "class:toolbar.warning" if status.warning else "class:toolbar.status"
        return [*parts, ("", "  "), (style, f"{status.text} ")]
    return [
        *parts,
        ("class:toolbar.dim", "  bucket "),
        ("", bucket or "(no vaultsh_bucket)"),
        ("class:toolbar.dim", "  distribution "),
        ("", distribution or "(no vaultsh_distribution_id)"),
        ("class:toolbar.dim", "  help: commands "),
    ]


class Notices:
    """The latest note for the toolbar, until it expires or is replaced.

    Thread-safe: the renewal thread posts here while the prompt draws.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._current: tuple[Status, float] | None = None

    def post(self, text: str, seconds: float = 10.0, warning: bool = False) -> None:
        """Show `text` for `seconds` (float('inf'): until cleared)."""
        with self._lock:
            self._current = (Status(text, warning), self._clock() + seconds)

    def clear(self) -> None:
        with self._lock:
            self._current = None

    def current(self) -> Status | None:
        with self._lock:
            if self._current is None or self._clock() >= self._current[1]:
                return None
            return self._current[0]


def for_session(
    session: LiveSession, status: Callable[[], Status | None] = lambda: None
) -> Callable[[], StyleAndTextTuples]:
    """A toolbar callable for PromptSession, read at every redraw."""

    def draw() -> StyleAndTextTuples:
        return fragments(
            session.name,
            session.seconds_left(),
            session.setting(BUCKET_KEY),
            session.setting(DISTRIBUTION_KEY),
            status(),
        )

    return draw


def prompt_message(profile: str) -> StyleAndTextTuples:
    return [("class:prompt.profile", profile), ("class:prompt", "> ")]
