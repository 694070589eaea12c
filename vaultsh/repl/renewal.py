"""Keeping the shell's session alive.

A `Renewer` thread renews the session once it is due (see LiveSession) when
that needs nobody to type: a session cached by another vaultsh process, or a
new one with the code from `mfa_process`. When a code must be typed, the
toolbar says so and the next command asks for it (`ask_code`) before it runs;
no command runs on an ended session.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from vaultsh.errors import MfaError, VaultshError
from vaultsh.mfa import check_code
from vaultsh.repl.toolbar import Notices
from vaultsh.session import CodeNeeded, LiveSession

log = logging.getLogger(__name__)

#: seconds between two looks at the session
TICK = 1.0
#: seconds before a failed background renewal is tried again
RETRY_AFTER = 60.0
CODE_NEEDED = (
    "renewing the session needs an MFA code: the next command asks for it "
    "(or type refresh)"
)


class Renewer:
    """Renews a due session in the background where no code must be typed."""

    def __init__(
        self,
        session: LiveSession,
        notices: Notices,
        wake: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session = session
        self.notices = notices
        self.wake = wake
        self._clock = clock
        self._failed_at: float | None = None
        self._waiting_for_code = False
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="vaultsh-renewer", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(TICK):
            try:
                self.tick()
            except Exception:  # the thread must live on; the details go to --debug
                log.debug("background renewal failed", exc_info=True)

    def tick(self) -> None:
        """Renew now if the session is due and no code has to be typed."""
        if not self.session.due():
            if self._waiting_for_code:
                self._waiting_for_code = False
                self.notices.clear()
            return
        if self._waiting_for_code or self._resting():
            return
        try:
            renewed = self.session.renew(ask=None, only_if_due=True)
        except CodeNeeded:
            self._waiting_for_code = True
            self.notices.post(CODE_NEEDED, float("inf"), warning=True)
        except VaultshError as exc:
            self._failed_at = self._clock()
            self.notices.post(
                f"could not renew the session ({exc.message}); trying again in "
                f"{RETRY_AFTER:.0f}s",
                RETRY_AFTER,
                warning=True,
            )
        else:
            self._failed_at = None
            if renewed:
                self.notices.post(f"session renewed: {self.session.describe()}")
        self.wake()

    def _resting(self) -> bool:
        return (
            self._failed_at is not None
            and self._clock() - self._failed_at < RETRY_AFTER
        )


def ask_code(serial: str) -> str:
    """Ask at the shell for a code of MFA device `serial` (a renewal's code)."""
    from prompt_toolkit import prompt

    try:
        answer = prompt(f"MFA code for {serial} (to renew the session): ")
    except EOFError:
        raise MfaError("no MFA code was entered; the session was not renewed") from None
    return check_code(answer, "the prompt")
