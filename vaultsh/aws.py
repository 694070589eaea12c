"""AWS clients for vaultsh's own calls, and AWS failures worded for users.

Clients come from a botocore session bound to the profile where the config
has one, so `endpoint_url`, AWS_ENDPOINT_URL and the service-specific
variants are honoured exactly as every AWS SDK honours them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator

from vaultsh.config import env_seconds
from vaultsh.credentials import Credentials, mask
from vaultsh.errors import AwsError, ConfigError

log = logging.getLogger(__name__)

DEFAULT_REGION = "us-east-1"
TIMEOUT_VARIABLE = "VAULTSH_AWS_TIMEOUT"
MFA_FAILED_HINT = (
    "AWS did not accept the MFA code: it was wrong, already used, or not from "
    "the device mfa_serial names; wait for the next code and try again"
)

_HINTS = {
    "AccessDenied": "the policy does not allow this; ask for the permission or "
    "use a profile that has it",
    "AccessDeniedException": "the policy does not allow this",
    "InvalidClientTokenId": "AWS does not know this access key; check it with "
    "'vaultsh list' or store the right one with 'vaultsh add'",
    "SignatureDoesNotMatch": "the secret access key does not match its key id; "
    "store the right one with 'vaultsh add'",
    "ExpiredToken": "the session has expired; run 'vaultsh clear' and try again",
    "RequestExpired": "check the computer's clock",
    "RequestTimeTooSkewed": "the computer's clock is more than 15 minutes off; "
    "set it right (for example with NTP) and try again",
    "InvalidAccessKeyId": "AWS does not know this access key",
    "NoSuchBucket": "check the bucket name (vaultsh_bucket in the profile)",
    "NoSuchKey": "check the key with 's3 ls'",
    "NoSuchDistribution": "check vaultsh_distribution_id in the profile",
    "NoSuchInvalidation": "check the id with 'cf list'",
    "LimitExceeded": "the user already has two access keys; delete one first",
}


def client(
    service: str,
    creds: Credentials,
    region: str | None = None,
    profile: str | None = None,
):
    """A boto3 client signed with `creds`; `profile` lends endpoint settings.

    Attempts follow AWS_MAX_ATTEMPTS or the profile's max_attempts (default 3);
    VAULTSH_AWS_TIMEOUT sets the connect and read timeouts (default 10s, 30s).
    A bad endpoint or region is a ConfigError.
    """
    import botocore.exceptions

    session = _session(profile)
    try:
        return session.client(
            service,
            region_name=region or session.region_name or DEFAULT_REGION,
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token,
            config=_client_config(),
        )
    except (botocore.exceptions.BotoCoreError, ValueError) as exc:
        raise ConfigError(
            f"cannot make an AWS {service} client: {one_line(str(exc))}",
            "check region, AWS_ENDPOINT_URL and endpoint_url",
        ) from None


def _client_config():
    import botocore.config

    connect, read = 10.0, 30.0
    if os.environ.get(TIMEOUT_VARIABLE):
        connect = read = env_seconds(TIMEOUT_VARIABLE, read)
    return botocore.config.Config(
        retries={"mode": "standard"}, connect_timeout=connect, read_timeout=read
    )


def _session(profile: str | None):
    import boto3
    import botocore.exceptions

    if profile:
        try:
            return boto3.session.Session(profile_name=profile)
        except botocore.exceptions.ProfileNotFound:
            pass
    return boto3.session.Session()


@contextlib.contextmanager
def calling(what: str) -> Iterator[None]:
    """Run AWS calls, turning botocore failures into one AwsError line about `what`."""
    import botocore.exceptions as bx
    from botocore.parsers import ResponseParserError

    try:
        yield
    except bx.ClientError as exc:
        raise _client_error(what, exc) from exc
    except (bx.EndpointConnectionError, bx.ConnectionClosedError) as exc:
        raise AwsError(
            f"{what}: cannot reach {exc.kwargs.get('endpoint_url', 'AWS')}",
            "check the network, or AWS_ENDPOINT_URL / endpoint_url",
        ) from exc
    except (bx.ReadTimeoutError, bx.ConnectTimeoutError) as exc:
        raise AwsError(
            f"{what}: {exc.kwargs.get('endpoint_url', 'AWS')} did not answer in time",
            f"check the network and try again ({TIMEOUT_VARIABLE} sets the wait)",
        ) from exc
    except bx.NoRegionError as exc:
        raise AwsError(f"{what}: no region", "set region in the profile") from exc
    except bx.NoCredentialsError as exc:
        raise AwsError(f"{what}: no credentials") from exc
    except bx.BotoCoreError as exc:
        raise AwsError(f"{what}: {one_line(str(exc))}") from exc
    except (KeyError, TypeError, ResponseParserError) as exc:
        # a server that is not AWS: a proxy, a captive portal, a web server
        raise AwsError(
            f"{what}: the answer is not what AWS sends",
            "check AWS_ENDPOINT_URL / endpoint_url and the network",
        ) from exc


def one_line(text: str, limit: int = 300) -> str:
    """`text` on one line, key ids masked, cut to about `limit` characters."""
    flat = mask_key_ids(" ".join(text.split()))
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


_KEY_ID = re.compile(r"\b(?:AKIA|ASIA|AROA|AIDA|AGPA|ANPA)[A-Z0-9]{12,}\b")


def mask_key_ids(text: str) -> str:
    """`text` with every AWS key or principal id masked to its last four characters."""
    return _KEY_ID.sub(lambda m: mask(m.group(0)), text)


def error_code(exc: BaseException) -> str:
    """The AWS error code behind `exc`, found along its chain of causes."""
    seen: BaseException | None = exc
    while seen is not None:
        response = getattr(seen, "response", None)
        if isinstance(response, dict):
            return response.get("Error", {}).get("Code", "") or ""
        seen = seen.__cause__
    return ""


def _client_error(what: str, exc) -> AwsError:
    error = exc.response.get("Error", {})
    code = error.get("Code") or ""
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if not code and status == 403:
        code = "AccessDenied"
    message = one_line(error.get("Message") or "").rstrip(".")
    message = message or code or f"HTTP {status}"
    text = f"{what} failed: {code}: {message}" if code else f"{what}: {message}"
    return AwsError(text, _hint(code, message))


def _hint(code: str, message: str) -> str | None:
    """What to do about an AWS error, from its code and, where needed, its text."""
    lowered = message.lower()
    if "signature expired" in lowered:
        return _HINTS["RequestTimeTooSkewed"]
    if "multifactorauthentication" in lowered:
        return MFA_FAILED_HINT
    if "maxsessionduration" in lowered:
        return (
            "ask for less with --duration or duration_seconds, or raise the "
            "role's maximum session duration in IAM"
        )
    if "session credentials" in lowered and "getsessiontoken" in lowered:
        return "store the IAM user's long-term key (AKIA...) with 'vaultsh add'"
    return _HINTS.get(code)
