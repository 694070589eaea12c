"""What TAB offers: the pure suggestion function, then the completer on top."""

from __future__ import annotations

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
        ("s3 get docs/", [S3Key()]),
        ("s3 get docs/a.txt ", [LocalPath()]),
        ("s3 put ", [LocalPath()]),
        ("s3 put notes.txt dra", [S3Key()]),
        ("s3 rm key ", []),
        ("cf invalidate /a /b", [CfPath()]),
        ("cf get ", [Invalidation()]),
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
    assert _completions("s3 ls --") == ["--recursive"]


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


def test_tab_offers_no_s3_keys_and_makes_no_aws_call(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")

    assert _completions("s3 get sec") == []
    assert _completions("cf get ") == []


def test_every_command_of_the_table_is_reachable_by_tab():
    for name, spec in commands.COMMANDS.items():
        assert name in _completions(name[:1])
        for sub in spec.subcommands:
            assert sub in _completions(f"{name} {sub[:1]}")
