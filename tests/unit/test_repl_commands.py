"""The shell's commands against a seeded moto server, without a terminal.

One moto server (in this process) is seeded once for the module; each test
builds its own config, file keyring, state folder and LiveSession in a temp
folder, exactly as `vaultsh static.example.com` would.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from vaultsh import config as config_mod
from vaultsh import demo
from vaultsh.credentials import Credentials
from vaultsh.errors import AwsError, ConfigError, UsageError
from vaultsh.filestore import EncryptedFileKeyring
from vaultsh.providers import Options, resolve
from vaultsh.repl import child, cloudfront, commands, identity, s3, settings
from vaultsh.repl.commands import Shell
from vaultsh.session import LiveSession
from vaultsh.vault import Vault

ROLE_PROFILE = "static.example.com"
OBJECT_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {1,10}\d+ \S.*$")
CLEARED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_VAULT",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "VAULTSH_DEPTH",
)


@pytest.fixture(scope="module")
def account():
    server, endpoint = demo.start_server()
    # moto servers in one process share their state: start from nothing
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", b""))
    try:
        yield demo.seed(endpoint)
    finally:
        server.stop()


@pytest.fixture
def admin(account):
    session = boto3.session.Session(region_name=demo.REGION, **demo.ADMIN)
    return {
        name: session.client(name, endpoint_url=account.endpoint_url)
        for name in ("iam", "s3", "cloudfront")
    }


class Built:
    """A shell on the role profile, with what it printed, asked and drew."""

    def __init__(self, session: LiveSession, vault: Vault, folder: Path) -> None:
        self.folder = folder
        self.out: list[str] = []
        self.err: list[str] = []
        self.questions: list[str] = []
        self.yes = False
        #: (label, total bytes, bytes counted) of each progress bar drawn
        self.bars: list[list] = []
        self.shell = Shell(
            session,
            vault,
            self.out.append,
            self.err.append,
            confirm=self._confirm,
            progress=self._progress,
        )

    def _confirm(self, question: str) -> bool:
        self.questions.append(question)
        return self.yes

    @contextlib.contextmanager
    def _progress(self, label: str, total: int):
        bar = [label, total, 0]
        self.bars.append(bar)

        def advance(amount: int) -> None:
            bar[2] += amount

        yield advance

    @property
    def session(self) -> LiveSession:
        return self.shell.session

    def run(self, line: str) -> str:
        commands.run(self.shell, line)
        return "\n".join(self.out)

    def one_error(self) -> str:
        assert len(self.err) == 1, self.err
        line = self.err[0]
        assert line.startswith("error: ") and "\n" not in line, line
        assert "Traceback" not in line
        return line


@pytest.fixture
def make_shell(account, tmp_path, monkeypatch):
    """Build a shell; `drop` removes config keys (vaultsh_bucket, ...)."""

    def build(
        drop: tuple[str, ...] = (), key: Credentials | None = None, extra: str = ""
    ) -> Built:
        for name in CLEARED:
            monkeypatch.delenv(name, raising=False)
        for name, value in demo.demo_environ(tmp_path, account).items():
            monkeypatch.setenv(name, value)
        path = demo.write_config(tmp_path, account)
        lines = path.read_text().splitlines()
        kept = [line for line in lines if line.split(" =")[0] not in drop]
        path.write_text("\n".join(kept) + "\n" + extra)
        work = tmp_path / "work"
        work.mkdir(exist_ok=True)
        monkeypatch.chdir(work)
        vault = Vault(EncryptedFileKeyring())
        stored = key or Credentials(account.access_key_id, account.secret_access_key)
        vault.set_key("dev", stored)
        config = config_mod.load(path)
        options = Options(environ=dict(os.environ))
        session = LiveSession(resolve(config, vault, ROLE_PROFILE, options))
        return Built(session, vault, work)

    return build


@pytest.fixture
def built(make_shell) -> Built:
    return make_shell()


# s3 ls -----------------------------------------------------------------------


def test_ls_shows_folders_as_pre_lines_and_objects_like_aws_cli(built):
    lines = s3.listing(built.session, "security/").splitlines()

    assert lines[0] == " " * 27 + "PRE keys/"
    assert [line.rsplit(" ", 1)[-1] for line in lines[1:]] == [
        "index.html",
        "policy.txt",
    ]
    assert all(OBJECT_LINE.match(line) for line in lines[1:])
    size = len(demo.OBJECTS["security/index.html"])
    assert lines[1][19:31] == f" {size:>10} "


def test_ls_of_the_bucket_root_shows_top_level_folders(built):
    text = built.run("s3 ls")

    for folder in ("css/", "docs/", "security/"):
        assert " " * 27 + f"PRE {folder}" in text.splitlines()
    assert any(line.endswith(" 28 index.html") for line in text.splitlines())


def test_ls_recursive_lists_full_keys_and_no_folders(built):
    text = built.run("s3 ls --recursive security/")

    keys = [line.rsplit(" ", 1)[-1] for line in text.splitlines()]
    assert keys == [
        "security/index.html",
        "security/keys/pgp.txt",
        "security/policy.txt",
    ]
    assert "PRE" not in text


def test_ls_reads_every_page(built):
    text = s3.listing(built.session, "", recursive=True, page_size=2)

    listed = [line[31:] for line in text.splitlines()]
    assert len(listed) == len(set(listed))
    assert set(demo.OBJECTS) <= set(listed)


def test_ls_accepts_an_s3_url_of_the_profile_bucket_only(built):
    own = s3.listing(built.session, "s3://static.example.com/security/")

    assert own == s3.listing(built.session, "security/")
    with pytest.raises(UsageError, match="is not in bucket static.example.com"):
        s3.listing(built.session, "s3://other-bucket/security/")


def test_ls_of_an_empty_prefix_says_so(built):
    assert s3.listing(built.session, "nothing-here/") == (
        "nothing under s3://static.example.com/nothing-here/"
    )


# s3 get / put / rm -----------------------------------------------------------


def test_get_of_a_quoted_key_with_space_and_unicode_lands_under_its_name(built):
    built.run('s3 get "docs/with space/ü.txt"')

    assert built.err == []
    assert (built.folder / "ü.txt").read_text() == demo.OBJECTS["docs/with space/ü.txt"]
    assert "s3://static.example.com/docs/with space/ü.txt" in built.out[0]


def test_get_into_a_folder_puts_the_file_inside(built):
    (built.folder / "site").mkdir()

    built.run("s3 get security/index.html site")

    assert (built.folder / "site" / "index.html").read_text() == "<h1>security</h1>\n"


def test_put_then_get_round_trips_a_key_with_space_and_unicode(built, tmp_path):
    source = tmp_path / "bericht ä.txt"
    source.write_text("grüße aus dem test\n")
    key = "uploads/with space/bericht ä.txt"

    built.run(f"s3 put '{source}' \"{key}\"")
    built.run(f's3 get "{key}" back.txt')

    assert built.err == []
    assert (built.folder / "back.txt").read_text() == "grüße aus dem test\n"
    listed = s3.listing(built.session, "uploads/with space/")
    assert listed.endswith(" bericht ä.txt")


def test_put_to_a_key_ending_in_slash_keeps_the_file_name(built, admin):
    (built.folder / "note.txt").write_text("n\n")

    built.run("s3 put note.txt drafts/")

    body = admin["s3"].get_object(Bucket=demo.BUCKET, Key="drafts/note.txt")["Body"]
    assert body.read() == b"n\n"


def test_put_without_key_uses_the_file_name(built, admin):
    (built.folder / "plain.txt").write_text("p\n")

    built.run("s3 put plain.txt")

    head = admin["s3"].head_object(Bucket=demo.BUCKET, Key="plain.txt")
    assert head["ContentLength"] == 2


def test_get_of_a_missing_key_is_one_line(built):
    built.run("s3 get no/such/key.txt")

    line = built.one_error()
    assert "no object 'no/such/key.txt' in bucket static.example.com" in line
    assert not (built.folder / "key.txt").exists()


def test_put_of_a_missing_local_file_is_one_line(built):
    built.run("s3 put missing.txt")

    assert "no file named missing.txt" in built.one_error()


def test_get_into_a_missing_folder_is_one_line(built):
    built.run("s3 get index.html nowhere/deep/")

    assert "does not exist" in built.one_error()


def test_rm_deletes_one_object(built, admin):
    admin["s3"].put_object(Bucket=demo.BUCKET, Key="tmp/gone.txt", Body=b"x")

    built.run("s3 rm tmp/gone.txt")

    assert built.out == ["delete: s3://static.example.com/tmp/gone.txt"]
    assert "Contents" not in admin["s3"].list_objects_v2(
        Bucket=demo.BUCKET, Prefix="tmp/gone.txt"
    )


def test_rm_of_a_missing_key_says_it_does_not_exist(built):
    built.run("s3 rm tmp/never-there.txt")

    assert "no object 'tmp/never-there.txt'" in built.one_error()


def _keys(admin, prefix: str) -> list[str]:
    listed = admin["s3"].list_objects_v2(Bucket=demo.BUCKET, Prefix=prefix)
    return [item["Key"] for item in listed.get("Contents", [])]


def test_rm_of_several_keys_asks_first_and_deletes_them_all(built, admin):
    for key in ("tmp/a.txt", "tmp/b c.txt", "tmp/ü.txt"):
        admin["s3"].put_object(Bucket=demo.BUCKET, Key=key, Body=b"x")
    built.yes = True

    built.run("s3 rm tmp/a.txt 'tmp/b c.txt' tmp/ü.txt")

    assert built.questions == ["delete 3 objects from s3://static.example.com? [y/N] "]
    assert built.err == []
    assert _keys(admin, "tmp/") == []
    assert built.out[0].splitlines()[1] == "delete: s3://static.example.com/tmp/b c.txt"


def test_rm_of_several_keys_deletes_nothing_unless_told_yes(built, admin):
    for key in ("tmp/keep1.txt", "tmp/keep2.txt"):
        admin["s3"].put_object(Bucket=demo.BUCKET, Key=key, Body=b"x")

    built.run("s3 rm tmp/keep1.txt tmp/keep2.txt")

    assert built.out == ["nothing was deleted"]
    assert _keys(admin, "tmp/keep") == ["tmp/keep1.txt", "tmp/keep2.txt"]


def test_rm_of_several_keys_with_one_missing_deletes_none(built, admin):
    admin["s3"].put_object(Bucket=demo.BUCKET, Key="tmp/there.txt", Body=b"x")
    built.yes = True

    built.run("s3 rm tmp/there.txt tmp/not-there.txt")

    line = built.one_error()
    assert "no object 'tmp/not-there.txt' in bucket static.example.com" in line
    assert "nothing deleted" in line
    assert _keys(admin, "tmp/there") == ["tmp/there.txt"]


def test_rm_of_one_key_asks_nothing(built, admin):
    admin["s3"].put_object(Bucket=demo.BUCKET, Key="tmp/one.txt", Body=b"x")

    built.run("s3 rm tmp/one.txt tmp/one.txt")

    assert built.questions == []
    assert built.out == ["delete: s3://static.example.com/tmp/one.txt"]


def test_ls_json_is_shaped_like_list_objects_v2(built):
    built.run("s3 ls --json security/")

    listed = json.loads(built.out[0])
    assert listed["CommonPrefixes"] == [{"Prefix": "security/keys/"}]
    assert [item["Key"] for item in listed["Contents"]] == [
        "security/index.html",
        "security/policy.txt",
    ]
    first = listed["Contents"][0]
    assert first["Size"] == 18
    assert datetime.fromisoformat(first["LastModified"]).tzinfo is not None


def test_ls_json_recursive_has_every_key_and_no_prefixes(built):
    built.run("s3 ls --recursive --json docs/")

    listed = json.loads(built.out[0])
    assert "CommonPrefixes" not in listed
    assert [item["Key"] for item in listed["Contents"]] == ["docs/with space/ü.txt"]


def test_a_large_put_goes_in_parts_with_a_progress_bar_and_gets_back(built, admin):
    size = s3.MULTIPART_THRESHOLD + s3.MIB
    (built.folder / "big.bin").write_bytes(os.urandom(size))

    built.run("s3 put big.bin uploads/")
    built.run("s3 get uploads/big.bin copy.bin")

    assert built.err == []
    head = admin["s3"].head_object(Bucket=demo.BUCKET, Key="uploads/big.bin")
    assert head["ETag"].strip('"').endswith("-2")  # two parts
    assert built.bars == [
        ["put big.bin", size, size],
        ["get uploads/big.bin", size, size],
    ]
    assert (built.folder / "copy.bin").read_bytes() == (
        built.folder / "big.bin"
    ).read_bytes()


def test_a_small_put_draws_no_progress_bar(built):
    (built.folder / "small.txt").write_text("s\n")

    built.run("s3 put small.txt")

    assert built.bars == []


def test_a_put_the_bucket_refuses_is_one_line(make_shell):
    built = make_shell(
        drop=("vaultsh_bucket",), extra="vaultsh_bucket = no-such.example.com\n"
    )
    (built.folder / "x.txt").write_text("x")

    built.run("s3 put x.txt")

    line = built.one_error()
    assert "upload of " in line and "s3://no-such.example.com/x.txt" in line
    assert "NoSuchBucket" in line


def test_keys_the_shell_puts_are_offered_by_completion_at_once(built):
    (built.folder / "fresh.txt").write_text("f\n")

    built.run("s3 put fresh.txt drafts/")

    assert "drafts/fresh.txt" in built.shell.catalog.folder("drafts/").keys
    built.shell.catalog.close()


def test_s3_commands_without_bucket_name_the_profile_key_to_add(make_shell):
    built = make_shell(drop=("vaultsh_bucket",))

    with pytest.raises(ConfigError) as caught:
        s3.listing(built.session)

    text = str(caught.value)
    assert "no vaultsh_bucket" in text
    assert "add 'vaultsh_bucket = " in text
    assert str(config_mod.config_path(os.environ)) in text


# cf ---------------------------------------------------------------------------


def _created(built: Built) -> str:
    """The id in the shell's last `created invalidation ID ...` line."""
    return re.match(r"created invalidation (\S+)  ", built.out[-1]).group(1)


