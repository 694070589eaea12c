"""The one value every provider returns: a key pair with its expiry."""

from __future__ import annotations

import json
from collections import namedtuple
from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def mask(key_id: str | None) -> str:
    """An access key id shown safely: only its last four characters."""
    if not key_id:
        return "-"
    return "****" + key_id[-4:]


def rfc3339(moment: datetime) -> str:
    """UTC, second precision, with a `Z`: 2026-12-03T13:45:00Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """An RFC 3339 time; naive values are taken as UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


# The value types on the path of every credential lookup are named tuples:
# immutable like frozen dataclasses, at a fraction of their import cost.


class Credentials(
    namedtuple(
        "Credentials",
        "access_key_id secret_access_key session_token expiration",
        defaults=(None, None),
    )
):
    """AWS credentials: two strings, then the session token (str or None) and
    `expiration` (an aware datetime; None for a long-term key)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Credentials({mask(self.access_key_id)}, expires={self.expiration})"

    def seconds_left(self, now: datetime | None = None) -> float | None:
        if self.expiration is None:
            return None
        return (self.expiration - (now or utcnow())).total_seconds()

    def to_dict(self) -> dict[str, str]:
        """The fields as AWS names them; the optional ones only when present."""
        data = {
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
        }
        if self.session_token:
            data["SessionToken"] = self.session_token
        if self.expiration:
            data["Expiration"] = rfc3339(self.expiration)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> Credentials:
        data = json.loads(text)
        expiration = data.get("Expiration")
        return cls(
            access_key_id=data["AccessKeyId"],
            secret_access_key=data["SecretAccessKey"],
            session_token=data.get("SessionToken") or None,
            expiration=parse_time(expiration) if expiration else None,
        )

    @classmethod
    def from_sts(cls, response: dict) -> Credentials:
        """From the `Credentials` member of a GetSessionToken/AssumeRole answer."""
        raw = response["Credentials"]
        return cls(
            access_key_id=raw["AccessKeyId"],
            secret_access_key=raw["SecretAccessKey"],
            session_token=raw["SessionToken"],
            expiration=raw["Expiration"].astimezone(timezone.utc),
        )
