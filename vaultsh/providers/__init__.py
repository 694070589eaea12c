"""Credential providers, and the chain a profile's config asks for.

`resolve` reads the profile's source_profile chain and builds, from the bottom:
1. the base: the key stored in the vault, else a credential_process that is
   not vaultsh itself;
2. for a base profile asked for on its own: GetSessionToken (unless
   --no-session), with MFA where the profile names an mfa_serial;
3. for each role above it: AssumeRole, with MFA where that profile names one.
Every STS step is wrapped in the session cache.
"""

from __future__ import annotations

import logging

from vaultsh.config import CHAINED_ROLE_MAX, DEFAULT_DURATION, Config, Profile
from vaultsh.errors import ConfigError, NoStoredKey, UsageError, VaultshError
from vaultsh.mfa import MfaSource
from vaultsh.providers.assume_role import AssumeRole
from vaultsh.providers.base import Provider
from vaultsh.providers.cached import Cached
from vaultsh.providers.process import CredentialProcess
from vaultsh.providers.session_token import SessionToken
from vaultsh.providers.stored import StoredKey
from vaultsh.providers.sts import StsCall
from vaultsh.vault import Vault

log = logging.getLogger(__name__)

DEFAULT_STS_REGION = "us-east-1"


class Options:
    """What the command line says; None means 'not given'."""

    def __init__(
        self,
        no_session: bool = False,
        duration: int | None = None,
        region: str | None = None,
        mfa_token: str | None = None,
        environ: dict | None = None,
    ) -> None:
        self.no_session = no_session
        self.duration = duration
        self.region = region
        self.mfa_token = mfa_token
        self.environ = {} if environ is None else environ


class Resolved:
    """A profile made ready: its provider, region and config section."""

    def __init__(
        self,
        profile: Profile,
        provider: Provider,
        region: str | None,
        chain: list[Profile],
    ) -> None:
        self.profile = profile
        self.provider = provider
        self.region = region
        self.chain = chain


def resolve(config: Config, vault: Vault, name: str, options: Options) -> Resolved:
    chain = chain_of(config, vault, name)
    region = _region(chain, options)
    mfa = MfaSource(options.mfa_token)
    sts_region = region or DEFAULT_STS_REGION
    base = chain[-1]
    provider = _base(vault, base)
    if len(chain) == 1 and not options.no_session and provider.kind == "keyring":
        duration = _duration(base, options, True, "GetSessionToken")
        call = StsCall(base, duration, sts_region, mfa, _ep(config, base))
        fresh = options.duration is not None
        provider = Cached(
            SessionToken(provider, call), vault, base.mfa_serial, fresh=fresh
        )
    for depth, role in enumerate(reversed(chain[:-1])):
        if not role.role_arn:
            raise ConfigError(
                f"profile {role.name} has source_profile but no role_arn",
                "add role_arn, or remove source_profile",
            )
        top = role is chain[0]
        duration = _duration(role, options, top, "AssumeRole")
        flag = top and options.duration is not None
        if depth > 0:
            _check_chained(role, duration, flag)
        call = StsCall(role, duration, sts_region, mfa, _ep(config, role))
        provider = Cached(
            AssumeRole(provider, call), vault, role.mfa_serial, fresh=flag
        )
    return Resolved(chain[0], provider, region, chain)


def _ep(config: Config, profile: Profile) -> str | None:
    return profile.name if profile.name in config else None


def chain_of(config: Config, vault: Vault, name: str) -> list[Profile]:
    """The profile and its sources, target first; a stored key needs no section."""
    if name not in config and name in vault.key_profiles():
        return [Profile(name, {})]
    return config.chain(name)


def built_on(config: Config, vault: Vault, base: str) -> list[str]:
    """`base` and every profile whose source chain ends at it."""
    names = {base}
    for name in config.names:
        try:
            if chain_of(config, vault, name)[-1].name == base:
                names.add(name)
        except VaultshError:
            continue
    return sorted(names)


def _base(vault: Vault, base: Profile) -> Provider:
    if base.name in vault.key_profiles():
        log.debug("profile %s: using the key stored in the vault", base.name)
        return StoredKey(vault, base.name)
    if base.credential_process:
        log.debug("profile %s: no stored key, using credential_process", base.name)
        return CredentialProcess(base.name, base.credential_process)
    raise NoStoredKey(
        f"no key is stored for profile {base.name}",
        f"store one with 'vaultsh add {base.name}'",
    )


def _region(chain: list[Profile], options: Options) -> str | None:
    """1. --region, 2. AWS_REGION / AWS_DEFAULT_REGION, 3. the profiles, 4. none."""
    if options.region:
        return options.region
    env = options.environ
    from_env = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if from_env:
        return from_env
    return next((p.region for p in chain if p.region), None)


#: what STS accepts as DurationSeconds, by call
LIMITS = {"GetSessionToken": (900, 129600), "AssumeRole": (900, 43200)}


def _duration(profile: Profile, options: Options, top: bool, call: str) -> int:
    """1. --duration (for the profile asked for), 2. duration_seconds, 3. 1h."""
    if top and options.duration is not None:
        chosen, origin = options.duration, "--duration"
    elif profile.duration_seconds is not None:
        chosen, origin = profile.duration_seconds, "duration_seconds"
    else:
        chosen, origin = DEFAULT_DURATION, "the default"
    low, high = LIMITS[call]
    # a flag is a usage error; a value from the file is a config error
    error = UsageError if origin == "--duration" else ConfigError
    if not low <= chosen <= high:
        raise error(
            f"profile {profile.name}: {origin} asks for a session of {_asked(chosen)}",
            f"{call} allows {low} to {high} seconds ({_human(low)} to {_human(high)})",
        )
    return chosen


def _check_chained(role: Profile, duration: int, flag: bool) -> None:
    if duration > CHAINED_ROLE_MAX:
        raise (UsageError if flag else ConfigError)(
            f"profile {role.name} is a role assumed from another role, and a "
            f"session of {_asked(duration)} was asked for",
            f"AWS allows at most {CHAINED_ROLE_MAX}s (1h) for a chained role; "
            "ask for less with --duration or duration_seconds",
        )


def _asked(seconds: int) -> str:
    """`2h (7200s)`; just `45s` where the two would say the same."""
    human = _human(seconds)
    return human if human == f"{seconds}s" else f"{human} ({seconds}s)"


def _human(seconds: int) -> str:
    """`12h`, `1h30m`, `15m`, `45s`, `1h00m05s` without the zero parts."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(hours, "h"), (minutes, "m"), (secs, "s")]
    return "".join(f"{n}{unit}" for n, unit in parts if n) or "0s"
