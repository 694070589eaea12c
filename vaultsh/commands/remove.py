"""Delete a profile's long-term key and its cached sessions."""

from __future__ import annotations

from vaultsh.config import Config
from vaultsh.errors import NoStoredKey
from vaultsh.providers import built_on
from vaultsh.vault import Vault


def remove(vault: Vault, profile: str, config: Config) -> str:
    """Delete the key, and the sessions of every profile built on it."""
    if profile not in vault.key_profiles() and vault.get_key(profile) is None:
        raise NoStoredKey(
            f"no key is stored for profile {profile}",
            "run 'vaultsh list' to see the stored keys",
        )
    sessions = sum(vault.clear_sessions(n) for n in built_on(config, vault, profile))
    vault.remove_key(profile)
    return f"deleted the key of profile {profile} and {sessions} cached session(s)"
