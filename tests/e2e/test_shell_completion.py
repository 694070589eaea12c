"""TAB in the installed shell, in a real terminal (tmux), against moto.

The account is the reference one (conftest's `home` and `stored_key`). What
the tests read is the screen: the line as completed, the completion menu and
the toolbar's status line.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator

import pytest

from tests.e2e.shell_screen import EMPTY_PROMPT, ShellScreen, open_shell
from vaultsh import demo

pytestmark = pytest.mark.e2e

BIG_FOLDER = "big/"
BIG_COUNT = 20_000


@pytest.fixture
def shell(home, stored_key, tmp_path) -> Iterator[ShellScreen]:
    with open_shell(home, tmp_path / "work") as opened:
        yield opened


def test_tab_completes_a_nested_key_one_folder_at_a_time(shell, tmp_path):
    shell.ready()
    shell.type("s3 get security/k")
    shell.press("Tab")
    shell.wait_for("(?m)" + re.escape(f"{EMPTY_PROMPT} s3 get security/keys/") + "$")
    shell.press("Tab")
    shell.wait_for(re.escape("s3 get security/keys/pgp.txt"))
    shell.press("Enter")

    shell.wait_for("download: s3://static.example.com/security/keys/pgp.txt to ")
    text = (tmp_path / "work" / "pgp.txt").read_text()
    assert text == demo.OBJECTS["security/keys/pgp.txt"]


def test_tab_completes_a_key_with_a_space_quoted_and_get_works(shell, tmp_path):
    shell.ready()
    shell.type("s3 get docs/w")
    shell.press("Tab")
    shell.wait_for(re.escape("s3 get 'docs/with space/'"))
    shell.press("Tab")
    shell.wait_for(re.escape("s3 get 'docs/with space/ü.txt'"))
    shell.press("Enter")

    shell.wait_for("download: s3://static.example.com/docs/with space/ü.txt to ")
    text = (tmp_path / "work" / "ü.txt").read_text()
    assert text == demo.OBJECTS["docs/with space/ü.txt"]


def test_tab_completes_an_invalidation_id_from_the_distribution(shell, admin, account):
    made = admin("cloudfront").create_invalidation(
        DistributionId=account.distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["/made-elsewhere"]},
            "CallerReference": "made-elsewhere",
        },
    )
    ident = made["Invalidation"]["Id"]

    shell.ready()
    shell.type("cf get ")
    shell.press("Tab")
    shell.wait_for(re.escape(f"cf get {ident}"))
    shell.press("Enter")

    shell.wait_for(f"invalidation {ident}  COMPLETED  .*/made-elsewhere")


def test_tab_completes_invalidation_paths_from_the_keys(shell):
    shell.ready()
    shell.type("cf invalidate /docs/w")
    shell.press("Tab")
    shell.wait_for(re.escape("cf invalidate '/docs/with space/'"))
    shell.press("Tab")
    shell.wait_for(r"\*\s+everything here")  # the menu: the wildcard, the file
    shell.wait_for(r"ü\.txt\s+42 B")
    shell.press("Tab")
    shell.wait_for(re.escape("cf invalidate '/docs/with space/*'"))
    shell.press("Enter")

    # sent URL-encoded, as CloudFront matches paths
    shell.wait_for(r"created invalidation \w+  COMPLETED  .*  /docs/with%20space/\*")


@pytest.fixture
def big_folder(account) -> str:
    """BIG_COUNT small objects in one folder, put straight into the in-process
    server's backend (through HTTP that would take minutes)."""
    from moto.s3.models import s3_backends

    backend = s3_backends[demo.ACCOUNT_ID]["aws"]
    for number in range(BIG_COUNT):
        backend.put_object(demo.BUCKET, f"{BIG_FOLDER}file-{number:06d}.txt", b"x")
    return BIG_FOLDER


