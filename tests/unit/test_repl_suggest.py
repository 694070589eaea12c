"""What TAB offers: the pure suggestion function, then the completer on top."""

from __future__ import annotations

import shlex

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from vaultsh.repl import commands
from vaultsh.repl.completer import ShellCompleter
from vaultsh.repl.suggest import (
    CfPath,
    Command,
    Flag,
    Invalidation,
    LocalPath,
    S3Key,
    Subcommand,
    quote,
    split_partial,
    suggest,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [Command()]),
        ("wh", [Command()]),
        ("  s", [Command()]),
        ("s3 ", [Subcommand("s3")]),
        ("cf w", [Subcommand("cf")]),
        ("s3 ls ", [S3Key(folders_only=True), Flag(("s3", "ls"))]),
        ("s3 ls --r", [Flag(("s3", "ls"))]),
        ("s3 ls --recursive sec", [S3Key(folders_only=True)]),
        ("s3 ls --json security/k", [S3Key("security/", folders_only=True)]),
        ("s3 get docs/", [S3Key("docs/")]),
        ("s3 get docs/with", [S3Key("docs/")]),
        ("s3 get security/keys/p", [S3Key("security/keys/")]),
        ("s3 get docs/a.txt ", [LocalPath()]),
        ("s3 put ", [LocalPath()]),
        ("s3 put notes.txt dra", [S3Key()]),
        ("s3 put notes.txt drafts/n", [S3Key("drafts/")]),
        ("s3 rm key ", [S3Key()]),
        ("s3 rm a b c/d", [S3Key("c/")]),
        ("cf invalidate ", [CfPath(), Flag(("cf", "invalidate"))]),
        ("cf invalidate /a /b", [CfPath()]),
        ("cf invalidate /css/s", [CfPath("css/")]),
        ("cf invalidate css/s", [CfPath("css/")]),
        ("cf invalidate --w", [Flag(("cf", "invalidate"))]),
        ("cf get ", [Invalidation()]),
        ("cf wait I2J", [Invalidation()]),
        ("cf get ID ", []),
        ("cf list ", []),
        ("whoami ", []),
        ("nosuch ", []),
        ("s3 nosuch ", []),
        ("!aws s3 ls", []),
    ],
)
def test_suggest_names_what_may_come_next(text, expected):
    assert suggest(text) == expected


def test_a_quoted_word_with_spaces_counts_as_one_argument():
    assert suggest('s3 get "docs/with space/ü.txt" ') == [LocalPath()]
    assert suggest("s3 put my\\ file.txt ") == [S3Key()]


def test_the_folder_of_a_half_typed_quoted_key_is_its_unquoted_folder():
    assert suggest("s3 get 'docs/with space/") == [S3Key("docs/with space/")]
    assert suggest('s3 get "docs/with space/ü') == [S3Key("docs/with space/")]
    assert suggest("s3 get 'docs/with space/'ü") == [S3Key("docs/with space/")]


def test_split_partial_keeps_an_open_quote_in_the_last_word():
    partial = split_partial('s3 get "docs/with sp')

    assert partial.words == ("s3", "get")
    assert partial.raw == '"docs/with sp'
    assert partial.value == "docs/with sp"


def test_split_partial_at_a_space_has_an_empty_last_word():
    assert split_partial("s3 ls ").value == ""
    assert split_partial("s3 ls ").words == ("s3", "ls")


def _completions(text: str) -> list[str]:
    found = ShellCompleter().get_completions(Document(text), CompleteEvent())
    return [completion.text for completion in found]


def test_tab_completes_command_names():
    assert _completions("who") == ["whoami"]
    assert _completions("re") == ["refresh"]
    assert set(_completions("")) == set(commands.COMMANDS)


def test_tab_completes_subcommands_and_flags():
    assert _completions("s3 ") == ["ls", "get", "put", "rm"]
    assert _completions("cf ") == ["invalidate", "get", "list", "wait"]
    assert _completions("cf inv") == ["invalidate"]
    assert _completions("s3 ls --") == ["--recursive", "--json"]
    assert _completions("s3 ls --j") == ["--json"]
    assert _completions("cf invalidate --") == ["--wait"]


def test_completions_replace_only_the_word_being_typed():
    found = list(ShellCompleter().get_completions(Document("s3 g"), CompleteEvent()))

    assert [(c.text, c.start_position) for c in found] == [("get", -1)]
    assert (
        found[0].display_meta_text == commands.COMMANDS["s3"].subcommands["get"].summary
    )


def test_tab_completes_local_paths_for_put_quoting_spaces(tmp_path, monkeypatch):
    (tmp_path / "my notes.txt").write_text("x")
    (tmp_path / "mysite").mkdir()
    monkeypatch.chdir(tmp_path)

    assert _completions("s3 put my") == ["'my notes.txt'", "mysite"]
    assert _completions("s3 put mysite/") == []


def test_a_completer_without_a_catalog_offers_no_keys_and_calls_nothing(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")

    assert _completions("s3 get sec") == []
    assert _completions("cf get ") == []
    assert _completions("cf invalidate /") == []


NASTY_KEYS = [
    "docs/with space/ü.txt",
    "it's.txt",
    'say "hi".txt',
    "a+b=c&d?e#f%20g.txt",
    "back\\slash.txt",
    "日本語/😀.txt",
    "trailing space ",
    "$HOME/x",
    "tab\there",
    "/css/*",
    'it\'s \\ "all" of them',
]


@pytest.mark.parametrize("key", NASTY_KEYS)
def test_a_quoted_key_reads_back_as_the_same_word(key):
    typed = quote(key)

    assert shlex.split(typed) == [key]
    assert split_partial("s3 get " + typed).value == key
    assert commands.split("s3 rm " + typed + " other") == ["s3", "rm", key, "other"]


def test_plain_keys_stay_bare_and_special_ones_are_quoted():
    assert quote("security/keys/pgp-1_v2.txt") == "security/keys/pgp-1_v2.txt"
    assert quote("~/notes.txt") == "~/notes.txt"
    for key in ("a b", "ü.txt", "a+b", "a#b", "a%b", "a*", "a'b", 'a"b'):
        assert quote(key) != key, key


def test_every_command_of_the_table_is_reachable_by_tab():
    for name, spec in commands.COMMANDS.items():
        assert name in _completions(name[:1])
        for sub in spec.subcommands:
            assert sub in _completions(f"{name} {sub[:1]}")
