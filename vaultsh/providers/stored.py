"""A profile's long-term key, straight from the vault."""

from __future__ import annotations

from vaultsh.credentials import Credentials
from vaultsh.errors import NoStoredKey
from vaultsh.providers.base import Provider
from vaultsh.vault import Vault


class StoredKey(Provider):
    kind = "keyring"

    def __init__(self, vault: Vault, profile: str) -> None:
        self.vault = vault
        self.profile = profile

    def retrieve(self) -> Credentials:
        creds = self.vault.get_key(self.profile)
        if creds is None:
            raise NoStoredKey(
                f"no key is stored for profile {self.profile}",
                f"store one with 'vaultsh add {self.profile}'",
            )
        return creds
