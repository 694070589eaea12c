"""What an STS call needs beyond its source credentials."""

from __future__ import annotations

from vaultsh import aws
from vaultsh.config import Profile
from vaultsh.credentials import Credentials
from vaultsh.mfa import MfaSource


class StsCall:
    """The profile, duration, region and MFA source of one STS call."""

    def __init__(
        self,
        profile: Profile,
        duration: int,
        region: str,
        mfa: MfaSource,
        endpoint_profile: str | None = None,
    ) -> None:
        self.profile = profile
        self.duration = duration
        self.region = region
        self.mfa = mfa
        self.endpoint_profile = endpoint_profile

    def mfa_params(self) -> dict[str, str]:
        serial = self.profile.mfa_serial
        if not serial:
            return {}
        code = self.mfa.code(serial, self.profile.name, self.profile.mfa_process)
        return {"SerialNumber": serial, "TokenCode": code}

    def client(self, creds: Credentials):
        return aws.client("sts", creds, self.region, self.endpoint_profile)
