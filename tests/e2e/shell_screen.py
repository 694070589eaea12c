"""The installed shell in a real terminal emulator (tmux), for what only a
screen shows: the toolbar's countdown and status line, the completion menu,
a progress bar, text that prompt-toolkit redraws in place.

Each ShellScreen runs `vaultsh PROFILE` in a pane of a tmux server of its
own. `wait_for` polls the screen until a pattern shows (with a time limit, so
a failure shows the screen and the whole scrollback); nothing asserts how
long anything took.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.conftest import Home
from tests.helpers import TmuxServer

PROFILE = "static.example.com"
WIDTH, HEIGHT = 120, 30
TIMEOUT = 30.0
#: the prompt with nothing typed (tmux drops the space after `>`)
EMPTY_PROMPT = f"{PROFILE}>"


class ShellScreen(TmuxServer):
    """`vaultsh PROFILE` in a tmux pane."""

    def __init__(
        self, env: Mapping[str, str], cwd: Path, args: Sequence[str] = ()
    ) -> None:
        super().__init__("vaultsh-shell", TIMEOUT)
        self._tmux(
            "new-session",
            "-d",
            "-x",
            str(WIDTH),
            "-y",
            str(HEIGHT),
            "-c",
            str(cwd),
            "vaultsh",
            *args,
            PROFILE,
            # keep the pane when the shell ends, so the screen says why
            ";",
            "set-option",
            "-g",
            "remain-on-exit",
            "on",
            env=dict(env),
        )
        self.socket_path = Path(self._tmux("display", "-p", "#{socket_path}").strip())

    # keys ------------------------------------------------------------------

    def ready(self) -> None:
        """Wait for an empty prompt with its toolbar drawn."""
        self.wait_until(
            lambda: self.input_line() == EMPTY_PROMPT and PROFILE in self.toolbar(),
            "an empty prompt",
        )

    def command(self, line: str) -> None:
        """At an empty prompt, type `line` and press Enter."""
        self.ready()
        self.type(line)
        self.press("Enter")

    # the screen ----------------------------------------------------------------

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p")

    def history(self) -> str:
        return self._tmux("capture-pane", "-p", "-S", "-", "-E", "-")

    def toolbar(self) -> str:
        """The bottom line."""
        lines = self.screen().split("\n")
        return lines[HEIGHT - 1] if len(lines) >= HEIGHT else ""

    def input_line(self) -> str | None:
        """The last prompt line on the screen, with what is typed after it."""
        rows = self.screen().split("\n")[: HEIGHT - 1]
        found = [row.rstrip() for row in rows if row.startswith(EMPTY_PROMPT)]
        return found[-1] if found else None

    def wait_for(self, pattern: str, where: str = "screen") -> re.Match:
        """Wait until `pattern` (a regex) shows on the screen or the toolbar."""
        compiled = re.compile(pattern)
        matched: list[re.Match] = []

        def found() -> bool:
            text = self.toolbar() if where == "toolbar" else self.screen()
            hit = compiled.search(text)
            if hit:
                matched.append(hit)
            return hit is not None

        self.wait_until(found, f"{pattern!r} on the {where}")
        return matched[-1]

    def wait_until(self, condition, what: str, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(
                    f"waited {timeout:.0f}s for {what}\n--- screen ---\n"
                    f"{self.screen()}\n--- whole scrollback ---\n{self.history()}"
                )
            time.sleep(0.05)

    def close(self) -> str:
        """End the shell; returns everything it showed."""
        try:
            shown = self.history()
        except BaseException:  # the shell may have left, taking tmux with it
            shown = ""
        subprocess.run(
            ["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10
        )
        self.socket_path.unlink(missing_ok=True)
        return shown


@contextmanager
def open_shell(
    home: Home, folder: Path, args: Sequence[str] = ()
) -> Iterator[ShellScreen]:
    """The shell on the role in `folder`; fails the test if a traceback showed."""
    folder.mkdir(exist_ok=True)
    shell = ShellScreen(home.env, folder, args)
    try:
        yield shell
    finally:
        shown = shell.close()
    assert "Traceback" not in shown, shown


def set_profile_keys(home: Home, **values: str | None) -> None:
    """Set (or, with None, remove) keys of [profile static.example.com]."""
    lines = home.config_file.read_text().splitlines()
    section, kept = None, []
    for line in lines:
        if line.startswith("["):
            section = line
        key = line.split("=", 1)[0].strip()
        if section == f"[profile {PROFILE}]" and key in values:
            continue
        kept.append(line)
    at = kept.index(f"[profile {PROFILE}]") + 1
    added = [f"{key} = {value}" for key, value in values.items() if value is not None]
    home.write_config("\n".join(kept[:at] + added + kept[at:]) + "\n")