def test_invalidate_prints_id_and_status_and_sends_the_paths(built, account, admin):
    built.run('cf invalidate /foo "/bar/*"')

    assert re.match(r"created invalidation \S+  COMPLETED  ", built.out[0])
    made = admin["cloudfront"].get_invalidation(
        DistributionId=account.distribution_id, Id=_created(built)
    )
    assert made["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == [
        "/foo",
        "/bar/*",
    ]


def test_invalidate_sends_space_and_non_ascii_url_encoded(built):
    item = cloudfront.invalidate(
        built.session, ["/docs/with space/ü.txt", "/a+b (1).html", "/100%.txt", "/x/*"]
    )

    # moto echoes the batch it received
    assert item["InvalidationBatch"]["Paths"]["Items"] == [
        "/docs/with%20space/%C3%BC.txt",
        "/a+b%20(1).html",
        "/100%25.txt",
        "/x/*",
    ]


def test_invalidate_refuses_a_path_without_leading_slash(built):
    before = cloudfront.listing(built.session)

    built.run("cf invalidate /ok foo")

    line = built.one_error()
    assert "path 'foo' does not start with /; write it as /foo" in line
    assert cloudfront.listing(built.session) == before


def test_invalidate_refuses_a_wildcard_before_the_end(built):
    built.run("cf invalidate '/css/*.css'")

    assert "has a * before its end" in built.one_error()


