"""Invalidations on the profile's CloudFront distribution.

Only the configured distribution is used: the role may create, get and list
its invalidations but not list or describe distributions. Paths are typed as
the objects are named (`/docs/with space/ü.txt`) and sent URL-encoded, the
way CloudFront matches them against object paths. Functions raise
VaultshError.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from urllib.parse import quote

from vaultsh import aws
from vaultsh.config import format_duration
from vaultsh.errors import AwsError, UsageError
from vaultsh.repl.settings import distribution
from vaultsh.session import LiveSession

WAIT_DELAY = 5.0
#: how many invalidations completion reads at most (newest first)
RECENT = 200
#: characters CloudFront takes as they are: RFC 3986 path characters, the
#: wildcard, and the query string a path may carry
_KEPT = "/*!$&'()+,;=:@?"


def completed(status: str) -> bool:
    """True for a finished invalidation; AWS says Completed, moto COMPLETED."""
    return status.strip().lower() == "completed"


def encode_path(path: str) -> str:
    """The path as CloudFront matches it: spaces, `%`, non-ASCII encoded."""
    return quote(path, safe=_KEPT)


def invalidate(session: LiveSession, paths: Sequence[str]) -> dict:
    """Create one invalidation of `paths` (each starting with /); its record."""
    check_paths(paths)
    dist = distribution(session)
    sent = [encode_path(path) for path in paths]
    batch = {
        "Paths": {"Quantity": len(sent), "Items": sent},
        "CallerReference": f"vaultsh-{uuid.uuid4().hex}",
    }
    with aws.calling(f"CreateInvalidation on distribution {dist}"):
        made = session.client("cloudfront").create_invalidation(
            DistributionId=dist, InvalidationBatch=batch
        )
    return made["Invalidation"]


def check_paths(paths: Sequence[str]) -> None:
    """UsageError for a path CloudFront would refuse or misread."""
    if not paths:
        raise UsageError("no path to invalidate", "give one or more, like /index.html")
    for path in paths:
        if not path.startswith("/"):
            raise UsageError(
                f"path {path!r} does not start with /",
                f'write it as /{path}; quote wildcards, like "/css/*"',
            )
        if "*" in path[:-1]:
            raise UsageError(
                f"path {path!r} has a * before its end",
                'CloudFront takes * only as the last character, like "/css/*"',
            )


def get(session: LiveSession, ident: str) -> dict:
    """One invalidation's record: id, status, creation time and paths."""
    return _get(session, distribution(session), ident)


def _get(session: LiveSession, dist: str, ident: str) -> dict:
    with aws.calling(f"GetInvalidation {ident}"):
        answer = session.client("cloudfront").get_invalidation(
            DistributionId=dist, Id=ident
        )
    return answer["Invalidation"]


def describe(item: dict) -> str:
    """`invalidation ID  STATUS  TIME  PATHS` on one line."""
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
        for item in _newest_first(_summaries(session, dist))
    ]
    return "\n".join(lines) or f"no invalidations on distribution {dist}"


def recent(session: LiveSession) -> list[dict]:
    """Up to RECENT invalidations, newest first, for completion.

    Uses the session as it is, without renewing it (this runs in the background).
    """
    dist = distribution(session)
    return _newest_first(_summaries(session, dist, renew=False, limit=RECENT))


def _newest_first(items) -> list[dict]:
    """AWS lists invalidations newest first; moto does not, so sort anyway."""
    return sorted(items, key=lambda item: item.get("CreateTime") or 0, reverse=True)


def _summaries(
    session: LiveSession, dist: str, renew: bool = True, limit: int | None = None
) -> Iterator[dict]:
    client = session.client("cloudfront", renew=renew)
    paginator = client.get_paginator("list_invalidations")
    config = {"MaxItems": limit} if limit else {}
    with aws.calling(f"ListInvalidations on distribution {dist}"):
        for page in paginator.paginate(DistributionId=dist, PaginationConfig=config):
            yield from page.get("InvalidationList", {}).get("Items", [])


def wait(
    session: LiveSession,
    ident: str,
    status: Callable[[str], None],
    timeout: float,
    delay: float = WAIT_DELAY,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    """Poll until `ident` completes, showing each answer through `status`.

    AwsError once `timeout` seconds have passed without completion.
    """
    dist = distribution(session)
    started = clock()
    while True:
        state = _get(session, dist, ident)["Status"]
        if completed(state):
            return f"invalidation {ident} completed"
        waited = clock() - started
        if waited + delay > timeout:
            raise AwsError(
                f"invalidation {ident} is still {state} after "
                f"{format_duration(timeout)}",
                f"check it later with 'cf get {ident}'",
            )
        status(
            f"invalidation {ident}: {state}, {format_duration(waited)} so far "
            f"(gives up after {format_duration(timeout)}; Ctrl-C stops waiting)"
        )
        sleep(delay)
