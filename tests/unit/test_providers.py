"""From a profile to credentials: resolve, the STS providers and the cache.

AWS is moto in this process. `sent` records the requests as they left
botocore, so the parameters moto ignores (MFA, ExternalId) are checked as sent.
"""

from __future__ import annotations

import re

import boto3
import pytest

from tests.unit.conftest import REGION, SERIAL, role_arn, session_creds, sts_actions
from vaultsh import config
from vaultsh.credentials import Credentials
from vaultsh.errors import ConfigError, NoStoredKey, UsageError
from vaultsh.providers import Options, resolve
from vaultsh.providers.cached import Cached

SITE = f"""\
[profile dev]
region = us-east-1

[profile site]
role_arn = {role_arn("static.example.com")}
role_session_name = dev-work-sts
duration_seconds = 1800
source_profile = dev
"""

CHAIN = f"""\
[profile dev]
[profile first]
role_arn = {role_arn("first")}
role_session_name = one
source_profile = dev
[profile second]
role_arn = {role_arn("second")}
role_session_name = two
source_profile = first
duration_seconds = 3600
"""

PROCESS_OUTPUT = """\
import json
with open({marker!r}, "a") as marker:
    marker.write("ran\\n")
print(json.dumps({{
    "Version": 1,
    "AccessKeyId": "ASIAPROCESSKEY000001",
    "SecretAccessKey": "process-secret-0123456789abcdefghijklmn",
    "SessionToken": "process-session-token",
    "Expiration": "2099-01-01T00:00:00Z",
}}))
"""


def resolved(vault, name, **options):
    return resolve(config.load(), vault, name, Options(**options))


def identity(creds: Credentials) -> str:
    """The ARN moto says these credentials sign as."""
    sts = boto3.client(
        "sts",
        region_name=REGION,
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        aws_session_token=creds.session_token,
    )
    return sts.get_caller_identity()["Arn"]


def only(calls, action):
    matching = [c for c in calls if c.action == action]
    assert len(matching) == 1, [c.action for c in calls]
    return matching[0]


