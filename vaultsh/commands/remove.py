"""Delete a profile's long-term key and its cached sessions."""

from __future__ import annotations

from vaultsh.errors import NoStoredKey
from vaultsh.vault import Vault


def remove(vault: Vault, profile: str) -> str:
    if profile not in vault.key_profiles() and vault.get_key(profile) is None:
        raise NoStoredKey(
            f"no key is stored for profile {profile}",
            "run 'vaultsh list' to see the stored keys",
        )
    sessions = vault.clear_sessions(profile)
    vault.remove_key(profile)
    return f"deleted the key of profile {profile} and {sessions} cached session(s)"
