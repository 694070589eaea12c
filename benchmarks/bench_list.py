"""`vaultsh list` with 2,000 profiles and 200 cached sessions.

    python benchmarks/bench_list.py [--runs 15]
        [--keyring file|secret-service|both]

On each keyring backend, the config gets 1,998 more profiles next to the
reference `dev` and `static.example.com` (half of them roles with
`source_profile = dev`, half plain ones), and 200 sessions of those roles are
put into the vault with vaultsh.vault.Vault().set_session(...) (in a child
python with the user's environment, so it opens the same keyring as the
CLI). Then the installed `vaultsh list` is timed, and its output is checked:
how many of the 2,000 profiles it lists, and how many live sessions it shows.
Also prints `python -c pass` (the interpreter floor).

Target: median <= 300 ms.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import timedelta

from common import (
    BIN,
    ROLE,
    Bench,
    Result,
    emit,
    finish,
    floor,
    machine,
    ms,
    parser,
    report,
    run_benches,
    timed,
)

ROW = "vaultsh list (2,000 profiles, 200 sessions)"
TARGET = 0.300
PROFILES = 2000
SESSIONS = 200
KIND = "sts.AssumeRole"
ACCOUNT_ID = "123456789012"


def profile_names() -> tuple[list[str], list[str]]:
    """The generated roles and plain profiles: 1,998 with the two of the config."""
    numbers = range(1, PROFILES - 1)
    roles = [f"role-{n:04d}" for n in numbers if n % 2]
    plain = [f"plain-{n:04d}" for n in numbers if not n % 2]
    return roles, plain


def write_profiles(bench: Bench) -> tuple[list[str], list[str]]:
    roles, plain = profile_names()
    parts = []
    for name in roles:
        parts.append(
            f"\n[profile {name}]\n"
            f"role_arn = arn:aws:iam::{ACCOUNT_ID}:role/{name}\n"
            "source_profile = dev\nregion = us-east-1\n"
        )
    for name in plain:
        parts.append(f"\n[profile {name}]\nregion = eu-west-1\noutput = json\n")
    with open(bench.config(), "a", encoding="utf-8") as config:
        config.write("".join(parts))
    return roles, plain


def put_sessions(bench: Bench, profiles: list[str]) -> None:
    """Run this script as `--put-sessions` in the user's environment."""
    subprocess.run(
        [sys.executable, __file__, "--put-sessions"],
        input=json.dumps({"profiles": profiles, "serial": bench.account.mfa_serial}),
        env=bench.env,
        capture_output=True,
        text=True,
        check=True,
    )


def put_sessions_here() -> None:
    """The child: cache one session a profile read from stdin, 10 to 60 min left."""
    from vaultsh.credentials import Credentials, utcnow
    from vaultsh.vault import Vault

    request = json.load(sys.stdin)
    vault = Vault()
    now = utcnow()
    for number, profile in enumerate(request["profiles"]):
        left = timedelta(minutes=10 + number % 50)
        creds = Credentials(
            f"ASIABENCH{number:011d}",
            f"bench-secret-{number}",
            f"bench-token-{number}",
            now + left,
        )
        vault.set_session(KIND, profile, request["serial"], creds)


def check_output(bench: Bench, expected: set[str]) -> tuple[int, int]:
    """How many expected profiles `vaultsh list` shows, and how many sessions."""
    lines = bench.vaultsh("list").stdout.splitlines()[2:]
    listed = {line.split()[0] for line in lines if line.strip()}
    sessions = sum(line.count(f"{KIND}:") for line in lines)
    return len(listed & expected), sessions


def measure(bench: Bench, args: argparse.Namespace) -> None:
    roles, plain = write_profiles(bench)
    put_sessions(bench, roles[:SESSIONS])
    profiles, sessions = check_output(bench, {"dev", ROLE, *roles, *plain})
    print(f"  vaultsh list shows {profiles} of {PROFILES} profiles")
    print(f"  and {sessions} of {SESSIONS} cached sessions")
    seconds = timed([str(BIN / "vaultsh"), "list"], bench.env, args.runs)
    base = floor(bench.env)
    report([(ROW, seconds), ("python -c pass (interpreter floor)", base)], TARGET)
    complete = profiles == PROFILES and sessions == SESSIONS
    listed = "lists all" if complete else f"lists {profiles}/{sessions} only"
    peer = f"{listed}; floor: python {base * 1000:.0f} ms"
    met = seconds <= TARGET and complete
    emit(args, Result(ROW, bench.keyring, ms(seconds), "<= 300 ms", met, peer))


def main() -> None:
    made = parser(__doc__)
    made.add_argument("--put-sessions", action="store_true", help=argparse.SUPPRESS)
    args = finish(made.parse_args())
    if args.put_sessions:
        put_sessions_here()
        return
    print(f"list with many profiles and sessions ({machine()})")
    run_benches(args, ROW, lambda bench: measure(bench, args))


if __name__ == "__main__":
    main()
