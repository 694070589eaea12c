"""The interface every credential source implements."""

from __future__ import annotations

from typing import Protocol

from vaultsh.credentials import Credentials


class Provider(Protocol):
    """A source of credentials."""

    #: what `list` calls sessions of this source, for example sts.AssumeRole
    kind: str
    profile: str

    def retrieve(self) -> Credentials:
        """Credentials, with their expiry when they have one; raises VaultshError."""
        ...