@pytest.fixture
def key_only(vault) -> Credentials:
    """A stored key for dev, for tests that resolve without calling AWS."""
    creds = Credentials(
        "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    )
    vault.set_key("dev", creds)
    return creds


# base profiles -----------------------------------------------------------------


def test_base_profile_gets_a_cached_get_session_token_session(
    write_config, vault, stored_dev, sent
):
    write_config("[profile dev]\nregion = us-east-1\n")

    result = resolved(vault, "dev")
    creds = result.provider.retrieve()

    assert result.provider.kind == "sts.GetSessionToken"
    call = only(sent, "GetSessionToken")
    assert call.key_id == stored_dev.access_key_id
    assert call.params == {"Version": "2011-06-15", "DurationSeconds": "3600"}
    assert creds.session_token and creds.expiration
    assert [(e.kind, e.profile) for e in vault.sessions()] == [
        ("sts.GetSessionToken", "dev")
    ]


def test_profile_only_in_the_vault_needs_no_config_section(vault, stored_dev, sent):
    result = resolved(vault, "dev")
    result.provider.retrieve()

    assert result.profile.name == "dev"
    assert only(sent, "GetSessionToken").key_id == stored_dev.access_key_id


def test_no_session_gives_the_stored_key_itself(write_config, vault, stored_dev, sent):
    write_config("[profile dev]\n")

    result = resolved(vault, "dev", no_session=True)

    assert result.provider.kind == "keyring"
    assert result.provider.retrieve() == stored_dev
    assert sent == []


def test_base_profile_with_mfa_sends_serial_and_code(
    write_config, vault, stored_dev, sent
):
    write_config(f"[profile dev]\nmfa_serial = {SERIAL}\n")

    resolved(vault, "dev", mfa_token="123456").provider.retrieve()

    call = only(sent, "GetSessionToken")
    assert call.params["SerialNumber"] == SERIAL
    assert call.params["TokenCode"] == "123456"


def test_duration_flag_sets_the_session_token_duration(
    write_config, vault, stored_dev, sent
):
    write_config("[profile dev]\n")

    resolved(vault, "dev", duration=7200).provider.retrieve()

    assert only(sent, "GetSessionToken").params["DurationSeconds"] == "7200"


def test_base_without_key_or_process_asks_for_vaultsh_add(write_config, vault):
    write_config("[profile dev]\nregion = us-east-1\n")

    with pytest.raises(NoStoredKey) as caught:
        resolved(vault, "dev")

    assert "vaultsh add dev" in caught.value.hint


# roles ---------------------------------------------------------------------------


def test_role_is_assumed_with_the_configured_name_and_duration(
    write_config, vault, stored_dev, sent
):
    write_config(SITE)

    result = resolved(vault, "site")
    creds = result.provider.retrieve()

    call = only(sent, "AssumeRole")
    assert call.key_id == stored_dev.access_key_id
    assert call.params["RoleArn"] == role_arn("static.example.com")
    assert call.params["RoleSessionName"] == "dev-work-sts"
    assert call.params["DurationSeconds"] == "1800"
    assert "ExternalId" not in call.params
    assert "SerialNumber" not in call.params
    assert "GetSessionToken" not in sts_actions(sent)
    assert identity(creds).endswith(":assumed-role/static.example.com/dev-work-sts")
    assert result.provider.kind == "sts.AssumeRole"


def test_duration_flag_overrides_duration_seconds(
    write_config, vault, stored_dev, sent
):
    write_config(SITE)

    resolved(vault, "site", duration=2700).provider.retrieve()

    assert only(sent, "AssumeRole").params["DurationSeconds"] == "2700"


def test_role_without_session_name_gets_a_vaultsh_one(
    write_config, vault, stored_dev, sent
):
    write_config(SITE.replace("role_session_name = dev-work-sts\n", ""))

    resolved(vault, "site").provider.retrieve()

    assert re.fullmatch(
        r"vaultsh-\d+", only(sent, "AssumeRole").params["RoleSessionName"]
    )


def test_external_id_is_sent_when_configured(write_config, vault, stored_dev, sent):
    write_config(SITE + "external_id = partner-7\n")

    resolved(vault, "site").provider.retrieve()

    assert only(sent, "AssumeRole").params["ExternalId"] == "partner-7"


def test_role_mfa_code_comes_from_the_flag(write_config, vault, stored_dev, sent):
    write_config(SITE + f"mfa_serial = {SERIAL}\nmfa_process = exit 1\n")

    resolved(vault, "site", mfa_token="246810").provider.retrieve()

    params = only(sent, "AssumeRole").params
    assert (params["SerialNumber"], params["TokenCode"]) == (SERIAL, "246810")


def test_role_mfa_code_comes_from_mfa_process(write_config, vault, stored_dev, sent):
    write_config(SITE + f"mfa_serial = {SERIAL}\nmfa_process = echo 135790\n")

    resolved(vault, "site").provider.retrieve()

    params = only(sent, "AssumeRole").params
    assert (params["SerialNumber"], params["TokenCode"]) == (SERIAL, "135790")


def test_role_chain_signs_the_second_call_with_the_first_role(
    write_config, vault, stored_dev, sent
):
    write_config(CHAIN)

    creds = resolved(vault, "second").provider.retrieve()

    first, second = [c for c in sent if c.action == "AssumeRole"]
    assert (first.params["RoleArn"], second.params["RoleArn"]) == (
        role_arn("first"),
        role_arn("second"),
    )
    assert first.key_id == stored_dev.access_key_id
    first_session = vault.get_session("sts.AssumeRole", "first", None)
    assert second.key_id == first_session.access_key_id
    assert identity(first_session).endswith(":assumed-role/first/one")
    assert identity(creds).endswith(":assumed-role/second/two")


def test_chained_role_reuses_the_cached_session_of_its_source(
    write_config, vault, stored_dev, sent
):
    write_config(CHAIN)
    resolved(vault, "second").provider.retrieve()
    vault.clear_sessions("second")
    sent.clear()

    resolved(vault, "second").provider.retrieve()

    assert [c.params["RoleArn"] for c in sent] == [role_arn("second")]


def test_chained_role_longer_than_an_hour_is_refused(write_config, vault, key_only):
    write_config(CHAIN.replace("duration_seconds = 3600", "duration_seconds = 7200"))

    with pytest.raises(ConfigError) as caught:
        resolved(vault, "second")

    assert "profile second is a role assumed from another role" in caught.value.message
    assert "3600s" in caught.value.hint


def test_duration_flag_longer_than_an_hour_on_a_chained_role_is_refused(
    write_config, vault, key_only
):
    write_config(CHAIN)

    with pytest.raises(UsageError):
        resolved(vault, "second", duration=7200)


@pytest.mark.parametrize("seconds", [899, 43201, 0])
def test_duration_outside_what_sts_allows_is_refused(
    write_config, vault, key_only, seconds
):
    write_config(SITE)

    with pytest.raises(UsageError) as caught:
        resolved(vault, "site", duration=seconds)

    assert caught.value.exit_status == 2
    assert "900 to 43200" in caught.value.hint


@pytest.mark.parametrize("seconds", [900, 129600])
def test_durations_at_the_sts_limits_are_accepted(
    write_config, vault, stored_dev, sent, seconds
):
    write_config("[profile dev]\n")

    resolved(vault, "dev", duration=seconds).provider.retrieve()

    assert only(sent, "GetSessionToken").params["DurationSeconds"] == str(seconds)


def test_source_profile_without_role_arn_is_a_config_error(
    write_config, vault, key_only
):
    write_config("[profile dev]\n[profile odd]\nsource_profile = dev\n")

    with pytest.raises(ConfigError, match="profile odd has source_profile but no"):
        resolved(vault, "odd")


# region --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "environ", "expected"),
    [
        ("ap-south-1", {"AWS_REGION": "eu-west-3"}, "ap-south-1"),
        (None, {"AWS_REGION": "eu-west-3", "AWS_DEFAULT_REGION": "x"}, "eu-west-3"),
        (None, {"AWS_DEFAULT_REGION": "eu-north-1"}, "eu-north-1"),
        (None, {}, "eu-central-1"),
    ],
    ids=["flag", "aws-region", "aws-default-region", "profile"],
)
def test_region_comes_from_flag_then_environment_then_profile(
    write_config, vault, key_only, flag, environ, expected
):
    write_config(SITE + "region = eu-central-1\n")

    result = resolved(vault, "site", region=flag, environ=environ)

    assert result.region == expected


