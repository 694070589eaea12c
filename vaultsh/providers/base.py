"""The interface every credential source implements."""

from __future__ import annotations

from vaultsh.credentials import Credentials


class Provider:
    """A source of credentials; each source subclasses it."""

    #: what `list` calls sessions of this source, for example sts.AssumeRole
    kind: str
    profile: str

    def retrieve(self) -> Credentials:
        """Credentials, with their expiry when they have one; raises VaultshError."""
        raise NotImplementedError
