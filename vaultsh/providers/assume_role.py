"""STS AssumeRole: a role session from any other credentials."""

from __future__ import annotations

import logging
import time

from vaultsh import aws
from vaultsh.credentials import Credentials
from vaultsh.providers.base import Provider
from vaultsh.providers.sts import StsCall

log = logging.getLogger(__name__)


class AssumeRole(Provider):
    kind = "sts.AssumeRole"

    def __init__(self, source: Provider, call: StsCall) -> None:
        self.source = source
        self.call = call
        self.profile = call.profile.name

    def session_name(self) -> str:
        configured = self.call.profile.role_session_name
        return configured or f"vaultsh-{int(time.time())}"

    def retrieve(self) -> Credentials:
        role = self.call.profile.role_arn
        params = {
            "RoleArn": role,
            "RoleSessionName": self.session_name(),
            "DurationSeconds": self.call.duration,
        }
        if self.call.profile.external_id:
            params["ExternalId"] = self.call.profile.external_id
        sts = self.call.client(self.source.retrieve())
        params.update(self.call.mfa_params())
        log.debug(
            "profile %s: AssumeRole %s as %s for %ss",
            self.profile,
            role,
            params["RoleSessionName"],
            params["DurationSeconds"],
        )
        with aws.calling(f"AssumeRole {role} for profile {self.profile}"):
            return Credentials.from_sts(sts.assume_role(**params))