def test_a_big_folder_loads_in_the_background_and_the_shell_stays_responsive(
    big_folder, shell
):
    shell.ready()
    shell.type(f"s3 get {BIG_FOLDER}")
    shell.press("Tab")

    # the listing runs; the toolbar says so, and keys are echoed meanwhile
    shell.wait_for(r"listing s3://static\.example\.com/big/\.\.\.", "toolbar")
    shell.type("file-0000")
    shell.wait_for(re.escape(f"{EMPTY_PROMPT} s3 get big/file-0000"))
    shell.press("Tab")
    shell.wait_for(re.escape("s3 get big/file-0000"))

    # another command runs at once, while the listing goes on
    shell.press("C-u")
    shell.command("whoami")
    shell.wait_for("account  123456789012")
    shell.wait_for(
        r"listing s3://static\.example\.com/big/\.\.\. [\d,]+ so far", "toolbar"
    )


# least privilege -------------------------------------------------------------

#: the role's policy without s3:ListBucket and cloudfront:ListInvalidations;
#: CloudFront on "*" because moto checks CloudFront actions against "*"
DENIED_LISTING = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow",
     "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
     "Resource": ["arn:aws:s3:::static.example.com/*"]},
    {"Effect": "Allow",
     "Action": ["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"],
     "Resource": "*"}
  ]
}"""


@pytest.fixture
def enforced(stored_key, admin, account, moto_endpoint) -> Iterator[None]:
    """moto checks every request against IAM from now on, with a role that may
    not list the bucket nor the invalidations (moto: POST /moto-api/reset-auth)."""
    iam = admin("iam")
    user = iam.get_user(UserName=demo.USER)["User"]["Arn"]
    # moto refuses the reference trust policy's account-root principal
    trust = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        f'"Principal": {{"AWS": "{user}"}}, "Action": "sts:AssumeRole"}}]}}'
    )
    iam.update_assume_role_policy(RoleName=demo.ROLE, PolicyDocument=trust)
    policy = f"arn:aws:iam::{demo.ACCOUNT_ID}:policy/{demo.ROLE}"
    iam.create_policy_version(
        PolicyArn=policy, PolicyDocument=DENIED_LISTING, SetAsDefault=True
    )
    _reset_auth(moto_endpoint, b"0")
    try:
        yield
    finally:
        _reset_auth(moto_endpoint, b"inf")


def _reset_auth(endpoint: str, count: bytes) -> None:
    # a form content type would hide the body from moto
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=count,
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


def test_denied_listings_offer_what_was_seen_and_say_why(enforced, home, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "note.txt").write_text("a note\n")
    with open_shell(home, work) as shell:
        shell.ready()
        shell.type("s3 get ")
        shell.press("Tab")
        # moto as a server answers any listing with a Delimiter with
        # SignatureDoesNotMatch once it checks IAM (tests/unit/test_repl_denied.py
        # has the real AccessDenied); either way completion degrades the same
        shell.wait_for(
            r"(s3:ListBucket denied|key listing failed \(SignatureDoesNotMatch\));"
            " TAB shows keys used this session",
            "toolbar",
        )

        # what this session uploads, completion then offers
        shell.press("C-u")
        shell.command("s3 put note.txt notes/")
        shell.wait_for("upload: .*note.txt to s3://static.example.com/notes/note.txt")
        shell.ready()
        shell.type("s3 get notes/")
        shell.press("Tab")
        shell.wait_for(re.escape("s3 get notes/note.txt"))

        # the same for invalidations
        shell.press("C-u")
        shell.command("cf invalidate /notes/note.txt")
        ident = shell.wait_for(r"created invalidation (\w+)  ").group(1)
        shell.ready()
        shell.type("cf get ")
        shell.press("Tab")
        shell.wait_for(re.escape(f"cf get {ident}"))
        shell.wait_for("ListInvalidations denied; TAB shows ids used", "toolbar")

        # a denied command is one line, and the shell carries on
        shell.press("C-u")
        shell.command("cf list")
        shell.wait_for(
            r"error: ListInvalidations on distribution \w+ failed: AccessDenied"
        )
        shell.command("s3 get notes/note.txt back.txt")
        shell.wait_for("download: s3://static.example.com/notes/note.txt to ")
    assert (work / "back.txt").read_text() == "a note\n"