def test_invalidate_through_the_shell_reads_quoted_wildcards(built):
    built.run('cf invalidate /index.html "/css/*"')

    assert built.err == []
    assert built.out[0].endswith("  /index.html /css/*")


def test_invalidate_with_wait_reports_completion(built):
    built.run("cf invalidate --wait /waited")

    assert built.err == []
    assert built.out[-1] == "created " + cloudfront.describe(
        cloudfront.get(built.session, _created(built))
    )


def test_get_and_list_show_an_invalidation(built):
    built.run("cf invalidate /listed")
    ident = _created(built)

    built.run(f"cf get {ident}")
    listed = cloudfront.listing(built.session)

    assert built.out[-1].startswith(f"invalidation {ident}  COMPLETED  ")
    assert built.out[-1].endswith("  /listed")
    assert any(line.startswith(f"{ident}  COMPLETED ") for line in listed.splitlines())


def test_list_shows_the_newest_invalidation_first(built):
    built.run("cf invalidate /older")
    older = _created(built)
    built.run("cf invalidate /newer")
    newer = _created(built)

    ids = [line.split()[0] for line in cloudfront.listing(built.session).splitlines()]

    assert ids.index(newer) < ids.index(older)


def test_invalidations_made_or_shown_are_remembered_for_completion(built):
    built.run("cf invalidate /remembered")

    known = built.shell.catalog.invalidations()

    assert _created(built) in [item.ident for item in known.items]
    built.shell.catalog.close()