def test_region_of_the_profile_asked_for_wins_over_its_source(
    write_config, vault, key_only
):
    write_config(SITE + "region = eu-central-1\n")

    assert resolved(vault, "site").region == "eu-central-1"
    assert resolved(vault, "dev").region == "us-east-1"


def test_no_region_anywhere_is_none(write_config, vault, key_only):
    write_config("[profile dev]\n")

    assert resolved(vault, "dev").region is None


# credential_process --------------------------------------------------------------


def test_credential_process_running_vaultsh_is_not_started(
    write_config, vault, tmp_path
):
    marker = tmp_path / "vaultsh-was-run"
    fake = tmp_path / "bin" / "vaultsh"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\ntouch {marker}\n")
    fake.chmod(0o755)
    write_config(
        f"[profile dev]\ncredential_process = {fake} export --format=json dev\n"
    )

    with pytest.raises(NoStoredKey) as caught:
        resolved(vault, "dev").provider.retrieve()

    assert "runs vaultsh itself" in caught.value.message
    assert "vaultsh add dev" in caught.value.hint
    assert not marker.exists()


def test_other_credential_process_is_used(
    write_config, vault, python_script, tmp_path, sent
):
    command = python_script(
        "creds.py", PROCESS_OUTPUT.format(marker=str(tmp_path / "m"))
    )
    write_config(f"[profile ext]\ncredential_process = {command}\n")

    result = resolved(vault, "ext")
    creds = result.provider.retrieve()

    assert result.provider.kind == "credential_process"
    assert creds.access_key_id == "ASIAPROCESSKEY000001"
    assert creds.session_token == "process-session-token"
    assert creds.expiration.year == 2099
    assert sent == []


