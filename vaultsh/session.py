"""A profile's session held for a while, as the interactive shell holds it.

The session renews itself once fewer than `renew_before` seconds remain
(default 300; the profile key `vaultsh_renew_before` changes it). A renewal
takes, in this order: 1. a session another vaultsh process cached in the
vault, if it has more than `renew_before` seconds left; 2. a new STS call,
whose MFA code comes from a fresh MFA source (`mfa_process`, else
`ask_code`), never from a code typed earlier. Every method is thread-safe.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime

from vaultsh import aws
from vaultsh.commands.exec import session_environ
from vaultsh.config import Profile, format_duration, parse_duration
from vaultsh.credentials import Credentials, mask, utcnow
from vaultsh.errors import ConfigError, UsageError, VaultshError
from vaultsh.mfa import MfaSource, from_terminal
from vaultsh.providers import Resolved

log = logging.getLogger(__name__)

#: renew this long before the session ends
RENEW_BEFORE = 300
RENEW_BEFORE_KEY = "vaultsh_renew_before"

AskCode = Callable[[str], str]


class SessionExpired(VaultshError):
    """The held session has ended and may not be renewed here."""


class LiveSession:
    """Credentials that renew themselves before they expire."""

    def __init__(
        self,
        resolved: Resolved,
        renew_before: int | None = None,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.resolved = resolved
        self._clock = clock
        self.renew_before = (
            renew_before if renew_before is not None else _renew_before(resolved)
        )
        _check_renew_before(resolved, self.renew_before)
        #: asks the user for an MFA code during a renewal (default: /dev/tty)
        self.ask_code: AskCode = from_terminal
        self._creds: Credentials | None = None
        self._clients: dict[str, object] = {}
        self._lock = threading.RLock()

    @property
    def name(self) -> str:
        return self.resolved.profile.name

    @property
    def profile(self) -> Profile:
        return self.resolved.profile

    @property
    def region(self) -> str | None:
        return self.resolved.region

    def setting(self, key: str) -> str | None:
        """A key of the profile's config section (vaultsh_bucket, ...)."""
        return self.profile.get(key)

    def seconds_left(self) -> float | None:
        creds = self._creds
        return creds.seconds_left(self._clock()) if creds else None

    def due(self) -> bool:
        """Whether the held session is within `renew_before` of its end."""
        left = self.seconds_left()
        return left is not None and left <= self.renew_before

    def credentials(self) -> Credentials:
        """Valid credentials; renewed first when due (may ask for an MFA code)."""
        with self._lock:
            if self._creds is None:
                self._hold(self.resolved.provider.retrieve())
            elif self.due():
                self.renew(self.ask_code)
            return self._creds

    def renew(self, ask: AskCode | None = None, only_if_due: bool = False) -> bool:
        """Hold a session with more than `renew_before` left: a cached one, else new.

        `ask` answers an MFA prompt; None means a code must not be asked for
        (CodeNeeded is raised instead), as in a background renewal. Returns
        False when `only_if_due` and another thread renewed it meanwhile.
        """
        with self._lock:
            if only_if_due and not self.due():
                return False
            self._fresh_mfa(ask)
            creds = self.resolved.provider.retrieve()
            left = creds.seconds_left(self._clock())
            if creds == self._creds or (left is not None and left <= self.renew_before):
                creds = self._force()
            log.debug("profile %s: renewed the session", self.name)
            self._hold(creds)
            return True

    def refresh(self) -> Credentials:
        """A new session now, even if the current one is still good."""
        with self._lock:
            self._fresh_mfa(self.ask_code)
            return self._hold(self._force())

    def held(self) -> Credentials:
        """The current credentials, never renewed; SessionExpired once ended."""
        with self._lock:
            if self._creds is None:
                return self.credentials()
            left = self.seconds_left()
            if left is not None and left <= 0:
                raise SessionExpired(
                    f"the session of profile {self.name} has expired",
                    "run any command, or 'refresh', to renew it",
                )
            return self._creds

    def client(self, service: str, renew: bool = True):
        """A client for `service`; with renew=False the session is not renewed."""
        with self._lock:
            creds = self.credentials() if renew else self.held()
            if service not in self._clients:
                endpoint = self.profile.name if self.profile.values else None
                self._clients[service] = aws.client(
                    service, creds, self.region, endpoint
                )
            return self._clients[service]

    def environ(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment for a child command run with this session."""
        env = os.environ if base is None else base
        return session_environ(env, self.name, self.credentials(), self.region)

    def describe(self) -> str:
        """`key ****WXYZ, 29m58s left`, for messages."""
        creds = self._creds
        left = self.seconds_left()
        shown = format_duration(left) + " left" if left is not None else "no expiry"
        return f"key {mask(creds.access_key_id if creds else None)}, {shown}"

    def _force(self) -> Credentials:
        renew = getattr(self.resolved.provider, "refresh", None)
        return renew() if renew else self.resolved.provider.retrieve()

    def _hold(self, creds: Credentials) -> Credentials:
        self._creds = creds
        self._clients.clear()
        return creds

    def _fresh_mfa(self, ask: AskCode | None) -> None:
        # a code is good once: each renewal gets a source that has used none
        source = MfaSource(prompt=ask or _refuse_to_ask)
        for call in _sts_calls(self.resolved.provider):
            call.mfa = source


class CodeNeeded(VaultshError):
    """A renewal needs an MFA code typed by the user."""


def _refuse_to_ask(serial: str) -> str:
    raise CodeNeeded(
        f"renewing the session needs a code of MFA device {serial}",
        "it is asked for before the next command",
    )


def _sts_calls(provider: object) -> Iterator[object]:
    """The StsCall of each STS step in a provider chain, top first."""
    while provider is not None:
        call = getattr(provider, "call", None)
        if call is not None and hasattr(call, "mfa"):
            yield call
        provider = getattr(provider, "inner", None) or getattr(provider, "source", None)


def _renew_before(resolved: Resolved) -> int:
    """1. the profile's vaultsh_renew_before, 2. RENEW_BEFORE."""
    raw = resolved.profile.get(RENEW_BEFORE_KEY)
    if raw is None:
        return RENEW_BEFORE
    try:
        return parse_duration(raw)
    except UsageError:
        raise ConfigError(
            f"profile {resolved.profile.name}: {RENEW_BEFORE_KEY} = {raw} "
            "is not a duration",
            "give seconds or units, for example 300 or 5m",
        ) from None


def _check_renew_before(resolved: Resolved, renew_before: int) -> None:
    """ConfigError when the session would always be due for renewal."""
    calls = list(_sts_calls(resolved.provider))
    duration = getattr(calls[0], "duration", None) if calls else None
    if renew_before < 0 or (duration and renew_before >= duration):
        raise ConfigError(
            f"profile {resolved.profile.name}: {RENEW_BEFORE_KEY} = {renew_before}s "
            f"does not fit a session of {duration}s",
            f"give a value from 0 to {duration - 1 if duration else 'the duration'}",
        )
