"""AWS answers moto cannot give, put on the wire where moto would answer.

moto checks no MFA code, never expires anything, knows no clock skew and
accepts a new access key at once. To show what vaultsh does when AWS says
otherwise, `Faults` answers chosen STS and IAM requests itself, with the same
XML body AWS sends, from botocore's `before-send` event: botocore then parses
and raises exactly as it would for a real answer. Every other request still
goes to moto.

    def test_x(faults):
        faults.fail("AssumeRole", "AccessDenied", "MultiFactorAuthentication failed")
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

import botocore.handlers
from botocore.awsrequest import AWSResponse

from vaultsh.credentials import Credentials, rfc3339

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
_SCOPE = re.compile(r"Credential=([^/]+)/[^/]+/[^/]+/([^/]+)/")


@dataclass(frozen=True)
class Request:
    """One STS or IAM request as it left botocore."""

    service: str
    action: str
    params: dict[str, str]
    key_id: str
    #: whether it carried a session token (was signed with a session)
    with_token: bool


@dataclass
class Rule:
    action: str
    answer: Callable[[Request], tuple[int, str]]
    #: only requests signed with this key id, when set
    key_id: str | None = None
    #: how many more requests it answers; None for all
    times: int | None = None

    def matches(self, request: Request) -> bool:
        if self.times == 0 or request.action != self.action:
            return False
        return self.key_id is None or self.key_id == request.key_id


class _Body:
    """The raw body botocore reads from a response."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: object) -> Iterator[bytes]:
        yield self.data


@dataclass
class Faults:
    """Rules that answer matching requests; `seen` lists every request."""

    rules: list[Rule] = field(default_factory=list)
    seen: list[Request] = field(default_factory=list)

    def fail(
        self,
        action: str,
        code: str,
        message: str,
        status: int = 403,
        key_id: str | None = None,
        times: int | None = None,
    ) -> None:
        """Answer `action` with an AWS error."""
        body = error_body(code, message)
        self.rules.append(Rule(action, lambda _: (status, body), key_id, times))

    def answer(self, action: str, make: Callable[[Request], str]) -> None:
        """Answer `action` with a 200 and the body `make` builds."""
        self.rules.append(Rule(action, lambda request: (200, make(request))))

    def clear(self) -> None:
        self.rules.clear()

    def actions(self, service: str | None = None) -> list[str]:
        return [r.action for r in self.seen if service in (None, r.service)]

    def handle(self, request, **_: object) -> AWSResponse | None:
        parsed = _parse(request)
        if parsed is None:
            return None
        self.seen.append(parsed)
        rule = next((r for r in self.rules if r.matches(parsed)), None)
        if rule is None:
            return None
        if rule.times is not None:
            rule.times -= 1
        status, body = rule.answer(parsed)
        url = request.url
        # botocore calls every before-send handler and takes the first answer;
        # pointing the request elsewhere keeps moto from acting on it as well
        request.url = "https://faults.invalid/"
        headers = {"Content-Type": "text/xml"}
        return AWSResponse(url, status, headers, _Body(body.encode()))


def _parse(request) -> Request | None:
    auth = request.headers.get("Authorization", b"")
    auth = auth.decode() if isinstance(auth, bytes) else auth
    scope = _SCOPE.search(auth)
    if scope is None or scope.group(2) not in ("sts", "iam"):
        return None
    body = request.body or b""
    body = body.decode() if isinstance(body, bytes) else str(body)
    params = dict(parse_qsl(body))
    token = "X-Amz-Security-Token" in request.headers
    return Request(scope.group(2), params.pop("Action", ""), params, scope[1], token)


def error_body(code: str, message: str) -> str:
    """The XML an AWS query API (STS, IAM) sends with an error."""
    return (
        f'<ErrorResponse xmlns="{STS_NS}"><Error><Type>Sender</Type>'
        f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
        "<RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>"
    )


def session_token_body(creds: Credentials, seconds: int = 3600) -> str:
    """A GetSessionToken answer that hands out `creds` as the session."""
    expires = rfc3339(datetime.now(timezone.utc) + timedelta(seconds=seconds))
    return (
        f'<GetSessionTokenResponse xmlns="{STS_NS}"><GetSessionTokenResult>'
        f"<Credentials><SessionToken>injected-session-token</SessionToken>"
        f"<SecretAccessKey>{creds.secret_access_key}</SecretAccessKey>"
        f"<Expiration>{expires}</Expiration>"
        f"<AccessKeyId>{creds.access_key_id}</AccessKeyId></Credentials>"
        "</GetSessionTokenResult><ResponseMetadata><RequestId>58c5dbae</RequestId>"
        "</ResponseMetadata></GetSessionTokenResponse>"
    )


def install(monkeypatch) -> Faults:
    """Put a Faults first in the before-send handlers of clients made from now on."""
    faults = Faults()
    spec = ("before-send", faults.handle, botocore.handlers.REGISTER_FIRST)
    handlers = [*botocore.handlers.BUILTIN_HANDLERS, spec]
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", handlers)
    return faults
