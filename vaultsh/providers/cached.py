"""Reuse a provider's sessions from the vault while enough time remains."""

from __future__ import annotations

import logging

from vaultsh.config import format_duration
from vaultsh.credentials import Credentials
from vaultsh.errors import VaultError
from vaultsh.providers.base import Provider
from vaultsh.vault import Vault, file_lock

log = logging.getLogger(__name__)

MIN_REMAINING = 300


class Cached(Provider):
    """Wraps any provider; keyed by (kind, profile, MFA serial)."""

    def __init__(
        self, inner: Provider, vault: Vault, serial: str | None, fresh: bool = False
    ) -> None:
        self.inner = inner
        self.vault = vault
        self.serial = serial
        #: a session of an explicitly asked length is made anew, then cached
        self.fresh = fresh
        self.kind = inner.kind
        self.profile = inner.profile

    def cached(self) -> Credentials | None:
        if self.fresh:
            log.debug("profile %s: a new %s for --duration", self.profile, self.kind)
            return None
        creds = self.vault.get_session(self.kind, self.profile, self.serial)
        left = creds.seconds_left() if creds else None
        if creds is None or left is None:
            return None
        if left <= MIN_REMAINING:
            log.debug(
                "profile %s: cached %s has only %s left",
                self.profile,
                self.kind,
                format_duration(left),
            )
            return None
        log.debug(
            "profile %s: using cached %s, %s left",
            self.profile,
            self.kind,
            format_duration(left),
        )
        return creds

    def retrieve(self) -> Credentials:
        creds = self.cached()
        if creds:
            return creds
        # One process at a time builds a session (and asks for its MFA code);
        # the others wait here, then reuse it.
        what = f"the {self.kind} session of profile {self.profile}"
        with file_lock(self._lock_name(), what):
            creds = self.cached()
            if creds:
                return creds
            creds = self.inner.retrieve()
            self._keep(creds)
            return creds

    def _keep(self, creds: Credentials) -> None:
        """Cache the new session; a keyring that refuses costs only the cache."""
        try:
            self.vault.set_session(self.kind, self.profile, self.serial, creds)
        except VaultError as exc:
            log.warning("cannot cache the %s session: %s", self.kind, exc)

    def _lock_name(self) -> str:
        import hashlib

        key = "\0".join([self.kind, self.profile, self.serial or ""])
        return "session-" + hashlib.sha256(key.encode()).hexdigest()[:16]

    def refresh(self) -> Credentials:
        """A new session even when the cached one is still good."""
        creds = self.inner.retrieve()
        self._keep(creds)
        return creds
