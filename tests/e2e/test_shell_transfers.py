"""Transfers and bad input in the installed shell, in a real terminal (tmux),
against moto: a progress bar and parts for a large file, several keys at
once, and one clear line for each mistake a new user makes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest

from tests.e2e.shell_screen import ShellScreen, open_shell
from vaultsh import demo
from vaultsh.repl import s3

pytestmark = pytest.mark.e2e

#: just over the multipart threshold: two parts
LARGE = s3.MULTIPART_THRESHOLD + s3.MIB


@pytest.fixture
def work(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


@pytest.fixture
def shell(home, stored_key, work) -> Iterator[ShellScreen]:
    with open_shell(home, work) as opened:
        yield opened


def test_a_large_file_goes_up_in_parts_with_a_progress_bar(shell, work, admin):
    (work / "big.bin").write_bytes(os.urandom(LARGE))

    shell.command("s3 put big.bin uploads/")

    shell.wait_for(
        rf"upload: .*big\.bin to s3://static\.example\.com/uploads/big\.bin "
        rf"\({LARGE} bytes\)"
    )
    shell.wait_for(r"put big\.bin: +100\.0% .*#+.* 9\.0 MiB/9\.0 MiB")
    head = admin("s3").head_object(Bucket=demo.BUCKET, Key="uploads/big.bin")
    assert head["ETag"].strip('"').endswith("-2")

    shell.command("s3 get uploads/big.bin back.bin")
    shell.wait_for(rf"download: .* to .*back\.bin \({LARGE} bytes\)")
    assert (work / "back.bin").read_bytes() == (work / "big.bin").read_bytes()


def test_rm_of_several_keys_asks_first(shell, admin):
    for key in ("tmp/a.txt", "tmp/b c.txt"):
        admin("s3").put_object(Bucket=demo.BUCKET, Key=key, Body=b"x")

    shell.command("s3 rm tmp/a.txt 'tmp/b c.txt'")
    shell.wait_for(re.escape("delete 2 objects from s3://static.example.com? [y/N]"))
    shell.type("y")
    shell.press("Enter")

    shell.wait_for(re.escape("delete: s3://static.example.com/tmp/b c.txt"))
    listed = admin("s3").list_objects_v2(Bucket=demo.BUCKET, Prefix="tmp/")
    assert "Contents" not in listed


MISTAKES = [
    ("s3 put missing.txt", r"error: no file named missing\.txt; check the name"),
    (
        "s3 get no/such/key.txt",
        r"error: no object 'no/such/key\.txt' in bucket static\.example\.com; ",
    ),
    ("cf invalidate index.html", r"error: path 'index\.html' does not start with /; "),
    ("cf invalidate '/css/*.css'", r"error: path '/css/\*\.css' has a \* before its"),
    ("s3 ls --long", r"error: s3 ls has no option --long; usage: s3 ls "),
    ('s3 get "docs/with space', r"error: cannot read the line: no closing quotation"),
]


def test_each_mistake_is_one_line_and_the_shell_carries_on(shell, work):
    for line, error in MISTAKES:
        shell.command(line)
        shell.wait_for(error)

    shell.command("whoami")
    shell.wait_for("account  123456789012")
    errors = [row for row in shell.history().splitlines() if "error:" in row]
    assert len(errors) == len(MISTAKES), errors
    assert not (work / "key.txt").exists()