def test_get_of_an_unknown_invalidation_is_one_line(built):
    built.run("cf get NOSUCHID")

    line = built.one_error()
    assert "NoSuchInvalidation" in line
    assert "check the id with 'cf list'" in line


def test_wait_accepts_completed_in_moto_upper_case(built):
    ident = cloudfront.invalidate(built.session, ["/w"])["Id"]

    text = cloudfront.wait(built.session, ident, print, 60, sleep=_no_sleep)

    assert text == f"invalidation {ident} completed"


def _no_sleep(seconds: float) -> None:
    raise AssertionError("a completed invalidation needs no wait")


def _stub_statuses(session: LiveSession, dist: str, statuses: list[str]) -> Stubber:
    """moto never reports InProgress, so these answers come from a Stubber."""
    session.credentials()
    stub = Stubber(session.client("cloudfront"))
    for status in statuses:
        answer = {
            "Invalidation": {
                "Id": "I1",
                "Status": status,
                "CreateTime": datetime(2026, 12, 3, tzinfo=timezone.utc),
                "InvalidationBatch": {
                    "Paths": {"Quantity": 1, "Items": ["/a"]},
                    "CallerReference": "r",
                },
            }
        }
        stub.add_response(
            "get_invalidation", answer, {"DistributionId": dist, "Id": "I1"}
        )
    stub.activate()
    return stub


