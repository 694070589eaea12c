"""A profile's session held for a while, as the interactive shell holds it."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from vaultsh import aws
from vaultsh.commands.exec import session_environ
from vaultsh.config import Profile
from vaultsh.credentials import Credentials
from vaultsh.providers import Resolved

log = logging.getLogger(__name__)

#: renew this long before the session ends
RENEW_BEFORE = 300


class LiveSession:
    """Credentials that renew themselves before they expire."""

    def __init__(self, resolved: Resolved, renew_before: int = RENEW_BEFORE):
        self.resolved = resolved
        self.renew_before = renew_before
        self._creds: Credentials | None = None
        self._clients: dict[str, object] = {}

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
        return self._creds.seconds_left() if self._creds else None

    def credentials(self) -> Credentials:
        """Valid credentials; renewed first when fewer than `renew_before`s remain."""
        left = self.seconds_left()
        if self._creds is None or (left is not None and left <= self.renew_before):
            self._creds = self.resolved.provider.retrieve()
            self._clients.clear()
        return self._creds

    def refresh(self) -> Credentials:
        """A new session now, even if the current one is still good."""
        renew = getattr(self.resolved.provider, "refresh", None)
        self._creds = renew() if renew else self.resolved.provider.retrieve()
        self._clients.clear()
        return self._creds

    def client(self, service: str):
        """A client for `service` signed with the current credentials."""
        creds = self.credentials()
        if service not in self._clients:
            endpoint = self.profile.name if self.profile.values else None
            self._clients[service] = aws.client(service, creds, self.region, endpoint)
        return self._clients[service]

    def environ(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment for a child command run with this session."""
        env = os.environ if base is None else base
        return session_environ(env, self.name, self.credentials(), self.region)
