"""The AWS config file as vaultsh reads it, and durations."""

from __future__ import annotations

from pathlib import Path

import botocore.session
import pytest

from vaultsh import config
from vaultsh.errors import ConfigError, ProfileNotFound, UsageError

REFERENCE = """\
[default]
region = eu-west-1

[profile dev]
credential_process = vaultsh export --format=json -- dev
region = us-east-1

[profile static.example.com]
duration_seconds = 1800
role_arn = arn:aws:iam::123456789012:role/static.example.com
source_profile = dev

[not-a-profile]
region = ap-south-1

[sso-session corp]
sso_region = us-east-1

[profile with-s3]
s3 =
    addressing_style = path
"""


def test_profiles_are_the_ones_botocore_sees(write_config):
    loaded = write_config(REFERENCE)

    assert loaded.names == sorted(botocore.session.Session().available_profiles)
    assert loaded.names == ["default", "dev", "static.example.com", "with-s3"]


def test_profile_section_and_default_section_are_read(write_config):
    loaded = write_config(REFERENCE)

    assert loaded.profile("default").region == "eu-west-1"
    assert loaded.profile("dev").region == "us-east-1"
    role = loaded.profile("static.example.com")
    assert role.role_arn == "arn:aws:iam::123456789012:role/static.example.com"
    assert role.source_profile == "dev"
    assert role.duration_seconds == 1800


def test_nested_settings_are_not_taken_for_plain_values(write_config):
    profile = write_config(REFERENCE).profile("with-s3")

    assert profile.get("s3") is None
    assert profile.values["s3"] == {"addressing_style": "path"}


def test_blank_values_count_as_unset(write_config):
    profile = write_config("[profile x]\nregion =\nrole_arn =   \n").profile("x")

    assert profile.region is None
    assert profile.role_arn is None


def test_include_profile_merges_and_own_keys_win(write_config):
    loaded = write_config(
        """\
        [profile base]
        region = us-east-1
        mfa_serial = arn:aws:iam::123456789012:mfa/dev-phone
        vaultsh_bucket = static.example.com

        [profile site]
        include_profile = base
        region = eu-central-1
        """
    )

    site = loaded.profile("site")

    assert site.region == "eu-central-1"
    assert site.mfa_serial == "arn:aws:iam::123456789012:mfa/dev-phone"
    assert site.get("vaultsh_bucket") == "static.example.com"
    assert site.get("include_profile") is None


def test_include_profile_loop_names_every_profile_in_it(write_config):
    loaded = write_config(
        """\
        [profile a]
        include_profile = b
        [profile b]
        include_profile = c
        [profile c]
        include_profile = a
        """
    )

    with pytest.raises(ConfigError) as caught:
        loaded.profile("a")

    assert "include_profile loop" in str(caught.value)
    assert "a -> b -> c -> a" in str(caught.value)
    assert str(loaded.path) in str(caught.value)


def test_include_of_a_missing_profile_names_it(write_config):
    loaded = write_config("[profile a]\ninclude_profile = ghost\n")

    with pytest.raises(ConfigError, match="profile a includes 'ghost'"):
        loaded.profile("a")


def test_chain_lists_target_first_then_its_sources(write_config):
    loaded = write_config(
        """\
        [profile base]
        region = us-east-1
        [profile first]
        role_arn = arn:aws:iam::123456789012:role/first
        source_profile = base
        [profile second]
        role_arn = arn:aws:iam::123456789012:role/second
        source_profile = first
        """
    )

    assert [p.name for p in loaded.chain("second")] == ["second", "first", "base"]
    assert [p.name for p in loaded.chain("base")] == ["base"]


def test_source_profile_loop_names_every_profile_in_it(write_config):
    loaded = write_config(
        """\
        [profile a]
        role_arn = arn:aws:iam::123456789012:role/a
        source_profile = b
        [profile b]
        role_arn = arn:aws:iam::123456789012:role/b
        source_profile = a
        """
    )

    with pytest.raises(ConfigError) as caught:
        loaded.chain("a")

    assert "source_profile loop" in str(caught.value)
    assert "a -> b -> a" in str(caught.value)


def test_chain_through_an_unknown_source_profile_names_it(write_config):
    loaded = write_config(
        "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\n"
        "source_profile = nowhere\n"
    )

    with pytest.raises(ProfileNotFound, match="'nowhere'"):
        loaded.chain("a")


def test_unknown_profile_names_the_file(write_config):
    loaded = write_config(REFERENCE)

    with pytest.raises(ProfileNotFound) as caught:
        loaded.profile("prod")

    assert "'prod'" in caught.value.message
    assert str(loaded.path) in caught.value.message
    assert "vaultsh list" in (caught.value.hint or "")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("region = us-east-1\n[profile a]\n", id="no-section-header"),
        pytest.param("[profile a]\nregion = x\n[profile a]\n", id="duplicate-section"),
        pytest.param("[profile a\nregion = x\n", id="broken-header"),
    ],
)
def test_unreadable_file_is_one_config_error_line(write_config, text):
    with pytest.raises(ConfigError) as caught:
        write_config(text)

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("cannot read ")
    assert caught.value.__cause__ is None


def test_duplicate_section_error_says_what_is_wrong(write_config):
    with pytest.raises(ConfigError) as caught:
        write_config("[profile a]\nregion = x\n[profile a]\nregion = y\n")

    reason = caught.value.message.replace(str(config.config_path()), "FILE")
    assert "already exists" in reason or "duplicate" in reason.lower()
    assert "\n" not in reason


def test_missing_file_is_an_empty_config(tmp_path):
    loaded = config.load(tmp_path / "no-such-config")

    assert loaded.names == []
    assert "dev" not in loaded


def test_aws_config_file_variable_is_honoured(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))

    named = config.config_path({"AWS_CONFIG_FILE": "~/elsewhere/config"})
    default = config.config_path({})

    assert named == tmp_path / "elsewhere" / "config"
    assert default == tmp_path / ".aws" / "config"


def test_load_without_a_path_reads_aws_config_file(write_config, monkeypatch):
    write_config("[profile from-env]\nregion = us-west-2\n")

    assert config.load().names == ["from-env"]
    assert config.load().path == Path(config.config_path())


def test_duration_seconds_that_is_no_duration_is_a_config_error(write_config):
    profile = write_config("[profile x]\nduration_seconds = soon\n").profile("x")

    with pytest.raises(ConfigError, match="profile x: duration_seconds = soon"):
        _ = profile.duration_seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("3600", 3600),
        ("1h", 3600),
        ("15m", 900),
        ("1h30m", 5400),
        ("90s", 90),
        (" 2H ", 7200),
    ],
)
def test_parse_duration_reads_seconds_and_units(text, seconds):
    assert config.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["5 hours", "-1", "", "h", "1.5h", "15x"])
def test_parse_duration_refuses_other_text(text):
    with pytest.raises(UsageError) as caught:
        config.parse_duration(text)

    assert caught.value.exit_status == 2
    assert "is not a duration" in caught.value.message


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (695, "11m35s"),
        (3720, "1h02m"),
        (3600, "1h00m"),
        (129600, "36h00m"),
        (45, "45s"),
        (59.9, "59s"),
        (0, "0s"),
        (-5, "0s"),
    ],
)
def test_format_duration_is_short(seconds, text):
    assert config.format_duration(seconds) == text