def test_wait_polls_showing_each_status_until_it_completes(built, account):
    stub = _stub_statuses(
        built.session,
        account.distribution_id,
        ["InProgress", "inprogress", "completed"],
    )
    naps, shown = [], []
    now = [0.0]

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        now[0] += seconds

    text = cloudfront.wait(
        built.session, "I1", shown.append, 600, 3, sleep, lambda: now[0]
    )

    stub.assert_no_pending_responses()
    assert text == "invalidation I1 completed"
    assert naps == [3, 3]
    assert shown == [
        "invalidation I1: InProgress, 0s so far (gives up after 10m00s; "
        "Ctrl-C stops waiting)",
        "invalidation I1: inprogress, 3s so far (gives up after 10m00s; "
        "Ctrl-C stops waiting)",
    ]


def test_wait_gives_up_after_its_timeout_with_one_line(built, account):
    _stub_statuses(built.session, account.distribution_id, ["InProgress"] * 3)
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(AwsError) as caught:
        cloudfront.wait(
            built.session, "I1", lambda _: None, 12, 5, sleep, lambda: now[0]
        )

    assert str(caught.value) == (
        "invalidation I1 is still InProgress after 12s; check it later with 'cf get I1'"
    )


def test_the_wait_timeout_comes_from_the_profile(make_shell):
    built = make_shell(extra="vaultsh_wait_timeout = 2m\n")

    assert settings.wait_timeout(built.session) == 120


def test_a_bad_wait_timeout_is_one_line(make_shell):
    built = make_shell(extra="vaultsh_wait_timeout = soon\n")

    built.run("cf wait I1")

    assert "vaultsh_wait_timeout = soon is not a duration" in built.one_error()


def test_cf_commands_without_distribution_name_the_profile_key(make_shell):
    built = make_shell(drop=("vaultsh_distribution_id",))

    built.run("cf list")

    assert "add 'vaultsh_distribution_id = " in built.one_error()


# whoami, refresh, rotate --------------------------------------------------------


def test_whoami_shows_account_role_and_masked_key(built):
    text = identity.whoami(built.session)
    key_id = built.session.credentials().access_key_id

    assert "account  123456789012" in text
    assert "arn      arn:aws:sts::123456789012:assumed-role/static.example.com/" in text
    assert f"key      ****{key_id[-4:]}" in text
    assert key_id not in text
    assert re.search(r"session  \d+m\d\ds left", text)


def test_refresh_starts_a_new_session(built):
    before = built.session.credentials().access_key_id

    built.run("refresh")

    after = built.session.credentials().access_key_id
    assert after != before
    assert built.out == [f"new session ****{after[-4:]}, {_left(built)}"]


