"""Print a profile's credentials for other tools."""

from __future__ import annotations

import json
import shlex

from vaultsh.credentials import Credentials, rfc3339
from vaultsh.errors import UsageError

FORMATS = ("env", "export-env", "json", "ini")


def _variables(creds: Credentials, region: str | None) -> list[tuple[str, str]]:
    pairs = [
        ("AWS_ACCESS_KEY_ID", creds.access_key_id),
        ("AWS_SECRET_ACCESS_KEY", creds.secret_access_key),
    ]
    if creds.session_token:
        pairs.append(("AWS_SESSION_TOKEN", creds.session_token))
    if creds.expiration:
        pairs.append(("AWS_CREDENTIAL_EXPIRATION", rfc3339(creds.expiration)))
    if region:
        pairs += [("AWS_REGION", region), ("AWS_DEFAULT_REGION", region)]
    return pairs


def credential_process_json(creds: Credentials) -> str:
    """Exactly what an AWS SDK's credential_process expects."""
    return json.dumps({"Version": 1, **creds.to_dict()}, indent=2)


def render(fmt: str, profile: str, creds: Credentials, region: str | None) -> str:
    if fmt == "json":
        return credential_process_json(creds)
    pairs = [("AWS_VAULT", profile), *_variables(creds, region)]
    if fmt == "env":
        return "\n".join(f"{k}={v}" for k, v in pairs)
    if fmt == "export-env":
        return "\n".join(f"export {k}={shlex.quote(v)}" for k, v in pairs)
    if fmt == "ini":
        return _ini(profile, creds, region)
    raise UsageError(f"unknown format {fmt!r}", f"use one of {', '.join(FORMATS)}")


def _ini(profile: str, creds: Credentials, region: str | None) -> str:
    lines = [
        f"[{profile}]",
        f"aws_access_key_id = {creds.access_key_id}",
        f"aws_secret_access_key = {creds.secret_access_key}",
    ]
    if creds.session_token:
        lines.append(f"aws_session_token = {creds.session_token}")
    if region:
        lines.append(f"region = {region}")
    return "\n".join(lines)
