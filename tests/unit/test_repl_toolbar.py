"""The toolbar's text and colours, and the history file."""

from __future__ import annotations

import stat

from vaultsh.repl import history, toolbar


def _text(fragments) -> str:
    return "".join(text for _, text in fragments)


def _style_of(fragments, needle: str) -> str:
    return next(style for style, text in fragments if needle in text)


def test_toolbar_shows_profile_time_left_bucket_and_distribution():
    parts = toolbar.fragments("static.example.com", 1798.4, "static.example.com", "E1")

    text = _text(parts)
    assert "static.example.com" in text
    assert "29m58s left" in text
    assert "bucket static.example.com" in text
    assert "distribution E1" in text


def test_time_left_changes_colour_in_the_last_five_minutes():
    calm = toolbar.fragments("p", 301, "b", "d")
    late = toolbar.fragments("p", 299, "b", "d")

    assert _style_of(calm, "5m01s") == "class:toolbar.time"
    assert _style_of(late, "4m59s") == "class:toolbar.expiring"


def test_an_ended_session_shows_expired_in_the_warning_colour():
    parts = toolbar.fragments("p", -3, "b", "d")

    assert _style_of(parts, "expired") == "class:toolbar.expiring"


def test_a_long_term_key_has_no_expiry():
    assert "no expiry" in _text(toolbar.fragments("dev", None, "b", "d"))


def test_missing_settings_name_the_profile_keys():
    text = _text(toolbar.fragments("p", 900, None, None))

    assert "(no vaultsh_bucket)" in text
    assert "(no vaultsh_distribution_id)" in text


def test_history_file_is_private_and_in_the_state_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))

    kept = history.open_history()
    kept.append_string("s3 ls security/")

    path = tmp_path / "vaultsh" / "history"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "+s3 ls security/" in path.read_text()


def test_history_never_keeps_a_line_with_a_secret(tmp_path):
    path = tmp_path / "history"
    kept = history.open_history(path)

    kept.append_string("!AWS_SECRET_ACCESS_KEY=abc aws s3 ls")
    kept.append_string("!aws configure set aws_secret_access_key abc")
    kept.append_string("!env AWS_SESSION_TOKEN=xyz aws sts get-caller-identity")
    kept.append_string("whoami")

    assert "abc" not in path.read_text() and "xyz" not in path.read_text()
    assert list(kept.get_strings()) == ["whoami"]


def test_history_tightens_an_existing_file(tmp_path):
    path = tmp_path / "history"
    path.write_text("")
    path.chmod(0o644)

    history.open_history(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_status_takes_the_place_of_bucket_and_distribution():
    parts = toolbar.fragments(
        "p", 900, "b", "d", toolbar.Status("listing s3://b/big/... 3,000 so far")
    )

    text = _text(parts)
    assert "15m00s left" in text
    assert text.endswith("listing s3://b/big/... 3,000 so far ")
    assert "bucket" not in text and "help" not in text
    assert _style_of(parts, "listing") == "class:toolbar.status"


def test_a_warning_status_is_drawn_as_a_warning():
    parts = toolbar.fragments("p", 900, "b", "d", toolbar.Status("denied", True))

    assert _style_of(parts, "denied") == "class:toolbar.warning"


def test_a_notice_lasts_its_time_or_until_cleared():
    now = [0.0]
    notices = toolbar.Notices(clock=lambda: now[0])

    notices.post("session renewed: key ****ABCD, 30m00s left", seconds=10)
    assert notices.current().text.startswith("session renewed")
    now[0] = 10.0
    assert notices.current() is None

    notices.post("needs a code", float("inf"), warning=True)
    now[0] = 1e9
    assert notices.current() == toolbar.Status("needs a code", True)
    notices.clear()
    assert notices.current() is None