def test_role_on_a_credential_process_is_signed_with_its_key(
    write_config, vault, python_script, tmp_path, aws, sent
):
    command = python_script(
        "creds.py", PROCESS_OUTPUT.format(marker=str(tmp_path / "m"))
    )
    write_config(
        f"[profile ext]\ncredential_process = {command}\n"
        f"[profile site]\nrole_arn = {role_arn('site')}\nsource_profile = ext\n"
    )

    resolved(vault, "site").provider.retrieve()

    assert only(sent, "AssumeRole").key_id == "ASIAPROCESSKEY000001"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("print('not json')", id="not-json"),
        pytest.param("print('[1, 2]')", id="not-an-object"),
        pytest.param(
            'print(\'{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "B"}\')',
            id="wrong-version",
        ),
        pytest.param("print('{\"Version\": 1}')", id="no-key"),
        pytest.param("import sys; sys.exit(3)", id="exit-status"),
    ],
)
def test_credential_process_without_valid_output_is_a_config_error(
    write_config, vault, python_script, body
):
    write_config(f"[profile ext]\ncredential_process = {python_script('c.py', body)}\n")

    with pytest.raises(ConfigError) as caught:
        resolved(vault, "ext").provider.retrieve()

    assert caught.value.message.startswith("credential_process of profile ext")
    assert "\n" not in str(caught.value)


def test_stored_key_wins_over_credential_process(
    write_config, vault, stored_dev, python_script, tmp_path, sent
):
    marker = tmp_path / "process-ran"
    command = python_script("creds.py", PROCESS_OUTPUT.format(marker=str(marker)))
    write_config(f"[profile dev]\ncredential_process = {command}\n")

    assert resolved(vault, "dev", no_session=True).provider.retrieve() == stored_dev
    resolved(vault, "dev").provider.retrieve()

    assert only(sent, "GetSessionToken").key_id == stored_dev.access_key_id
    assert not marker.exists()


# the session cache -------------------------------------------------------------


def test_second_resolve_reuses_the_cached_session(
    write_config, vault, stored_dev, sent
):
    write_config(SITE)

    first = resolved(vault, "site").provider.retrieve()
    second = resolved(vault, "site").provider.retrieve()

    assert sts_actions(sent) == ["AssumeRole"]
    assert second.access_key_id == first.access_key_id
    assert second.session_token == first.session_token


def test_session_with_more_than_five_minutes_left_is_used(
    write_config, vault, stored_dev, sent
):
    write_config(SITE)
    cached = session_creds(600)
    vault.set_session("sts.AssumeRole", "site", None, cached)

    creds = resolved(vault, "site").provider.retrieve()

    assert creds.access_key_id == cached.access_key_id
    assert sent == []


def test_session_with_five_minutes_or_less_left_is_replaced(
    write_config, vault, stored_dev, sent
):
    write_config(SITE)
    vault.set_session("sts.AssumeRole", "site", None, session_creds(290))

    creds = resolved(vault, "site").provider.retrieve()

    assert sts_actions(sent) == ["AssumeRole"]
    assert creds.access_key_id != "ASIAEXAMPLECACHED001"
    kept = vault.get_session("sts.AssumeRole", "site", None)
    assert kept.access_key_id == creds.access_key_id
    assert kept.seconds_left() > 1500


def test_sessions_are_kept_apart_by_mfa_serial(write_config, vault, stored_dev, sent):
    write_config(SITE + f"mfa_serial = {SERIAL}\n")
    vault.set_session("sts.AssumeRole", "site", None, session_creds(1800))
    vault.set_session("sts.AssumeRole", "site", "arn:other", session_creds(1800))

    resolved(vault, "site", mfa_token="123456").provider.retrieve()

    assert sts_actions(sent) == ["AssumeRole"]
    assert {e.serial for e in vault.sessions("site")} == {"", "arn:other", SERIAL}


def test_sessions_are_kept_apart_by_kind_and_profile(
    write_config, vault, stored_dev, sent
):
    write_config(SITE)
    vault.set_session("sts.GetSessionToken", "site", None, session_creds(1800))
    vault.set_session("sts.AssumeRole", "other", None, session_creds(1800))

    resolved(vault, "site").provider.retrieve()

    assert sts_actions(sent) == ["AssumeRole"]


def test_refresh_makes_a_new_session_while_the_cached_one_is_good(
    write_config, vault, stored_dev, sent
):
    write_config(SITE)
    vault.set_session("sts.AssumeRole", "site", None, session_creds(1800))
    provider = resolved(vault, "site").provider

    assert isinstance(provider, Cached)
    creds = provider.refresh()

    assert sts_actions(sent) == ["AssumeRole"]
    stored = vault.get_session("sts.AssumeRole", "site", None)
    assert stored.access_key_id == creds.access_key_id
