"""Delete cached sessions, keeping long-term keys."""

from __future__ import annotations

from vaultsh.vault import Vault


def clear(vault: Vault, profile: str | None = None) -> str:
    count = vault.clear_sessions(profile)
    scope = f"of profile {profile}" if profile else "in all"
    return f"cleared {count} cached session(s) {scope}"