def _left(built: Built) -> str:
    return identity.time_left(built.session.seconds_left())


def test_rotate_replaces_the_base_key_and_the_session_goes_on(make_shell, admin):
    admin["iam"].create_user(UserName="rotating-user")
    made = admin["iam"].create_access_key(UserName="rotating-user")["AccessKey"]
    old = Credentials(made["AccessKeyId"], made["SecretAccessKey"])
    built = make_shell(key=old)
    held = built.session.credentials()

    built.run("rotate")

    assert built.err == []
    new = built.shell.vault.get_key("dev")
    assert new.access_key_id != old.access_key_id
    keys = admin["iam"].list_access_keys(UserName="rotating-user")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [new.access_key_id]
    assert built.session.credentials() == held
    text = "\n".join(built.out)
    assert f"deleted old key ****{old.access_key_id[-4:]}" in text
    assert old.secret_access_key not in text and new.secret_access_key not in text


# !COMMAND -------------------------------------------------------------------------


def test_bang_runs_the_command_with_the_session_environment(built, tmp_path):
    captured = tmp_path / "child.txt"
    line = 'printf "%s %s" "$AWS_VAULT" "${AWS_SESSION_TOKEN:+token}"'

    with captured.open("w") as sink:
        status = child.run(built.session, line, stdout=sink)

    assert status == 0
    assert captured.read_text() == "static.example.com token"


def test_bang_reports_a_failing_command_in_one_line(built):
    built.run("!sh -c 'exit 3'")

    assert built.one_error() == "error: !sh -c 'exit 3' exited with status 3"


def test_bang_without_a_command_says_what_to_type(built):
    built.run("!")

    assert "no command after !" in built.one_error()


# dispatch and errors ----------------------------------------------------------------


def test_unknown_command_is_one_line_that_points_to_help(built):
    built.run("frobnicate now")

    assert "unknown command 'frobnicate'" in built.one_error()
    assert "'help'" in built.err[0]


def test_a_near_miss_suggests_the_command(built):
    built.run("whoamy")

    assert "did you mean 'whoami'?" in built.one_error()


def test_a_bad_quote_is_one_line(built):
    built.run('s3 get "docs/with space')

    assert "no closing quotation" in built.one_error()


def test_missing_and_extra_arguments_show_the_usage(built):
    built.run("s3 get")
    built.run("s3 put a b c")
    built.run("s3 rm")

    assert built.err == [
        "error: s3 get needs KEY; usage: s3 get KEY [LOCAL]",
        "error: too many arguments for s3 put; usage: s3 put LOCAL [KEY]; "
        "quote a name that has spaces",
        "error: s3 rm needs KEY; usage: s3 rm KEY...",
    ]


def test_a_group_without_subcommand_lists_them(built):
    built.run("cf")

    assert built.one_error() == (
        "error: cf needs a subcommand: invalidate, get, list, wait; see 'help'"
    )


def test_an_unexpected_failure_is_one_line_and_the_shell_goes_on(built, monkeypatch):
    def explode(shell, args):
        raise RuntimeError("boom")

    monkeypatch.setitem(commands.COMMANDS, "boom", commands.Spec("x", explode))

    built.run("boom")
    built.run("help")

    assert built.one_error().startswith("error: unexpected RuntimeError: boom; ")
    assert built.out[-1].startswith("commands:")


def test_a_failure_worded_over_several_lines_is_shown_on_one(built, monkeypatch):
    def fail(shell, args):
        raise AwsError("first line\nsecond line", "what to do")

    monkeypatch.setitem(commands.COMMANDS, "fail", commands.Spec("x", fail))

    built.run("fail")

    assert built.one_error() == "error: first line second line; what to do"


def test_help_lists_every_command_of_the_table(built):
    text = built.run("help")

    for name, spec in commands.COMMANDS.items():
        for sub in spec.subcommands or [""]:
            assert f"  {name} {sub}".rstrip() in text
    assert "!COMMAND" in text


@pytest.mark.parametrize("word", ["exit", "quit"])
def test_exit_and_quit_leave_the_shell(built, word):
    built.run(word)

    assert built.shell.leaving
