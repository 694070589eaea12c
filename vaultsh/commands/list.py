"""The table of profiles, stored keys and live cached sessions."""

from __future__ import annotations

from dataclasses import dataclass

from vaultsh.config import Config, format_duration
from vaultsh.credentials import utcnow
from vaultsh.vault import Vault


@dataclass(frozen=True)
class Row:
    profile: str
    credentials: str
    sessions: str


def rows(config: Config, vault: Vault) -> list[Row]:
    keys = vault.key_profiles()
    now = utcnow()
    live: dict[str, list[str]] = {}
    for entry in vault.sessions():
        left = entry.seconds_left(now)
        if left > 0:
            text = f"{entry.kind}:{format_duration(left)}"
            live.setdefault(entry.profile, []).append(text)
    names = sorted(set(config.names) | set(keys))
    return [
        Row(
            name,
            f"{name} {keys[name]}" if name in keys else "-",
            ", ".join(live.get(name, [])) or "-",
        )
        for name in names
    ]


def render(table: list[Row]) -> str:
    header = Row("Profile", "Credentials", "Sessions")
    lines = [header, Row("=" * 7, "=" * 11, "=" * 8), *table]
    width_p = max(len(r.profile) for r in lines)
    width_c = max(len(r.credentials) for r in lines)
    return "\n".join(
        f"{r.profile:<{width_p}}  {r.credentials:<{width_c}}  {r.sessions}".rstrip()
        for r in lines
    )
