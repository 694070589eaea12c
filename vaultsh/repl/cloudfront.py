"""Invalidations on the profile's CloudFront distribution.

Only the configured distribution is used: the role may create, get and list
its invalidations but not list or describe distributions. Each function
returns the text to show and raises VaultshError.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from vaultsh import aws
from vaultsh.config import format_duration
from vaultsh.errors import AwsError, UsageError
from vaultsh.repl.settings import distribution
from vaultsh.session import LiveSession

WAIT_DELAY = 5.0
WAIT_TIMEOUT = 600.0


def completed(status: str) -> bool:
    """True for a finished invalidation; AWS says Completed, moto COMPLETED."""
    return status.strip().lower() == "completed"


def invalidate(session: LiveSession, paths: Sequence[str]) -> str:
    """Create one invalidation of `paths` (each starting with /)."""
    _check_paths(paths)
    dist = distribution(session)
    batch = {
        "Paths": {"Quantity": len(paths), "Items": list(paths)},
        "CallerReference": f"vaultsh-{uuid.uuid4().hex}",
    }
    with aws.calling(f"CreateInvalidation on distribution {dist}"):
        made = session.client("cloudfront").create_invalidation(
            DistributionId=dist, InvalidationBatch=batch
        )
    return "created " + _describe(made["Invalidation"])


def _check_paths(paths: Sequence[str]) -> None:
    if not paths:
        raise UsageError("no path to invalidate", "give one or more, like /index.html")
    for path in paths:
        if not path.startswith("/"):
            raise UsageError(
                f"path {path!r} does not start with /",
                f'write it as /{path}; quote wildcards, like "/css/*"',
            )


def describe(session: LiveSession, ident: str) -> str:
    """One invalidation: id, status, creation time and paths."""
    return _describe(_get(session, distribution(session), ident))


def _get(session: LiveSession, dist: str, ident: str) -> dict:
    with aws.calling(f"GetInvalidation {ident}"):
        answer = session.client("cloudfront").get_invalidation(
            DistributionId=dist, Id=ident
        )
    return answer["Invalidation"]


def _describe(item: dict) -> str:
    paths = item.get("InvalidationBatch", {}).get("Paths", {}).get("Items", [])
    words = [f"invalidation {item['Id']}", item["Status"], _stamp(item)]
    return "  ".join([*words, " ".join(paths)]).rstrip()


def _stamp(item: dict) -> str:
    moment = item.get("CreateTime")
    if isinstance(moment, datetime):
        return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    return str(moment or "")


def listing(session: LiveSession) -> str:
    """The distribution's invalidations: id, status, creation time."""
    dist = distribution(session)
    lines = [
        f"{item['Id']}  {item['Status']:<11} {_stamp(item)}"
        for item in _summaries(session, dist)
    ]
    return "\n".join(lines) or f"no invalidations on distribution {dist}"


def _summaries(session: LiveSession, dist: str) -> Iterator[dict]:
    paginator = session.client("cloudfront").get_paginator("list_invalidations")
    with aws.calling(f"ListInvalidations on distribution {dist}"):
        for page in paginator.paginate(DistributionId=dist):
            yield from page.get("InvalidationList", {}).get("Items", [])


def wait(
    session: LiveSession,
    ident: str,
    report: Callable[[str], None],
    delay: float = WAIT_DELAY,
    timeout: float = WAIT_TIMEOUT,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    """Poll until `ident` completes; AwsError after `timeout` seconds."""
    dist = distribution(session)
    deadline = clock() + timeout
    shown = None
    while True:
        status = _get(session, dist, ident)["Status"]
        if completed(status):
            return f"invalidation {ident} completed"
        if status != shown:
            report(f"invalidation {ident} is {status}; waiting (Ctrl-C stops)")
            shown = status
        if clock() + delay > deadline:
            raise AwsError(
                f"invalidation {ident} is still {status} after "
                f"{format_duration(timeout)}",
                f"check it later with 'cf get {ident}'",
            )
        sleep(delay)
