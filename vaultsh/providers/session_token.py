"""STS GetSessionToken: a short-lived session from a long-term key."""

from __future__ import annotations

import logging

from vaultsh import aws
from vaultsh.credentials import Credentials
from vaultsh.providers.base import Provider
from vaultsh.providers.sts import StsCall

log = logging.getLogger(__name__)


class SessionToken(Provider):
    kind = "sts.GetSessionToken"

    def __init__(self, source: Provider, call: StsCall) -> None:
        self.source = source
        self.call = call
        self.profile = call.profile.name

    def retrieve(self) -> Credentials:
        params = {"DurationSeconds": self.call.duration}
        params.update(self.call.mfa_params())
        sts = self.call.client(self.source.retrieve())
        log.debug(
            "profile %s: GetSessionToken for %ss%s",
            self.profile,
            self.call.duration,
            " with MFA" if "SerialNumber" in params else "",
        )
        with aws.calling(f"GetSessionToken for profile {self.profile}"):
            return Credentials.from_sts(sts.get_session_token(**params))
