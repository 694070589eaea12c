"""AWS clients for vaultsh's own calls, and AWS failures worded for users.

Clients come from a botocore session bound to the profile where the config
has one, so `endpoint_url`, AWS_ENDPOINT_URL and the service-specific
variants are honoured exactly as every AWS SDK honours them.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator

from vaultsh.credentials import Credentials, mask
from vaultsh.errors import AwsError

log = logging.getLogger(__name__)

DEFAULT_REGION = "us-east-1"

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
    "RequestTimeTooSkewed": "the computer's clock is off; set it right",
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
    """A boto3 client signed with `creds`; `profile` lends endpoint settings."""
    import botocore.config

    session = _session(profile)
    config = botocore.config.Config(
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=10,
        read_timeout=30,
    )
    return session.client(
        service,
        region_name=region or session.region_name or DEFAULT_REGION,
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        aws_session_token=creds.session_token,
        config=config,
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
            f"{what}: AWS did not answer in time",
            "check the network and try again",
        ) from exc
    except bx.NoRegionError as exc:
        raise AwsError(f"{what}: no region", "set region in the profile") from exc
    except bx.ParamValidationError as exc:
        detail = str(exc).replace("\n", " ")
        raise AwsError(f"{what}: {detail}") from exc
    except bx.BotoCoreError as exc:
        raise AwsError(f"{what}: {exc}") from exc


_KEY_ID = re.compile(r"\b(?:AKIA|ASIA|AROA|AIDA|AGPA|ANPA)[A-Z0-9]{12,}\b")


def mask_key_ids(text: str) -> str:
    """`text` with every AWS key or principal id masked to its last four characters."""
    return _KEY_ID.sub(lambda m: mask(m.group(0)), text)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError (or of the one behind an AwsError)."""
    cause = exc.__cause__ if isinstance(exc, AwsError) else exc
    response = getattr(cause, "response", None) or {}
    return response.get("Error", {}).get("Code", "") or ""


def _client_error(what: str, exc) -> AwsError:
    error = exc.response.get("Error", {})
    code = error.get("Code") or ""
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if not code and status == 403:
        code = "AccessDenied"
    message = (error.get("Message") or "").strip() or code or f"HTTP {status}"
    message = mask_key_ids(message)
    if "signature expired" in message.lower():
        code = "RequestTimeTooSkewed"
    text = f"{what} failed: {code}: {message}" if code else f"{what}: {message}"
    return AwsError(text, _HINTS.get(code))
