"""The bottom toolbar: profile, time left (counting down), bucket, distribution.

`fragments` is pure, so what the toolbar shows can be checked without a
terminal; `for_session` binds it to a live session. Nothing here calls AWS.
"""

from __future__ import annotations

from collections.abc import Callable

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
        "error": "ansired",
    }
)


def fragments(
    profile: str,
    seconds_left: float | None,
    bucket: str | None,
    distribution: str | None,
) -> StyleAndTextTuples:
    """The toolbar's styled pieces; the time is `toolbar.expiring` near the end."""
    expiring = seconds_left is not None and seconds_left <= WARN_BELOW
    time_style = "class:toolbar.expiring" if expiring else "class:toolbar.time"
    return [
        ("class:toolbar.profile", f" {profile} "),
        ("class:toolbar.dim", " session "),
        (time_style, f" {time_left(seconds_left)} "),
        ("class:toolbar.dim", "  bucket "),
        ("", bucket or "(no vaultsh_bucket)"),
        ("class:toolbar.dim", "  distribution "),
        ("", distribution or "(no vaultsh_distribution_id)"),
        ("class:toolbar.dim", "  help: commands "),
    ]


def for_session(session: LiveSession) -> Callable[[], StyleAndTextTuples]:
    """A toolbar callable for PromptSession, read at every redraw."""

    def draw() -> StyleAndTextTuples:
        return fragments(
            session.name,
            session.seconds_left(),
            session.setting(BUCKET_KEY),
            session.setting(DISTRIBUTION_KEY),
        )

    return draw


def prompt_message(profile: str) -> StyleAndTextTuples:
    return [("class:prompt.profile", profile), ("class:prompt", "> ")]
